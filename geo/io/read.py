"""read_events: any number of event files, of any supported family, into one event table."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import shapely
from tqdm.auto import tqdm

from geo.io import acled, airwars, generic, native, ucdp
from geo.io.mapping import finish
from geo.io.tables import open_table
from geo.report import InputError, Problem
from geo.schema import conform

# Detection order matters: geo's own layout first (its exports also carry the source's
# columns), then the source families, generic last.
FAMILIES = {module.NAME: module for module in (native, ucdp, acled, airwars, generic)}
FORMATS: tuple[str, ...] = tuple(FAMILIES)
_PROGRESS_BYTES = 50 * 2**20

PathArg = str | os.PathLike


def detect_format(columns: Sequence[str]) -> str | None:
    """The source family a header belongs to (ucdp, acled, airwars, geo, generic), or None."""
    return next((name for name, module in FAMILIES.items() if module.matches(list(columns))), None)


def read_events(
    paths: PathArg | Sequence[PathArg],
    *,
    format: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read event files into one event table.

    Parameters
    ----------
    paths
        One path or several; each may be CSV/TSV/TXT, XLSX, GeoJSON, GeoPackage or
        GeoParquet, of any family (mixed inputs combine).
    format
        Force a family for every input: one of :data:`FORMATS` (``ucdp``, ``acled``,
        ``airwars``, ``geo``, ``generic``). Detected from the columns by default.
    columns
        Schema field -> source column (``{"date": "Date", "location": "Place"}``) for
        generic tables; implies ``format="generic"`` when no format is given.

    Returns
    -------
    events, problems
        ``events`` is in the :mod:`geo.schema` layout (schema columns, then the source
        columns, ``src_``-prefixed where a name clashes), with ``dataset``,
        ``source_file`` and ``source_row``; event ids are unique across inputs.
        ``problems`` holds rejected rows (not in ``events``; see :func:`rejected_rows`)
        and warnings about rows that are.

    Raises
    ------
    InputError
        A file that cannot be read at all (missing, empty, binary, no date/place column).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise InputError("no input files given")
    if format is not None and format not in FAMILIES:
        raise InputError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if columns and format not in (None, "generic"):
        raise InputError(f"--columns applies to generic tables, not --format {format}")
    frames: list[pd.DataFrame] = []
    problems: list[Problem] = []
    seen: dict[str, PathArg] = {}
    for path in paths:
        # The same file named twice (overlapping shell globs) would count its events twice.
        same = os.path.realpath(path)
        if same in seen:
            problems.append(
                Problem(str(path), None, "file", f"given again (as {str(seen[same])!r}); read once")
            )
            continue
        seen[same] = path
        frame, file_problems = _read_file(
            path, format="generic" if columns else format, columns=columns
        )
        frames.append(frame)
        problems.extend(file_problems)
    events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    events = conform(events)
    problems.extend(_unique_ids(events))
    return events, problems


def _read_file(
    path: PathArg, *, format: str | None, columns: Mapping[str, str] | None
) -> tuple[pd.DataFrame, list[Problem]]:
    table = open_table(path)
    name = format or detect_format(table.columns)
    if name is None:
        # Not a known layout: generic explains which column is missing.
        generic.resolve_columns(table.columns, None, table.file)
        name = "generic"
    family = FAMILIES[name]
    present = {c.lower() for c in table.columns}
    for required in family.REQUIRED:
        if required not in present:
            raise InputError(
                f"{table.file}: no {required!r} column, which {name} files have; "
                f"columns: {', '.join(table.columns[:20])}; check --format"
            )
    found = (
        generic.resolve_columns(table.columns, columns, table.file) if name == "generic" else None
    )
    progress = tqdm(
        disable=Path(path).stat().st_size <= _PROGRESS_BYTES or None,  # None: only on a tty
        unit=" rows",
        unit_scale=True,
        desc=f"reading {Path(path).name}",
    )
    frames, problems = [], []
    with progress:
        for chunk in table.chunks:
            mapped = (
                family.map_rows(chunk, table.file, found)
                if found is not None
                else family.map_rows(chunk, table.file)
            )
            geometry = table.geometry.loc[chunk.index] if table.geometry is not None else None
            if geometry is None and "geometry" in chunk.columns:
                geometry = _wkt(chunk["geometry"])
            frame, chunk_problems = finish(
                chunk, mapped, file=table.file, dataset=family.NAME, geometry=geometry
            )
            frames.append(conform(frame))
            problems.extend(chunk_problems)
            progress.update(len(chunk))
    problems = table.problems + problems
    if not frames:
        return conform(pd.DataFrame()), problems
    return (pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]), problems


def _wkt(text: pd.Series) -> pd.Series:
    """Shapes from a WKT ``geometry`` column (geo's CSV export); None where not WKT."""
    values = text.astype(object).to_numpy(copy=True)
    values[text.fillna("").str.strip().eq("").to_numpy()] = None
    shapes = shapely.from_wkt(values, on_invalid="ignore")
    return pd.Series(shapes, index=text.index, dtype=object)


def _unique_ids(events: pd.DataFrame) -> list[Problem]:
    """Fill missing ids (file stem + row) and suffix repeated ones ``~2``, ``~3``."""
    missing = events["event_id"].isna()
    if missing.any():
        stems = events.loc[missing, "source_file"].map(lambda f: Path(str(f)).stem)
        events.loc[missing, "event_id"] = (
            stems + "-" + events.loc[missing, "source_row"].astype(str)
        )
    ids = events["event_id"]
    repeated = ids.duplicated(keep="first")
    problems = []
    if repeated.any():
        taken = set(ids)
        occurrence = ids.groupby(ids).cumcount() + 1
        for index in events.index[repeated]:
            n = int(occurrence[index])
            new = f"{ids[index]}~{n}"
            while new in taken:
                n += 1
                new = f"{ids[index]}~{n}"
            taken.add(new)
            problems.append(
                Problem(
                    str(events.at[index, "source_file"]),
                    int(events.at[index, "source_row"]),
                    "event_id",
                    f"repeats an earlier event id; renamed {new!r}",
                    value=str(ids[index]),
                )
            )
            events.at[index, "event_id"] = new
    return problems


def rejected_rows(events: pd.DataFrame, problems: Sequence[Problem]) -> set[tuple[str, int]]:
    """(file, row) of read problems whose row is not in ``events``: the rejected rows.

    ``len(events) + len(rejected_rows(events, problems))`` is the number of data rows read.
    """
    present = set(
        zip(events["source_file"].astype(str), events["source_row"].astype(int), strict=True)
    )
    return {
        (p.file, p.row)
        for p in problems
        if p.stage == "read" and p.row is not None and (p.file, p.row) not in present
    }
