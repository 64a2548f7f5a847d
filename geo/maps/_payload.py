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
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
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
    in order of first appearance.
    """
    per_column = [pd.factorize(_text(c), sort=False) for c in columns]
    if len(per_column) == 1:
        codes, uniques = per_column[0]
        return codes.astype(np.int64), [str(u) for u in uniques]
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for codes, uniques in per_column:
        # re-number after each column so the combined key never overflows
        key = np.unique(key * max(len(uniques), 1) + codes, return_inverse=True)[1]
        key = key.astype(np.int64).reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    # renumber by first appearance so the dictionary order is stable and readable
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    values = [[str(u[c[i]]) for c, u in per_column] for i in first[order]]
    return rank[inverse].astype(np.int64), values


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
    frame = events
    has_geometry = frame.geometry.notna() & ~frame.geometry.is_empty
    start = pd.to_datetime(frame["date_start"], errors="coerce")
    has_date = start.notna()
    not_drawn = {
        "no location": int((~has_geometry).sum()),
        "no date": int((has_geometry & ~has_date).sum()),
    }
    keep = has_geometry & has_date
    frame = frame.loc[keep]
    start = start[keep]
    end = pd.to_datetime(frame["date_end"], errors="coerce").fillna(start)
    end = end.where(end >= start, start)

    day_start = start.to_numpy().astype("datetime64[D]").astype(np.int64)
    day_end = end.to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.argsort(day_start, kind="stable")
    frame = frame.iloc[order]
    day_start, day_end = day_start[order], day_end[order]
    base_day = int(day_start[0]) if len(day_start) else 0
    last_day = int(day_end.max()) if len(day_end) else base_day

    geoms = frame.geometry.to_numpy()
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

    kind_codes, kinds = _codes(frame["event_type"], frame["sub_event_type"])
    type_names: list[str] = []
    for event_type, _ in kinds:
        name = event_type or UNKNOWN_TYPE
        if name not in type_names:
            type_names.append(name)
    kind_type = [type_names.index(k[0] or UNKNOWN_TYPE) for k in kinds]
    spare = iter(PALETTE * (1 + len(type_names) // len(PALETTE)))
    type_colours = [TYPE_COLOURS.get(t) or next(spare) for t in type_names]

    both = pd.concat([_text(frame["actor1"]), _text(frame["actor2"])], ignore_index=True)
    actor_codes, actors = pd.factorize(both)
    actor1, actor2 = actor_codes[: len(frame)], actor_codes[len(frame) :]

    place_codes, places = _codes(frame["location"], frame["geo_match"], frame["geo_precision"])
    when_codes, whens = _codes(frame["time"], frame["date_precision"])
    source_codes, sources = _codes(frame["source"], frame["source_url"])
    note_codes, notes = _codes(frame["notes"])
    adm = [frame[c] if c in frame else pd.Series(pd.NA, index=frame.index) for c in _ADM_FIELDS]
    unit_codes, units = _codes(*adm)
    # per admin level, the index of each unit's feature in that level's layer (-1: none)
    unit_feature = {}
    for level, pcodes in admin_pcodes.items():
        position = {p: i for i, p in enumerate(pcodes)}
        unit_feature[level] = [position.get(u[(level - 1) * 3], -1) for u in units]

    fatalities = pd.to_numeric(frame["fatalities"], errors="coerce")
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
        "kind": _narrow(kind_codes),
        "a1": _narrow(actor1),
        "a2": _narrow(actor2),
        "fat": _narrow(np.append(fat, fat_na))[:-1],
        "unit": _narrow(unit_codes),
        "place": _narrow(place_codes),
        "when": _narrow(when_codes),
        "src": _narrow(source_codes),
        "note": _narrow(note_codes),
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
        "ids": _text(frame["event_id"]).tolist() if include_ids else None,
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
