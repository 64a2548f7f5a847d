"""render_map / save_map and the payload, without a browser (tests/test_browser_* drive one)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import zlib

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.maps import assets, render_map, save_map
from geo.report import GeoError, InputError
from geo.schema import conform
from tests.test_browser_demo import demo_event_frame


@pytest.fixture(scope="module")
def demo(data_dir, demo_events) -> gpd.GeoDataFrame:
    return demo_event_frame(data_dir, demo_events)


def _engine(fmap):
    return next(c for c in fmap._children.values() if type(c).__name__ == "EventLayer")


def _decode(engine) -> tuple[dict[str, np.ndarray], dict]:
    raw = zlib.decompress(base64.b64decode(engine.payload_b64))
    n, columns, dictionaries = engine.spec["n"], {}, None
    for col in engine.spec["columns"]:
        if col["type"] == "utf8":
            dictionaries = json.loads(raw[col["offset"] : col["offset"] + col["length"]])
        else:
            dtype = np.dtype(col["type"]).newbyteorder("<")
            columns[col["name"]] = np.frombuffer(raw, dtype, n, col["offset"])
    return columns, dictionaries


def test_payload_holds_every_drawn_event_sorted_by_time(demo, layers):
    engine = _engine(render_map(demo, layers=layers))
    columns, dicts = _decode(engine)
    assert dicts["ids"] == ["dumayr-raid-3", "dumayr-raid-1", "dumayr-raid-2"]
    base = engine.spec["baseDay"]
    days = [str(np.datetime64(int(base + d), "D")) for d in columns["d0"]]
    assert days == ["2022-01-01", "2023-10-19", "2023-10-19"]
    assert columns["dur"].tolist() == [656, 0, 0]
    # the Badiya is an area (its own geometry), the others points
    assert columns["area"].tolist() == [1, 0, 0]
    assert dicts["areas"][0]["type"] in ("Polygon", "MultiPolygon")
    # Dumayr's unit maps to the Dhameer subdistrict feature of level 3
    unit = dicts["units"][columns["unit"][1]]
    assert unit[6] == "SY030203"
    feature = dicts["unitFeature"]["3"][columns["unit"][1]]
    assert engine.spec["admin"]["3"]["features"][feature]["properties"]["pcode"] == "SY030203"
    # the area event is not forced into a subdistrict
    assert dicts["unitFeature"]["3"][columns["unit"][0]] == -1
    # quantised coordinates come back within ~20 m
    q = engine.spec["coords"]
    lon = q["lon0"] + columns["x"][1] / 65535 * q["spanLon"]
    lat = q["lat0"] + columns["y"][1] / 65535 * q["spanLat"]
    assert abs(lon - 36.69376) < 2e-4 and abs(lat - 33.64389) < 2e-4
    assert dicts["whens"][columns["when"][1]] == ["03:00", "day"]


def test_rows_without_geometry_or_date_are_counted_not_drawn(demo):
    events = demo.copy()
    events.loc[1, "geometry"] = None
    events.loc[2, "date_start"] = pd.NaT
    engine = _engine(render_map(events))
    assert engine.spec["n"] == 1
    assert engine.spec["notDrawn"] == {"no location": 1, "no date": 1}


def test_offline_page_links_nothing_external(demo, layers, tmp_path):
    path = save_map(render_map(demo, layers=layers, offline=True), tmp_path / "m.html")
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"?https?:", page)
    assert "L.Map" in page or "leaflet" in page.lower()
    assert "GeoEvents.create" in page
    # Leaflet's layer-control icon is inlined as data, not fetched
    assert "url(data:image/png;base64," in page


def test_default_page_links_folium_cdn_assets(demo, tmp_path):
    page = save_map(render_map(demo), tmp_path / "m.html").read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in page
    assert "GeoEvents.create" in page


def test_offline_without_cached_assets_says_how_to_fetch(demo, tmp_path):
    fmap = render_map(demo, offline=True, asset_cache=tmp_path / "empty")
    with pytest.raises(GeoError, match="python -m geo.maps.assets fetch"):
        fmap.get_root().render()


def test_offline_rejects_assets_it_has_no_pinned_copy_of(demo):
    from folium.plugins import MarkerCluster

    fmap = render_map(demo, offline=True)
    MarkerCluster().add_to(fmap)
    with pytest.raises(GeoError, match="no pinned copy"):
        fmap.get_root().render()


def test_fetch_from_mirror_verifies_sha256(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / assets.LEAFLET.filename).write_bytes(b"not leaflet")
    with pytest.raises(GeoError, match="expected"):
        assets.fetch_assets(cache=tmp_path / "cache", mirror=mirror)
    cached = assets.cache_dir() / assets.LEAFLET.filename
    (mirror / assets.LEAFLET.filename).write_bytes(cached.read_bytes())
    paths = assets.fetch_assets(cache=tmp_path / "cache", mirror=mirror)
    assert paths[0].read_bytes() == cached.read_bytes()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"renderer": "webgl"}, "`renderer` was 'webgl' but is expected to be in"),
        ({"metric": "deaths"}, "`metric` was 'deaths'"),
        ({"filters": {"country": "SYR"}}, r"`filters` has keys \['country'\]"),
        ({"filters": {"event_type": ["Riot"]}}, r"has \['Riot'\] but the events' types are"),
        ({"time_range": ("2023-10-19", "2023-01-01")}, "starts after it ends"),
        ({"time_range": ("yesterday", "2023-01-01")}, "'yesterday' is not a date"),
        ({"choropleth_level": 4}, r"`choropleth_level` was 4 but is expected to be in \[\]"),
    ],
)
def test_bad_options_are_named(demo, options, message):
    with pytest.raises(InputError, match=message):
        render_map(demo, **options)


def test_projected_events_are_refused(demo):
    with pytest.raises(InputError, match="EPSG:4326"):
        render_map(demo.to_crs(3857))


def test_initial_state_from_python_reaches_the_page(demo):
    engine = _engine(
        render_map(
            demo,
            time_range=("2023-01-01", "2023-10-18"),
            filters={"event_type": ["Strategic developments"], "actor": "Islamic State"},
            metric="fatalities",
        )
    )
    assert engine.spec["options"]["initial"] == {
        "metric": "fatalities",
        "from": "2023-01-01",
        "to": "2023-10-18",
        "types": ["Strategic developments"],
        "actor": "Islamic State",
    }


def test_save_map_writes_atomically(demo, tmp_path):
    target = tmp_path / "maps" / "demo.html"
    target.parent.mkdir()
    target.write_text("old")
    path = save_map(render_map(demo), target)
    assert path == target and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["demo.html"]


def test_saved_map_gets_the_permissions_of_any_new_file(demo, tmp_path):
    previous = os.umask(0o022)
    try:
        path = save_map(render_map(demo), tmp_path / "demo.html")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600


def test_saving_over_a_folder_is_a_one_line_error(demo, tmp_path):
    (tmp_path / "demo.html").mkdir()
    with pytest.raises(GeoError, match="demo.html: is a folder"):
        save_map(render_map(demo), tmp_path / "demo.html")
    assert [p.name for p in tmp_path.iterdir()] == ["demo.html"]


def test_many_events_share_dictionaries():
    n = 20_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "date_start": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
            "event_type": rng.choice(["Battles", "Protests"], n),
            "actor1": rng.choice(["A", "B", "C"], n),
            "fatalities": rng.integers(0, 5, n),
            "location": rng.choice(["X", "Y"], n),
        }
    )
    for column in ("latitude", "longitude", "geo_score"):
        frame[column] = np.nan
    events = gpd.GeoDataFrame(
        conform(frame),
        geometry=gpd.points_from_xy(rng.uniform(36, 42, n), rng.uniform(32, 37, n)),
        crs=4326,
    )
    engine = _engine(render_map(events))
    columns, dicts = _decode(engine)
    assert np.all(np.diff(columns["d0"].astype(int)) >= 0)
    assert len(dicts["places"]) == 2 and sorted(dicts["actors"]) == ["", "A", "B", "C"]
    assert columns["kind"].dtype == np.uint8
    assert len(engine.payload_b64) / n < 20  # bytes of page per event


def test_text_from_the_data_is_never_evaluated_as_a_template(demo):
    events = demo.copy()
    events.loc[0, "event_type"] = "Raid {{ 7*7 }}"
    events.loc[1, "event_type"] = "Other {% if"
    page = render_map(events, title="Title {{ 6*7 }}").get_root().render()
    assert '"Raid {{ 7*7 }}"' in page and '"Other {% if"' in page
    assert "Raid 49" not in page and "Title 42" not in page


def test_jupyter_shows_the_same_page_as_the_file(demo, tmp_path):
    import html as html_lib

    fmap = render_map(demo, offline=True)
    shown = fmap._repr_html_()
    srcdoc = html_lib.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    saved = save_map(fmap, tmp_path / "m.html").read_bytes().decode("utf-8")
    assert srcdoc == saved


def test_points_without_finite_coordinates_are_not_drawn(demo):
    events = demo.copy()
    events.loc[1, "geometry"] = Point(float("nan"), float("nan"))
    engine = _engine(render_map(events))
    assert engine.spec["n"] == 2
    assert engine.spec["notDrawn"]["no location"] == 1


def test_time_range_may_leave_one_end_open(demo):
    engine = _engine(render_map(demo, time_range=("2023-01-01", None)))
    assert engine.spec["options"]["initial"] == {"metric": "events", "from": "2023-01-01"}
    engine = _engine(render_map(demo, time_range=(None, "2023-10-18")))
    assert engine.spec["options"]["initial"] == {"metric": "events", "to": "2023-10-18"}


def test_tile_basemap_is_optional(demo):
    assert "tile.openstreetmap.org" not in render_map(demo).get_root().render()
    page = render_map(demo, tiles="OpenStreetMap").get_root().render()
    assert "tile.openstreetmap.org" in page


def test_tiles_from_a_url_carry_its_escaped_credit_and_bad_tiles_are_refused(demo):
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    fmap = render_map(demo, tiles=url, attribution="<b>Example</b> tiles")
    tile = next(c for c in fmap._children.values() if isinstance(c, folium.TileLayer))
    assert tile.options["attribution"] == "&lt;b&gt;Example&lt;/b&gt; tiles"
    # the credit shows once, on the tile layer
    assert "<b>Example</b> tiles" not in _engine(fmap).spec["options"]["attribution"]
    # user text is not evaluated as a template by folium
    page = render_map(demo, tiles=url, attribution="{{ 7*7 }} {% raw %}").get_root().render()
    assert '"attribution": "{{ 7*7 }} {% raw %}"' in page
    with pytest.raises(InputError, match="is a URL: give its credit"):
        render_map(demo, tiles=url)
    with pytest.raises(InputError, match="'Nowhere' but is expected to be a tile provider name"):
        render_map(demo, tiles="Nowhere")


def test_projected_coordinates_without_a_crs_are_refused(demo):
    projected = demo.to_crs(3857).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="outside lon/lat; are they projected"):
        render_map(projected)
