"""Counts and fatalities per admin unit per time bin, for choropleths and export.

Events are binned by ``date_start``. Events without a unit at the requested level (not
joined, outside every unit, or too coarse for the level) and events without a date stay
in the table with an empty code or period, so totals always add up to the input.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.boundaries import AdminLayers
from geo.report import InputError

# freq -> pandas period alias (weeks run Monday..Sunday, as ISO 8601 weeks do).
FREQS: dict[str, str] = {"day": "D", "week": "W-SUN", "month": "M", "year": "Y"}
COUNT_COLUMNS = ("events", "fatalities", "fatalities_unknown")


def _unit_columns(level: int) -> list[str]:
    return [f"adm{level}_pcode", f"adm{level}_name", f"adm{level}_name_ar"]


def aggregate(
    events: pd.DataFrame,
    *,
    level: int = 1,
    freq: str = "month",
    by: str | None = "event_type",
) -> pd.DataFrame:
    """Count events and sum fatalities per admin unit, time bin and (optionally) category.

    Parameters
    ----------
    events : DataFrame
        Joined events (see :func:`geo.join.join_admin`) with ``date_start``,
        ``fatalities`` and ``adm{level}_*`` columns.
    level : int, keyword-only
        Admin level to count by (1 = governorate).
    freq : {"day", "week", "month", "year"}, keyword-only
        Time bin; weeks start on Monday.
    by : str or None, keyword-only
        Column to split the counts by (default ``event_type``); None for no split.

    Returns
    -------
    DataFrame
        One row per unit x ``period`` (the bin's first day) x ``by`` value, with ``events``,
        ``fatalities`` (sum of known values) and ``fatalities_unknown`` (events whose
        fatalities are missing). Sorted by code, period, category. Rows with no unit or
        no date keep empty values there.
    """
    if freq not in FREQS:
        raise InputError(f"freq {freq!r} is not one of {', '.join(FREQS)}")
    units = _unit_columns(level)
    needed = [*units, "date_start"] + ([by] if by else [])
    missing = [c for c in needed if c not in events.columns]
    if missing:
        hint = " (run join_admin first)" if any(c.startswith("adm") for c in missing) else ""
        raise InputError(f"events lack column(s) {', '.join(missing)} needed to aggregate{hint}")
    dates = pd.to_datetime(events["date_start"])
    period = dates.dt.to_period(FREQS[freq]).dt.start_time
    fatalities = (
        pd.to_numeric(events["fatalities"], errors="coerce")
        if "fatalities" in events.columns
        else pd.Series(float("nan"), index=events.index)
    )
    frame = pd.DataFrame(
        {
            **{c: events[c].astype("string") for c in units},
            "period": period,
            **({by: events[by].astype("string")} if by else {}),
            "events": 1,
            "fatalities": fatalities.fillna(0).astype("int64"),
            "fatalities_unknown": fatalities.isna().astype("int64"),
        }
    )
    keys = [*units, "period"] + ([by] if by else [])
    table = frame.groupby(keys, dropna=False, sort=True)[list(COUNT_COLUMNS)].sum().reset_index()
    for column in COUNT_COLUMNS:
        table[column] = table[column].astype("int64")
    return table


def choropleth(
    table: pd.DataFrame,
    layers: AdminLayers,
    *,
    period: str | pd.Timestamp | None = None,
) -> gpd.GeoDataFrame:
    """Join an :func:`aggregate` table back to its level's unit polygons.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`aggregate` (its ``adm{n}_pcode`` column says the level).
    layers : AdminLayers
        The layers the events were joined to.
    period : str or Timestamp, optional, keyword-only
        Keep only this bin (its first day, e.g. ``"2020-05-01"``); default all bins summed.

    Returns
    -------
    GeoDataFrame
        Every unit of the level (units with no events count 0) with ``events``,
        ``fatalities`` and ``fatalities_unknown``, in EPSG:4326.
    """
    levels = [n for n in layers.levels if f"adm{n}_pcode" in table.columns]
    if len(levels) != 1:
        raise InputError("table must come from aggregate() with exactly one adm{n}_pcode column")
    level = levels[0]
    if period is not None:
        table = table[table["period"] == pd.Timestamp(period)]
    code = f"adm{level}_pcode"
    totals = table.dropna(subset=[code]).groupby(code)[list(COUNT_COLUMNS)].sum()
    units = layers[level][[*_unit_columns(level), "geometry"]]
    out = units.merge(totals, how="left", left_on=code, right_index=True)
    for column in COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype("int64")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs)
