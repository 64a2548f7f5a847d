"""The on-disk index cache: shared by processes, rebuilt when damaged."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from geo.gazetteer import Gazetteer

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def private_data(data_dir, tmp_path) -> Path:
    """A small data dir: the shared boundaries (symlinked) and the GeoNames towns of Rif
    Dimashq, so a build takes seconds."""
    private = tmp_path / "data"
    (private / "gazetteer" / "geonames").mkdir(parents=True)
    (private / "boundaries").symlink_to(data_dir / "boundaries")
    source = data_dir / "gazetteer" / "geonames" / "cities500_SY.txt"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    # Admin1 code 08 is Rif Dimashq in GeoNames' Syria dump (Dumayr's governorate).
    keep = [line for line in lines if line.split("\t")[10] == "08"]
    (private / "gazetteer" / "geonames" / "cities.txt").write_text("".join(keep), "utf-8")
    return private


def _summary(gazetteer: Gazetteer) -> tuple:
    result = gazetteer.resolve("Ad Dumayr")
    return (gazetteer.signature, len(gazetteer.entries), len(gazetteer.names), result.source_id)


def test_two_processes_building_into_one_cache_both_succeed_and_agree(private_data, tmp_path):
    cache = tmp_path / "cache"
    script = textwrap.dedent(
        f"""
        import sys
        from geo.gazetteer import Gazetteer
        g = Gazetteer.from_data_dir({str(private_data)!r}, cache_dir={str(cache)!r})
        r = g.resolve("Ad Dumayr")
        print(g.signature, len(g.entries), len(g.names), r.source_id)
        """
    )
    # Two builders at once (a subprocess and this process), neither finding a cache.
    other = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    here = _summary(Gazetteer.from_data_dir(private_data, cache_dir=cache))
    out, _ = other.communicate(timeout=300)
    assert other.returncode == 0
    assert out.split() == [str(v) for v in here]
    assert here[3]  # Dumayr is found
    # Exactly the two index files: no temporary files left behind by either writer.
    assert sorted(p.name.split("-")[-1] for p in cache.iterdir()) == [
        "entries.parquet",
        "names.parquet",
    ]
    # And the cache they left loads as the same index.
    assert _summary(Gazetteer.from_data_dir(private_data, cache_dir=cache)) == here


@pytest.mark.parametrize("damage", ["truncated", "garbage", "wrong layout"])
def test_a_damaged_cache_file_is_rebuilt(private_data, tmp_path, damage, caplog):
    cache = tmp_path / "cache"
    first = _summary(Gazetteer.from_data_dir(private_data, cache_dir=cache))
    entries_file = next(cache.glob("*-entries.parquet"))
    if damage == "truncated":
        # A file cut short, as a crash or a full disk would leave it.
        data = entries_file.read_bytes()
        entries_file.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        entries_file.write_bytes(b"not a parquet file")
    else:
        pd.DataFrame({"name": ["x"]}).to_parquet(entries_file)
    rebuilt = Gazetteer.from_data_dir(private_data, cache_dir=cache)
    assert _summary(rebuilt) == first
    assert "gazetteer cache" in caplog.text
    # The rebuild replaced the damaged file: the next load reads it without a warning.
    caplog.clear()
    assert _summary(Gazetteer.from_data_dir(private_data, cache_dir=cache)) == first
    assert "gazetteer cache" not in caplog.text
