"""Render benchmark: geo's event map vs folium's GeoJson and TimestampedGeoJson.

For 10k, 100k and 1M synthetic events over Syria (placed at Who's On First localities,
joined to the real subdistricts): Python build + save time, HTML size, time until the map
is painted in headless Chromium, JS heap, and the time for a slider step to repaint.

    python -m benchmarks render                 # or: python benchmarks/bench_render.py
    python benchmarks/bench_render.py --sizes 10000 100000 --no-reference

Targets (issue 5): at 1M <= 15 MB HTML, painted <= 3 s, slider step <= 100 ms; at 100k
painted <= 1 s. folium's reference pages get their pinned assets served from a local npm
prefix (``npm install --prefix .cache/bench-npm`` with the packages named in
REFERENCE_PACKAGES); nothing is fetched from the network while measuring.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.boundaries import load_admin_layers  # noqa: E402
from geo.maps import render_map, save_map  # noqa: E402
from geo.maps._chromium import chromium_context, file_url, screenshot  # noqa: E402
from geo.schema import conform  # noqa: E402
from geo.settings import resolve_data_dir  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
REFERENCE_SIZES = (10_000, 100_000)
REFERENCE_TIMEOUT_S = 120
NPM_PREFIX = ROOT / ".cache" / "bench-npm"
REFERENCE_PACKAGES = (
    "leaflet@1.9.3",
    "jquery@3.7.1",
    "iso8601-js-period@0.2.1",
    "leaflet-timedimension@1.1.1",
    "moment@2.18.1",
)
# CDN URL prefix folium links to -> path inside the npm prefix
_CDN_FILES = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/": "leaflet/dist/",
    "https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js": "jquery/dist/jquery.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/iso8601-js-period@0.2.1/iso8601.min.js": (
        "iso8601-js-period/iso8601.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet-timedimension@1.1.1/": "leaflet-timedimension/",
    "https://cdnjs.cloudflare.com/ajax/libs/moment.js/2.18.1/moment.min.js": "moment/min/moment.min.js",
}

EVENT_TYPES = {
    "Battles": [
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ],
    "Explosions/Remote violence": [
        "Shelling/artillery/missile attack",
        "Air/drone strike",
        "Remote explosive/landmine/IED",
    ],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance"],
    "Protests": ["Peaceful protest", "Protest with intervention"],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": ["Looting/property destruction", "Arrests", "Other"],
}
ACTORS = [f"Actor group {i:02d}" for i in range(60)] + [
    "Military Forces of Syria (2000-2024)",
    "Islamic State (Syria)",
    "Military Forces of the United States",
    "Civilians (Syria)",
]


def synthetic_events(n: int, data_dir: Path, *, seed: int = 0) -> gpd.GeoDataFrame:
    """n events in the event schema: real localities and subdistricts, random everything else.

    99.5% are points at a Who's On First locality (30% jittered by ~2 km), 0.5% are
    governorate-precision area events drawn as the governorate polygon.
    """
    rng = np.random.default_rng(seed)
    layers = load_admin_layers(data_dir)
    places = pd.read_csv(
        data_dir / "gazetteer" / "whosonfirst" / "wof_sy_places.tsv",
        sep="\t",
        usecols=["name", "lat", "lon", "placetype"],
        dtype={"name": str},
    )
    places = places[places["placetype"] == "locality"].dropna(subset=["lat", "lon"])
    places = gpd.GeoDataFrame(
        places.reset_index(drop=True),
        geometry=gpd.points_from_xy(places["lon"], places["lat"]),
        crs=4326,
    )
    places = gpd.sjoin(places, layers[3], predicate="within", how="inner").drop(
        columns="index_right"
    )
    places = places[~places.index.duplicated()].reset_index(drop=True)
    weight = rng.pareto(1.2, len(places)) + 0.05
    pick = rng.choice(len(places), size=n, p=weight / weight.sum())
    chosen = places.iloc[pick].reset_index(drop=True)
    jitter = rng.random(n) < 0.3
    lon = chosen["lon"].to_numpy() + jitter * rng.normal(0, 0.02, n)
    lat = chosen["lat"].to_numpy() + jitter * rng.normal(0, 0.02, n)

    types = list(EVENT_TYPES)
    type_idx = rng.choice(len(types), size=n, p=[0.25, 0.3, 0.15, 0.15, 0.05, 0.1])
    sub = np.array([rng.choice(EVENT_TYPES[types[t]]) for t in range(len(types))])
    first_day = np.datetime64("2012-01-01")
    days = rng.integers(0, 13 * 365, n)
    frame = pd.DataFrame(
        {
            "event_id": [f"SYN{i}" for i in range(n)],
            "dataset": "synthetic",
            "date_start": (first_day + days).astype("datetime64[ns]"),
            "date_end": (first_day + days).astype("datetime64[ns]"),
            "date_precision": "day",
            "event_type": np.array(types)[type_idx],
            "sub_event_type": sub[type_idx],
            "actor1": rng.choice(ACTORS, n),
            "actor2": np.where(rng.random(n) < 0.4, "", rng.choice(ACTORS, n)),
            "fatalities": rng.geometric(0.5, n) - 1,
            "location": chosen["name"].to_numpy(),
            "geo_match": chosen["name"].to_numpy(),
            "geo_precision": np.where(jitter, "near", "point"),
            "source": rng.choice([f"Source {i}" for i in range(25)], n),
            "latitude": lat,
            "longitude": lon,
            "geo_score": 1.0,
        }
    )
    for column in layers[3].columns:
        if column.startswith("adm"):
            frame[column] = chosen[column].to_numpy()
    geometry = gpd.points_from_xy(lon, lat)
    areas = rng.random(n) < 0.005
    if areas.any():
        governorates = layers[1]
        which = rng.integers(0, len(governorates), int(areas.sum()))
        geometry = np.asarray(geometry, dtype=object)
        geometry[areas] = governorates.geometry.to_numpy()[which]
        frame.loc[areas, "geo_precision"] = "adm1"
        for column in [c for c in frame.columns if c.startswith(("adm2", "adm3"))]:
            frame.loc[areas, column] = pd.NA
        for column in [c for c in governorates.columns if c.startswith("adm1")]:
            frame.loc[areas, column] = governorates[column].to_numpy()[which]
    return gpd.GeoDataFrame(conform(frame), geometry=geometry, crs=4326)


def _geo_page(events: gpd.GeoDataFrame, layers, out: Path) -> tuple[Path, float]:
    started = time.perf_counter()
    path = save_map(render_map(events, layers=layers, offline=True), out)
    return path, time.perf_counter() - started


def _folium_page(events: gpd.GeoDataFrame, kind: str, out: Path) -> tuple[Path, float]:
    import folium
    from folium.plugins import TimestampedGeoJson

    started = time.perf_counter()
    points = events[events.geometry.geom_type == "Point"]
    fmap = folium.Map(location=[35, 38.5], zoom_start=7)
    if kind == "folium GeoJson":
        slim = points[["event_id", "event_type", "date_start", "geometry"]].copy()
        slim["date_start"] = slim["date_start"].dt.strftime("%Y-%m-%d")
        folium.GeoJson(
            slim,
            marker=folium.CircleMarker(radius=3, fill=True, weight=0),
            tooltip=folium.GeoJsonTooltip(["event_type", "date_start"]),
        ).add_to(fmap)
    else:
        x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
        times = points["date_start"].dt.strftime("%Y-%m-%d").to_numpy()
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(a), float(b)]},
                "properties": {"time": t, "icon": "circle", "iconstyle": {"radius": 3}},
            }
            for a, b, t in zip(x, y, times, strict=True)
        ]
        TimestampedGeoJson(
            {"type": "FeatureCollection", "features": features},
            period="P1M",
            duration="P1M",
            add_last_point=False,
        ).add_to(fmap)
    fmap.save(str(out))
    return out, time.perf_counter() - started


def _serve_local(route) -> None:
    url = route.request.url
    if url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
        return
    for prefix, local in _CDN_FILES.items():
        if url.startswith(prefix):
            path = (
                NPM_PREFIX
                / "node_modules"
                / (local + url[len(prefix) :] if local.endswith("/") else local)
            )
            if path.is_file():
                kind = "text/css" if path.suffix == ".css" else "application/javascript"
                route.fulfill(status=200, body=path.read_bytes(), content_type=kind)
                return
    route.abort()


def _measure_geo(context, path: Path) -> dict:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    page.goto(file_url(path), timeout=120_000)
    page.wait_for_selector(".geo-map[data-geo-ready='1']", timeout=120_000)
    painted = float(page.get_attribute(".geo-map", "data-geo-painted-ms")) / 1000
    steps = page.evaluate(
        """async () => {
            const e = GeoEvents.get(), base = e.spec.baseDay, last = e.spec.nDays - 1;
            const iso = d => new Date((base + d) * 86400000).toISOString().slice(0, 10);
            const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
            const width = Math.min(365, last);
            const sweep = async () => {
                const times = [];
                for (let k = 0; k < 12; k++) {
                    const start = Math.round((last - width) * k / 11), t = performance.now();
                    e.setRange(iso(start), iso(start + width));
                    await frame();
                    times.push(performance.now() - t);
                }
                return times.sort((a, b) => a - b);
            };
            await frame();
            const plain = await sweep();
            // the same with the subdistrict choropleth on (272 units restyled per step)
            e.admin['3'].choropleth.addTo(e.map);
            await frame();
            const choro = await sweep();
            e.setRange(iso(0), iso(last));
            await frame();
            return {median: plain[6], max: plain[11], choro: choro[6], choroMax: choro[11],
                    decode: e.decodeMs, renderer: e.rendererUsed, arrays: e.arrayBytes()};
        }"""
    )
    heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
    page.close()
    return {"painted": painted, "heap": heap, **steps}


def _measure_folium(context, path: Path, kind: str) -> dict:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    started = time.perf_counter()
    try:
        page.goto(file_url(path), timeout=REFERENCE_TIMEOUT_S * 1000, wait_until="load")
        # painted: the load event has run every script; wait for the next two frames
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
    except Exception:  # noqa: BLE001 - a page that never paints is a result, not an error
        page.close()
        return {"painted": None}
    painted = time.perf_counter() - started
    result = {"painted": painted, "heap": cdp.send("Runtime.getHeapUsage")["usedSize"]}
    if kind == "folium TimestampedGeoJson":
        try:
            step = page.evaluate(
                """async () => {
                    const map = Object.keys(window).filter(k => k.startsWith('map_'))
                        .map(k => window[k]).find(v => v && v.timeDimension);
                    if (!map) { return null; }
                    const td = map.timeDimension;
                    const t = performance.now();
                    await new Promise(r => { td.once('timeload', r); td.nextTime(1); });
                    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
                    return performance.now() - t;
                }"""
            )
            result["median"] = step
        except Exception:  # noqa: BLE001
            result["median"] = None
    page.close()
    return result


def _fmt(value, unit: str = "", scale: float = 1.0, digits: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value * scale:.{digits}f}{unit}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--reference-sizes", type=int, nargs="*", default=list(REFERENCE_SIZES))
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--screenshot",
        nargs=2,
        metavar=("HTML", "PNG"),
        help="only save a PNG of a rendered (offline) map, e.g. for the README",
    )
    parser.add_argument(
        "--data-dir", default=os.environ.get("GEO_DATA_DIR", ROOT.parent / "shared" / "data")
    )
    args = parser.parse_args(
        argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else []
    )
    if args.screenshot:
        print(f"written: {screenshot(*args.screenshot)}")
        return
    data_dir = resolve_data_dir(args.data_dir)
    layers = load_admin_layers(data_dir)
    reference = [] if args.no_reference else list(args.reference_sizes)
    if reference and not (NPM_PREFIX / "node_modules" / "leaflet-timedimension").is_dir():
        print(
            f"folium reference skipped: run 'npm install --prefix {NPM_PREFIX.relative_to(ROOT)} "
            f"{' '.join(REFERENCE_PACKAGES)}' for its assets"
        )
        reference = []
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp,
        chromium_context(width=1280, height=800) as (context, _blocked),
    ):
        context.unroute("**/*")
        context.route("**/*", _serve_local)
        for n in sorted(set(args.sizes) | set(reference)):
            events = synthetic_events(n, data_dir)
            if n in args.sizes:
                path, build = _geo_page(events, layers, Path(tmp) / f"geo_{n}.html")
                rows.append(("geo", n, build, path.stat().st_size, _measure_geo(context, path)))
                path.unlink()
            if n in reference:
                for kind in ("folium GeoJson", "folium TimestampedGeoJson"):
                    path, build = _folium_page(events, kind, Path(tmp) / f"ref_{n}.html")
                    rows.append(
                        (kind, n, build, path.stat().st_size, _measure_folium(context, path, kind))
                    )
                    path.unlink()
    print(
        "| map | events | build+save s | HTML MB | painted s | JS heap MB (+ typed arrays) "
        "| slider step ms (median / max) | step with adm3 choropleth ms | renderer |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, n, build, size, m in rows:
        painted = (
            _fmt(m.get("painted"), digits=2)
            if m.get("painted") is not None
            else f"> {REFERENCE_TIMEOUT_S}"
        )
        arrays = f" + {m['arrays'] / 1e6:.0f}" if m.get("arrays") else ""
        choro = f"{m['choro']:.0f} / {m['choroMax']:.0f}" if m.get("choro") is not None else "—"
        step = _fmt(m.get("median"), digits=0)
        if m.get("max") is not None:
            step += f" / {m['max']:.0f}"
        print(
            f"| {kind} | {n:,} | {build:.2f} | {size / 1e6:.1f} | {painted} | "
            f"{_fmt(m.get('heap'), scale=1e-6, digits=0)}"
            f"{arrays} | "
            f"{step} | {choro} | {m.get('renderer', '')} |"
        )


if __name__ == "__main__":
    main()
