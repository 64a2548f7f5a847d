"""Read + write of many events: time and peak memory per format.

``python -m benchmarks io`` (or ``python benchmarks/bench_io.py [ROWS]``). Builds an
ACLED-layout CSV of ROWS events (default 1,000,000; ``GEO_BENCH_ROWS``) in
``benchmarks/out/`` from synthetic values, reads it with :func:`geo.io.read_events`,
writes every format with :func:`geo.io.write_events` and reads each back. Each step runs
in its own process so its peak resident memory is its own.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
FORMATS = (".parquet", ".gpkg", ".geojson", ".csv")
HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def make_csv(path: Path, rows: int) -> None:
    """An ACLED-layout CSV with varied synthetic values (2020-style ``9-May-20`` dates)."""
    admin1 = ("Aleppo", "Idleb", "Deir ez Zor", "Rural Damascus", "Homs", "Hama", "Daraa")
    kinds = (("Battles", "Armed clash"), ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
             ("Violence against civilians", "Attack"), ("Protests", "Peaceful protest"))  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            kind, sub = kinds[i % len(kinds)]
            place = f"Place {i % 5000}"
            writer.writerow(
                [
                    f"SYR{100000 + i}", f"{1 + i % 28}-{_MONTHS[i % 12]}-{18 + i % 6}", 2018 + i % 6,
                    1 + (i % 10 == 0), "Political violence", kind, sub,
                    "Military Forces of Syria (2000-)", "", 1, "Civilians (Syria)", "", 7, 17, "",
                    760, "Middle East", "Syria", admin1[i % len(admin1)], "District", "Subdistrict",
                    place, f"{32.5 + (i % 4000) / 1000:.4f}", f"{36 + (i % 5000) / 1000:.4f}",
                    1 + i % 3, "SOHR", "Other",
                    f"On this day, {sub.lower()} in {place}; {i % 7} fatalities reported.\nSecond line.",
                    i % 7, "", 1600000000 + i,
                ]
            )  # fmt: skip


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(kind: str, source: str, target: str) -> dict:
    """One measured step, in this process: read CSV (+ write target) or read target back."""
    sys.path.insert(0, str(REPO))
    from geo.io import read_events, write_events

    result: dict = {}
    started = time.perf_counter()
    events, _ = read_events(source if kind == "write" else target)
    result["read_s"] = time.perf_counter() - started
    result["rows"] = len(events)
    result["read_peak_mb"] = _peak_mb()
    if kind == "write":
        started = time.perf_counter()
        write_events(events, target)
        result["write_s"] = time.perf_counter() - started
        result["size_mb"] = Path(target).stat().st_size / 2**20
    result["peak_mb"] = _peak_mb()
    return result


def _run(kind: str, source: Path, target: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--step", kind, str(source), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    rows = int(argv[0]) if argv else int(os.environ.get("GEO_BENCH_ROWS", "1000000"))
    OUT.mkdir(parents=True, exist_ok=True)
    source = OUT / f"acled_{rows}.csv"
    if not source.exists():
        make_csv(source, rows)
    print(f"input: {source.name}, {rows:,} events, {source.stat().st_size / 2**20:,.0f} MB CSV")
    print()
    print(
        "| format | read CSV s | write s | file MB | read back s | peak MB (read+write) | peak MB (read back) |"
    )
    print("|---|---|---|---|---|---|---|")
    measured = {}
    for suffix in FORMATS:
        target = OUT / f"events_{rows}{suffix}"
        written = _run("write", source, target)
        back = _run("read", source, target)
        measured[suffix] = (written, back)
        print(
            f"| {suffix[1:]} | {written['read_s']:.1f} | {written['write_s']:.1f} | "
            f"{written['size_mb']:,.0f} | {back['read_s']:.1f} | {written['peak_mb']:,.0f} | "
            f"{back['peak_mb']:,.0f} |"
        )
    parquet, geojson = measured[".parquet"], measured[".geojson"]
    print()
    print(
        f"GeoParquet vs GeoJSON: size {parquet[0]['size_mb'] / geojson[0]['size_mb']:.2f}x, "
        f"write time {parquet[0]['write_s'] / geojson[0]['write_s']:.2f}x, "
        f"read time {parquet[1]['read_s'] / geojson[1]['read_s']:.2f}x"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--step":
        print(json.dumps(step(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        main(sys.argv[1:])
