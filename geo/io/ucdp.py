"""UCDP Georeferenced Event Dataset (GED): country releases and the global GED 23.1 layout."""

from __future__ import annotations

import pandas as pd

from geo.io.fields import (
    country_codes,
    parse_code,
    parse_count,
    parse_day,
    parse_number,
    strip_admin_suffix,
    text_or_na,
)
from geo.io.mapping import Mapped, column, column_name
from geo.report import Problem

NAME = "ucdp"
# date_prec: 1 exact day, 2 a 2-6 day span, 3 a week, 4 a month, 5 a year.
DATE_PRECISION = {1: "day", 2: "span", 3: "week", 4: "month", 5: "year"}
TYPE_OF_VIOLENCE = {1: "State-based conflict", 2: "Non-state conflict", 3: "One-sided violence"}

# Columns a file forced to this format must have.
REQUIRED: tuple[str, ...] = ("date_start",)


def matches(columns: list[str]) -> bool:
    """GED has ``where_prec`` and ``date_prec``, or ``type_of_violence`` with ``side_a``."""
    lower = {c.lower() for c in columns}
    return {"where_prec", "date_prec"} <= lower or {"type_of_violence", "side_a"} <= lower


def map_rows(raw: pd.DataFrame, file: str) -> Mapped:
    """Map one chunk of GED rows to schema fields."""
    start = parse_day(column(raw, "date_start"))
    end = parse_day(column(raw, "date_end"))
    date_prec = parse_code(column(raw, "date_prec"), set(DATE_PRECISION))
    precision = date_prec.map(DATE_PRECISION, na_action="ignore").astype("string")
    violence = parse_code(column(raw, "type_of_violence"), set(TYPE_OF_VIOLENCE))
    ids = text_or_na(column(raw, "id"))
    fields = {
        "event_id": ("ucdp-" + ids).astype("string"),
        "date_start": start,
        "date_end": end,
        "date_precision": precision,
        "event_type": violence.map(TYPE_OF_VIOLENCE, na_action="ignore").astype("string"),
        "actor1": text_or_na(column(raw, "side_a")),
        "actor2": text_or_na(column(raw, "side_b")),
        "fatalities": parse_count(column(raw, "best")),
        "location": text_or_na(column(raw, "where_coordinates")),
        "admin1_hint": strip_admin_suffix(column(raw, "adm_1")),
        "admin2_hint": strip_admin_suffix(column(raw, "adm_2")),
        "country": country_codes(column(raw, "country")),
        "geo_precision_ucdp": parse_code(column(raw, "where_prec"), set(range(1, 8))),
        "source": text_or_na(column(raw, "source_office")),
        "notes": text_or_na(column(raw, "where_description")),
    }
    latitude, longitude, problems = _agree_with_wkt(raw, file)
    return Mapped(
        fields,
        column(raw, "date_start"),
        "date_start",
        latitude,
        longitude,
        problems=problems,
        count_columns={"fatalities": column_name(raw.columns, "best")},
    )


def _agree_with_wkt(raw: pd.DataFrame, file: str) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """latitude/longitude, blanked where they contradict GED's own ``geom_wkt`` point."""
    latitude, longitude = column(raw, "latitude"), column(raw, "longitude")
    point = column(raw, "geom_wkt").str.extract(r"^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$")
    x, y = parse_number(point[0]), parse_number(point[1])
    lat, lon = parse_number(latitude), parse_number(longitude)
    checked = x.notna() & y.notna() & lat.notna() & lon.notna()
    differ = checked & (((lat - y).abs() > 1e-4) | ((lon - x).abs() > 1e-4))
    problems = []
    for row in raw.index[differ]:
        swapped = abs(lat[row] - x[row]) <= 1e-4 and abs(lon[row] - y[row]) <= 1e-4
        problems.append(
            Problem(
                file,
                int(row),
                "latitude/longitude",
                ("look swapped" if swapped else "disagree with geom_wkt")
                + "; coordinates ignored, the place name will be geocoded",
                value=f"{latitude[row]}, {longitude[row]} vs {raw.loc[row, 'geom_wkt']}",
            )
        )
    blanked = pd.Series("", index=raw.index, dtype=object)
    return latitude.where(~differ, blanked), longitude.where(~differ, blanked), problems
