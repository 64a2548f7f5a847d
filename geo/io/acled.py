"""ACLED exports: the 2020 layout (``9-May-20`` dates), the 2023+ layout (disorder_type,
civilian_targeting, tags; actor types as numeric codes in acledR or as text in current
exports) and the upper-case curated layout (20 columns, no ids or precisions).
"""

from __future__ import annotations

import pandas as pd

from geo.io.fields import country_codes, parse_code, parse_count, parse_day, text_or_na, widen
from geo.io.mapping import Mapped, column, column_name

NAME = "acled"
# ACLED time_precision: 1 actual date, 2 a week (coded to its middle), 3 a month (mid-point).
TIME_PRECISION = {1: "day", 2: "week", 3: "month"}

# Columns a file forced to this format must have.
REQUIRED: tuple[str, ...] = ("event_date",)


def matches(columns: list[str]) -> bool:
    """ACLED has ``event_date`` and ``event_type`` plus actor or id columns (any case)."""
    lower = {c.lower() for c in columns}
    return {"event_date", "event_type"} <= lower and bool(
        lower & {"event_id_cnty", "actor1", "sub_event_type", "interaction"}
    )


def map_rows(raw: pd.DataFrame, file: str) -> Mapped:
    """Map one chunk of ACLED rows to schema fields."""
    date_field = column_name(raw.columns, "event_date") or "event_date"
    date_text = column(raw, "event_date")
    day = parse_day(date_text)
    time_precision = parse_code(column(raw, "time_precision"), set(TIME_PRECISION))
    precision = time_precision.map(TIME_PRECISION, na_action="ignore").astype("string")
    precision = precision.fillna("day")
    start, end = widen(day, precision)
    fields = {
        "event_id": text_or_na(column(raw, "event_id_cnty", "data_id")),
        "date_start": start,
        "date_end": end,
        "date_precision": precision,
        "event_type": text_or_na(column(raw, "event_type")),
        "sub_event_type": text_or_na(column(raw, "sub_event_type")),
        "actor1": text_or_na(column(raw, "actor1")),
        "actor2": text_or_na(column(raw, "actor2")),
        "fatalities": parse_count(column(raw, "fatalities")),
        "location": text_or_na(column(raw, "location")),
        "admin1_hint": text_or_na(column(raw, "admin1")),
        "admin2_hint": text_or_na(column(raw, "admin2")),
        "country": country_codes(column(raw, "iso3"), column(raw, "iso"), column(raw, "country")),
        "geo_precision_acled": parse_code(column(raw, "geo_precision"), {1, 2, 3}),
        "source": text_or_na(column(raw, "source")),
        "notes": text_or_na(column(raw, "notes")),
    }
    return Mapped(
        fields,
        date_text,
        date_field,
        latitude=column(raw, "latitude"),
        longitude=column(raw, "longitude"),
        coordinate_fields=(
            column_name(raw.columns, "latitude") or "latitude",
            column_name(raw.columns, "longitude") or "longitude",
        ),
        count_columns={"fatalities": column_name(raw.columns, "fatalities")},
    )
