"""Opt-in online geocoding (Nominatim through geopy): rate-limited and cached on disk.

Only used when the user asks (``geocode(..., online=True)`` / ``--online``) and only for
names the offline gazetteer could not resolve. Every answer, including "not found", is
cached as JSON under the user cache, so a name is asked at most once; requests are spaced
by ``min_delay_seconds`` (Nominatim's usage policy: at most 1 request per second, with an
identifying User-Agent).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from shapely.geometry import Point

from geo._files import atomic_path
from geo.gazetteer.core import Resolution
from geo.report import GeoError
from geo.settings import user_cache_dir

DEFAULT_DOMAIN = "nominatim.openstreetmap.org"
DEFAULT_USER_AGENT = "geo-event-mapper/0.1 (offline-first; online fallback on request)"

# Nominatim "addresstype" -> geo precision of the point it returns.
_PRECISION_BY_TYPE = {
    "country": "country",
    "state": "adm1",
    "province": "adm1",
    "region": "region",
    "state_district": "adm2",
    "county": "adm2",
    "district": "adm2",
    "municipality": "adm3",
    "city": "point",
    "town": "point",
    "village": "point",
    "hamlet": "point",
    "suburb": "point",
    "quarter": "point",
    "neighbourhood": "point",
    "isolated_dwelling": "point",
    "locality": "point",
}


class OnlineGeocoder:
    """A rate-limited, disk-cached Nominatim client returning :class:`Resolution`s.

    Parameters
    ----------
    domain, scheme
        The Nominatim service (a self-hosted one, or a local test server).
    user_agent
        Identifies the application, as Nominatim's policy requires.
    min_delay_seconds
        Minimum time between two requests.
    cache_dir
        Where answers are cached (default: ``user_cache_dir()/online``).
    country_codes
        ISO 3166-1 alpha-2 codes to restrict results to (e.g. ``["sy"]``).
    timeout
        Seconds to wait for one answer.
    """

    def __init__(
        self,
        *,
        domain: str = DEFAULT_DOMAIN,
        scheme: str = "https",
        user_agent: str = DEFAULT_USER_AGENT,
        min_delay_seconds: float = 1.0,
        cache_dir: str | os.PathLike | None = None,
        country_codes: list[str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        self.domain = domain
        self.country_codes = list(country_codes) if country_codes else None
        self.cache_dir = Path(cache_dir) if cache_dir is not None else user_cache_dir() / "online"
        self.requests = 0  # requests actually sent (cache misses), for reports
        self._client = Nominatim(
            domain=domain, scheme=scheme, user_agent=user_agent, timeout=timeout
        )
        self._geocode = RateLimiter(
            self._client.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=1,
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )

    def resolve(self, name: str, *, admin1: str | None = None) -> Resolution:
        """Look ``name`` up online (with the governorate, when known, in the query).

        Never raises for service problems: a failed request gives an "unresolved"
        Resolution whose reason says why (and is not cached, so a later run retries).
        """
        query = ", ".join(p for p in (name, admin1) if p)
        try:
            results = self._cached(query)
        except GeoError as exc:
            return Resolution(query=name, status="unresolved", reason=str(exc))
        if not results:
            return Resolution(
                query=name,
                status="unresolved",
                reason=f"online geocoder ({self.domain}) found nothing",
            )
        best = results[0]
        lat, lon = float(best["lat"]), float(best["lon"])
        kind = best.get("addresstype") or best.get("type") or ""
        return Resolution(
            query=name,
            status="resolved",
            latitude=lat,
            longitude=lon,
            geometry=Point(lon, lat),
            precision=_PRECISION_BY_TYPE.get(kind, "near"),
            method="online",
            matched_name=str(best.get("display_name", name)),
            source=f"nominatim:{self.domain}",
            source_id=f"{best.get('osm_type', '')}/{best.get('osm_id', '')}",
            score=float(best.get("importance") or 0.0) * 100,
            n_candidates=len(results),
        )

    def _cache_path(self, query: str) -> Path:
        key = json.dumps([self.domain, query, self.country_codes], ensure_ascii=False)
        return self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def _cached(self, query: str) -> list[dict]:
        path = self._cache_path(query)
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))["results"]
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache entry is asked again
        results = self._ask(query)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(
                json.dumps(
                    {"query": query, "time": time.time(), "results": results}, ensure_ascii=False
                ),
                encoding="utf-8",
            )
        return results

    def _ask(self, query: str) -> list[dict]:
        from geopy.exc import GeopyError

        self.requests += 1
        try:
            found = self._geocode(
                query, exactly_one=False, limit=5, country_codes=self.country_codes
            )
        except GeopyError as exc:
            raise GeoError(f"online geocoder ({self.domain}) failed for {query!r}: {exc}") from None
        return [location.raw for location in found or []]
