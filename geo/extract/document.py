"""Reading news text: plain text or saved HTML, boilerplate masking, sentences with spans.

Character offsets always refer to ``Document.text``: for a ``.txt`` file that is the file's
text unchanged (so spans can be checked against the file), for HTML the visible text that
:func:`html_to_text` extracts (one line per block element).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from geo.extract.cues import cue_lists
from geo.report import InputError

TEXT_SUFFIXES = (".txt", ".text", ".md")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class Sentence:
    """One sentence (or heading line) of a document, ``text == doc.text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    heading: bool = False


@dataclass
class Document:
    """A news text ready for extraction.

    ``published`` is the publication date the caller gave or the page declared
    (``YYYY-MM-DD``), ``boilerplate`` the (start, end) ranges of site furniture that
    extraction skips.
    """

    text: str
    source: str | None = None
    title: str | None = None
    published: str | None = None
    boilerplate: list[tuple[int, int]] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)


# Block-level elements end a line; these never hold article text.
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"}
    | {"section", "article", "blockquote", "pre", "figcaption", "dd", "dt", "dl", "hr", "main"}
    | {"title"}
)
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg"}
    | {"button", "select", "iframe", "template"}
)
_META_DATE_KEYS = frozenset(
    {
        "article:published_time",
        "og:published_time",
        "datepublished",
        "date",
        "pubdate",
        "publishdate",
        "dc.date",
        "dc.date.issued",
        "sailthru.date",
    }
)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.title: list[str] = []
        self.published: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "meta" and self.published is None:
            values = {k.lower(): (v or "") for k, v in attrs}
            key = values.get("property") or values.get("name") or values.get("itemprop", "")
            if key.lower() in _META_DATE_KEYS and values.get("content"):
                self.published = values["content"]
        elif tag == "time" and self.published is None:
            stamp = dict(attrs).get("datetime")
            if stamp:
                self.published = stamp
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "title":
            self.in_title = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str | None, str | None]:
    """Visible text of an HTML page, one line per block, with its title and declared date.

    Scripts, styles, navigation, headers, footers, asides and forms are dropped; runs of
    spaces collapse and blank lines are kept as paragraph breaks.
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    raw = "".join(parser.parts)
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in raw.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = html.unescape(" ".join("".join(parser.title).split())) or None
    published = parser.published[:10] if parser.published else None
    return text, title, published


_NOTICE_TRIGGERS = ("copyright", "\u00a9", "reserved", "terms of", "privacy", "cookie")


def _boilerplate_ranges(text: str) -> list[tuple[int, int]]:
    """Lines that are site furniture (share bars, "Continue Reading", copyright notices)."""
    cues = cue_lists()
    whole_line = cues.boilerplate_line
    anywhere = cues.boilerplate_anywhere
    ranges = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group().strip()
        if not line:
            continue
        lowered = line.lower()
        if (len(line) < 120 and whole_line.fullmatch(line)) or (
            any(t in lowered for t in _NOTICE_TRIGGERS) and anywhere.search(line)
        ):
            ranges.append((match.start(), match.end()))
    return ranges


# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital,
# digit or opening quote; the word before the stop must not be an abbreviation or initial.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u0600-\u06FF])")
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str, *, skip: list[tuple[int, int]] | None = None) -> list[Sentence]:
    """Sentences and heading lines of ``text`` with their character spans.

    Lines never join (a heading is its own sentence); ``skip`` ranges (boilerplate) yield
    no sentence.
    """
    abbreviations = cue_lists().abbreviations
    skip = skip or []
    out: list[Sentence] = []
    for line in _LINE.finditer(text):
        if any(s <= line.start() and line.end() <= e for s, e in skip):
            continue
        line_text = line.group()
        cuts = [0]
        for stop in _SENTENCE_END.finditer(line_text):
            word = re.search(r"(\S+)$", line_text[: stop.start() + 1])
            token = word.group(1) if word else ""
            if token.lower() in abbreviations or re.fullmatch(r"(?:[A-Z]\.)+", token):
                continue
            cuts.append(stop.end())
        cuts.append(len(line_text))
        pieces = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if line_text[a:b].strip()]
        heading = len(pieces) == 1 and not re.search(r"[.!?:\"”]\s*$", line_text)
        for a, b in pieces:
            while a < b and line_text[a].isspace():
                a += 1
            while b > a and line_text[b - 1].isspace():
                b -= 1
            start, end = line.start() + a, line.start() + b
            out.append(Sentence(len(out), start, end, text[start:end], heading))
    return out


def make_document(
    text: str,
    *,
    source: str | None = None,
    title: str | None = None,
    published: str | None = None,
) -> Document:
    """A :class:`Document` from text already in memory (boilerplate masked, sentences split)."""
    if not isinstance(text, str):
        raise InputError(f"{source or 'text'}: expected text (str), got {type(text).__name__}")
    boilerplate = _boilerplate_ranges(text)
    doc = Document(text, source=source, title=title, published=published, boilerplate=boilerplate)
    doc.sentences = split_sentences(text, skip=boilerplate)
    return doc


def read_document(path: str | os.PathLike) -> Document:
    """Read a plain-text (``.txt``) or saved HTML (``.html``/``.htm``) news text.

    Raises
    ------
    geo.report.InputError
        When the file is missing, not UTF-8 text, or of another type.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{str(file)!r}: no such file")
    suffix = file.suffix.lower()
    if suffix not in TEXT_SUFFIXES + HTML_SUFFIXES:
        allowed = ", ".join(TEXT_SUFFIXES + HTML_SUFFIXES)
        raise InputError(
            f"{str(file)!r}: cannot read {suffix or 'no suffix'!r} files; use {allowed}"
        )
    try:
        raw = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"{str(file)!r}: not UTF-8 text (byte {err.start})") from None
    if suffix in HTML_SUFFIXES or raw.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        text, title, published = html_to_text(raw)
        return make_document(text, source=str(file), title=title, published=published)
    return make_document(raw, source=str(file))
