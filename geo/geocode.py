"""The geocode stage: give every event a location.

Rows whose source gave valid coordinates keep them (``geo_method`` "source"). The others
are located from their ``location`` text through the gazetteer, with the row's
``admin1_hint``/``admin2_hint`` narrowing same-name places. Each distinct (location,
hints) is resolved once, so a million rows naming ten thousand places cost ten thousand
look-ups. Rows that cannot be located keep no geometry and get a Problem naming the file,
row, value and the best candidates; ambiguous names are reported, never guessed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.report import Problem
from geo.schema import EVENT_COLUMNS, TO_ACLED, TO_UCDP, conform

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer, Resolution

_SCALE_COLUMNS = ("geo_precision_acled", "geo_precision_ucdp")
_GEO_COLUMNS = (
    "geo_precision",
    "geo_method",
    "geo_match",
    "geo_source",
    "geo_score",
    "geo_candidates",
)


def geocode(
    events: pd.DataFrame,
    *,
    data_dir: str | os.PathLike | None = None,
    gazetteer: Gazetteer | None = None,
    online: bool = False,
    online_geocoder=None,
    progress: bool = False,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Locate every event: keep valid source coordinates, resolve the rest by name.

    Parameters
    ----------
    events
        An event table (see :mod:`geo.schema`); other columns are kept.
    data_dir
        Data directory for the gazetteer (when ``gazetteer`` is not given).
    gazetteer
        A loaded :class:`geo.gazetteer.Gazetteer` to reuse across calls.
    online
        Ask the online geocoder (Nominatim through geopy, rate-limited and cached) for
        names the offline gazetteer cannot resolve. Off by default.
    online_geocoder
        A :class:`geo.online.OnlineGeocoder` to use when ``online`` (default: Nominatim).
    progress
        Show a progress bar while distinct names are resolved (the CLI sets it on a
        terminal for long inputs).

    Returns
    -------
    (GeoDataFrame, list of Problem)
        All input rows in input order and index, EPSG:4326, with geometry, latitude,
        longitude and the ``geo_*`` columns filled; one Problem per row left unlocated
        (and one warning per row whose source coordinates were unusable).
    """
    n = len(events)
    lat = _float_column(events, "latitude")
    lon = _float_column(events, "longitude")
    has_source = _valid(lat, lon)
    bad_source = ~(np.isnan(lat) & np.isnan(lon)) & ~has_source
    files = _object_column(events, "source_file", default="<events>")
    rows = _float_column(events, "source_row")
    warnings = [
        Problem(
            file=str(files[i]),
            row=_row(rows[i]),
            field="latitude/longitude",
            reason="coordinates missing or out of range (latitude -90..90, longitude "
            "-180..180, not 0,0); located from the location name instead",
            stage="geocode",
            value=f"{lat[i]}, {lon[i]}",
        )
        for i in np.flatnonzero(bad_source)
    ]
    lat[~has_source] = np.nan
    lon[~has_source] = np.nan
    geometry = np.full(n, None, dtype=object)
    geometry[has_source] = shapely.points(lon[has_source], lat[has_source])
    frame = conform(events.drop(columns="geometry", errors="ignore"))
    columns = {col: frame[col].array for col in (*_GEO_COLUMNS, *_SCALE_COLUMNS)}
    # Kept source coordinates say so.
    method = columns["geo_method"].copy()
    method[has_source & np.asarray(method.isna())] = "source"
    columns["geo_method"] = method
    problems: list[Problem] = []

    todo = np.flatnonzero(~has_source)
    if len(todo):
        keys = [_subset(frame[c].array, todo) for c in ("location", "admin1_hint", "admin2_hint")]
        codes, uniques = _factorize_rows(keys)
        resolutions = _resolve(uniques, gazetteer, data_dir, online, online_geocoder, progress)
        _broadcast(columns, lat, lon, geometry, todo, codes, resolutions)
        problems = _problems(todo, codes, resolutions, frame, uniques[0], warnings)
    # ACLED / UCDP scales from geo_precision where the reader gave none.
    for scale, table in (("geo_precision_acled", TO_ACLED), ("geo_precision_ucdp", TO_UCDP)):
        columns[scale] = _fill_scale(columns[scale], columns["geo_precision"], table, has_source)
    frame = frame.assign(latitude=lat, longitude=lon, **columns)
    result = gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(geometry, index=frame.index, crs=4326), crs=4326
    )
    # Location problems first: a row's first problem is its reason for being unresolved.
    return result, problems + warnings


def _resolve(
    uniques: list[np.ndarray], gazetteer, data_dir, online, online_geocoder, progress=False
) -> list:
    """Resolution (or None: no name) of each distinct (location, admin1, admin2)."""
    names, admin1, admin2 = uniques
    named = np.array([isinstance(v, str) and bool(v.strip()) for v in names], dtype=bool)
    resolutions: list[Resolution | None] = [None] * len(names)
    if not named.any():
        return resolutions
    if gazetteer is None:
        from geo.gazetteer import Gazetteer

        gazetteer = Gazetteer.from_data_dir(data_dir)
    wanted = np.flatnonzero(named)
    resolved = gazetteer.resolve_many(
        [_text(v) for v in names[wanted]],
        admin1=[_text(v) for v in admin1[wanted]],
        admin2=[_text(v) for v in admin2[wanted]],
        progress=progress,
    )
    if online:
        resolved = _online_fallback(resolved, admin1[wanted], online_geocoder)
    for pos, res in zip(wanted.tolist(), resolved, strict=True):
        resolutions[pos] = res
    return resolutions


def _broadcast(columns, lat, lon, geometry, todo, codes, resolutions) -> None:
    """Write each distinct resolution to its rows (typed arrays built from the distinct
    values, so a million rows cost one ``take`` per column)."""
    n_unique = len(resolutions)
    u_lat = np.full(n_unique, np.nan)
    u_lon = np.full(n_unique, np.nan)
    u_geom = np.full(n_unique, None, dtype=object)
    u_vals: dict[str, list] = {c: [None] * n_unique for c in _GEO_COLUMNS}
    for k, res in enumerate(resolutions):
        if res is None:
            continue
        u_vals["geo_candidates"][k] = res.n_candidates
        if res.status != "resolved":
            u_vals["geo_score"][k] = res.score if res.n_candidates else None
            continue
        u_lat[k], u_lon[k], u_geom[k] = res.latitude, res.longitude, res.geometry
        u_vals["geo_precision"][k] = res.precision
        u_vals["geo_method"][k] = res.method
        u_vals["geo_match"][k] = res.matched_name
        u_vals["geo_source"][k] = f"{res.source}:{res.source_id}"
        u_vals["geo_score"][k] = res.score
    lat[todo] = u_lat[codes]
    lon[todo] = u_lon[codes]
    geometry[todo] = u_geom[codes]
    everything = len(todo) == len(lat)
    for col, values in u_vals.items():
        taken = pd.array(values, dtype=EVENT_COLUMNS[col]).take(codes)
        if everything:
            columns[col] = taken
        else:
            merged = columns[col].copy()
            merged[todo] = taken
            columns[col] = merged


def _fill_scale(scale, precision, table: dict[str, int], has_source: np.ndarray):
    """ACLED / UCDP precision codes from geo_precision where the source gave none (and for
    every geocoded row)."""
    refill = ~has_source | np.asarray(scale.isna())
    if not refill.any():
        return scale
    codes, uniques = pd.factorize(precision)
    lookup = np.array([table.get(u, -1) for u in uniques] + [-1], dtype=np.int16)
    mapped = lookup[codes]
    derived = pd.arrays.IntegerArray(np.where(mapped < 0, 0, mapped).astype(np.int8), mapped < 0)
    if refill.all():
        return derived
    out = scale.copy()
    out[refill] = derived[refill]
    return out


def _float_column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan, copy=True
    )


def _object_column(frame: pd.DataFrame, name: str, default=None) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), default, dtype=object)
    return frame[name].to_numpy(dtype=object, na_value=default, copy=True)


def _valid(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Numbers in range, and not the (0, 0) placeholder."""
    with np.errstate(invalid="ignore"):
        ok = (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return ok & ~((lat == 0) & (lon == 0))


def _problems(todo, codes, resolutions, frame, names, warnings) -> list[Problem]:
    """One Problem per row left unlocated (the reason worked out once per distinct name),
    and one warning per row placed only approximately by a fallback. ``codes`` index the
    distinct names ``names`` and are aligned with ``todo``."""
    reasons: list[str | None] = [None] * len(resolutions)
    failing = [False] * len(resolutions)
    for k, res in enumerate(resolutions):
        if res is None or res.status != "resolved":
            reasons[k], failing[k] = _reason(res), True
        elif res.reason:
            # A point with a reason is a choice among same-name places; else a fallback.
            located = "located" if res.precision == "point" else "located approximately"
            reasons[k] = f"{located}: {res.reason}"
    flagged_codes = np.array([r is not None for r in reasons], dtype=bool)
    flagged = np.flatnonzero(flagged_codes[codes])
    if not len(flagged):
        return []
    where = todo[flagged]
    files = _subset(frame["source_file"].array, where).tolist()
    rows = pd.to_numeric(_subset(frame["source_row"].array, where), errors="coerce").tolist()
    problems: list[Problem] = []
    names = names.tolist()
    for file, row, code in zip(files, rows, codes[flagged].tolist(), strict=True):
        value = names[code]
        problem = Problem(
            file="<events>" if file is None else str(file),
            row=None if row != row else int(row),
            field="location",
            reason=reasons[code],
            stage="geocode",
            value=None if value is None else str(value),
        )
        (problems if failing[code] else warnings).append(problem)
    return problems


def _reason(res: Resolution | None) -> str:
    if res is None:
        return "no coordinates and no location name"
    if res.status == "ambiguous":
        return f"ambiguous: {res.reason}; candidates: {res.describe_candidates()}"
    reason = f"unresolved: {res.reason or 'no gazetteer name matches'}"
    if res.candidates:
        reason += f"; nearest names: {res.describe_candidates()}"
    return reason


def _row(value: float) -> int | None:
    return None if value is None or np.isnan(value) else int(value)


def _subset(values, index: np.ndarray) -> np.ndarray:
    """``values[index]`` as an object array with None for missing values."""
    taken = values if len(index) == len(values) else values.take(index)
    return np.asarray(pd.array(taken).to_numpy(dtype=object, na_value=None))


def _factorize_rows(keys: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Codes of each row's (location, admin1, admin2) and the distinct values of each."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    parts = []
    for values in keys:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        codes = codes.astype(np.int64) + 1  # 0 = missing
        parts.append((codes, np.concatenate([[None], np.asarray(uniques, dtype=object)])))
        combined = combined * (len(uniques) + 1) + codes
    row_codes, distinct = pd.factorize(combined)
    first = np.zeros(len(distinct), dtype=np.int64)
    first[row_codes[::-1]] = np.arange(len(row_codes))[::-1]
    return np.asarray(row_codes), [values[codes[first]] for codes, values in parts]


def _online_fallback(resolved, admin1: np.ndarray, geocoder):
    """Ask the online geocoder for the names the gazetteer left unresolved."""
    from geo.online import OnlineGeocoder

    geocoder = geocoder or OnlineGeocoder()
    out = list(resolved)
    for i, res in enumerate(resolved):
        if res.status != "resolved" or res.fallback:
            online = geocoder.resolve(res.query, admin1=_text(admin1[i]))
            if online.status == "resolved":
                out[i] = online
    return out


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
