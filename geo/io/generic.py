"""Any table of events (CSV, TSV, XLSX, GeoJSON attributes) with a column mapping.

The mapping names, for schema fields, the source columns that hold them
(``date=Date,location=Place``); columns not named are guessed from common spellings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from geo.io.fields import (
    country_codes,
    parse_code,
    parse_count,
    parse_period,
    parse_time,
    text_or_na,
)
from geo.io.mapping import Mapped, column
from geo.report import InputError
from geo.schema import DATE_PRECISIONS, GEO_PRECISIONS

NAME = "generic"
REQUIRED: tuple[str, ...] = ()

# Mapping keys and the column names guessed for each, most specific first.
GUESSES: dict[str, tuple[str, ...]] = {
    "date": ("date", "event_date", "incident_date", "day", "datetime", "when", "التاريخ"),
    "date_start": ("date_start", "start_date", "date_from", "start"),
    "date_end": ("date_end", "end_date", "date_to", "end"),
    "date_precision": ("date_precision",),
    "time": ("time", "local_time", "hour"),
    "event_id": ("event_id", "id", "incident_id", "event_id_cnty"),
    "event_type": ("event_type", "type", "category"),
    "sub_event_type": ("sub_event_type", "subtype"),
    "actor1": ("actor1", "actor", "perpetrator", "belligerent"),
    "actor2": ("actor2", "target", "victim"),
    "fatalities": ("fatalities", "deaths", "killed", "casualties"),
    "location": (
        "location",
        "place",
        "place_name",
        "locality",
        "town",
        "city",
        "village",
        "site",
        "where",
        "المكان",
        "الموقع",
    ),
    "admin1": ("admin1_hint", "admin1", "governorate", "province", "state", "region_name"),
    "admin2": ("admin2_hint", "admin2", "district"),
    "country": ("country", "iso3", "country_code"),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "geo_precision": ("geo_precision",),
    "source": ("source", "sources", "publisher"),
    "source_url": ("source_url", "url", "link"),
    "notes": ("notes", "description", "summary", "text"),
}
KEY_ALIASES = {
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "admin1_hint": "admin1",
    "admin2_hint": "admin2",
    "id": "event_id",
    "place": "location",
}


def matches(columns: list[str]) -> bool:
    """A table with a guessable date column and a place or coordinates."""
    found = guess_columns(columns)
    return ("date" in found or "date_start" in found) and (
        "location" in found or {"latitude", "longitude"} <= set(found)
    )


def parse_column_mapping(spec: str | os.PathLike | Mapping[str, str]) -> dict[str, str]:
    """A column mapping from ``date=Date,location=Place``, a JSON file or a ``key=value`` file.

    Raises InputError quoting the bad entry or key and the allowed keys.
    """
    if isinstance(spec, Mapping):
        pairs = dict(spec)
    else:
        text = str(spec)
        path = Path(text)
        if "=" not in text and (path.is_file() or path.suffix or os.sep in text):
            pairs = _mapping_file(path)
        else:
            pairs = _pairs(text, "--columns")
    return normalise_mapping(pairs)


def _mapping_file(path: Path) -> dict[str, str]:
    """FIELD=COLUMN lines, or a JSON object."""
    try:
        body = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(
            f"--columns: no mapping file {str(path)!r}; give FIELD=COLUMN pairs "
            "(e.g. date=Date,location=Place) or a mapping file"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the column mapping ({error})") from None
    if not body.lstrip().startswith(("{", "[")):
        return _pairs(body.replace("\n", ","), str(path))
    try:
        pairs = json.loads(body)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(pairs, dict):
        raise InputError(f'{path}: expected a JSON object such as {{"date": "Date"}}')
    return pairs


def _pairs(text: str, where: str) -> dict[str, str]:
    pairs = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry or entry.startswith("#"):
            continue
        if "=" not in entry:
            raise InputError(f"{where}: {entry!r} is not FIELD=COLUMN (e.g. date=Date)")
        key, value = entry.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


def normalise_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """Mapping keys in their canonical spelling; InputError for an unknown key."""
    out = {}
    for key, value in mapping.items():
        canonical = KEY_ALIASES.get(key.strip().lower(), key.strip().lower())
        if canonical not in GUESSES:
            allowed = ", ".join(sorted(GUESSES))
            raise InputError(f"--columns: unknown field {key!r}; allowed: {allowed}")
        out[canonical] = str(value)
    return out


def guess_columns(columns: list[str]) -> dict[str, str]:
    """Schema key -> source column, for columns whose names are common spellings."""
    lower = {c.strip().lower(): c for c in columns}
    found: dict[str, str] = {}
    taken: set[str] = set()
    for key, names in GUESSES.items():
        for name in names:
            if name in lower and lower[name] not in taken:
                found[key] = lower[name]
                taken.add(lower[name])
                break
    return found


def resolve_columns(columns: list[str], mapping: Mapping[str, str] | None, file: str) -> dict:
    """The mapping to use: guesses overridden by ``mapping``; InputError if no date or place."""
    found = guess_columns(columns)
    given = normalise_mapping(mapping or {})
    lower = {c.lower(): c for c in columns}
    for key, name in given.items():
        if name.lower() not in lower:
            shown = ", ".join(columns[:30])
            raise InputError(
                f"{file}: --columns {key}={name}: no column {name!r}; columns: {shown}"
            )
        found = {k: v for k, v in found.items() if v != lower[name.lower()]}
        found[key] = lower[name.lower()]
    if "date" not in found and "date_start" not in found:
        expected = ", ".join(GUESSES["date"] + GUESSES["date_start"][:2])
        raise InputError(
            f"{file}: no date column; expected one of {expected} or pass --columns date=COLUMN"
        )
    if "location" not in found and not {"latitude", "longitude"} <= set(found):
        expected = ", ".join(GUESSES["location"][:6])
        raise InputError(
            f"{file}: no place column; expected one of {expected} (or latitude/longitude) "
            "or pass --columns location=COLUMN"
        )
    return found


def map_rows(raw: pd.DataFrame, file: str, found: Mapping[str, str]) -> Mapped:
    """Map one chunk using ``found`` (schema key -> source column)."""

    def get(key: str) -> pd.Series:
        return raw[found[key]] if key in found else column(raw, "\0")

    date_key = "date" if "date" in found else "date_start"
    start, end, precision = parse_period(get(date_key))
    if "date_end" in found:
        _, last, _ = parse_period(get("date_end"))
        later = last.notna() & start.notna() & last.ne(end)
        end = end.where(~later, last)
        precision = precision.where(~later, "span")
    if "date_precision" in found:
        given = text_or_na(get("date_precision")).str.lower()
        precision = given.where(given.isin(DATE_PRECISIONS)).fillna(precision)
    precision = precision.astype("string")
    geo_precision = text_or_na(get("geo_precision")).str.lower()
    acled = parse_code(get("geo_precision"), {1, 2, 3})
    fields = {
        "event_id": text_or_na(get("event_id")),
        "date_start": start,
        "date_end": end,
        "date_precision": precision,
        "time": parse_time(get("time")),
        "event_type": text_or_na(get("event_type")),
        "sub_event_type": text_or_na(get("sub_event_type")),
        "actor1": text_or_na(get("actor1")),
        "actor2": text_or_na(get("actor2")),
        "fatalities": parse_count(get("fatalities")),
        "location": text_or_na(get("location")),
        "admin1_hint": text_or_na(get("admin1")),
        "admin2_hint": text_or_na(get("admin2")),
        "country": country_codes(get("country")),
        "geo_precision": geo_precision.where(geo_precision.isin(GEO_PRECISIONS)).astype("string"),
        "geo_precision_acled": acled,
        "source": text_or_na(get("source")),
        "source_url": text_or_na(get("source_url")),
        "notes": text_or_na(get("notes")),
    }
    has_coordinates = {"latitude", "longitude"} <= set(found)
    return Mapped(
        fields,
        get(date_key),
        found[date_key],
        latitude=get("latitude") if has_coordinates else None,
        longitude=get("longitude") if has_coordinates else None,
        coordinate_fields=(found.get("latitude", "latitude"), found.get("longitude", "longitude")),
        count_columns={"fatalities": found.get("fatalities")},
    )
