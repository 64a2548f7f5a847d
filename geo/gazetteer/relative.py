"""Relative location phrases: "35 km east of Deir ez-Zor", "near Dumayr", "northern Hama".

:func:`parse_relative` splits such a phrase into the named place and what to do with its
location; :func:`offset_point` moves a point along a compass bearing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyproj import Geod

_GEOD = Geod(ellps="WGS84")

BEARINGS: dict[str, float] = {
    "north": 0.0,
    "north northeast": 22.5,
    "northeast": 45.0,
    "east northeast": 67.5,
    "east": 90.0,
    "east southeast": 112.5,
    "southeast": 135.0,
    "south southeast": 157.5,
    "south": 180.0,
    "south southwest": 202.5,
    "southwest": 225.0,
    "west southwest": 247.5,
    "west": 270.0,
    "west northwest": 292.5,
    "northwest": 315.0,
    "north northwest": 337.5,
}
_ABBREVIATIONS = {
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
    "nne": "north northeast",
    "ene": "east northeast",
    "ese": "east southeast",
    "sse": "south southeast",
    "ssw": "south southwest",
    "wsw": "west southwest",
    "wnw": "west northwest",
    "nnw": "north northwest",
}
_UNITS = {
    "km": 1.0,
    "kms": 1.0,
    "kilometers": 1.0,
    "kilometres": 1.0,
    "kilometer": 1.0,
    "kilometre": 1.0,
    "mi": 1.609344,
    "mile": 1.609344,
    "miles": 1.609344,
    "m": 0.001,
    "meters": 0.001,
    "metres": 0.001,
}

_DIRECTION = (
    r"(?P<dir>(?:north|south|east|west)(?:[\s-]*(?:north|south|east|west)){0,2}"
    r"|n|s|e|w|ne|nw|se|sw|nne|ene|ese|sse|ssw|wsw|wnw|nnw)"
)
_OFFSET = re.compile(
    r"^(?:some|about|around|approximately|approx\.?|roughly|nearly|almost|~)?\s*"
    r"(?P<dist>\d+(?:[.,]\d+)?)\s*(?:-|\s)?\s*(?P<unit>km|kms|kilomet(?:er|re)s?|mi|miles?|m|met(?:er|re)s?)\b\.?"
    r"\s*(?:to\s+the\s+|to\s+)?" + _DIRECTION + r"(?:ern)?\s+(?:of\s+)?(?P<place>.+)$",
    re.IGNORECASE,
)
_NEAR = re.compile(
    r"^(?:near|nearby|close\s+to|next\s+to|around|outside|outside\s+of|outskirts\s+of|"
    r"the\s+outskirts\s+of|on\s+the\s+outskirts\s+of|vicinity\s+of|the\s+vicinity\s+of|"
    r"in\s+the\s+vicinity\s+of|surroundings\s+of|environs\s+of|countryside\s+of|"
    r"the\s+countryside\s+of|area\s+of|the\s+area\s+of|outskirts|vicinity|"
    r"قرب|بالقرب\s+من|محيط|ريف|أطراف|اطراف)\s+(?P<place>.+)$",
    re.IGNORECASE,
)
_NEAR_SUFFIX = re.compile(
    r"^(?P<place>.+?)\s+(?:outskirts|countryside|surroundings|environs|vicinity|area|region)$",
    re.IGNORECASE,
)
_PART_OF = re.compile(
    r"^(?:the\s+)?(?P<dir>(?:north|south|east|west)(?:[\s-]*(?:north|south|east|west))?"
    r"(?:ern)?|central|upper|lower)\s+(?:part\s+of\s+|parts\s+of\s+|countryside\s+of\s+)?"
    r"(?P<place>.+)$",
    re.IGNORECASE,
)
_DIR_OF = re.compile(
    r"^(?:just\s+)?" + _DIRECTION + r"(?:ern)?\s+of\s+(?P<place>.+)$", re.IGNORECASE
)


_BETWEEN = re.compile(
    r"^(?:the\s+)?(?:(?:road|highway|route|area|frontline|front)\s+)?between\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$",
    re.IGNORECASE,
)
_ROAD = re.compile(
    r"^(?:the\s+)?(?P<a>.+?)\s*(?:[-–—]|\bto\b)\s*(?P<b>.+?)\s+(?:road|highway|route|motorway)$",
    re.IGNORECASE,
)
# Arabic name modifiers a transliterated name carries where English says "Western X",
# "Upper X": tried as "X <modifier>" (masculine and feminine forms).
_MODIFIERS = {
    "eastern": ("sharqiyah", "sharqi"),
    "east": ("sharqiyah", "sharqi"),
    "western": ("gharbiyah", "gharbi"),
    "west": ("gharbiyah", "gharbi"),
    "northern": ("shamaliyah", "shamali"),
    "north": ("shamaliyah", "shamali"),
    "southern": ("janubiyah", "janubi", "qibli"),
    "south": ("janubiyah", "janubi", "qibli"),
    "upper": ("fawqani", "fawqaniyah", "foqani"),
    "lower": ("tahtani", "tahtaniyah"),
    "great": ("kabir", "kabirah"),
    "big": ("kabir", "kabirah"),
    "greater": ("kabir", "kabirah"),
    "little": ("saghir", "saghirah", "sghir"),
    "small": ("saghir", "saghirah", "sghir"),
    "new": ("jadid", "jadidah"),
    "old": ("qadim", "qadimah"),
}
# Words that set one of two same-name villages apart (lower / upper, east / west, new / old
# ...), as a name's last word: the modifiers' transliterations and their Arabic forms.
QUALIFIERS: frozenset[str] = frozenset(
    [form for forms in _MODIFIERS.values() for form in forms]
    + [
        "تحتاني",
        "تحتانيه",
        "فوقاني",
        "فوقانيه",
        "شرقي",
        "شرقيه",
        "غربي",
        "غربيه",
        "شمالي",
        "شماليه",
        "جنوبي",
        "جنوبيه",
        "كبير",
        "كبيره",
        "صغير",
        "صغيره",
        "جديد",
        "جديده",
        "قديم",
        "قديمه",
    ]
)


def modifier_variants(text: str) -> list[str]:
    """ "Western Ghariyeh" -> ["Ghariyeh Gharbiyah", "Ghariyeh Gharbi"]; [] without a
    leading English modifier."""
    first, _, rest = text.strip().partition(" ")
    forms = _MODIFIERS.get(first.lower())
    if not forms or not rest.strip():
        return []
    return [f"{rest.strip()} {form}" for form in forms]


def parse_between(text: str) -> tuple[str, str] | None:
    """The two places of "road between A and B", "between A and B", "A - B road"."""
    match = _BETWEEN.match(text.strip()) or _ROAD.match(text.strip())
    if match is None:
        return None
    return match["a"].strip(), match["b"].strip()


@dataclass(frozen=True)
class Relative:
    """A parsed phrase: ``kind`` is "offset" (distance_km along bearing), "near" or "part"."""

    kind: str
    place: str
    distance_km: float = 0.0
    bearing: float = 0.0


def _bearing(text: str) -> float | None:
    words = re.sub(r"[\s-]+", " ", text.lower()).strip()
    words = re.sub(r"ern$", "", words)
    words = _ABBREVIATIONS.get(words.replace(" ", ""), words)
    joined = words.replace("north east", "northeast").replace("north west", "northwest")
    joined = joined.replace("south east", "southeast").replace("south west", "southwest")
    return BEARINGS.get(joined)


def parse_relative(text: str) -> Relative | None:
    """The relative reading of ``text``, or None when it names a place directly."""
    text = text.strip()
    match = _OFFSET.match(text)
    if match:
        bearing = _bearing(match["dir"])
        unit = _UNITS.get(match["unit"].lower().rstrip("."), 1.0)
        if bearing is not None:
            distance = float(match["dist"].replace(",", ".")) * unit
            return Relative("offset", match["place"].strip(), distance, bearing)
    match = _DIR_OF.match(text)
    if match and _bearing(match["dir"]) is not None:
        return Relative("near", match["place"].strip(), 0.0, _bearing(match["dir"]) or 0.0)
    match = _NEAR.match(text)
    if match:
        return Relative("near", match["place"].strip())
    match = _PART_OF.match(text)
    if match:
        bearing = _bearing(match["dir"])
        return Relative("part", match["place"].strip(), 0.0, bearing if bearing is not None else -1)
    match = _NEAR_SUFFIX.match(text)
    if match:
        return Relative("near", match["place"].strip())
    return None


def offset_point(
    lon: float, lat: float, *, bearing: float, distance_km: float
) -> tuple[float, float]:
    """(lon, lat) reached from (lon, lat) after ``distance_km`` along ``bearing`` degrees."""
    out_lon, out_lat, _ = _GEOD.fwd(lon, lat, bearing, distance_km * 1000.0)
    return float(out_lon), float(out_lat)


def distance_km(lon1, lat1, lon2, lat2):
    """Geodesic distance in km (arrays broadcast)."""
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return metres / 1000.0
