"""From news text to candidate events: places, dates, times, actors and fatalities, each
with the character span it came from.

Public API: :func:`extract_events`, :func:`extract_file`, :func:`find_toponyms` (with
:class:`Toponym`), and the building blocks :func:`read_document`, :func:`find_dates`,
:func:`find_times`.
"""

from geo.extract.dates import DateMention, TimeMention, find_dates, find_times, parse_published
from geo.extract.document import Document, Sentence, html_to_text, make_document, read_document
from geo.extract.events import EVIDENCE_COLUMNS, events_from_document, extract_events, extract_file
from geo.extract.fields import Mention, find_actors, find_event_cues, find_fatalities
from geo.extract.toponyms import ROLES, Toponym, find_toponyms

__all__ = [
    "EVIDENCE_COLUMNS",
    "ROLES",
    "DateMention",
    "Toponym",
    "events_from_document",
    "extract_events",
    "extract_file",
    "find_toponyms",
    "Document",
    "Mention",
    "Sentence",
    "TimeMention",
    "find_actors",
    "find_dates",
    "find_event_cues",
    "find_fatalities",
    "find_times",
    "html_to_text",
    "make_document",
    "parse_published",
    "read_document",
]
