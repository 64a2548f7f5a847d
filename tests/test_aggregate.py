"""aggregate / choropleth on real UCDP Syria events joined to the real boundaries."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.aggregate import aggregate, choropleth
from geo.join import join_admin
from geo.report import InputError

VIOLENCE = {1: "state-based", 2: "non-state", 3: "one-sided"}


@pytest.fixture(scope="module")
def joined(events_dir, layers) -> gpd.GeoDataFrame:
    ucdp = pd.read_csv(events_dir / "ucdp_ged_syria_652_sample.csv")
    events = gpd.GeoDataFrame(
        {
            "date_start": pd.to_datetime(ucdp.date_start),
            "event_type": ucdp.type_of_violence.map(VIOLENCE).astype("string"),
            "fatalities": ucdp.best.astype("Int64"),
        },
        geometry=gpd.points_from_xy(ucdp.longitude, ucdp.latitude),
        crs=4326,
    )
    events.loc[events.index[:3], "fatalities"] = pd.NA  # unknown counts must be counted
    out, _ = join_admin(events, layers)
    return out


def test_totals_add_up_to_the_input(joined):
    table = aggregate(joined, level=1, freq="month")
    assert table.events.sum() == len(joined)
    assert table.fatalities.sum() == joined.fatalities.sum()
    assert table.fatalities_unknown.sum() == 3
    assert set(table.columns) >= {"adm1_pcode", "adm1_name", "period", "event_type", "events"}


def test_one_cell_matches_a_hand_count(joined):
    table = aggregate(joined, level=2, freq="year", by=None)
    in_2017 = joined.date_start.dt.year == 2017
    duma = joined[(joined.adm2_pcode == "SY0302") & in_2017]
    cell = table[(table.adm2_pcode == "SY0302") & (table.period == pd.Timestamp("2017-01-01"))]
    assert len(duma) > 0
    assert cell.events.tolist() == [len(duma)]
    assert cell.fatalities.tolist() == [int(duma.fatalities.sum())]
    assert cell.adm2_name.tolist() == ["Douma"]


@pytest.mark.parametrize("freq", ["day", "week", "month", "year"])
def test_bins_start_where_the_calendar_does(joined, freq):
    periods = aggregate(joined, freq=freq, by=None).period.dropna()
    if freq == "week":
        assert (periods.dt.day_of_week == 0).all()  # Mondays
    if freq in ("month", "year"):
        assert (periods.dt.day == 1).all()
    if freq == "year":
        assert (periods.dt.month == 1).all()
    assert periods.min() <= joined.date_start.min()


def test_choropleth_has_every_unit_with_zeros(joined, layers):
    table = aggregate(joined, level=1, freq="month")
    shaded = choropleth(table, layers)
    assert len(shaded) == 14 and shaded.crs.to_epsg() == 4326
    assert shaded.events.sum() == joined.adm1_pcode.notna().sum()
    month = table.period.iloc[0]
    one_month = choropleth(table, layers, period=month)
    assert (
        one_month.events.sum()
        == table[table.period == month].dropna(subset=["adm1_pcode"]).events.sum()
    )
    assert (one_month.events == 0).any()


def test_bad_arguments_are_one_line_errors(joined):
    with pytest.raises(InputError, match="'fortnight' is not one of day, week, month, year"):
        aggregate(joined, freq="fortnight")
    with pytest.raises(InputError, match="run join_admin first"):
        aggregate(joined.drop(columns=["adm1_pcode"]))


def test_aggregates_and_choropleth_export_and_read_back(joined, layers, tmp_path):
    import pyogrio

    from geo.io import write_events
    from geo.schema import conform

    table = aggregate(joined, level=2, freq="week")
    path = write_events(conform(joined), tmp_path / "events.gpkg", aggregates=table)
    back = pyogrio.read_dataframe(path, layer="aggregates")
    assert len(back) == len(table) and back["events"].sum() == len(joined)
    shaded = choropleth(table, layers)
    shaded.to_file(tmp_path / "choropleth.geojson")
    again = pyogrio.read_dataframe(tmp_path / "choropleth.geojson")
    assert len(again) == 62 and again["events"].sum() == shaded["events"].sum()
