"""The whole pipeline on the seed events and on real event samples."""

from __future__ import annotations

import json

import pytest

from geo.credits import GAZETTEER_CREDITS
from geo.io import metadata_path, write_events
from geo.maps import render_map
from geo.pipeline import run


@pytest.fixture(scope="module")
def demo(demo_events, data_dir):
    return run(demo_events, data_dir=data_dir)


def _by_id(result, event_id):
    return result.events.set_index("event_id").loc[event_id]


def test_seed_events_are_all_mapped(demo):
    report = demo.report
    assert (report.read, report.mapped, report.unresolved, report.rejected) == (3, 3, 0, 0)


def test_dumayr_raid_is_the_town_in_dhameer_subdistrict(demo):
    raid = _by_id(demo, "dumayr-raid-1")
    assert raid["geo_precision"] == "point"
    assert raid.geometry.geom_type == "Point"
    assert abs(raid["latitude"] - 33.644) < 0.02 and abs(raid["longitude"] - 36.694) < 0.02
    assert (raid["adm1_pcode"], raid["adm2_pcode"], raid["adm3_pcode"]) == (
        "SY03",
        "SY0302",
        "SY030203",
    )
    assert raid["adm3_name_ar"] == "الضمير"
    assert raid["time"] == "03:00"
    assert raid["fatalities"] == 1


def test_damascus_reference_is_in_damascus_governorate(demo):
    damascus = _by_id(demo, "dumayr-raid-2")
    assert damascus["adm1_pcode"] == "SY01"


def test_badiya_is_an_area_not_forced_into_one_subdistrict(demo):
    badiya = _by_id(demo, "dumayr-raid-3")
    assert badiya["geo_precision"] == "region"
    assert badiya.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert badiya["adm_join"] == "area"
    assert badiya.isna()["adm3_pcode"]
    # The Syrian desert spans several governorates: far bigger than any one subdistrict.
    subdistricts = demo.layers[3].to_crs(32637)
    badiya_area = demo.events.set_index("event_id").loc[["dumayr-raid-3"]].to_crs(32637).area
    assert badiya_area.iloc[0] > subdistricts.area.max()
    assert str(badiya["date_precision"]) == "span"


@pytest.mark.parametrize(
    "name",
    [
        "ucdp_ged_syria_652_sample.csv",
        "ucdp_ged231_sample_mixed.csv",
        "acled_2020_export_sample.csv",
        "acled_2022h1_acledR_sample.csv",
        "acled_curated_me_2022_uppercase_sample.csv",
        "acled_2024_syria_newschema_excerpt_transcribed.csv",
        "airwars_syria_incidents_sample.csv",
    ],
)
def test_real_samples_account_for_every_row(events_dir, data_dir, layers, name):
    result = run(events_dir / name, data_dir=data_dir, layers=layers)
    report = result.report
    assert report.balanced, report.summary_lines()
    assert report.mapped > 0
    status = result.unresolved["status"].value_counts().to_dict()
    assert status.get("unresolved", 0) == report.unresolved
    assert status.get("rejected", 0) == report.rejected
    # every row not on the map says why
    assert result.unresolved["reason"].str.len().gt(0).all()


def test_maps_and_exports_credit_the_gazetteer_sources_used(events_dir, data_dir, layers, tmp_path):
    geocoded = run(
        events_dir / "airwars_syria_incidents_sample.csv", data_dir=data_dir, layers=layers
    )
    credits = geocoded.attribution
    assert credits[0] == geocoded.layers.attribution
    assert credits[1].startswith("Airwars")
    assert GAZETTEER_CREDITS["geonames"] in credits
    assert GAZETTEER_CREDITS["whosonfirst"] in credits
    fmap = render_map(geocoded.events, layers=layers)
    engine = next(c for c in fmap._children.values() if type(c).__name__ == "EventLayer")
    assert engine.spec["options"]["attribution"] == credits
    path = write_events(geocoded.events, tmp_path / "events.geojson")
    assert set(credits[1:]) <= set(json.loads(metadata_path(path).read_text())["attribution"])
    # coordinates from the dataset itself: no gazetteer to credit
    kept = run(
        events_dir / "ucdp_ged_syria_652_sample.csv", data_dir=data_dir, layers=geocoded.layers
    )
    assert kept.attribution[1].startswith("UCDP")
    assert not set(kept.attribution) & set(GAZETTEER_CREDITS.values())
