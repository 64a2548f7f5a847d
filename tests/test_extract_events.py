"""Toponyms and candidate events from real articles, through the real gazetteer."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.extract import extract_events, extract_file, find_toponyms, read_document
from geo.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def gazetteer(data_dir: Path, tmp_path_factory) -> Gazetteer:
    return Gazetteer.from_data_dir(data_dir, cache_dir=tmp_path_factory.mktemp("gaz-cache"))


@pytest.fixture(scope="module")
def articles(data_dir: Path) -> Path:
    return data_dir / "articles"


@pytest.fixture(scope="module")
def dumayr(articles: Path, gazetteer: Gazetteer) -> gpd.GeoDataFrame:
    return extract_file(articles / "dumayr_raid_report.txt", gazetteer=gazetteer)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(math.sqrt(a))


def _span_text(text: str, span: str) -> str:
    start, end = (int(x) for x in span.split(":"))
    return text[start:end]


def test_dumayr_raid_is_located_in_the_town(dumayr: gpd.GeoDataFrame) -> None:
    events = dumayr[dumayr["role"] == "event"]
    assert len(events) == 1
    raid = events.iloc[0]
    assert raid["location"] == "Dumayr" and raid["event_type"] == "raid"
    assert raid.geometry.geom_type == "Point" and raid["geo_precision"] == "point"
    assert raid["country"] == "SYR"
    # GeoNames 170589 Aḑ Ḑumayr, the town (not the subdistrict centroid 30 km away)
    assert _km(raid["latitude"], raid["longitude"], 33.64389, 36.69376) < 1


def test_dumayr_date_time_actors_and_toll_as_the_report_gives_them(
    dumayr: gpd.GeoDataFrame, articles: Path
) -> None:
    text = (articles / "dumayr_raid_report.txt").read_text(encoding="utf-8")
    raid = dumayr[dumayr["role"] == "event"].iloc[0]
    assert str(raid["date_start"].date()) == str(raid["date_end"].date()) == "2023-10-19"
    assert raid["date_precision"] == "day"
    assert _span_text(text, raid["date_span"]) == "October 19, 2023"
    assert raid["time"] == "03:00" and _span_text(text, raid["time_span"]) == "03:00"
    assert raid["actor1"].startswith("U.S.")
    assert _span_text(text, raid["actor1_span"]) == raid["actor1"]
    assert raid["assoc_actor_1"].startswith("Syrian Free Army")
    assert _span_text(text, raid["assoc_actor_1_span"]) == raid["assoc_actor_1"]
    assert raid["fatalities"] == 1
    assert _span_text(text, raid["fatalities_span"]) == "the death of Khaled al-Masoud"
    assert _span_text(text, raid["location_span"]) == "Dumayr"
    assert (
        raid["notes"]
        == "The raid took place in Dumayr, a town located east of Damascus, around 03:00."
    )
    assert _span_text(text, raid["sentence_span"]) == raid["notes"]


def test_damascus_is_a_reference_and_the_badiya_an_area(dumayr: gpd.GeoDataFrame) -> None:
    raid_id = dumayr.loc[dumayr["role"] == "event", "event_id"].iloc[0]
    (damascus,) = dumayr[dumayr["role"] == "reference"].itertuples()
    assert damascus.location == "Damascus" and damascus.event_ref == raid_id
    assert _km(damascus.latitude, damascus.longitude, 33.5102, 36.29128) < 1
    (badiya,) = dumayr[dumayr["role"] == "area"].itertuples()
    assert badiya.location == "Badiya" and badiya.geo_precision == "region"
    assert badiya.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert badiya.geometry.area > 5  # square degrees: a desert, not a town


def test_people_and_groups_named_like_places_are_not_toponyms(
    articles: Path, gazetteer: Gazetteer
) -> None:
    doc = read_document(articles / "dumayr_raid_report.txt")
    found = {t.phrase for t in find_toponyms(doc, gazetteer)}
    assert {"Dumayr", "Damascus", "Badiya"} <= found
    # "Hayat Tahrir al-Sham" (al-Sham is an alias of Damascus), "IS", and the surname
    # al-Masoud are not places.
    for text_span in ("al-Sham", "Sham", "IS", "al-Masoud", "Masoud", "Khaled"):
        assert text_span not in found


def test_a_name_glued_to_a_person_is_dropped_everywhere(gazetteer: Gazetteer) -> None:
    text = "Commander Ahmad Douma spoke on Monday. Douma said shelling hit Saraqib."
    found = [(t.phrase, t.role) for t in find_toponyms(text, gazetteer)]
    assert found == [("Saraqib", "event")]


def test_roles_and_coordinated_villages(articles: Path, gazetteer: Gazetteer) -> None:
    doc = read_document(
        articles
        / "01_trnews_1050002_after_aleppo_cease_fire_rebel_and_civilian_pullout_delayed.txt"
    )
    tops = find_toponyms(doc, gazetteer)
    at = {t.start: t for t in tops}
    foua, kfraya, idlib = at[1851], at[1860], at[1870]
    assert (foua.phrase, kfraya.phrase, idlib.phrase) == ("Foua", "Kfraya", "Idlib")
    assert foua.role == kfraya.role == "event"
    assert idlib.role == "reference"  # the container of the two villages
    # Kfraya, which the index spells Kafraya, is resolved next to Foua (gold 35.990, 36.678)
    assert kfraya.resolution.status == "resolved"
    assert _km(kfraya.resolution.latitude, kfraya.resolution.longitude, 35.99029, 36.67816) < 10
    demonyms = [t for t in tops if t.kind == "demonym"]
    assert demonyms and all(t.role == "reference" for t in demonyms)


def test_lowercase_direction_is_kept_for_lookup_not_in_the_span(
    articles: Path, gazetteer: Gazetteer
) -> None:
    doc = read_document(articles / "03_geowebnews_121_syria_says_has_regained_most_of_ghouta.txt")
    ghouta = [t for t in find_toponyms(doc, gazetteer) if t.phrase == "Ghouta"]
    assert ghouta and all(t.query == "eastern Ghouta" for t in ghouta)
    assert all(t.resolution.matched_name == "Eastern Ghouta" for t in ghouta)
    assert ghouta[0].start == 87 and ghouta[0].role == "area"


def test_every_gold_syrian_place_in_the_afrin_report_is_found(
    articles: Path, gazetteer: Gazetteer
) -> None:
    name = "05_geowebnews_1_turkey_shells_syrian_city_as_it_pushes_into_kurdish_enclave.txt"
    gold = next(
        json.loads(line)
        for line in (articles / "gold.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["file"] == name
    )
    found = {(t.start, t.end) for t in find_toponyms(read_document(articles / name), gazetteer)}
    for place in gold["toponyms"]:
        if place["phrase"] in ("Qamishli", "Afrin", "Syria", "Syrian"):
            assert (place["start"], place["end"]) in found, place


def test_relative_date_and_toll_in_a_short_report(gazetteer: Gazetteer) -> None:
    text = "Regime shelling hit Saraqib on Sunday, killing 3 civilians, activists said."
    events = extract_events(text, published="2024-03-05", gazetteer=gazetteer)
    (row,) = events.itertuples()
    assert (row.location, row.event_type, row.fatalities) == ("Saraqib", "shelling", 3)
    assert str(row.date_start.date()) == "2024-03-03" and row.date_precision == "day"
    assert row.date_text == "on Sunday"
    undated = extract_events(text, gazetteer=gazetteer)
    assert undated["date_start"].isna().all()  # no publication date: nothing guessed


def test_near_cue_lowers_precision(gazetteer: Gazetteer) -> None:
    events = extract_events("An airstrike hit a car near Saraqib.", gazetteer=gazetteer)
    assert events.loc[0, "geo_precision"] == "near"


def test_html_page_and_export(tmp_path: Path, gazetteer: Gazetteer) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        '<html><head><meta property="article:published_time" content="2024-03-05">'
        "</head><body><nav>Home Aleppo Idlib</nav><p>An airstrike on Sunday killed two "
        "people in Maarat al-Numan.</p><footer>Copyright 2024</footer></body></html>",
        encoding="utf-8",
    )
    events = extract_file(page, gazetteer=gazetteer)
    (row,) = events.itertuples()
    assert row.location == "Maarat al-Numan" and row.fatalities == 2
    assert str(row.date_start.date()) == "2024-03-03"
    out = tmp_path / "events.geojson"
    events.to_file(out, driver="GeoJSON")
    back = gpd.read_file(out)
    assert list(back["location"]) == ["Maarat al-Numan"] and back.crs.to_epsg() == 4326


def test_text_without_places_gives_an_empty_typed_frame(gazetteer: Gazetteer) -> None:
    events = extract_events("Nothing happened here.", gazetteer=gazetteer)
    assert len(events) == 0 and "role" in events.columns and events.crs.to_epsg() == 4326


def test_arabic_report_finds_the_town_and_its_governorate(gazetteer: Gazetteer) -> None:
    text = "قتل شخص في غارة جوية على الضمير في ريف دمشق"
    found = [(t.phrase, t.role) for t in find_toponyms(text, gazetteer)]
    # The preposition على is spelled like a village; it is not a place here.
    assert found == [("الضمير", "event"), ("ريف دمشق", "reference")]
    events = extract_events(text, gazetteer=gazetteer)
    raid = events[events["role"] == "event"].iloc[0]
    assert raid["event_type"] == "airstrike"
    assert _km(raid["latitude"], raid["longitude"], 33.64389, 36.69376) < 1


def test_capitalised_dateline_and_trailing_article(gazetteer: Gazetteer) -> None:
    text = "DAMASCUS, Syria (AP) — Shelling hit Douma as government forces advanced."
    found = [(t.phrase, t.kind, t.role) for t in find_toponyms(text, gazetteer)]
    assert found == [
        ("DAMASCUS", "name", "reference"),
        ("Syria", "country", "reference"),
        ("Douma", "name", "event"),
    ]


def test_passive_event_verbs_and_ordinary_words(gazetteer: Gazetteer) -> None:
    found = [(t.phrase, t.role) for t in find_toponyms("Homs and Hama were shelled.", gazetteer)]
    assert found == [("Homs", "event"), ("Hama", "event")]
    # "Revolution" names a town in the index, but the text also uses the word in lower case.
    text = "Revolution Day was marked as the revolution turned twelve."
    assert find_toponyms(text, gazetteer) == []


def test_batch_of_files_keeps_each_file_as_provenance(articles: Path, gazetteer: Gazetteer) -> None:
    names = [
        "dumayr_raid_report.txt",
        "05_geowebnews_1_turkey_shells_syrian_city_as_it_pushes_into_kurdish_enclave.txt",
    ]
    events = extract_file([articles / n for n in names], gazetteer=gazetteer)
    files = {Path(f).name for f in events["source_file"]}
    assert files == set(names)
    assert events["event_id"].is_unique
    afrin = events[(events["location"] == "Afrin") & (events["role"] == "event")].iloc[0]
    assert afrin["fatalities"] == 73 and afrin["event_type"] == "clashes"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "In",
                "Dumayr",
                "al-",
                "Sham",
                "Khaled",
                "raid",
                "killed",
                "3",
                "on",
                "Sunday",
                ",",
                ".",
                "\n",
                "الضمير",
                "في",
                "east of",
                "Damascus",
                "(SFA)",
                "03:00",
                "Oct.",
                "19",
                "2023",
                "the",
                "Badiya",
                "U.S.",
                "troops",
                "IS",
                "eastern",
                "Ghouta",
                " ",
                "é",
                "—",
            ]
        ),
        max_size=40,
    ).map(" ".join)
)
def test_any_text_gives_spans_inside_it(gazetteer: Gazetteer, text: str) -> None:
    for toponym in find_toponyms(text, gazetteer):
        assert text[toponym.start : toponym.end] == toponym.phrase
    events = extract_events(text, published="2023-10-20", gazetteer=gazetteer)
    for column in ("location_span", "date_span", "time_span", "sentence_span"):
        for span in events[column].dropna():
            start, end = (int(x) for x in span.split(":"))
            assert 0 <= start < end <= len(text)


def test_names_around_place_words(gazetteer: Gazetteer) -> None:
    text = (
        "Israeli strikes hit Mezzeh military airport. Rebels shelled the Shiite villages "
        "of Foua and Kfraya near Palmyra, also known as Tadmur."
    )
    found = {t.phrase: t.role for t in find_toponyms(text, gazetteer)}
    assert found["Mezzeh"] == "event"  # a name the index spells otherwise, before "airport"
    assert "Shiite" not in found  # a group word before "villages", not a place
    assert found["Tadmur"] == found["Palmyra"]  # an alias shares its place's role
