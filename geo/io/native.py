"""geo's own layout: the schema's column names (``data/events/*.csv``, geo's exports)."""

from __future__ import annotations

import pandas as pd

from geo.io import generic
from geo.io.mapping import Mapped
from geo.schema import EVENT_COLUMNS

NAME = "geo"
# Schema fields a geo file may carry, as generic mapping keys.
_KEYS = {
    name: name for name in EVENT_COLUMNS if name in generic.GUESSES and name not in ("date",)
} | {"admin1": "admin1_hint", "admin2": "admin2_hint"}

# Columns a file forced to this format must have.
REQUIRED: tuple[str, ...] = ("date_start",)


def matches(columns: list[str]) -> bool:
    """geo's layout (its seed files and its exports): event_id, date_start, date_precision, location."""
    lower = {c.lower() for c in columns}
    return {"event_id", "date_start", "date_precision", "location"} <= lower


def columns_for(columns: list[str]) -> dict[str, str]:
    """Generic mapping keys -> this file's schema-named columns."""
    lower = {c.lower(): c for c in columns}
    return {key: lower[name] for key, name in _KEYS.items() if name in lower}


def map_rows(raw: pd.DataFrame, file: str) -> Mapped:
    """Map one chunk of schema-named rows (the schema columns are not kept twice)."""
    found = columns_for(list(raw.columns))
    mapped = generic.map_rows(raw, file, found)
    # geo files carry these too; generic does not map them.
    lower = {c.lower(): c for c in raw.columns}
    for name in ("dataset", "geo_match", "geo_source", "adm_join") + tuple(
        f"adm{level}_{part}" for level in (1, 2, 3) for part in ("pcode", "name", "name_ar")
    ):
        if name in lower:
            mapped.fields[name] = generic.text_or_na(raw[lower[name]])
    mapped.consumed = {c for c in raw.columns if c.lower() in EVENT_COLUMNS}
    return mapped
