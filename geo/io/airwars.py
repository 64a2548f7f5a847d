"""Airwars civilian-harm incident tables (flattened incident pages)."""

from __future__ import annotations

import pandas as pd

from geo.io.fields import blank, country_codes, parse_count, parse_day, parse_time, text_or_na
from geo.io.mapping import Mapped, column

NAME = "airwars"
# Airwars geolocation_accuracy -> geo_precision. A named village/town/city or a landmark
# site is a point (as ACLED's precision 1); "nearby" is within a few km of one.
GEOLOCATION_ACCURACY = {
    "exact_location": "point",
    "exact_location_other": "point",
    "street": "point",
    "neighbourhood_area": "point",
    "village": "point",
    "town": "point",
    "city": "point",
    "nearby_landmark": "near",
    "subdistrict": "adm3",
    "district": "adm2",
    "province_governorate": "adm1",
}

# Columns a file forced to this format must have.
REQUIRED: tuple[str, ...] = ("incident_date",)


def matches(columns: list[str]) -> bool:
    """Airwars tables have an ``incident_date`` and an Airwars id or incident code."""
    lower = {c.lower() for c in columns}
    return "incident_date" in lower and bool(lower & {"incident_code", "airwars_id"})


def map_rows(raw: pd.DataFrame, file: str) -> Mapped:
    """Map one chunk of Airwars incidents to schema fields."""
    start = parse_day(column(raw, "incident_date"))
    range_end = parse_day(column(raw, "incident_date_range_end"))
    is_range = range_end.notna()
    end = start.where(~is_range, range_end)
    precision = pd.Series("day", index=raw.index, dtype="string").where(~is_range, "span")
    accuracy = column(raw, "geolocation_accuracy").fillna("").str.strip().str.lower()
    location = text_or_na(column(raw, "location_en_full"))
    location = location.fillna(text_or_na(column(raw, "location")))
    admin1 = text_or_na(column(raw, "governorate")).fillna(text_or_na(column(raw, "region")))
    belligerent = text_or_na(column(raw, "alleged_belligerent"))
    fields = {
        "event_id": text_or_na(column(raw, "incident_code")).fillna(
            text_or_na(column(raw, "airwars_id"))
        ),
        "date_start": start,
        "date_end": end,
        "date_precision": precision,
        "time": parse_time(column(raw, "local_time")),
        "event_type": text_or_na(column(raw, "strike_type")),
        "actor1": belligerent.fillna(text_or_na(column(raw, "belligerent"))),
        # Airwars counts civilian harm; its minimum is the conservative figure.
        "fatalities": parse_count(column(raw, "civilians_killed_min")).fillna(
            parse_count(column(raw, "civilian_deaths_min"))
        ),
        "location": location,
        "admin1_hint": admin1,
        "country": country_codes(column(raw, "country")),
        "geo_precision": accuracy.map(GEOLOCATION_ACCURACY).astype("string"),
        "source": pd.Series("Airwars", index=raw.index, dtype="string"),
        "source_url": text_or_na(column(raw, "canonical_url")),
    }
    # Older incident pages carry only the legacy coordinates.
    latitude, longitude = column(raw, "latitude"), column(raw, "longitude")
    legacy = blank(latitude) & blank(longitude)
    latitude = latitude.where(~legacy, column(raw, "legacy_latitude"))
    longitude = longitude.where(~legacy, column(raw, "legacy_longitude"))
    return Mapped(fields, column(raw, "incident_date"), "incident_date", latitude, longitude)
