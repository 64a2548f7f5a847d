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

_GEO_COLUMNS = (
    "geo_precision",
    "geo_method",
    "geo_match",
    "geo_source",
    "geo_score",
    "geo_candidates",
)


def valid_coordinates(latitude: pd.Series, longitude: pd.Series) -> pd.Series:
    """True where latitude/longitude are numbers in range and not the (0, 0) placeholder."""
    lat = pd.to_numeric(latitude, errors="coerce")
    lon = pd.to_numeric(longitude, errors="coerce")
    ok = lat.between(-90, 90) & lon.between(-180, 180)
    return ok & ~((lat == 0) & (lon == 0))


def geocode(
    events: pd.DataFrame,
    *,
    data_dir: str | os.PathLike | None = None,
    gazetteer: Gazetteer | None = None,
    online: bool = False,
    online_geocoder=None,
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

    Returns
    -------
    (GeoDataFrame, list of Problem)
        All input rows in input order and index, EPSG:4326, with geometry, latitude,
        longitude and the ``geo_*`` columns filled; one Problem per row left unlocated
        (and one warning per row whose source coordinates were unusable).
    """
    frame = _conform(events)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    n = len(frame)
    lat = frame["latitude"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    lon = frame["longitude"].to_numpy(dtype=float, na_value=np.nan, copy=True)
    has_source = valid_coordinates(frame["latitude"], frame["longitude"]).to_numpy()
    given = ~(np.isnan(lat) & np.isnan(lon))
    bad_source = given & ~has_source
    files = frame["source_file"].astype(object).where(frame["source_file"].notna(), "<events>")
    rows = frame["source_row"].astype(object).where(frame["source_row"].notna(), None)
    locations = frame["location"].astype(object).where(frame["location"].notna(), None)
    for i in np.flatnonzero(bad_source):
        warnings.append(
            Problem(
                file=str(files.iat[i]),
                row=_int_or_none(rows.iat[i]),
                field="latitude/longitude",
                reason="coordinates missing or out of range (latitude -90..90, longitude "
                "-180..180, not 0,0); located from the location name instead",
                stage="geocode",
                value=f"{frame['latitude'].iat[i]}, {frame['longitude'].iat[i]}",
            )
        )
    lat[~has_source] = np.nan
    lon[~has_source] = np.nan
    geometry = np.empty(n, dtype=object)
    geometry[has_source] = shapely.points(lon[has_source], lat[has_source])
    out = {col: frame[col].astype(object).to_numpy(copy=True) for col in _GEO_COLUMNS}
    source_method = out["geo_method"]
    source_method[has_source & pd.isna(source_method)] = "source"

    todo = np.flatnonzero(~has_source)
    if len(todo):
        keys = pd.DataFrame(
            {
                "location": frame["location"].iloc[todo].astype(object),
                "admin1": frame["admin1_hint"].iloc[todo].astype(object),
                "admin2": frame["admin2_hint"].iloc[todo].astype(object),
            }
        )
        codes, uniques = _factorize_rows(keys)
        named = uniques["location"].map(lambda v: isinstance(v, str) and bool(v.strip()))
        resolutions: list[Resolution | None] = [None] * len(uniques)
        if named.any():
            if gazetteer is None:
                from geo.gazetteer import Gazetteer

                gazetteer = Gazetteer.from_data_dir(data_dir)
            wanted = np.flatnonzero(named.to_numpy())
            resolved = gazetteer.resolve_many(
                [_text(v) for v in uniques["location"].iloc[wanted]],
                admin1=[_text(v) for v in uniques["admin1"].iloc[wanted]],
                admin2=[_text(v) for v in uniques["admin2"].iloc[wanted]],
            )
            if online:
                resolved = _online_fallback(resolved, uniques.iloc[wanted], online_geocoder)
            for pos, res in zip(wanted, resolved, strict=True):
                resolutions[pos] = res
        _fill(out, lat, lon, geometry, todo, codes, resolutions)
        for i, code in zip(todo, codes, strict=True):
            res = resolutions[code]
            if res is not None and res.status == "resolved":
                continue
            problems.append(_problem(res, files.iat[i], rows.iat[i], locations.iat[i]))

    frame = frame.assign(latitude=lat, longitude=lon, **{c: out[c] for c in _GEO_COLUMNS})
    precision = frame["geo_precision"].astype(object)
    acled = frame["geo_precision_acled"].astype(object)
    ucdp = frame["geo_precision_ucdp"].astype(object)
    located = pd.notna(geometry)
    fill_acled = located & pd.isna(acled).to_numpy() | ~has_source
    fill_ucdp = located & pd.isna(ucdp).to_numpy() | ~has_source
    frame["geo_precision_acled"] = acled.where(~fill_acled, precision.map(TO_ACLED))
    frame["geo_precision_ucdp"] = ucdp.where(~fill_ucdp, precision.map(TO_UCDP))
    frame = _conform(frame)
    result = gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries(geometry, index=frame.index, crs=4326), crs=4326
    )
    # Location problems first: a row's first problem is its reason for being unresolved.
    return result, problems + warnings


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    """``schema.conform`` with missing float columns added as NaN first (conform cannot
    build a float64 column from pd.NA)."""
    missing = {
        name: np.nan
        for name, dtype in EVENT_COLUMNS.items()
        if dtype == "float64" and name not in frame.columns
    }
    return conform(frame.assign(**missing) if missing else frame)


def _factorize_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Codes of each row's (location, admin1, admin2) and the distinct triples."""
    combined = np.zeros(len(keys), dtype=np.int64)
    parts = []
    for column in keys.columns:
        codes, uniques = pd.factorize(keys[column], use_na_sentinel=True)
        codes = codes.astype(np.int64) + 1  # 0 = missing
        parts.append((codes, np.concatenate([[None], np.asarray(uniques, dtype=object)])))
        combined = combined * (len(uniques) + 1) + codes
    row_codes, distinct = pd.factorize(combined)
    first = np.zeros(len(distinct), dtype=np.int64)
    first[row_codes[::-1]] = np.arange(len(row_codes))[::-1]
    frame = pd.DataFrame(
        {
            column: values[codes[first]]
            for column, (codes, values) in zip(keys.columns, parts, strict=True)
        }
    )
    return np.asarray(row_codes), frame


def _fill(out, lat, lon, geometry, todo, codes, resolutions) -> None:
    """Broadcast each distinct resolution to its rows."""
    n_unique = len(resolutions)
    u_lat = np.full(n_unique, np.nan)
    u_lon = np.full(n_unique, np.nan)
    u_geom = np.empty(n_unique, dtype=object)
    u_cols = {c: np.full(n_unique, None, dtype=object) for c in _GEO_COLUMNS}
    for k, res in enumerate(resolutions):
        if res is None:
            continue
        u_cols["geo_candidates"][k] = res.n_candidates
        if res.status != "resolved":
            u_cols["geo_score"][k] = res.score if res.n_candidates else None
            continue
        u_lat[k], u_lon[k], u_geom[k] = res.latitude, res.longitude, res.geometry
        u_cols["geo_precision"][k] = res.precision
        u_cols["geo_method"][k] = res.method
        u_cols["geo_match"][k] = res.matched_name
        u_cols["geo_source"][k] = f"{res.source}:{res.source_id}"
        u_cols["geo_score"][k] = res.score
    lat[todo] = u_lat[codes]
    lon[todo] = u_lon[codes]
    geometry[todo] = u_geom[codes]
    for col in _GEO_COLUMNS:
        out[col][todo] = u_cols[col][codes]


def _problem(res: Resolution | None, file, row, value) -> Problem:
    if res is None:
        reason = "no coordinates and no location name"
    elif res.status == "ambiguous":
        reason = f"ambiguous: {res.reason}; candidates: {res.describe_candidates()}"
    else:
        reason = f"unresolved: {res.reason or 'no gazetteer name matches'}"
        if res.candidates:
            reason += f"; nearest names: {res.describe_candidates()}"
    return Problem(
        file=str(file),
        row=_int_or_none(row),
        field="location",
        reason=reason,
        stage="geocode",
        value=None if value is None else str(value),
    )


def _online_fallback(resolved, uniques: pd.DataFrame, geocoder):
    """Ask the online geocoder for the names the gazetteer left unresolved."""
    from geo.online import OnlineGeocoder

    geocoder = geocoder or OnlineGeocoder()
    out = list(resolved)
    for i, res in enumerate(resolved):
        if res.status == "unresolved":
            row = uniques.iloc[i]
            online = geocoder.resolve(res.query, admin1=_text(row["admin1"]))
            if online.status == "resolved":
                out[i] = online
    return out


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _int_or_none(value) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None
