"""geo data fetch / status end to end against a local HTTP server on 127.0.0.1.

The server serves the real files of ../shared/data and answers the two APIs fetch asks
(geoBoundaries' gbOpen metadata, HDX's CKAN package_show) the way the real ones do,
pointing their download links back at itself. Nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import pytest
import shapely

from geo import data
from geo.boundaries import load_admin_layers
from geo.join import join_admin
from geo.report import InputError

DUMAYR = shapely.Point(36.69376, 33.64389)
GB_TOPOJSON = "boundaries/geoBoundaries/geoBoundaries-SYR-ADM3_simplified.topojson"
GB_META = "boundaries/geoBoundaries/geoBoundaries-SYR-ADM3-metaData.json"
COD_ADM1 = "boundaries/cod-ab/syr_admin1.geojson"
GEONAMES = "gazetteer/geonames/cities500_SY.txt"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Upstream:
    """State of the emulated upstream: what was requested, what it should lie about."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        self.wrong_hash = False
        self.base = ""

    def mirror_sums(self) -> str:
        files = [GB_TOPOJSON, GB_META, COD_ADM1, GEONAMES]
        return "".join(f"{sha256(self.root / rel)}  {rel}\n" for rel in files)


def make_handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep pytest output clean
            pass

        def send(self, body: bytes, status: int = 200, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlparse(self.path)
            upstream.requests.append(url.path)
            root, base = upstream.root, upstream.base
            if url.path.startswith("/static/") or url.path.startswith("/mirror/"):
                rel = url.path.split("/", 2)[2]
                if url.path == "/mirror/SHA256SUMS":
                    return self.send(upstream.mirror_sums().encode(), kind="text/plain")
                path = (root / rel).resolve()
                if root.resolve() not in path.parents or not path.is_file():
                    return self.send(b"not found", 404, "text/plain")
                return self.send(path.read_bytes(), kind="application/octet-stream")
            if url.path == "/gb/api/current/gbOpen/SYR/ADM3/":
                meta = json.loads((root / GB_META).read_text(encoding="utf-8"))
                link = f"{base}/static/{GB_TOPOJSON}"
                meta |= {"gjDownloadURL": link, "tjDownloadURL": link}
                return self.send(json.dumps(meta).encode())
            if url.path.startswith("/gb/"):
                return self.send(b'{"error": "no such boundary"}', 404)
            if url.path == "/hdx/api/3/action/package_show":
                if parse_qs(url.query).get("id") != ["cod-ab-syr"]:
                    return self.send(b'{"success": false}', 404)
                digest = "0" * 64 if upstream.wrong_hash else sha256(root / COD_ADM1)
                resource = {
                    "name": "syr_admin1.geojson",
                    "format": "GeoJSON",
                    "url": f"{base}/static/{COD_ADM1}",
                    "hash": digest,
                }
                body = {"success": True, "result": {"name": "cod-ab-syr", "resources": [resource]}}
                return self.send(json.dumps(body).encode())
            if url.path == "/geonames/SY.zip":
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w") as archive:
                    archive.write(root / GEONAMES, "SY.txt")
                return self.send(buffer.getvalue(), kind="application/zip")
            return self.send(b"not found", 404, "text/plain")

    return Handler


@pytest.fixture
def upstream(data_dir):
    state = Upstream(data_dir)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def online(upstream: Upstream) -> dict[str, str]:
    return {
        "geoboundaries_api": f"{upstream.base}/gb/api/current/gbOpen/",
        "hdx_api": f"{upstream.base}/hdx/api/3/action/",
        "geonames_url": f"{upstream.base}/geonames/",
    }


def dumayr(layers) -> gpd.GeoDataFrame:
    out, _ = join_admin(gpd.GeoDataFrame(geometry=[DUMAYR], crs=4326), layers)
    return out.iloc[0]


def test_fetch_online_installs_verified_normalised_layers(upstream, tmp_path):
    report = data.fetch("syr", dest=tmp_path, **online(upstream))
    paths = sorted(f.path for f in report.files)
    assert paths == [
        "boundaries/syr_adm1_cod-ab.geojson",
        "boundaries/syr_adm3_geoboundaries.geojson",
        "gazetteer/geonames/SY.zip",
    ]
    assert "geoBoundaries has no SYR ADM1" in " ".join(report.notes)
    layers = load_admin_layers(tmp_path)
    assert {n: len(g) for n, g in layers.levels.items()} == {1: 14, 3: 272}
    unit = dumayr(layers)
    assert (unit.adm3_name, unit.adm1_pcode, unit.adm1_name_ar) == ("Dhameer", "SY03", "ريف دمشق")
    assert "OCHA" in layers.attribution and "geoBoundaries" in layers.attribution
    assert "UNOCHA" in layers.attribution  # from the geoBoundaries metadata the API returned
    status = data.status(dest=tmp_path)
    assert [row["state"] for row in status.rows] == ["ok", "ok", "ok"]
    assert upstream.base in str(status) and "SYR" in str(status)


def test_refetch_reuses_verified_downloads(upstream, tmp_path):
    data.fetch("SYR", dest=tmp_path, **online(upstream))
    first = [p for p in upstream.requests if p.startswith("/static/") or p.endswith(".zip")]
    upstream.requests.clear()
    report = data.fetch("SYR", dest=tmp_path, **online(upstream))
    again = [p for p in upstream.requests if p.startswith("/static/") or p.endswith(".zip")]
    assert len(first) == 3 and again == []  # only the small API answers were asked again
    assert len(report.files) == 3


def test_checksum_mismatch_rejects_the_file(upstream, tmp_path):
    upstream.wrong_hash = True
    with pytest.raises(data.FetchError, match="checksum mismatch") as caught:
        data.fetch("SYR", dest=tmp_path, **online(upstream))
    assert "syr_admin1.geojson" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "boundaries").exists()
    assert not (tmp_path / "downloads" / "SYR" / "syr_admin1.geojson").exists()


def test_url_mirror_with_sha256sums(upstream, tmp_path):
    report = data.fetch("SYR", dest=tmp_path, mirror=f"{upstream.base}/mirror/")
    assert all(not p.startswith(("/gb/", "/hdx/")) for p in upstream.requests)
    assert sorted(f.source for f in report.files) == ["cod-ab", "geoboundaries", "geonames"]
    layers = load_admin_layers(tmp_path)
    assert dumayr(layers).adm3_name == "Dhameer"
    assert (tmp_path / "gazetteer" / "geonames" / "cities500_SY.txt").is_file()


def test_directory_mirror_and_status_sees_changes(data_dir, tmp_path):
    report = data.fetch("SYR", dest=tmp_path / "cache", mirror=data_dir)
    layers = load_admin_layers(tmp_path / "cache")
    assert {n: len(g) for n, g in layers.levels.items()} == {1: 14, 2: 62, 3: 272}
    assert dumayr(layers).adm2_pcode == "SY0302"
    installed = tmp_path / "cache" / report.files[0].path
    installed.write_text("{}", encoding="utf-8")
    states = {row["path"]: row["state"] for row in data.status(dest=tmp_path / "cache").rows}
    assert states[report.files[0].path] == "modified"


def test_nothing_installed_and_bad_requests_say_so(upstream, tmp_path):
    assert "nothing installed" in str(data.status(dest=tmp_path))
    with pytest.raises(InputError, match="'SYRIA' is not an ISO 3166-1 alpha-3 code"):
        data.fetch("SYRIA", dest=tmp_path)
    with pytest.raises(data.FetchError, match="neither a directory nor an http"):
        data.fetch("SYR", dest=tmp_path, mirror=tmp_path / "missing")
    with pytest.raises(data.FetchError, match="no boundary files found for LBN"):
        data.fetch("LBN", dest=tmp_path, **online(upstream))
    closed = {k: "http://127.0.0.1:9/" for k in ("geoboundaries_api", "hdx_api", "geonames_url")}
    with pytest.raises(data.FetchError, match="--mirror"):
        data.fetch("SYR", dest=tmp_path, **closed)


def test_fetch_into_a_hand_made_data_dir_keeps_its_files(data_dir, tmp_path):
    dest = tmp_path / "mine"
    (dest / "boundaries").mkdir(parents=True)
    own = dest / "boundaries" / "syr_adm1_mine.geojson"
    shutil.copyfile(data_dir / "boundaries" / "syr_adm1_governorates.geojson", own)
    data.fetch("SYR", dest=dest, mirror=data_dir, gazetteer=False)
    data.fetch("SYR", dest=dest, mirror=data_dir, gazetteer=False)
    assert own.is_file()
    assert sorted(p.name for p in (dest / "boundaries").iterdir()) == [
        "syr_adm1_geo.geojson",
        "syr_adm1_mine.geojson",
        "syr_adm2_geo.geojson",
        "syr_adm3_geo.geojson",
    ]
    states = {row["path"]: row["state"] for row in data.status(dest=dest).rows}
    assert states["boundaries/syr_adm1_mine.geojson"] == "not fetched"
    assert states["boundaries/syr_adm1_geo.geojson"] == "ok"
