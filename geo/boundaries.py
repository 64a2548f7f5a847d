"""Admin boundary layers: read the files users have, normalise to one schema, validate.

Every level is a GeoDataFrame in EPSG:4326, sorted by P-code, with ``adm{n}_pcode``,
``adm{n}_name``, ``adm{n}_name_ar`` for its own level and each parent level.

Recognised sources (detected from the columns, whatever the file is called):

- geo's own normalised files (``adm{n}_pcode``, ``adm{n}_name`` or ``adm{n}_name_en``,
  ``adm{n}_name_ar``), as written by ``geo data fetch``;
- OCHA COD-AB, both the ``ADM1_EN``/``ADM1_AR``/``ADM1_PCODE`` schema and the lower-case
  ``adm1_name``/``adm1_name1``/``adm1_pcode`` one (the Arabic column found from ``lang1``);
- geoBoundaries GeoJSON/TopoJSON/Shapefile (``shapeName``, ``shapeID``, ``shapeType``);
- Natural Earth admin-1 (``adm1_code``, ``iso_3166_2``, ``name_en``, ``name_ar``).

Any of these read as Shapefile, GeoJSON, TopoJSON, GeoPackage (every polygon layer) or a
zip of them, through pyogrio. Validation repairs invalid geometries, reprojects to lon/lat,
merges features that share a P-code, derives missing parents spatially and checks that
levels nest; what it did and found is in ``AdminLayers.problems`` (stage ``boundaries``).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.report import DataDirError, InputError, Problem
from geo.schema import ADM_LEVELS
from geo.settings import PROJECT_DATA_DIR, resolve_data_dir

BOUNDARY_SUFFIXES = (".geojson", ".json", ".topojson", ".shp", ".gpkg", ".zip", ".parquet")
# geo's normalised layout inside ``<data_dir>/boundaries``: ``{iso3}_adm{n}_*.{geojson,...}``.
_NORMALISED_NAME = re.compile(r"^(?P<iso3>[a-z]{3})_adm(?P<level>[0-9])(_.*)?$", re.IGNORECASE)
MANIFEST_NAME = "manifest.json"

# Credit each source's licence requires (maps and exports show AdminLayers.attribution).
ATTRIBUTIONS = {
    "cod-ab": "Boundaries: OCHA Common Operational Datasets (COD-AB) via HDX, CC BY 3.0 IGO",
    "geoboundaries": (
        "Boundaries: geoBoundaries (Runfola et al. 2020, www.geoboundaries.org){detail}"
    ),
    "naturalearth": "Boundaries: Made with Natural Earth (public domain)",
    "opensyria": "Names and P-codes crosswalk: OpenSyria data-geography (CC BY 4.0)",
    "geo": "Boundaries: {detail}",
}
# A unit's representative point must fall in its parent; shares below this are reported.
_AREA_NESTING_SHARE = 0.95


@dataclass
class AdminLayers:
    """Admin units by level (1 = governorate ... 3 = subdistrict) plus the credit they need.

    ``problems`` lists what validation repaired or found (stage ``boundaries``); none of it
    stopped the layers from loading.
    """

    levels: dict[int, gpd.GeoDataFrame]
    attribution: str = ""
    sources: dict[int, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Derived structures (spatial indexes, projected copies) built once per layer set.
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, level: int) -> gpd.GeoDataFrame:
        try:
            return self.levels[level]
        except KeyError:
            raise KeyError(
                f"admin level {level!r} not loaded; levels available: {sorted(self.levels)}"
            ) from None

    @property
    def finest(self) -> int:
        return max(self.levels)

    def __repr__(self) -> str:
        counts = ", ".join(f"adm{n}: {len(g)}" for n, g in sorted(self.levels.items()))
        return f"AdminLayers({counts}; {len(self.problems)} validation notes)"


# --------------------------------------------------------------------------- reading


@dataclass
class _Detected:
    source: str  # geo / cod-ab / geoboundaries / naturalearth
    level: int
    columns: dict[str, str]  # normalised column -> column in the file


def _lower_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Lower-cased name -> original name (the first one wins on collisions)."""
    out: dict[str, str] = {}
    for column in frame.columns:
        out.setdefault(str(column).lower(), str(column))
    return out


def _arabic_column(frame: pd.DataFrame, cols: dict[str, str], n: int) -> str | None:
    for candidate in (f"adm{n}_ar", f"adm{n}_name_ar"):
        if candidate in cols:
            return cols[candidate]
    # COD-AB lower-case schema: adm1_name1..3 with the language in lang1..3.
    for k in (1, 2, 3):
        lang, name = cols.get(f"lang{k}"), cols.get(f"adm{n}_name{k}")
        if lang and name and (frame[lang].astype("string").str.lower() == "ar").any():
            return name
    return None


def _detect(frame: pd.DataFrame, label: str) -> _Detected:
    """Which source schema the frame follows, its level and where each field is."""
    cols = _lower_columns(frame)
    if "shapename" in cols and ("shapeid" in cols or "shapeiso" in cols):
        level_text = None
        for key in ("shapetype", "level"):
            if key in cols:
                values = frame[cols[key]].dropna().astype(str).unique()
                if len(values):
                    level_text = values[0]
                    break
        match = re.search(r"(\d)", level_text or "")
        if not match:
            raise InputError(
                f"{label}: geoBoundaries file without a shapeType/Level column saying its level "
                "(ADM1..ADM3); pass level= explicitly"
            )
        n = int(match.group(1))
        code = cols.get("shapeid") or cols["shapeiso"]
        return _Detected(
            "geoboundaries", n, {f"adm{n}_pcode": code, f"adm{n}_name": cols["shapename"]}
        )
    if "featurecla" in cols or {"adm1_code", "iso_3166_2", "adm0_a3"} <= set(cols):
        mapping = {"adm1_pcode": cols.get("iso_3166_2") or cols["adm1_code"]}
        mapping["adm1_name"] = cols.get("name_en") or cols["name"]
        if "name_ar" in cols:
            mapping["adm1_name_ar"] = cols["name_ar"]
        return _Detected("naturalearth", 1, mapping)
    levels = [n for n in range(0, 10) if f"adm{n}_pcode" in cols]
    if not levels:
        shown = ", ".join(map(str, list(frame.columns)[:12]))
        raise InputError(
            f"{label}: no recognisable admin name/code columns (found: {shown}); expected "
            "OCHA COD-AB (ADM1_PCODE, ADM1_EN), geoBoundaries (shapeName, shapeID), "
            "Natural Earth (adm1_code, name_en) or geo's adm1_pcode/adm1_name"
        )
    finest = max(levels)
    # COD-AB carries ADMn_EN/ADMn_PCODE upper-case, or adm1_name + adm1_name1 + lang1;
    # geo's own files carry adm1_name_en (or adm1_name) and adm1_name_ar.
    cod_ab = any(f"adm{n}_en" in cols for n in levels) or "lang1" in cols or "valid_on" in cols
    mapping = {}
    for n in range(min(1, finest), finest + 1):
        code = cols.get(f"adm{n}_pcode")
        if code is None:
            continue
        mapping[f"adm{n}_pcode"] = code
        for candidate in (f"adm{n}_en", f"adm{n}_name_en", f"adm{n}_name", f"adm{n}_ref_name"):
            if candidate in cols:
                mapping[f"adm{n}_name"] = cols[candidate]
                break
        arabic = _arabic_column(frame, cols, n)
        if arabic:
            mapping[f"adm{n}_name_ar"] = arabic
    if f"adm{finest}_name" not in mapping:
        raise InputError(
            f"{label}: has adm{finest}_pcode but no name column for it "
            f"(expected ADM{finest}_EN, adm{finest}_name or adm{finest}_name_en)"
        )
    return _Detected("cod-ab" if cod_ab else "geo", finest, mapping)


def _polygon_layers(path: Path) -> list[tuple[str, str | None]]:
    """(GDAL dataset path, layer name) of every layer in a file, folder or zip."""
    if path.suffix.lower() == ".parquet":
        return [(str(path), None)]
    dataset = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        layers = pyogrio.list_layers(dataset)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(f"{path}: cannot be read as a boundary file ({_one_line(exc)})") from None
    if len(layers) == 0 and path.suffix.lower() == ".zip":
        raise InputError(f"{path}: the zip holds no Shapefile, GeoJSON or GeoPackage layer")
    return [(dataset, str(name)) for name, _ in layers]


def _lonlat_bounds(frame: gpd.GeoDataFrame) -> bool:
    xmin, ymin, xmax, ymax = frame.total_bounds
    return bool(-180.5 <= xmin <= xmax <= 360.5 and -90.5 <= ymin <= ymax <= 90.5)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _read_layer(dataset: str, layer: str | None, label: str) -> gpd.GeoDataFrame:
    try:
        if layer is None:
            return gpd.read_parquet(dataset)
        return gpd.read_file(dataset, layer=layer, engine="pyogrio")
    except Exception as exc:  # GDAL, Arrow and JSON errors all mean "not readable"
        raise InputError(f"{label}: cannot be read ({_one_line(exc)})") from None


class BoundaryFile(NamedTuple):
    """What :func:`read_boundaries` found in one file, folder or zip."""

    levels: dict[int, gpd.GeoDataFrame]  # normalised layers by admin level
    problems: list[Problem]  # what validation repaired or found
    attribution: str  # the credit the source's licence requires
    kinds: dict[int, str]  # source schema per level: geo / cod-ab / geoboundaries / naturalearth


def read_boundaries(
    path: str | os.PathLike,
    *,
    level: int | None = None,
) -> BoundaryFile:
    """Read every admin layer in a boundary file, folder or zip and normalise it.

    Parameters
    ----------
    path : path-like
        A Shapefile, GeoJSON, TopoJSON, GeoPackage, GeoParquet, a zip of them, or a folder.
    level : int, optional, keyword-only
        Admin level of a single-layer file whose columns do not say it.

    Returns
    -------
    BoundaryFile
        ``levels``: the normalised layers (own and parents' admin columns plus geometry,
        EPSG:4326, sorted by P-code); ``problems``: what validation repaired or found;
        ``attribution``: the credit the source's licence requires; ``kinds``: the source
        schema detected per level.

    Raises
    ------
    InputError
        One line naming the file and the problem: unreadable, no recognisable name/code
        columns, no polygons, no CRS and not lon/lat, or every geometry empty.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: boundary file does not exist")
    if path.is_dir():
        members = sorted(p for p in path.iterdir() if p.suffix.lower() in BOUNDARY_SUFFIXES)
        sources = [_polygon_layers(p) for p in members]
        targets = [t for s in sources for t in s]
    else:
        targets = _polygon_layers(path)
    levels: dict[int, gpd.GeoDataFrame] = {}
    kinds: dict[int, str] = {}
    problems: list[Problem] = []
    credits: list[str] = []
    crs_seen: dict[str, str] = {}
    for dataset, layer in targets:
        label = dataset if layer is None or len(targets) == 1 else f"{dataset} (layer {layer!r})"
        label = label.replace("/vsizip/", "")
        frame = _read_layer(dataset, layer, label)
        # a table without a geometry column (e.g. a CSV) reads as a plain DataFrame
        spatial = isinstance(frame, gpd.GeoDataFrame)
        geometry_types = set(frame.geom_type.dropna().unique()) if spatial else set()
        if not geometry_types & {"Polygon", "MultiPolygon"}:
            if len(targets) > 1:
                continue  # lines and points beside the polygons in a COD-AB package
            shown = ", ".join(sorted(geometry_types)) or "no geometries"
            raise InputError(
                f"{label}: holds {shown}, not admin areas (Polygon or MultiPolygon expected)"
            )
        detected = _detect(frame, label)
        if level is not None and len(targets) == 1:
            detected = _relevel(detected, level)
        if detected.level not in ADM_LEVELS:
            continue  # adm0 (the country) and levels below adm3 are not used for joins
        normal, found = _normalise(frame, detected, label)
        crs_seen[label] = frame.crs.to_string() if frame.crs is not None else "none"
        problems += found
        if detected.level in levels:
            problems.append(_note(label, "level", f"a second adm{detected.level} layer; ignored"))
            continue
        levels[detected.level] = normal
        kinds[detected.level] = detected.source
        credits.append(_attribution(detected.source, path, frame))
    if not levels:
        raise InputError(
            f"{path}: no admin level 1-3 polygon layer (only the country outline or finer levels)"
        )
    if len(set(crs_seen.values())) > 1:
        listed = "; ".join(f"{k}: {v}" for k, v in crs_seen.items())
        problems.append(
            _note(
                str(path),
                "crs",
                f"layers came in different CRS ({listed}); all reprojected to EPSG:4326",
            )
        )
    return BoundaryFile(levels, problems, "; ".join(dict.fromkeys(c for c in credits if c)), kinds)


def _relevel(detected: _Detected, level: int) -> _Detected:
    if detected.level == level:
        return detected
    old = detected.level
    columns = {
        k.replace(f"adm{old}_", f"adm{level}_"): v
        for k, v in detected.columns.items()
        if k.startswith(f"adm{old}_")
    }
    return _Detected(detected.source, level, columns)


def _note(file: str, field_name: str, reason: str, value: str | None = None) -> Problem:
    return Problem(file, None, field_name, reason, stage="boundaries", value=value)


def _geoboundaries_credit(path: Path) -> str:
    """geoBoundaries credit, with the original source and licence from its metadata file
    (``geoBoundaries-SYR-ADM3-metaData.json``) when one lies beside the file or in a
    ``geoBoundaries/`` folder beside it."""
    detail = ""
    if path.is_file():
        prefix = re.match(r"(?i)(geoboundaries-[a-z]{3}-adm\d)", path.name)
        pattern = f"{prefix.group(1)}*metaData.json" if prefix else "geoBoundaries-*metaData.json"
        folders = (path.parent, path.parent / "geoBoundaries")
        meta = next((m for f in folders for m in sorted(f.glob(pattern))), None)
        if meta is not None:
            info = json.loads(meta.read_text(encoding="utf-8"))
            origin = ", ".join(
                v for k, v in sorted(info.items()) if re.fullmatch(r"boundarySource-\d+", k) and v
            )
            detail = f"; source: {origin}; licence: {info.get('boundaryLicense', 'see metadata')}"
    return ATTRIBUTIONS["geoboundaries"].format(detail=detail)


def _attribution(source: str, path: Path, frame: pd.DataFrame) -> str:
    if source == "geoboundaries":
        return _geoboundaries_credit(path)
    if source == "geo":
        # geo's files name their origins in provenance columns.
        credits = []
        if "gb_shapeID" in frame.columns:
            credits.append(_geoboundaries_credit(path))
        if "opensyria_id" in frame.columns:
            credits.append(ATTRIBUTIONS["opensyria"])
        return "; ".join(credits)
    return ATTRIBUTIONS[source]


def _clean_text(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def _normalise(
    frame: gpd.GeoDataFrame, detected: _Detected, label: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """One layer in the normalised schema, with what validation repaired or found."""
    n = detected.level
    problems: list[Problem] = []
    data = {}
    for m in range(1, n + 1):
        for suffix in ("pcode", "name", "name_ar"):
            column = f"adm{m}_{suffix}"
            source = detected.columns.get(column)
            data[column] = (
                _clean_text(frame[source])
                if source is not None
                else pd.Series(pd.NA, index=frame.index, dtype="string")
            )
    out = gpd.GeoDataFrame(data, geometry=frame.geometry.values, crs=frame.crs)

    # CRS: reproject to lon/lat; a file without one must already be lon/lat.
    if out.crs is None:
        if not _lonlat_bounds(out):
            raise InputError(
                f"{label}: has no CRS and its coordinates are not longitude/latitude; "
                "add a .prj or save it with a CRS"
            )
    elif not out.crs.equals(CRS.from_epsg(4326)):
        problems.append(_note(label, "crs", f"reprojected from {out.crs.to_string()} to EPSG:4326"))
        out = out.to_crs(4326)
    out = out.set_crs(4326, allow_override=True)

    empty = out.geometry.isna() | out.geometry.is_empty
    if empty.all():
        raise InputError(f"{label}: every geometry is empty")
    if empty.any():
        codes = ", ".join(out.loc[empty, f"adm{n}_pcode"].fillna("?").astype(str).head(10))
        problems.append(
            _note(
                label, "geometry", f"{int(empty.sum())} units with empty geometry left out", codes
            )
        )
        out = out.loc[~empty]

    # Invalid geometries: repaired (polygonal parts kept) and counted.
    invalid = ~out.geometry.is_valid
    if invalid.any():
        codes = ", ".join(out.loc[invalid, f"adm{n}_pcode"].fillna("?").astype(str).head(10))
        repaired = shapely.make_valid(out.geometry.values[invalid.to_numpy()])
        polygonal = [_polygonal_part(g) for g in repaired]
        out.loc[invalid, "geometry"] = gpd.GeoSeries(polygonal, index=out.index[invalid], crs=4326)
        problems.append(
            _note(label, "geometry", f"{int(invalid.sum())} invalid geometries repaired", codes)
        )
    out = out[out.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]

    # P-codes: missing ones reported; duplicates merged into one unit.
    code = f"adm{n}_pcode"
    missing = out[code].isna()
    if missing.any():
        names = ", ".join(out.loc[missing, f"adm{n}_name"].fillna("?").astype(str).head(10))
        problems.append(_note(label, code, f"{int(missing.sum())} units without a code", names))
    duplicated = out[code].duplicated(keep=False) & ~missing
    if duplicated.any():
        codes = sorted(out.loc[duplicated, code].unique())
        problems.append(
            _note(
                label,
                code,
                f"{len(codes)} codes on more than one feature; features merged",
                ", ".join(codes[:10]),
            )
        )
        merged = out[duplicated].dissolve(by=code, as_index=False, aggfunc="first")
        out = pd.concat([out[~duplicated], merged[out.columns]], ignore_index=True)
    out = out.sort_values(code, na_position="last", kind="stable").reset_index(drop=True)
    return out, problems


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g
        for g in getattr(geometry, "geoms", [geometry])
        if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


# --------------------------------------------------------------------------- assembling


def _fill_parents(levels: dict[int, gpd.GeoDataFrame], sources: dict[int, str]) -> list[Problem]:
    """Give each level its parents' codes and names (spatially where the file had none) and
    report units whose parent code is unknown or that lie outside their parent."""
    problems: list[Problem] = []
    ordered = sorted(levels)
    pairs = [(c, p) for c in ordered for p in sorted(ordered, reverse=True) if p < c]
    for child_level, parent_level in pairs:
        child, parent = levels[child_level], levels[parent_level]
        label = sources.get(child_level, f"adm{child_level}")
        points = child.geometry.representative_point()
        hits = gpd.GeoSeries(points.values, crs=4326).sindex.query(
            parent.geometry.values, predicate="contains"
        )
        # hits: (parent row, child row); the first parent per child wins (P-code order).
        spatial = np.full(len(child), -1)
        order = np.lexsort((hits[0], hits[1]))
        first = (
            np.r_[True, hits[1][order][1:] != hits[1][order][:-1]]
            if len(order)
            else np.zeros(0, bool)
        )
        spatial[hits[1][order][first]] = hits[0][order][first]
        parent_code = f"adm{parent_level}_pcode"
        known = child[parent_code].notna()
        if not known.any():
            # The file had no parent codes (geoBoundaries): take every parent column
            # from the parent unit holding the child's representative point.
            rows = np.where(spatial >= 0, spatial, -1)
            for column in parent.columns:
                if column.startswith("adm") and column != "geometry":
                    values = pd.array(parent[column], dtype="string").take(rows, allow_fill=True)
                    child[column] = values
            orphans = child.loc[rows < 0, f"adm{child_level}_pcode"].astype(str).tolist()
            problems.append(
                _note(
                    label,
                    parent_code,
                    f"parents derived spatially from adm{parent_level} (the file has no parent codes)",
                )
            )
            if orphans:
                problems.append(
                    _note(
                        label,
                        parent_code,
                        f"{len(orphans)} units lie in no adm{parent_level} unit",
                        ", ".join(orphans[:10]),
                    )
                )
            continue
        parent_codes = set(parent[parent_code].dropna())
        unknown = known & ~child[parent_code].isin(parent_codes)
        spatial_code = pd.array(parent[parent_code], dtype="string").take(spatial, allow_fill=True)
        mismatch = (
            known
            & ~unknown
            & (pd.Series(spatial_code, index=child.index) != child[parent_code]).fillna(True)
        )
        for bad, what in (
            (unknown, f"name a parent code missing from adm{parent_level}"),
            (
                mismatch,
                f"do not lie in the adm{parent_level} unit their parent code names "
                "(levels do not nest)",
            ),
        ):
            if bad.any():
                codes = ", ".join(child.loc[bad, f"adm{child_level}_pcode"].astype(str).head(10))
                problems.append(_note(label, parent_code, f"{int(bad.sum())} units {what}", codes))
    return problems


def boundary_files(root: Path, country: str | None = None) -> dict[str, dict[int, Path]]:
    """``{iso3: {level: path}}`` of the files laid out the way geo reads a boundaries
    folder (``{iso3}_adm{n}_*.geojson``...), for one country or all."""
    found: dict[str, dict[int, Path]] = {}
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in BOUNDARY_SUFFIXES:
            continue
        match = _NORMALISED_NAME.match(path.stem)
        if not match or int(match["level"]) not in ADM_LEVELS:
            continue
        iso3 = match["iso3"].upper()
        if country is None or iso3 == country.upper():
            found.setdefault(iso3, {}).setdefault(int(match["level"]), path)
    return found


def _manifest_attribution(root: Path, paths: Sequence[Path]) -> str:
    """Credits ``geo data fetch`` recorded for these files (``<data_dir>/manifest.json``)."""
    manifest = root.parent / MANIFEST_NAME
    if not manifest.is_file():
        return ""
    try:
        countries = json.loads(manifest.read_text(encoding="utf-8")).get("countries", {})
    except json.JSONDecodeError:
        return ""
    wanted = {p.resolve() for p in paths}
    credits = [
        entry.get("attribution", "")
        for country in countries.values()
        for rel, entry in country.get("files", {}).items()
        if (root.parent / rel).resolve() in wanted
    ]
    return "; ".join(dict.fromkeys(c for c in credits if c))


def load_admin_layers(
    data_dir: str | os.PathLike | None = None,
    *,
    country: str | None = None,
    files: Sequence[str | os.PathLike] | None = None,
) -> AdminLayers:
    """Read, normalise and validate the admin layers (levels 1-3).

    Parameters
    ----------
    data_dir : path-like, optional
        Data directory (see :func:`geo.settings.resolve_data_dir`); its ``boundaries/``
        folder holds ``{iso3}_adm{n}_*.geojson`` files (geo's layout, as ``geo data fetch``
        writes it).
    country : str, optional, keyword-only
        ISO3 code choosing among several countries in the data directory.
    files : sequence of path-like, optional, keyword-only
        Boundary files (any recognised source and format) to use instead of the data
        directory; each may hold one level or several.

    Returns
    -------
    AdminLayers
        Levels by number, the attribution their licences require, the files read and the
        validation notes.
    """
    paths: list[Path]
    if files is not None:
        paths = [Path(f) for f in files]
        if not paths:
            raise InputError("no boundary files given")
    else:
        root = resolve_data_dir(data_dir) / "boundaries"
        by_country = boundary_files(root, country)
        if not by_country:
            wanted = f" for {country.upper()}" if country else ""
            raise DataDirError(
                f"no admin boundary files{wanted} in {str(root)!r} (expected files named like "
                "syr_adm1_governorates.geojson); run 'geo data fetch ISO3' or pass files="
            )
        if len(by_country) > 1:
            raise DataDirError(
                f"{str(root)!r} holds boundaries for {', '.join(sorted(by_country))}; "
                "choose one with country=ISO3 (--country)"
            )
        paths = [p for _, p in sorted(next(iter(by_country.values())).items())]
    levels: dict[int, gpd.GeoDataFrame] = {}
    sources: dict[int, str] = {}
    problems: list[Problem] = []
    credits: list[str] = []
    for path in paths:
        found, notes, credit, _ = read_boundaries(path)
        problems += notes
        credits.append(credit)
        for n, layer in found.items():
            if n in levels:
                problems.append(
                    _note(str(path), "level", f"adm{n} already read from {sources[n]}; ignored")
                )
                continue
            levels[n], sources[n] = layer, str(path)
    problems += _fill_parents(levels, sources)
    if files is None:
        credits.insert(0, _manifest_attribution(root, paths))
    attribution = "; ".join(dict.fromkeys(c for part in credits for c in part.split("; ") if c))
    return AdminLayers(levels=levels, attribution=attribution, sources=sources, problems=problems)


# --------------------------------------------------------------------------- admin names

CROSSWALK_PATH = PROJECT_DATA_DIR / "admin_crosswalk.csv"
# Words that only say what kind of unit a name is ("Rif Dimashq Governorate").
_UNIT_WORDS = re.compile(
    r"\b(governorate|muhafazat?|province|district|sub-?district|nahiya|mantiqa|region)\b"
)
_ARTICLE = re.compile(r"\b(al|el|ar|as|ash|at|ath|az|ad|adh|an|ad)\s+")
# "Mintaqat" (area of) and "Markaz" (centre of), as keys: UCDP's "Markaz Idlib district".
_CENTRE = re.compile(r"^((mntqt|mrkz)\s+)+")


def name_key(name: str) -> str:
    """A spelling-tolerant key for an admin name: case, accents, apostrophes, hyphens,
    Arabic articles, unit words, vowels and doubled letters do not count, so "Dar'a",
    "Daraa Governorate" and "Dara" share a key, as do "Idleb"/"Idlib", "Lattakia"/"Latakia"."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[`'’ʿʾ]", "", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _UNIT_WORDS.sub(" ", text)
    text = _ARTICLE.sub("", " ".join(text.split()) + " ").strip()
    words = []
    for word in text.split():
        word = word.rstrip("h") or word  # Hamah/Hama, Raqqah/Raqqa
        word = re.sub(r"[aeiouyw]", "", word) or word
        words.append(re.sub(r"(.)\1+", r"\1", word))
    return " ".join(words)


def read_crosswalk(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The admin-name crosswalk: ``country, level, name, pcode, source, provenance`` rows
    mapping names a dataset uses to the P-code of the unit they mean."""
    path = Path(path) if path is not None else CROSSWALK_PATH
    try:
        table = pd.read_csv(path, dtype="string", comment="#")
    except FileNotFoundError:
        raise DataDirError(f"admin crosswalk {str(path)!r} is missing") from None
    needed = {"country", "level", "name", "pcode"}
    if not needed <= set(table.columns):
        raise InputError(f"{path}: crosswalk needs columns {', '.join(sorted(needed))}")
    table["level"] = table["level"].astype("int64")
    return table


def match_admin_names(
    names: Sequence[str | None] | pd.Series,
    layers: AdminLayers,
    *,
    level: int,
    parents: Sequence[str | None] | pd.Series | None = None,
    crosswalk: pd.DataFrame | None = None,
) -> pd.Series:
    """P-codes of the units that admin names (as a dataset writes them) refer to.

    Parameters
    ----------
    names : sequence of str
        Names such as ACLED ``admin1`` or UCDP ``adm_1`` values ("Dar'a",
        "Rif Dimashq Governorate").
    layers : AdminLayers
        Units to match against (their English names and P-codes).
    level : int, keyword-only
        Admin level of the names.
    parents : sequence of str, optional, keyword-only
        Parent P-codes (level - 1) to match within; disambiguates repeated names.
    crosswalk : DataFrame, optional, keyword-only
        Explicit name -> P-code entries (default :func:`read_crosswalk`), tried first.

    Returns
    -------
    Series of string
        The P-code per name, NA where the name is empty, unknown or ambiguous.
    """
    crosswalk = read_crosswalk() if crosswalk is None else crosswalk
    units = layers[level]
    code, parent_code = f"adm{level}_pcode", f"adm{level - 1}_pcode"
    has_parent = parent_code in units.columns
    known_codes = set(units[code].dropna())
    explicit: dict[tuple[str, str | None], str] = {}
    for row in crosswalk[crosswalk["level"] == level].itertuples(index=False):
        if row.pcode in known_codes:
            explicit[(name_key(row.name), None)] = row.pcode
    by_key: dict[tuple[str, str | None], set[str]] = {}
    for row in units.itertuples(index=False):
        pcode = getattr(row, code)
        parent = getattr(row, parent_code) if has_parent else None
        for name in (getattr(row, f"adm{level}_name"),):
            if name is None or pd.isna(name):
                continue
            for key in {name_key(name), _CENTRE.sub("", name_key(name))}:
                by_key.setdefault((key, None), set()).add(pcode)
                by_key.setdefault((key, parent), set()).add(pcode)
    names = list(names)
    parents = list(parents) if parents is not None else [None] * len(names)
    out = []
    for name, parent in zip(names, parents, strict=True):
        if name is None or pd.isna(name) or not str(name).strip():
            out.append(None)
            continue
        key = name_key(name)
        parent = None if parent is None or pd.isna(parent) else parent
        found = explicit.get((key, None))
        if found is None:
            for candidate in (key, _CENTRE.sub("", key)):
                hits = by_key.get((candidate, parent)) or by_key.get((candidate, None)) or set()
                if len(hits) == 1:
                    found = next(iter(hits))
                    break
        out.append(found)
    return pd.Series(out, dtype="string")
