"""Join benchmarks: speed and memory against geopandas.sjoin, and agreement with ACLED/UCDP.

Run from the repository root::

    python benchmarks/bench_join.py                 # both parts, 1M events
    python benchmarks/bench_join.py --part speed --events 200000
    python benchmarks/bench_join.py --part agreement

Speed: N synthetic events drawn uniformly over Syria (inside the country outline) are
joined to ADM1+ADM2+ADM3 on the real 272 subdistricts by ``geo.join.join_admin``, and by
one plain ``geopandas.sjoin(predicate="within")`` at ADM3 on the same frame, in the same
run. Target: join_admin (cold: its index built inside the timing) <= 0.7x the sjoin.
Memory: peak resident memory added by each step (Linux ``VmHWM`` after resetting it).

Agreement: for the Syria rows of the ACLED and UCDP samples in ``<data>/events``, the
governorate (and district where the dataset gives one) that geo assigns from the
dataset's own coordinates, against the dataset's own admin names mapped to P-codes with
``geo.boundaries.match_admin_names`` (and ``data/admin_crosswalk.csv``). Target >= 98%.
Every disagreement is listed with its reason.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from geo.boundaries import AdminLayers, load_admin_layers, match_admin_names  # noqa: E402
from geo.join import join_admin  # noqa: E402
from geo.schema import FROM_ACLED, FROM_UCDP  # noqa: E402

TARGET_RATIO = 0.7
TARGET_AGREEMENT = 0.98
BORDER_M = 2_000.0  # a disagreement this close to the named unit is a border case

# file, dataset, admin1 column, admin2 column, precision column
AGREEMENT_FILES = (
    ("acled_2020_export_sample.csv", "ACLED", "admin1", "admin2", "geo_precision"),
    ("acled_2022h1_acledR_sample.csv", "ACLED", "admin1", "admin2", "geo_precision"),
    (
        "acled_2024_syria_newschema_excerpt_transcribed.csv",
        "ACLED",
        "admin1",
        "admin2",
        "geo_precision",
    ),
    ("ucdp_ged_syria_652_sample.csv", "UCDP", "adm_1", "adm_2", "where_prec"),
    ("ucdp_ged231_sample_mixed.csv", "UCDP", "adm_1", "adm_2", "where_prec"),
)


def _data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("GEO_DATA_DIR") or REPO.parent / "shared" / "data")


# --------------------------------------------------------------------------- speed


def _reset_peak() -> int:
    """Reset the process's peak RSS (Linux) and return the current RSS in bytes."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _measure(step: Callable[[], object]) -> tuple[float, int]:
    """Seconds and peak added resident memory of one call, in a forked child so that
    neither the allocator's free lists nor caches from earlier calls hide its memory."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        before = _reset_peak()
        start = time.perf_counter()
        step()
        seconds = time.perf_counter() - start
        peak = max(_status("VmHWM") - before, 0)
        os.write(write, json.dumps([seconds, peak]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    seconds, peak = json.loads(text)
    return seconds, peak


def synthetic_events(layers: AdminLayers, n: int, *, seed: int = 20240601) -> gpd.GeoDataFrame:
    """n points uniform over the union of the finest units (i.e. inside the country)."""
    outline = shapely.union_all(layers[layers.finest].geometry.values)
    shapely.prepare(outline)
    xmin, ymin, xmax, ymax = outline.bounds
    rng = np.random.default_rng(seed)
    xs, ys, have = [], [], 0
    while have < n:
        x = rng.uniform(xmin, xmax, n)
        y = rng.uniform(ymin, ymax, n)
        inside = shapely.contains_xy(outline, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        have += int(inside.sum())
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    return gpd.GeoDataFrame(
        {
            "event_id": pd.array([f"e{i}" for i in range(n)], dtype="string"),
            "geo_precision": pd.array(["point"] * n, dtype="string"),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=4326,
    )


def speed(data_dir: Path, n: int, repeat: int) -> bool:
    layers = load_admin_layers(data_dir)
    events = synthetic_events(layers, n)
    adm3 = layers[3][["adm3_pcode", "geometry"]]
    rows = []

    def sjoin() -> object:
        return gpd.sjoin(events, adm3, predicate="within", how="left")

    def join_cold() -> object:
        layers.cache.clear()
        return join_admin(events, layers)

    def join_warm() -> object:
        return join_admin(events, layers)

    join_admin(events.iloc[:10], layers)  # builds the index the warm runs inherit

    runs: dict[str, list[tuple[float, int]]] = {"sjoin": [], "cold": [], "warm": []}
    for _ in range(repeat):  # interleaved, so load on the machine hits all alike
        runs["sjoin"].append(_measure(sjoin))
        runs["cold"].append(_measure(join_cold))
        runs["warm"].append(_measure(join_warm))
    base = statistics.median(t for t, _ in runs["sjoin"])
    labels = {
        "sjoin": "geopandas.sjoin(predicate='within'), ADM3 code only",
        "cold": "geo.join.join_admin, ADM1+2+3 names+codes, index built in timing",
        "warm": "geo.join.join_admin, ADM1+2+3, index cached on the layers",
    }
    for key, label in labels.items():
        times = [t for t, _ in runs[key]]
        rows.append(
            {
                "method": label,
                "median s": round(statistics.median(times), 3),
                "min s": round(min(times), 3),
                "x sjoin": round(statistics.median(times) / base, 2),
                "peak +MiB": round(max(m for _, m in runs[key]) / 2**20),
            }
        )
    # The two agree (same unit for every point) before any timing is believed.
    joined, _ = join_admin(events, layers)
    plain = sjoin()
    plain = plain[~plain.index.duplicated()]["adm3_pcode"].astype("string")
    same = (joined["adm3_pcode"].fillna("-") == plain.fillna("-")).mean()
    table = pd.DataFrame(rows)
    print(f"\nJoin speed: {n:,} synthetic events over Syria, 272 subdistricts, {repeat} runs")
    print(table.to_string(index=False))
    cold = table.loc[1, "x sjoin"]
    ok = cold <= TARGET_RATIO and same == 1.0
    print(
        f"same ADM3 unit as sjoin for {same:.4%} of events; cold join = {cold:.2f}x sjoin "
        f"(target <= {TARGET_RATIO}x): {'PASS' if ok else 'FAIL'}"
    )
    return ok


# --------------------------------------------------------------------------- agreement


def _read_sample(path: Path, admin1: str, admin2: str, precision: str) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={admin1: "string", admin2: "string"})
    frame["source_row"] = np.arange(1, len(frame) + 1)
    return frame[frame["country"] == "Syria"].copy()


def agreement(data_dir: Path, *, show: int | None = None) -> bool:
    layers = load_admin_layers(data_dir)
    projected = layers[3].estimate_utm_crs()
    units = {n: layers[n].set_index(f"adm{n}_pcode").to_crs(projected) for n in (1, 2)}
    summary, disagreements = [], []
    for name, dataset, a1, a2, prec in AGREEMENT_FILES:
        rows = _read_sample(data_dir / "events" / name, a1, a2, prec)
        scale = FROM_ACLED if dataset == "ACLED" else FROM_UCDP
        events = gpd.GeoDataFrame(
            {
                "source_file": name,
                "source_row": rows["source_row"].to_numpy(),
                "geo_precision": pd.array(
                    [scale.get(int(v)) if pd.notna(v) else None for v in rows[prec]],
                    dtype="string",
                ),
            },
            geometry=gpd.points_from_xy(rows["longitude"], rows["latitude"]),
            crs=4326,
        )
        joined, _ = join_admin(events, layers)
        named1 = match_admin_names(rows[a1].tolist(), layers, level=1)
        named2 = match_admin_names(rows[a2].tolist(), layers, level=2, parents=named1)
        for level, named, column in ((1, named1, a1), (2, named2, a2)):
            given = rows[column].notna().to_numpy()
            ours = joined[f"adm{level}_pcode"].to_numpy(dtype=object, na_value=None)
            assigned = pd.notna(ours)
            compared = given & assigned
            wanted_codes = named.to_numpy(dtype=object, na_value=None)
            agree = compared & np.array([a == b for a, b in zip(wanted_codes, ours, strict=True)])
            summary.append(
                {
                    "file": name,
                    "level": f"adm{level}",
                    "syria rows": len(rows),
                    "name given": int(given.sum()),
                    "too coarse": int((given & ~assigned).sum()),
                    "compared": int(compared.sum()),
                    "agree": int(agree.sum()),
                }
            )
            for i in np.flatnonzero(compared & ~agree):
                point = events.geometry.iloc[i]
                wanted = named.iloc[i]
                if pd.isna(wanted):
                    reason = f"name {rows[column].iloc[i]!r} not matched to any adm{level} unit"
                else:
                    p = gpd.GeoSeries([point], crs=4326).to_crs(projected).iloc[0]
                    metres = units[level].geometry.loc[wanted].distance(p)
                    kind = "border case" if metres <= BORDER_M else "coordinates lie elsewhere"
                    reason = f"{kind}: point is {metres:,.0f} m outside the named unit {wanted}"
                disagreements.append(
                    {
                        "file": name,
                        "row": int(rows["source_row"].iloc[i]),
                        "level": f"adm{level}",
                        "precision": events["geo_precision"].iloc[i],
                        "lat, lon": f"{point.y:.4f}, {point.x:.4f}",
                        "dataset says": f"{rows[column].iloc[i]} ({wanted})",
                        "geo says": f"{joined[f'adm{level}_name'].iloc[i]} ({ours[i]})",
                        "join": joined["adm_join"].iloc[i],
                        "reason": reason,
                    }
                )
    table = pd.DataFrame(summary)
    totals = table.groupby("level")[["name given", "too coarse", "compared", "agree"]].sum()
    totals["agreement"] = (totals["agree"] / totals["compared"]).map("{:.2%}".format)
    table["agreement"] = (table["agree"] / table["compared"]).map("{:.1%}".format)
    print("\nAgreement with the datasets' own admin names (Syria rows)")
    print(table.to_string(index=False))
    print(totals.to_string())
    compared = int(totals["compared"].sum())
    overall = totals["agree"].sum() / compared
    print(
        "'too coarse': the row's precision (e.g. UCDP where_prec 5-6, ACLED 3) supports no "
        "unit at that level, so geo assigns none and nothing is compared."
    )
    listed = disagreements if show is None else disagreements[:show]
    print(f"\nEvery disagreement ({len(disagreements)}):")
    if listed:
        print(pd.DataFrame(listed).to_string(index=False))
    ok = bool(overall >= TARGET_AGREEMENT)
    print(
        f"overall agreement {overall:.2%} over {compared} comparisons "
        f"(target >= {TARGET_AGREEMENT:.0%}): {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; ``argv`` are this script's options (none: the defaults, as
    ``python -m benchmarks join`` calls it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["speed", "agreement", "all"], default="all")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args([] if argv is None else argv)
    data_dir = _data_dir(args.data_dir)
    ok = True
    if args.part in ("speed", "all"):
        ok &= speed(data_dir, args.events, args.repeat)
    if args.part in ("agreement", "all"):
        ok &= agreement(data_dir)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
