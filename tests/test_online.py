"""The online fallback's plumbing against a Nominatim-protocol server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from geo.geocode import geocode
from geo.online import OnlineGeocoder

# What Nominatim answers for a town (fields as in its JSON output format).
PLACES = {
    "Nowhere Junction, Idlib": [
        {
            "place_id": 1,
            "osm_type": "node",
            "osm_id": 4242,
            "lat": "35.9",
            "lon": "36.6",
            "display_name": "Nowhere Junction, Idlib, Syria",
            "class": "place",
            "type": "village",
            "addresstype": "village",
            "importance": 0.31,
        }
    ]
}


class _Nominatim(BaseHTTPRequestHandler):
    hits: list[str] = []
    fail = False

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        query = parse_qs(url.query).get("q", [""])[0]
        type(self).hits.append(query)
        if type(self).fail:
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps(PLACES.get(query, [])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    _Nominatim.hits = []
    _Nominatim.fail = False
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _client(server, cache, delay=0.0):
    return OnlineGeocoder(domain=server, scheme="http", cache_dir=cache, min_delay_seconds=delay)


def test_answer_is_a_resolution_and_is_cached_on_disk(server, tmp_path):
    client = _client(server, tmp_path)
    result = client.resolve("Nowhere Junction", admin1="Idlib")
    assert result.status == "resolved" and result.method == "online"
    assert (result.latitude, result.longitude) == (35.9, 36.6)
    assert result.precision == "point" and result.source_id == "node/4242"
    assert _Nominatim.hits == ["Nowhere Junction, Idlib"]
    # Same question again, even from a new client: answered from the cache.
    again = _client(server, tmp_path).resolve("Nowhere Junction", admin1="Idlib")
    assert again.latitude == 35.9
    assert _Nominatim.hits == ["Nowhere Junction, Idlib"]


def test_not_found_is_cached_too(server, tmp_path):
    client = _client(server, tmp_path)
    assert client.resolve("Atlantis").status == "unresolved"
    assert client.resolve("Atlantis").status == "unresolved"
    assert _Nominatim.hits == ["Atlantis"]


def test_requests_are_spaced_by_the_rate_limit(server, tmp_path):
    client = _client(server, tmp_path, delay=0.4)
    started = time.perf_counter()
    for name in ("A1", "A2", "A3"):
        client.resolve(name)
    assert time.perf_counter() - started >= 0.8
    assert client.requests == 3


def test_a_failing_service_is_a_reason_not_a_crash(server, tmp_path):
    _Nominatim.fail = True
    result = _client(server, tmp_path).resolve("Nowhere Junction", admin1="Idlib")
    assert result.status == "unresolved"
    assert "online geocoder" in result.reason and server in result.reason
    # Failures are not cached: the service is asked again once it is back.
    _Nominatim.fail = False
    assert (
        _client(server, tmp_path).resolve("Nowhere Junction", admin1="Idlib").status == "resolved"
    )


def test_geocode_uses_the_online_fallback_only_when_asked(server, tmp_path, data_dir):
    from geo.gazetteer import Gazetteer

    gazetteer = Gazetteer.from_data_dir(data_dir, cache_dir=tmp_path / "gaz")
    events = pd.DataFrame(
        {"location": ["Nowhere Junction", "Dumayr"], "admin1_hint": ["Idlib", None]}
    )
    offline, problems = geocode(events, gazetteer=gazetteer)
    # Offline, the unknown village is only placed in the governorate its row names.
    assert offline.loc[0, "geo_precision"] == "adm1"
    assert [p.row for p in problems] == [None] and "approximately" in problems[0].reason
    assert _Nominatim.hits == []
    client = _client(server, tmp_path / "online")
    online, problems = geocode(events, gazetteer=gazetteer, online=True, online_geocoder=client)
    assert online.geometry.notna().all()
    assert online.loc[0, "geo_method"] == "online"
    assert online.loc[0, "geo_precision"] == "point"
    assert (online.loc[0, "latitude"], online.loc[0, "longitude"]) == (35.9, 36.6)
    assert _Nominatim.hits == ["Nowhere Junction, Idlib"]  # Dumayr never went online
