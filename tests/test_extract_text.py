"""Reading news text, sentences, dates, times, fatalities and actors (real articles)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geo.extract import (
    find_actors,
    find_dates,
    find_event_cues,
    find_fatalities,
    find_times,
    make_document,
    parse_published,
    read_document,
)
from geo.report import InputError


@pytest.fixture(scope="module")
def dumayr(data_dir: Path):
    return read_document(data_dir / "articles" / "dumayr_raid_report.txt")


def test_txt_spans_are_offsets_into_the_file(dumayr, data_dir: Path) -> None:
    raw = (data_dir / "articles" / "dumayr_raid_report.txt").read_text(encoding="utf-8")
    assert dumayr.text == raw
    for sentence in dumayr.sentences:
        assert raw[sentence.start : sentence.end] == sentence.text


def test_boilerplate_lines_yield_no_sentence(dumayr) -> None:
    texts = [s.text for s in dumayr.sentences]
    joined = "\n".join(texts)
    for furniture in ("Connect with us", "Continue Reading", "Trending", "Copyright"):
        assert furniture not in joined
    assert "Details of the Raid" in texts  # a heading is kept, on its own
    raid = next(s for s in dumayr.sentences if s.text.startswith("The raid took place"))
    assert raid.text.endswith("around 03:00.")


def test_abbreviations_do_not_split_sentences(dumayr) -> None:
    witness = next(s for s in dumayr.sentences if s.text.startswith("Witnesses stated"))
    assert (
        "U.S. troops conducted the operation alongside the Syrian Free Army (SFA)" in witness.text
    )
    assert witness.text.endswith("Defense Ministry.")


def test_html_page_drops_navigation_and_reads_published_date(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Shelling in Idlib</title>"
        '<meta property="article:published_time" content="2024-03-05T08:00:00Z"></head>'
        "<body><nav><a>Home</a><a>World</a></nav><script>var x = 'Aleppo';</script>"
        "<article><h1>Shelling in Idlib</h1><p>Shelling hit Sarmin on Sunday, killing 3 "
        "civilians.</p><p>Continue Reading</p></article>"
        "<footer>Copyright &copy; 2024 Example News</footer></body></html>",
        encoding="utf-8",
    )
    doc = read_document(page)
    assert doc.title == "Shelling in Idlib"
    assert doc.published == "2024-03-05"
    assert [s.text for s in doc.sentences] == [
        "Shelling in Idlib",
        "Shelling hit Sarmin on Sunday, killing 3 civilians.",
    ]
    assert "Aleppo" not in doc.text and "Home" not in doc.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("a.pdf", "x", "cannot read '.pdf'"), ("b.txt", None, "no such file")],
)
def test_unreadable_files_raise_one_line_errors(tmp_path: Path, name, content, message) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_document(path)


def test_non_utf8_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Raid in Dumayr \xe9".encode("latin-1"))
    with pytest.raises(InputError, match="latin1.txt.*not UTF-8"):
        read_document(path)


def test_dumayr_date_and_time_as_the_report_gives_them(dumayr) -> None:
    dates = find_dates(dumayr.text)
    first = dates[0]
    assert dumayr.text[first.start : first.end] == "October 19, 2023"
    assert (first.date_start, first.date_end, first.precision) == (
        dt.date(2023, 10, 19),
        dt.date(2023, 10, 19),
        "day",
    )
    # The fall of Assad "in 2022" is a year, as the source says (no correction invented).
    year = next(d for d in dates if d.text == "2022")
    assert (year.date_start, year.date_end, year.precision) == (
        dt.date(2022, 1, 1),
        dt.date(2022, 12, 31),
        "year",
    )
    times = find_times(dumayr.text)
    assert [(t.value, dumayr.text[t.start : t.end]) for t in times] == [("03:00", "03:00")]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("on October 19, 2023", None, ("2023-10-19", "2023-10-19", "day")),
        ("on 19 Oct", "2023-11-02", ("2023-10-19", "2023-10-19", "day")),
        ("on 19 Oct", "2024-01-05", ("2023-10-19", "2023-10-19", "day")),
        ("on 2023-10-19", None, ("2023-10-19", "2023-10-19", "day")),
        ("in March 2018", None, ("2018-03-01", "2018-03-31", "month")),
        ("on Sunday", "2023-10-19", ("2023-10-15", "2023-10-15", "day")),  # a Thursday
        ("on Thursday", "2023-10-19", ("2023-10-19", "2023-10-19", "day")),
        ("yesterday", "2023-10-19", ("2023-10-18", "2023-10-18", "day")),
        ("last month", "2023-10-19", ("2023-09-01", "2023-09-30", "month")),
        ("last week", "2023-10-19", ("2023-10-09", "2023-10-15", "week")),
        ("so far this year", "2023-10-19", ("2023-01-01", "2023-10-19", "year")),
        ("three days ago", "2023-10-19", ("2023-10-16", "2023-10-16", "day")),
    ],
)
def test_date_expressions_become_intervals(text, published, expected) -> None:
    (mention,) = find_dates(text, published)
    got = (str(mention.date_start), str(mention.date_end), mention.precision)
    assert got == expected


def test_relative_dates_without_publication_date_are_kept_unplaced() -> None:
    (mention,) = find_dates("Turkey fired on Qamishli on Tuesday")
    assert mention.text == "on Tuesday" and mention.relative
    assert mention.date_start is None and mention.precision is None


def test_a_day_without_year_needs_a_reference() -> None:
    (mention,) = find_dates("clashes on 19 Oct")
    assert mention.date_start is None


def test_numbers_and_the_verb_may_are_not_dates() -> None:
    text = "IS maintains 2,500 members; attacks fell to 375 from 1,038. It may 2020 well."
    assert find_dates(text) == []


def test_published_accepts_datelines_and_rejects_garbage() -> None:
    assert parse_published("DEC. 14, 2016, 2:54 AM EST") == dt.date(2016, 12, 14)
    assert parse_published("2023-10-20T07:00:00Z") == dt.date(2023, 10, 20)
    with pytest.raises(InputError, match="cannot read a date from 'soon'"):
        parse_published("soon")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("around 03:00.", "03:00"),
        ("at 3 p.m. local time", "15:00"),
        ("at 10:30 pm", "22:30"),
        ("the attack came at dawn", "dawn"),
        ("DEC. 14, 2016, 2:54 AM EST", "02:54"),
    ],
)
def test_times_of_day(text, value) -> None:
    assert [t.value for t in find_times(text)] == [value]


def test_scores_and_counts_are_not_times() -> None:
    assert find_times("a 3-1 win, 24 civilians, 1,038 attacks in 2023") == []


def test_fatalities_in_real_sentences(dumayr, data_dir: Path) -> None:
    lead = dumayr.sentences[2]
    (death,) = find_fatalities(dumayr.text, lead.start, lead.end)
    assert death.value == 1 and death.text == "the death of Khaled al-Masoud"
    afrin = (
        data_dir
        / "articles"
        / "05_geowebnews_1_turkey_shells_syrian_city_as_it_pushes_into_kurdish_enclave.txt"
    ).read_text(encoding="utf-8")
    tolls = {m.text: m.value for m in find_fatalities(afrin)}
    assert tolls == {
        "no reported casualties": 0,
        "24 civilians, 24 Kurdish fighters, and 25 Turkish-backed Syrian militiamen have been killed": 73,
    }


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Shelling killed 3 and wounded 5.", 3),
        ("One killed in Idlib.", 1),
        ("killed more than 1600 civilians", 1600),
        ("The death toll rose to 40 on Monday.", 40),
        ("U.S. Raid Mistakenly Kills Undercover Agent", 1),
    ],
)
def test_fatality_phrases(text, count) -> None:
    assert [m.value for m in find_fatalities(text)] == [count]


def test_vague_or_non_fatal_numbers_give_no_toll() -> None:
    text = "Hundreds of rebels had been killed. He was killed in 2016. 52 incidents were tracked."
    assert find_fatalities(text) == []


def test_actors_and_event_cues_in_the_dumayr_report(dumayr) -> None:
    witness = next(s for s in dumayr.sentences if s.text.startswith("Witnesses stated"))
    actors = [a.text for a in find_actors(dumayr.text, witness.start, witness.end)]
    assert actors[:2] == ["U.S. troops", "Syrian Free Army (SFA)"]
    cues = find_event_cues(dumayr.text, dumayr.sentences[2].start, dumayr.sentences[2].end)
    assert [(c.text, c.value) for c in cues] == [("raid", "raid")]


def test_make_document_rejects_non_text() -> None:
    with pytest.raises(InputError, match="expected text"):
        make_document(b"bytes")  # type: ignore[arg-type]
