"""Render events in the event schema as a layered, time-filtered folium map.

``render_map`` is validation -> payload -> map shell -> engine + toggle layers -> assets.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from geo._files import atomic_path
from geo.boundaries import AdminLayers
from geo.credits import credits_for
from geo.maps._payload import admin_geojson, build_payload
from geo.maps.assets import OfflineAssets
from geo.maps.plugin import (
    AdminLayer,
    EventLayer,
    EventTypeLayer,
    SafeLayerControl,
    SafeTileLayer,
)
from geo.report import GeoError, InputError

RENDERERS: tuple[str, ...] = ("auto", "markers", "clusters", "dots")
METRICS: tuple[str, ...] = ("events", "fatalities")
FILTER_KEYS: tuple[str, ...] = ("event_type", "actor")
# Simplification per admin level (degrees): enough for a country view, light in the page.
_ADMIN_TOLERANCE = {1: 0.004, 2: 0.003, 3: 0.002}
_ADMIN_NAMES = {1: "admin 1", 2: "admin 2", 3: "admin 3"}
# Event ids are embedded (for popups and the page's state accessor) up to this many events.
_IDS_LIMIT = 250_000


def render_map(
    events: gpd.GeoDataFrame,
    *,
    layers: AdminLayers | None = None,
    title: str | None = None,
    offline: bool = False,
    time_range: tuple[str | None, str | None] | None = None,
    filters: dict | None = None,
    attribution: str | None = None,
    tiles: str | None = None,
    renderer: str = "auto",
    metric: str = "events",
    choropleth_level: int | None = None,
    asset_cache: str | os.PathLike | None = None,
) -> folium.Map:
    """Draw events as one time-filtered folium map.

    Every event of ``events`` with a geometry and a start date is drawn: points on one
    canvas (coloured by event type), areas (Polygon/MultiPolygon, e.g. a region) as
    translucent shapes outside any point aggregation. One time control (date-range slider,
    play/pause, step, histogram) drives every layer, including the choropleths; the event
    type toggles and the actor filter combine with it, and the state is kept in the URL hash.

    Parameters
    ----------
    events
        Events in the event schema (:mod:`geo.schema`), EPSG:4326. Rows without geometry or
        start date are not drawn (the legend says how many).
    layers
        Admin layers (:func:`geo.boundaries.load_admin_layers`): toggleable outlines per
        level (a basemap that needs no tiles) and choropleths per level.
    title
        Shown on the map and as the page title.
    offline
        Inline every JS/CSS asset (pinned npm packages from the asset cache, see
        :mod:`geo.maps.assets`) so the file makes no network request. Default: CDN links,
        as folium does.
    time_range
        Initial (start, end) ISO dates of the time control; default the whole span. Either
        may be None (open end).
    filters
        Initial filters: ``{"event_type": [names shown], "actor": "substring"}``.
    attribution
        Extra credit line. The credits of the admin layers, the event datasets and the
        gazetteer sources used (:func:`geo.credits.credits_for`) are always shown.
    tiles
        A tile basemap (needs network when viewed): a provider name such as
        "OpenStreetMap" or "CartoDB positron", or a URL template with ``{z}``, ``{x}`` and
        ``{y}``, whose credit is then ``attribution`` (required). Default none.
    renderer
        "auto" (markers when at most 5,000 events are in view, else clusters), "markers",
        "clusters" (grid clusters recomputed for the time window and filters; a click zooms
        in, or lists the events of a small cluster) or "dots" (one pixel block per event).
    metric
        Initial choropleth value: "events" or "fatalities".
    choropleth_level
        Admin level whose choropleth is shown at opening (default none shown).
    asset_cache
        Asset cache directory for ``offline`` (default ``<user cache>/assets``).

    Returns
    -------
    folium.Map
        A map a user can keep adding to; save it with :func:`save_map`.

    Examples
    --------
    >>> result = geo.pipeline.run("data/events/dumayr_raid.csv", data_dir="../shared/data")
    >>> m = render_map(result.events, layers=result.layers, offline=True)
    >>> save_map(m, "maps/dumayr.html")

    See Also
    --------
    save_map : write the page atomically.
    geo.maps.assets : the pinned offline assets (``python -m geo.maps.assets fetch``).
    """
    _check_options(events, renderer=renderer, metric=metric, filters=filters, layers=layers)
    if choropleth_level is not None and (layers is None or choropleth_level not in layers.levels):
        levels = sorted(layers.levels) if layers is not None else []
        raise InputError(
            f"`choropleth_level` was {choropleth_level!r} but is expected to be in {levels}"
        )
    admin_pcodes = (
        {n: layers[n][f"adm{n}_pcode"].astype(str).tolist() for n in layers.levels}
        if layers is not None
        else {}
    )
    payload = build_payload(
        events, admin_pcodes=admin_pcodes, include_ids=len(events) <= _IDS_LIMIT
    )

    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, zoom_snap=0.25)
    if offline:
        # folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) serve
        # elements this map does not use; the offline page carries only what it needs.
        m.default_js = [m.default_js[0]]
        m.default_css = [m.default_css[0]]
    if title:
        m.get_root().title = html.escape(title)
    if tiles:
        _tile_layer(tiles, attribution).add_to(m)
        if _is_tile_url(tiles):
            attribution = None  # shown once, as the tile layer's credit

    spec = dict(payload.spec)
    spec["admin"] = (
        {
            str(n): admin_geojson(layers[n], n, tolerance=_ADMIN_TOLERANCE.get(n, 0.002))
            for n in sorted(layers.levels)
        }
        if layers is not None
        else {}
    )
    spec["options"] = {
        "title": title or "",
        "renderer": renderer,
        "attribution": credits_for(events, layers=layers, extra=attribution),
        "initial": _initial_state(time_range, filters, metric, payload.spec["types"]),
    }
    engine = EventLayer(payload.b64, spec)
    m.add_child(engine)
    for code, name in enumerate(payload.spec["types"]):
        # Leaflet's layer control shows names as HTML: the type (source text) is escaped
        m.add_child(EventTypeLayer(engine, code, name=html.escape(name), show=True))
    if layers is not None:
        for n in sorted(layers.levels):
            m.add_child(
                AdminLayer(
                    engine, n, "outline", name=f"Outlines: {_ADMIN_NAMES.get(n)}", show=n == 1
                )
            )
        for n in sorted(layers.levels):
            m.add_child(
                AdminLayer(
                    engine,
                    n,
                    "choropleth",
                    name=f"Choropleth: {_ADMIN_NAMES.get(n)}",
                    show=n == choropleth_level,
                )
            )
    entries = len(payload.spec["types"]) + (2 * len(layers.levels) if layers is not None else 0)
    SafeLayerControl(collapsed=entries > 12).add_to(m)
    bounds = _bounds(events, layers)
    if bounds is not None:
        # keep the country clear of the title (top) and the time control (bottom)
        m.fit_bounds(bounds, padding_top_left=(10, 40), padding_bottom_right=(10, 150))
    if offline:
        m.get_root().add_child(OfflineAssets(cache=asset_cache), name="geo_offline_assets")
    return m


def save_map(m: folium.Map, path: str | os.PathLike) -> Path:
    """Write the map as one HTML file, atomically (a reader never sees half a file).

    Parameters
    ----------
    m
        A map from :func:`render_map` (or any folium map).
    path
        The HTML file; missing parent folders are created.

    Returns
    -------
    Path
        The written file.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GeoError(f"{target}: cannot create its folder ({error.strerror})") from None
    page = m.get_root().render()
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target


def _is_tile_url(tiles: str) -> bool:
    return all(part in tiles for part in ("{z}", "{x}", "{y}"))


def _tile_layer(tiles: str, attribution: str | None) -> SafeTileLayer:
    """A provider's tiles by name, or tiles from a URL template credited with ``attribution``."""
    name = html.escape(str(tiles))  # the layer control shows names as HTML
    if _is_tile_url(tiles):
        if not attribution:
            raise InputError(
                f"`tiles` {tiles!r} is a URL: give its credit as `attribution` (--attribution)"
            )
        return SafeTileLayer(
            tiles, attr=html.escape(attribution), name=name, overlay=False, control=True
        )
    try:
        return SafeTileLayer(tiles, name=name, overlay=False, control=True)
    except ValueError:  # folium: "Custom tiles must have an attribution", i.e. not a name
        raise InputError(
            f"`tiles` was {tiles!r} but is expected to be a tile provider name (e.g. "
            "'OpenStreetMap', 'CartoDB positron'; see xyzservices.providers) or a URL "
            "template with {z}, {x} and {y}"
        ) from None


def _check_options(
    events: gpd.GeoDataFrame,
    *,
    renderer: str,
    metric: str,
    filters: dict | None,
    layers: AdminLayers | None,
) -> None:
    if not isinstance(events, gpd.GeoDataFrame):
        raise InputError(f"`events` must be a GeoDataFrame, got {type(events).__name__}")
    if renderer not in RENDERERS:
        raise InputError(f"`renderer` was {renderer!r} but is expected to be in {RENDERERS}")
    if metric not in METRICS:
        raise InputError(f"`metric` was {metric!r} but is expected to be in {METRICS}")
    unknown = sorted(set(filters or {}) - set(FILTER_KEYS))
    if unknown:
        raise InputError(f"`filters` has keys {unknown} but expected keys are in {FILTER_KEYS}")
    if events.crs is not None and not events.crs.equals("EPSG:4326"):
        raise InputError(f"`events` must be in EPSG:4326 (lon/lat), got {events.crs.to_string()}")
    drawn = events.geometry[events.geometry.notna() & ~events.geometry.is_empty]
    if len(drawn):
        west, south, east, north = drawn.total_bounds
        if west < -180 or east > 180 or south < -90 or north > 90:
            raise InputError(
                f"`events` coordinates span x {west:.6g}..{east:.6g}, y {south:.6g}..{north:.6g}, "
                "outside lon/lat; are they projected? reproject with events.to_crs(4326)"
            )
    missing = sorted({"date_start", "event_type"} - set(events.columns))
    if missing:
        raise InputError(f"`events` lacks the event-schema columns {missing}; see geo.schema")


def _iso_day(value: str, name: str) -> str:
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (ValueError, TypeError) as error:
        raise InputError(f"`time_range` {name} {value!r} is not a date (YYYY-MM-DD)") from error


def _initial_state(
    time_range: tuple[str | None, str | None] | None,
    filters: dict | None,
    metric: str,
    type_names: Sequence[str],
) -> dict:
    state: dict = {"metric": metric}
    if time_range is not None:
        if len(time_range) != 2:
            raise InputError(f"`time_range` must be (start, end), got {time_range!r}")
        # None leaves that end open (the first or last day of the events)
        if time_range[0] is not None:
            state["from"] = _iso_day(time_range[0], "start")
        if time_range[1] is not None:
            state["to"] = _iso_day(time_range[1], "end")
        if state.get("from", "") > state.get("to", "9999"):
            raise InputError(f"`time_range` starts after it ends: {time_range!r}")
    filters = filters or {}
    if "event_type" in filters:
        wanted = filters["event_type"]
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        unknown = sorted(set(wanted) - set(type_names))
        if unknown:
            raise InputError(
                f"`filters['event_type']` has {unknown} but the events' types are {list(type_names)}"
            )
        state["types"] = wanted
    if filters.get("actor"):
        state["actor"] = str(filters["actor"])
    return state


def _bounds(events: gpd.GeoDataFrame, layers: AdminLayers | None) -> list[list[float]] | None:
    frames = [layers[min(layers.levels)]] if layers is not None else []
    drawn = events[events.geometry.notna() & ~events.geometry.is_empty]
    if len(drawn):
        frames.append(drawn)
    if not frames:
        return None
    boxes = [f.total_bounds for f in frames]
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    return [[float(south), float(west)], [float(north), float(east)]]
