"""write_events: the event table as GeoJSON, GeoPackage, GeoParquet or CSV.

Every file is written to a temporary name beside the target and renamed into place,
so a killed run leaves either the old file or the new one, never half of one; the
same input gives byte-identical files (fixed GeoPackage timestamps, stable order).
CSV text cells that a spreadsheet would run as a formula are prefixed with ``'``; the
sidecar records input paths relative to the output's folder where it can.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

import geo
from geo._files import atomic_path
from geo.credits import credits_for
from geo.report import InputError, Problem

WRITE_FORMATS: dict[str, str] = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
}
# GeoPackage stamps the current time into gpkg_contents; a fixed one keeps files identical.
_GPKG_DATE = "2000-01-01T00:00:00Z"
_POINT_TYPES = ("Point", "MultiPoint")
# OWASP "CSV Injection" (and ASVS 1.2.10, which adds NUL): Excel and LibreOffice run a cell
# that starts with one of these as a formula (=HYPERLINK(...), @SUM(...), =cmd|...).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\0")
# A text cell that is just a signed number ("-12", "+3.5e2") opens as that number, which
# runs nothing; it stays as written so that number-like text keeps its value.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def write_events(
    events: gpd.GeoDataFrame | pd.DataFrame,
    path: str | os.PathLike,
    *,
    unresolved: pd.DataFrame | None = None,
    aggregates: pd.DataFrame | None = None,
    metadata: dict | None = None,
    format: str | None = None,
) -> Path:
    """Write events (and optionally unresolved rows and aggregates) for GIS tools.

    Parameters
    ----------
    events
        Events in the event schema; a GeoDataFrame (Points and Polygons may mix), or a
        DataFrame whose ``latitude``/``longitude`` become Points.
    path
        Output file; the format follows the suffix (.geojson, .gpkg, .parquet, .csv).
    unresolved, aggregates
        Extra tables. GeoPackage stores them as layers ``unresolved`` and
        ``aggregates`` (with ``events`` and ``area_events``); the single-table formats
        write them beside the file as ``<stem>.unresolved.csv`` / ``<stem>.aggregates.csv``.
    metadata
        Build parameters for the sidecar ``<name>.meta.json`` (:func:`metadata_path`) (``attribution`` and
        ``sources`` entries are merged with the datasets' own). Input paths in the
        sidecar (the events' ``source_file`` values, ``sources`` and ``inputs``) that name
        an existing file or folder are recorded relative to the output's folder when
        both lie under one top-level folder (``../inputs/acled.csv``), so a folder of
        outputs and inputs can be moved or shared without the analyst's home path;
        others are recorded as given.
    format
        Override the suffix: geojson, gpkg, parquet or csv.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    Source text is untrusted, and a spreadsheet runs a CSV cell as a formula when it
    starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL
    (:data:`FORMULA_TRIGGERS`). Every CSV this writes (the events and the
    ``.unresolved.csv``/``.aggregates.csv`` side tables) prefixes such text cells, and
    such header names, with a single quote (OWASP "CSV Injection"): Excel and
    LibreOffice then show the text and run nothing. Numeric columns are written as
    numbers (-3.5 stays -3.5), and a text cell that is only a signed number (``-12``,
    ``+3``) stays as written, since it opens as that number. GeoJSON, GeoPackage and
    GeoParquet are data formats and keep the text exactly as it was.
    """
    target = Path(path)
    fmt = output_format(target, format=format)
    frame = _geo_frame(events)
    if fmt == "geojson":
        _write_geojson(frame, target)
    elif fmt == "gpkg":
        _write_gpkg(frame, target, unresolved=unresolved, aggregates=aggregates)
    elif fmt == "parquet":
        with atomic_path(target) as tmp:
            _plain_columns(frame, dates_as_text=False).to_parquet(
                tmp, index=False, compression="zstd", write_covering_bbox=False
            )
    else:
        with atomic_path(target) as tmp:
            _write_csv(frame, tmp)
    if fmt != "gpkg":
        for name, table in (("unresolved", unresolved), ("aggregates", aggregates)):
            if table is not None:
                with atomic_path(target.with_name(f"{target.stem}.{name}.csv")) as tmp:
                    _write_csv(pd.DataFrame(table), tmp)
    sidecar = build_metadata(
        frame, target, fmt=fmt, unresolved=unresolved, aggregates=aggregates, metadata=metadata
    )
    with atomic_path(metadata_path(target)) as tmp:
        tmp.write_text(
            json.dumps(sidecar, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
    return target


def output_format(path: str | os.PathLike, *, format: str | None = None) -> str:
    """The format :func:`write_events` will write ``path`` in (geojson, gpkg, parquet, csv).

    Raises
    ------
    geo.report.InputError
        The suffix (or ``format``) is not a known format, ``path`` is a folder, or its
        folder does not exist.
    """
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give the name of a file to write")
    fmt = format or WRITE_FORMATS.get(target.suffix.lower())
    if fmt not in set(WRITE_FORMATS.values()):
        allowed = ", ".join(sorted(set(WRITE_FORMATS)))
        raise InputError(f"{target}: unknown output format {target.suffix!r}; use one of {allowed}")
    if not target.parent.is_dir():
        raise InputError(f"{target}: the folder {str(target.parent)!r} does not exist")
    return fmt


def metadata_path(path: str | os.PathLike) -> Path:
    """The sidecar of an output file: ``events.geojson`` -> ``events.geojson.meta.json``."""
    path = Path(path)
    return path.with_name(f"{path.name}.meta.json")


def build_metadata(
    events: gpd.GeoDataFrame,
    target: Path,
    *,
    fmt: str,
    unresolved: pd.DataFrame | None = None,
    aggregates: pd.DataFrame | None = None,
    metadata: dict | None = None,
) -> dict:
    """The sidecar: what the file holds, where it came from, whom to credit."""
    extra = dict(metadata or {})
    folder = target.parent
    if isinstance(extra.get("inputs"), list | tuple):
        extra["inputs"] = [_portable_path(p, folder) for p in extra["inputs"]]
    datasets = events["dataset"].dropna() if "dataset" in events else pd.Series([], dtype="str")
    attribution = credits_for(events, extra=extra.pop("attribution", None))
    sources = set(events["source_file"].dropna().unique()) if "source_file" in events else set()
    sources |= set(extra.pop("sources", None) or [])
    sources = {_portable_path(source, folder) for source in sources}
    geom = events.geometry
    areas = int((geom.notna() & ~geom.geom_type.isin(_POINT_TYPES)).sum())
    starts = events["date_start"].dropna() if "date_start" in events else pd.Series([])
    ends = events["date_end"].dropna() if "date_end" in events else pd.Series([])
    return {
        "file": target.name,
        "format": fmt,
        "crs": "EPSG:4326 (longitude, latitude)",
        "generator": f"geo {geo.__version__}",
        "counts": {
            "events": len(events),
            "point_events": int(geom.geom_type.isin(_POINT_TYPES).sum()),
            "area_events": areas,
            "without_geometry": int(geom.isna().sum()),
            "unresolved": None if unresolved is None else len(unresolved),
            "aggregates": None if aggregates is None else len(aggregates),
        },
        "datasets": {k: int(v) for k, v in datasets.value_counts().sort_index().items()},
        "date_range": [_date_text(starts.min()), _date_text(ends.max())] if len(starts) else None,
        "sources": sorted(sources),
        "attribution": attribution,
        "build": extra,
    }


def _portable_path(value: object, folder: Path) -> str:
    """An input path as the sidecar records it: relative to the output's ``folder`` when
    it names an existing file or folder and both share a top-level folder, else as given."""
    given = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    # Labels ("ACLED API, 2024-06-30") and URLs are no paths: left as they are.
    if not given or not os.path.exists(given):
        return given
    source, here = os.path.abspath(given), os.path.abspath(folder)
    try:
        common = Path(os.path.commonpath([source, here]))
    except ValueError:  # Windows: another drive
        return given
    if common == Path(common.anchor):  # only the filesystem root in common
        return given
    return Path(os.path.relpath(source, here)).as_posix()


def _date_text(value: object) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


# --- frames ready for writing ------------------------------------------------------------


def _geo_frame(events: pd.DataFrame, *, coordinates: bool = True) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:4326; Points from latitude/longitude where no geometry.

    With ``coordinates``, latitude/longitude are filled from the geometry where missing.
    """
    if isinstance(events, gpd.GeoDataFrame) and events.geometry.name in events:
        frame = events.copy()
        if frame.crs is None:
            frame = frame.set_crs(4326)
        elif frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
    else:
        data = pd.DataFrame(events).copy()
        geometry = data.pop("geometry") if "geometry" in data else None
        nowhere = pd.Series(np.nan, index=data.index)
        lat = pd.to_numeric(data.get("latitude", nowhere), errors="coerce")
        lon = pd.to_numeric(data.get("longitude", nowhere), errors="coerce")
        points = shapely.points(lon.to_numpy(float), lat.to_numpy(float))
        points[lat.isna().to_numpy() | lon.isna().to_numpy()] = None
        if geometry is not None:
            given = geometry.to_numpy(object)
            points = [g if g is not None else p for g, p in zip(given, points, strict=True)]
        frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(points, index=data.index), crs=4326)
    # latitude/longitude always describe the geometry (an area's representative point).
    if coordinates:
        shapes = frame.geometry.to_numpy(object)
        columns = {}
        for name in ("latitude", "longitude"):
            columns[name] = np.full(len(frame), np.nan)
            if name in frame:
                values = pd.to_numeric(frame[name], errors="coerce")
                columns[name] = values.to_numpy(float, copy=True)
        unset = np.isnan(columns["latitude"]) | np.isnan(columns["longitude"])
        need = unset & ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
        if need.any():
            anchor = shapely.point_on_surface(shapes[need])
            columns["latitude"][need] = shapely.get_y(anchor)
            columns["longitude"][need] = shapely.get_x(anchor)
            frame["latitude"], frame["longitude"] = columns["latitude"], columns["longitude"]
    return frame.reset_index(drop=True)


def _plain_columns(frame: pd.DataFrame, *, dates_as_text: bool) -> pd.DataFrame:
    """Column names unique case-insensitively (GPKG, shapefile) and dtypes every driver takes:
    text columns as Python strings with None for missing, dates optionally as ISO text."""
    out = frame.copy()
    seen: set[str] = set()
    names = []
    for name in out.columns:
        new, n = str(name), 2
        while new.lower() in seen:
            new, n = f"{name}_{n}", n + 1
        seen.add(new.lower())
        names.append(new)
    out.columns = names
    geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for name in out.columns:
        if name == geometry:
            continue
        values = out[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            if dates_as_text:
                out[name] = _dates(values)
        elif values.dtype == object:
            # Text columns pass as they are; anything else (shapes, lists) as text.
            objects = values.to_numpy(copy=True)
            if pd.api.types.infer_dtype(objects, skipna=True) not in ("string", "empty"):
                objects = np.array([_text(v) for v in objects], dtype=object)
            objects[pd.isna(objects)] = None
            out[name] = pd.Series(objects, index=out.index, dtype="str")
    return out


def _dates(values: pd.Series) -> pd.Series:
    text = values.dt.strftime("%Y-%m-%d")
    return text.astype(object).where(values.notna(), None)


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return None if pd.isna(value) else str(value)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV through Arrow (fast); dates as YYYY-MM-DD, geometry as WKT, quotes only
    where needed."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    out = _without_formulas(pd.DataFrame(_plain_columns(frame, dates_as_text=True)))
    if isinstance(frame, gpd.GeoDataFrame):
        name = frame.geometry.name
        out[name] = frame.geometry.to_wkt(rounding_precision=7, trim=True).to_numpy()
    table = pa.Table.from_pandas(out, preserve_index=False)
    # Columns with no values at all have Arrow type null, which the CSV writer refuses.
    for index, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(index, field.name, table.column(index).cast(pa.string()))
    options = pacsv.WriteOptions(quoting_style="needed", include_header=False)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        # Arrow quotes every header name; the header is written plainly, like the rows.
        csv.writer(handle, lineterminator="\n").writerow(table.column_names)
    with open(path, "ab") as handle:
        pacsv.write_csv(table, handle, write_options=options)


def _without_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells and header names a spreadsheet would run as formulas, prefixed with ``'``;
    numeric columns untouched (see :func:`write_events`). Changes ``frame`` itself (the
    writer's own table: a copy of a million-row export would double its memory)."""
    out = frame
    names = pd.Series(out.columns.map(str), dtype="str")
    renamed = _neutralised(names)
    if renamed is not None:
        out.columns = renamed.tolist()
    for position in range(out.shape[1]):
        values = out.iloc[:, position]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object).where(values.notna(), None)
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            text = _neutralised(values.astype("str"))
            if text is not None:
                out.isetitem(position, text)
    return out


def _neutralised(text: pd.Series) -> pd.Series | None:
    """``text`` with a ``'`` before every formula; None when there is none (the column stays
    as it is, dtype and all)."""
    risky = text.str.startswith(FORMULA_TRIGGERS).fillna(False).astype(bool)
    if risky.any():  # most columns have no such cell: the number test only where needed
        risky &= ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False).astype(bool)
    return text.where(~risky, "'" + text) if risky.any() else None


# --- drivers -------------------------------------------------------------------------------


def _write_geojson(frame: gpd.GeoDataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        pyogrio.write_dataframe(
            _plain_columns(frame, dates_as_text=True),
            tmp,
            driver="GeoJSON",
            layer=target.stem,
            layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
            use_arrow=True,
        )


def _write_gpkg(
    frame: gpd.GeoDataFrame,
    target: Path,
    *,
    unresolved: pd.DataFrame | None,
    aggregates: pd.DataFrame | None,
) -> None:
    is_area = frame.geometry.notna() & ~frame.geometry.geom_type.isin(_POINT_TYPES)
    plain = _plain_columns(frame, dates_as_text=False)
    with atomic_path(target) as tmp, _gdal_config(OGR_CURRENT_DATE=_GPKG_DATE):
        pyogrio.write_dataframe(
            plain[~is_area.to_numpy()],
            tmp,
            driver="GPKG",
            layer="events",
            geometry_type="Point",
            dataset_options={"VERSION": "1.3"},  # 1.4 warns in GDAL < 3.8 (QGIS LTR)
            use_arrow=True,
        )
        if is_area.any():
            pyogrio.write_dataframe(
                plain[is_area.to_numpy()],
                tmp,
                driver="GPKG",
                layer="area_events",
                geometry_type="MultiPolygon",
                promote_to_multi=True,
                append=True,
                use_arrow=True,
            )
        for name, table in (("unresolved", unresolved), ("aggregates", aggregates)):
            if table is None:
                continue
            spatial = isinstance(table, gpd.GeoDataFrame) and table.geometry.notna().any()
            if spatial:  # e.g. choropleth units: a polygon layer
                table = _geo_frame(table, coordinates=False)
            else:
                table = pd.DataFrame(table).drop(columns="geometry", errors="ignore")
            pyogrio.write_dataframe(
                _plain_columns(table, dates_as_text=False),
                tmp,
                driver="GPKG",
                layer=name,
                append=True,
                promote_to_multi=True if spatial else None,
            )


@contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    previous = {name: pyogrio.get_gdal_config_option(name) for name in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


UNRESOLVED_COLUMNS: tuple[str, ...] = (
    "status",
    "source_file",
    "source_row",
    "event_id",
    "dataset",
    "date_start",
    "date_end",
    "location",
    "admin1_hint",
    "stage",
    "field",
    "value",
    "reason",
)


def unresolved_table(
    problems: Sequence[Problem],
    *,
    unresolved: pd.DataFrame | None = None,
    mapped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The unresolved-rows output: one row per input row that is not on the map.

    Parameters
    ----------
    problems
        Every problem of the run (read, geocode, join).
    unresolved
        Events that were read but not placed (status ``unresolved``); their problems
        give the reason.
    mapped
        The mapped events, so that warnings about them are not taken for rejections.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNRESOLVED_COLUMNS`: unresolved events first (input order), then
        rows rejected at read (status ``rejected``: no event could be made of them).
        Pass it as ``write_events(..., unresolved=...)``.
    """
    by_row: dict[tuple[str, int], list[Problem]] = {}
    for problem in problems:
        if problem.row is not None:
            by_row.setdefault((problem.file, int(problem.row)), []).append(problem)
    records = []
    seen: set[tuple[str, int]] = set()
    for frame in (mapped, unresolved):
        if frame is not None and len(frame):
            keys = zip(
                frame["source_file"].astype(str), frame["source_row"].astype(int), strict=True
            )
            seen.update(keys)
    if unresolved is not None:
        for row in unresolved.to_dict("records"):
            key = (str(row["source_file"]), int(row["source_row"]))
            found = by_row.get(key, [])
            last = found[-1] if found else None
            records.append(
                {
                    "status": "unresolved",
                    **{name: row.get(name) for name in UNRESOLVED_COLUMNS[1:9]},
                    "stage": last.stage if last else None,
                    "field": last.field if last else None,
                    "value": last.value if last else None,
                    "reason": "; ".join(f"{p.field}: {p.reason}" for p in found)
                    or row.get("reason")
                    or "not located",
                }
            )
    for key, found in by_row.items():
        if key in seen or not any(p.stage == "read" for p in found):
            continue
        first = next(p for p in found if p.stage == "read")
        records.append(
            {
                "status": "rejected",
                "source_file": key[0],
                "source_row": key[1],
                "stage": "read",
                "field": first.field,
                "value": first.value,
                "reason": "; ".join(f"{p.field}: {p.reason}" for p in found),
            }
        )
    table = pd.DataFrame.from_records(records, columns=list(UNRESOLVED_COLUMNS))
    table["source_row"] = table["source_row"].astype("Int64")
    for name in ("date_start", "date_end"):
        table[name] = pd.to_datetime(table[name], errors="coerce")
    return table
