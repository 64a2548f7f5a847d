"""Writing events for GIS users, read back by real GDAL (ogrinfo, pyogrio)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.io import UNRESOLVED_COLUMNS, metadata_path, read_events, unresolved_table, write_events
from geo.report import GeoError, InputError, Problem


@pytest.fixture(scope="module")
def events(events_dir: Path, demo_events: Path) -> gpd.GeoDataFrame:
    """Located ACLED + UCDP + Airwars rows and the seed events, with the Badiya as an area."""
    frame, _ = read_events(
        [
            events_dir / "acled_2024_syria_newschema_excerpt_transcribed.csv",
            events_dir / "ucdp_ged231_sample_mixed.csv",
            events_dir / "airwars_syria_incidents_sample.csv",
            demo_events,
        ]
    )
    points = gpd.points_from_xy(frame["longitude"], frame["latitude"])
    gdf = gpd.GeoDataFrame(frame, geometry=points, crs=4326)
    gdf.loc[frame["latitude"].isna(), "geometry"] = None
    badiya = frame["event_id"] == "dumayr-raid-3"
    gdf.loc[badiya, "geometry"] = shapely.Polygon([(36.5, 32.5), (41, 33), (40.5, 35), (37, 34.5)])
    dumayr = frame["event_id"] == "dumayr-raid-1"
    gdf.loc[dumayr, "geometry"] = shapely.Point(36.6939, 33.6436)
    return gdf


@pytest.fixture(scope="module")
def unresolved(events: gpd.GeoDataFrame) -> pd.DataFrame:
    rows = events[events.geometry.isna()]
    return pd.DataFrame(
        {
            "source_file": rows["source_file"],
            "source_row": rows["source_row"],
            "location": rows["location"],
            "reason": "no coordinates",
        }
    )


def ogrinfo(path: Path, *args: str) -> str:
    done = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", *args, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ERROR" not in done.stderr
    return done.stdout


def test_geojson_is_rfc7946_and_reads_back(events, tmp_path):
    path = write_events(events, tmp_path / "events.geojson", metadata={"command": "geo export"})
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection" and "crs" not in document
    features = document["features"]
    assert len(features) == len(events)
    by_id = {f["properties"]["event_id"]: f for f in features}
    assert by_id["dumayr-raid-1"]["geometry"] == {
        "type": "Point",
        "coordinates": [36.6939, 33.6436],
    }
    assert by_id["dumayr-raid-1"]["properties"]["date_start"] == "2023-10-19"
    assert by_id["dumayr-raid-1"]["properties"]["time"] == "03:00"
    assert by_id["dumayr-raid-3"]["geometry"]["type"] == "Polygon"
    # RFC 7946: exterior rings counter-clockwise.
    ring = shapely.LinearRing(by_id["dumayr-raid-3"]["geometry"]["coordinates"][0])
    assert ring.is_ccw
    assert by_id["dumayr-raid-2"]["geometry"] is None
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326
    assert back["event_id"].tolist() == events["event_id"].tolist()
    assert set(back.geometry.geom_type.dropna()) == {"Point", "Polygon"}
    located = events.geometry.notna() & (events.geometry.geom_type == "Point")
    assert np.allclose(back.geometry[located].x, events.geometry[located].x, atol=1e-7)
    assert f"Feature Count: {len(events)}" in ogrinfo(path)


def test_metadata_sidecar(events, unresolved, tmp_path):
    path = write_events(
        events,
        tmp_path / "events.geojson",
        unresolved=unresolved,
        metadata={"command": "geo export", "attribution": "Boundaries: OCHA COD-AB"},
    )
    meta = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    assert metadata_path(path).name == "events.geojson.meta.json"
    assert meta["counts"]["events"] == len(events)
    assert meta["counts"]["area_events"] == 1
    assert meta["counts"]["unresolved"] == len(unresolved)
    assert meta["datasets"] == events["dataset"].value_counts().sort_index().to_dict()
    assert any(a.startswith("Armed Conflict Location") for a in meta["attribution"])
    assert any(a.startswith("UCDP") for a in meta["attribution"])
    assert any(a.startswith("Airwars") for a in meta["attribution"])
    assert "Boundaries: OCHA COD-AB" in meta["attribution"]
    assert meta["build"] == {"command": "geo export"}
    assert len(meta["sources"]) == 4
    side = pd.read_csv(tmp_path / "events.unresolved.csv")
    assert len(side) == len(unresolved)


def test_gpkg_layers_read_by_gdal(events, unresolved, tmp_path):
    aggregates = pd.DataFrame({"adm1_pcode": ["SY03", "SY01"], "events": [2, 1]})
    path = write_events(
        events, tmp_path / "events.gpkg", unresolved=unresolved, aggregates=aggregates
    )
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "events": "Point",
        "area_events": "MultiPolygon",
        "unresolved": None,
        "aggregates": None,
    }
    is_area = events.geometry.geom_type == "Polygon"
    points = pyogrio.read_dataframe(path, layer="events")
    assert len(points) == (~is_area).sum()
    assert points["date_start"].iloc[0] == events["date_start"].iloc[0]
    areas = pyogrio.read_dataframe(path, layer="area_events")
    assert areas["event_id"].tolist() == ["dumayr-raid-3"]
    info = ogrinfo(path)
    for layer in layers:
        assert f"Layer name: {layer}" in info
    assert f"Feature Count: {len(unresolved)}" in info
    assert (
        "Warning"
        not in subprocess.run(
            ["ogrinfo", "-ro", "-so", str(path)], capture_output=True, text=True, check=True
        ).stderr
    )


def test_geoparquet_and_csv_read_back(events, tmp_path):
    parquet = write_events(events, tmp_path / "events.parquet")
    back = gpd.read_parquet(parquet)
    assert back.crs.to_epsg() == 4326 and len(back) == len(events)
    assert back["date_start"].dtype.kind == "M"
    assert back.geometry.geom_equals_exact(events.geometry, tolerance=0).sum() == (
        events.geometry.notna().sum()
    )
    text = write_events(events, tmp_path / "events.csv")
    table = pd.read_csv(text, dtype=str, keep_default_na=False)
    assert table["event_id"].tolist() == events["event_id"].tolist()
    assert table.loc[events["event_id"].eq("dumayr-raid-1").to_numpy(), "geometry"].item() == (
        "POINT (36.6939 33.6436)"
    )
    assert f"Feature Count: {len(events)}" in ogrinfo(
        text, "-oo", "GEOM_POSSIBLE_NAMES=geometry", "-oo", "KEEP_GEOM_COLUMNS=NO"
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet", ".csv"])
def test_same_input_same_bytes(events, unresolved, tmp_path, suffix):
    first = write_events(events, tmp_path / f"a{suffix}", unresolved=unresolved)
    second = write_events(events, tmp_path / f"b{suffix}", unresolved=unresolved)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_failed_write_leaves_the_old_file(events, tmp_path):
    path = write_events(events, tmp_path / "events.gpkg")
    before = path.read_bytes()
    broken = events.copy()
    broken["bad"] = np.array([1 + 2j] * len(broken))  # no OGR field type for complex numbers
    with pytest.raises(Exception):  # noqa: B017 - whatever GDAL raises, the old file stays
        write_events(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet", ".csv"])
def test_outputs_get_the_permissions_of_any_new_file(events, unresolved, tmp_path, suffix):
    # the temporary files are 0600; what is renamed into place follows the umask
    previous = os.umask(0o027)
    try:
        path = write_events(events, tmp_path / f"events{suffix}", unresolved=unresolved)
    finally:
        os.umask(previous)
    written = [p for p in tmp_path.iterdir()]
    assert path in written and metadata_path(path) in written
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {
        p.name: 0o640 for p in written
    }


def test_a_folder_as_output_is_a_one_line_error(events, tmp_path):
    (tmp_path / "events.geojson").mkdir()
    with pytest.raises(GeoError, match="events.geojson: is a folder"):
        write_events(events, tmp_path / "events.geojson")
    assert [p.name for p in tmp_path.iterdir()] == ["events.geojson"]


def test_round_trip_through_geo_formats(events, tmp_path):
    for suffix in (".geojson", ".gpkg", ".parquet", ".csv"):
        path = write_events(events, tmp_path / f"events{suffix}")
        back, problems = read_events(path)
        assert set(back["dataset"]) == set(events["dataset"]), suffix
        assert sorted(back["event_id"]) == sorted(events["event_id"]), suffix
        raid = back[back["event_id"] == "dumayr-raid-1"].iloc[0]
        assert raid["date_start"] == pd.Timestamp("2023-10-19") and raid["time"] == "03:00"
        assert (raid["latitude"], raid["longitude"]) == (33.6436, 36.6939), suffix
        assert not [p for p in problems if p.row is not None and "coordinates" in p.reason]


def test_plain_dataframe_gets_points_and_unknown_suffix_fails(events, tmp_path):
    frame = pd.DataFrame(events.drop(columns="geometry"))
    path = write_events(frame, tmp_path / "plain.geojson")
    back = pyogrio.read_dataframe(path)
    assert back.geometry.notna().sum() == frame["latitude"].notna().sum()
    with pytest.raises(InputError, match=r"unknown output format '\.shp'"):
        write_events(frame, tmp_path / "events.shp")
    with pytest.raises(InputError, match="does not exist"):
        write_events(frame, tmp_path / "missing" / "events.geojson")


def test_unresolved_table_accounts_for_every_row(events_dir, tmp_path):
    source = pd.read_csv(
        events_dir / "airwars_syria_incidents_sample.csv", dtype=str, keep_default_na=False
    )
    source.loc[0, "incident_date"] = "unknown"  # rejected at read
    source.loc[4, "longitude"] = "4239.00416"  # read, coordinates cleared
    path = tmp_path / "airwars.csv"
    source.to_csv(path, index=False)
    read, problems = read_events(path)
    located = read["latitude"].notna()
    mapped, unplaced = read[located], read[~located]
    # What the geocoder says about the rows it could not place.
    problems += [
        Problem(str(path), int(row), "location", "no gazetteer match", stage="geocode", value=name)
        for row, name in zip(unplaced["source_row"], unplaced["location"], strict=True)
    ]
    table = unresolved_table(problems, unresolved=unplaced, mapped=mapped)
    assert list(table.columns) == list(UNRESOLVED_COLUMNS)
    assert len(mapped) + len(table) == len(source)
    assert table["status"].value_counts().to_dict() == {"unresolved": len(unplaced), "rejected": 1}
    rejected = table[table["status"] == "rejected"].iloc[0]
    assert (rejected["source_row"], rejected["field"], rejected["value"]) == (
        1,
        "incident_date",
        "unknown",
    )
    dirty = table[table["source_row"] == 5].iloc[0]
    assert "out of range" in dirty["reason"] and "no gazetteer match" in dirty["reason"]
    assert dirty["stage"] == "geocode" and dirty["location"] == source.loc[4, "location"]
    out = write_events(
        gpd.GeoDataFrame(
            mapped, geometry=gpd.points_from_xy(mapped["longitude"], mapped["latitude"]), crs=4326
        ),
        tmp_path / "events.gpkg",
        unresolved=table,
    )
    back = pyogrio.read_dataframe(out, layer="unresolved")
    assert len(back) == len(table)
    assert back["reason"].tolist() == table["reason"].tolist()


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".parquet", ".csv"])
def test_no_events_and_unlocated_events_still_write(tmp_path, suffix):
    empty = write_events(pd.DataFrame(), tmp_path / f"empty{suffix}")
    meta = json.loads(metadata_path(empty).read_text(encoding="utf-8"))
    assert meta["counts"]["events"] == 0 and meta["date_range"] is None
    frame = pd.DataFrame({"event_id": ["a"], "location": ["Dumayr"]})
    path = write_events(frame, tmp_path / f"unlocated{suffix}")
    if suffix == ".parquet":
        back = gpd.read_parquet(path)
    elif suffix == ".csv":
        back = pd.read_csv(path)
    else:
        back = pyogrio.read_dataframe(path)
    assert back["location"].tolist() == ["Dumayr"]


def test_gpkg_aggregates_with_unit_polygons_are_a_spatial_layer(data_dir, events, tmp_path):
    units = gpd.read_file(data_dir / "boundaries" / "syr_adm1_governorates.geojson").head(3)
    aggregates = gpd.GeoDataFrame(
        {"adm1_pcode": units["adm1_pcode"], "events": [3, 2, 1]}, geometry=units.geometry
    )
    path = write_events(events, tmp_path / "events.gpkg", aggregates=aggregates)
    assert dict(pyogrio.list_layers(path))["aggregates"] == "MultiPolygon"
    back = pyogrio.read_dataframe(path, layer="aggregates")
    assert back["events"].tolist() == [3, 2, 1] and back.crs.to_epsg() == 4326


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet", ".geojson", ".xlsx"])
def test_truncated_binary_files_name_the_file(events, tmp_path, suffix):
    path = tmp_path / f"events{suffix}"
    if suffix == ".xlsx":
        pd.DataFrame({"date": ["2023-10-19"], "location": ["Dumayr"]}).to_excel(path, index=False)
    else:
        write_events(events, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError) as error:
        read_events(path)
    message = str(error.value)
    assert message.startswith(f"{path}: cannot read") and "\n" not in message
