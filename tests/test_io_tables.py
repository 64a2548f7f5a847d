"""Raw tables: the three CSV readers (Arrow whole, Arrow streamed, record by record) agree."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.io import tables


@pytest.mark.parametrize("how", ["arrow-whole", "arrow-stream", "records"])
def test_csv_readers_agree_on_a_real_file(events_dir, tmp_path, monkeypatch, how):
    source = events_dir / "ucdp_ged_syria_652_sample.csv"
    expected = pd.read_csv(source, dtype=str, keep_default_na=False)
    path = tmp_path / "ged.csv"
    data = source.read_bytes()
    if how == "records":
        data = data.rstrip(b"\r\n")  # no final newline: the record-by-record reader
    path.write_bytes(data)
    if how == "arrow-stream":
        monkeypatch.setattr(tables, "_ARROW_WHOLE_BYTES", 0)
        monkeypatch.setattr(tables, "_ARROW_BLOCK", 16 * 1024)  # many small batches
    table = tables.open_table(path, chunk_rows=70)
    assert table.reader == how.replace("-whole", "")
    chunks = list(table.chunks)
    sizes = [len(c) for c in chunks]
    if how == "arrow-stream":  # whole Arrow batches gathered up to the chunk size
        assert len(sizes) > 1 and min(sizes[:-1]) >= 70
    else:
        assert sizes == [70, 70, 70, 70, 20]
    frame = pd.concat(chunks)
    assert frame.index.tolist() == list(range(1, len(expected) + 1))
    assert table.columns == list(expected.columns)
    assert frame.astype(object).values.tolist() == expected.astype(object).values.tolist()
    assert not table.problems


def test_encoding_detection():
    assert tables.detect_encoding("date,مكان\n".encode("utf-8-sig")) == "utf-8-sig"
    assert tables.detect_encoding("date,مكان\n".encode()) == "utf-8"
    assert tables.detect_encoding("التاريخ,المكان\n".encode("cp1256")) == "cp1256"
    assert tables.detect_encoding("date,Sée\n".encode("cp1252")) == "cp1252"
    # A multi-byte character cut by the end of the sample is still UTF-8.
    assert tables.detect_encoding("مكان".encode()[:-1]) == "utf-8"
