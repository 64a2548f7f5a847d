"""The gazetteer on the real shared data: spellings, scripts, hints, areas, phrases."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from geo.gazetteer import Gazetteer
from geo.schema import GEO_METHODS, GEO_PRECISIONS

DUMAYR = (33.64389, 36.69376)


@pytest.fixture(scope="module")
def gazetteer(data_dir, tmp_path_factory) -> Gazetteer:
    # One cache per test session: the first module builds the index, the others load it.
    return Gazetteer.from_data_dir(data_dir, cache_dir=tmp_path_factory.getbasetemp() / "gaz-cache")


@pytest.mark.parametrize(
    "spelling",
    [
        "Dumayr",
        "Ad Dumayr",
        "Al-Dumayr",
        "Dmeir",
        "Doumeir",
        "الضمير",
        "Ad Dumayr town",
        "aḑ-Ḑumayr",
        "DUMAYR",
    ],
)
def test_every_spelling_of_dumayr_is_the_town(gazetteer, spelling):
    result = gazetteer.resolve(spelling)
    assert result.status == "resolved"
    assert (result.latitude, result.longitude) == pytest.approx(DUMAYR, abs=1e-4)
    assert result.precision == "point"
    assert isinstance(result.geometry, Point)
    assert result.method in GEO_METHODS
    assert result.source_id in {"170589", "1309991387"}


def test_damascus_is_the_city_not_the_governorate(gazetteer):
    result = gazetteer.resolve("Damascus")
    assert result.status == "resolved"
    assert result.precision == "point"
    assert (result.latitude, result.longitude) == pytest.approx((33.5102, 36.29128), abs=1e-3)


def test_the_badiya_is_an_area_polygon(gazetteer):
    result = gazetteer.resolve("the Badiya")
    assert result.status == "resolved"
    assert result.precision == "region"
    assert result.geometry.geom_type in ("Polygon", "MultiPolygon")
    # Palmyra lies in the desert; Damascus and Dumayr's neighbour Damascus do not.
    assert result.geometry.contains(Point(38.27, 34.56))
    assert not result.geometry.contains(Point(36.29128, 33.5102))
    assert result.geometry.contains(Point(result.longitude, result.latitude))
    assert result.precision in GEO_PRECISIONS


def test_governorate_descriptor_gives_the_admin_unit(gazetteer):
    result = gazetteer.resolve("Hama Governorate")
    assert result.precision == "adm1"
    assert result.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert result.geometry.contains(Point(36.75, 35.13))  # Hama city


def test_relative_offset_phrase(gazetteer):
    base = gazetteer.resolve("Deir ez-Zor")
    result = gazetteer.resolve("35 km east of Deir ez-Zor")
    assert result.method == "relative" and result.precision == "near"
    assert result.latitude == pytest.approx(base.latitude, abs=0.05)
    # 35 km east at ~35.3 N is about 0.385 degrees of longitude.
    assert result.longitude - base.longitude == pytest.approx(0.385, abs=0.02)


def test_near_phrase_keeps_the_place_with_near_precision(gazetteer):
    result = gazetteer.resolve("near Dumayr")
    assert (result.latitude, result.longitude) == pytest.approx(DUMAYR, abs=1e-4)
    assert result.precision == "near"


@pytest.mark.parametrize("bad", ["", "   ", None, 42, float("nan"), "!!!", "xyzzy"])
def test_bad_names_are_unresolved_with_a_reason(gazetteer, bad):
    result = gazetteer.resolve(bad)
    assert result.status == "unresolved"
    assert result.reason
    assert result.geometry is None


def test_admin_hint_picks_the_same_name_place_in_that_governorate(gazetteer):
    # Several villages are called Al Karamah; the Raqqa one is an admin seat.
    in_raqqa = gazetteer.resolve("Karama town", admin1="Ar Raqqah Governorate")
    assert in_raqqa.status == "resolved"
    assert in_raqqa.adm_pcodes[0] == "SY11"
    # The same name with another governorate's hint finds that governorate's village.
    entries = gazetteer.entries
    names = gazetteer.names
    karamah = entries.loc[names.loc[names["key"] == "karamah", "entry"].unique()]
    other = karamah[(karamah["adm1_pcode"] != "SY11") & (karamah["kind"] == "place")]
    assert len(other), "expected Al Karamah villages outside Raqqa"
    pcode = other["adm1_pcode"].iloc[0]
    governorate = entries.loc[(entries["kind"] == "adm1") & (entries["pcode"] == pcode), "name"]
    hinted = gazetteer.resolve("Al Karamah", admin1=f"{governorate.iloc[0]} Governorate")
    assert hinted.status in ("resolved", "ambiguous")
    if hinted.status == "resolved":
        assert hinted.adm_pcodes[0] == pcode
    else:
        assert all(c.adm1_pcode == pcode for c in hinted.candidates)


def test_same_name_villages_in_different_governorates_are_ambiguous_not_guessed(gazetteer):
    # Sayda is a village in Daraa and another in Quneitra: nothing says which.
    result = gazetteer.resolve("Sayda")
    assert result.status == "ambiguous"
    assert result.geometry is None
    assert {c.adm1_pcode for c in result.candidates} >= {"SY12", "SY14"}
    assert "hint" in result.reason
    # The governorate the source names settles it.
    hinted = gazetteer.resolve("Sayda", admin1="Dar'a")
    assert hinted.status == "resolved" and hinted.adm_pcodes[0] == "SY12"
    assert hinted.precision == "point"


def test_same_name_villages_in_one_governorate_give_that_governorate(gazetteer):
    # Two villages called Ibbin, both in Aleppo: the event is in Aleppo, no more.
    result = gazetteer.resolve("Ibbin")
    assert result.status == "resolved"
    assert result.precision == "adm1" and result.adm_pcodes[0] == "SY02"
    assert result.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert result.n_candidates == 2 and "all in this admin unit" in result.reason


def test_unknown_name_with_a_district_hint_falls_back_to_the_district(gazetteer):
    result = gazetteer.resolve("Qwxzv village", admin1="Aleppo", admin2="Afrin")
    assert result.status == "resolved"
    assert result.precision == "adm2" and result.adm_pcodes[1] == "SY0203"
    assert "admin unit the source names" in result.reason


def test_hints_reject_a_same_name_place_in_another_governorate(gazetteer):
    # "Basira" is also an alternate name of Kur Muman (Aleppo); with a Deir ez-Zor hint the
    # answer must be in Deir ez-Zor.
    result = gazetteer.resolve("Basira", admin1="Deir-ez-Zor")
    assert result.status == "resolved"
    assert result.adm_pcodes[0] == "SY09"


def test_subdistrict_name_gives_its_seat_town(gazetteer):
    result = gazetteer.resolve("Tal Tamer", admin1="Al Hasakeh")
    assert result.precision == "point"
    assert (result.latitude, result.longitude) == pytest.approx((36.65, 40.37), abs=0.05)


def test_index_is_cached_and_rebuilt_when_an_input_changes(data_dir, tmp_path):
    # A private data dir: the shared boundaries (symlinked) and one small GeoNames file.
    private = tmp_path / "data"
    (private / "gazetteer" / "geonames").mkdir(parents=True)
    (private / "boundaries").symlink_to(data_dir / "boundaries")
    source = data_dir / "gazetteer" / "geonames" / "cities500_SY.txt"
    dump = private / "gazetteer" / "geonames" / "cities.txt"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    dump.write_text("".join(line for line in lines if "Dumayr" not in line), encoding="utf-8")
    cache = tmp_path / "cache"
    first = Gazetteer.from_data_dir(private, cache_dir=cache)
    assert (
        first.resolve("Dumayr").status != "resolved" or first.resolve("Dumayr").precision != "point"
    )
    assert len(list(cache.glob("*.parquet"))) == 2
    again = Gazetteer.from_data_dir(private, cache_dir=cache)
    assert again.signature == first.signature
    # The user adds the town: the next load sees it.
    dump.write_text("".join(lines), encoding="utf-8")
    updated = Gazetteer.from_data_dir(private, cache_dir=cache)
    assert updated.signature != first.signature
    assert updated.resolve("Dumayr").precision == "point"


def test_a_corrupt_gazetteer_file_is_a_one_line_data_dir_error(data_dir, tmp_path):
    from geo.report import DataDirError

    private = tmp_path / "data"
    (private / "gazetteer").mkdir(parents=True)
    (private / "boundaries").symlink_to(data_dir / "boundaries")
    bad = private / "gazetteer" / "broken.txt"
    bad.write_text("170589\tAd Dumayr\tnot enough columns\n", encoding="utf-8")
    with pytest.raises(DataDirError) as error:
        Gazetteer.from_data_dir(private, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert "broken.txt" in message and "GeoNames" in message and "\n" not in message


def test_mixed_script_name(gazetteer):
    result = gazetteer.resolve("Dumayr الضمير")
    assert result.status == "resolved"
    assert (result.latitude, result.longitude) == pytest.approx(DUMAYR, abs=1e-4)


def test_road_between_two_towns_is_their_midpoint(gazetteer):
    a, b = gazetteer.resolve("Aleppo"), gazetteer.resolve("Khanasir", admin1="Aleppo")
    result = gazetteer.resolve("Road between Aleppo and Khanasir")
    assert result.method == "relative"
    assert result.latitude == pytest.approx((a.latitude + b.latitude) / 2)
    assert result.longitude == pytest.approx((a.longitude + b.longitude) / 2)
    assert result.adm_pcodes[0] == "SY02"


def test_site_descriptor_places_the_event_near_the_town(gazetteer):
    result = gazetteer.resolve("Sidnaya Military Prison")
    assert result.precision == "near"
    town = gazetteer.resolve("Saydnaya")
    assert (result.latitude, result.longitude) == (town.latitude, town.longitude)


def test_context_in_the_same_text_chooses_among_same_name_places(gazetteer):
    # "Sayda" alone is ambiguous (Daraa / Quneitra); "Sayda, Daraa" is not.
    result = gazetteer.resolve("Sayda, Daraa")
    assert result.status == "resolved" and result.adm_pcodes[0] == "SY12"


@pytest.mark.parametrize(
    ("names", "inside", "outside"),
    [
        (("Eastern Ghouta", "الغوطة الشرقية"), (36.40, 33.57), (36.29, 33.51)),  # Douma / Damascus
        (("Western Ghouta", "الغوطة الغربية"), (36.23, 33.46), (36.29, 33.51)),  # Darayya
        (("Qalamoun", "القلمون"), (36.66, 33.97), (36.29, 33.51)),  # Yabroud
        (("Jazira", "the Jazira region"), (41.22, 37.05), (38.27, 34.56)),  # Qamishli / Palmyra
        (("Syrian Desert", "بادية الشام"), (38.27, 34.56), (40.14, 35.33)),  # Palmyra / Deir ez-Zor
        # Turkish-led operation areas, as datasets name them: Ras al-Ayn / Qamishli,
        # Afrin / Azaz, al-Bab / Manbij.
        (("Operation Peace Spring", "نبع السلام"), (40.07, 36.78), (41.22, 37.05)),
        (("Operation Olive Branch", "غصن الزيتون"), (36.87, 36.51), (37.04, 36.59)),
        (("Euphrates Shield area", "درع الفرات"), (37.52, 36.37), (37.95, 36.53)),
    ],
)
def test_curated_regions_are_polygons_in_both_scripts(gazetteer, names, inside, outside):
    shapes = []
    for name in names:
        result = gazetteer.resolve(name)
        assert result.status == "resolved" and result.precision == "region", name
        assert result.source == "project"
        shapes.append(result.geometry)
    assert shapes[0].equals(shapes[1])
    assert shapes[0].contains(Point(*inside))
    assert not shapes[0].contains(Point(*outside))


@pytest.mark.parametrize(
    ("name", "admin1", "region"),
    [
        ("Badiya", "Homs", "Badiya"),
        ("Jazira", "Al-Hasakeh", "Jazira"),
        ("Peace Spring", "Ar-Raqqa", "Peace Spring area"),
    ],
)
def test_a_region_agrees_with_a_governorate_it_overlaps(gazetteer, name, admin1, region):
    # ACLED gives the governorate of an event "in the Badiya": the region, not a village
    # that merely resembles the name, nor the governorate.
    result = gazetteer.resolve(name, admin1=admin1)
    assert (result.status, result.matched_name, result.precision) == ("resolved", region, "region")


def test_a_region_outside_the_named_governorate_gives_way_to_it(gazetteer):
    result = gazetteer.resolve("Badiya", admin1="Idlib")
    assert result.fallback == "admin hint" and result.precision == "adm1"
    assert result.adm_pcodes[0] == "SY07"


def test_every_curated_entry_has_provenance_and_known_pcodes(data_dir):
    import json

    import geopandas as gpd
    import pandas as pd

    from geo.settings import PROJECT_DATA_DIR

    adm3 = set(
        gpd.read_file(data_dir / "boundaries" / "syr_adm3_subdistricts.geojson")["adm3_pcode"]
    )
    regions = json.loads((PROJECT_DATA_DIR / "gazetteer" / "regions.json").read_text("utf-8"))
    for region in regions["regions"]:
        assert len(region["provenance"]) > 80, region["id"]
        assert set(region["adm3_pcodes"]) <= adm3, region["id"]
    aliases = pd.read_csv(PROJECT_DATA_DIR / "gazetteer" / "aliases.csv", dtype=str)
    assert aliases["provenance"].str.len().gt(20).all()


def test_a_full_geonames_dump_loads_the_same_way_even_zipped(data_dir, tmp_path):
    """A user's SY.txt has every feature class: deserts, wadis, admin divisions. Zipped as
    GeoNames ships it (SY.zip), it loads too; admin divisions come from the boundaries."""
    import zipfile

    private = tmp_path / "data"
    (private / "gazetteer").mkdir(parents=True)
    (private / "boundaries").symlink_to(data_dir / "boundaries")
    source = (data_dir / "gazetteer" / "geonames" / "cities500_SY.txt").read_text("utf-8")
    extra = [
        # a desert (class T), a wadi (class H) and an ADM1 point, in GeoNames dump format
        "170000\tBādiyat ash Shām\tBadiyat ash Sham\tHamad,Syrian Desert Test\t33.5\t38.9\tT\tDSRT\tSY\t\t00\t\t\t\t0\t\t600\tAsia/Damascus\t2020-01-01",
        "170001\tWādī Qwxzv\tWadi Qwxzv\tQwxzv Valley\t34.1\t38.1\tH\tWAD\tSY\t\t11\t\t\t\t0\t\t500\tAsia/Damascus\t2020-01-01",
        "170002\tMuḩāfaẓat Idlib\tMuhafazat Idlib\tIdlib Governorate\t35.8\t36.6\tA\tADM1\tSY\t\t12\t\t\t\t0\t\t400\tAsia/Damascus\t2020-01-01",
    ]
    with zipfile.ZipFile(private / "gazetteer" / "SY.zip", "w") as archive:
        archive.writestr("readme.txt", "GeoNames readme")
        archive.writestr("SY.txt", source + "\n".join(extra) + "\n")
    gazetteer = Gazetteer.from_data_dir(private, cache_dir=tmp_path / "cache")
    wadi = gazetteer.resolve("Wadi Qwxzv")
    assert wadi.status == "resolved" and wadi.source_id == "170001"
    assert gazetteer.resolve("Syrian Desert Test").source_id == "170000"
    # The governorate is the boundary layer's polygon, not GeoNames' ADM1 point.
    idlib = gazetteer.resolve("Idlib Governorate")
    assert idlib.precision == "adm1" and idlib.source == "boundaries"
    assert gazetteer.resolve("Dumayr").source_id == "170589"


def test_a_town_descriptor_asks_for_the_town(gazetteer):
    # "Damascus city" is an alias of the governorate too; the descriptor settles it.
    result = gazetteer.resolve(
        "Damascus city", admin1="Damascus Governorate", admin2="Damascus district"
    )
    assert result.precision == "point" and result.source_id == "170654"
    # "Karama" names a subdistrict; "Karama town" is its seat, Al Karamah.
    assert gazetteer.resolve("Karama town").matched_name == "Al Karāmah"
