"""Property tests: malformed rows never raise, and every data row is accounted for."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.io import read_events, rejected_rows

ACLED_HEADER = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "actor1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "notes",
]
UCDP_HEADER = ["id", "date_prec", "where_prec", "date_start", "date_end", "where_coordinates",
               "adm_1", "latitude", "longitude", "best"]  # fmt: skip
GENERIC_HEADER = ["Date", "Place", "Lat", "Lon", "Dead"]

dates = st.one_of(
    st.sampled_from(
        [
            "2023-10-19",
            "9-May-20",
            "05-Jan-22",
            "2016-01-01 00:00:00.000",
            "2023",
            "2023-10",
            "19/10/2023",
            "",
            "  ",
            "31-Feb-20",
            "2023-13-45",
            "tomorrow",
            "0000-00-00",
            "2022-01-01/2023-10-19",
        ]
    ),  # fmt: skip
    st.text(max_size=12),
)
numbers = st.one_of(
    st.sampled_from(
        ["33.64", "-0", "0", "4239.00416", "nan", "inf", "1e400", "", "36,69", "north"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-1000, 1000).map(str),
)
cells = st.one_of(st.text(max_size=30), dates, numbers)


def row_strategy(header: list[str], date_columns: set[str]) -> st.SearchStrategy[list[str]]:
    values = [dates if name in date_columns else cells for name in header]
    exact = st.tuples(*values).map(list)
    short = exact.flatmap(lambda row: st.integers(1, len(row)).map(lambda n: row[:n]))
    long = st.tuples(exact, st.lists(cells, min_size=1, max_size=3)).map(lambda p: p[0] + p[1])
    return st.one_of(exact, exact, short, long)


def layout_strategy():
    return st.sampled_from(
        [
            (ACLED_HEADER, {"event_date"}),
            (UCDP_HEADER, {"date_start", "date_end"}),
            (GENERIC_HEADER, {"Date"}),
        ]
    ).flatmap(
        lambda layout: st.tuples(
            st.just(layout[0]),
            st.lists(row_strategy(*layout), max_size=25),
            st.sampled_from([",", ";", "\t"]),
            st.sampled_from(["utf-8", "utf-8-sig", "cp1256"]),
        )
    )


def expected_records(data: bytes, encoding: str, delimiter: str) -> int:
    """Records as the csv module splits them (blank lines are not records)."""
    text = data.decode(encoding, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return sum(1 for record in reader if record and any(cell.strip() for cell in record)) - 1


@settings(
    max_examples=int(os.environ.get("GEO_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(layout=layout_strategy())
def test_malformed_rows_are_rejected_or_read_never_raised(layout):
    header, rows, delimiter, encoding = layout
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    data = buffer.getvalue().encode(encoding, errors="replace")
    suffix = ".tsv" if delimiter == "\t" else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"events{suffix}"
        path.write_bytes(data)
        columns = {"date": "Date", "location": "Place"} if header is GENERIC_HEADER else None
        events, problems = read_events(path, columns=columns)
    rejected = rejected_rows(events, problems)
    assert len(events) + len(rejected) == expected_records(data, encoding, delimiter)
    assert events["event_id"].is_unique
    assert events["date_start"].notna().all()
    assert (events["date_end"] >= events["date_start"]).all()
    located = events["latitude"].notna()
    assert events.loc[located, "latitude"].abs().le(90).all()
    assert events.loc[located, "longitude"].abs().le(180).all()
    assert (events.loc[located, "geo_method"] == "source").all()
    for problem in problems:
        assert problem.file == str(path) and problem.stage == "read"
        assert "\n" not in problem.reason
