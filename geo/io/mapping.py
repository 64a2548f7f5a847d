"""What every source reader shares: the mapped fields, and turning them into event rows.

A reader module (acled, ucdp, ...) maps its columns to schema fields (:class:`Mapped`);
:func:`finish` then does the rest the same way for all: rejects rows without a usable
date, checks coordinates, fills the precision scales, keeps the original columns and
stamps provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from geo.io.fields import check_coordinates
from geo.report import Problem
from geo.schema import DATE_PRECISIONS, EVENT_COLUMNS, FROM_ACLED, FROM_UCDP, TO_ACLED, TO_UCDP

_SCHEMA_LOWER = {name.lower() for name in EVENT_COLUMNS} | {"geometry"}
DATE_HINT = "expected a date such as 2023-10-19, 19 October 2023 or 9-May-20"


@dataclass
class Mapped:
    """A chunk of source rows mapped to schema fields, before validation.

    ``fields`` holds typed Series for schema columns (``date_start`` NaT where the date
    did not parse); ``date_text``/``date_field`` name the raw date for messages;
    ``latitude``/``longitude`` are the raw coordinate text (None when the source has
    none); ``count_columns`` name the source columns of counts (``fatalities``), whose
    values that are not counts are reported; ``consumed`` are source columns that *are* schema columns (geo's own layout),
    so they are not kept twice.
    """

    fields: dict[str, pd.Series]
    date_text: pd.Series
    date_field: str
    latitude: pd.Series | None = None
    longitude: pd.Series | None = None
    coordinate_fields: tuple[str, str] = ("latitude", "longitude")
    consumed: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    # schema count field -> the source column it was parsed from, to report unparsed values
    count_columns: dict[str, str | None] = field(default_factory=dict)


def column(raw: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present in ``raw`` (case-insensitive), else empty strings."""
    lower = {c.lower(): c for c in raw.columns}
    for name in names:
        if name.lower() in lower:
            return raw[lower[name.lower()]]
    return pd.Series("", index=raw.index, dtype=object)


def column_name(columns, *names: str) -> str | None:
    """The actual spelling of the first of ``names`` among ``columns``, case-insensitively."""
    lower = {c.lower(): c for c in columns}
    return next((lower[n.lower()] for n in names if n.lower() in lower), None)


def original_name(name: str) -> str:
    """A source column's name in the event table: ``src_`` + name where it clashes."""
    return f"src_{name}" if name.lower() in _SCHEMA_LOWER else name


def finish(
    raw: pd.DataFrame,
    mapped: Mapped,
    *,
    file: str,
    dataset: str,
    geometry: pd.Series | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate mapped fields and build the event rows of one chunk.

    Returns the rows that are events (schema columns, then the source's own) and the
    problems: a rejected row (no usable date) is not in the frame; warnings are about
    rows that are.
    """
    fields = dict(mapped.fields)
    problems = list(mapped.problems)
    start = fields["date_start"]
    rejected = start.isna()
    if rejected.any():
        # A row of empty cells (spreadsheet padding) is not an event: no problem for it.
        candidates = raw[rejected.to_numpy()]
        empty = candidates.apply(lambda c: c.fillna("").astype(str).str.strip().eq("")).all(axis=1)
        rejected_reported = rejected.copy()
        rejected_reported[empty[empty].index] = False
    else:
        rejected_reported = rejected
    for row in raw.index[rejected_reported]:
        text = str(mapped.date_text.get(row, "") or "").strip()
        reason = f"not a date; {DATE_HINT}" if text else "missing date"
        problems.append(Problem(file, int(row), mapped.date_field, reason, value=text or None))
    for name, source_column in mapped.count_columns.items():
        if source_column is None:
            continue
        text = raw[source_column].fillna("").astype(str).str.strip()
        for row in raw.index[text.ne("") & fields[name].isna() & ~rejected]:
            problems.append(
                Problem(
                    file,
                    int(row),
                    source_column,
                    f"not a whole number >= 0; {name} left unknown",
                    value=text[row],
                )
            )
    end = fields.get("date_end", pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"))
    end = end.where(end.notna(), start)
    backwards = end.lt(start) & ~rejected
    for row in raw.index[backwards]:
        problems.append(
            Problem(
                file,
                int(row),
                "date_end",
                "ends before it starts; using the start date as the end",
                value=f"{start[row].date()} .. {end[row].date()}",
            )
        )
    end = end.where(~backwards, start)
    fields["date_end"] = end
    precision = fields.get("date_precision", pd.Series(pd.NA, index=raw.index, dtype="string"))
    precision = precision.astype("string")
    unknown = precision.notna() & ~precision.isin(DATE_PRECISIONS)
    precision = precision.where(~unknown, pd.NA)
    inferred = pd.Series("span", index=raw.index, dtype="string").where(end.ne(start), "day")
    fields["date_precision"] = precision.fillna(inferred)
    fields["date_precision"] = fields["date_precision"].where(~backwards, "day")

    if mapped.latitude is not None and mapped.longitude is not None:
        lat, lon, coordinate_problems = check_coordinates(
            mapped.latitude, mapped.longitude, file=file, fields=mapped.coordinate_fields
        )
        # A rejected row gets one problem (its date), not also one for its coordinates.
        problems.extend(p for p in coordinate_problems if not rejected[p.row])
    else:
        lat = pd.Series(float("nan"), index=raw.index)
        lon = lat.copy()
    areas = pd.Series(False, index=raw.index)
    if geometry is not None:
        # Spatial inputs: a point gives the coordinates, an area its representative point.
        shapes = geometry.to_numpy(object)
        present = ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
        anchor = shapely.point_on_surface(shapes[present])
        x = np.full(len(shapes), np.nan)
        y = np.full(len(shapes), np.nan)
        x[present], y[present] = shapely.get_x(anchor), shapely.get_y(anchor)
        use = present & lat.isna().to_numpy()
        lat = lat.where(~use, y)
        lon = lon.where(~use, x)
        kinds = shapely.get_type_id(shapes)
        areas = pd.Series(present & ~np.isin(kinds, (0, 4)), index=raw.index)
    located = lat.notna() & lon.notna()
    fields["latitude"], fields["longitude"] = lat, lon
    fields["geo_method"] = pd.Series(pd.NA, index=raw.index, dtype="string").where(
        ~located, "source"
    )
    if areas.any():
        given = fields.get("geo_precision", pd.Series(pd.NA, index=raw.index, dtype="string"))
        fields["geo_precision"] = given.where(~areas | given.notna(), "region")
    _fill_precisions(fields, located, raw.index)

    given = fields.get("dataset", pd.Series(pd.NA, index=raw.index, dtype="string"))
    fields["dataset"] = given.astype("string").fillna(dataset)
    fields["source_file"] = pd.Series(file, index=raw.index, dtype="string")
    fields["source_row"] = pd.Series(raw.index.to_numpy(), index=raw.index, dtype="Int64")
    data: dict[str, object] = {n: fields[n] for n in EVENT_COLUMNS if n in fields}
    for name in raw.columns:
        if name in mapped.consumed:
            continue
        data[original_name(name)] = raw[name]
    if areas.any():
        data["geometry"] = geometry.to_numpy(object)
    frame = pd.DataFrame(data, index=raw.index)
    frame = frame[~rejected.to_numpy()]
    return frame.reset_index(drop=True), problems


def _fill_precisions(fields: dict[str, pd.Series], located: pd.Series, index: pd.Index) -> None:
    """geo_precision and its ACLED/UCDP equivalents, each derived from whichever was given."""
    acled = fields.get("geo_precision_acled", pd.Series(pd.NA, index=index, dtype="Int8"))
    ucdp = fields.get("geo_precision_ucdp", pd.Series(pd.NA, index=index, dtype="Int8"))
    precision = fields.get("geo_precision", pd.Series(pd.NA, index=index, dtype="string"))
    precision = precision.astype("string")
    precision = precision.fillna(ucdp.map(FROM_UCDP, na_action="ignore").astype("string"))
    precision = precision.fillna(acled.map(FROM_ACLED, na_action="ignore").astype("string"))
    acled = acled.fillna(precision.map(TO_ACLED, na_action="ignore").astype("Int8"))
    ucdp = ucdp.fillna(precision.map(TO_UCDP, na_action="ignore").astype("Int8"))
    # The source's precision describes its coordinates; without them it says nothing.
    fields["geo_precision"] = precision.where(located, pd.NA)
    fields["geo_precision_acled"] = acled.astype("Int8").where(located, pd.NA)
    fields["geo_precision_ucdp"] = ucdp.astype("Int8").where(located, pd.NA)
