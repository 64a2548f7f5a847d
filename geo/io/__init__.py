"""Read event files of every family into the event table; write what GIS users open.

Reading (:func:`read_events`): CSV/TSV/TXT (any of UTF-8, UTF-8 with BOM, UTF-16 with
BOM, cp1256, cp1252; comma, semicolon, tab or pipe), XLSX (first sheet), GeoJSON,
GeoPackage (layers ``events`` + ``area_events``, else the first) and GeoParquet. The
family is detected from the columns (:func:`detect_format`) or forced with ``format``:

- ``geo``: geo's own layout (``data/events/*.csv`` and geo's exports)
- ``ucdp``: UCDP GED, country releases and GED 23.1 (:mod:`geo.io.ucdp`)
- ``acled``: ACLED 2020 exports, the 2023+ layout, acledR, curated upper-case files
- ``airwars``: Airwars incident tables
- ``generic``: any table, with a column mapping (:func:`parse_column_mapping`)

Writing (:func:`write_events`): GeoJSON (RFC 7946), GeoPackage (layers ``events``,
``area_events``, ``unresolved``, ``aggregates``), GeoParquet and CSV, each with a
``<name>.meta.json`` sidecar (:func:`metadata_path`); :func:`unresolved_table` builds the
unresolved-rows output (unresolved and rejected rows with their reasons).
"""

from geo.io.generic import parse_column_mapping
from geo.io.read import FORMATS, detect_format, read_events, rejected_rows
from geo.io.write import (
    UNRESOLVED_COLUMNS,
    WRITE_FORMATS,
    metadata_path,
    output_format,
    unresolved_table,
    write_events,
)

__all__ = [
    "FORMATS",
    "detect_format",
    "parse_column_mapping",
    "read_events",
    "rejected_rows",
    "WRITE_FORMATS",
    "write_events",
    "metadata_path",
    "output_format",
    "unresolved_table",
    "UNRESOLVED_COLUMNS",
]
