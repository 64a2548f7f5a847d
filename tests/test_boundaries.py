"""Boundary readers and validation on the real source files (and broken copies of them)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.boundaries import load_admin_layers, read_boundaries
from geo.join import join_admin
from geo.report import DataDirError, InputError

DUMAYR = shapely.Point(36.69376, 33.64389)


@pytest.fixture(scope="module")
def boundaries(data_dir: Path) -> Path:
    return data_dir / "boundaries"


@pytest.fixture(scope="module")
def adm3(boundaries: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(boundaries / "syr_adm3_subdistricts.geojson")


def test_default_layers_nest_with_names_and_credit(data_dir):
    layers = load_admin_layers(data_dir)
    assert {n: len(g) for n, g in layers.levels.items()} == {1: 14, 2: 62, 3: 272}
    assert layers.problems == []  # the derived files nest and are valid
    assert list(layers[3].columns) == [
        *(f"adm{n}_{f}" for n in (1, 2, 3) for f in ("pcode", "name", "name_ar")),
        "geometry",
    ]
    assert layers[3].crs.to_epsg() == 4326
    assert layers[3].adm3_pcode.is_monotonic_increasing
    assert "CC BY 3.0 IGO" in layers.attribution and "OpenSyria" in layers.attribution


def test_cod_ab_governorates_both_schemas(boundaries):
    levels, problems, credit, kinds = read_boundaries(boundaries / "cod-ab" / "syr_admin1.geojson")
    assert kinds == {1: "cod-ab"}
    adm1 = levels[1]
    assert len(adm1) == 14 and problems == []
    row = adm1.set_index("adm1_pcode").loc["SY03"]
    assert (row.adm1_name, row.adm1_name_ar) == ("Rural Damascus", "ريف دمشق")
    assert "OCHA" in credit and "CC BY 3.0 IGO" in credit


def test_cod_ab_lower_case_schema_finds_arabic_from_lang1(boundaries, tmp_path):
    frame = gpd.read_file(boundaries / "cod-ab" / "syr_admin1.geojson")
    lower = frame[["adm1_name", "adm1_name1", "adm1_pcode", "lang", "lang1", "geometry"]]
    path = tmp_path / "cod_lower.gpkg"
    lower.to_file(path)
    adm1 = read_boundaries(path)[0][1].set_index("adm1_pcode")
    assert adm1.loc["SY02", "adm1_name_ar"] == "حلب"


def test_geoboundaries_topojson_gets_parents_spatially(boundaries):
    layers = load_admin_layers(
        files=[
            boundaries / "cod-ab" / "syr_admin1.geojson",
            boundaries / "geoBoundaries" / "geoBoundaries-SYR-ADM3_simplified.topojson",
        ]
    )
    assert sorted(layers.levels) == [1, 3]
    adm3 = layers[3]
    assert len(adm3) == 272 and not adm3.adm3_name.str.contains("\n").any()
    assert adm3.adm1_pcode.notna().all()
    reasons = [p.reason for p in layers.problems]
    assert any("invalid geometries repaired" in r for r in reasons)  # Arwad island
    assert any("derived spatially" in r for r in reasons)
    assert "geoBoundaries" in layers.attribution and "UNOCHA" in layers.attribution
    out, _ = join_admin(gpd.GeoDataFrame(geometry=[DUMAYR], crs=4326), layers)
    assert (out.adm3_name.iloc[0], out.adm1_pcode.iloc[0]) == ("Dhameer", "SY03")
    assert out.adm2_pcode.isna().all()  # no district layer was given


def test_natural_earth_admin1(boundaries):
    levels, _, credit, _ = read_boundaries(
        boundaries / "naturalearth" / "ne_10m_admin_1_states_provinces_SYR.geojson"
    )
    adm1 = levels[1].set_index("adm1_pcode")
    assert len(adm1) == 15  # 14 governorates and the UNDOF zone
    assert adm1.loc["SY-HI", "adm1_name"] == "Homs"
    assert "Natural Earth" in credit


def test_cod_ab_shapefiles_in_a_zip_read_every_level(adm3, tmp_path):
    """The COD-AB package layout: one upper-case-schema shapefile per level, zipped."""
    for level, name in ((1, "adm1"), (2, "adm2"), (3, "adm3")):
        columns = {}
        for n in range(1, level + 1):
            columns |= {
                f"adm{n}_pcode": f"ADM{n}_PCODE",
                f"adm{n}_name_en": f"ADM{n}_EN",
                f"adm{n}_name_ar": f"ADM{n}_AR",
            }
        layer = adm3.dissolve(by=f"adm{level}_pcode", as_index=False)[[*columns, "geometry"]]
        layer.rename(columns=columns).to_file(tmp_path / f"xyz_admbnda_{name}.shp")
    archive = tmp_path / "xyz_adm_shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member in tmp_path.glob("xyz_admbnda_*"):
            zf.write(member, member.name)
    layers = load_admin_layers(files=[archive])
    assert {n: len(g) for n, g in layers.levels.items()} == {1: 14, 2: 62, 3: 272}
    out, _ = join_admin(gpd.GeoDataFrame(geometry=[DUMAYR], crs=4326), layers)
    assert (out.adm3_pcode.iloc[0], out.adm2_pcode.iloc[0], out.adm3_name_ar.iloc[0]) == (
        "SY030203",
        "SY0302",
        "الضمير",
    )


def test_projected_file_is_reprojected_and_reported(adm3, tmp_path):
    path = tmp_path / "projected.gpkg"
    adm3.to_crs(32637).to_file(path)
    levels, problems, _, _ = read_boundaries(path)
    assert levels[3].crs.to_epsg() == 4326
    assert any(p.field == "crs" and "EPSG:32637" in p.reason for p in problems)
    assert levels[3].total_bounds[0] == pytest.approx(adm3.total_bounds[0], abs=1e-6)


def test_invalid_duplicate_missing_and_non_nesting_are_reported(adm3, tmp_path):
    broken = adm3.copy()
    bowtie = shapely.Polygon([(36, 33), (36.1, 33.1), (36.1, 33), (36, 33.1)])
    broken.loc[0, "geometry"] = bowtie
    broken.loc[1, "adm3_pcode"] = broken.loc[2, "adm3_pcode"]  # duplicate code
    broken.loc[3, "adm3_pcode"] = None
    broken.loc[4, "adm1_pcode"] = "SY99"  # parent that does not exist
    broken.loc[5, "adm2_pcode"] = "SY0302"  # parent in the wrong place
    path = tmp_path / "syr_adm3_broken.geojson"
    broken.to_file(path)
    _write_parents(adm3, tmp_path)
    layers = load_admin_layers(files=[tmp_path / "a1.gpkg", tmp_path / "a2.gpkg", path])
    reasons = " | ".join(str(p) for p in layers.problems)
    assert "1 invalid geometries repaired" in reasons
    assert "1 codes on more than one feature; features merged" in reasons
    assert "1 units without a code" in reasons
    assert "name a parent code missing from adm1" in reasons
    assert "levels do not nest" in reasons
    assert len(layers[3]) == 271  # the two features with one code became one unit
    assert layers[3].is_valid.all()


def _write_parents(adm3: gpd.GeoDataFrame, folder: Path) -> None:
    adm3.dissolve(by="adm1_pcode", as_index=False)[
        ["adm1_pcode", "adm1_name_en", "adm1_name_ar", "geometry"]
    ].to_file(folder / "a1.gpkg")
    adm3.dissolve(by="adm2_pcode", as_index=False)[
        ["adm2_pcode", "adm2_name_en", "adm2_name_ar", "adm1_pcode", "geometry"]
    ].to_file(folder / "a2.gpkg")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("no_columns", "no recognisable admin name/code columns"),
        ("points", "holds Point, not admin areas"),
        ("empty", "every geometry is empty"),
        ("no_crs_metres", "has no CRS and its coordinates are not longitude/latitude"),
        ("not_geo", "cannot be read"),
    ],
)
def test_bad_boundary_files_fail_with_one_line_naming_the_file(adm3, tmp_path, make, message):
    path = tmp_path / f"{make}.geojson"
    if make == "no_columns":
        adm3[["geometry"]].assign(label="x").to_file(path)
    elif make == "points":
        adm3.assign(geometry=adm3.representative_point())[
            ["adm3_pcode", "adm3_name_en", "geometry"]
        ].to_file(path)
    elif make == "empty":
        adm3[["adm3_pcode", "adm3_name_en"]].assign(
            geometry=[shapely.Polygon()] * len(adm3)
        ).set_geometry("geometry", crs=4326).to_file(path)
    elif make == "no_crs_metres":
        path = tmp_path / "metres.shp"
        metres = adm3.to_crs(32637).rename(columns={"adm3_name_en": "ADM3_EN"})
        metres[["adm3_pcode", "ADM3_EN", "geometry"]].to_file(path)
        path.with_suffix(".prj").unlink()
    else:
        path.write_text("this is not GeoJSON", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_boundaries(path)
    text = str(caught.value)
    assert message in text and str(path.name) in text and "\n" not in text


def test_other_country_in_the_data_dir_loads_the_same_way(adm3, tmp_path):
    data = tmp_path / "data"
    (data / "boundaries").mkdir(parents=True)
    # A made-up second country: two square governorates coded XX01, XX02.
    squares = gpd.GeoDataFrame(
        {"ADM1_PCODE": ["XX02", "XX01"], "ADM1_EN": ["East", "West"], "ADM1_AR": ["شرق", "غرب"]},
        geometry=[shapely.box(1, 0, 2, 1), shapely.box(0, 0, 1, 1)],
        crs=4326,
    )
    squares.to_file(data / "boundaries" / "xxx_adm1_regions.geojson")
    layers = load_admin_layers(data)
    assert layers[1].adm1_pcode.tolist() == ["XX01", "XX02"]
    adm3.to_file(data / "boundaries" / "syr_adm3_subdistricts.geojson")
    with pytest.raises(DataDirError, match="SYR, XXX"):
        load_admin_layers(data)
    assert sorted(load_admin_layers(data, country="xxx").levels) == [1]
    out, _ = join_admin(
        gpd.GeoDataFrame(geometry=[shapely.Point(1.5, 0.5)], crs=4326),
        load_admin_layers(data, country="XXX"),
    )
    assert out.adm1_name.iloc[0] == "East"


def test_dataset_admin_names_map_to_pcodes_through_the_crosswalk(data_dir):
    from geo.boundaries import match_admin_names

    layers = load_admin_layers(data_dir)
    names = ["Dar'a", "Rural Damascus", "Rif Dimashq Governorate", "Daraa governorate", "Idleb"]
    assert match_admin_names(names, layers, level=1).tolist() == [
        "SY12",
        "SY03",
        "SY03",
        "SY12",
        "SY07",
    ]
    # "Daraa" and "Darayya" districts share a spelling key: the parent decides.
    districts = match_admin_names(
        ["Daraa", "Daraa", "Markaz Idlib district"], layers, level=2, parents=[None, "SY12", None]
    )
    assert districts.isna().tolist() == [True, False, False]
    assert districts.iloc[1:].tolist() == ["SY1200", "SY0700"]
    assert match_admin_names(["Atlantis", None, ""], layers, level=1).isna().all()


def test_every_acled_and_ucdp_syria_governorate_name_is_known(events_dir, data_dir):
    import pandas as pd

    from geo.boundaries import match_admin_names

    layers = load_admin_layers(data_dir)
    for name, column in (
        ("acled_2020_export_sample.csv", "admin1"),
        ("acled_2022h1_acledR_sample.csv", "admin1"),
        ("ucdp_ged_syria_652_sample.csv", "adm_1"),
    ):
        rows = pd.read_csv(events_dir / name)
        given = rows.loc[rows.country == "Syria", column].dropna().unique().tolist()
        codes = match_admin_names(given, layers, level=1)
        unknown = [n for n, c in zip(given, codes, strict=True) if pd.isna(c)]
        assert unknown == [], f"{name}: {unknown}"


def test_geopackage_with_every_level_lines_and_mixed_crs(adm3, tmp_path):
    """A COD-AB-style GeoPackage: adm0..adm3 polygons, a lines layer, one level projected."""
    path = tmp_path / "xyz_adm.gpkg"
    columns = {"adm0_pcode": "ADM0_PCODE", "adm0_name_en": "ADM0_EN"}
    adm3.dissolve(by="adm0_pcode", as_index=False)[[*columns, "geometry"]].rename(
        columns=columns
    ).to_file(path, layer="admin0")
    for level in (1, 2, 3):
        columns |= {
            f"adm{level}_pcode": f"ADM{level}_PCODE",
            f"adm{level}_name_en": f"ADM{level}_EN",
            f"adm{level}_name_ar": f"ADM{level}_AR",
        }
        layer = adm3.dissolve(by=f"adm{level}_pcode", as_index=False)[[*columns, "geometry"]]
        layer = layer.rename(columns=columns)
        (layer.to_crs(32637) if level == 2 else layer).to_file(path, layer=f"admin{level}")
    lines = adm3.boundary.to_frame("geometry").assign(kind="border")
    lines.to_file(path, layer="lines")
    levels, problems, _, kinds = read_boundaries(path)
    assert {n: len(g) for n, g in levels.items()} == {1: 14, 2: 62, 3: 272}
    assert set(kinds.values()) == {"cod-ab"}
    assert levels[2].crs.to_epsg() == 4326
    reasons = " | ".join(p.reason for p in problems)
    assert "reprojected from EPSG:32637" in reasons and "different CRS" in reasons
