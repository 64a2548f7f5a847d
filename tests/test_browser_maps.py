"""The time control, filters, choropleths and URL state in real Chromium, on real UCDP events.

Expected values are computed independently with pandas on the same events and compared
with what the page reports after real user input (keys, clicks, typing).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.maps import render_map, save_map
from geo.maps._chromium import chromium_context, file_url
from geo.pipeline import run

pytestmark = pytest.mark.browser

LOCAL = ("file:", "data:", "blob:", "about:")


def ucdp_event_frame(data_dir: Path) -> gpd.GeoDataFrame:
    """The real UCDP Syria sample through the real pipeline (read, geocode, join)."""
    return run(data_dir / "events" / "ucdp_ged_syria_652_sample.csv", data_dir=data_dir).events


@pytest.fixture(scope="module")
def ucdp(data_dir) -> gpd.GeoDataFrame:
    return ucdp_event_frame(data_dir)


@pytest.fixture(scope="module")
def ucdp_html(tmp_path_factory, layers, ucdp) -> Path:
    fmap = render_map(ucdp, layers=layers, title="UCDP sample", offline=True)
    return save_map(fmap, tmp_path_factory.mktemp("ucdp") / "ucdp.html")


@pytest.fixture(scope="module")
def browser():
    with chromium_context(height=900) as (context, blocked):
        yield context, blocked


def _open(browser, path: Path, hash_: str = ""):
    context, _ = browser
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(file_url(path) + hash_)
    page.wait_for_selector(".geo-map[data-geo-ready='1']", timeout=20_000)
    return page, requests, errors


def _in_window(events: gpd.GeoDataFrame, start: str, end: str) -> pd.Series:
    return (events["date_start"] <= pd.Timestamp(end)) & (events["date_end"] >= pd.Timestamp(start))


def _visible(page) -> set[str]:
    return set(page.evaluate("GeoEvents.get().visibleIds()"))


def _set_dates(page, start: str, end: str) -> None:
    # the user types dates into the two date fields
    page.fill(".geo-from", start)
    page.dispatch_event(".geo-from", "change")
    page.fill(".geo-to", end)
    page.dispatch_event(".geo-to", "change")


def test_offline_page_makes_no_network_request(browser, ucdp_html):
    page, requests, errors = _open(browser, ucdp_html)
    assert requests and all(url.startswith(LOCAL) for url in requests), requests
    assert errors == []
    assert page.get_attribute(".geo-map", "data-geo-visible") == "300"
    page.close()


def test_date_range_changes_points_and_choropleth(browser, ucdp_html, ucdp):
    page, _, errors = _open(browser, ucdp_html)
    page.get_by_label("Choropleth: admin 1").check()
    start, end = "2017-01-01", "2017-06-30"
    _set_dates(page, start, end)
    window = ucdp[_in_window(ucdp, start, end)]
    assert _visible(page) == set(window["event_id"])
    expected = window.groupby("adm1_pcode").size().to_dict()
    assert page.evaluate("GeoEvents.get().choroplethValues(1)") == expected

    # fatalities instead of counts, same window
    page.select_option(".geo-metric", "fatalities")
    fatalities = window.groupby("adm1_pcode")["fatalities"].sum()
    assert page.evaluate("GeoEvents.get().choroplethValues(1)") == {
        k: v for k, v in fatalities.items() if v
    }
    page.wait_for_function("location.hash.includes('metric=fatalities')")
    assert errors == []
    page.close()


def test_type_toggle_and_actor_filter_combine_with_time(browser, ucdp_html, ucdp):
    page, _, errors = _open(browser, ucdp_html)
    start, end = "2016-06-01", "2018-12-31"
    _set_dates(page, start, end)
    page.get_by_label("Non-state conflict").uncheck()
    offered = page.eval_on_selector_all("#geo-actors-0 option", "os => os.map(o => o.value)")
    assert "Syrian insurgents" in offered
    page.fill(".geo-actor", "insurgents")
    actor = ucdp["actor1"].str.contains("insurgents", case=False, na=False) | ucdp[
        "actor2"
    ].str.contains("insurgents", case=False, na=False)
    expected = ucdp[
        _in_window(ucdp, start, end) & (ucdp["event_type"] != "Non-state conflict") & actor
    ]
    assert len(expected) > 0
    assert _visible(page) == set(expected["event_id"])
    page.wait_for_function("location.hash.includes('actor=insurgents')")
    hash_ = page.evaluate("decodeURIComponent(location.hash)")
    assert "actor=insurgents" in hash_ and "type=State-based conflict" in hash_.replace("+", " ")

    # the legend rows toggle types too, in step with the layer control
    page.click(".geo-legend-row[data-type='One-sided violence']")
    assert _visible(page) == set(
        expected[expected["event_type"] != "One-sided violence"]["event_id"]
    )
    assert not page.get_by_label("One-sided violence").is_checked()
    assert errors == []
    page.close()


def test_url_hash_restores_a_shared_view(browser, ucdp_html, ucdp):
    page, _, errors = _open(
        browser, ucdp_html, "#from=2018-01-01&to=2018-12-31&type=One-sided+violence"
    )
    expected = ucdp[
        _in_window(ucdp, "2018-01-01", "2018-12-31") & (ucdp["event_type"] == "One-sided violence")
    ]
    assert _visible(page) == set(expected["event_id"])
    assert page.input_value(".geo-from") == "2018-01-01"
    assert not page.get_by_label("State-based conflict").is_checked()
    assert page.get_by_label("One-sided violence").is_checked()
    assert errors == []
    page.close()


def test_initial_state_set_from_python(tmp_path, browser, layers, ucdp):
    fmap = render_map(
        ucdp,
        layers=layers,
        offline=True,
        time_range=("2019-01-01", "2019-11-30"),
        filters={"event_type": ["State-based conflict"]},
        choropleth_level=2,
    )
    page, _, errors = _open(browser, save_map(fmap, tmp_path / "initial.html"))
    expected = ucdp[
        _in_window(ucdp, "2019-01-01", "2019-11-30")
        & (ucdp["event_type"] == "State-based conflict")
    ]
    assert _visible(page) == set(expected["event_id"])
    assert page.get_by_label("Choropleth: admin 2").is_checked()
    assert page.evaluate("GeoEvents.get().choroplethValues(2)") == (
        expected.groupby("adm2_pcode").size().to_dict()
    )
    assert errors == []
    page.close()


def test_play_and_step_move_the_window_keeping_its_width(browser, ucdp_html):
    page, _, errors = _open(browser, ucdp_html)
    _set_dates(page, "2016-01-01", "2016-03-31")
    page.select_option(".geo-step", "month")
    page.click(".geo-step-fwd")
    assert page.input_value(".geo-from") == "2016-01-31"
    assert page.input_value(".geo-to") == "2016-04-30"
    page.click(".geo-play")
    page.wait_for_function("document.querySelector('.geo-from').value >= '2016-04-01'")
    page.click(".geo-play")
    state = page.evaluate("GeoEvents.get().state()")
    width = pd.Timestamp(state["to"]) - pd.Timestamp(state["from"])
    assert width == pd.Timedelta(days=90)
    assert errors == []
    page.close()


def test_clusters_count_the_events_of_the_time_window(tmp_path, browser, layers, ucdp):
    fmap = render_map(ucdp, layers=layers, offline=True, renderer="clusters")
    page, _, errors = _open(browser, save_map(fmap, tmp_path / "clusters.html"))
    total = "GeoEvents.get().clusters.reduce((n, c) => n + c.count, 0)"
    assert page.evaluate("GeoEvents.get().state().renderer") == "clusters"
    assert page.evaluate(total) == len(ucdp)
    _set_dates(page, "2019-01-01", "2019-11-30")
    assert page.evaluate(total) == int(_in_window(ucdp, "2019-01-01", "2019-11-30").sum())
    # a click on a big cluster zooms in; on a small one it lists its events
    zoom = page.evaluate("GeoEvents.get().map.getZoom()")
    small = page.evaluate(
        "GeoEvents.get().clusters.filter(c => c.count > 1 && c.count <= 25)"
        ".sort((a, b) => b.count - a.count)[0]"
    )
    page.mouse.click(small["x"], small["y"])
    assert page.locator(".geo-popup .geo-event").count() == small["count"]
    assert page.evaluate("GeoEvents.get().map.getZoom()") == zoom
    assert errors == []
    page.close()


def test_hover_shows_the_event_under_the_pointer(browser, ucdp_html, ucdp):
    page, _, errors = _open(browser, ucdp_html)
    event = ucdp.iloc[0]
    x, y = page.evaluate(
        "([lat, lon]) => { const p = GeoEvents.get().map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [event.geometry.y, event.geometry.x],
    )
    page.mouse.move(x, y)
    tip = page.locator(".geo-hover")
    tip.wait_for(timeout=5_000)
    same_place = ucdp[ucdp.geometry == event.geometry]
    summaries = {
        f"{row.event_type} · {row.date_start:%Y-%m-%d} · {row.location}"
        for row in same_place.itertuples()
    }
    assert any(tip.inner_text().startswith(s) for s in summaries), tip.inner_text()
    assert page.evaluate("GeoEvents.get().container.style.cursor") == "pointer"
    assert errors == []
    page.close()


def test_dragging_across_the_histogram_selects_dates(browser, ucdp_html, ucdp):
    page, _, errors = _open(browser, ucdp_html)
    box = page.locator(".geo-hist").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    page.mouse.up()
    state = page.evaluate("GeoEvents.get().state()")
    first, last = ucdp["date_start"].min(), ucdp["date_end"].max()
    span = (last - first).days
    assert abs((pd.Timestamp(state["from"]) - first).days - span * 0.25) <= 2
    assert abs((pd.Timestamp(state["to"]) - first).days - span * 0.5) <= 2
    assert _visible(page) == set(ucdp[_in_window(ucdp, state["from"], state["to"])]["event_id"])
    assert page.input_value(".geo-from") == state["from"]
    assert errors == []
    page.close()


def test_a_map_with_nothing_to_draw_still_works(tmp_path, browser, layers, ucdp):
    events = ucdp.iloc[:0]
    fmap = render_map(events, layers=layers, offline=True)
    page, requests, errors = _open(browser, save_map(fmap, tmp_path / "empty.html"))
    assert page.get_attribute(".geo-map", "data-geo-visible") == "0"
    assert page.locator(".geo-count").inner_text() == "0 of 0 events"
    assert errors == []
    page.close()


def test_folium_markers_added_to_an_offline_map_need_no_request(tmp_path, browser, ucdp):
    import folium

    fmap = render_map(ucdp, offline=True)
    folium.Marker([33.64389, 36.69376], tooltip="Dumayr").add_to(fmap)
    page, requests, errors = _open(browser, save_map(fmap, tmp_path / "marker.html"))
    icon = page.locator("img.leaflet-marker-icon")
    assert icon.count() == 1
    assert icon.get_attribute("src").startswith("data:image/png;base64,")
    assert page.evaluate("document.querySelector('img.leaflet-marker-icon').naturalWidth") == 25
    assert all(url.startswith(("data:", "about:")) for url in requests[1:]), requests
    assert errors == []
    page.close()
