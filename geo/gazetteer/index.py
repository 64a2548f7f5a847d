"""Build the gazetteer index from a data directory, and cache it on disk.

The index is two tables: ``entries`` (one row per feature, sources merged: GeoNames and
Who's On First rows sharing a GeoNames id are one place; admin units from the boundary
layers and from OpenSyria sharing a P-code are one unit) and ``names`` (every name of
every entry with its three normalised keys). Both are written as Parquet under the cache
directory, in a file named after a signature of every input file (path, size, mtime) and
of the index format, so a changed input rebuilds the index and an unchanged one loads in
milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo._files import atomic_path
from geo.boundaries import load_admin_layers
from geo.gazetteer import sources
from geo.gazetteer.normalize import fold_key, name_key, skeleton_key, split_descriptors
from geo.report import DataDirError, GeoError

log = logging.getLogger(__name__)

# Bump when the index layout or the normalisation changes: old caches are then ignored.
INDEX_VERSION = "12"

# Importance tiers by GeoNames feature code; a place's importance adds a population term.
_TIERS = {
    "P.PPLC": 6.0,
    "P.PPLA": 5.0,
    "P.PPLA2": 4.0,
    "P.PPLA3": 3.0,
    "P.PPLA4": 2.5,
    "P.PPL": 2.0,
    "P.STLMT": 2.0,
    "P.PPLL": 1.5,
    "P.PPLX": 1.5,
    "P.PPLS": 1.5,
    "P.PPLF": 1.0,
    "P.PPLQ": 1.0,
    "P.PPLH": 1.0,
    "P.PPLW": 1.0,
}
_CLASS_TIERS = {"P": 2.0, "S": 1.5, "A": 2.0, "L": 1.5}
# Lower is preferred when sources disagree on a merged feature's attributes.
_SOURCE_PRIORITY = {"geonames": 0, "boundaries": 0, "project": 0, "opensyria": 1, "whosonfirst": 2}


@dataclass
class IndexData:
    """The two tables of a built index, and what happened while building it."""

    entries: pd.DataFrame
    names: pd.DataFrame
    signature: str
    notes: list[str] = field(default_factory=list)


def gazetteer_files(directories: list[Path]) -> list[tuple[Path, str]]:
    """(path, format) of every gazetteer file in ``directories`` (recursively, sorted)."""
    found = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            fmt = sources.detect_format(path)
            if fmt is not None:
                found.append((path, fmt))
    return found


def signature(files: list[Path]) -> str:
    """Hash of the index version and each input file's path, size and mtime."""
    digest = hashlib.sha256(INDEX_VERSION.encode())
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def load_or_build(data_dir: Path, project_dir: Path, cache_dir: Path) -> IndexData:
    """The index for ``data_dir`` (+ the project's curated files), from cache when fresh."""
    gazetteer_dirs = [data_dir / "gazetteer", project_dir / "gazetteer"]
    files = gazetteer_files(gazetteer_dirs)
    boundary_files = sorted(p for p in (data_dir / "boundaries").rglob("*") if p.is_file())
    sig = signature([p for p, _ in files] + boundary_files)
    entries_path = cache_dir / f"gazetteer-{sig}-entries.parquet"
    names_path = cache_dir / f"gazetteer-{sig}-names.parquet"
    cached = _read_cache(entries_path, names_path, sig)
    if cached is not None:
        return cached
    data = build(data_dir, files)
    data.signature = sig
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Each file is written whole under a private name and renamed into place, so
        # processes sharing the cache never see (or clobber) each other's half-written files.
        for frame, path in ((data.entries, entries_path), (data.names, names_path)):
            with atomic_path(path) as tmp:
                frame.to_parquet(tmp, index=False)
    except (OSError, GeoError) as exc:  # a read-only cache is not fatal: the index is in memory
        log.warning("could not cache the gazetteer index in %s: %s", cache_dir, exc)
    return data


_ENTRY_COLUMNS = frozenset(
    {"name", "kind", "latitude", "longitude", "importance", "source_id", "area_wkb"}
)
_NAME_COLUMNS = frozenset({"entry", "name", "key", "fold", "skeleton", "primary", "curated"})


def _read_cache(entries_path: Path, names_path: Path, sig: str) -> IndexData | None:
    """The cached index, or None when it is missing, unreadable (truncated or corrupt by
    any means) or not the layout this version writes: the caller then rebuilds it."""
    if not (entries_path.is_file() and names_path.is_file()):
        return None
    try:
        entries = pd.read_parquet(entries_path)
        names = pd.read_parquet(names_path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a bad file
        log.warning("ignoring unreadable gazetteer cache %s: %s", entries_path, exc)
        return None
    entry = names["entry"] if "entry" in names.columns else None
    if (
        not set(entries.columns) >= _ENTRY_COLUMNS
        or not set(names.columns) >= _NAME_COLUMNS
        or entry is None
        or (len(entry) and (entry.min() < 0 or entry.max() >= len(entries)))
    ):
        log.warning("ignoring gazetteer cache %s: not this version's layout", entries_path)
        return None
    return IndexData(entries, names, sig)


def build(data_dir: Path, files: list[tuple[Path, str]]) -> IndexData:
    """Read every source, merge duplicates, locate entries in the admin layers, key the names."""
    layers = load_admin_layers(data_dir)
    tables: list[sources.SourceTable] = [
        sources.read_admin_layers(layers.levels, path=str(data_dir / "boundaries"))
    ]
    alias_frames: list[pd.DataFrame] = []
    for path, fmt in files:
        if fmt == "aliases":
            alias_frames.append(sources.read_aliases(path))
            continue
        try:
            tables.append(sources.READERS[fmt](path))
        except DataDirError:
            raise
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise DataDirError(
                f"gazetteer file {str(path)!r} could not be read as {fmt}: {exc}"
            ) from None
    if len(tables) == 1:
        log.warning("no gazetteer files under %s: only admin unit names", data_dir / "gazetteer")
    entries, names = _concat(tables)
    entries, names = _merge(entries, names)
    notes: list[str] = []
    entries = _locate(entries, layers, notes)
    if alias_frames:
        names = _add_aliases(entries, names, pd.concat(alias_frames, ignore_index=True), notes)
    entries["importance"] = _importance(entries)
    entries["area_wkb"] = _area_wkb(entries, layers)
    names = _key_names(names)
    return IndexData(entries.reset_index(drop=True), names, "", notes)


def _concat(tables: list[sources.SourceTable]) -> tuple[pd.DataFrame, pd.DataFrame]:
    entry_frames, name_frames, offset = [], [], 0
    for table in tables:
        entry_frames.append(table.entries)
        names = table.names.copy()
        names["entry"] += offset
        name_frames.append(names)
        offset += len(table.entries)
    entries = pd.concat(entry_frames, ignore_index=True)
    names = pd.concat(name_frames, ignore_index=True)
    # The project's own names (regions) override the sources, like its aliases.
    names["curated"] = (entries["source"].to_numpy()[names["entry"].to_numpy()]) == "project"
    return entries, names


def _merge(entries: pd.DataFrame, names: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One entry per GeoNames id (places) and per P-code (admin units)."""
    group = np.where(
        entries["gn_id"] != "",
        "gn:" + entries["gn_id"],
        np.where(
            entries["pcode"] != "", "pc:" + entries["pcode"], "e:" + entries.index.astype(str)
        ),
    )
    entries = entries.assign(
        group=group,
        priority=entries["source"].map(_SOURCE_PRIORITY).fillna(3),
        alt_ids=entries["source"] + ":" + entries["source_id"],
    )
    ordered = entries.sort_values(["group", "priority"], kind="stable")
    first = ordered.groupby("group", sort=False).head(1).set_index("group")
    by_group = ordered.groupby("group", sort=False)
    first["alt_ids"] = by_group["alt_ids"].agg(" ".join)
    first["population"] = by_group["population"].max()
    first["name_ar"] = by_group["name_ar"].agg(lambda s: next((v for v in s if v), ""))
    # GeoNames codes are richer than WOF defaults; take the first specific one.
    first["feature_code"] = by_group["feature_code"].agg(
        lambda s: next((v for v in s if v and v != "P.PPL"), s.iloc[0])
    )
    first = first.reset_index()
    canonical = pd.Series(np.arange(len(first)), index=first["group"])
    names = names.assign(
        entry=canonical.loc[entries["group"].to_numpy()[names["entry"]]].to_numpy()
    )
    names = names.sort_values(["entry", "primary"], ascending=[True, False], kind="stable")
    names = names.drop_duplicates(["entry", "name"]).reset_index(drop=True)
    return first.drop(columns=["priority"]), names


def _locate(entries: pd.DataFrame, layers, notes: list[str]) -> pd.DataFrame:
    """adm1..adm3 P-codes of each entry; region points from their member polygons."""
    adm3 = layers[3]
    entries = entries.copy()
    for level in (1, 2, 3):
        entries[f"adm{level}_pcode"] = ""
    # Admin units: their own code and parents, from the layer rows.
    for level in (1, 2, 3):
        layer = layers[level].set_index(f"adm{level}_pcode")
        rows = entries["kind"] == f"adm{level}"
        known = rows & entries["pcode"].isin(layer.index)
        for parent in range(1, level + 1):
            col = f"adm{parent}_pcode"
            entries.loc[known, col] = (
                entries.loc[known, "pcode"]
                if parent == level
                else layer.loc[entries.loc[known, "pcode"], col].to_numpy()
            )
        unknown = rows & ~known
        if unknown.any():
            notes.append(
                f"{int(unknown.sum())} adm{level} names have P-codes missing from the boundary "
                f"layer (e.g. {entries.loc[unknown, 'pcode'].iloc[0]!r}); kept as points"
            )
    # Regions: geometry = union of member subdistricts.
    by_code = adm3.set_index("adm3_pcode").geometry
    for i in entries.index[entries["kind"] == "region"]:
        members = [m for m in entries.at[i, "members"].split() if m in by_code.index]
        missing = len(entries.at[i, "members"].split()) - len(members)
        if missing:
            notes.append(
                f"region {entries.at[i, 'name']!r}: {missing} member P-codes not in the ADM3 layer"
            )
        entries.at[i, "members"] = " ".join(members)
        if not members:
            continue
        shape = shapely.union_all(by_code.loc[members].to_numpy())
        point = shape.centroid if shape.centroid.within(shape) else shape.representative_point()
        entries.at[i, "latitude"], entries.at[i, "longitude"] = point.y, point.x
        adm1 = set(adm3.set_index("adm3_pcode").loc[members, "adm1_pcode"])
        if len(adm1) == 1:
            entries.at[i, "adm1_pcode"] = adm1.pop()
    entries = entries[~((entries["kind"] == "region") & (entries["members"] == ""))]
    # Places: point in subdistrict.
    places = entries["kind"] == "place"
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            entries.loc[places, "longitude"], entries.loc[places, "latitude"]
        ),
        index=entries.index[places],
        crs=4326,
    )
    joined = gpd.sjoin(
        points,
        adm3[["adm1_pcode", "adm2_pcode", "adm3_pcode", "geometry"]],
        how="left",
        predicate="within",
    )
    joined = joined[~joined.index.duplicated()]
    # Places just outside the (simplified) borders: the nearest unit within 5 km.
    outside = joined.index[joined["adm3_pcode"].isna()]
    if len(outside):
        near = gpd.sjoin_nearest(
            points.loc[outside].to_crs(3857),
            adm3[["adm1_pcode", "adm2_pcode", "adm3_pcode", "geometry"]].to_crs(3857),
            how="left",
            max_distance=5_000,
        )
        near = near[~near.index.duplicated()]
        for level in (1, 2, 3):
            col = f"adm{level}_pcode"
            joined.loc[near.index, col] = near[col]
    for level in (1, 2, 3):
        col = f"adm{level}_pcode"
        entries.loc[joined.index, col] = joined[col].fillna("").to_numpy()
    return entries.reset_index(drop=True)


def _add_aliases(
    entries: pd.DataFrame, names: pd.DataFrame, aliases: pd.DataFrame, notes: list[str]
) -> pd.DataFrame:
    lookup: dict[str, int] = {}
    for i, ids in enumerate(entries["alt_ids"]):
        for ident in ids.split():
            lookup.setdefault(ident, i)
    for i, gn in enumerate(entries["gn_id"]):
        if gn:
            lookup.setdefault(f"geonames:{gn}", i)
    for i, code in enumerate(entries["pcode"]):
        if code:
            lookup.setdefault(f"pcode:{code}", i)
    for i, sid in enumerate(entries["source_id"]):
        if sid.startswith("region:"):
            lookup.setdefault(sid, i)
    rows = []
    for alias, target in zip(aliases["alias"], aliases["target"], strict=True):
        entry = lookup.get(target.strip())
        if entry is None:
            # Curated files may cover places this data directory does not hold.
            notes.append(f"alias {alias!r}: target {target!r} not in this data directory")
            continue
        rows.append((entry, alias.strip(), False, True))
    extra = pd.DataFrame(rows, columns=["entry", "name", "primary", "curated"])
    return pd.concat([names, extra], ignore_index=True)


def _area_wkb(entries: pd.DataFrame, layers) -> list[bytes | None]:
    """WKB of each area entry's polygon (None for places): the boundary layer's own polygon
    of an admin unit, the union of a region's member subdistricts or of a country's
    governorates. Cached with the index, so resolving names never reads the layers."""
    shapes = {
        level: dict(
            zip(layers[level][f"adm{level}_pcode"], layers[level].geometry.to_numpy(), strict=True)
        )
        for level in (1, 2, 3)
    }
    adm3 = layers[3]
    country = None
    out: list[bytes | None] = []
    for kind, pcode, members in zip(
        entries["kind"], entries["pcode"], entries["members"], strict=True
    ):
        shape = None
        if kind in ("adm1", "adm2", "adm3"):
            shape = shapes[int(kind[-1])].get(pcode)
        elif kind == "region":
            geoms = list(adm3.geometry[adm3["adm3_pcode"].isin(members.split())])
            shape = shapely.union_all(geoms) if geoms else None
        elif kind == "country":
            if country is None:
                geoms = list(shapes[1].values())
                country = shapely.union_all(geoms) if geoms else shapely.Point()
            shape = None if country.is_empty else country
        out.append(None if shape is None else shapely.to_wkb(shape))
    return out


def _importance(entries: pd.DataFrame) -> pd.Series:
    codes = entries["feature_code"].fillna("")
    tier = codes.map(_TIERS)
    tier = tier.fillna(codes.str[:1].map(_CLASS_TIERS)).fillna(1.0)
    population = entries["population"].fillna(0).clip(lower=0)
    return tier + np.minimum(1.0, np.log10(1 + population) / 7)


def _key_names(names: pd.DataFrame) -> pd.DataFrame:
    """Add name_key / fold_key / skeleton_key, plus descriptor-free variants of names such as
    "Nahiyat ad Damir" or "Hama Governorate"."""
    keyed = names.assign(key=[name_key(n) for n in names["name"]])
    stripped = [split_descriptors(k)[0] for k in keyed["key"]]
    variants = keyed.assign(key=stripped, primary=False)
    variants = variants[variants["key"] != keyed["key"]]
    keyed = pd.concat([keyed, variants], ignore_index=True)
    keyed = keyed[keyed["key"] != ""]
    keyed = keyed.sort_values(["primary", "curated"], ascending=False, kind="stable")
    keyed = keyed.drop_duplicates(["entry", "key"]).sort_values("entry", kind="stable")
    keyed["entry"] = keyed["entry"].astype(np.int64)
    keyed["primary"] = keyed["primary"].astype(bool)
    keyed["curated"] = keyed["curated"].astype(bool)
    keyed["fold"] = [fold_key(k) for k in keyed["key"]]
    keyed["skeleton"] = [skeleton_key(f) for f in keyed["fold"]]
    return keyed.reset_index(drop=True)
