"""Date and time-of-day expressions in text, as intervals with a precision.

Absolute dates ("October 19, 2023", "19 Oct", "2023-10-19", "March 2018", "in 2022") and
relative ones ("on Sunday", "yesterday", "last month", "this year") resolved against the
publication date when it is known. Intervals are inclusive days; precision uses the
schema's scale (day / week / month / year / span). A relative expression without a
publication date keeps its text and span but gets no interval: nothing is guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from geo.extract.cues import cue_lists, word_starts
from geo.report import InputError

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"

_ABSOLUTE = re.compile(
    rf"""
    (?P<iso>\b(?P<iso_y>{_YEAR})-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d)\b)
  | (?P<dmy>\b(?P<dmy_d>[0-3]?\d){_ORD}\s+(?:of\s+)?(?P<dmy_m>{_MONTH})(?:,?\s+(?P<dmy_y>{_YEAR}))?(?![\w-]))
  | (?P<mdy>(?<![\w-])(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>[0-3]?\d){_ORD}(?![\d:])(?:,?\s+(?P<mdy_y>{_YEAR}))?\b)
  | (?P<my>(?<![\w-])(?P<my_m>{_MONTH})\s+(?:of\s+)?(?P<my_y>{_YEAR})\b)
  | (?P<num>\b(?P<num_a>[0-3]?\d)/(?P<num_b>[01]?\d)/(?P<num_y>{_YEAR})\b)
  | (?P<year>\b(?:in|since|by|during|until|of|before|after)\s+(?P<year_y>{_YEAR})\b(?![-/]\d))
    """,
    re.VERBOSE | re.IGNORECASE,
)
_RELATIVE = re.compile(
    rf"""
    (?P<weekday>\b(?:(?P<wd_mod>last|this|next|since|on|late|early)\s+)?(?P<wd>{_WEEKDAY})(?:\s+(?:morning|afternoon|evening|night))?\b)
  | (?P<dayword>\b(?:today|yesterday|tonight|last\s+night|the\s+day\s+before\s+yesterday)\b)
  | (?P<ago>\b(?P<ago_n>\d+|one|two|three|four|five|six|seven|ten)\s+(?P<ago_u>days?|weeks?|months?|years?)\s+ago\b)
  | (?P<period>\b(?P<period_mod>last|this|past|previous|earlier\s+this|later\s+this|so\s+far\s+this|the\s+previous)\s+(?P<period_u>week|month|year)\b)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_SMALL_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
}
# Words every match contains (plus digits for absolute dates); a pattern is tried only
# in a short window around them.
_ABSOLUTE_TRIGGERS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
_RELATIVE_TRIGGERS = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "today", "yesterday", "tonight", "night", "ago", "week", "month", "year",
)  # fmt: skip
_BEHIND, _AHEAD = 30, 30


def _around(text: str, anchors: list[int], pattern: re.Pattern) -> list[re.Match]:
    """Matches of ``pattern`` that contain one of the ``anchors``, each once, in order."""
    found: dict[tuple[int, int], re.Match] = {}
    end = len(text)
    for anchor in anchors:
        low = text.rfind("\n", max(0, anchor - _BEHIND), anchor) + 1 or max(0, anchor - _BEHIND)
        high = text.find("\n", anchor, min(end, anchor + _AHEAD))
        high = min(end, anchor + _AHEAD) if high < 0 else high
        for match in pattern.finditer(text, low, high):
            if match.start() <= anchor < match.end():
                found.setdefault(match.span(), match)
    kept: list[re.Match] = []
    for span in sorted(found, key=lambda s: (s[0], -s[1])):
        if kept and span[0] < kept[-1].end():
            continue
        kept.append(found[span])
    return kept


@dataclass(frozen=True)
class DateMention:
    """A date expression at ``text[start:end]`` and the interval it denotes.

    ``date_start``/``date_end`` are inclusive and None when the expression cannot be placed
    (a relative date without a publication date, a day without a year).
    """

    start: int
    end: int
    text: str
    date_start: dt.date | None
    date_end: dt.date | None
    precision: str | None
    relative: bool = False


@dataclass(frozen=True)
class TimeMention:
    """A stated time of day: ``value`` is ``HH:MM`` (24 h) or the phrase ("dawn")."""

    start: int
    end: int
    text: str
    value: str


def parse_published(value: dt.date | dt.datetime | str | None) -> dt.date | None:
    """The publication date from a date, an ISO string or a dateline ("DEC. 14, 2016, 2:54 AM").

    Raises
    ------
    geo.report.InputError
        When ``value`` is a string with no recognisable date.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InputError(f"published: expected a date or a string, got {type(value).__name__}")
    iso = re.match(rf"\s*({_YEAR})-(\d\d)-(\d\d)", value)
    if iso:
        return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
    for mention in find_dates(value):
        if mention.precision == "day" and mention.date_start is not None:
            return mention.date_start
    raise InputError(
        f"published: cannot read a date from {value!r}; use YYYY-MM-DD or e.g. 'October 19, 2023'"
    )


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _day(year: int | None, month: int, day: int) -> dt.date | None:
    if year is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _infer_year(month: int, day: int, reference: dt.date | None) -> int | None:
    """The year of a day written without one: the latest not after the reference date."""
    if reference is None:
        return None
    year = reference.year
    candidate = _day(year, month, day)
    if candidate is not None and candidate > reference:
        year -= 1
    return year


def _absolute(match: re.Match, reference: dt.date | None) -> DateMention | None:
    kind = match.lastgroup
    groups = match.groupdict()
    start, end = match.span(kind)
    if kind in ("dmy", "mdy", "my") and not groups[f"{kind}_m"][0].isupper():
        return None  # "may 2020" (the verb) is not a month
    if kind == "iso":
        day = _day(int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"]))
        if day is None:
            return None
        return DateMention(start, end, match[kind], day, day, "day")
    if kind in ("dmy", "mdy"):
        month = _month(groups[f"{kind}_m"])
        day_number = int(groups[f"{kind}_d"])
        if not 1 <= day_number <= 31:
            return None
        year_text = groups[f"{kind}_y"]
        year = int(year_text) if year_text else _infer_year(month, day_number, reference)
        day = _day(year, month, day_number)
        if year is not None and day is None:
            return None
        return DateMention(start, end, match[kind], day, day, "day" if day else None)
    if kind == "my":
        first, last = _month_span(int(groups["my_y"]), _month(groups["my_m"]))
        return DateMention(start, end, match[kind], first, last, "month")
    if kind == "num":
        a, b, year = int(groups["num_a"]), int(groups["num_b"]), int(groups["num_y"])
        # Day first (the international order) unless that is impossible.
        day = _day(year, b, a) or _day(year, a, b)
        if day is None:
            return None
        return DateMention(start, end, match[kind], day, day, "day")
    year = int(groups["year_y"])
    start, end = match.span("year_y")
    return DateMention(
        start, end, match["year_y"], dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    )


def _relative(match: re.Match, published: dt.date | None) -> DateMention:
    kind = match.lastgroup
    groups = match.groupdict()
    start, end = match.span(kind)
    text = match[kind]
    if published is None:
        return DateMention(start, end, text, None, None, None, relative=True)
    first = last = None
    precision = "day"
    if kind == "weekday":
        target = _WEEKDAYS.index(groups["wd"].lower())
        back = (published.weekday() - target) % 7
        modifier = (groups["wd_mod"] or "").lower()
        if modifier == "next":
            first = last = published + dt.timedelta(days=(target - published.weekday()) % 7 or 7)
        else:
            if modifier == "last" and back == 0:
                back = 7
            first = last = published - dt.timedelta(days=back)
            if modifier == "since":
                last = published
                precision = "span"
    elif kind == "dayword":
        lowered = " ".join(text.lower().split())
        offset = {"today": 0, "tonight": 0, "yesterday": 1, "last night": 1}.get(lowered, 2)
        first = last = published - dt.timedelta(days=offset)
    elif kind == "ago":
        number = groups["ago_n"].lower()
        count = int(number) if number.isdigit() else _SMALL_NUMBERS[number]
        unit = groups["ago_u"].lower().rstrip("s")
        if unit == "day":
            first = last = published - dt.timedelta(days=count)
        elif unit == "week":
            first = last = published - dt.timedelta(weeks=count)
            first, last = (
                first - dt.timedelta(days=first.weekday()),
                first + dt.timedelta(days=6 - first.weekday()),
            )
            precision = "week"
        elif unit == "month":
            month_index = published.year * 12 + published.month - 1 - count
            first, last = _month_span(month_index // 12, month_index % 12 + 1)
            precision = "month"
        else:
            year = published.year - count
            first, last, precision = dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    else:
        modifier = " ".join(groups["period_mod"].lower().split())
        unit = groups["period_u"].lower()
        previous = modifier in ("last", "past", "previous", "the previous")
        if unit == "week":
            monday = published - dt.timedelta(days=published.weekday())
            if previous:
                first, last = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
            else:
                first, last = monday, published
            precision = "week"
        elif unit == "month":
            if previous:
                month_index = published.year * 12 + published.month - 2
                first, last = _month_span(month_index // 12, month_index % 12 + 1)
            else:
                first, last = published.replace(day=1), published
            precision = "month"
        else:
            year = published.year - 1 if previous else published.year
            first = dt.date(year, 1, 1)
            last = dt.date(year, 12, 31) if previous else published
            precision = "year"
    return DateMention(start, end, text, first, last, precision, relative=True)


def find_dates(
    text: str,
    published: dt.date | dt.datetime | str | None = None,
    *,
    reference: dt.date | None = None,
) -> list[DateMention]:
    """Every date expression in ``text``, in order, with its interval.

    Parameters
    ----------
    text
        The text to search.
    published
        Publication date; relative expressions resolve against it.
    reference
        Date that supplies the year of a day written without one (defaults to
        ``published``).
    """
    published_date = parse_published(published) if published is not None else None
    reference = reference or published_date
    found: list[DateMention] = []
    for match in _around(text, word_starts(text, _ABSOLUTE_TRIGGERS, digits=True), _ABSOLUTE):
        mention = _absolute(match, reference)
        if mention is not None:
            found.append(mention)
    taken = [(m.start, m.end) for m in found]
    relative = _around(text, word_starts(text, _RELATIVE_TRIGGERS, digits=False), _RELATIVE)
    for match in relative:
        mention = _relative(match, published_date)
        if any(s < mention.end and mention.start < e for s, e in taken):
            continue
        # "Sunday, October 19, 2023": the absolute date right after says it all.
        if match.lastgroup == "weekday" and any(0 <= s - mention.end <= 2 for s, _ in taken):
            continue
        found.append(mention)
    return sorted(found, key=lambda m: m.start)


_CLOCK = re.compile(
    r"(?<![\d:.,])(?P<h>[01]?\d|2[0-3])(?::|\.(?=\d\d\s*[ap]\.?m))(?P<m>[0-5]\d)(?![\d:])"
    r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?(?:\s*(?P<zone>local time|(?-i:GMT|UTC|[A-Z]{2,4})\b))?",
    re.IGNORECASE,
)
_HOUR_ONLY = re.compile(
    r"(?<![\d:.,])(?P<h>1[0-2]|0?[1-9])\s*(?P<ampm>[ap]\.m\.|[ap]m\b)", re.IGNORECASE
)


def _clock_value(hour: int, minute: int, ampm: str | None) -> str | None:
    if ampm:
        if hour > 12:
            return None
        pm = ampm.lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    return f"{hour:02d}:{minute:02d}"


def find_times(text: str) -> list[TimeMention]:
    """Stated times of day: clock times ("03:00", "3:30 p.m.", "10 am") and phrases ("at dawn")."""
    found: list[TimeMention] = []
    end = len(text)
    numbers = word_starts(text, (), digits=True)
    clocks = [m for p in numbers if (m := _CLOCK.match(text, p, end))]
    hours = [m for p in numbers if (m := _HOUR_ONLY.match(text, p, end))]
    cues = cue_lists()
    words: list[re.Match] = []
    for p in word_starts(text, cues.time_word_triggers):
        if words and p < words[-1].end():
            continue
        m = cues.time_words.match(text, p, end)
        if m:
            words.append(m)
    for match in clocks:
        value = _clock_value(int(match["h"]), int(match["m"]), match["ampm"])
        if value is not None:
            found.append(TimeMention(match.start(), match.end(), match.group(), value))
    for match in hours:
        if any(t.start <= match.start() < t.end for t in found):
            continue
        value = _clock_value(int(match["h"]), 0, match["ampm"])
        if value is not None:
            found.append(TimeMention(match.start(), match.end(), match.group(), value))
    for match in words:
        phrase = " ".join(match.group().lower().split())
        value = phrase.removeprefix("at ").removeprefix("in the ").removesuffix(" hours")
        found.append(TimeMention(match.start(), match.end(), match.group(), value))
    return sorted(found, key=lambda t: t.start)
