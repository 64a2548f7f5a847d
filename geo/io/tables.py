"""Raw tables from files: every cell a string, one row per data record, in chunks.

Delimited text is read with the standard ``csv`` module (not pandas) because it lets
one broken record be rejected with its row number while the rest of the file is read;
rows stream in chunks so a large file is never held as several copies. Spreadsheets
and spatial files are small enough in practice to be read whole.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.report import InputError, Problem

CHUNK_ROWS = 100_000
# Clean CSVs up to this size are read whole by Arrow (multi-threaded); larger ones stream.
_ARROW_WHOLE_BYTES = 256 * 2**20
_ARROW_BLOCK = 4 * 2**20
_SAMPLE_BYTES = 1 << 16
_DELIMITERS = (",", ";", "\t", "|")
SPATIAL_SUFFIXES = (".geojson", ".json", ".gpkg", ".parquet", ".geoparquet", ".shp", ".fgb")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
# Wide fields (ACLED notes, UCDP source articles) exceed csv's 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class RawTable:
    """A file opened for reading: its header, its rows in chunks, what went wrong.

    ``chunks`` yields DataFrames of strings ("" for empty cells) indexed by the 1-based
    data row. ``rejected`` collects records that could not be split into fields (a
    truncated quote, too many fields); ``problems`` also holds file-level warnings.
    """

    file: str
    columns: list[str]
    chunks: Iterator[pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)
    geometry: object | None = None  # a GeoSeries for spatial inputs, aligned with the rows
    encoding: str | None = None
    reader: str = "records"  # which reader: arrow, arrow-stream, records, excel, spatial


def open_table(path: str | os.PathLike, *, chunk_rows: int = CHUNK_ROWS) -> RawTable:
    """Open ``path`` (CSV/TSV/TXT, XLSX, GeoJSON/GPKG/GeoParquet) as a :class:`RawTable`.

    Raises
    ------
    InputError
        The file is missing, empty, not a table, or a truncated binary file.
    """
    name = str(path)
    file = Path(path)
    if not file.exists():
        raise InputError(f"{name}: no such file")
    if file.is_dir():
        raise InputError(f"{name}: is a directory, not an event file")
    if file.stat().st_size == 0:
        raise InputError(f"{name}: file is empty (0 bytes); expected a header row and events")
    suffix = file.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _open_excel(name, file)
    if suffix in SPATIAL_SUFFIXES:
        return _open_spatial(name, file)
    return _open_delimited(name, file, chunk_rows=chunk_rows)


# --- delimited text ---------------------------------------------------------------------


class _ReplacementCounter:
    """Counts bytes that could not be decoded (they become U+FFFD)."""

    def __init__(self) -> None:
        self.count = 0
        self.name = f"geo-io-count-{id(self)}"
        codecs.register_error(self.name, self)

    def __call__(self, error: UnicodeDecodeError) -> tuple[str, int]:
        self.count += error.end - error.start
        return "\ufffd", error.end


def detect_encoding(sample: bytes) -> str:
    """The text encoding of a file, from its first bytes.

    UTF-8 (with or without BOM) and UTF-16 with BOM are recognised; other bytes are read
    as Windows Arabic (cp1256) when that decodes them mostly to Arabic letters, else as
    Windows Latin (cp1252).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still UTF-8.
        if error.start >= len(sample) - 3 and error.reason == "unexpected end of data":
            return "utf-8"
    high = [ch for ch in sample.decode("cp1256", errors="replace") if ord(ch) > 127]
    arabic = sum(1 for ch in high if "\u0600" <= ch <= "\u06ff")
    return "cp1256" if high and arabic >= len(high) / 2 else "cp1252"


def _detect_delimiter(first_line: str, suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def unique_header(names: list[str], file: str) -> tuple[list[str], list[Problem]]:
    """Blank names become ``column_N``; a repeated name gets ``_2``, ``_3`` (with a warning)."""
    out: list[str] = []
    seen: set[str] = set()
    problems = []
    for position, raw in enumerate(names, start=1):
        name = raw.strip() or f"column_{position}"
        if name.lower() in seen:
            n = 2
            while f"{name}_{n}".lower() in seen:
                n += 1
            renamed = f"{name}_{n}"
            problems.append(
                Problem(
                    file,
                    None,
                    name,
                    f"duplicated column name (column {position}); read as {renamed!r}",
                    value=name,
                )
            )
            name = renamed
        seen.add(name.lower())
        out.append(name)
    return out, problems


# File signatures of formats often mistaken for tables: PNG, JPEG, GIF, PDF, ZIP (XLSX,
# zipped shapefiles), gzip, GeoParquet, SQLite (GeoPackage).
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"PAR1",
    b"SQLite format 3",
)


def _open_delimited(name: str, file: Path, *, chunk_rows: int) -> RawTable:
    with file.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    utf16 = sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # A stray NUL in a cell is dirt (even in a tiny file); a binary signature, NULs in the
    # header or many of them mean binary.
    if not utf16 and (
        sample.startswith(_BINARY_SIGNATURES)
        or b"\x00" in sample.split(b"\n", 1)[0]
        or sample.count(b"\x00") > max(16, len(sample) // 100)
    ):
        raise InputError(
            f"{name}: binary data, not a text table; expected CSV/TSV, XLSX, GeoJSON, "
            "GeoPackage or GeoParquet"
        )
    encoding = detect_encoding(sample)
    counter = _ReplacementCounter()
    handle = file.open(encoding=encoding, errors=counter.name, newline="")
    first_line = handle.readline()
    handle.seek(0)
    if not first_line.strip():
        handle.close()
        raise InputError(f"{name}: the first line is empty; expected a header row")
    delimiter = _detect_delimiter(first_line, file.suffix.lower())
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as error:
        handle.close()
        raise InputError(f"{name}: cannot read the header row ({error})") from None
    columns, problems = unique_header(header, name)
    if encoding not in ("utf-8", "utf-8-sig"):
        problems.append(
            Problem(name, None, "encoding", f"not UTF-8; read as {encoding}", value=encoding)
        )
    table = RawTable(name, columns, iter(()), problems, encoding=encoding)
    fast = (
        _arrow_chunks(file, columns, encoding, delimiter, chunk_rows)
        if len(header) == len(columns)
        else None
    )
    if fast is not None:
        handle.close()
        table.chunks = fast
        large = file.stat().st_size > _ARROW_WHOLE_BYTES
        table.reader = "arrow-stream" if large else "arrow"
    else:
        table.chunks = _delimited_chunks(table, reader, handle, counter, chunk_rows)
    return table


def _arrow_options(columns: list[str], encoding: str, delimiter: str, reject) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return {
        "read_options": pacsv.ReadOptions(
            column_names=columns,
            skip_rows=1,
            encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
            block_size=_ARROW_BLOCK,
        ),
        "parse_options": pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=reject
        ),
        "convert_options": pacsv.ConvertOptions(
            column_types=dict.fromkeys(columns, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


def _arrow_chunks(
    file: Path, columns: list[str], encoding: str, delimiter: str, chunk_rows: int
) -> Iterator[pd.DataFrame] | None:
    """The file through Arrow's CSV reader in chunks, or None if it is not clean.

    Arrow is several times faster and keeps strings in compact Arrow buffers, but cannot
    say which row is broken; any irregularity (a row with the wrong number of fields,
    bytes that are not valid text, a file not ending in a newline, as a truncated one
    does not) sends the file to the record-by-record reader, which can. Small files are
    read whole (multi-threaded); large ones are checked in one streaming pass, then
    streamed again in chunks, so they are never held whole.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if any("\n" in c or "\r" in c for c in columns):
        return None
    with file.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) != b"\n":
            return None
    irregular = []

    def reject(row) -> str:
        irregular.append(row)
        return "skip"

    options = _arrow_options(columns, encoding, delimiter, reject)
    try:
        if file.stat().st_size <= _ARROW_WHOLE_BYTES:
            arrow = pacsv.read_csv(file, **options)
        else:
            for _ in pacsv.open_csv(file, **options):
                if irregular:
                    break
            arrow = None
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if irregular:
        return None
    if arrow is not None:
        frame = arrow.to_pandas()
        del arrow
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="source_row")
        return (frame.iloc[i : i + chunk_rows] for i in range(0, len(frame), chunk_rows))
    return _stream_arrow(file, options, chunk_rows)


def _stream_arrow(file: Path, options: dict, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    batches, rows, first = [], 0, 1
    for batch in pacsv.open_csv(file, **options):
        batches.append(batch)
        rows += batch.num_rows
        if rows >= chunk_rows:
            yield _arrow_frame(pa.Table.from_batches(batches), first)
            first += rows
            batches, rows = [], 0
    if batches:
        yield _arrow_frame(pa.Table.from_batches(batches), first)


def _arrow_frame(arrow, first: int) -> pd.DataFrame:
    frame = arrow.to_pandas()
    frame.index = pd.RangeIndex(first, first + len(frame), name="source_row")
    return frame


def _delimited_chunks(
    table: RawTable,
    reader: Iterator[list[str]],
    handle,
    counter: _ReplacementCounter,
    chunk_rows: int,
) -> Iterator[pd.DataFrame]:
    width = len(table.columns)
    rows: list[list[str]] = []
    index: list[int] = []
    row_number = 0
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                row_number += 1
                reason = (
                    "the file ends inside a quoted field (truncated?)"
                    if "end of data" in str(error)
                    else f"malformed CSV record ({error})"
                )
                table.problems.append(Problem(table.file, row_number, "row", reason))
                continue
            if not record:
                continue  # blank line: not a record (as Arrow skips it too)
            row_number += 1
            if len(record) > width and any(cell.strip() for cell in record[width:]):
                table.problems.append(
                    Problem(
                        table.file,
                        row_number,
                        "row",
                        f"has {len(record)} fields but the header has {width}",
                        value=str(len(record)),
                    )
                )
                continue
            if len(record) != width:
                record = (record + [""] * width)[:width]
            rows.append(record)
            index.append(row_number)
            if len(rows) >= chunk_rows:
                yield _frame(rows, index, table.columns)
                rows, index = [], []
        if rows:
            yield _frame(rows, index, table.columns)
    finally:
        handle.close()
        if counter.count:
            table.problems.append(
                Problem(
                    table.file,
                    None,
                    "encoding",
                    f"{counter.count} bytes are not valid {table.encoding}; replaced by '\ufffd'",
                )
            )


def _frame(rows: list[list[str]], index: list[int], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame.index = pd.Index(index, name="source_row")
    return frame


# --- spreadsheets and spatial files -------------------------------------------------------


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a string: empty for missing, ISO for dates, integers without '.0'."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        missing = values.isna().to_numpy()
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "")
        elif pd.api.types.is_float_dtype(values):
            whole = values.dropna()
            if len(whole) and (whole == whole.round()).all() and whole.abs().max() < 2**53:
                text = values.astype("Int64").astype(str)
            else:
                text = values.astype(str)
        elif values.dtype != object and pd.api.types.is_string_dtype(values):
            text = values
        elif values.dtype == object:
            kind = pd.api.types.infer_dtype(values, skipna=True)
            text = values if kind in ("string", "empty") else values.map(_cell_text)
        else:  # integers, booleans
            text = values.astype(str)
        text = text.astype("str").where(~missing, "")
        out[column] = text.reset_index(drop=True)
    table = pd.DataFrame(out, columns=list(frame.columns))
    table.index = pd.RangeIndex(1, len(frame) + 1, name="source_row")
    return table


def _cell_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ").removesuffix(" 00:00:00")
    if isinstance(value, datetime.time):  # GDAL types "03:00" in GeoJSON as a time
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _open_excel(name: str, file: Path) -> RawTable:
    try:
        frame = pd.read_excel(file, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        raise InputError(f"{name}: cannot read the workbook ({error})") from None
    columns, problems = unique_header([str(c) for c in frame.columns], name)
    frame.columns = columns
    # Fully empty rows stay (as rows of empty cells) so row numbers match the sheet's.
    table = _as_text(frame)
    return RawTable(name, columns, iter([table] if len(table) else []), problems, reader="excel")


def _open_spatial(name: str, file: Path) -> RawTable:
    import geopandas as gpd
    import pyogrio

    try:
        if file.suffix.lower() in (".parquet", ".geoparquet"):
            frame = gpd.read_parquet(file)
            layers = [None]
        else:
            layers = [None]
            if file.suffix.lower() == ".gpkg":  # listing a GeoJSON's layers parses it whole
                found = [str(row[0]) for row in pyogrio.list_layers(file)]
                layers = [layer for layer in ("events", "area_events") if layer in found]
                layers = layers or found[:1]
            parts = [pyogrio.read_dataframe(file, layer=layer, use_arrow=True) for layer in layers]
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    except Exception as error:  # GDAL/Arrow errors for truncated or foreign files
        raise InputError(f"{name}: cannot read as a spatial file ({error})") from None
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame)
    geometry = frame.geometry.to_crs(4326) if frame.crs is not None else frame.geometry
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    columns, problems = unique_header([str(c) for c in attributes.columns], name)
    attributes.columns = columns
    table = _as_text(attributes)
    geometry = geometry.set_axis(table.index)
    chunks = iter([table] if len(table) else [])
    return RawTable(name, columns, chunks, problems, geometry, reader="spatial")
