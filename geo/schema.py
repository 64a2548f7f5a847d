"""The event table every stage agrees on: columns, dtypes and the precision scales.

Column names stay close to ACLED and UCDP so users recognise them. Readers keep the
input's original columns beside these (prefixed ``src_`` only where a name collides).
"""

from __future__ import annotations

import pandas as pd

# Ordered from most to least precise; "near" = within ~25 km of a named place.
GEO_PRECISIONS: tuple[str, ...] = ("point", "near", "adm3", "adm2", "adm1", "region", "country")
# day < week < month < year; "span" = an explicit start..end interval from the source.
DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year", "span")
# How a location was obtained.
GEO_METHODS: tuple[str, ...] = (
    "source",  # coordinates given by the source and kept
    "exact",
    "alias",
    "fuzzy",
    "relative",  # "35 km east of X"
    "area",  # a named region / admin unit drawn as a polygon
    "online",
)
# How the admin units were assigned.
ADM_JOINS: tuple[str, ...] = ("within", "nearest", "area", "none")

ADM_LEVELS: tuple[int, ...] = (1, 2, 3)

EVENT_COLUMNS: dict[str, str] = {
    "event_id": "string",
    "dataset": "string",
    "date_start": "datetime64[ns]",
    "date_end": "datetime64[ns]",
    "date_precision": "string",
    "time": "string",
    "event_type": "string",
    "sub_event_type": "string",
    "actor1": "string",
    "actor2": "string",
    "fatalities": "Int64",
    "location": "string",
    "admin1_hint": "string",  # the source's own admin names, used as geocoding hints
    "admin2_hint": "string",
    "country": "string",  # ISO3
    "latitude": "float64",
    "longitude": "float64",
    "geo_precision": "string",
    "geo_precision_acled": "Int8",
    "geo_precision_ucdp": "Int8",
    "geo_method": "string",
    "geo_match": "string",
    "geo_source": "string",
    "geo_score": "float64",
    "geo_candidates": "Int64",
    "adm1_pcode": "string",
    "adm1_name": "string",
    "adm1_name_ar": "string",
    "adm2_pcode": "string",
    "adm2_name": "string",
    "adm2_name_ar": "string",
    "adm3_pcode": "string",
    "adm3_name": "string",
    "adm3_name_ar": "string",
    "adm_join": "string",
    "source": "string",
    "source_url": "string",
    "notes": "string",
    "source_file": "string",  # provenance of the row: file name and 1-based data row
    "source_row": "Int64",
}

# geo_precision -> ACLED geo_precision (1 town, 2 near / part of region, 3 larger region)
TO_ACLED: dict[str, int] = {
    "point": 1,
    "near": 2,
    "adm3": 2,
    "adm2": 3,
    "adm1": 3,
    "region": 3,
    "country": 3,
}
# geo_precision -> UCDP where_prec (1 exact, 2 within 25 km, 3 adm2, 4 adm1, 5 region, 6 country)
TO_UCDP: dict[str, int] = {
    "point": 1,
    "near": 2,
    "adm3": 3,
    "adm2": 3,
    "adm1": 4,
    "region": 5,
    "country": 6,
}
FROM_ACLED: dict[int, str] = {1: "point", 2: "near", 3: "region"}
FROM_UCDP: dict[int, str] = {
    1: "point",
    2: "near",
    3: "adm2",
    4: "adm1",
    5: "region",
    6: "country",
    7: "country",
}


def precision_rank(precision: str) -> int:
    """0 for "point" up to 6 for "country"; lower is more precise."""
    return GEO_PRECISIONS.index(precision)


def admin_levels_supported(precision: str | None) -> tuple[int, ...]:
    """Admin levels an event of this precision may be assigned (a governorate-precision
    event gets adm1 only; a region or country event gets none)."""
    if precision in (None, "point", "near", "adm3"):
        return (1, 2, 3)
    return {"adm2": (1, 2), "adm1": (1,)}.get(precision, ())


def empty_events() -> pd.DataFrame:
    """An event table with no rows and every schema column typed."""
    return conform(pd.DataFrame())


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the missing schema columns (typed, empty) and cast existing ones.

    Schema columns come first in schema order; any other columns (the source's own)
    follow in their input order. ``geometry`` stays last when present.
    """
    out = frame.copy()
    for name, dtype in EVENT_COLUMNS.items():
        if name not in out.columns:
            out[name] = pd.Series(None, index=out.index, dtype=dtype)
        elif str(out[name].dtype) != dtype:
            out[name] = out[name].astype(dtype)
    extra = [c for c in out.columns if c not in EVENT_COLUMNS and c != "geometry"]
    tail = ["geometry"] if "geometry" in out.columns else []
    return out[list(EVENT_COLUMNS) + extra + tail]
