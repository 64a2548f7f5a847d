"""The event table: every stage can start from a partial frame and get typed columns."""

from __future__ import annotations

import pandas as pd

from geo.schema import (
    EVENT_COLUMNS,
    GEO_PRECISIONS,
    TO_ACLED,
    TO_UCDP,
    admin_levels_supported,
    conform,
)


def test_conform_adds_every_missing_column_typed_and_keeps_originals_after():
    frame = pd.DataFrame({"my_column": ["x"], "event_id": ["e1"], "latitude": ["33.6"]})
    out = conform(frame)
    assert list(out.columns) == [*EVENT_COLUMNS, "my_column"]
    assert {name: str(out[name].dtype) for name in EVENT_COLUMNS} == EVENT_COLUMNS
    assert out.loc[0, "latitude"] == 33.6
    assert pd.isna(out.loc[0, "longitude"]) and pd.isna(out.loc[0, "date_start"])


def test_every_precision_has_acled_and_ucdp_equivalents():
    assert set(TO_ACLED) == set(TO_UCDP) == set(GEO_PRECISIONS)
    # coarser precision never maps to a finer UCDP code
    codes = [TO_UCDP[p] for p in GEO_PRECISIONS]
    assert codes == sorted(codes)


def test_admin_levels_follow_precision():
    assert admin_levels_supported("point") == (1, 2, 3)
    assert admin_levels_supported("adm2") == (1, 2)
    assert admin_levels_supported("adm1") == (1,)
    assert admin_levels_supported("region") == ()
