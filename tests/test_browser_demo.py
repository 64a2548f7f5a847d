"""The pipeline issue's browser test: the three Dumayr seed events in real Chromium.

Opens the offline demo map (every non-local request blocked), sees the three events drawn,
moves the time control so the raid's date is excluded, and sees the Dumayr marker gone.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import pytest

from geo.maps import render_map, save_map
from geo.maps._chromium import chromium_context, file_url
from geo.pipeline import run

pytestmark = pytest.mark.browser

RAID_PURPLE = (0x94, 0x67, 0xBD)  # "Violence against civilians"


@functools.cache
def demo_event_frame(data_dir: Path, demo_csv: Path) -> gpd.GeoDataFrame:
    """The seed events through the real pipeline (read, geocode, join); cached per session."""
    return run(demo_csv, data_dir=data_dir).events


@pytest.fixture(scope="module")
def demo_frame(data_dir, demo_events) -> gpd.GeoDataFrame:
    return demo_event_frame(data_dir, demo_events)


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory, layers, demo_frame) -> Path:
    events = demo_frame.copy()
    events.loc[0, "notes"] = (
        'Raid <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
    )
    fmap = render_map(
        events,
        layers=layers,
        title="Dumayr raid <b>19 October 2023</b>",
        offline=True,
    )
    return save_map(fmap, tmp_path_factory.mktemp("demo") / "dumayr.html")


def _open(context, path: Path):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(file_url(path))
    page.wait_for_selector(".geo-map[data-geo-ready='1']", timeout=20_000)
    return page, errors


def _screen_point(page, lat: float, lon: float) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            "([lat, lon]) => { const p = GeoEvents.get().map.latLngToContainerPoint([lat, lon]);"
            " return [p.x, p.y]; }",
            [lat, lon],
        )
    )


def _event_pixel(page, x: float, y: float) -> tuple[int, int, int, int]:
    return tuple(
        page.evaluate(
            "([x, y]) => Array.from(GeoEvents.get().canvasLayer.canvas.getContext('2d')"
            ".getImageData(Math.round(x), Math.round(y), 1, 1).data)",
            [x, y],
        )
    )


def _click_popup(page, point):
    """Click the map at a shapely point and return the popup that opens."""
    x, y = _screen_point(page, point.y, point.x)
    page.mouse.click(x, y)
    popup = page.locator(".geo-popup")
    popup.wait_for(timeout=5_000)
    return popup


def test_time_control_removes_the_dumayr_marker(demo_html, demo_frame):
    dumayr = demo_frame.geometry.iloc[0]
    with chromium_context(height=900) as (context, blocked):
        page, errors = _open(context, demo_html)
        engine = "GeoEvents.get()"
        assert page.evaluate(f"{engine}.visibleIds()") == [
            "dumayr-raid-3",
            "dumayr-raid-1",
            "dumayr-raid-2",
        ]
        assert page.get_attribute(".geo-map", "data-geo-visible") == "3"
        x, y = _screen_point(page, dumayr.y, dumayr.x)
        red, green, blue, alpha = _event_pixel(page, x, y)
        assert alpha == 255 and (red, green, blue) == RAID_PURPLE

        # the user moves the end handle one day back: 2023-10-19 (the raid) is excluded
        handle = page.locator(".geo-range-to")
        handle.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("document.querySelector('.geo-map').dataset.geoVisible === '1'")
        assert page.evaluate(f"{engine}.visibleIds()") == ["dumayr-raid-3"]
        assert page.input_value(".geo-to") == "2023-10-18"
        # no opaque marker left there (the translucent Badiya may cover the town)
        assert _event_pixel(page, x, y)[3] < 128
        page.wait_for_function("location.hash.includes('to=2023-10-18')")
        # the credits the boundaries and the gazetteer source (GeoNames) require are shown
        credits = page.locator(".leaflet-control-attribution").inner_text()
        assert "Boundaries: " in credits and "GeoNames (geonames.org), CC BY 4.0" in credits
        assert errors == []
    assert blocked == []


def test_popup_shows_escaped_source_text(demo_html, demo_frame):
    dumayr = demo_frame.geometry.iloc[0]
    with chromium_context(height=900) as (context, blocked):
        page, errors = _open(context, demo_html)
        popup = _click_popup(page, dumayr)
        text = popup.inner_text()
        assert "<script>window.__xss = 1</script>" in text
        assert "2023-10-19 (day)" in text and "03:00" in text
        assert "Dhameer" in text and "SY030203" in text and "Rif Dimashq" in text
        assert "Military Forces of the United States" in text
        assert popup.locator("img, script").count() == 0
        assert page.evaluate("window.__xss") is None
        # the title is text, not markup
        assert page.locator(".geo-title").inner_text() == "Dumayr raid <b>19 October 2023</b>"
        assert errors == []
    assert blocked == []


def test_markup_in_event_types_stays_text(tmp_path, layers, demo_frame):
    events = demo_frame.copy()
    events.loc[0, "event_type"] = '<img src=x onerror="window.__xss = 3">Raid'
    fmap = render_map(events, layers=layers, offline=True)
    with chromium_context() as (context, blocked):
        page, errors = _open(context, save_map(fmap, tmp_path / "types.html"))
        control = page.locator(".leaflet-control-layers")
        assert '<img src=x onerror="window.__xss = 3">Raid' in control.inner_text()
        assert control.locator("img").count() == 0
        legend = page.locator(".geo-legend")
        assert '<img src=x onerror="window.__xss = 3">Raid' in legend.inner_text()
        assert page.evaluate("window.__xss") is None
        assert errors == []
    assert blocked == []


def test_area_event_popup(demo_html, demo_frame):
    badiya = demo_frame[demo_frame["geo_precision"] == "region"].geometry.iloc[0]
    inside = badiya.representative_point()
    with chromium_context(height=900) as (context, blocked):
        page, errors = _open(context, demo_html)
        text = _click_popup(page, inside).inner_text()
        assert "the Badiya" in text and "2022-01-01 – 2023-10-19 (span)" in text
        assert "region" in text
        assert errors == []
    assert blocked == []
