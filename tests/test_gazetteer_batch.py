"""Resolving in a batch (the fast path) answers exactly as resolving one name at a time."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from geo.gazetteer import Gazetteer


def _outcome(result) -> tuple:
    return (
        result.status,
        result.source_id,
        result.precision,
        result.method,
        result.score,
        result.n_candidates,
        result.adm_pcodes,
        None if result.geometry is None else result.geometry.wkb,
        tuple((c.source_id, c.score) for c in result.candidates),
    )


@pytest.fixture(scope="module")
def names_and_hints(data_dir, tmp_path_factory):
    """Real location texts with their sources' admin hints, and misspellings of
    gazetteer names (one letter changed, dropped or doubled) that only fuzzy matching finds."""
    gazetteer = Gazetteer.from_data_dir(
        data_dir, cache_dir=tmp_path_factory.getbasetemp() / "gaz-cache"
    )
    rows = []
    for path in sorted((data_dir / "events").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        lower = {c.lower(): c for c in frame.columns}
        location = lower.get("where_coordinates") or lower.get("location")
        if location is None:
            continue
        admin1 = frame[lower["adm_1"]] if "adm_1" in lower else frame.get(lower.get("admin1"))
        for i in range(0, len(frame), max(1, len(frame) // 150)):
            hint = admin1.iloc[i] if admin1 is not None else None
            rows.append((frame[location].iloc[i], hint or None))
    rng = np.random.default_rng(3)
    primary = gazetteer.names[gazetteer.names["primary"]]["name"].drop_duplicates()
    for name in primary.sample(n=400, random_state=3):
        chars = list(name)
        i = int(rng.integers(1, max(2, len(chars) - 1)))
        op = int(rng.integers(3))
        if op == 0:
            chars[i] = "abdehiklmnorstuyz"[int(rng.integers(17))]
        elif op == 1:
            del chars[i]
        else:
            chars.insert(i, chars[i])
        rows.append(("".join(chars), None))
    return rows


def test_a_names_answer_does_not_depend_on_its_batch(data_dir, tmp_path_factory, names_and_hints):
    # The ranking's caches (candidates, results, fuzzy searches, hint codes) and the batched
    # fuzzy search must not leak one name's answer into another's: the whole sample in one
    # batch, and in reversed small batches on another gazetteer, answer alike.
    cache = tmp_path_factory.getbasetemp() / "gaz-cache"
    names = [n for n, _ in names_and_hints]
    hints = [h for _, h in names_and_hints]
    for admin1 in (None, hints):
        whole = Gazetteer.from_data_dir(data_dir, cache_dir=cache).resolve_many(
            names, admin1=admin1
        )
        pieces = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
        for start in reversed(range(0, len(names), 37)):
            chunk = slice(start, start + 37)
            part = pieces.resolve_many(
                names[chunk], admin1=admin1[chunk] if admin1 is not None else None
            )
            assert [_outcome(r) for r in part] == [_outcome(r) for r in whole[chunk]]
        # The sample exercises every outcome, fuzzy matches and hints included.
        assert {r.status for r in whole} == {"resolved", "ambiguous", "unresolved"}
        assert any(r.method == "fuzzy" for r in whole)
        assert admin1 is None or any(r.fallback == "admin hint" for r in whole)


def test_a_batch_leaves_the_garbage_collector_as_it_found_it(data_dir, tmp_path_factory):
    gazetteer = Gazetteer.from_data_dir(
        data_dir, cache_dir=tmp_path_factory.getbasetemp() / "gaz-cache"
    )
    assert gc.isenabled()
    gazetteer.resolve_many(["Dumayr", "Dmeir"])
    assert gc.isenabled()
    gc.disable()
    try:
        gazetteer.resolve_many(["Dumayr"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_name_gets_the_same_answer_alone_as_in_a_batch(
    data_dir, tmp_path_factory, names_and_hints
):
    # resolve() on one misspelt name and resolve_many() on all of them use one fuzzy search:
    # the same scores and candidate order (a batch once rounded its scores to whole numbers).
    cache = tmp_path_factory.getbasetemp() / "gaz-cache"
    names = [n for n, _ in names_and_hints][-120:]
    whole = Gazetteer.from_data_dir(data_dir, cache_dir=cache).resolve_many(names)
    single = Gazetteer.from_data_dir(data_dir, cache_dir=cache)
    alone = []
    for name in names:
        single._resolve_cache.clear()  # each name on its own, as a first call would see it
        alone.append(single.resolve(name))
    assert [_outcome(r) for r in alone] == [_outcome(r) for r in whole]
    assert any(r.method == "fuzzy" and r.score % 1 for r in whole)
