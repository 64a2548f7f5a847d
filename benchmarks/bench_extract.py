"""Text extraction: toponym accuracy on the gold articles, and speed.

Accuracy: ``../shared/data/articles/gold.jsonl`` (three real articles with toponym gold).
Gold entries without coordinates (common nouns such as "towns" that GeoWebNews annotates)
are left out: they name no place a gazetteer can find. A found toponym counts when its
span equals a gold span; a resolution counts when it is resolved and lies within 10 km of
the gold coordinates (for an area, when the gold point is inside it or within 10 km).
"Syria" rows count the gold places inside Syria's boundary and the found places the
gazetteer put in Syria (or a mention of Syria itself).

Speed: articles of ~5 kB (the four articles, cut and recombined) after the gazetteer is
loaded; ``find_toponyms`` alone, and the whole ``extract_file`` path (read, extract,
one frame for the batch).

Run: ``python -m benchmarks extract`` (data from ``$GEO_DATA_DIR``, default ../shared/data).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path

import shapely
from shapely.geometry import Point

from geo.boundaries import load_admin_layers
from geo.extract import extract_events, extract_file, find_toponyms, read_document
from geo.gazetteer import Gazetteer

REPO = Path(__file__).resolve().parent.parent
TOLERANCE_KM = 10.0
ARTICLE_CHARS = 5000
N_ARTICLES = 400


def _data_dir() -> Path:
    return Path(os.environ.get("GEO_DATA_DIR", REPO.parent / "shared" / "data"))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(math.sqrt(min(1.0, a)))


def _resolved_right(toponym, lat: float, lon: float) -> bool:
    res = toponym.resolution
    if res is None or res.status != "resolved":
        return False
    if res.geometry is not None and res.geometry.geom_type != "Point":
        inside = res.geometry.contains(Point(lon, lat))
        if inside or res.geometry.distance(Point(lon, lat)) * 111.0 <= TOLERANCE_KM:
            return True
    return _km(res.latitude, res.longitude, lat, lon) <= TOLERANCE_KM


def _prf(tp: int, n_found: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_found if n_found else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def accuracy(gazetteer: Gazetteer, data_dir: Path) -> list[dict]:
    """Counts per article and scope (all places / places in Syria)."""
    syria = shapely.union_all(load_admin_layers(data_dir)[1].geometry.to_numpy())
    syria_near = syria.buffer(0.1)
    rows = []
    articles = data_dir / "articles"
    for line in (articles / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        doc = read_document(articles / record["file"])
        found = find_toponyms(doc, gazetteer)
        gold = [g for g in record["toponyms"] if g.get("lat") is not None]
        for scope in ("all", "Syria"):
            if scope == "all":
                gold_in, found_in = gold, found
            else:
                gold_in = [g for g in gold if syria.contains(Point(g["lon"], g["lat"]))]
                found_in = [
                    t
                    for t in found
                    if (
                        t.resolution is not None
                        and t.resolution.status == "resolved"
                        and syria_near.contains(
                            Point(t.resolution.longitude, t.resolution.latitude)
                        )
                    )
                    or t.query == "Syria"
                ]
            by_span = {(t.start, t.end): t for t in found_in}
            matched = [
                (g, by_span[(g["start"], g["end"])])
                for g in gold_in
                if (g["start"], g["end"]) in by_span
            ]
            resolved = [t for g, t in matched if _resolved_right(t, g["lat"], g["lon"])]
            misses = sorted({g["phrase"] for g in gold_in if (g["start"], g["end"]) not in by_span})
            spurious = sorted(
                {
                    t.phrase
                    for t in found_in
                    if (t.start, t.end) not in {(g["start"], g["end"]) for g in gold_in}
                }
            )
            wrong = sorted(
                {t.phrase for g, t in matched if not _resolved_right(t, g["lat"], g["lon"])}
            )
            rows.append(
                {
                    "article": record["file"][:24],
                    "scope": scope,
                    "gold": len(gold_in),
                    "found": len(found_in),
                    "span_tp": len(matched),
                    "res_tp": len(resolved),
                    "misses": misses,
                    "spurious": spurious,
                    "wrong": wrong,
                }
            )
    return rows


def _corpus(data_dir: Path) -> list[str]:
    """~5 kB articles cut from the four real texts, rotated so no two are equal."""
    articles = data_dir / "articles"
    texts = [p.read_text(encoding="utf-8") for p in sorted(articles.glob("*.txt"))]
    joined = "\n\n".join(texts)
    out = []
    offset = 0
    while len(out) < N_ARTICLES:
        start = joined.find("\n", offset % len(joined))
        start = 0 if start < 0 else start + 1
        piece = (joined[start:] + "\n\n" + joined)[:ARTICLE_CHARS]
        out.append(piece[: piece.rfind("\n") if "\n" in piece[4000:] else ARTICLE_CHARS])
        offset += 997
    return out


def speed(gazetteer: Gazetteer, data_dir: Path) -> list[tuple]:
    """Rates by wall clock and per CPU second of this process (others share the machine)."""
    corpus = _corpus(data_dir)
    size = sum(len(t) for t in corpus) / len(corpus)
    for text in corpus[:5]:  # warm the regex and name caches
        find_toponyms(text, gazetteer)
    wall, cpu = time.perf_counter(), time.process_time()
    for text in corpus:
        find_toponyms(text, gazetteer)
    toponyms = (
        len(corpus) / (time.perf_counter() - wall),
        len(corpus) / (time.process_time() - cpu),
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, text in enumerate(corpus):
            path = Path(tmp) / f"article_{i:04d}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        wall, cpu = time.perf_counter(), time.process_time()
        frame = extract_file(paths, gazetteer=gazetteer, published="2023-10-20")
        batch = (
            len(paths) / (time.perf_counter() - wall),
            len(paths) / (time.process_time() - cpu),
        )
    wall, cpu = time.perf_counter(), time.process_time()
    for text in corpus[:50]:
        extract_events(text, gazetteer=gazetteer)
    single = (50 / (time.perf_counter() - wall), 50 / (time.process_time() - cpu))
    load = os.getloadavg()[0]
    return [
        ("article size (chars, mean)", size, "", ""),
        ("find_toponyms (articles/s)", *toponyms, ">= 200"),
        (f"extract_file, {len(corpus)} files in one call (articles/s)", *batch, ">= 200"),
        ("extract_events, one frame per article (articles/s)", *single, "info"),
        ("candidate rows from the batch", float(len(frame)), "", ""),
        ("machine load average (1 min) during the run", load, "", ""),
    ]


def main(argv: list[str] | None = None) -> None:
    data_dir = _data_dir()
    started = time.perf_counter()
    gazetteer = Gazetteer.from_data_dir(data_dir)
    load_s = time.perf_counter() - started
    rows = accuracy(gazetteer, data_dir)
    print(f"gazetteer loaded in {load_s:.1f} s ({len(gazetteer)} entries)\n")
    print(
        "| scope | gold | found | span P | span R | span F1 | resolved P | resolved R | resolved F1 | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for scope in ("Syria", "all"):
        subset = [r for r in rows if r["scope"] == scope]
        gold = sum(r["gold"] for r in subset)
        found = sum(r["found"] for r in subset)
        sp, sr, sf = _prf(sum(r["span_tp"] for r in subset), found, gold)
        rp, rr, rf = _prf(sum(r["res_tp"] for r in subset), found, gold)
        target = "F1 >= 0.9" if scope == "Syria" else "report"
        print(
            f"| {scope} | {gold} | {found} | {sp:.3f} | {sr:.3f} | {sf:.3f} | {rp:.3f} | {rr:.3f} | {rf:.3f} | {target} |"
        )
    print(
        "\nper article (misses = gold not found, spurious = found not in gold, wrong = resolved wrong):\n"
    )
    for r in rows:
        print(
            f"- {r['article']} [{r['scope']}] gold {r['gold']}, span {r['span_tp']}, resolved {r['res_tp']}; "
            f"misses {r['misses']}; spurious {r['spurious']}; wrong {r['wrong']}"
        )
    print("\n| speed | wall clock | per CPU second | target |\n|---|---|---|---|")
    for name, value, per_cpu, target in speed(gazetteer, data_dir):
        cpu_text = f"{per_cpu:,.1f}" if per_cpu != "" else ""
        print(f"| {name} | {value:,.1f} | {cpu_text} | {target} |")


if __name__ == "__main__":
    main()
