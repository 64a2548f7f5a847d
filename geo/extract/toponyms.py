"""Find place names in text with the gazetteer, filter them by context, and give each a role.

Candidates come from the gazetteer itself: the longest run of tokens (both scripts) whose
normalised form (:func:`geo.gazetteer.name_key`, the gazetteer's own normalisation) is a
name in the index, plus country names and demonyms from the project's cue lists
("Syrian" names Syria). Context then decides:

* collisions with people and organisations are dropped: a name glued to a capitalised word
  that is not a place word ("Khaled al-Masoud", "Hayat Tahrir al-Sham"), and every other
  mention of that name in the same text;
* a single-word name needs evidence that it is a place: a preposition or place word around
  it ("in", "near", "town of", "X province"), the importance of the feature (an admin seat,
  an admin unit, a region), or another mention of it in the text that has such evidence;
* the role says what the place is to the story: ``event`` (where something happened: "in
  Dumayr"), ``reference`` (a point of reference, a container, a government: "east of
  Damascus", "Kfraya in Idlib", a demonym) or ``area`` (a region of activity: "operating in
  ... the Badiya", "across Syria").
"""

from __future__ import annotations

import bisect
import math
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache

from geo.extract.cues import cue_lists, near, word_starts
from geo.extract.document import Document, Sentence, make_document
from geo.gazetteer import Gazetteer, Resolution, name_key

ROLES: tuple[str, ...] = ("event", "reference", "area")
KINDS: tuple[str, ...] = ("name", "country", "demonym")

# Longest gazetteer name scanned, in tokens ("Ras al-Ain" = 3, "Bab al-Hawa crossing" = 4).
MAX_TOKENS = 6
# Importance (geo.gazetteer scale) from which a bare mention counts as a place: district
# seats and larger towns (PPLA2 = 4) and up; villages need a cue.
IMPORTANT = 4.0

# A place named beside another picks, among its same-name candidates, one this close to it.
CONTEXT_KM = 40.0

_MARK = "'’ʿʾ‘`"
_LETTERS = r"[^\W\d_\u0640]"
_TOKEN = re.compile(
    rf"{_LETTERS}(?:{_LETTERS}|[\u0610-\u061a\u064b-\u065f\u0670\u0640])*"
    rf"(?:[{_MARK}](?!s\b){_LETTERS}(?:{_LETTERS}|[\u064b-\u065f])*)*"
)
_JOIN_GAPS = frozenset({" ", "-", "\u00a0", "\u2011"})
_ARABIC = re.compile("[\u0600-\u06ff]")
_DIRECTIONS = frozenset(
    {"north", "south", "east", "west", "northern", "southern", "eastern", "western",
     "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
     "southeastern", "southwestern", "central", "greater", "upper", "lower", "rural"}
)  # fmt: skip
_CALENDAR = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
     "january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"}
)  # fmt: skip
_PREPOSITIONS = frozenset(
    {"in", "at", "near", "of", "from", "to", "into", "toward", "towards", "across",
     "throughout", "around", "outside", "inside", "between", "via", "on", "by", "for", "with",
     "over", "under", "against", "through",
     "في", "على", "قرب", "من", "إلى", "الى", "بين", "حول", "داخل", "خارج"}
)  # fmt: skip
_ADMIN_HEAD_AFTER = re.compile(
    r"\s+(province|governorate|district|sub-?district|military airport|airport|air base|camp)\b",
    re.IGNORECASE,
)
# "Homs and Hama were shelled": the place is the object of an event verb.
_PASSIVE_AFTER = re.compile(
    r"(?:\s*(?:,|and)\s+(?:al-)?[A-Z][\w'’-]*)*\s+(?:was|were|is|are|has been|have been|had been)"
    r"\s+(?:\w+ly\s+)?(?:again\s+)?(?P<verb>shelled|bombed|struck|hit|raided|attacked|targeted|"
    r"stormed|captured|besieged|bombarded|overrun|retaken)\b"
)
_BASED_AFTER = re.compile(r"^-(?:based|backed|led|held|controlled|allied)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Toponym:
    """A place named in a text.

    ``phrase == text[start:end]``; ``query`` is what the gazetteer was asked ("Syria" for
    "Syrian", "eastern Ghouta" for the name "Ghouta" written after "eastern");
    ``resolution`` is the gazetteer's answer (its ``status`` may be "ambiguous" or
    "unresolved": the name is a place all the same). ``cue`` is the context word that
    decided the role, ``sentence`` the index of the sentence it is in.
    """

    phrase: str
    start: int
    end: int
    resolution: Resolution | None
    role: str
    kind: str = "name"
    query: str = ""
    cue: str | None = None
    sentence: int = -1

    @property
    def resolved(self) -> bool:
        return self.resolution is not None and self.resolution.status == "resolved"

    @property
    def is_area(self) -> bool:
        geometry = self.resolution.geometry if self.resolved else None
        return geometry is not None and geometry.geom_type != "Point"


class _ScanIndex:
    """Word sequences of every gazetteer name key, for longest-match scanning of text."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        keys = {k for k in gazetteer.names["key"].dropna().unique() if k}
        self.keys = frozenset(keys)
        prefixes: set[str] = set()
        for key in keys:
            words = key.split()
            for n in range(1, min(len(words), MAX_TOKENS + 2)):
                prefixes.add(" ".join(words[:n]))
        self.prefixes = frozenset(prefixes)
        self.first_words = frozenset(key.split()[0] for key in keys)
        importance = gazetteer.entries["importance"].to_numpy()
        kinds = gazetteer.entries["kind"].to_numpy()
        names = gazetteer.names
        best: dict[str, float] = {}
        for key, entry in zip(names["key"].to_numpy(), names["entry"].to_numpy(), strict=True):
            weight = 9.0 if kinds[entry] != "place" else float(importance[entry])
            if weight > best.get(key, -1.0):
                best[key] = weight
        self.importance = best  # the most important feature with that key


_SCAN_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scan_index(gazetteer: Gazetteer) -> _ScanIndex:
    index = _SCAN_INDEXES.get(gazetteer)
    if index is None:
        index = _SCAN_INDEXES[gazetteer] = _ScanIndex(gazetteer)
    return index


@lru_cache(maxsize=100_000)
def _token_words(token: str) -> tuple[str, ...]:
    """The words a token adds to a name key (none for an article such as "al", "ad")."""
    # name_key keeps a lone article ("As" is a name), so ask with a word in front.
    return tuple(name_key("x " + token).split()[1:])


def _title_case(sentence: Sentence) -> bool:
    if not sentence.heading:
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", sentence.text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


# Where a name can start: a capitalised or Arabic word, a hyphenated article before a
# capitalised word ("al-Sham"), or a direction word before one ("eastern Ghouta").
_START = re.compile(
    rf"(?<![\w{_MARK}])(?:[A-Z\u00c0-\u00de\u0600-\u06ff]|[a-z]{{1,3}}-(?=[A-Z])|"
    rf"(?:{'|'.join(sorted(_DIRECTIONS, key=len, reverse=True))})\s+(?=[A-Z]))"
)


def _token_at(text: str, pos: int, end: int) -> tuple[int, int] | None:
    match = _TOKEN.match(text, pos, end)
    return match.span() if match else None


@dataclass
class _Candidate:
    start: int  # of the name as written (capitalised part)
    end: int
    query: str  # what to resolve
    key: str
    kind: str
    sentence: Sentence
    prev: str | None  # the word right before (space or hyphen between), if any
    next: str | None
    words: int


def _previous_token(text: str, start: int, floor: int) -> str | None:
    """The word right before ``start`` when only a space or hyphen separates them."""
    if start - 1 <= floor or text[start - 1] not in _JOIN_GAPS:
        return None
    end = start - 1
    begin = end
    while begin > floor and begin > end - 40 and text[begin - 1].isalpha():
        begin -= 1
    return text[begin:end] if begin < end else None


def _scan_sentence(
    text: str,
    sentence: Sentence,
    index: _ScanIndex,
    actors: list[tuple[int, int]],
    matches: dict[str, list[re.Match]],
) -> list[_Candidate]:
    """Candidates of one sentence; ``actors`` are the spans of known group names and
    ``matches`` the sentence's name starts, nation names and place-word phrases."""
    cues = cue_lists()
    shouting = sentence.text.isupper()
    found: list[_Candidate] = []
    limit = sentence.end
    resume = sentence.start
    for start_match in matches.get("start", ()):
        if start_match.start() < resume:
            continue
        pos = start_match.start()
        lead = start_match.group()
        direction = lead[:1].islower() and not lead.endswith("-")
        if not direction and not lead.endswith("-"):
            # Fast rejection: most capitalised words start no gazetteer name.
            head = _token_at(text, pos, limit)
            head_words = _token_words(text[head[0] : head[1]]) if head else ()
            if head_words and head_words[0] not in index.first_words:
                continue
        spans: list[tuple[int, int]] = []
        words: list[str] = []
        best = None
        while len(spans) < MAX_TOKENS:
            span = _token_at(text, pos, limit)
            if span is None:
                break
            spans.append(span)
            added = _token_words(text[span[0] : span[1]])
            words.extend(added)
            key = " ".join(words)
            if words and key not in index.prefixes and key not in index.keys:
                break
            # A trailing article adds nothing: "Syria as ..." is "Syria".
            if added and key in index.keys:
                best = (len(spans), key, len(words))
            gap_end = span[1] + 1
            if text[span[1] : gap_end] not in _JOIN_GAPS or gap_end >= limit:
                break
            pos = gap_end
        first_word = text[spans[0][0] : spans[0][1]]
        if best is None or (_ARABIC.match(first_word) and first_word in cues.function_words):
            continue  # Arabic prepositions and common words spelled like villages
        n_tokens, key, n_words = best
        first = spans[1][0] if direction and n_tokens > 1 else spans[0][0]
        last = spans[n_tokens - 1][1]
        surface = text[first:last]
        if direction and n_tokens == 1:
            continue
        if (surface.isupper() and len(surface) <= 4 and not shouting) or any(
            a <= first and last <= b for a, b in actors
        ):
            continue
        prev = _previous_token(text, spans[0][0], sentence.start)
        nxt = _token_at(text, last + 1, limit) if text[last : last + 1] in _JOIN_GAPS else None
        if nxt and not _token_words(text[nxt[0] : nxt[1]]) and text[nxt[1] : nxt[1] + 1] == "-":
            nxt = _token_at(text, nxt[1] + 1, limit)  # "Khaled al-Masoud": look past "al-"
        found.append(
            _Candidate(
                start=first,
                end=last,
                query=text[spans[0][0] : last],
                key=key,
                kind="name",
                sentence=sentence,
                prev=prev,
                next=text[nxt[0] : nxt[1]] if nxt else None,
                words=n_words,
            )
        )
        resume = last
    # Country names and demonyms (case-sensitive, whole words) win over a village of the
    # same name ("Iraqi"), not over a longer name ("Syrian Desert").
    for match in matches.get("nation", ()):
        phrase = match.group()
        s, e = match.span()
        if any(c.start <= s and e <= c.end and (c.end - c.start) > (e - s) for c in found):
            continue
        found = [c for c in found if not (c.start < e and s < c.end)]
        kind = "demonym" if phrase in cues.demonyms else "country"
        query = cues.demonyms.get(phrase) or cues.countries[phrase]
        found.append(_Candidate(s, e, query, name_key(query), kind, sentence, None, None, 9))
    # Names the index lacks in this spelling, after a place word: "the villages of Foua
    # and Kfraya", "the town of Dmeir" (resolved by the gazetteer's fuzzy stages).
    for match in matches.get("found", ()):
        for run in _CAP_RUN.finditer(match.group("names")):
            s, e = match.start("names") + run.start(), match.start("names") + run.end()
            if run.group().split()[0] in cues.group_words:
                continue  # "the Shiite villages of", "Sunni town"
            if any(c.start < e and s < c.end for c in found):
                continue
            query = text[s:e]
            found.append(_Candidate(s, e, query, name_key(query), "found", sentence, None, None, 1))
    return sorted(found, key=lambda c: c.start)


_ARTICLE = r"(?:(?:al|el|ad|ar|as|ash|at|az|an|ad)-)"
_CAP_WORD = rf"{_ARTICLE}?[A-Z][\w’'`]*(?:-{_ARTICLE}?[A-Z][\w’'`]*)?"
_CAP_RUN = re.compile(rf"{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}")


_HEADS_AFTER = (
    "airport", "air base", "airbase", "province", "governorate", "countryside", "district",
    "camp", "town", "village", "city",
)  # fmt: skip
_HEADS_AFTER_PATTERN = "|".join(h.replace(" ", r"\s+") for h in _HEADS_AFTER)
_DISCOVERY_AFTER = re.compile(
    rf"(?<![\w’'-])(?P<names>{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}})\s+(?:military\s+)?"
    rf"(?:{_HEADS_AFTER_PATTERN})s?\b"
)


@lru_cache(maxsize=1)
def _discovery_pattern() -> re.Pattern:
    run = rf"{_CAP_WORD}(?:\s+{_CAP_WORD}){{0,2}}"
    heads = cue_lists().place_head_before_body
    return re.compile(
        rf"\b(?i:{heads})\s+(?:the\s+)?(?P<names>{run}(?:(?:,\s*|\s+and\s+|\s+or\s+|,\s+and\s+){run})*)"
    )


@lru_cache(maxsize=4)
def _nation_pattern_for(names: tuple[str, ...]) -> re.Pattern:
    body = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{body})(?![\w]|\.\w)")


@lru_cache(maxsize=1)
def _nation_pattern() -> re.Pattern:
    cues = cue_lists()
    return _nation_pattern_for(tuple(sorted({*cues.demonyms, *cues.countries})))


def _glued_to_name(candidate: _Candidate, title_case: bool) -> bool:
    """True when a capitalised non-place word touches the name: part of a person's or an
    organisation's name ("Khaled al-Masoud", "Tahrir al-Sham", "Idlib Free Police")."""
    if title_case or candidate.kind != "name":
        return False
    cues = cue_lists()
    prev, nxt = candidate.prev, candidate.next
    if prev is not None and prev[:1].isupper():
        word = prev.lower()
        if (
            word not in cues.function_words
            and word not in _DIRECTIONS
            and word not in _CALENDAR
            and prev not in cues.demonyms
            and prev not in cues.countries
            and word not in cues.role_phrases[2][1]
        ):
            return True
    if nxt is not None and nxt[:1].isupper():
        word = nxt.lower()
        if not (
            word in cues.function_words
            or word in _CALENDAR
            or nxt in cues.org_heads
            or nxt in cues.demonyms
            or cues.place_head_after.match(" " + nxt)
        ):
            return True
    return False


_CLAUSE_BREAK = re.compile(r"[,;:()\"“”—]")
_WORD_BEFORE = re.compile(r"[a-z]+(?:-[a-z]+)*|[\u0621-\u064a]+")
_SKIPPED_BEFORE = _DIRECTIONS | {"the"}


def _words_before(before: str) -> list[str]:
    """Lower-case words of the clause right before a name, without a trailing "the" or
    direction ("in the northern" -> ["in"])."""
    clause = _CLAUSE_BREAK.split(before)[-1].lower()
    words = _WORD_BEFORE.findall(clause)
    while words and words[-1] in _SKIPPED_BEFORE:
        words.pop()
    return words


def _role(text: str, candidate: _Candidate, previous: Toponym | None) -> tuple[str, str | None]:
    """(role, cue) from the words around the name (``previous``: the place named just
    before in the same sentence)."""
    cues = cue_lists()
    before = text[max(candidate.sentence.start, candidate.start - 80) : candidate.start]
    after = text[candidate.end : candidate.sentence.end]
    if _BASED_AFTER.match(after):
        return "reference", after[: _BASED_AFTER.match(after).end()]
    if candidate.kind == "demonym":
        return "reference", None
    if previous is not None:
        gap = text[previous.end : candidate.start]
        # "Foua and Kfraya": coordinated places share a role.
        if re.fullmatch(r"\s*(?:and|or|,\s*and|,\s*or)\s*", gap) and previous.kind == "name":
            return previous.role, previous.cue
        # "Kfraya in Idlib", "Dumayr, Rif Dimashq": the second place contains the first.
        if re.fullmatch(r"\s*(?:,|in|,\s*in|في|،)\s*(?:the\s+)?", gap, re.IGNORECASE):
            return "reference", gap.strip() or ","
    words = _words_before(before)
    for role, phrases in cues.role_phrases:
        for n in range(min(4, len(words)), 0, -1):
            phrase = " ".join(words[-n:])
            if phrase in phrases:
                if phrase == "known as" and previous is not None and previous.kind == "name":
                    return previous.role, phrase  # "Palmyra, also known as Tadmur"
                return role, phrase
    head = cues.place_head_after.match(after)
    if head:
        return "event", head.group().strip()
    passive = _PASSIVE_AFTER.match(after)
    if passive:
        return "event", passive.group("verb")
    return "reference", None


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(min(1.0, a)))


def _resolve(gazetteer: Gazetteer, candidate: _Candidate) -> Resolution:
    resolution = gazetteer.resolve(candidate.query)
    if candidate.kind in ("country", "demonym") and resolution.precision != "country":
        # A country the gazetteer does not cover must not snap to a look-alike village
        # ("Turkey" -> "Turaykiyah"): it stays a place, unresolved.
        return Resolution(
            query=candidate.query,
            status="unresolved",
            reason=f"{candidate.query!r} is a country the gazetteer does not cover",
            candidates=resolution.candidates,
        )
    return resolution


def find_toponyms(
    text: str | Document,
    gazetteer: Gazetteer,
) -> list[Toponym]:
    """Every place named in ``text``, in order, with its resolution and role.

    Parameters
    ----------
    text
        The text (or a :class:`~geo.extract.document.Document`; its boilerplate is skipped).
    gazetteer
        The :class:`geo.gazetteer.Gazetteer` that finds and resolves the names.

    Returns
    -------
    list of Toponym
        Spans index ``text``; overlapping names keep the longest.
    """
    doc = text if isinstance(text, Document) else make_document(text)
    index = _scan_index(gazetteer)
    raw = doc.text
    cues = cue_lists()
    end = len(raw)
    actors = [
        m.span()
        for position in word_starts(raw, cues.actor_names, 0, end, case_sensitive=True)
        if (m := cues.known_actors.match(raw, position, end))
    ]
    discovered = [
        m
        for position in word_starts(raw, cues.place_head_triggers, 0, end)
        if (m := _discovery_pattern().match(raw, position, end))
    ]
    # "Mezzeh military airport", "Dhiban town": a capitalised name before a place word.
    for a, b in near(raw, 0, end, _HEADS_AFTER, behind=60, ahead=25):
        discovered.extend(_DISCOVERY_AFTER.finditer(raw, a, b))
    discovered.sort(key=lambda m: m.start())
    # Scan the text once per pattern, then sentence by sentence.
    by_sentence: dict[int, dict[str, list[re.Match]]] = {}
    starts = [sentence.start for sentence in doc.sentences]
    for kind, found in (
        ("start", _START.finditer(raw)),
        ("nation", _nation_pattern().finditer(raw)),
        ("found", discovered),
    ):
        for match in found:
            i = bisect.bisect_right(starts, match.start()) - 1
            if i >= 0 and match.end() <= doc.sentences[i].end:
                by_sentence.setdefault(i, {}).setdefault(kind, []).append(match)
    candidates: list[tuple[_Candidate, bool]] = []
    for i, matches in sorted(by_sentence.items()):
        sentence = doc.sentences[i]
        title_case = _title_case(sentence)
        for candidate in _scan_sentence(raw, sentence, index, actors, matches):
            candidates.append((candidate, title_case))

    # People and organisations: a name glued to one is not a place anywhere in the text.
    name_parts = {c.key for c, title in candidates if _glued_to_name(c, title)}
    kept = [(c, t) for c, t in candidates if c.key not in name_parts]

    # Evidence that a single-word name is a place, then spread over the text by key.
    def evident(candidate: _Candidate) -> bool:
        if candidate.kind == "found":
            # A phrase after a place word: an ordinary word ("the capital City") is not one.
            return " " in candidate.query or not _common_word(candidate)
        if candidate.kind != "name" or candidate.words >= 2:
            return True
        if index.importance.get(candidate.key, 0.0) >= IMPORTANT and not _common_word(candidate):
            return True
        before = raw[max(candidate.sentence.start, candidate.start - 60) : candidate.start]
        after = raw[candidate.end : candidate.sentence.end]
        cues = cue_lists()
        words = _words_before(before)
        if words and words[-1] in _PREPOSITIONS:
            return True
        heads = cues.role_phrases[2][1]
        return any(" ".join(words[-n:]) in heads for n in (1, 2, 3)) or bool(
            cues.place_head_after.match(after) or _PASSIVE_AFTER.match(after)
        )

    lowercase_words: set[str] = set()

    def _common_word(candidate: _Candidate) -> bool:
        """An important name that is also an ordinary word needs a cue ("Revolution",
        "Tell"): short, or written in lower case elsewhere in the text."""
        surface = raw[candidate.start : candidate.end]
        if len(surface) < 4:
            return True
        if not lowercase_words:
            lowercase_words.update(re.findall(r"\b[a-z]+\b", raw) or ["-"])
        return surface.lower() in lowercase_words

    evidenced = {c.key for c, _ in kept if evident(c)}
    # Coordination with a place: "the villages of Foua and Kfraya".
    ordered = sorted(kept, key=lambda ct: ct[0].start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        gap = raw[a[0].end : b[0].start]
        if a[0].key in evidenced and re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", gap):
            evidenced.add(b[0].key)
    accepted = [c for c, _ in ordered if c.key in evidenced]

    # "Idlib province", "Dumayr town": the descriptor after the name tells the gazetteer
    # which feature is meant (the governorate, not the city).
    for candidate in accepted:
        if candidate.kind in ("name", "found"):
            head = _ADMIN_HEAD_AFTER.match(raw, candidate.end, candidate.sentence.end)
            if head:
                candidate.query = raw[candidate.start : candidate.end] + " " + head.group(1)
    resolutions = [_resolve(gazetteer, c) for c in accepted]
    # Ambiguous names: let another place named in the same sentence (then the text) choose,
    # through the gazetteer's own context ranking ("Kfraya, Foua"); towns before units.
    # One name keeps one sense through the text.
    settled: dict[str, Resolution] = {}
    for i, (candidate, resolution) in enumerate(zip(accepted, resolutions, strict=True)):
        if resolution.status != "ambiguous" or candidate.kind not in ("name", "found"):
            continue
        if candidate.key in settled:
            resolutions[i] = settled[candidate.key]
            continue
        others = sorted(
            (
                (
                    other.sentence is not candidate.sentence,
                    r.precision != "point",
                    abs(other.start - candidate.start),
                    j,
                )
                for j, (other, r) in enumerate(zip(accepted, resolutions, strict=True))
                if other is not candidate
                and r.status == "resolved"
                and other.kind == "name"
                and r.precision != "country"
            ),
        )
        for *_, j in others[:3]:
            anchor = resolutions[j]
            context = gazetteer.resolve(f"{candidate.query}, {accepted[j].query}")
            if (
                context.status == "resolved"
                and not context.reason
                and _km(context.latitude, context.longitude, anchor.latitude, anchor.longitude)
                <= CONTEXT_KM
            ):
                resolutions[i] = settled[candidate.key] = context
                break
    # A discovered phrase must be a place the gazetteer knows (resolved or ambiguous).
    keep = [
        (c, r)
        for c, r in zip(accepted, resolutions, strict=True)
        if c.kind != "found" or r.status != "unresolved"
    ]
    out: list[Toponym] = []
    for candidate, resolution in keep:
        previous = out[-1] if out and out[-1].sentence == candidate.sentence.index else None
        role, cue = _role(raw, candidate, previous)
        if role != "reference" and resolution.status == "resolved":
            geometry = resolution.geometry
            if (
                geometry is not None
                and geometry.geom_type != "Point"
                and resolution.precision == "region"
            ):
                role = "area"
        out.append(
            Toponym(
                phrase=raw[candidate.start : candidate.end],
                start=candidate.start,
                end=candidate.end,
                resolution=resolution,
                role=role,
                kind="name" if candidate.kind == "found" else candidate.kind,
                query=candidate.query,
                cue=cue,
                sentence=candidate.sentence.index,
            )
        )
    return out
