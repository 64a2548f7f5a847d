"""Event cues, fatalities and actors in a sentence, each with its character span.

Finders take the document text and a (start, end) window (a sentence) so every span they
return is an offset into the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from geo.extract.cues import cue_lists, near, windows, word_starts


@dataclass(frozen=True)
class Mention:
    """A span of the document and what it says: ``value`` is the event category, the
    fatality count, or the actor's name as written."""

    start: int
    end: int
    text: str
    value: object = None


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "dozen": 12, "a dozen": 12,
}  # fmt: skip
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|a dozen)"
_BOUND = (
    r"(?:at\s+least|more\s+than|over|nearly|almost|about|around|some|up\s+to|as\s+many\s+as)\s+"
)
_KILL_VERB = r"(?:killed|killing|kills|kill|slew|slain)"
_DEATH_WORD = r"(?:killed|dead|died|slain|perished|lost\s+their\s+lives)"

_KILLED_NUMBER = re.compile(rf"\b{_KILL_VERB}\s+(?:{_BOUND})?(?P<n>{_NUM})\b", re.IGNORECASE)
_NUMBER_KILLED = re.compile(
    rf"(?:{_BOUND})?\b(?P<n>{_NUM})(?P<mid>(?:\s+[\w-]+){{0,3}}?)\s+(?:(?:were|was|have\s+been|has\s+been|had\s+been|are|being)\s+)?{_DEATH_WORD}\b",
    re.IGNORECASE,
)
_NAME_TOKEN = r"(?:[A-Z][\w’'-]*|(?:al|el|bin|ibn|abu)-?[A-Z][\w’'-]*)"
_DEATH_OF = re.compile(
    rf"\b(?:the\s+)?(?:death|killing|assassination)\s+of\s+{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,3}}"
)


@lru_cache(maxsize=1)
def _kills_one() -> re.Pattern:
    singular = sorted((n for n in cue_lists().fatality_nouns if not n.endswith("s")), key=len)
    return re.compile(
        rf"\b{_KILL_VERB}\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}?(?:{'|'.join(singular)})\b",
        re.IGNORECASE,
    )


_DEATH_TOLL = re.compile(
    rf"\bdeath\s+toll\s+(?:\w+\s+){{0,3}}?(?:to|of|at|reached)\s+(?:{_BOUND})?(?P<n>{_NUM})\b",
    re.IGNORECASE,
)
_NONE_KILLED = re.compile(
    r"\bno\s+(?:reported\s+)?(?:casualties|deaths|fatalities)\b|\b(?:no\s+one|nobody)\s+(?:was|were)\s+(?:killed|hurt)",
    re.IGNORECASE,
)


# One earlier item of a list of tolls: "24 civilians, " / "24 Kurdish fighters, and "
_LIST_ITEM = re.compile(
    rf"\b(?P<n>{_NUM})(?:\s+[\w-]+){{0,2}}?\s+(?P<noun>[A-Za-z]+),?\s+(?:and\s+)?\Z", re.IGNORECASE
)


def _number(text: str) -> int | None:
    lowered = " ".join(text.lower().split())
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    digits = lowered.replace(",", "")
    return int(digits) if digits.isdigit() else None


def find_event_cues(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Event words in ``text[start:end]``: ``value`` is the category ("raid", "airstrike", ...),
    or None for a generic noun ("incident", "operation") that refers back to an event."""
    cues = cue_lists()
    end = len(text) if end is None else end
    found: list[Mention] = []
    resume = start
    for position in word_starts(text, cues.event_triggers, start, end):
        if position < resume:
            continue
        m = cues.event_types.match(text, position, end)
        if m:
            found.append(Mention(m.start(), m.end(), m.group(), m.lastgroup))
            resume = m.end()
            continue
        m = cues.generic_events.match(text, position, end)
        if m:
            found.append(Mention(m.start(), m.end(), m.group(), None))
            resume = m.end()
    return sorted(found, key=lambda f: f.start)


def find_fatalities(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Fatality statements in ``text[start:end]`` with the number of dead (``value``).

    "killed 3 civilians", "24 civilians and 25 fighters have been killed" (summed), "one
    killed", "the death of Khaled al-Masoud" (1), "kills an agent" (1), "death toll rose to
    40", "no casualties" (0). Vague amounts ("hundreds were killed") give no mention.
    """
    end = len(text) if end is None else end
    found: list[Mention] = []
    for a, b in near(text, start, end, _FATALITY_TRIGGERS, behind=200, ahead=80):
        _fatalities_in(text, a, b, found)
    return sorted(found, key=lambda f: f.start)


_FATALITY_TRIGGERS = (
    "kill", "dead", "died", "slain", "slew", "death", "casualt", "perish", "lost their",
    "no one", "nobody",
)  # fmt: skip


def _fatalities_in(text: str, start: int, end: int, found: list[Mention]) -> None:
    nouns = cue_lists().fatality_nouns

    def add(s: int, e: int, count: int) -> None:
        if not any(f.start < e and s < f.end for f in found):
            found.append(Mention(s, e, text[s:e], count))

    for m in _DEATH_TOLL.finditer(text, start, end):
        add(m.start(), m.end("n"), _number(m["n"]))
    for m in _NUMBER_KILLED.finditer(text, start, end):
        between = m["mid"].split()
        if between and not any(w.lower().strip(",") in nouns for w in between):
            continue
        count = _number(m["n"])
        # "24 civilians, 24 fighters and 25 militiamen have been killed": add the list up.
        clause_start = max(start, m.start() - 160)
        first = m.start()
        while True:
            item = _LIST_ITEM.search(text, clause_start, first)
            if item is None or item.group("noun").lower() not in nouns:
                break
            count = (count or 0) + (_number(item["n"]) or 0)
            first = item.start()
        if count is not None:
            add(first, m.end(), count)
    for m in _KILLED_NUMBER.finditer(text, start, end):
        count = _number(m["n"])
        if count is not None:
            add(m.start(), m.end("n"), count)
    for m in _DEATH_OF.finditer(text, start, end):
        add(m.start(), m.end(), 1)
    for m in _kills_one().finditer(text, start, end):
        add(m.start(), m.end(), 1)
    for m in _NONE_KILLED.finditer(text, start, end):
        add(m.start(), m.end(), 0)


_CAP_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]*|al-[A-Z][\w’'-]*)"
_ORG_RUN = re.compile(
    rf"{_CAP_TOKEN}(?:\s+(?:(?:of|for|and|the|al|el)\s+)?{_CAP_TOKEN})*"
    r"(?:\s*\((?P<abbr>[A-Z][A-Za-z]{1,7})\)|,\s+or\s+(?P<abbr2>[A-Z]{2,7})\b)?"
)


@lru_cache(maxsize=1)
def _nation_names() -> tuple[str, ...]:
    cues = cue_lists()
    return tuple(sorted({*cues.demonyms, *cues.countries}))


@lru_cache(maxsize=1)
def _forces_pattern() -> re.Pattern:
    cues = cue_lists()
    nations = sorted({*cues.demonyms, *cues.countries}, key=len, reverse=True)
    nation = "|".join(re.escape(n) for n in nations)
    return re.compile(
        rf"(?<![\w.])(?:{nation})(?:[’']s)?\s+(?:[a-z]+\s+)?(?:{cues.force_nouns.pattern})"
    )


def find_actors(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Actor phrases in ``text[start:end]``: organisation names ("Syrian Free Army (SFA)"),
    known armed groups ("Islamic State"), and a country or demonym with a force noun
    ("U.S. troops", "Turkish forces"). ``value`` is the phrase without a leading "the"."""
    cues = cue_lists()
    end = len(text) if end is None else end
    found: list[Mention] = []
    forces = _forces_pattern()
    for position in word_starts(text, _nation_names(), start, end, case_sensitive=True):
        m = forces.match(text, position, end)
        if m:
            found.append(Mention(m.start(), m.end(), m.group(), m.group()))
    org_runs = [
        m
        for a, b in windows(text, start, end, cues.actor_triggers, case_sensitive=True)
        for m in _ORG_RUN.finditer(text, a, b)
    ]
    for m in org_runs:
        tokens = re.findall(r"[\w.’'-]+", m.group())
        words = [t.rstrip(".") for t in tokens]
        head_at = [i for i, w in enumerate(words) if w in cues.org_heads]
        if not head_at:
            continue
        # Drop sentence-start and function words before the name ("The", "Witnesses").
        s = m.start()
        while tokens and (tokens[0].lower() in cues.function_words or tokens[0] in ("The",)):
            s = text.index(tokens[0], s) + len(tokens[0])
            s += len(text[s:]) - len(text[s:].lstrip())
            tokens = tokens[1:]
        if not tokens:
            continue
        phrase = text[s : m.end()]
        if any(f.start <= s and m.end() <= f.end for f in found):
            continue
        found = [f for f in found if not (s <= f.start and f.end <= m.end())]
        found.append(Mention(s, m.end(), phrase, phrase))
    known = [
        m
        for position in word_starts(text, cues.actor_names, start, end, case_sensitive=True)
        if (m := cues.known_actors.match(text, position, end))
    ]
    for m in known:
        if any(f.start <= m.start() and m.end() <= f.end for f in found):
            continue
        found.append(Mention(m.start(), m.end(), m.group(), m.group()))
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Mention] = []
    for f in found:
        if kept and f.start < kept[-1].end:
            continue
        kept.append(f)
    return kept
