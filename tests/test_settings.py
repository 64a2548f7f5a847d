"""The data directory: argument, environment, and a one-line error saying how to set it."""

from __future__ import annotations

import pytest

from geo.report import DataDirError, Problem, RunReport
from geo.settings import DATA_DIR_ENV, resolve_data_dir


def test_argument_wins_over_environment(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert resolve_data_dir(data_dir) == data_dir.resolve()


def test_environment_is_used_when_no_argument(data_dir, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    assert resolve_data_dir() == data_dir.resolve()


def test_missing_directory_says_how_to_set_it(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    with pytest.raises(DataDirError, match="--data-dir DIR or set GEO_DATA_DIR") as info:
        resolve_data_dir(tmp_path / "nowhere")
    assert "\n" not in str(info.value)


def test_directory_without_boundaries_is_refused(tmp_path):
    with pytest.raises(DataDirError, match="no 'boundaries/' folder"):
        resolve_data_dir(tmp_path)


def test_problem_names_file_row_and_field():
    problem = Problem("events.csv", 7, "event_date", "unparseable date", value="32-Foo-20")
    assert str(problem) == "events.csv:7: event_date ('32-Foo-20'): unparseable date"


def test_report_balance_and_summary():
    report = RunReport(read=5, mapped=3, unresolved=1, rejected=1)
    assert report.balanced
    assert report.summary_lines()[0] == "events read: 5, mapped: 3, unresolved: 1, rejected: 1"
    assert not RunReport(read=5, mapped=3).balanced
