"""Readers for the gazetteer sources a user can obtain.

Each reader returns a :class:`SourceTable`: one row per feature (``entries``) and one row
per name of a feature (``names``, with ``entry`` pointing into ``entries``). Files are
recognised by their content, not their names, so a user's full GeoNames ``SY.txt`` (or a
``.zip`` of it) or any other country's files load the same way.

Entry columns: ``name``, ``name_ar``, ``latitude``, ``longitude``, ``kind`` (place / adm1 /
adm2 / adm3 / region), ``feature_code``, ``population``, ``source``, ``source_id``,
``gn_id`` (GeoNames id, to merge sources), ``pcode`` (admin units), ``members``
(space-separated ADM3 P-codes of a region), ``provenance``.
"""

from __future__ import annotations

import io
import json
import math
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.gazetteer.normalize import script_of
from geo.report import DataDirError

ENTRY_COLUMNS: tuple[str, ...] = (
    "name",
    "name_ar",
    "latitude",
    "longitude",
    "kind",
    "feature_code",
    "population",
    "source",
    "source_id",
    "gn_id",
    "pcode",
    "members",
    "provenance",
)

GEONAMES_COLUMNS: tuple[str, ...] = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "latitude",
    "longitude",
    "feature_class",
    "feature_code",
    "country_code",
    "cc2",
    "admin1_code",
    "admin2_code",
    "admin3_code",
    "admin4_code",
    "population",
    "elevation",
    "dem",
    "timezone",
    "modification_date",
)
# WOF placetypes that are admin units: the admin layers (with P-codes) describe those.
_WOF_ADMIN_PLACETYPES = frozenset(
    [
        "country",
        "region",
        "county",
        "macroregion",
        "macrocounty",
        "dependency",
        "empire",
        "continent",
        "ocean",
        "marinearea",
        "disputed",
    ]
)
# Names longer than this are descriptions, not names.
_MAX_NAME_LEN = 80


@dataclass
class SourceTable:
    """Features and their names from one source file."""

    entries: pd.DataFrame
    names: pd.DataFrame  # entry (int, row in entries), name (str), primary (bool)
    path: str

    @classmethod
    def from_records(cls, entries: list[dict], names: list[tuple[int, str, bool]], path: str):
        frame = pd.DataFrame.from_records(entries, columns=list(ENTRY_COLUMNS))
        name_frame = pd.DataFrame.from_records(names, columns=["entry", "name", "primary"])
        return cls(frame, name_frame, path)


def _usable_name(text: object) -> str | None:
    """A name worth indexing: Latin or Arabic script, not too long."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > _MAX_NAME_LEN:
        return None
    return text if script_of(text) in ("latin", "arabic") else None


def _add_names(names: list, entry: int, values, *, primary_first: bool = True) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        text = _usable_name(value)
        if text is None or text in seen:
            continue
        seen.add(text)
        names.append((entry, text, primary_first and i == 0))


def _float(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out


def detect_format(path: Path) -> str | None:
    """ "geonames", "whosonfirst", "opensyria", "aliases", "regions" or None (not a gazetteer)."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return "geonames"
    if suffix == ".txt":
        return "geonames"
    if suffix == ".tsv":
        with path.open(encoding="utf-8", errors="replace") as handle:
            header = handle.readline().rstrip("\r\n").split("\t")
        return "whosonfirst" if "wof_id" in header else None
    if suffix == ".csv":
        with path.open(encoding="utf-8", errors="replace") as handle:
            header = handle.readline().strip().split(",")
        return "aliases" if {"alias", "target"} <= set(header) else None
    if suffix == ".json":
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataDirError(f"gazetteer file {str(path)!r} is not valid JSON: {exc}") from None
        if isinstance(records, dict) and "regions" in records:
            return "regions"
        if isinstance(records, list) and records and isinstance(records[0], dict):
            first = records[0]
            if "name" in first and "centroid" in first:
                return "opensyria"
        return None
    return None


def read_geonames(path: Path) -> SourceTable:
    """A GeoNames dump file (``cities500.txt``, ``SY.txt`` or its ``.zip``): 19 tab-separated
    columns, no header. Every feature class is kept; ``feature_code`` says what it is."""
    try:
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                members = [
                    n for n in archive.namelist() if n.endswith(".txt") and "readme" not in n
                ]
                if not members:
                    raise DataDirError(f"gazetteer file {str(path)!r} holds no GeoNames .txt dump")
                raw = archive.read(members[0]).decode("utf-8")
            source: io.StringIO | Path = io.StringIO(raw)
        else:
            source = path
        frame = pd.read_csv(
            source,
            sep="\t",
            header=None,
            dtype=str,
            quoting=3,
            keep_default_na=False,
            on_bad_lines="error",
            encoding="utf-8",
        )
    except (pd.errors.ParserError, UnicodeDecodeError, zipfile.BadZipFile, ValueError) as exc:
        raise DataDirError(
            f"gazetteer file {str(path)!r} is not in GeoNames dump format: {str(exc).splitlines()[0]}"
        ) from None
    if frame.shape[1] != len(GEONAMES_COLUMNS):
        raise DataDirError(
            f"gazetteer file {str(path)!r} is not in GeoNames dump format: "
            f"expected {len(GEONAMES_COLUMNS)} tab-separated columns, found {frame.shape[1]}"
        )
    frame.columns = list(GEONAMES_COLUMNS)
    lat = pd.to_numeric(frame["latitude"], errors="coerce")
    lon = pd.to_numeric(frame["longitude"], errors="coerce")
    if lat.isna().any():
        bad = int(lat.isna().idxmax()) + 1
        raise DataDirError(
            f"gazetteer file {str(path)!r} line {bad}: latitude "
            f"{frame['latitude'].iloc[bad - 1]!r} is not a number"
        )
    entries: list[dict] = []
    names: list[tuple[int, str, bool]] = []
    for i, row in enumerate(frame.itertuples(index=False)):
        alternates = row.alternatenames.split(",") if row.alternatenames else []
        arabic = next((a for a in alternates if script_of(a) == "arabic"), "")
        entries.append(
            {
                "name": row.name,
                "name_ar": arabic,
                "latitude": lat.iat[i],
                "longitude": lon.iat[i],
                "kind": "place",
                "feature_code": f"{row.feature_class}.{row.feature_code}",
                "population": _float(row.population) if row.population else 0.0,
                "source": "geonames",
                "source_id": row.geonameid,
                "gn_id": row.geonameid,
                "pcode": "",
                "members": "",
                "provenance": "",
            }
        )
        _add_names(names, i, [row.name, row.asciiname, *alternates])
    return SourceTable.from_records(entries, names, str(path))


def read_whosonfirst(path: Path) -> SourceTable:
    """A flattened Who's On First TSV (``wof_id``, ``placetype``, ``name``, ``name_ar``,
    ``names_other`` with '|'-separated names, ``lat``, ``lon``, GeoNames columns).
    Admin placetypes are skipped (the admin layers carry those, with P-codes); deprecated
    or superseded records are skipped."""
    try:
        frame = pd.read_csv(
            path, sep="\t", dtype=str, keep_default_na=False, quoting=3, encoding="utf-8"
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataDirError(
            f"gazetteer file {str(path)!r} is not a readable Who's On First TSV: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    required = {"wof_id", "placetype", "name", "lat", "lon"}
    missing = sorted(required - set(frame.columns))
    if missing:
        raise DataDirError(f"gazetteer file {str(path)!r} lacks Who's On First columns {missing}")
    for column in (
        "name_ar",
        "name_en",
        "names_other",
        "deprecated",
        "superseded_by",
        "gn_id",
        "gn_feature_class",
        "gn_feature_code",
        "gn_population",
        "is_current",
    ):
        if column not in frame.columns:
            frame[column] = ""
    keep = (
        (~frame["placetype"].isin(_WOF_ADMIN_PLACETYPES) | (frame["placetype"] == "country"))
        & (frame["deprecated"] == "")
        & (frame["superseded_by"] == "")
    )
    frame = frame[keep].reset_index(drop=True)
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    entries: list[dict] = []
    names: list[tuple[int, str, bool]] = []
    for i, row in enumerate(frame.itertuples(index=False)):
        if math.isnan(lat.iat[i]) or math.isnan(lon.iat[i]):
            continue
        code = row.gn_feature_code or {"campus": "S.AIRP"}.get(row.placetype, "")
        if code and "." not in code:
            code = f"{row.gn_feature_class or 'P'}.{code}"
        gn_id = row.gn_id.split(".")[0] if row.gn_id else ""
        name_ar = row.name_ar if script_of(row.name_ar) == "arabic" else ""
        n = len(entries)
        entries.append(
            {
                "name": row.name,
                "name_ar": name_ar,
                "latitude": lat.iat[i],
                "longitude": lon.iat[i],
                "kind": "country" if row.placetype == "country" else "place",
                "feature_code": "A.PCLI" if row.placetype == "country" else code or "P.PPL",
                "population": _float(row.gn_population) if row.gn_population else 0.0,
                "source": "whosonfirst",
                "source_id": row.wof_id,
                "gn_id": gn_id,
                "pcode": "",
                "members": "",
                "provenance": "",
            }
        )
        others = row.names_other.split("|") if row.names_other else []
        _add_names(names, n, [row.name, row.name_en, row.name_ar, *others])
    return SourceTable.from_records(entries, names, str(path))


def read_opensyria(path: Path) -> SourceTable:
    """OpenSyria data-geography admin units (``governorates.json``, ``districts.json``,
    ``subdistricts.json``): names, aliases, centroid, population and OCHA P-code."""
    records = json.loads(path.read_text(encoding="utf-8"))
    entries: list[dict] = []
    names: list[tuple[int, str, bool]] = []
    for record in records:
        if not isinstance(record, dict):
            continue
        pcode = str((record.get("externalIds") or {}).get("ochaPcode") or "")
        if not pcode:
            continue
        name = record.get("name") or {}
        if isinstance(name, str):
            name = {"en": name}
        level = 3 if "districtId" in record else 2 if "governorateId" in record else 1
        centroid = record.get("centroid") or {}
        population = (record.get("population") or {}).get("value") or 0
        n = len(entries)
        entries.append(
            {
                "name": name.get("en", ""),
                "name_ar": name.get("ar", ""),
                "latitude": _float(centroid.get("latitude")),
                "longitude": _float(centroid.get("longitude")),
                "kind": f"adm{level}",
                "feature_code": f"A.ADM{level}",
                "population": _float(population),
                "source": "opensyria",
                "source_id": str(record.get("id", pcode)),
                "gn_id": "",
                "pcode": pcode,
                "members": "",
                "provenance": "",
            }
        )
        aliases = [a.get("value") for a in record.get("aliases") or [] if isinstance(a, dict)]
        _add_names(names, n, [name.get("en"), name.get("ar"), *aliases])
    return SourceTable.from_records(entries, names, str(path))


def read_admin_layers(levels: dict[int, pd.DataFrame], *, path: str) -> SourceTable:
    """Admin units from the boundary layers (``adm{n}_pcode``, ``adm{n}_name``,
    ``adm{n}_name_ar``); the point is the polygon's centroid, or a point inside it when the
    centroid falls outside."""
    entries: list[dict] = []
    names: list[tuple[int, str, bool]] = []
    for level, layer in sorted(levels.items()):
        with warnings.catch_warnings():
            # Degrees are fine here: the point only has to lie inside the unit.
            warnings.simplefilter("ignore", UserWarning)
            centroids = layer.geometry.centroid
        inside = centroids.within(layer.geometry)
        points = centroids.where(inside, layer.geometry.representative_point())
        for row, point in zip(layer.itertuples(index=False), points, strict=True):
            n = len(entries)
            entries.append(
                {
                    "name": getattr(row, f"adm{level}_name"),
                    "name_ar": getattr(row, f"adm{level}_name_ar") or "",
                    "latitude": point.y,
                    "longitude": point.x,
                    "kind": f"adm{level}",
                    "feature_code": f"A.ADM{level}",
                    "population": 0.0,
                    "source": "boundaries",
                    "source_id": getattr(row, f"adm{level}_pcode"),
                    "gn_id": "",
                    "pcode": getattr(row, f"adm{level}_pcode"),
                    "members": "",
                    "provenance": "",
                }
            )
            _add_names(
                names, n, [getattr(row, f"adm{level}_name"), getattr(row, f"adm{level}_name_ar")]
            )
    return SourceTable.from_records(entries, names, path)


def read_regions(path: Path) -> SourceTable:
    """Project-authored regions: ``{"regions": [{"id", "name", "name_ar", "aliases",
    "adm3_pcodes", "provenance"}, ...]}``. Points and polygons are filled in later from
    the ADM3 layer."""
    document = json.loads(path.read_text(encoding="utf-8"))
    entries: list[dict] = []
    names: list[tuple[int, str, bool]] = []
    for i, region in enumerate(document.get("regions") or []):
        try:
            region_id, name, members = region["id"], region["name"], region["adm3_pcodes"]
        except (KeyError, TypeError):
            raise DataDirError(
                f"region file {str(path)!r} entry {i + 1}: needs 'id', 'name' and 'adm3_pcodes'"
            ) from None
        if not region.get("provenance"):
            raise DataDirError(
                f"region file {str(path)!r} entry {region_id!r}: 'provenance' is required"
            )
        n = len(entries)
        entries.append(
            {
                "name": name,
                "name_ar": region.get("name_ar", ""),
                "latitude": math.nan,
                "longitude": math.nan,
                "kind": "region",
                "feature_code": "L.RGN",
                "population": 0.0,
                "source": "project",
                "source_id": f"region:{region_id}",
                "gn_id": "",
                "pcode": "",
                "members": " ".join(members),
                "provenance": region["provenance"],
            }
        )
        _add_names(names, n, [name, region.get("name_ar"), *(region.get("aliases") or [])])
    return SourceTable.from_records(entries, names, str(path))


def read_aliases(path: Path) -> pd.DataFrame:
    """Project-authored aliases: CSV with ``alias``, ``target`` (``geonames:ID``,
    ``pcode:CODE``, ``region:ID`` or ``whosonfirst:ID``) and ``provenance``."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataDirError(
            f"alias file {str(path)!r} is not readable CSV: {str(exc).splitlines()[0]}"
        ) from None
    for column in ("alias", "target", "provenance"):
        if column not in frame.columns:
            raise DataDirError(f"alias file {str(path)!r} lacks the {column!r} column")
    empty = frame[(frame["provenance"].str.strip() == "") | (frame["alias"].str.strip() == "")]
    if len(empty):
        raise DataDirError(
            f"alias file {str(path)!r} row {int(empty.index[0]) + 1}: "
            "'alias' and 'provenance' must not be empty"
        )
    bad = frame[~frame["target"].str.contains(":", regex=False)]
    if len(bad):
        raise DataDirError(
            f"alias file {str(path)!r} row {int(bad.index[0]) + 1}: target "
            f"{bad['target'].iloc[0]!r} is not one of geonames:ID, pcode:CODE, region:ID, "
            "whosonfirst:ID"
        )
    return frame


READERS = {
    "geonames": read_geonames,
    "whosonfirst": read_whosonfirst,
    "opensyria": read_opensyria,
    "regions": read_regions,
}
