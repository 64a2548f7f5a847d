"""Join events to admin units: every level in one pass, fast, deterministic, never dropping rows.

Points are located in the finest admin layer and inherit its parents' codes and names.
A grid over the layer labels every cell that no border crosses with its unit, so most
points are placed by an array lookup; only points in cells crossed by a border get an
exact point-in-polygon test. Points on a shared border go to the unit with the smallest
P-code (the layers are sorted by P-code), so results do not depend on input order.

Points outside every unit take the nearest unit within ``max_distance_m`` (measured in a
projected CRS), flagged ``adm_join="nearest"``; farther points get ``adm_join="none"``.
Area events (polygons) get only the levels whose unit contains the whole area.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.boundaries import AdminLayers
from geo.report import InputError, Problem
from geo.schema import ADM_JOINS, ADM_LEVELS, admin_levels_supported

DEFAULT_MAX_DISTANCE_M = 5_000.0
# Share of an area event's surface that must lie in one unit for the unit to contain it
# (dissolved regions and the admin layers share borders up to floating-point noise).
AREA_WITHIN_SHARE = 0.995
# Cells along the longer side of the layer's bounding box.
GRID_CELLS = 2048

_OUTSIDE = -2  # a grid cell outside every unit
_BORDER = -1  # a grid cell a border crosses: test its points exactly

ADMIN_FIELDS = ("pcode", "name", "name_ar")
ADM_JOIN_CODES = {name: code for code, name in enumerate(ADM_JOINS)}
_NO_METHOD = -1
_COARSER = -3  # a point placed in a coarser level only


def admin_columns(levels: tuple[int, ...] | list[int] = (1, 2, 3)) -> list[str]:
    """The event-table columns a join fills for ``levels`` (``adm1_pcode``, ``adm1_name``, ...)."""
    return [f"adm{n}_{f}" for n in levels for f in ADMIN_FIELDS]


@dataclass
class _Grid:
    """Unit index per grid cell (``_OUTSIDE``/``_BORDER`` where no single unit covers it)."""

    x0: float
    y0: float
    cell: float
    labels: np.ndarray  # (ny, nx) int32

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ny, nx = self.labels.shape
        ix = np.floor((x - self.x0) / self.cell)
        iy = np.floor((y - self.y0) / self.cell)
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        out = np.full(x.shape, _OUTSIDE, dtype=np.int32)
        out[inside] = self.labels[iy[inside].astype(np.intp), ix[inside].astype(np.intp)]
        return out


def _first_hit(n: int, query: np.ndarray) -> np.ndarray:
    """Smallest tree index per input from a ``STRtree.query`` result; -1 where none."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, query[0], query[1])
    out[out == np.iinfo(np.int64).max] = -1
    return out


def _build_grid(polygons: np.ndarray, tree: shapely.STRtree, cells: int) -> _Grid:
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    cell = max(xmax - xmin, ymax - ymin) / cells
    nx = int(np.ceil((xmax - xmin) / cell)) + 1
    ny = int(np.ceil((ymax - ymin) / cell)) + 1
    # Mark every cell a border passes through: vertices at most a quarter cell apart, so
    # each crossed cell is a vertex's cell or one of its eight neighbours.
    borders = shapely.segmentize(shapely.boundary(polygons), cell / 4)
    coords = shapely.get_coordinates(borders)
    ix = np.clip(np.floor((coords[:, 0] - xmin) / cell).astype(np.intp), 0, nx - 1)
    iy = np.clip(np.floor((coords[:, 1] - ymin) / cell).astype(np.intp), 0, ny - 1)
    hit = np.zeros((ny + 2, nx + 2), dtype=bool)
    hit[iy + 1, ix + 1] = True
    border = np.zeros((ny, nx), dtype=bool)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            border |= hit[dy : dy + ny, dx : dx + nx]
    # A run of border-free cells along a row lies in one unit (or outside all): test the
    # centre of the first cell of each run and give the whole run its answer.
    free = ~border
    flat = free.ravel()
    starts = flat.copy()
    starts[1:] &= ~flat[:-1]
    starts[::nx] = flat[::nx]
    run_id = np.cumsum(starts) - 1
    start_cells = np.flatnonzero(starts)
    cx = xmin + (start_cells % nx + 0.5) * cell
    cy = ymin + (start_cells // nx + 0.5) * cell
    hits = _first_hit(len(start_cells), tree.query(shapely.points(cx, cy), predicate="intersects"))
    run_label = np.where(hits >= 0, hits, _OUTSIDE).astype(np.int32)
    labels = np.full(flat.shape, _BORDER, dtype=np.int32)
    labels[flat] = run_label[run_id[flat]]
    return _Grid(xmin, ymin, cell, labels.reshape(ny, nx))


class _UnitLocator:
    """Point-in-unit lookups on one admin layer, built once and cached on the layers."""

    def __init__(self, layer: gpd.GeoDataFrame, *, cells: int = GRID_CELLS):
        self.polygons = np.asarray(layer.geometry.values, dtype=object)
        self.tree = shapely.STRtree(self.polygons)
        self._cells = cells
        self._grid: _Grid | None = None
        self._projected: dict[str, shapely.STRtree] = {}
        self._near: dict[tuple, np.ndarray] = {}

    @property
    def grid(self) -> _Grid:
        # Built on first point lookup: area events only need the tree.
        if self._grid is None:
            self._grid = _build_grid(self.polygons, self.tree, self._cells)
        return self._grid

    def locate(
        self, points: np.ndarray, x: np.ndarray | None = None, y: np.ndarray | None = None
    ) -> np.ndarray:
        """Row of the unit covering each point (smallest on shared borders); -1 if none.
        ``x``/``y``: the points' coordinates when the caller has them already."""
        x = shapely.get_x(points) if x is None else x
        y = shapely.get_y(points) if y is None else y
        found = self.grid.lookup(x, y).astype(np.int64)
        exact = np.flatnonzero(found == _BORDER)
        if len(exact):
            hits = self.tree.query(points[exact], predicate="intersects")
            found[exact] = _first_hit(len(exact), hits)
        found[found == _OUTSIDE] = -1
        return found

    def _maybe_within(self, points: np.ndarray, max_distance_m: float) -> np.ndarray:
        """False for points certainly farther than ``max_distance_m`` from every unit:
        outside the layer's bounds grown by that distance, or in a grid cell that many
        cells away from any border cell. Conservative (2% and one cell to spare), so the
        exact distance decides every point it keeps."""
        grid = self.grid
        ny, nx = grid.labels.shape
        top = max(abs(grid.y0), abs(grid.y0 + ny * grid.cell))
        margin_deg = (
            1.02 * max_distance_m / (111_320.0 * max(np.cos(np.radians(min(top + 1, 89.9))), 1e-6))
        )
        reach = int(np.ceil(margin_deg / grid.cell)) + 1
        key = ("near", reach)
        if key not in self._near:
            # Grow the border cells by ``reach`` cells along y, then along x (a square).
            near = grid.labels == _BORDER
            grown = near.copy()
            for step in range(1, reach + 1):
                grown[step:, :] |= near[:-step, :]
                grown[:-step, :] |= near[step:, :]
            near, grown = grown, grown.copy()
            for step in range(1, reach + 1):
                grown[:, step:] |= near[:, :-step]
                grown[:, :-step] |= near[:, step:]
            self._near = {key: grown}
        near = self._near[key]
        x, y = shapely.get_x(points), shapely.get_y(points)
        ix = np.floor((x - grid.x0) / grid.cell)
        iy = np.floor((y - grid.y0) / grid.cell)
        on_grid = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        out = (ix >= -reach) & (ix < nx + reach) & (iy >= -reach) & (iy < ny + reach) & ~on_grid
        out[on_grid] = near[iy[on_grid].astype(np.intp), ix[on_grid].astype(np.intp)]
        return out

    def nearest(
        self, points: np.ndarray, crs: CRS, max_distance_m: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row of and distance in metres (measured in ``crs``) to the nearest unit at most
        ``max_distance_m`` away; -1 and inf where there is none."""
        rows = np.full(len(points), -1, dtype=np.int64)
        metres = np.full(len(points), np.inf)
        if max_distance_m <= 0:
            return rows, metres
        key = crs.to_string()
        if key not in self._projected:
            projected = gpd.GeoSeries(self.polygons, crs=4326).to_crs(crs).values
            self._projected[key] = shapely.STRtree(np.asarray(projected, dtype=object))
        tree = self._projected[key]
        # Only points the grid cannot rule out are measured: most points outside every unit
        # (another country's events) are far from any border.
        maybe = np.flatnonzero(self._maybe_within(points, max_distance_m))
        projected_points = np.full(len(points), None, dtype=object)
        projected_points[maybe] = gpd.GeoSeries(points[maybe], crs=4326).to_crs(crs).values
        # Points the projection cannot represent (the far side of the globe) are far away.
        usable = maybe[
            np.isfinite(shapely.get_x(projected_points[maybe]))
            & np.isfinite(shapely.get_y(projected_points[maybe]))
        ]
        (inp, idx), dist = tree.query_nearest(
            projected_points[usable],
            max_distance=max_distance_m,
            return_distance=True,
            all_matches=True,
        )
        inp = usable[inp]
        # all_matches keeps ties; the smallest unit row wins, as for points on a border.
        order = np.lexsort((idx, inp))
        inp, idx, dist = inp[order], idx[order], dist[order]
        first = np.r_[True, inp[1:] != inp[:-1]] if len(inp) else np.zeros(0, dtype=bool)
        rows[inp[first]] = idx[first]
        metres[inp[first]] = dist[first]
        return rows, metres


def _locator(layers: AdminLayers, level: int) -> _UnitLocator:
    key = ("locator", level)
    if key not in layers.cache:
        layers.cache[key] = _UnitLocator(layers[level])
    return layers.cache[key]


def _projected_crs(layers: AdminLayers) -> CRS:
    if "projected_crs" not in layers.cache:
        layers.cache["projected_crs"] = layers[layers.finest].estimate_utm_crs()
    return layers.cache["projected_crs"]


def _provenance(events: pd.DataFrame, positions: np.ndarray) -> tuple[list[str], list[int]]:
    """File and 1-based row of each event at ``positions``, for problem reports."""
    if "source_file" in events.columns:
        files = events["source_file"].astype("string").iloc[positions].fillna("<events>")
    else:
        files = pd.Series("<events>", index=range(len(positions)))
    lines = pd.Series(positions + 1, dtype="Int64")
    if "source_row" in events.columns:
        given = pd.array(events["source_row"].iloc[positions], dtype="Int64")
        lines = pd.Series(given).fillna(lines)
    return files.tolist(), [int(v) for v in lines]


def _allowed_masks(precision: pd.Series, available: list[int]) -> dict[int, np.ndarray]:
    """Per level, which events' geo_precision allows a unit at that level."""
    codes, uniques = pd.factorize(precision, use_na_sentinel=True)
    masks = {}
    for n in available:
        ok = np.array(
            [n in admin_levels_supported(u) for u in uniques] + [n in admin_levels_supported(None)]
        )
        masks[n] = ok[codes]  # code -1 (missing precision) reads the last entry
    return masks


def _area_units(layers: AdminLayers, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finest level and row of the unit containing the whole of each geometry (0 and -1
    where none does). Polygons count as contained when AREA_WITHIN_SHARE of their surface
    lies in the unit; lines and multipoints when the unit covers them."""
    level_of = np.zeros(len(areas), dtype=np.int64)
    row_of = np.full(len(areas), -1, dtype=np.int64)
    polygonal = shapely.get_dimensions(areas) == 2
    surface = shapely.area(areas)
    pending = np.arange(len(areas))
    for level in sorted(layers.levels, reverse=True):
        if not len(pending):
            break
        locator = _locator(layers, level)
        inp, idx = locator.tree.query(areas[pending], predicate="intersects")
        event, unit = areas[pending][inp], locator.polygons[idx]
        by_area = polygonal[pending][inp]
        inside = np.zeros(len(inp), dtype=bool)
        shared = shapely.area(shapely.intersection(unit[by_area], event[by_area]))
        inside[by_area] = shared >= AREA_WITHIN_SHARE * surface[pending][inp][by_area]
        inside[~by_area] = shapely.covers(unit[~by_area], event[~by_area])
        best = _first_hit(len(pending), np.vstack([inp[inside], idx[inside]]))
        found = best >= 0
        level_of[pending[found]] = level
        row_of[pending[found]] = best[found]
        pending = pending[~found]
    return level_of, row_of


def _invalid_point_problems(
    events: pd.DataFrame, positions: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> list[Problem]:
    """One problem per point whose coordinates are no longitude/latitude."""
    files, lines = _provenance(events, positions)
    reason = "not a longitude/latitude (-180..180, -90..90); no admin unit assigned"
    return [
        Problem(file, line, "geometry", reason, stage="join", value=f"{ys[p]}, {xs[p]}")
        for file, line, p in zip(files, lines, positions, strict=True)
    ]


def _outside_problems(
    events: pd.DataFrame,
    positions: np.ndarray,
    points: np.ndarray,
    rows: np.ndarray,
    metres: np.ndarray,
    layer: gpd.GeoDataFrame,
    level: int,
    max_distance_m: float,
) -> list[Problem]:
    """One warning per point outside every unit: assigned the nearest unit, or none."""
    files, lines = _provenance(events, positions)
    names = layer[f"adm{level}_name"].to_numpy(dtype=object)
    codes = layer[f"adm{level}_pcode"].to_numpy(dtype=object)
    # Python floats and ints: formatting numpy scalars row by row is several times slower.
    xs, ys = shapely.get_x(points).tolist(), shapely.get_y(points).tolist()
    limit = f"max_distance_m={max_distance_m:,.0f}"
    far = f"outside every admin unit and farther than {limit} from all; no admin unit assigned"
    problems = []
    for file, line, x, y, row, d in zip(
        files, lines, xs, ys, rows.tolist(), metres.tolist(), strict=True
    ):
        reason = (
            f"outside every admin unit; assigned the nearest, {names[row]} ({codes[row]}), "
            f"{d:,.0f} m away ({limit})"
            if row >= 0
            else far
        )
        problems.append(
            Problem(file, line, "geometry", reason, stage="join", value=f"{y:.5f}, {x:.5f}")
        )
    return problems


def join_admin(
    events: gpd.GeoDataFrame,
    layers: AdminLayers,
    *,
    max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
    projected_crs: str | int | CRS | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Assign admin units at every level to each event.

    Parameters
    ----------
    events : GeoDataFrame
        Events in the event schema; geometry is a Point, a (Multi)Polygon for area
        events, or missing. Any CRS (EPSG:4326 assumed when unset).
    layers : AdminLayers
        Admin layers from :func:`geo.boundaries.load_admin_layers`.
    max_distance_m : float, keyword-only
        Points outside every unit take the nearest unit when it is at most this far.
    projected_crs : CRS-like, optional, keyword-only
        CRS in which distances are measured; default the UTM zone of the layers.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        The events (same rows, order and index) with ``adm{n}_pcode``, ``adm{n}_name``,
        ``adm{n}_name_ar`` and ``adm_join`` (within / nearest / area / none) filled, and a
        Problem (stage ``join``) for each point assigned to the nearest unit or to none.
    """
    if max_distance_m < 0:
        raise InputError(f"`max_distance_m` was {max_distance_m!r} but must be >= 0")
    if not isinstance(events, gpd.GeoDataFrame) or events._geometry_column_name not in events:
        raise InputError("events have no geometry column; geocode them before join_admin")
    out = events.copy()
    available = sorted(layers.levels)
    finest = layers.finest
    # Every schema level gets its columns, NA where the layers lack the level.
    for column in [*admin_columns(sorted(set(ADM_LEVELS) | set(available))), "adm_join"]:
        out[column] = pd.Series(pd.NA, index=out.index, dtype="string")
    if len(out) == 0:
        return out, []

    geometry = out.geometry
    if geometry.crs is not None and not geometry.crs.equals(CRS.from_epsg(4326)):
        geometry = geometry.to_crs(4326)
    geoms = np.asarray(geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    is_point = ~missing & (kinds == 0)
    is_area = ~missing & ~is_point

    precision = (
        out["geo_precision"].astype("string")
        if "geo_precision" in out.columns
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    allowed = _allowed_masks(precision, available)
    any_allowed = np.logical_or.reduce(list(allowed.values()))
    method = np.full(len(out), _NO_METHOD, dtype=np.int8)
    problems: list[Problem] = []

    # Points: the finest unit first; a point outside every finest unit may still lie in a
    # coarser one (layers that do not cover the whole country at every level); the rest
    # take the nearest finest unit. A point whose precision allows no level (a region, a
    # country) is in no unit.
    layer = layers[finest]
    locator = _locator(layers, finest)
    method[is_point & ~any_allowed] = ADM_JOIN_CODES["none"]
    xs, ys = np.full(len(out), np.nan), np.full(len(out), np.nan)
    xs[is_point], ys[is_point] = shapely.get_x(geoms[is_point]), shapely.get_y(geoms[is_point])
    with np.errstate(invalid="ignore"):
        lonlat = (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
    invalid = is_point & any_allowed & ~lonlat
    method[invalid] = ADM_JOIN_CODES["none"]
    problems.extend(_invalid_point_problems(out, np.flatnonzero(invalid), xs, ys))
    point_pos = np.flatnonzero(is_point & any_allowed & lonlat)
    rows = locator.locate(geoms[point_pos], xs[point_pos], ys[point_pos])
    method[point_pos[rows >= 0]] = ADM_JOIN_CODES["within"]
    elsewhere: list[tuple[int, np.ndarray, np.ndarray]] = []  # (level, events, unit rows)
    for level in sorted(available, reverse=True)[1:]:
        missing_pos = np.flatnonzero(rows < 0)
        if not len(missing_pos):
            break
        found = _locator(layers, level).locate(geoms[point_pos[missing_pos]])
        hit = found >= 0
        if hit.any():
            elsewhere.append((level, point_pos[missing_pos[hit]], found[hit]))
            method[point_pos[missing_pos[hit]]] = ADM_JOIN_CODES["within"]
            rows[missing_pos[hit]] = _COARSER
    outside = point_pos[rows == -1]
    if len(outside):
        crs = (
            CRS.from_user_input(projected_crs)
            if projected_crs is not None
            else _projected_crs(layers)
        )
        near_rows, metres = locator.nearest(geoms[outside], crs, max_distance_m)
        rows[rows == -1] = near_rows
        method[outside] = np.where(
            near_rows >= 0, ADM_JOIN_CODES["nearest"], ADM_JOIN_CODES["none"]
        )
        problems.extend(
            _outside_problems(
                out, outside, geoms[outside], near_rows, metres, layer, finest, max_distance_m
            )
        )
    unit_row = np.full(len(out), -1, dtype=np.int64)
    unit_row[point_pos] = np.where(rows >= 0, rows, -1)
    for n in available:
        take = np.where(allowed[n], unit_row, -1)
        for f in ADMIN_FIELDS:
            column = f"adm{n}_{f}"
            if column in layer.columns:
                units = pd.array(layer[column], dtype="string")
                out[column] = pd.Series(units.take(take, allow_fill=True), index=out.index)

    # Areas: only levels whose unit contains the whole area (and the precision allows).
    area_pos = np.flatnonzero(is_area)
    method[area_pos] = ADM_JOIN_CODES["area"]
    if len(area_pos):
        area_levels, area_rows = _area_units(layers, geoms[area_pos])
        for level in available:
            chosen = area_levels == level
            if chosen.any():
                elsewhere.append((level, area_pos[chosen], area_rows[chosen]))

    # Events placed apart from the finest-level point lookup (points outside a partial
    # finest layer, areas): the unit found and its parents.
    for level, positions, level_rows in elsewhere:
        units_layer = layers[level]
        for n in range(1, level + 1):
            keep = allowed[n][positions]
            for f in ADMIN_FIELDS:
                column = f"adm{n}_{f}"
                if column in units_layer.columns and keep.any():
                    values = pd.array(units_layer[column], dtype="string").take(level_rows[keep])
                    out.iloc[positions[keep], out.columns.get_loc(column)] = values

    labels = pd.array(list(ADM_JOIN_CODES), dtype="string")
    out["adm_join"] = pd.Series(labels.take(method, allow_fill=True), index=out.index)
    return out, problems
