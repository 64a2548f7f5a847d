"""The geocode stage on the seed events and on rows that must not be guessed."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.gazetteer import Gazetteer
from geo.geocode import geocode


@pytest.fixture(scope="module")
def gazetteer(data_dir, tmp_path_factory) -> Gazetteer:
    # One cache per test session: the first module builds the index, the others load it.
    return Gazetteer.from_data_dir(data_dir, cache_dir=tmp_path_factory.getbasetemp() / "gaz-cache")


@pytest.fixture()
def seed(demo_events) -> pd.DataFrame:
    frame = pd.read_csv(demo_events)
    return frame.assign(source_file=demo_events.name, source_row=range(1, len(frame) + 1))


def test_seed_events_are_located(seed, gazetteer):
    located, problems = geocode(seed, gazetteer=gazetteer)
    assert isinstance(located, gpd.GeoDataFrame) and located.crs.to_epsg() == 4326
    assert list(located.index) == list(seed.index)
    assert problems == []
    by_place = located.set_index("location")
    dumayr = by_place.loc["Dumayr"]
    assert (dumayr["latitude"], dumayr["longitude"]) == pytest.approx(
        (33.64389, 36.69376), abs=1e-4
    )
    assert dumayr["geo_precision"] == "point" and dumayr["geo_precision_acled"] == 1
    assert by_place.loc["Damascus", "geo_precision"] == "point"
    badiya = by_place.loc["the Badiya"]
    assert badiya["geometry"].geom_type in ("Polygon", "MultiPolygon")
    assert badiya["geo_precision"] == "region" and badiya["geo_precision_ucdp"] == 5
    assert badiya["geo_method"] == "area"
    assert located["geo_source"].str.len().gt(0).all()


def test_source_coordinates_are_kept_and_bad_ones_replaced(gazetteer):
    frame = pd.DataFrame(
        {
            "location": ["Dumayr", "Dumayr", "Dumayr"],
            "latitude": [34.0, 500.0, np.nan],
            "longitude": [37.0, 20.0, np.nan],
            "geo_method": ["source", "source", None],
            "source_file": "f.csv",
            "source_row": [1, 2, 3],
        },
        index=[10, 11, 12],
    )
    located, problems = geocode(frame, gazetteer=gazetteer)
    assert list(located.index) == [10, 11, 12]
    assert located.loc[10, ["latitude", "longitude"]].tolist() == [34.0, 37.0]
    assert located.loc[10, "geo_method"] == "source"
    for i in (11, 12):
        assert located.loc[i, "latitude"] == pytest.approx(33.64389)
        assert located.loc[i, "geo_method"] != "source"
    assert [(p.row, p.field) for p in problems] == [(2, "latitude/longitude")]


def test_unlocatable_rows_stay_with_a_problem_naming_file_and_row(gazetteer):
    frame = pd.DataFrame(
        {
            "location": ["Qwxzv", None, "Dumayr", "Sayda"],
            "source_file": "events.csv",
            "source_row": [4, 5, 6, 7],
        }
    )
    located, problems = geocode(frame, gazetteer=gazetteer)
    assert len(located) == 4
    assert located.geometry.isna().tolist() == [True, True, False, True]
    by_row = {p.row: p for p in problems}
    assert set(by_row) == {4, 5, 7}
    assert all(p.file == "events.csv" and p.stage == "geocode" for p in problems)
    assert by_row[4].value == "Qwxzv"
    assert "ambiguous" in by_row[7].reason and "candidates" in by_row[7].reason


def test_repeated_names_get_the_same_location(gazetteer):
    frame = pd.DataFrame({"location": ["Dumayr", "Damascus"] * 500})
    located, problems = geocode(frame, gazetteer=gazetteer)
    assert not problems
    assert located["geo_match"].nunique() == 2
    assert len(located) == 1000


def test_fallbacks_are_located_with_a_warning_and_scales_follow_precision(gazetteer):
    frame = pd.DataFrame(
        {
            "location": ["Qwxzv village", "Dumayr", 12345],
            "admin1_hint": ["Idlib", None, None],
            "latitude": [np.nan, 33.6, np.nan],
            "longitude": [np.nan, 36.7, np.nan],
            "geo_precision": [None, "near", None],
            "source_file": "e.csv",
            "source_row": [1, 2, 3],
        }
    )
    located, problems = geocode(frame, gazetteer=gazetteer)
    # Unknown village in a named governorate: the governorate, flagged as approximate.
    assert located.loc[0, "geo_precision"] == "adm1"
    assert located.loc[0, "geo_precision_acled"] == 3 and located.loc[0, "geo_precision_ucdp"] == 4
    # Source coordinates with the reader's precision: scales derived, method "source".
    assert located.loc[1, "geo_method"] == "source"
    assert located.loc[1, "geo_precision_acled"] == 2 and located.loc[1, "geo_precision_ucdp"] == 2
    # A number is not a place name.
    assert located.geometry.isna().tolist() == [False, False, True]
    by_row = {p.row: p for p in problems}
    assert "approximately" in by_row[1].reason and "Idlib" in by_row[1].reason
    assert "no letters" in by_row[3].reason


def test_a_pick_among_same_name_places_is_said_not_silent(gazetteer):
    # "Al Mansoura" names several villages; the most important one is taken, and the row
    # says so. A district seat such as Al Bab is what everyone means: no warning.
    frame = pd.DataFrame(
        {
            "location": ["Al Mansoura town", "Al Bab", "Al Mansoura town"],
            "admin1_hint": [None, None, "Ar-Raqqa"],
            "source_file": "e.csv",
            "source_row": [1, 2, 3],
        }
    )
    located, problems = geocode(frame, gazetteer=gazetteer)
    assert located.geometry.notna().all()
    (picked,) = problems
    assert (picked.row, picked.stage) == (1, "geocode")
    assert picked.reason.startswith("located: the most important of ")
    assert "places of that name; admin1/admin2 hints would confirm it" in picked.reason
    assert located.loc[0, "geo_candidates"] == 9
    # With the governorate given, the same place is the only candidate: nothing to say.
    assert located.loc[2, "geo_candidates"] == 1
    assert located.loc[2, "geo_match"] == located.loc[0, "geo_match"]
