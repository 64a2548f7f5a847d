"""Geocoder accuracy and speed: ``python -m benchmarks geocode``.

Accuracy: every Syria row of the real samples in ``$GEO_DATA_DIR/events`` is geocoded from
its location text alone, once without and once with the dataset's admin1/admin2 names as
hints, and compared with the dataset's own coordinates:

- within 5 km: rows the dataset itself calls precise (UCDP where_prec 1-2, ACLED
  geo_precision 1); target >= 97%;
- right governorate: every row with coordinates (the governorate of our location, or of
  the area we return, against the governorate the dataset's point falls in); target >= 99%.

Airwars rows are read as ``geo.io.airwars`` reads them (full location text; the incident's
region as the governorate hint where the governorate is blank). Misses are counted by
class (see ``classify_misses``: not matched / wrong candidate although the gazetteer has a
similar name within 5 km of the dataset's point, missing from the gazetteer, or the
dataset's point sitting on another named place) and listed by name. Options only through
``python -m benchmarks.bench_geocode --misses N --skip-speed``.

Speed: index build (cold) and load (cached), distinct-name resolution (exact and fuzzy,
names/s), and 1M event rows naming ~10k distinct places through ``geo.geocode.geocode``
(target <= 5 s), with peak memory.
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.gazetteer import haversine_km

REPO = Path(__file__).resolve().parent.parent
WITHIN_KM = 5.0


def _data_dir() -> Path:
    return Path(os.environ.get("GEO_DATA_DIR", REPO.parent / "shared" / "data"))


def _first(frame: pd.DataFrame, *names: str) -> pd.Series:
    lower = {c.lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return frame[lower[name]]
    return pd.Series(pd.NA, index=frame.index, dtype=object)


def _read_samples(events_dir: Path) -> pd.DataFrame:
    """Syria rows of every sample: location, hints, reference point and precision class.

    A private reader for the benchmark only (the project's readers live in ``geo.io``)."""
    frames = []
    for path in sorted(events_dir.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        country = _first(raw, "country").fillna("")
        raw = raw[country.str.strip().str.lower() == "syria"]
        if raw.empty:
            continue
        is_ucdp = "where_prec" in raw.columns
        precision = pd.to_numeric(_first(raw, "where_prec", "geo_precision"), errors="coerce")
        if is_ucdp:
            precise = precision.isin([1, 2])
        elif "geo_precision" in {c.lower() for c in raw.columns}:
            precise = precision == 1
        else:
            precise = pd.Series(False, index=raw.index)
        location = _first(raw, "where_coordinates", "location").replace("", None)
        admin1 = _first(raw, "adm_1", "admin1", "governorate").replace("", None)
        if "incident_date" in raw.columns:
            # Airwars, as geo.io.airwars reads it: the full location text, and the
            # incident's region (a governorate name) where the governorate is blank.
            location = _first(raw, "location_en_full").replace("", None).fillna(location)
            admin1 = admin1.fillna(_first(raw, "region").replace("", None))
        frames.append(
            pd.DataFrame(
                {
                    "file": path.name,
                    "row": raw.index + 1,
                    "location": location,
                    "admin1": admin1,
                    "admin2": _first(raw, "adm_2", "admin2").replace("", None),
                    "ref_lat": pd.to_numeric(_first(raw, "latitude"), errors="coerce"),
                    "ref_lon": pd.to_numeric(_first(raw, "longitude"), errors="coerce"),
                    "precise": precise.to_numpy(),
                    "ref_precision": precision,
                }
            )
        )
    samples = pd.concat(frames, ignore_index=True)
    ok = samples["ref_lat"].between(-90, 90) & samples["ref_lon"].between(-180, 180)
    return samples[ok & samples["location"].notna()].reset_index(drop=True)


def _adm1_of(points: gpd.GeoSeries, adm3: gpd.GeoDataFrame) -> pd.Series:
    frame = gpd.GeoDataFrame(geometry=points, crs=4326)
    joined = gpd.sjoin(frame, adm3[["adm1_pcode", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    # Points just outside the simplified borders (coast, frontier): nearest unit.
    missing = joined["adm1_pcode"].isna() & frame.geometry.notna().reindex(joined.index)
    if missing.any():
        near = gpd.sjoin_nearest(
            frame.loc[missing[missing].index].to_crs(3857),
            adm3[["adm1_pcode", "geometry"]].to_crs(3857),
            how="left",
            max_distance=20_000,
        )
        near = near[~near.index.duplicated()]
        joined.loc[near.index, "adm1_pcode"] = near["adm1_pcode"]
    return joined["adm1_pcode"]


def accuracy(gazetteer, samples: pd.DataFrame, adm3: gpd.GeoDataFrame, *, hints: bool):
    """Per-row outcome of geocoding the samples by name."""
    results = gazetteer.resolve_many(
        samples["location"].tolist(),
        admin1=samples["admin1"].tolist() if hints else None,
        admin2=samples["admin2"].tolist() if hints else None,
    )
    out = samples.copy()
    out["status"] = [r.status for r in results]
    out["lat"] = [r.latitude if r.status == "resolved" else np.nan for r in results]
    out["lon"] = [r.longitude if r.status == "resolved" else np.nan for r in results]
    out["precision"] = [r.precision for r in results]
    out["match"] = [r.matched_name for r in results]
    out["fallback"] = [r.fallback for r in results]
    out["km"] = haversine_km(out["lat"], out["lon"], out["ref_lat"], out["ref_lon"])
    ref_points = gpd.GeoSeries(gpd.points_from_xy(out["ref_lon"], out["ref_lat"]), crs=4326)
    out["ref_adm1"] = _adm1_of(ref_points, adm3).to_numpy()
    our_adm1 = []
    for r, ref_point in zip(results, ref_points, strict=True):
        if r.status != "resolved":
            our_adm1.append(None)
        elif r.geometry is not None and r.geometry.geom_type != "Point":
            # An area is right when it holds the dataset's point's governorate.
            our_adm1.append(
                "area-ok" if r.geometry.buffer(0.05).contains(ref_point) else r.adm_pcodes[0]
            )
        else:
            our_adm1.append(r.adm_pcodes[0] or None)
    out["adm1"] = our_adm1
    out["right_adm1"] = (out["adm1"] == "area-ok") | (out["adm1"] == out["ref_adm1"])
    out["within"] = out["km"] <= WITHIN_KM
    out["candidates"] = [
        r.describe_candidates(2) if r.status != "resolved" else "" for r in results
    ]
    return out


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "   n/a"


def print_accuracy(outcomes: dict[str, pd.DataFrame], *, misses: int) -> None:
    """The accuracy table, miss classes per run, and the misses by name."""
    print(
        f"{'sample':44} {'hints':5} {'resolved':>17} {'within 5 km (precise)':>22} {'right governorate':>20}"
    )
    for label, out in outcomes.items():
        groups = [(name, g) for name, g in out.groupby("file")] + [("ALL", out)]
        for name, g in groups:
            precise = g[g["precise"]]
            print(
                f"{name:44} {label:5} {_pct(int((g['status'] == 'resolved').sum()), len(g)):>17} "
                f"{_pct(int(precise['within'].sum()), len(precise)):>22} "
                f"{_pct(int(g['right_adm1'].sum()), len(g)):>20}"
            )
    print(
        "\nwithin 5 km of the precise rows whose place the gazetteer holds near the dataset's "
        "point (the ceiling these files allow):"
    )
    for label, out in outcomes.items():
        precise = out[out["precise"]]
        unreachable = precise["miss"].isin(MISS_CLASSES[2:])
        reachable = precise[~unreachable]
        print(
            f"  {label} hints: {_pct(int(reachable['within'].sum()), len(reachable))}; "
            f"{int(unreachable.sum())} of {len(precise)} precise rows name a place the "
            f"gazetteer lacks there (ceiling {_pct(len(reachable), len(precise)).strip()})"
        )
    print("\nright governorate of the rows located (refused rows are reported, not guessed):")
    for label, out in outcomes.items():
        located = out[out["status"] == "resolved"]
        print(
            f"  {label} hints: {_pct(int(located['right_adm1'].sum()), len(located))}; "
            f"{len(out) - len(located)} rows refused as ambiguous or not found"
        )
    print(f"\n{'miss class (rows)':48} " + " ".join(f"{k + ' hints':>9}" for k in outcomes))
    for name in MISS_CLASSES:
        counts = [int((out["miss"] == name).sum()) for out in outcomes.values()]
        print(f"{name:48} " + " ".join(f"{c:>9}" for c in counts))
    for label, out in outcomes.items():
        wrong = out[(out["precise"] & ~out["within"]) | ~out["right_adm1"]]
        print(f"\nmisses ({label} hints): {len(wrong)} rows, {wrong['location'].nunique()} names")
        shown = wrong.drop_duplicates(["location", "admin1"]).head(misses)
        for row in shown.itertuples():
            where = f"{row.km:.1f} km off" if row.status == "resolved" else row.status
            print(
                f"  {row.file}:{row.row} {row.location!r} [{row.admin1}/{row.admin2}] "
                f"-> {row.match!r} ({where}, ours {row.adm1} vs {row.ref_adm1}) [{row.miss}{', ' + row.similar if row.similar else ''}] "
                f"{row.candidates}"
            )


# Miss classes, from the geocoder's fault to the data's.
MISS_CLASSES = (
    "not matched (in gazetteer near the point)",
    "wrong candidate (right name near the point)",
    "missing from gazetteer",
    "dataset point at another named place",
    "no place name in the text",
)
SIMILAR = 80.0


def classify_misses(gazetteer, out: pd.DataFrame) -> pd.DataFrame:
    """Why each miss missed (see MISS_CLASSES), judged against the gazetteer's own
    entries near the dataset's point: a place within 5 km whose name is similar to the
    location text (any part of it, descriptors stripped) means the geocoder could have
    found it; none means the gazetteer lacks it."""
    from rapidfuzz import fuzz

    from geo.gazetteer.core import _SPLIT_PARTS
    from geo.gazetteer.normalize import fold_key, name_key, split_descriptors

    entries = gazetteer.entries
    places = entries[entries["kind"] == "place"]
    lat = places["latitude"].to_numpy()
    lon = places["longitude"].to_numpy()
    classes = pd.Series(pd.NA, index=out.index, dtype=object)
    similar = pd.Series("", index=out.index, dtype=object)
    missed = (out["precise"] & ~out["within"]) | ~out["right_adm1"]
    for i in np.flatnonzero(missed.to_numpy()):
        row = out.iloc[i]
        parts = [p for p in _SPLIT_PARTS.split(row["location"]) if p and p.strip()]
        wanted = {fold_key(split_descriptors(name_key(p))[0]) for p in parts} - {""}
        km = haversine_km(lat, lon, row["ref_lat"], row["ref_lon"])
        near = places.index[km <= WITHIN_KM]
        scored = [
            (fuzz.ratio(w, f), int(e))
            for e in near
            for f in gazetteer._entry_folds(int(e))
            for w in wanted
        ]
        best, best_entry = max(scored, default=(0.0, -1))
        if not wanted:
            label = MISS_CLASSES[4]
        elif best >= SIMILAR:
            matched_point = (
                row["status"] == "resolved"
                and not row["fallback"]
                and (row["precision"] in ("point", "near"))
            )
            label = MISS_CLASSES[1] if matched_point else MISS_CLASSES[0]
        elif km.min() <= 0.5:
            label = MISS_CLASSES[3]
        else:
            label = MISS_CLASSES[2]
        classes.iloc[i] = label
        if best >= SIMILAR:
            similar.iloc[i] = f"near: {entries['name'].iat[best_entry]!r} ({best:.0f})"
    return pd.DataFrame({"miss": classes, "similar": similar})


def _governorate_names(gazetteer) -> dict[str, str]:
    adm1 = gazetteer.entries[gazetteer.entries["kind"] == "adm1"]
    return dict(zip(adm1["pcode"], adm1["name"], strict=True))


def _rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bench_names(gazetteer, rng) -> tuple[list[str], list[str], list[str]]:
    """(known names, misspelt names, the name each misspelling came from): 10k distinct
    primary gazetteer names, and those of 7+ letters with one letter changed, dropped or
    doubled so that only the fuzzy stage finds them."""
    from geo.gazetteer.normalize import name_key

    # Places only: the project's curated regions and aliases would reshuffle the sample
    # whenever one is added.
    names = gazetteer.names
    is_place = (gazetteer.entries["kind"].to_numpy() == "place")[names["entry"].to_numpy()]
    primary = names[names["primary"].to_numpy() & is_place]["name"].drop_duplicates()
    pick = primary.sample(n=min(10_000, len(primary)), random_state=1).tolist()
    letters = "abdefhiklmnorstuyz"

    def misspell(name: str) -> str:
        chars = list(name)
        i = int(rng.integers(1, max(2, len(chars) - 1)))
        op = rng.integers(3)
        if op == 0:
            chars[i] = letters[int(rng.integers(len(letters)))]
        elif op == 1:
            del chars[i]
        else:
            chars.insert(i, chars[i])
        return "".join(chars)

    pairs = {misspell(n): n for n in pick if len(n) >= 7}
    pairs = {m: n for m, n in pairs.items() if name_key(m) not in gazetteer._by_key}
    return pick, list(pairs), list(pairs.values())


def _fuzzy_speed(data_dir: Path, fuzzy: list[str], repeat: int) -> tuple[list, list, list]:
    """(search s, full resolution s, results of the last run) of ``repeat`` runs, each
    timed on gazetteers freshly loaded from the cached index (empty result caches): the
    batched rapidfuzz candidate search alone, then ``resolve_many`` (search included)."""
    from geo.gazetteer import Gazetteer

    cache_dir = Path(tempfile.gettempdir()) / "geo-bench-cache"
    search, full, resolved = [], [], []
    for _ in range(repeat):
        fresh = Gazetteer.from_data_dir(data_dir, cache_dir=cache_dir)
        started = time.perf_counter()
        fresh._prefetch_fuzzy(fuzzy)
        search.append(time.perf_counter() - started)
        fresh = Gazetteer.from_data_dir(data_dir, cache_dir=cache_dir)
        started = time.perf_counter()
        resolved = fresh.resolve_many(fuzzy)
        full.append(time.perf_counter() - started)
    return search, full, resolved


def speed(data_dir: Path, *, repeat: int = 5) -> list[tuple[str, str]]:
    from geo.gazetteer import Gazetteer
    from geo.geocode import geocode
    from geo.schema import conform

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as cache:
        before = _rss_mib()
        started = time.perf_counter()
        gazetteer = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
        build_s = time.perf_counter() - started
        rows.append(
            (
                "index build (cold, no cache)",
                f"{build_s:.2f} s, process peak RSS {_rss_mib():.0f} MiB (before: {before:.0f})",
            )
        )
        started = time.perf_counter()
        gazetteer = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
        rows.append(("index load (cached)", f"{time.perf_counter() - started:.2f} s"))
    rows.append(("index size", f"{len(gazetteer.entries)} entries, {len(gazetteer.names)} names"))

    rng = np.random.default_rng(20240601)
    pick, fuzzy, fuzzy_of = _bench_names(gazetteer, rng)
    started = time.perf_counter()
    gazetteer.resolve_many(pick)
    elapsed = time.perf_counter() - started
    rows.append((f"{len(pick)} distinct known names", f"{len(pick) / elapsed:,.0f} names/s"))

    load = os.getloadavg()[0]
    search, full, resolved = _fuzzy_speed(data_dir, fuzzy, repeat)
    found = sum(r.status != "unresolved" for r in resolved)
    truth = [gazetteer.resolve(orig) for orig in fuzzy_of]
    judged = [(r, t) for r, t in zip(resolved, truth, strict=True) if t.status == "resolved"]
    right = sum(r.status == "resolved" and r.source_id == t.source_id for r, t in judged)
    wrong = sum(r.status == "resolved" and r.source_id != t.source_id for r, t in judged)
    rows.append(
        (
            f"{len(fuzzy)} distinct misspelt names: fuzzy search",
            f"{len(fuzzy) / np.median(search):,.0f} names/s",
        )
    )
    rates = sorted(len(fuzzy) / t for t in full)
    rows.append(
        (
            f"{len(fuzzy)} distinct misspelt names: full resolution",
            f"{len(fuzzy) / np.median(full):,.0f} names/s (target >= 20,000; median of {repeat}, "
            f"range {rates[0]:,.0f}-{rates[-1]:,.0f}, load average {load:.2f}), "
            f"{100 * found / len(fuzzy):.0f}% matched "
            f"(resolved or ambiguous); of {len(judged)} whose original resolves: "
            f"{100 * right / len(judged):.0f}% to it, {100 * wrong / len(judged):.0f}% elsewhere",
        )
    )

    # 1M rows, 10k distinct names (8.5k known, 1k misspelt, 500 unknown), 60% with the
    # governorate the source would give (the place's own), as ACLED/UCDP rows carry.
    distinct = pick[:8500] + fuzzy[:1000] + [f"Unknown place {i}" for i in range(500)]
    governorate = _governorate_names(gazetteer)
    hint_of = {name: governorate.get(gazetteer.resolve(name).adm_pcodes[0]) for name in distinct}
    idx = rng.integers(0, len(distinct), 1_000_000)
    locations = np.asarray(distinct, dtype=object)[idx]
    with_hint = rng.random(1_000_000) < 0.6
    events = conform(
        pd.DataFrame(
            {
                "location": locations,
                "admin1_hint": [
                    hint_of[n] if h else None for n, h in zip(locations, with_hint, strict=True)
                ],
                "source_file": "bench.csv",
                "source_row": np.arange(1, 1_000_001),
                "latitude": np.nan,
                "longitude": np.nan,
                "geo_score": np.nan,
            }
        )
    )
    fresh = Gazetteer.from_data_dir(
        data_dir, cache_dir=Path(tempfile.gettempdir()) / "geo-bench-cache"
    )
    before = _rss_mib()
    started = time.perf_counter()
    located, problems = geocode(events, gazetteer=fresh)
    elapsed = time.perf_counter() - started
    peak = _rss_mib() - before
    n_distinct = len(events[["location", "admin1_hint"]].drop_duplicates())
    rows.append(
        (
            f"geocode 1M rows, {n_distinct} distinct (name, hint)",
            f"{elapsed:.2f} s (target <= 5 s), peak RSS +{peak:.0f} MiB, "
            f"{located.geometry.notna().mean():.0%} located, {len(problems)} problems",
        )
    )
    return rows


def _outcome(result) -> tuple:
    return (
        result.query,
        result.status,
        result.source,
        result.source_id,
        result.precision,
        result.method,
        result.score,
        result.latitude,
        result.longitude,
        result.n_candidates,
        result.reason,
        result.adm_pcodes,
        result.fallback,
        result.matched_name,
        tuple((c.source_id, c.score) for c in result.candidates),
        None if result.geometry is None else result.geometry.wkb,
    )


def check_outputs(data_dir: Path, samples: pd.DataFrame, path: Path) -> int:
    """Record (or compare with ``path``) the resolution of every name the benchmark uses:
    the samples, the known and the misspelt names, each without and with admin1 hints.
    Returns the exit status: 1 when a comparison finds a changed answer."""
    from geo.gazetteer import Gazetteer

    cache = Path(tempfile.gettempdir()) / "geo-bench-cache"
    gazetteer = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
    pick, fuzzy, fuzzy_of = _bench_names(gazetteer, np.random.default_rng(20240601))
    governorate = _governorate_names(gazetteer)
    hint_of = {n: governorate.get(gazetteer.resolve(n).adm_pcodes[0]) for n in pick + fuzzy_of}
    sets = {
        "samples": (samples["location"].tolist(), samples["admin1"].tolist(), samples["admin2"]),
        "known": (pick, [hint_of[n] for n in pick], None),
        "misspelt": (fuzzy, [hint_of[n] for n in fuzzy_of], None),
    }
    outputs = {}
    for label, (names, admin1, admin2) in sets.items():
        for hinted in (False, True):
            fresh = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
            results = fresh.resolve_many(
                names,
                admin1=admin1 if hinted else None,
                admin2=admin2.tolist() if hinted and admin2 is not None else None,
            )
            outputs[f"{label} {'with' if hinted else 'without'} hints"] = [
                _outcome(r) for r in results
            ]
    if not path.exists():
        path.write_bytes(pickle.dumps(outputs))
        print(f"recorded {sum(map(len, outputs.values()))} resolutions in {path}")
        return 0
    recorded = pickle.loads(path.read_bytes())
    changed = 0
    for label, now in outputs.items():
        before = recorded.get(label, [])
        diffs = [(a, b) for a, b in zip(before, now, strict=False) if a != b]
        diffs += [("missing", None)] * abs(len(before) - len(now))
        changed += len(diffs)
        print(f"{label:28} {len(now):6} names, {len(diffs)} changed")
        for a, b in diffs[:3]:
            print(f"    before: {a}\n    now:    {b}")
    print("identical" if not changed else f"{changed} answers changed")
    return 1 if changed else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks geocode")
    parser.add_argument("--misses", type=int, default=40, help="misses to list per run")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of the fuzzy resolution (median reported)"
    )
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        help="record every benchmark name's resolution (status, entry, precision, score, "
        "candidates, geometry) in FILE, or, when FILE exists, compare with it and exit; "
        "for checking that a speed-up changes no answer",
    )
    args = parser.parse_args(argv if argv is not None else [])
    from geo.boundaries import load_admin_layers
    from geo.gazetteer import Gazetteer

    data_dir = _data_dir()
    samples = _read_samples(data_dir / "events")
    if args.outputs:
        sys.exit(check_outputs(data_dir, samples, Path(args.outputs)))
    adm3 = load_admin_layers(data_dir)[3]
    with tempfile.TemporaryDirectory() as cache:
        outcomes = {}
        for label, hints in (("no", False), ("yes", True)):
            gazetteer = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
            outcomes[label] = accuracy(gazetteer, samples, adm3, hints=hints)
            outcomes[label] = outcomes[label].join(classify_misses(gazetteer, outcomes[label]))
    print("### accuracy (Syria rows of ../shared/data/events, located from the name only)\n")
    print_accuracy(outcomes, misses=args.misses)
    if not args.skip_speed:
        print("\n### speed\n")
        rows = speed(data_dir, repeat=max(1, args.repeat))
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:{width}}  {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
