"""Candidate events from a news text: where, when, who, how many, with the evidence.

Sentences that name the same kind of event ("raid", "airstrike", ...) or refer back to it
("the incident", "the operation") form one event; its fields come from those sentences:
the most precise place named as the event's location ("in Dumayr"), the date and time
stated (the location's sentence first), the actors, the largest death toll. Places that are
only references for it ("east of Damascus") and regions of activity ("the Badiya") get rows
of their own, marked by ``role``. Every field has a ``<field>_span`` ("start:end" in the
text) so a reviewer can check it, and ``notes`` holds the evidence sentence.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry

from geo.extract.cues import cue_lists
from geo.extract.dates import DateMention, TimeMention, find_dates, find_times, parse_published
from geo.extract.document import Document, make_document, read_document
from geo.extract.fields import Mention, find_actors, find_event_cues, find_fatalities
from geo.extract.toponyms import Toponym, find_toponyms
from geo.gazetteer import Gazetteer
from geo.schema import EVENT_COLUMNS, GEO_PRECISIONS, TO_ACLED, TO_UCDP, conform

# Evidence columns added after the schema's, in this order.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "role",
    "event_ref",
    "assoc_actor_1",
    "sentence_span",
    "location_span",
    "date_text",
    "date_span",
    "time_span",
    "event_type_span",
    "actor1_span",
    "assoc_actor_1_span",
    "fatalities_span",
    "location_note",
)
# Cues that put the event beside the place rather than in it.
_NEAR_CUES = ("near", "outside", "close to", "nearby", "around", "outskirts of")
# Between an actor and the event word: the actor reports it or suffers it, not does it.
_NOT_AGENT = re.compile(
    r";|\b(?:says?|said|told|reported|according|spokes(?:man|woman|person)|killed|wounded|"
    r"injured|dead|died|victims?|targeted|hit|by)\b",
    re.IGNORECASE,
)
_DATE_ORDER = {"day": 0, "span": 1, "week": 2, "month": 3, "year": 4}


@dataclass
class _Event:
    category: str
    sentences: list[int] = field(default_factory=list)
    cues: list[Mention] = field(default_factory=list)
    places: list[Toponym] = field(default_factory=list)

    def add(self, sentence: int, cue: Mention) -> None:
        self.cues.append(cue)
        if sentence not in self.sentences:
            self.sentences.append(sentence)


def _span(mention) -> str | None:
    return None if mention is None else f"{mention.start}:{mention.end}"


def _precision_rank(place: Toponym) -> tuple:
    resolution = place.resolution
    resolved = resolution is not None and resolution.status == "resolved"
    rank = GEO_PRECISIONS.index(resolution.precision) if resolved and resolution.precision else 9
    return (not resolved, rank, place.start)


def _same_place(a: Toponym, b: Toponym) -> bool:
    ra, rb = a.resolution, b.resolution
    if ra is None or rb is None or ra.status != "resolved" or rb.status != "resolved":
        return a.query.lower() == b.query.lower()
    return (ra.source, ra.source_id) == (rb.source, rb.source_id)


def _group_events(doc: Document, places: list[Toponym]) -> list[_Event]:
    """Sentences naming (or referring back to) the same kind of event, as events."""
    events: list[_Event] = []
    latest: dict[str, _Event] = {}
    last: _Event | None = None
    by_sentence: dict[int, list[Toponym]] = {}
    for place in places:
        by_sentence.setdefault(place.sentence, []).append(place)
    cues_by_sentence = _by_sentence(doc, find_event_cues(doc.text))
    for sentence in doc.sentences:
        cues = cues_by_sentence.get(sentence.index, [])
        here = [p for p in by_sentence.get(sentence.index, []) if p.role in ("event", "area")]
        touched: list[tuple[_Event, Mention]] = []
        for cue in cues:
            if cue.value is None:
                if last is not None:
                    touched.append((last, cue))
                continue
            event = latest.get(cue.value)
            located = [
                p
                for p in here
                if p.kind == "name" and p.role == "event" and _precision_rank(p)[1] <= 2
            ]
            if event is not None and located and event.places:
                # A second, different located place of the same kind: another event.
                known = [p for p in event.places if p.kind == "name"]
                if known and not any(_same_place(p, q) for p in located for q in known):
                    event = None
            if event is None:
                event = _Event(cue.value)
                events.append(event)
                latest[cue.value] = event
            touched.append((event, cue))
        for event, cue in touched:
            event.add(sentence.index, cue)
            last = event
        # Each event place of the sentence goes to the event named nearest before it
        # ("shelling the villages of Foua and Kfraya"), else the nearest after it.
        for place in here:
            if not touched:
                break
            before = [ec for ec in touched if ec[1].end <= place.start]
            pool = before or touched
            event, _ = min(pool, key=lambda ec: abs(ec[1].start - place.start))
            event.places.append(place)
    return events


def _own_sentences(event: _Event, location: Toponym, places: dict[int, list[Toponym]]) -> list[int]:
    """The event's sentences that name no other event place (those may be other events)."""
    return [
        i
        for i in event.sentences
        if not any(
            p.role == "event" and p.kind == "name" and not _same_place(p, location)
            for p in places.get(i, [])
        )
    ]


def _pick_date(
    event: _Event, location: Toponym, dates: dict[int, list[DateMention]], sentences: list[int]
) -> DateMention | None:
    placed = [d for i in sentences for d in dates.get(i, []) if d.precision]
    own = [d for d in dates.get(location.sentence, []) if d.precision]
    if own:
        return min(own, key=lambda d: (_DATE_ORDER[d.precision], d.start))
    if not placed:
        return None
    return min(placed, key=lambda d: (_DATE_ORDER[d.precision] > 0, d.start))


def _pick_time(
    location: Toponym, times: dict[int, list[TimeMention]], sentences: list[int]
) -> TimeMention | None:
    if times.get(location.sentence):
        return times[location.sentence][0]
    for i in sorted(sentences):
        if times.get(i):
            return times[i][0]
    return None


@lru_cache(maxsize=1)
def _country_subject() -> re.Pattern:
    names = "|".join(re.escape(n) for n in sorted(cue_lists().countries, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w.])({names})\s+(?:(?:has|have|had|was|were|reportedly|also|again)\s+)*\Z"
    )


def _pick_actors(
    doc: Document, event: _Event, actors: dict[int, list[Mention]]
) -> tuple[Mention | None, Mention | None]:
    """(actor1, associated actor): the actor right before an event word ("U.S. military
    raid", "U.S. troops conducted the operation"), and one joined by "alongside", "with"..."""
    assoc_cue = cue_lists().assoc_before
    actor1 = assoc = None
    for i in sorted(event.sentences):
        sentence = doc.sentences[i]
        found = actors.get(i, [])
        for actor in found:
            before = doc.text[max(sentence.start, actor.start - 40) : actor.start]
            if (
                assoc is None
                and actor1 is not None
                and actor.value != actor1.value
                and assoc_cue.search(before)
            ):
                assoc = actor
        if actor1 is None:
            cues = [c for c in event.cues if sentence.start <= c.start < sentence.end]
            leading = [
                a
                for a in found
                for c in cues
                if a.end <= c.start
                and len(doc.text[a.end : c.start]) <= 60
                and not _NOT_AGENT.search(doc.text[a.end : c.start])
                and not assoc_cue.search(doc.text[max(sentence.start, a.start - 40) : a.start])
            ]
            if leading:
                actor1 = max(leading, key=lambda a: a.end)
                for actor in found:
                    before = doc.text[max(sentence.start, actor.start - 40) : actor.start]
                    if assoc is None and actor.start > actor1.end and assoc_cue.search(before):
                        assoc = actor
    if actor1 is None:
        # "Turkey has shelled", "Russia bombed": a country as the subject of the event verb.
        for cue in event.cues:
            sentence = next(s for s in doc.sentences if s.start <= cue.start < s.end)
            subject = _country_subject().search(doc.text, sentence.start, cue.start)
            if subject:
                actor1 = Mention(subject.start(1), subject.end(1), subject[1], subject[1])
                break
    return actor1, assoc


def _place_columns(place: Toponym | None) -> dict:
    if place is None:
        return {
            "location": None,
            "geometry": None,
            "location_note": "no place named for this event",
        }
    resolution = place.resolution
    columns = {"location": place.phrase, "location_span": _span(place)}
    if resolution is None or resolution.status != "resolved":
        columns["geometry"] = None
        detail = resolution.reason if resolution is not None else "not looked up"
        columns["location_note"] = (
            f"{place.query!r} {resolution.status if resolution else 'unresolved'}: {detail}"
        )
        columns["geo_candidates"] = resolution.n_candidates if resolution else None
        return columns
    precision = resolution.precision
    if precision == "point" and place.cue and place.cue.lower().endswith(_NEAR_CUES):
        precision = "near"
    columns.update(
        country=_iso3(resolution),
        latitude=resolution.latitude,
        longitude=resolution.longitude,
        geometry=resolution.geometry,
        geo_precision=precision,
        geo_precision_acled=TO_ACLED.get(precision),
        geo_precision_ucdp=TO_UCDP.get(precision),
        geo_method=resolution.method,
        geo_match=resolution.matched_name,
        geo_source=f"{resolution.source}:{resolution.source_id}",
        geo_score=resolution.score,
        geo_candidates=resolution.n_candidates,
    )
    return columns


def _iso3(resolution) -> str | None:
    """ISO3 of a resolved place: from a country's name, else from its P-code (OCHA P-codes
    start with the ISO alpha-2 code)."""
    if resolution.precision == "country" and resolution.matched_name:
        return _iso3_of(name=resolution.matched_name)
    codes = [resolution.adm_pcodes[0]] + [c.adm1_pcode for c in resolution.candidates[:1]]
    code = next((c for c in codes if c), "")
    return _iso3_of(alpha_2=code[:2]) if len(code) >= 2 else None


@lru_cache(maxsize=512)
def _iso3_of(*, name: str | None = None, alpha_2: str | None = None) -> str | None:
    try:
        if name is not None:
            return pycountry.countries.lookup(name).alpha_3
        found = pycountry.countries.get(alpha_2=alpha_2)
        return found.alpha_3 if found else None
    except LookupError:
        return None


def _date_columns(mention: DateMention | None) -> dict:
    if mention is None:
        return {}
    return {
        "date_start": pd.Timestamp(mention.date_start),
        "date_end": pd.Timestamp(mention.date_end),
        "date_precision": mention.precision,
        "date_text": mention.text,
        "date_span": _span(mention),
    }


def _by_sentence(doc: Document, mentions: list) -> dict[int, list]:
    """Mentions bucketed by the sentence that contains them."""
    starts = np.array([s.start for s in doc.sentences])
    out: dict[int, list] = {}
    for mention in mentions:
        i = int(np.searchsorted(starts, mention.start, side="right")) - 1
        if i >= 0 and mention.end <= doc.sentences[i].end:
            out.setdefault(i, []).append(mention)
    return out


def _in_heading(doc: Document, mention) -> bool:
    return any(s.heading and s.start <= mention.start < s.end for s in doc.sentences)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "text"


def events_from_document(
    doc: Document,
    *,
    gazetteer: Gazetteer,
    published: dt.date | str | None = None,
    source: str | None = None,
) -> gpd.GeoDataFrame:
    """Candidate events of a read :class:`Document` (see :func:`extract_events`)."""
    return _frame(_event_records(doc, gazetteer=gazetteer, published=published, source=source))


def _event_records(
    doc: Document,
    *,
    gazetteer: Gazetteer,
    published: dt.date | str | None = None,
    source: str | None = None,
) -> list[dict]:
    """The candidate events of one document as row dicts (built into a frame by _frame)."""
    published_date = parse_published(published if published is not None else doc.published)
    years = [int(m) for m in re.findall(r"\b((?:19|20)\d\d)\b", doc.text)]
    reference = published_date or (dt.date(max(years), 12, 31) if years else None)
    places = find_toponyms(doc, gazetteer)
    places_by_sentence: dict[int, list[Toponym]] = {}
    for place in places:
        places_by_sentence.setdefault(place.sentence, []).append(place)
    dates = _by_sentence(doc, find_dates(doc.text, published_date, reference=reference))
    times = _by_sentence(doc, find_times(doc.text))
    fatalities = _by_sentence(doc, find_fatalities(doc.text))
    actors = _by_sentence(doc, find_actors(doc.text))
    stem = _slug(Path(doc.source).stem) if doc.source else "text"
    provenance = source or doc.title or (Path(doc.source).name if doc.source else None)
    common = {
        "dataset": "text",
        "source": provenance,
        "source_url": source if source and re.match(r"https?://", source) else None,
        "source_file": doc.source,
    }
    rows: list[dict] = []
    emitted_areas: list[Toponym] = []
    for event in _group_events(doc, places):
        candidates = [p for p in event.places if p.role == "event"]
        if not candidates:
            candidates = [
                p
                for p in event.places
                if p.role == "area" and p.is_area and p.resolution.precision != "country"
            ]
        if not candidates:
            continue  # an event word with no place in its sentences: nothing to map
        location = min(candidates, key=_precision_rank)
        sentence = doc.sentences[location.sentence]
        own = _own_sentences(event, location, places_by_sentence)
        date = _pick_date(event, location, dates, own)
        time = _pick_time(location, times, own)
        actor1, assoc = _pick_actors(doc, event, actors)
        tolls = [f for i in own for f in fatalities.get(i, [])]
        # The largest toll; among equal ones, body text over a headline.
        toll = (
            max(tolls, key=lambda f: (f.value, not _in_heading(doc, f), -f.start))
            if tolls
            else None
        )
        cue = next((c for c in event.cues if c.value), event.cues[0])
        # "shelling the villages of Foua and Kfraya": one event per place named alike.
        rank = _precision_rank(location)[:2]
        locations = [location] + [
            p
            for p in candidates
            if p.sentence == location.sentence
            and p is not location
            and p.role == location.role
            and _precision_rank(p)[:2] == rank
            and not _same_place(p, location)
        ]
        shared = {
            **common,
            "role": "event",
            "event_type": event.category,
            "event_type_span": _span(cue),
            "time": time.value if time else None,
            "time_span": _span(time),
            "actor1": actor1.value if actor1 else None,
            "actor1_span": _span(actor1),
            "assoc_actor_1": assoc.value if assoc else None,
            "assoc_actor_1_span": _span(assoc),
            "fatalities": toll.value if toll else None,
            "fatalities_span": _span(toll),
            "notes": sentence.text,
            "sentence_span": _span(sentence),
            **_date_columns(date),
        }
        first_id = f"{stem}-{len(rows) + 1}"
        for place in locations:
            rows.append({**shared, "event_id": f"{stem}-{len(rows) + 1}", **_place_columns(place)})
        # Places the event's sentence names only as references ("east of Damascus").
        seen = list(locations)
        for place in places_by_sentence.get(location.sentence, []):
            if place.role != "reference" or place.kind != "name":
                continue
            if any(_same_place(place, other) for other in seen):
                continue
            seen.append(place)
            rows.append(
                {
                    **common,
                    "event_id": f"{stem}-{len(rows) + 1}",
                    "role": "reference",
                    "event_ref": first_id,
                    "notes": sentence.text,
                    "sentence_span": _span(sentence),
                    **_date_columns(date),
                    **_place_columns(place),
                }
            )
        if location.role == "area":
            emitted_areas.append(location)
    # Regions of activity ("operating in ... the Badiya").
    for place in places:
        if place.role != "area" or not place.is_area or place.kind != "name":
            continue
        if any(_same_place(place, other) for other in emitted_areas):
            continue
        emitted_areas.append(place)
        sentence = doc.sentences[place.sentence]
        own_dates = dates.get(place.sentence, [])
        rows.append(
            {
                **common,
                "event_id": f"{stem}-{len(rows) + 1}",
                "role": "area",
                "notes": sentence.text,
                "sentence_span": _span(sentence),
                **_date_columns(own_dates[0] if own_dates and own_dates[0].precision else None),
                **_place_columns(place),
            }
        )
    return rows


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    for name, dtype in EVENT_COLUMNS.items():
        if name not in frame.columns:
            frame[name] = np.nan if dtype == "float64" else pd.NA
    for name in EVIDENCE_COLUMNS:
        if name not in frame.columns:
            frame[name] = pd.NA
    geometry = frame.pop("geometry") if "geometry" in frame.columns else [None] * len(frame)
    frame = frame.astype({c: "float64" for c in ("latitude", "longitude", "geo_score")})
    frame = conform(frame)
    extra = [c for c in frame.columns if c not in EVENT_COLUMNS]
    frame = frame[list(EVENT_COLUMNS) + [c for c in EVIDENCE_COLUMNS if c in extra]]
    for name in EVIDENCE_COLUMNS:
        frame[name] = frame[name].astype("string")
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs="EPSG:4326")


def extract_events(
    text: str,
    *,
    published: dt.date | str | None = None,
    source: str | None = None,
    gazetteer: Gazetteer | None = None,
    data_dir: str | os.PathLike | None = None,
) -> gpd.GeoDataFrame:
    """Candidate events in a news text, in the event schema, with their evidence.

    Parameters
    ----------
    text
        The report's text (boilerplate lines such as "Continue Reading" are skipped).
    published
        Publication date (date or string); relative dates ("on Sunday", "last month")
        resolve against it, and it supplies the year of a day written without one.
    source
        Provenance written to ``source`` (a URL also goes to ``source_url``).
    gazetteer
        A loaded :class:`geo.gazetteer.Gazetteer` to reuse across calls; else one is
        loaded from ``data_dir``.
    data_dir
        Data directory for the gazetteer (see :func:`geo.settings.resolve_data_dir`).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate: ``role`` "event" (the event at its location), "reference"
        (a place the event's sentence names as a reference, ``event_ref`` = its event) or
        "area" (a region of activity, drawn as its polygon). Schema columns (conformed),
        then the evidence columns :data:`EVIDENCE_COLUMNS`: spans are "start:end" offsets
        into ``text``; ``notes`` is the evidence sentence; ``location_note`` says why a place
        has no geometry. EPSG:4326.
    """
    doc = make_document(text, source=None)
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.from_data_dir(data_dir)
    return events_from_document(doc, gazetteer=gazetteer, published=published, source=source)


def extract_file(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    published: dt.date | str | None = None,
    source: str | None = None,
    gazetteer: Gazetteer | None = None,
    data_dir: str | os.PathLike | None = None,
) -> gpd.GeoDataFrame:
    """Candidate events of ``.txt`` or saved ``.html`` news files, in one frame.

    See :func:`extract_events` for the columns. ``source_file`` names each row's file.
    For HTML, spans index the page's visible text (:func:`geo.extract.html_to_text`) and
    the page's declared publication date is used when ``published`` is not given.

    Raises
    ------
    geo.report.InputError
        A file is missing, not UTF-8, or of another type.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    documents = [read_document(path) for path in paths]
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.from_data_dir(data_dir)
    records: list[dict] = []
    for doc in documents:
        records.extend(_event_records(doc, gazetteer=gazetteer, published=published, source=source))
    return _frame(records)
