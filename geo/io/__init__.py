"""Read event files of every family into the event table; write what GIS users open.

Readers (one module per source family): :mod:`geo.io.acled`, :mod:`geo.io.ucdp`,
:mod:`geo.io.airwars`, :mod:`geo.io.native` (geo's own layout), :mod:`geo.io.generic`
(any table with a column mapping); raw tables come from :mod:`geo.io.tables`.
"""

from geo.io.generic import parse_column_mapping
from geo.io.read import FORMATS, detect_format, read_events, rejected_rows
from geo.io.write import (
    UNRESOLVED_COLUMNS,
    WRITE_FORMATS,
    metadata_path,
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
    "unresolved_table",
    "UNRESOLVED_COLUMNS",
]
