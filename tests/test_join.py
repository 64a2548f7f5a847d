"""join_admin on the real Syria boundaries: seed places, nearest, areas, precision, borders."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.boundaries import load_admin_layers
from geo.join import admin_columns, join_admin
from geo.report import InputError

DUMAYR = shapely.Point(36.69376, 33.64389)
DAMASCUS = shapely.Point(36.29128, 33.5102)
OFFSHORE_LATAKIA = shapely.Point(35.76, 35.52)  # about 1-2 km off the coast
BAGHDAD = shapely.Point(44.3661, 33.3152)


def events(geometries, **columns) -> gpd.GeoDataFrame:
    frame = {"event_id": [f"e{i}" for i in range(len(geometries))], **columns}
    return gpd.GeoDataFrame(frame, geometry=list(geometries), crs=4326)


def test_seed_points_get_every_level_with_names(layers):
    out, problems = join_admin(events([DUMAYR, DAMASCUS]), layers)
    dumayr, damascus = out.iloc[0], out.iloc[1]
    assert (dumayr.adm3_pcode, dumayr.adm3_name, dumayr.adm3_name_ar) == (
        "SY030203",
        "Dhameer",
        "الضمير",
    )
    assert (dumayr.adm2_pcode, dumayr.adm1_pcode, dumayr.adm1_name) == (
        "SY0302",
        "SY03",
        "Rif Dimashq",
    )
    assert damascus.adm1_pcode == "SY01"
    assert list(out.adm_join) == ["within", "within"]
    assert problems == []


def test_rows_order_index_and_other_columns_are_kept(layers):
    ev = events([DAMASCUS, None, DUMAYR], notes=["a", "b", "c"])
    ev.index = [30, 10, 20]
    out, _ = join_admin(ev, layers)
    assert list(out.index) == [30, 10, 20]
    assert list(out.notes) == ["a", "b", "c"]
    assert list(out.adm1_pcode.fillna("-")) == ["SY01", "-", "SY03"]
    for column in [*admin_columns(), "adm_join"]:
        assert str(out[column].dtype) == "string"


def test_row_without_geometry_is_left_alone(layers):
    out, problems = join_admin(events([None, shapely.Point()]), layers)
    assert out[admin_columns()].isna().all().all()
    assert out.adm_join.isna().all()
    assert problems == []


def test_point_just_offshore_takes_nearest_unit_with_a_warning(layers):
    ev = events([OFFSHORE_LATAKIA], source_file=["x.csv"], source_row=[7])
    out, problems = join_admin(ev, layers, max_distance_m=5_000)
    assert out.adm_join.iloc[0] == "nearest"
    assert out.adm1_pcode.iloc[0] == "SY06"  # Latakia governorate
    assert out.adm3_pcode.iloc[0].startswith(out.adm2_pcode.iloc[0])
    [problem] = problems
    assert (problem.file, problem.row, problem.stage) == ("x.csv", 7, "join")
    assert "nearest" in problem.reason and out.adm3_pcode.iloc[0] in problem.reason


def test_point_farther_than_max_distance_is_reported_not_dropped(layers):
    ev = events([BAGHDAD, OFFSHORE_LATAKIA, DUMAYR])
    out, problems = join_admin(ev, layers, max_distance_m=0)
    assert len(out) == 3
    assert list(out.adm_join) == ["none", "none", "within"]
    assert out.adm1_pcode.iloc[:2].isna().all()
    assert [p.row for p in problems] == [1, 2]
    assert all("max_distance_m" in p.reason for p in problems)


def test_area_event_gets_only_levels_containing_it_whole(layers):
    adm3 = layers[3]
    duma_district = adm3[adm3.adm2_pcode == "SY0302"]
    two_subdistricts = duma_district.geometry.iloc[:2].union_all()
    one_subdistrict = duma_district.geometry.iloc[3]
    # Tadmor (Homs) and Sabe Byar (Rif Dimashq): desert across governorates, like the Badiya.
    desert = adm3[adm3.adm3_pcode.isin(["SY040500", "SY030202"])].geometry.union_all()
    out, problems = join_admin(events([two_subdistricts, one_subdistrict, desert]), layers)
    assert list(out.adm_join) == ["area", "area", "area"]
    assert (out.adm2_pcode.iloc[0], out.adm1_pcode.iloc[0]) == ("SY0302", "SY03")
    assert pd.isna(out.adm3_pcode.iloc[0])
    assert out.adm3_pcode.iloc[1] == duma_district.adm3_pcode.iloc[3]
    assert out[admin_columns()].iloc[2].isna().all()
    assert problems == []


@pytest.mark.parametrize(
    ("precision", "filled"),
    [("point", (1, 2, 3)), ("adm3", (1, 2, 3)), ("adm2", (1, 2)), ("adm1", (1,)), ("region", ())],
)
def test_precision_limits_levels(layers, precision, filled):
    out, _ = join_admin(events([DUMAYR], geo_precision=[precision]), layers)
    for level in (1, 2, 3):
        value = out[f"adm{level}_pcode"].iloc[0]
        assert pd.isna(value) == (level not in filled)
    assert out.adm_join.iloc[0] == ("within" if filled else "none")


def test_shared_border_goes_to_smallest_pcode_whatever_the_order(layers):
    adm3 = layers[3]
    tree = shapely.STRtree(adm3.geometry.values)
    # A vertex of one subdistrict's outline that a neighbour shares.
    ring = shapely.get_coordinates(adm3.geometry.iloc[5])
    shared = next(
        shapely.Point(xy)
        for xy in ring
        if len(tree.query(shapely.Point(xy), predicate="intersects")) == 2
    )
    owners = sorted(adm3.adm3_pcode.iloc[tree.query(shared, predicate="intersects")])
    first, _ = join_admin(events([shared, DUMAYR]), layers)
    second, _ = join_admin(events([DUMAYR, shared]), layers)
    assert first.adm3_pcode.iloc[0] == second.adm3_pcode.iloc[1] == owners[0]
    assert first.adm_join.iloc[0] == "within"


def test_matches_geopandas_sjoin_on_random_points(layers):
    adm3 = layers[3]
    rng = np.random.default_rng(7)
    xmin, ymin, xmax, ymax = adm3.total_bounds
    points = gpd.points_from_xy(rng.uniform(xmin, xmax, 20_000), rng.uniform(ymin, ymax, 20_000))
    ev = events(points)
    out, _ = join_admin(ev, layers, max_distance_m=0)
    expected = gpd.sjoin(ev[["geometry"]], adm3[["adm3_pcode", "geometry"]], predicate="within")
    expected = expected["adm3_pcode"].reindex(ev.index)
    assert out.adm3_pcode.fillna("-").tolist() == expected.fillna("-").tolist()
    inside = out.adm3_pcode.notna()
    assert inside.sum() > 5_000
    nested = zip(
        out.adm3_pcode[inside], out.adm2_pcode[inside], out.adm1_pcode[inside], strict=True
    )
    assert all(a3.startswith(a2) and a2.startswith(a1) for a3, a2, a1 in nested)


def test_events_in_another_crs_are_joined_in_lon_lat(layers):
    ev = events([DUMAYR]).to_crs(3857)
    out, _ = join_admin(ev, layers)
    assert out.adm3_pcode.iloc[0] == "SY030203"
    assert out.crs == ev.crs


def test_negative_max_distance_is_refused(layers):
    with pytest.raises(InputError, match="`max_distance_m` was -1 but must be >= 0"):
        join_admin(events([DUMAYR]), layers, max_distance_m=-1)


def test_point_outside_a_partial_finest_layer_keeps_the_coarser_units(data_dir, tmp_path):
    """Subdistricts for Damascus governorate only: a point in Rif Dimashq still gets its
    governorate (within), and no subdistrict is forced on it."""
    boundaries = data_dir / "boundaries"
    adm3 = gpd.read_file(boundaries / "syr_adm3_subdistricts.geojson")
    adm3[adm3.adm1_pcode == "SY01"].to_file(tmp_path / "syr_adm3_part.geojson")
    partial = load_admin_layers(
        files=[boundaries / "syr_adm1_governorates.geojson", tmp_path / "syr_adm3_part.geojson"]
    )
    out, problems = join_admin(events([DUMAYR, DAMASCUS]), partial)
    assert (out.adm1_pcode.iloc[0], out.adm_join.iloc[0]) == ("SY03", "within")
    assert pd.isna(out.adm3_pcode.iloc[0])
    assert out.adm3_pcode.iloc[1] == "SY010000"
    assert problems == []


def test_events_without_geometry_column_are_refused_in_one_line(layers):
    from geo.report import InputError

    with pytest.raises(InputError, match="no geometry column; geocode them"):
        join_admin(pd.DataFrame({"event_id": ["a"]}), layers)
    with pytest.raises(InputError, match="no geometry column"):
        join_admin(gpd.GeoDataFrame(pd.DataFrame({"event_id": ["a"]})), layers)


def test_coordinates_that_are_not_lon_lat_are_reported(layers):
    # Real dirt: Airwars has a longitude of 4239.00416; NaN and latitude > 90 happen too.
    bad = [shapely.Point(4239.00416, 36.0), shapely.Point(np.nan, np.nan), shapely.Point(36, 95)]
    out, problems = join_admin(events([*bad, DUMAYR], source_file=["a.csv"] * 4), layers)
    assert list(out.adm_join) == ["none", "none", "none", "within"]
    assert [p.row for p in problems] == [1, 2, 3]
    assert all("not a longitude/latitude" in p.reason for p in problems)


def test_points_hugging_borders_match_an_exact_test(layers):
    """The grid shortcut must never decide a point a border runs near: points sampled on
    and just beside every subdistrict border agree with an exact covers test."""
    adm3 = layers[3]
    borders = shapely.segmentize(shapely.boundary(adm3.geometry.values), 0.01)
    coords = shapely.get_coordinates(borders)
    rng = np.random.default_rng(11)
    sample = coords[rng.choice(len(coords), 20_000, replace=False)]
    jitter = rng.choice([0.0, 1e-7, 1e-4, 3e-3], size=(len(sample), 2)) * rng.choice(
        [-1, 1], size=(len(sample), 2)
    )
    points = shapely.points(sample + jitter)
    out, _ = join_admin(events(points), layers, max_distance_m=0)
    tree = shapely.STRtree(adm3.geometry.values)
    first = {}
    for point_index, unit_index in zip(*tree.query(points, predicate="intersects"), strict=True):
        first[point_index] = min(first.get(point_index, unit_index), unit_index)
    expected = [adm3.adm3_pcode.iloc[first[i]] if i in first else "-" for i in range(len(points))]
    assert out.adm3_pcode.fillna("-").tolist() == expected


@pytest.mark.parametrize("max_distance_m", [1_000, 5_000, 30_000])
def test_nearest_matches_an_unpruned_distance_search(layers, max_distance_m):
    """Points around the country: the grid may skip measuring far points, but which ones
    end up 'nearest' must equal a plain nearest search over every unit."""
    adm3 = layers[3]
    rng = np.random.default_rng(max_distance_m)
    xmin, ymin, xmax, ymax = adm3.total_bounds
    points = gpd.points_from_xy(
        rng.uniform(xmin - 0.5, xmax + 0.5, 20_000), rng.uniform(ymin - 0.5, ymax + 0.5, 20_000)
    )
    out, _ = join_admin(events(points), layers, max_distance_m=max_distance_m)
    outside = np.flatnonzero(out.adm_join.isin(["nearest", "none"]).to_numpy())
    crs = adm3.estimate_utm_crs()
    tree = shapely.STRtree(np.asarray(adm3.to_crs(crs).geometry.values))
    projected = np.asarray(gpd.GeoSeries(points[outside], crs=4326).to_crs(crs).values)
    (found, units), _ = tree.query_nearest(
        projected, max_distance=max_distance_m, return_distance=True, all_matches=False
    )
    expected = np.zeros(len(outside), dtype=bool)
    expected[found] = True
    assert (out.adm_join.to_numpy()[outside] == "nearest").tolist() == expected.tolist()
    assert expected.sum() > 10
