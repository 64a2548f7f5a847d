"""Vectorised parsing of the fields every source has: dates, coordinates, numbers, countries.

Each function takes string Series (as :mod:`geo.io.tables` yields them) and returns typed
Series; rows that cannot be parsed come back missing, for the caller to report.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from geo.report import Problem

_ISO_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Tried in order on the cells still unparsed; ISO first, then ACLED's 9-May-20 style.
_DAY_FORMATS = (
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%Y%m%d",
)
_MONTH_FORMATS = ("%Y-%m", "%B %Y", "%b %Y", "%b-%y", "%m/%Y")


def blank(text: pd.Series) -> pd.Series:
    """True where a cell is empty or whitespace."""
    return text.fillna("").astype(str).str.strip().eq("")


def parse_day(text: pd.Series) -> pd.Series:
    """Calendar days (datetime64, time of day dropped); NaT where not a full date."""
    text = text.fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    iso = text.str.fullmatch(_ISO_DATE)
    if iso.any():
        parsed = pd.to_datetime(text[iso], format="ISO8601", errors="coerce", utc=True)
        out[iso] = parsed.dt.tz_localize(None).dt.normalize()
    for fmt in _DAY_FORMATS:
        todo = out.isna() & text.ne("")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return out


def parse_period(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Dates written at any precision: a day, a month, a year or ``A/B`` (``A .. B``) span.

    Returns (start, end, precision) with precision in day/month/year/span; NaT and NA
    where the text is not a date.
    """
    text = text.fillna("").astype(str).str.strip()
    start = parse_day(text)
    end = start.copy()
    precision = pd.Series(pd.NA, index=text.index, dtype="string")
    precision[start.notna()] = "day"
    todo = start.isna() & text.ne("")
    for fmt in _MONTH_FORMATS:
        if not todo.any():
            break
        month = pd.to_datetime(text[todo], format=fmt, errors="coerce").dropna()
        start[month.index] = month
        end[month.index] = month + pd.offsets.MonthEnd(0)
        precision[month.index] = "month"
        todo = start.isna() & text.ne("")
    year = todo & text.str.fullmatch(r"\d{4}")
    if year.any():
        start[year] = pd.to_datetime(text[year], format="%Y")
        end[year] = start[year] + pd.offsets.YearEnd(0)
        precision[year] = "year"
        todo = start.isna() & text.ne("")
    span = todo & text.str.contains(r"/|\.\.| to ", regex=True)
    if span.any():
        parts = text[span].str.split(r"\s*(?:/|\.\.|\bto\b)\s*", n=1, regex=True, expand=True)
        if parts.shape[1] == 2:
            first = parse_day(parts[0])
            last = parse_day(parts[1])
            ok = first.notna() & last.notna() & (last >= first)
            start[ok[ok].index] = first[ok]
            end[ok[ok].index] = last[ok]
            precision[ok[ok].index] = "span"
    return start, end, precision


def widen(day: pd.Series, precision: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The interval a coded day stands for: a week around it, or its whole month/year."""
    start, end = day.copy(), day.copy()
    week = precision.eq("week").fillna(False)
    start[week] = day[week] - pd.Timedelta(days=3)
    end[week] = day[week] + pd.Timedelta(days=3)
    month = precision.eq("month").fillna(False)
    start[month] = day[month].dt.to_period("M").dt.start_time
    end[month] = day[month].dt.to_period("M").dt.end_time.dt.normalize()
    year = precision.eq("year").fillna(False)
    start[year] = day[year].dt.to_period("Y").dt.start_time
    end[year] = day[year].dt.to_period("Y").dt.end_time.dt.normalize()
    return start, end


def parse_time(text: pd.Series) -> pd.Series:
    """Clock times as ``HH:MM``; NA for anything else ("evening" stays in the source column)."""
    text = text.fillna("").astype(str).str.strip()
    parts = text.str.extract(r"^(\d{1,2}):([0-5]\d)(?::\d{2})?$")
    hours = parts[0].str.zfill(2)
    clock = (hours + ":" + parts[1]).where(hours.le("23"))
    return clock.astype("string")


def parse_number(text: pd.Series) -> pd.Series:
    """Floats; accepts a decimal comma ("35,5"); NaN where not a number."""
    text = text.fillna("").astype(str).str.strip()
    comma = text.str.fullmatch(r"[-+]?\d+,\d+")
    if comma.any():
        text = text.where(~comma, text.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(text.where(text.ne("")), errors="coerce")
    return numbers.where(numbers.abs().lt(float("inf")))


def parse_count(text: pd.Series) -> pd.Series:
    """Non-negative whole numbers (fatalities); NA otherwise."""
    numbers = parse_number(text)
    whole = numbers.notna() & numbers.ge(0) & numbers.lt(2**53) & numbers.eq(numbers.round())
    return numbers.where(whole).astype("Int64")


def parse_code(text: pd.Series, allowed: set[int]) -> pd.Series:
    """Small integer codes (precision scales); NA when not one of ``allowed``."""
    numbers = parse_number(text)
    return numbers.where(numbers.isin(list(allowed))).astype("Int8")


def check_coordinates(
    latitude: pd.Series,
    longitude: pd.Series,
    *,
    file: str,
    fields: tuple[str, str] = ("latitude", "longitude"),
) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Parse a latitude/longitude pair; clear (with a warning) anything not a real place.

    Cleared: one of the pair missing, not a number, out of range (with a hint when the
    two look swapped) or exactly 0,0. Rows where both cells are blank are simply
    unlocated (no warning): the geocoder places them from their place name.
    """
    lat_text = latitude.fillna("").astype(str).str.strip()
    lon_text = longitude.fillna("").astype(str).str.strip()
    lat, lon = parse_number(lat_text), parse_number(lon_text)
    given = lat_text.ne("") | lon_text.ne("")
    reasons = pd.Series("", index=lat.index, dtype=object)
    half = given & (lat_text.eq("") | lon_text.eq(""))
    reasons[half] = "only one of latitude/longitude given"
    nan = given & ~half & (lat.isna() | lon.isna())
    reasons[nan] = "not a number"
    ok = given & lat.notna() & lon.notna()
    out = ok & (lat.abs().gt(90) | lon.abs().gt(180))
    swapped = out & lon.abs().le(90) & lat.abs().le(180)
    reasons[out] = "out of range (latitude -90..90, longitude -180..180)"
    reasons[swapped] = "out of range; latitude and longitude look swapped"
    null_island = ok & lat.eq(0) & lon.eq(0)
    reasons[null_island] = "0,0 is not a real location"
    bad = reasons.ne("")
    problems = [
        Problem(
            file,
            int(row),
            f"{fields[0]}/{fields[1]}",
            f"{reasons[row]}; coordinates ignored, the place name will be geocoded",
            value=f"{lat_text[row]}, {lon_text[row]}",
        )
        for row in reasons.index[bad]
    ]
    keep = ok & ~bad
    return lat.where(keep), lon.where(keep), problems


_SUFFIX_WORDS = r"(?:governorate|province|district|sub-?district|region|state|county|municipality|nahiya|mohafaza|muhafazah|qada)"


def strip_admin_suffix(text: pd.Series) -> pd.Series:
    """Admin names without a trailing unit word: "Rif Dimashq Governorate" -> "Rif Dimashq"."""
    text = text.fillna("").astype(str).str.strip()
    stripped = text.str.replace(rf"\s+{_SUFFIX_WORDS}$", "", regex=True, flags=re.IGNORECASE)
    return stripped.where(stripped.ne(""), pd.NA).astype("string")


# Names the ISO list does not know, as UCDP and ACLED write them.
_COUNTRY_ALIASES = {
    "democratic republic of congo": "COD",
    "dr congo": "COD",
    "democratic republic of the congo": "COD",
    "republic of congo": "COG",
    "congo": "COG",
    "turkey": "TUR",
    "ivory coast": "CIV",
    "kosovo": "XKX",
    "russia": "RUS",
    "palestine": "PSE",
    "eswatini": "SWZ",
    "swaziland": "SWZ",
    "cape verde": "CPV",
    "east timor": "TLS",
    "laos": "LAO",
    "syria": "SYR",
    "north korea": "PRK",
    "south korea": "KOR",
    "vietnam": "VNM",
    "micronesia": "FSM",
    "bosnia-herzegovina": "BIH",
    "macedonia": "MKD",
    "yugoslavia": "SRB",
    "serbia": "SRB",
    "kingdom of eswatini": "SWZ",
    "burma": "MMR",
    "zaire": "COD",
    "kampuchea": "KHM",
    "malagasy": "MDG",
}


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO 3166 alpha-3 for a country name, ISO code (alpha-2/3 or numeric); None if unknown."""
    text = value.strip()
    if not text:
        return None
    candidates = [text, *re.findall(r"\(([^)]*)\)", text), re.sub(r"\s*\([^)]*\)", "", text)]
    for candidate in candidates:
        key = candidate.strip().lower()
        if key in _COUNTRY_ALIASES:
            return _COUNTRY_ALIASES[key]
    try:
        import pycountry
    except ImportError:  # optional: without it only ISO3 codes and the aliases are known
        return text.upper() if re.fullmatch(r"[A-Za-z]{3}", text) else None
    for candidate in candidates:
        candidate = candidate.strip()
        try:
            if candidate.isdigit():
                found = pycountry.countries.get(numeric=candidate.zfill(3))
            else:
                found = pycountry.countries.lookup(candidate)
        except LookupError:
            found = None
        if found is not None:
            return found.alpha_3
    return None


def country_codes(*columns: pd.Series) -> pd.Series:
    """ISO3 codes from the first column that gives a known country, row by row."""
    out = pd.Series(pd.NA, index=columns[0].index, dtype="string")
    for column in columns:
        todo = out.isna()
        if not todo.any():
            break
        text = column[todo].fillna("").astype(str)
        mapping = {value: country_code(value) for value in text.unique()}
        out[todo] = text.map(mapping).astype("string")
    return out


def text_or_na(text: pd.Series) -> pd.Series:
    """Strings with blank cells as NA."""
    text = text.fillna("").astype(str).str.strip()
    return text.where(text.ne(""), pd.NA).astype("string")
