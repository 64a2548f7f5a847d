"""Data management: fetch official boundaries and gazetteers into a per-user cache, verified.

``fetch("SYR")`` asks the geoBoundaries API (gbOpen, ADM1-ADM3) and HDX (the OCHA COD-AB
dataset ``cod-ab-<iso3>``) for the country's boundary files and GeoNames for its gazetteer
dump, downloads them (with pooch) into ``<dest>/downloads/<ISO3>/``, checks each against
the checksum the source or mirror publishes (and against the one recorded at the last
fetch), normalises the boundaries once into ``<dest>/boundaries/<iso3>_adm<n>_<source>.geojson``
and records everything in ``<dest>/manifest.json``. ``<dest>`` (default: the user cache's
``data`` folder, which :func:`geo.settings.resolve_data_dir` falls back to) is then a data
directory like ``../shared/data``.

``mirror=`` takes the files from a local directory or URL instead, for air-gapped machines:
a directory is searched for the usual file names (``geoBoundaries-SYR-ADM3*.geojson``,
COD-AB ``syr_adm*``/``syr_admin*``, GeoNames ``SY.zip``/``cities*_SY.txt``); a URL must
list its files in a ``SHA256SUMS`` file (``sha256sum`` output) at its root, which a
directory may have too. Files a SHA256SUMS lists are verified against it.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pooch
import requests

from geo._files import atomic_path
from geo.boundaries import (
    ATTRIBUTIONS,
    BOUNDARY_SUFFIXES,
    MANIFEST_NAME,
    AdminLayers,
    load_admin_layers,
    read_boundaries,
)
from geo.report import DataDirError, GeoError, InputError
from geo.schema import ADM_LEVELS
from geo.settings import user_cache_dir

GEOBOUNDARIES_API = "https://www.geoboundaries.org/api/current/gbOpen/"
HDX_API = "https://data.humdata.org/api/3/action/"
GEONAMES_DUMP = "https://download.geonames.org/export/dump/"
GEONAMES_CREDIT = "Gazetteer: GeoNames (www.geonames.org), CC BY 4.0"
TIMEOUT_S = 60
# pooch prints every download and hash at INFO; fetch reports them itself.
pooch.get_logger().setLevel("WARNING")
# COD-AB resource formats, best first (a GeoPackage holds every level in one file).
_COD_FORMATS = ("geopackage", "gpkg", "geojson", "shp", "zipped shapefile", "shapefile")
# Source schemas in order of preference when two cover the same number of levels.
_KIND_PREFERENCE = ("cod-ab", "geo", "geoboundaries", "naturalearth")
_BOUNDARY_SUFFIXES = (".geojson", ".json", ".topojson", ".gpkg", ".zip", ".shp")


class FetchError(GeoError):
    """A download failed, did not match its checksum, or the source had nothing usable."""


@dataclass
class FetchedFile:
    """One file installed in the data directory."""

    path: str  # relative to dest
    source: str  # geoboundaries / cod-ab / geonames
    origin: str  # URL or mirror path it came from
    sha256: str
    attribution: str = ""
    raw: str = ""  # the verified download it was made from (relative to dest)
    raw_sha256: str = ""


@dataclass
class FetchReport:
    """What :func:`fetch` installed, and what it could not get (``notes``)."""

    iso3: str
    dest: Path
    files: list[FetchedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def attribution(self) -> str:
        parts = (p for f in self.files for p in f.attribution.split("; ") if p)
        return "; ".join(dict.fromkeys(parts))

    def __str__(self) -> str:
        lines = [f"{self.iso3}: {len(self.files)} files installed in {self.dest}"]
        lines += [
            f"  {f.path}  ({f.source}, sha256 {f.sha256[:12]}, from {f.origin})" for f in self.files
        ]
        lines += [f"  note: {n}" for n in self.notes]
        if self.attribution:
            lines.append(f"  credit: {self.attribution}")
        return "\n".join(lines)


@dataclass
class DataStatus:
    """What is installed in a data directory, from where, and whether files are intact."""

    dest: Path
    rows: list[dict] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.rows:
            return f"nothing installed in {self.dest}; run 'geo data fetch ISO3'"
        lines = [f"data directory: {self.dest}"]
        for row in self.rows:
            where = (
                f"{row['source']}, fetched {row['fetched_at']} from {row['origin']}"
                if row["state"] != "not fetched"
                else row["source"]
            )
            lines.append(f"  {row['country']}  {row['path']}  {row['state']}  ({where})")
        return "\n".join(lines)


# --------------------------------------------------------------------------- sources


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _get_json(url: str) -> dict | None:
    """JSON at ``url``; None for 404 (the source has no such item)."""
    try:
        response = requests.get(url, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise FetchError(
            f"cannot reach {url}: {exc.__class__.__name__}; use --mirror DIR_OR_URL offline"
        ) from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise FetchError(f"{url} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise FetchError(f"{url} did not return JSON") from None


@dataclass
class _Candidate:
    source: str
    url: str  # http(s) URL or local path
    name: str
    sha256: str | None = None
    attribution: str = ""


def _geoboundaries_candidates(
    iso3: str, api: str, *, simplified: bool
) -> tuple[list[_Candidate], list[str]]:
    found, notes = [], []
    for level in ADM_LEVELS:
        url = urljoin(api, f"{iso3}/ADM{level}/")
        meta = _get_json(url)
        if not meta:
            notes.append(f"geoBoundaries has no {iso3} ADM{level}")
            continue
        if isinstance(meta, list):
            meta = meta[0]
        keys = ("simplifiedGeometryGeoJSON", "gjDownloadURL", "tjDownloadURL")
        keys = keys if simplified else keys[1:] + keys[:1]
        link = next((meta[k] for k in keys if meta.get(k)), None)
        if link is None:
            notes.append(f"geoBoundaries {iso3} ADM{level}: no download URL in {url}")
            continue
        sources = ", ".join(
            v for k, v in sorted(meta.items()) if re.fullmatch(r"boundarySource-\d+", k) and v
        )
        detail = f"; source: {sources}" if sources else ""
        licence = meta.get("boundaryLicense")
        detail += f"; licence: {licence}" if licence else ""
        credit = ATTRIBUTIONS["geoboundaries"].format(detail=detail)
        name = f"geoBoundaries-{iso3}-ADM{level}{Path(urlparse(link).path).suffix or '.geojson'}"
        found.append(_Candidate("geoboundaries", link, name, None, credit))
    return found, notes


def _cod_ab_candidates(iso3: str, api: str) -> tuple[list[_Candidate], list[str]]:
    url = urljoin(api, f"package_show?id=cod-ab-{iso3.lower()}")
    package = _get_json(url)
    if not package or not package.get("success", True):
        return [], [f"HDX has no COD-AB dataset cod-ab-{iso3.lower()}"]
    resources = package.get("result", package).get("resources", [])
    by_format: dict[str, list[dict]] = {}
    for resource in resources:
        by_format.setdefault(str(resource.get("format", "")).strip().lower(), []).append(resource)
    for fmt in _COD_FORMATS:
        if fmt in by_format:
            chosen = by_format[fmt]
            break
    else:
        formats = ", ".join(sorted(by_format)) or "none"
        return [], [
            f"HDX cod-ab-{iso3.lower()} has no GeoPackage, GeoJSON or Shapefile (formats: {formats})"
        ]
    found = []
    for resource in chosen:
        link = resource["url"]
        digest = str(resource.get("hash") or "").removeprefix("sha256:") or None
        digest = digest if digest and len(digest) == 64 else None  # CKAN may hold md5 or nothing
        name = Path(urlparse(link).path).name or str(resource.get("name"))
        found.append(_Candidate("cod-ab", link, name, digest, ATTRIBUTIONS["cod-ab"]))
    return found, []


def _iso2_from_layers(layers: AdminLayers) -> str | None:
    """OCHA P-codes start with the ISO 3166-1 alpha-2 code (SY01 -> SY)."""
    for n, layer in sorted(layers.levels.items()):
        codes = layer[f"adm{n}_pcode"].dropna()
        if len(codes) and codes.str.match(r"^[A-Z]{2}\d").all():
            return codes.iloc[0][:2]
    return None


# --------------------------------------------------------------------------- mirrors


def _read_sums(text: str) -> dict[str, str]:
    sums = {}
    for line in text.splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2 and len(parts[0]) == 64:
            sums[parts[1].lstrip("*").removeprefix("./")] = parts[0].lower()
    return sums


def _mirror_listing(mirror: str) -> tuple[dict[str, str | None], bool]:
    """Relative path -> sha256 (None when unknown) of every file a mirror offers."""
    if urlparse(mirror).scheme in ("http", "https"):
        base = mirror if mirror.endswith("/") else mirror + "/"
        try:
            response = requests.get(base + "SHA256SUMS", timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise FetchError(f"cannot reach mirror {base}: {exc.__class__.__name__}") from None
        if response.status_code != 200:
            raise FetchError(
                f"mirror {base} has no SHA256SUMS listing its files (HTTP {response.status_code})"
            )
        return dict(_read_sums(response.text)), True
    root = Path(mirror).expanduser()
    if not root.is_dir():
        raise FetchError(f"mirror {mirror!r} is neither a directory nor an http(s) URL")
    sums_file = root / "SHA256SUMS"
    if sums_file.is_file():
        return dict(_read_sums(sums_file.read_text(encoding="utf-8"))), False
    return {str(p.relative_to(root)): None for p in sorted(root.rglob("*")) if p.is_file()}, False


def _mirror_candidates(
    iso3: str, mirror: str
) -> tuple[list[_Candidate], list[str], dict[str, str | None]]:
    listing, remote = _mirror_listing(mirror)
    base = (
        (mirror if mirror.endswith("/") else mirror + "/")
        if remote
        else str(Path(mirror).expanduser().resolve())
    )

    def where(rel: str) -> str:
        return urljoin(base, rel) if remote else str(Path(base) / rel)

    found: list[_Candidate] = []
    notes: list[str] = []
    names = {rel: Path(rel).name for rel in listing}
    for level in ADM_LEVELS:
        pattern = f"geoboundaries-{iso3.lower()}-adm{level}*"
        hits = sorted(
            rel
            for rel, name in names.items()
            if fnmatch.fnmatch(name.lower(), pattern)
            and name.lower().endswith((".geojson", ".topojson", ".zip", ".shp"))
        )
        # Full resolution before simplified, GeoJSON before TopoJSON.
        hits.sort(key=lambda r: ("simplified" in r.lower(), r.lower().endswith(".topojson")))
        if hits:
            meta = [
                r for r in names if fnmatch.fnmatch(names[r].lower(), f"{pattern}metadata.json")
            ]
            credit = ""  # read from the metadata file beside it, when the mirror has one
            found.append(
                _Candidate(
                    "geoboundaries", where(hits[0]), names[hits[0]], listing[hits[0]], credit
                )
            )
            for rel in meta[:1]:
                found.append(_Candidate("geoboundaries-meta", where(rel), names[rel], listing[rel]))
    cod = sorted(
        rel
        for rel, name in names.items()
        if fnmatch.fnmatch(name.lower(), f"{iso3.lower()}_adm*")
        and name.lower().endswith(_BOUNDARY_SUFFIXES)
    )
    for rel in cod:
        found.append(_Candidate("cod-ab", where(rel), names[rel], listing[rel], ""))
    if not found:
        notes.append(f"mirror {mirror} holds no boundary file for {iso3}")
    return found, notes, listing


def _geonames_candidate(
    iso2: str, listing: dict[str, str | None] | None, mirror: str | None, base: str
) -> _Candidate | None:
    if mirror is None or listing is None:
        return _Candidate(
            "geonames", urljoin(base, f"{iso2}.zip"), f"{iso2}.zip", None, GEONAMES_CREDIT
        )
    remote = urlparse(mirror).scheme in ("http", "https")
    patterns = (f"{iso2.lower()}.zip", f"{iso2.lower()}.txt", f"cities*_{iso2.lower()}.txt")
    for pattern in patterns:
        for rel in sorted(listing):
            if fnmatch.fnmatch(Path(rel).name.lower(), pattern):
                base = (mirror if mirror.endswith("/") else mirror + "/") if remote else mirror
                origin = (
                    urljoin(base, rel) if remote else str(Path(mirror).expanduser().resolve() / rel)
                )
                return _Candidate("geonames", origin, Path(rel).name, listing[rel], GEONAMES_CREDIT)
    return None


# --------------------------------------------------------------------------- installing


def _obtain(candidate: _Candidate, folder: Path, previous: dict) -> tuple[Path, str]:
    """The verified local copy of a candidate file (reusing an intact earlier download)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / candidate.name
    recorded = previous.get(candidate.url)
    expected = candidate.sha256 or recorded
    if target.is_file() and expected and _sha256(target) == expected:
        return target, expected
    if urlparse(candidate.url).scheme in ("http", "https"):
        target.unlink(missing_ok=True)
        try:
            pooch.retrieve(
                candidate.url,
                known_hash=f"sha256:{candidate.sha256}" if candidate.sha256 else None,
                fname=candidate.name,
                path=folder,
                progressbar=False,
            )
        except ValueError as exc:  # pooch: hash mismatch
            raise FetchError(f"{candidate.url}: checksum mismatch, file rejected ({exc})") from None
        except requests.RequestException as exc:
            raise FetchError(f"cannot download {candidate.url}: {exc.__class__.__name__}") from None
    else:
        source = Path(candidate.url)
        if not source.is_file():
            raise FetchError(f"mirror file {source} is missing")
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
            actual = _sha256(tmp)
            if candidate.sha256 and actual != candidate.sha256:
                raise FetchError(
                    f"{source}: sha256 {actual[:12]}... does not match the mirror's SHA256SUMS "
                    f"({candidate.sha256[:12]}...); file rejected"
                )
    digest = _sha256(target)
    if recorded and not candidate.sha256 and digest != recorded:
        # Same URL, different bytes than last time: the source changed or the copy is bad.
        raise FetchError(
            f"{candidate.url}: sha256 {digest[:12]}... differs from the {recorded[:12]}... "
            f"recorded at the last fetch; delete {target} to accept the new file"
        )
    return target, digest


def _read_manifest(dest: Path) -> dict:
    path = dest / MANIFEST_NAME
    if not path.is_file():
        return {"version": 1, "countries": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataDirError(f"{path} is not valid JSON ({exc}); delete it and fetch again") from None


def _write_manifest(dest: Path, manifest: dict) -> None:
    with atomic_path(dest / MANIFEST_NAME) as tmp:
        tmp.write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )


def _fetch_geonames(
    iso2: str | None,
    listing: dict[str, str | None] | None,
    mirror: str | None,
    base: str,
    dest: Path,
    previous: dict,
    report: FetchReport,
) -> FetchedFile | None:
    """The GeoNames country dump in ``gazetteer/geonames/``; a note instead when missing
    (the boundaries are installed either way)."""
    if iso2 is None:
        report.notes.append("GeoNames not fetched: no ISO2 code found in the P-codes")
        return None
    candidate = _geonames_candidate(iso2, listing, mirror, base)
    if candidate is None:
        report.notes.append(f"GeoNames not fetched: mirror {mirror} holds no file for {iso2}")
        return None
    try:
        path, digest = _obtain(candidate, dest / "gazetteer" / "geonames", previous)
    except FetchError as exc:
        report.notes.append(f"GeoNames not fetched: {exc}")
        return None
    rel = str(path.relative_to(dest))
    return FetchedFile(rel, "geonames", candidate.url, digest, GEONAMES_CREDIT, rel, digest)


def fetch(
    iso3: str,
    *,
    dest: str | os.PathLike | None = None,
    mirror: str | os.PathLike | None = None,
    simplified: bool = False,
    gazetteer: bool = True,
    geoboundaries_api: str = GEOBOUNDARIES_API,
    hdx_api: str = HDX_API,
    geonames_url: str = GEONAMES_DUMP,
) -> FetchReport:
    """Download, verify and normalise a country's boundaries (and gazetteer) into ``dest``.

    Parameters
    ----------
    iso3 : str
        ISO 3166-1 alpha-3 code, e.g. "SYR".
    dest : path-like, optional, keyword-only
        Data directory to install into; default ``<user cache>/data``.
    mirror : str or path-like, optional, keyword-only
        Local directory or http(s) URL to take every file from instead of the internet.
    simplified : bool, keyword-only
        Prefer geoBoundaries' simplified geometries (smaller, coarser borders).
    gazetteer : bool, keyword-only
        Also fetch the GeoNames country dump into ``gazetteer/geonames/``.
    geoboundaries_api, hdx_api, geonames_url : str, keyword-only
        Base URLs of the geoBoundaries API, the HDX CKAN API and the GeoNames dumps.

    Returns
    -------
    FetchReport
        Files installed (with checksums and origins) and notes on what was unavailable.

    Raises
    ------
    FetchError
        Unreachable source, checksum mismatch, or no usable boundary file at all.
    """
    iso3 = str(iso3).strip().upper()
    if len(iso3) != 3 or not iso3.isalpha():
        raise InputError(f"country code {iso3!r} is not an ISO 3166-1 alpha-3 code (e.g. SYR)")
    dest = Path(dest).expanduser() if dest is not None else user_cache_dir() / "data"
    downloads = dest / "downloads" / iso3
    manifest = _read_manifest(dest)
    country = manifest["countries"].get(iso3, {})
    previous = {
        entry.get("origin"): entry.get("raw_sha256") for entry in country.get("files", {}).values()
    }
    report = FetchReport(iso3, dest)

    listing = None
    if mirror is not None:
        mirror = str(mirror)
        candidates, notes, listing = _mirror_candidates(iso3, mirror)
        origin_label = f"mirror {mirror}"
    else:
        gb, notes = _geoboundaries_candidates(iso3, geoboundaries_api, simplified=simplified)
        cod, cod_notes = _cod_ab_candidates(iso3, hdx_api)
        candidates, notes = cod + gb, notes + cod_notes
        origin_label = "online"
    report.notes += notes

    raw: dict[str, list[tuple[_Candidate, Path, str]]] = {}
    for candidate in candidates:
        path, digest = _obtain(candidate, downloads, previous)
        raw.setdefault(candidate.source, []).append((candidate, path, digest))
    if not raw.get("cod-ab") and not raw.get("geoboundaries"):
        raise FetchError(
            f"no boundary files found for {iso3} ({origin_label}); " + "; ".join(report.notes)
        )

    # Normalise once. One consistent hierarchy is worth more than the best file per level:
    # the source schema covering most levels wins them all, COD-AB first on a tie (P-codes,
    # Arabic names); others fill levels it lacks (their parents derived spatially).
    offers: list[tuple[str, int, _Candidate, Path, str, str]] = []
    for candidate, path, digest in raw.get("cod-ab", []) + raw.get("geoboundaries", []):
        try:
            found = read_boundaries(path)
        except InputError as exc:
            report.notes.append(f"{candidate.name}: not used ({str(exc).split(': ', 1)[-1]})")
            continue
        for level, kind in found.kinds.items():
            offers.append(
                (kind, level, candidate, path, digest, candidate.attribution or found.attribution)
            )
    coverage: dict[str, set[int]] = {}
    for kind, level, *_ in offers:
        coverage.setdefault(kind, set()).add(level)
    rank = {kind: (-len(levels), _KIND_PREFERENCE.index(kind)) for kind, levels in coverage.items()}
    chosen: dict[int, tuple[str, _Candidate, Path, str, str]] = {}
    ordered: list[str] = []  # files in the order load_admin_layers should prefer them
    for kind, level, candidate, path, digest, credit in sorted(
        offers, key=lambda o: (rank[o[0]], o[2].name)
    ):
        if level not in chosen:
            chosen[level] = (kind, candidate, path, digest, credit)
            ordered += [str(path)] if str(path) not in ordered else []
    if not chosen:
        raise FetchError(
            f"none of the {iso3} boundary files could be read; " + "; ".join(report.notes)
        )
    layers = load_admin_layers(files=ordered)
    boundaries = dest / "boundaries"
    boundaries.mkdir(parents=True, exist_ok=True)
    # Replace only what an earlier fetch installed: dest may be a hand-made data directory.
    for rel in country.get("files", {}):
        if rel.startswith("boundaries/"):
            (dest / rel).unlink(missing_ok=True)
    files: dict[str, dict] = {}
    for level, (source, candidate, path, digest, credit) in sorted(chosen.items()):
        if level not in layers.levels:
            continue
        out = boundaries / f"{iso3.lower()}_adm{level}_{source}.geojson"
        with atomic_path(out) as tmp:
            layers[level].to_file(tmp, driver="GeoJSON")
        entry = FetchedFile(
            str(out.relative_to(dest)),
            source,
            candidate.url,
            _sha256(out),
            str(credit),
            str(path.relative_to(dest)),
            digest,
        )
        report.files.append(entry)
    report.notes += [str(p) for p in layers.problems]

    if gazetteer:
        iso2 = _iso2_from_layers(layers)
        gazetteer_file = _fetch_geonames(
            iso2, listing, mirror, geonames_url, dest, previous, report
        )
        if gazetteer_file is not None:
            report.files.append(gazetteer_file)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    for item in report.files:
        files[item.path] = {
            "source": item.source,
            "origin": item.origin,
            "sha256": item.sha256,
            "attribution": item.attribution,
            "raw": item.raw,
            "raw_sha256": item.raw_sha256,
        }
    manifest["countries"][iso3] = {"fetched_at": now, "from": origin_label, "files": files}
    _write_manifest(dest, manifest)
    return report


def status(*, dest: str | os.PathLike | None = None) -> DataStatus:
    """What ``fetch`` installed in ``dest`` (default the user cache), from where, and
    whether each file still matches its recorded checksum (ok / modified / missing).
    Boundary files placed there by hand are listed too, as "not fetched"."""
    dest = Path(dest).expanduser() if dest is not None else user_cache_dir() / "data"
    manifest = _read_manifest(dest)
    result = DataStatus(dest)
    for iso3, country in sorted(manifest["countries"].items()):
        for rel, entry in sorted(country.get("files", {}).items()):
            path = dest / rel
            state = (
                "missing"
                if not path.is_file()
                else ("ok" if _sha256(path) == entry["sha256"] else "modified")
            )
            result.rows.append(
                {
                    "country": iso3,
                    "path": rel,
                    "state": state,
                    "source": entry.get("source", "?"),
                    "origin": entry.get("origin", "?"),
                    "fetched_at": country.get("fetched_at", "?"),
                }
            )
    managed = {row["path"] for row in result.rows}
    folder = dest / "boundaries"
    hand_made = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in hand_made:
        rel = str(path.relative_to(dest))
        if rel in managed or path.suffix.lower() not in BOUNDARY_SUFFIXES:
            continue
        result.rows.append(
            {
                "country": path.name.split("_")[0].upper() if "_" in path.name else "?",
                "path": rel,
                "state": "not fetched",
                "source": "placed by hand",
                "origin": "-",
                "fetched_at": "-",
            }
        )
    return result
