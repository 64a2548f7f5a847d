"""Command line: a thin layer over the Python API (geo.pipeline, geo.io, geo.maps, ...).

Every command prints what it did. User errors (``geo.report.GeoError``) end in one line on
stderr and exit code 2; a run that could map nothing exits 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from geo.io import output_format, parse_column_mapping
from geo.report import GeoError, RunReport


def _say(text: object) -> None:
    """Print a line; a closed pipe (e.g. ``geo export ... | head``) silences the rest of
    the output but does not stop the work."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _distance_km(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a distance >= 0 (km)")
    return value


def _day(text: str) -> str:
    """A YYYY-MM-DD date, checked when the arguments are parsed rather than after the run."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="event files (ACLED, UCDP, Airwars, CSV, XLSX, GeoJSON, ...)",
    )
    parser.add_argument("-o", "--output", required=True, help="file to write")
    parser.add_argument(
        "--data-dir", help="boundaries and gazetteer directory (default: $GEO_DATA_DIR)"
    )
    parser.add_argument(
        "--format",
        help="force the input format instead of detecting it (acled, ucdp, airwars, geo, generic)",
    )
    parser.add_argument(
        "--columns",
        help="column mapping for generic tables: date=Date,location=Place,... or a mapping file",
    )
    parser.add_argument(
        "--country", help="ISO3 code: the country's layers in a multi-country data directory"
    )
    parser.add_argument(
        "--boundaries",
        nargs="+",
        metavar="FILE",
        help="admin boundary files to join to (COD-AB, geoBoundaries, Natural Earth, ...)",
    )
    parser.add_argument(
        "--max-distance-km",
        type=_distance_km,
        help="points this close outside every unit take the nearest one (default 5)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="allow the online geocoder (Nominatim) for names the gazetteer cannot place",
    )


def _run_pipeline(args: argparse.Namespace):
    from geo.pipeline import run

    result = run(
        args.inputs,
        data_dir=args.data_dir,
        format=args.format,
        columns=parse_column_mapping(args.columns) if args.columns else None,
        online=args.online,
        country=args.country,
        boundaries=args.boundaries,
        max_distance_m=None if args.max_distance_km is None else args.max_distance_km * 1000,
    )
    _print_report(result.report)
    return result


def _print_report(report: RunReport) -> None:
    for line in report.summary_lines():
        _say(line)


def _exit_code(report: RunReport) -> int:
    return 0 if report.mapped else 1


def cmd_map(args: argparse.Namespace) -> int:
    from geo.maps import render_map, save_map

    result = _run_pipeline(args)
    time_range = (args.start, args.end) if args.start or args.end else None
    filters = {}
    if args.types:
        filters["event_type"] = args.types
    if args.actor:
        filters["actor"] = args.actor
    fmap = render_map(
        result.events,
        layers=result.layers,
        title=args.title,
        offline=args.offline,
        time_range=time_range,
        filters=filters or None,
        tiles=args.tiles,
        attribution=args.attribution,
        renderer=args.renderer,
        metric=args.metric,
        choropleth_level=args.choropleth_level,
    )
    path = save_map(fmap, args.output)
    _say(
        f"map written: {path} ({path.stat().st_size / 1e6:.1f} MB{', offline' if args.offline else ''})"
    )
    return _exit_code(result.report)


def _write_result(result, args: argparse.Namespace, *, aggregates=None) -> Path:
    from geo.io import write_events

    return write_events(
        result.events,
        args.output,
        unresolved=result.unresolved,
        aggregates=aggregates,
        metadata={"inputs": [str(p) for p in args.inputs], "attribution": result.attribution},
    )


def cmd_export(args: argparse.Namespace) -> int:
    output_format(args.output)  # a wrong name fails before the run, not after it
    result = _run_pipeline(args)
    aggregates = None
    if args.aggregate:
        from geo.aggregate import aggregate

        aggregates = aggregate(result.events, level=args.level, freq=args.aggregate)
    path = _write_result(result, args, aggregates=aggregates)
    _say(f"written: {path} ({len(result.events)} events)")
    return _exit_code(result.report)


def cmd_geocode(args: argparse.Namespace) -> int:
    output_format(args.output)
    result = _run_pipeline(args)
    for line in _geocode_summary(result.events):
        _say(line)
    unplaced = result.unresolved[result.unresolved["status"] == "unresolved"]
    if len(unplaced):
        names = Counter(unplaced["location"].fillna("(empty)"))
        _say("unresolved names: " + ", ".join(f"{k!r} x{v}" for k, v in names.most_common(20)))
    path = _write_result(result, args)
    _say(f"written: {path}")
    return _exit_code(result.report)


def _geocode_summary(events) -> list[str]:
    """Where the locations came from (the source's coordinates or the place name, and by
    which method) and at what precision, for an analyst to audit a run."""
    method = events["geo_method"].fillna("")
    kept = int((method == "source").sum())
    by_name = Counter(method[method != "source"].replace("", "unknown"))
    lines = [
        f"located: {len(events)} ({kept} by the source's own coordinates, "
        f"{len(events) - kept} from the place name)"
    ]
    if by_name:
        lines.append("by name, method: " + ", ".join(f"{k} {v}" for k, v in by_name.most_common()))
    precisions = Counter(events["geo_precision"].fillna("not given by the source"))
    if precisions:
        lines.append("precision: " + ", ".join(f"{k} {v}" for k, v in precisions.most_common()))
    return lines


def cmd_extract(args: argparse.Namespace) -> int:
    from geo.extract import extract_file
    from geo.io import write_events

    output_format(args.output)
    events = extract_file(
        args.inputs, published=args.published, source=args.source, data_dir=args.data_dir
    )
    _say(f"texts read: {len(args.inputs)}, candidate events: {len(events)}")
    path = write_events(events, args.output)
    _say(f"written: {path}")
    return 0 if len(events) else 1


def cmd_data(args: argparse.Namespace) -> int:
    from geo import data

    if args.data_command == "fetch":
        report = data.fetch(args.iso3, dest=args.dest, mirror=args.mirror)
        _say(report)
    else:
        _say(data.status(dest=args.dest))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geo", description="Map security and conflict events.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("map", help="render events as a layered, time-filtered HTML map")
    _add_input_options(p)
    p.add_argument("--title", help="map title")
    p.add_argument(
        "--offline",
        action="store_true",
        help="inline every asset: a self-contained file with no external request",
    )
    p.add_argument(
        "--from",
        dest="start",
        type=_day,
        help="initial start date of the time control (YYYY-MM-DD)",
    )
    p.add_argument(
        "--to", dest="end", type=_day, help="initial end date of the time control (YYYY-MM-DD)"
    )
    p.add_argument(
        "--type",
        dest="types",
        action="append",
        metavar="EVENT_TYPE",
        help="initially show only this event type (repeatable)",
    )
    p.add_argument("--actor", help="initially show only events whose actors contain this text")
    p.add_argument(
        "--renderer",
        default="auto",
        choices=("auto", "markers", "clusters", "dots"),
        help="how points are drawn (default: by size)",
    )
    p.add_argument(
        "--choropleth-level",
        type=int,
        choices=(1, 2, 3),
        help="admin level of the choropleth shown at first",
    )
    p.add_argument(
        "--metric",
        default="events",
        choices=("events", "fatalities"),
        help="what the choropleth counts",
    )
    p.add_argument(
        "--tiles",
        help="a tile basemap under the admin outlines (needs network when viewed): a provider "
        "name such as OpenStreetMap, or a URL template with {z}/{x}/{y} and --attribution",
    )
    p.add_argument(
        "--attribution",
        help="an extra credit line on the map (required with a --tiles URL: the tiles' credit)",
    )
    p.set_defaults(func=cmd_map)

    p = sub.add_parser(
        "export", help="write located, admin-coded events (GeoJSON, GPKG, GeoParquet, CSV)"
    )
    _add_input_options(p)
    p.add_argument(
        "--aggregate",
        choices=("day", "week", "month", "year"),
        help="also write counts and fatalities per admin unit and time bin (a GPKG layer, else a CSV beside the file)",
    )
    p.add_argument(
        "--level",
        type=int,
        default=1,
        choices=(1, 2, 3),
        help="admin level of --aggregate (default 1)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "geocode", help="geocode events and summarise precision and unresolved names"
    )
    _add_input_options(p)
    p.set_defaults(func=cmd_geocode)

    p = sub.add_parser("extract", help="find candidate events (place, date, actors) in news text")
    p.add_argument("inputs", nargs="+", metavar="TEXT", help=".txt or saved .html files")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--published", help="publication date (YYYY-MM-DD) for relative dates")
    p.add_argument("--source", help="provenance text or URL recorded on every candidate")
    p.add_argument("--data-dir")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("data", help="manage boundary and gazetteer files")
    data_sub = p.add_subparsers(dest="data_command", required=True)
    f = data_sub.add_parser(
        "fetch", help="download official boundaries and gazetteers for a country"
    )
    f.add_argument("iso3", help="country ISO3 code, e.g. SYR")
    f.add_argument("--mirror", help="local directory or URL to take the files from instead")
    f.add_argument("--dest", help="directory to install into (default: the user cache)")
    s = data_sub.add_parser("status", help="list what is installed and from where")
    s.add_argument("--dest")
    p.set_defaults(func=cmd_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GeoError as error:
        print(f"geo: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("geo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
