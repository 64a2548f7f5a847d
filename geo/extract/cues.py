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
    place_head_before: re.Pattern
    place_head_before_body: str  # the same words as an alternation, unanchored
    place_head_after: re.Pattern
    locative_before: re.Pattern
    relational_before: re.Pattern
    area_before: re.Pattern
    time_words: re.Pattern
    demonyms: dict[str, str]
    countries: dict[str, str]
    fatality_nouns: frozenset[str]


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
    # Cues that must end right before a place (optionally "the "), matched on the text before it.
    tail = r")\s+(?:the\s+)?$"
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
        place_head_before=re.compile(
            rf"\b(?:{_phrase_pattern(raw['place_heads']['before'], escape=True)}{tail}", ignore
        ),
        place_head_before_body=_phrase_pattern(raw["place_heads"]["before"], escape=True),
        place_head_after=re.compile(
            rf"^\s+(?:{_phrase_pattern(raw['place_heads']['after'], escape=True)})\b", ignore
        ),
        locative_before=re.compile(
            rf"\b(?:{_phrase_pattern(words('locative_before'), escape=True)}{tail}", ignore
        ),
        relational_before=re.compile(
            rf"(?:\b|^)(?:{_phrase_pattern(words('relational_before', 'patterns'), escape=False)}{tail}",
            ignore,
        ),
        area_before=re.compile(
            rf"\b(?:{_phrase_pattern(words('area_before', 'patterns'), escape=False)}{tail}",
            ignore,
        ),
        time_words=re.compile(
            rf"\b(?:{_phrase_pattern(words('time_words'), escape=True)})\b", ignore
        ),
        demonyms=dict(raw["demonyms"]["map"]),
        countries=dict(raw["countries"]["map"]),
        fatality_nouns=frozenset(words("fatality_nouns")),
    )


@lru_cache(maxsize=4)
def cue_lists(path: str | None = None) -> CueLists:
    """The compiled cue lists (from ``path`` or the project's ``data/extract/cues.json``)."""
    return _load(Path(path) if path else CUES_FILE)
