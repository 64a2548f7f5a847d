"""The compact columnar event payload the browser decodes once.

Events are sorted by start day, so a time window is one index range in the browser. Each
column is a typed array (the narrowest unsigned type that fits); text is dictionary-encoded
(one code per distinct value or tuple of values). The columns and the dictionaries (UTF-8
JSON) are packed in one buffer, deflated, and base64-encoded into the page: about 10-14
bytes of HTML per event for realistic data.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# Colours for the ACLED event types (stable across maps); other types take PALETTE in order.
TYPE_COLOURS: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Protests": "#1f77b4",
    "Riots": "#17becf",
    "Strategic developments": "#2ca02c",
}
PALETTE: tuple[str, ...] = (
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
    "#9c9ede",
    "#cedb9c",
    "#e7969c",
    "#6baed6",
    "#fd8d3c",
    "#74c476",
    "#de9ed6",
)
UNKNOWN_TYPE = "(no type)"

_ADM_FIELDS = [f"adm{n}_{part}" for n in (1, 2, 3) for part in ("pcode", "name", "name_ar")]


@dataclass
class Payload:
    """What the page needs: the packed data (base64) and the small JSON spec around it."""

    b64: str
    spec: dict
    n_events: int
    n_points: int
    n_areas: int
    not_drawn: dict[str, int] = field(default_factory=dict)


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("")


def _codes(*columns: pd.Series) -> tuple[np.ndarray, list]:
    """Dictionary-encode rows of one or more text columns: (codes, distinct values).

    Each distinct value (a string, or a list of strings for several columns) gets a code
    in order of first appearance. Hash-based (pandas factorize), linear in the rows.
    """
    per_column = [pd.factorize(_text(c), sort=False) for c in columns]
    per_column = [(codes, [str(u) for u in uniques]) for codes, uniques in per_column]
    if len(per_column) == 1:
        codes, uniques = per_column[0]
        return codes.astype(np.int64), uniques
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for codes, uniques in per_column:
        # re-number after each column so the combined key never overflows
        key = pd.factorize(key * max(len(uniques), 1) + codes, sort=False)[0].astype(np.int64)
    # factorize numbers in order of first appearance: the first row of code k
    first = np.empty(int(key.max()) + 1 if len(key) else 0, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key) - 1, -1, -1)
    values = [[u[c[i]] for c, u in per_column] for i in first]
    return key, values


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A schema column, or an empty one when the frame lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _narrow(values: np.ndarray) -> np.ndarray:
    top = int(values.max()) if len(values) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    raise ValueError(f"a column value {top} does not fit in 32 bits")


def _geojson_geometry(geom, tolerance: float) -> dict:
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    if simple.is_empty:
        simple = geom
    return json.loads(shapely.to_geojson(shapely.set_precision(simple, 1e-4)))


def admin_geojson(frame: gpd.GeoDataFrame, level: int, *, tolerance: float) -> dict:
    """One admin level as a light FeatureCollection: simplified, rounded, index-ordered."""
    features = []
    for i, row in enumerate(frame.itertuples(index=False)):
        features.append(
            {
                "type": "Feature",
                "id": i,
                "properties": {
                    "pcode": str(getattr(row, f"adm{level}_pcode")),
                    "name": str(getattr(row, f"adm{level}_name")),
                    "name_ar": str(getattr(row, f"adm{level}_name_ar", "") or ""),
                },
                "geometry": _geojson_geometry(row.geometry, tolerance),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def build_payload(
    events: gpd.GeoDataFrame,
    *,
    admin_pcodes: dict[int, list[str]],
    include_ids: bool,
    area_tolerance: float = 0.005,
) -> Payload:
    """Sort, encode and pack the drawable events (those with a geometry and a start date)."""
    used = ["event_id", "date_start", "date_end", "actor1", "actor2", "fatalities", "notes"]
    used += ["event_type", "sub_event_type", "location", "geo_match", "geo_precision", "time"]
    used += ["date_precision", "source", "source_url", *_ADM_FIELDS]
    frame = events[[c for c in used if c in events.columns] + [events.geometry.name]]
    geometry = frame.geometry.to_numpy()
    # a point needs finite coordinates (POINT (NaN NaN) is not empty, yet not a place)
    bounds = shapely.bounds(geometry)
    has_geometry = pd.Series(
        ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry) & np.isfinite(bounds).all(1),
        index=frame.index,
    )
    start = pd.to_datetime(frame["date_start"], errors="coerce")
    has_date = start.notna()
    not_drawn = {
        "no location": int((~has_geometry).sum()),
        "no date": int((has_geometry & ~has_date).sum()),
    }
    keep = has_geometry & has_date
    if not keep.all():
        frame = frame.loc[keep]
        start = start[keep]
    end = pd.to_datetime(_column(frame, "date_end"), errors="coerce").fillna(start)
    end = end.where(end >= start, start)

    day_start = start.to_numpy().astype("datetime64[D]").astype(np.int64)
    day_end = end.to_numpy().astype("datetime64[D]").astype(np.int64)
    # sorted by start day; only the encoded arrays are reordered, never the frame
    order = np.argsort(day_start, kind="stable")
    day_start, day_end = day_start[order], day_end[order]
    base_day = int(day_start[0]) if len(day_start) else 0
    last_day = int(day_end.max()) if len(day_end) else base_day

    geoms = frame.geometry.to_numpy()[order]
    is_point = shapely.get_type_id(geoms) == 0
    anchor = geoms.copy()
    anchor[~is_point] = shapely.point_on_surface(geoms[~is_point])
    lon, lat = shapely.get_x(anchor), shapely.get_y(anchor)

    # area geometries: one entry per distinct shape (many events share a region)
    area_codes = np.zeros(len(frame), dtype=np.int64)
    areas: list[dict] = []
    if (~is_point).any():
        wkb = pd.Series(shapely.to_wkb(geoms[~is_point]))
        codes, uniques = pd.factorize(wkb)
        area_codes[~is_point] = codes + 1
        areas = [_geojson_geometry(shapely.from_wkb(u), area_tolerance) for u in uniques.tolist()]

    kind_codes, kinds = _codes(_column(frame, "event_type"), _column(frame, "sub_event_type"))
    type_names: list[str] = []
    for event_type, _ in kinds:
        name = event_type or UNKNOWN_TYPE
        if name not in type_names:
            type_names.append(name)
    kind_type = [type_names.index(k[0] or UNKNOWN_TYPE) for k in kinds]
    spare = iter(PALETTE * (1 + len(type_names) // len(PALETTE)))
    type_colours = [TYPE_COLOURS.get(t) or next(spare) for t in type_names]

    both = pd.concat(
        [_text(_column(frame, "actor1")), _text(_column(frame, "actor2"))], ignore_index=True
    )
    actor_codes, actors = pd.factorize(both)
    actor1, actor2 = actor_codes[: len(frame)][order], actor_codes[len(frame) :][order]

    place_codes, places = _codes(
        *(_column(frame, c) for c in ("location", "geo_match", "geo_precision"))
    )
    when_codes, whens = _codes(_column(frame, "time"), _column(frame, "date_precision"))
    source_codes, sources = _codes(_column(frame, "source"), _column(frame, "source_url"))
    note_codes, notes = _codes(_column(frame, "notes"))
    unit_codes, units = _codes(*(_column(frame, c) for c in _ADM_FIELDS))
    # per admin level, the index of each unit's feature in that level's layer (-1: none)
    unit_feature = {}
    for level, pcodes in admin_pcodes.items():
        position = {p: i for i, p in enumerate(pcodes)}
        unit_feature[level] = [position.get(u[(level - 1) * 3], -1) for u in units]

    fatalities = pd.to_numeric(_column(frame, "fatalities"), errors="coerce").iloc[order]
    fat_missing = fatalities.isna().to_numpy()
    fat = fatalities.fillna(0).clip(lower=0).to_numpy().astype(np.int64)

    span_lon = max(float(lon.max() - lon.min()), 1e-9) if len(lon) else 1.0
    span_lat = max(float(lat.max() - lat.min()), 1e-9) if len(lat) else 1.0
    lon0 = float(lon.min()) if len(lon) else 0.0
    lat0 = float(lat.min()) if len(lat) else 0.0
    # 16-bit coordinates are ~11 m over Syria; wide extents keep float32
    quantise = max(span_lon, span_lat) <= 20
    if quantise:
        x = np.round((lon - lon0) / span_lon * 65535).astype(np.uint16)
        y = np.round((lat - lat0) / span_lat * 65535).astype(np.uint16)
    else:
        x, y = lon.astype(np.float32), lat.astype(np.float32)

    fat_top = int(fat.max()) if len(fat) else 0
    fat_na = 255 if fat_top < 255 else 65535 if fat_top < 65535 else 2**32 - 1
    fat = np.where(fat_missing, fat_na, np.minimum(fat, fat_na - 1))

    columns = {
        "x": x,
        "y": y,
        "d0": _narrow(day_start - base_day),
        "dur": _narrow(day_end - day_start),
        "kind": _narrow(kind_codes[order]),
        "a1": _narrow(actor1),
        "a2": _narrow(actor2),
        "fat": _narrow(np.append(fat, fat_na))[:-1],
        "unit": _narrow(unit_codes[order]),
        "place": _narrow(place_codes[order]),
        "when": _narrow(when_codes[order]),
        "src": _narrow(source_codes[order]),
        "note": _narrow(note_codes[order]),
        "area": _narrow(area_codes),
    }
    dictionaries = {
        "kinds": kinds,
        "kindType": kind_type,
        "actors": [str(a) for a in actors],
        "places": places,
        "whens": whens,
        "sources": sources,
        "notes": notes,
        "units": units,
        "unitFeature": {str(k): v for k, v in unit_feature.items()},
        "areas": areas,
        "ids": _text(_column(frame, "event_id")).iloc[order].tolist() if include_ids else None,
    }
    blob, layout = _pack(columns, json.dumps(dictionaries, ensure_ascii=False).encode("utf-8"))
    spec = {
        "n": int(len(frame)),
        "columns": layout,
        "baseDay": base_day,
        "nDays": last_day - base_day + 1,
        "maxDur": int((day_end - day_start).max()) if len(frame) else 0,
        "coords": {
            "quantised": quantise,
            "lon0": lon0,
            "lat0": lat0,
            "spanLon": span_lon,
            "spanLat": span_lat,
        },
        "fatNA": fat_na,
        "types": type_names,
        "colours": type_colours,
        "notDrawn": not_drawn,
    }
    n_points = int(is_point.sum())
    return Payload(
        b64=base64.b64encode(zlib.compress(blob, 6)).decode("ascii"),
        spec=spec,
        n_events=int(len(frame)),
        n_points=n_points,
        n_areas=int(len(frame) - n_points),
        not_drawn=not_drawn,
    )


def _pack(columns: dict[str, np.ndarray], tail: bytes) -> tuple[bytes, list[dict]]:
    """Concatenate the columns (each 4-byte aligned, little-endian) and the JSON tail."""
    parts, layout, offset = [], [], 0
    for name, values in columns.items():
        data = np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes()
        layout.append({"name": name, "type": values.dtype.name, "offset": offset})
        pad = (-len(data)) % 4
        parts.append(data + b"\0" * pad)
        offset += len(data) + pad
    layout.append({"name": "json", "type": "utf8", "offset": offset, "length": len(tail)})
    parts.append(tail)
    return b"".join(parts), layout
