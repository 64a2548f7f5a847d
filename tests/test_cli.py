"""The command line end to end, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pyogrio
import pytest

from geo.cli import main
from geo.credits import GAZETTEER_CREDITS
from geo.io import metadata_path
from tests.conftest import REPO


def geo(*args, check=False):
    return subprocess.run(
        [sys.executable, "-m", "geo", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=check,
    )


def geo_here(capsys, *args) -> tuple[int, str, str]:
    """The CLI in this process: quicker where no exit status of a process or pipe matters."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_demo_events_to_geojson_read_back_by_gdal(demo_events, data_dir, tmp_path):
    out = tmp_path / "dumayr.geojson"
    done = geo("export", demo_events, "--data-dir", data_dir, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "events read: 3, mapped: 3, unresolved: 0, rejected: 0" in done.stdout
    assert f"written: {out}" in done.stdout

    frame = pyogrio.read_dataframe(out)
    assert len(frame) == 3
    assert frame.crs.to_epsg() == 4326
    raid = frame.set_index("event_id").loc["dumayr-raid-1"]
    assert raid["adm3_pcode"] == "SY030203"
    # RFC 7946: lon/lat order, no "crs" member
    doc = json.loads(out.read_text())
    assert "crs" not in doc
    point = next(f for f in doc["features"] if f["properties"]["event_id"] == "dumayr-raid-1")
    lon, lat = point["geometry"]["coordinates"]
    assert 36 < lon < 37 and 33 < lat < 34
    # the boundaries and the gazetteer source that placed Dumayr and Damascus are credited
    credits = json.loads(metadata_path(out).read_text())["attribution"]
    assert GAZETTEER_CREDITS["geonames"] in credits
    assert any(c.startswith("Boundaries: ") for c in credits)


def test_map_command_writes_html(demo_events, data_dir, tmp_path):
    out = tmp_path / "dumayr.html"
    done = geo("map", demo_events, "--data-dir", data_dir, "--offline", "-o", out)
    assert done.returncode == 0, done.stderr
    assert "map written:" in done.stdout
    html = out.read_text()
    assert "leaflet" in html.lower()
    # offline: no script or stylesheet fetched from elsewhere
    assert '<script src="http' not in html
    assert 'rel="stylesheet" href="http' not in html


def test_bad_rows_are_listed_and_counts_add_up(data_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "event_id,date_start,location,event_type\n"
        "a,2023-10-19,Dumayr,Attack\n"
        "b,not a date,Damascus,Attack\n"
        "c,2023-10-20,Xyzzyqwert,Attack\n"
    )
    done = geo("export", bad, "--data-dir", data_dir, "-o", tmp_path / "out.geojson")
    assert done.returncode == 0, done.stderr
    assert "events read: 3, mapped: 1, unresolved: 1, rejected: 1" in done.stdout
    assert f"{bad}:2: date_start" in done.stdout
    assert f"{bad}:3: location" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_nothing_mappable_exits_non_zero(data_dir, tmp_path):
    bad = tmp_path / "nowhere.csv"
    bad.write_text("event_id,date_start,location\na,2023-10-19,Xyzzyqwert\n")
    done = geo("export", bad, "--data-dir", data_dir, "-o", tmp_path / "out.geojson")
    assert done.returncode == 1
    assert "mapped: 0" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--data-dir", "/nonexistent/dir"), "set GEO_DATA_DIR"),
        ((), "no such file"),
    ],
)
def test_user_errors_are_one_line_without_traceback(demo_events, tmp_path, args, message):
    missing = tmp_path / "missing.csv" if not args else demo_events
    done = geo("export", missing, *args, "-o", tmp_path / "o.geojson")
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.startswith("geo: error: ")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--boundaries", REPO / "data/events/dumayr_raid.csv"), "holds no geometries, not admin"),
        (("--max-distance-km", "-5"), "argument --max-distance-km: '-5' is not a distance >= 0"),
    ],
)
def test_bad_join_options_are_one_line_errors(demo_events, data_dir, tmp_path, option, message):
    done = geo("export", demo_events, "--data-dir", data_dir, *option, "-o", tmp_path / "o.csv")
    assert done.returncode == 2
    assert message in done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr


def test_a_bad_map_date_fails_before_the_run(capsys, demo_events, tmp_path):
    # no data directory needed: the option is refused while the arguments are parsed
    with pytest.raises(SystemExit) as done:
        main(["map", str(demo_events), "--from", "2023-13-01", "-o", str(tmp_path / "m.html")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert (
        err.splitlines()[-1]
        == "geo map: error: argument --from: '2023-13-01' is not a date (YYYY-MM-DD)"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["export", "geocode"])
@pytest.mark.parametrize(
    ("name", "message"), [("o.shp", "unknown output format"), ("folder.csv", "is a folder")]
)
def test_a_wrong_output_name_fails_before_the_run(
    capsys, command, name, message, demo_events, tmp_path
):
    # the data directory is checked only when the run starts: the output name comes first
    (tmp_path / "folder.csv").mkdir()
    code, _, err = geo_here(
        capsys, command, demo_events, "--data-dir", tmp_path / "none", "-o", tmp_path / name
    )
    assert code == 2
    assert err.startswith(f"geo: error: {tmp_path / name}: {message}")


def test_geocode_says_where_each_location_came_from(
    capsys, demo_events, events_dir, data_dir, tmp_path
):
    ucdp = events_dir / "ucdp_ged231_sample_mixed.csv"
    code, out, _ = geo_here(
        capsys, "geocode", demo_events, ucdp, "--data-dir", data_dir, "-o", tmp_path / "x.csv"
    )
    assert code == 0
    lines = out.splitlines()
    # UCDP's 100 rows keep their coordinates; the seed's three are placed from their names.
    assert "located: 103 (100 by the source's own coordinates, 3 from the place name)" in lines
    assert "by name, method: exact 2, area 1" in lines
    precision = next(line for line in lines if line.startswith("precision: "))
    assert precision.startswith("precision: point ") and "region 3" in precision


def test_geocode_output_credits_the_boundaries_too(capsys, demo_events, data_dir, tmp_path):
    out = tmp_path / "located.csv"
    assert geo_here(capsys, "geocode", demo_events, "--data-dir", data_dir, "-o", out)[0] == 0
    credits = json.loads(metadata_path(out).read_text())["attribution"]
    assert any(c.startswith("Boundaries: ") for c in credits)
    assert GAZETTEER_CREDITS["geonames"] in credits


def test_a_closed_output_pipe_still_writes_the_file(events_dir, data_dir, tmp_path):
    # as in `geo export ... | head -1`, but the reader is gone before the first line
    out = tmp_path / "acled.csv"
    command = [sys.executable, "-m", "geo", "export", events_dir / "acled_2020_export_sample.csv"]
    child = subprocess.Popen(
        [*map(str, command), "--data-dir", str(data_dir), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    child.stdout.close()
    assert child.stderr.read() == ""  # no BrokenPipeError
    assert child.wait() == 0
    assert len(pyogrio.read_dataframe(out)) == 150


@pytest.mark.parametrize(("command", "name"), [("map", "out.html"), ("export", "out.geojson")])
def test_a_folder_as_output_is_a_one_line_error(
    capsys, command, name, demo_events, data_dir, tmp_path
):
    folder = tmp_path / name
    folder.mkdir()
    code, _, err = geo_here(capsys, command, demo_events, "--data-dir", data_dir, "-o", folder)
    assert code == 2
    assert err == f"geo: error: {folder}: is a folder; give the name of a file to write\n"
    assert list(tmp_path.iterdir()) == [folder]  # no temporary file left behind


def test_export_geopackage_with_aggregates_has_every_layer(demo_events, data_dir, tmp_path):
    out = tmp_path / "dumayr.gpkg"
    done = geo(
        "export",
        demo_events,
        "--data-dir",
        data_dir,
        "--aggregate",
        "month",
        "--level",
        "3",
        "-o",
        out,
    )
    assert done.returncode == 0, done.stderr
    layers = dict(pyogrio.list_layers(out))
    assert {"events", "area_events", "aggregates"} <= set(layers)
    aggregates = pyogrio.read_dataframe(out, layer="aggregates")
    dhameer = aggregates[aggregates["adm3_pcode"] == "SY030203"]
    assert dhameer["events"].sum() == 1 and dhameer["fatalities"].sum() == 1


def test_map_options_set_the_initial_view(demo_events, data_dir, tmp_path):
    out = tmp_path / "view.html"
    done = geo(
        "map",
        demo_events,
        "--data-dir",
        data_dir,
        "--offline",
        "--type",
        "Violence against civilians",
        "--from",
        "2023-01-01",
        "--metric",
        "fatalities",
        "-o",
        out,
    )
    assert done.returncode == 0, done.stderr
    initial = json.loads(out.read_text().split('"initial": ', 1)[1].split("}", 1)[0] + "}")
    assert initial == {
        "from": "2023-01-01",
        "metric": "fatalities",
        "types": ["Violence against civilians"],
    }


def test_extract_then_map_a_news_report(data_dir, tmp_path):
    report = data_dir / "articles" / "dumayr_raid_report.txt"
    candidates = tmp_path / "candidates.geojson"
    done = geo("extract", report, "--data-dir", data_dir, "--source", "report", "-o", candidates)
    assert done.returncode == 0, done.stderr
    frame = pyogrio.read_dataframe(candidates)
    raid = frame[frame["role"] == "event"].iloc[0]
    assert raid["location"] == "Dumayr"
    assert str(raid["time"]).startswith("03:00")  # GDAL reads it as a time of day
    assert {"Damascus", "Badiya"} <= {loc.removeprefix("the ") for loc in frame["location"]}

    html = tmp_path / "candidates.html"
    done = geo("map", candidates, "--data-dir", data_dir, "--offline", "-o", html)
    assert done.returncode == 0, done.stderr
    # undated candidates are listed with the reason, never dropped silently
    read, mapped, unresolved, rejected = (
        int(part.split(": ")[1]) for part in done.stdout.splitlines()[0].split(", ")
    )
    assert read == len(frame) == mapped + unresolved + rejected
    assert mapped >= 2
