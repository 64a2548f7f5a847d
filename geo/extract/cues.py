"""The cue-word lists extraction uses, loaded once from ``data/extract/cues.json``.

The lists are project-authored (see the file's ``_provenance``); this module only compiles
them into the sets and regular expressions the finders use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo.report import DataDirError
from geo.settings import PROJECT_DATA_DIR

CUES_FILE = PROJECT_DATA_DIR / "extract" / "cues.json"


def _alternation(items: list[str], *, escape: bool) -> str:
    # Longest first so "in the town of" wins over "in".
    ordered = sorted(items, key=len, reverse=True)
    return "|".join(re.escape(i) if escape else i for i in ordered)


def _phrase_pattern(items: list[str], *, escape: bool) -> str:
    """Words as regex with flexible inner whitespace."""
    body = _alternation(items, escape=escape)
    return body.replace(r"\ ", r"\s+") if escape else body.replace(" ", r"\s+")


def _phrases(items: list[str]) -> frozenset[str]:
    return frozenset(" ".join(i.lower().split()) for i in items)


@dataclass(frozen=True)
class CueLists:
    """Compiled cue lists; see ``data/extract/cues.json`` for what each one is for."""

    boilerplate_line: re.Pattern
    boilerplate_anywhere: re.Pattern
    abbreviations: frozenset[str]
    event_types: re.Pattern  # one named group per category
    generic_events: re.Pattern
    force_nouns: re.Pattern
    org_heads: frozenset[str]
    known_actors: re.Pattern
    assoc_before: re.Pattern
    person_titles: frozenset[str]
    function_words: frozenset[str]
    place_head_before_body: str  # the same words as an alternation, unanchored
    place_head_after: re.Pattern
    # (role, phrases) in priority order, matched on the words right before a place.
    role_phrases: tuple[tuple[str, frozenset[str]], ...]
    time_words: re.Pattern
    demonyms: dict[str, str]
    countries: dict[str, str]
    fatality_nouns: frozenset[str]
    group_words: frozenset[str]
    # Substrings a line must contain for the matching pattern to be tried there.
    event_triggers: tuple[str, ...] = ()
    actor_triggers: tuple[str, ...] = ()  # case-sensitive: organisation heads, group names
    actor_names: tuple[str, ...] = ()  # case-sensitive: the known group names
    place_head_triggers: tuple[str, ...] = ()
    time_word_triggers: tuple[str, ...] = ()


def _load(path: Path) -> CueLists:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataDirError(f"cue lists {str(path)!r} are missing; reinstall geo") from None
    except json.JSONDecodeError as err:
        raise DataDirError(f"cue lists {str(path)!r} are not valid JSON: {err}") from None

    def words(key: str, field: str = "words") -> list[str]:
        return list(raw[key][field])

    categories = {k: v for k, v in raw["event_types"].items() if not k.startswith("_")}
    event_alternation = "|".join(
        f"(?P<{name}>{_alternation(cues, escape=False)})" for name, cues in categories.items()
    )
    ignore = re.IGNORECASE
    return CueLists(
        boilerplate_line=re.compile(
            _alternation(words("boilerplate_line", "patterns"), escape=False), ignore
        ),
        boilerplate_anywhere=re.compile(
            _alternation(words("boilerplate_anywhere", "patterns"), escape=False), ignore
        ),
        abbreviations=frozenset(words("abbreviations")),
        event_types=re.compile(rf"\b(?:{event_alternation})\b", ignore),
        generic_events=re.compile(
            rf"\b(?:{_phrase_pattern(words('generic_event_nouns'), escape=True)})\b", ignore
        ),
        force_nouns=re.compile(
            rf"(?:{_phrase_pattern(words('force_nouns'), escape=True)})\b", ignore
        ),
        org_heads=frozenset(words("org_heads")),
        known_actors=re.compile(
            rf"(?<![\w-])(?:{_alternation(raw['known_actors']['names'], escape=True)})(?![\w-])"
        ),
        assoc_before=re.compile(
            rf"\b(?:{_phrase_pattern(words('assoc_cues'), escape=True)})\s+(?:the\s+)?$", ignore
        ),
        person_titles=frozenset(words("person_titles")),
        function_words=frozenset(w.lower() for w in words("function_words")),
        place_head_before_body=_phrase_pattern(raw["place_heads"]["before"], escape=True),
        place_head_after=re.compile(
            rf"^\s+(?:{_phrase_pattern(raw['place_heads']['after'], escape=True)})\b", ignore
        ),
        role_phrases=(
            ("area", _phrases(words("area_before"))),
            ("reference", _phrases(words("relational_before"))),
            ("event", _phrases(raw["place_heads"]["before"])),
            ("event", _phrases(words("locative_before"))),
        ),
        time_words=re.compile(
            rf"\b(?:{_phrase_pattern(words('time_words'), escape=True)})\b", ignore
        ),
        demonyms=dict(raw["demonyms"]["map"]),
        countries=dict(raw["countries"]["map"]),
        fatality_nouns=frozenset(words("fatality_nouns")),
        group_words=frozenset(words("group_words")),
        event_triggers=literal_prefixes([c for v in categories.values() for c in v])
        + tuple(w.lower() for w in words("generic_event_nouns")),
        actor_triggers=tuple(words("org_heads")) + tuple(raw["known_actors"]["names"]),
        actor_names=tuple(raw["known_actors"]["names"]),
        place_head_triggers=tuple(w.split()[0].lower() for w in raw["place_heads"]["before"]),
        time_word_triggers=literal_prefixes(words("time_words")),
    )


@lru_cache(maxsize=4)
def cue_lists(path: str | None = None) -> CueLists:
    """The compiled cue lists (from ``path`` or the project's ``data/extract/cues.json``)."""
    return _load(Path(path) if path else CUES_FILE)


def literal_prefixes(patterns: list[str]) -> tuple[str, ...]:
    """The literal lower-case start of each regex pattern ("air ?strikes?" -> "air"), used
    to skip text that cannot match before running the pattern."""
    out = set()
    for pattern in patterns:
        prefix = ""
        for ch in pattern:
            if ch.isalnum() or ch in " -":
                prefix += ch
                continue
            if ch in "?*" and prefix:
                prefix = prefix[:-1]  # the optional letter may be absent
            break
        # "(a|b)" or a class at the start leaves "": every line is then tried.
        out.add(prefix.strip().lower())
    return tuple(sorted(out))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=4)
def _lowered(text: str) -> str:
    # Offsets must stay those of the text: a few letters ("İ") lower to two characters,
    # and then only ASCII is lowered.
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def near(
    text: str,
    start: int,
    end: int,
    triggers: tuple[str, ...],
    *,
    behind: int,
    ahead: int,
) -> list[tuple[int, int]]:
    """Windows of ``text[start:end]`` from ``behind`` characters before to ``ahead``
    after each word starting like a trigger, cut at line ends, overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for anchor in word_starts(text, triggers, start, end):
        low = max(start, anchor - behind, text.rfind("\n", 0, anchor) + 1)
        high = text.find("\n", anchor, min(end, anchor + ahead))
        high = min(end, anchor + ahead) if high < 0 else high
        if out and low <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def windows(
    text: str, start: int, end: int, triggers: tuple[str, ...], *, case_sensitive: bool = False
) -> list[tuple[int, int]]:
    """The lines of ``text[start:end]`` that contain one of ``triggers`` (substrings,
    lower-case unless ``case_sensitive``).

    Regular expressions with many alternatives are slow to try at every position; the
    finders run them only on these lines. An empty trigger selects the whole window.
    """
    if "" in triggers:
        return [(start, end)]
    haystack = text if case_sensitive else _lowered(text)
    lines: dict[int, int] = {}
    for trigger in triggers:
        position = haystack.find(trigger, start, end)
        while position >= 0:
            line_start = max(start, haystack.rfind("\n", 0, position) + 1)
            line_end = haystack.find("\n", position, end)
            line_end = end if line_end < 0 else line_end
            lines[line_start] = line_end
            position = haystack.find(trigger, line_end, end)
    return sorted(lines.items())


_WORD_RUN = re.compile(r"[^\W_]+")
_NUMBER_RUN = re.compile(r"(?<![^\W_])\d")
_LETTER_RUN = re.compile(r"(?<![^\W_])[^\W\d_]")


class _WordStarts:
    """Start offsets of the words of a text, by their first three lower-case letters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = _lowered(text)
        lowered = self.lowered
        self.digits = [m.start() for m in _NUMBER_RUN.finditer(lowered)]
        heads: dict[str, list[int]] = {}
        get = heads.get
        for start in [m.start() for m in _LETTER_RUN.finditer(lowered)]:
            key = lowered[start : start + 3]
            if not key.isalpha():  # a word shorter than three letters
                key = key[:2] if key[:2].isalpha() else key[:1]
            bucket = get(key)
            if bucket is None:
                heads[key] = [start]
            else:
                bucket.append(start)
        self.heads = heads


@lru_cache(maxsize=4)
def _word_starts(text: str) -> _WordStarts:
    return _WordStarts(text)


@lru_cache(maxsize=64)
def _keyed(triggers: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """Triggers (lower-case and as given) by the head key of their first word."""
    out: dict[str, list[tuple[str, str]]] = {}
    for trigger in triggers:
        first = _WORD_RUN.match(trigger.lower())
        if first:
            out.setdefault(first.group()[:3], []).append((trigger.lower(), trigger))
    return out


def word_starts(
    text: str,
    triggers: tuple[str, ...],
    start: int = 0,
    end: int | None = None,
    *,
    case_sensitive: bool = False,
    digits: bool = False,
) -> list[int]:
    """Offsets in ``text[start:end]`` where a word begins that starts with one of
    ``triggers`` (and, with ``digits``, where a number begins), in order.

    Finders try their patterns (``pattern.match``) only at these offsets: a regular
    expression with many alternatives is slow to try at every position.
    """
    end = len(text) if end is None else end
    index = _word_starts(text)
    found: set[int] = set()
    if digits:
        found.update(p for p in index.digits if start <= p < end)
    source = text if case_sensitive else index.lowered
    heads = index.heads
    by_key = _keyed(triggers)
    for key in by_key.keys() & heads.keys():
        for wanted_lower, wanted_exact in by_key[key]:
            wanted = wanted_exact if case_sensitive else wanted_lower
            for position in heads[key]:
                if start <= position < end and source.startswith(wanted, position):
                    found.add(position)
    return sorted(found)
