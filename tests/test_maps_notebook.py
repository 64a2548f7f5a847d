"""notebooks/explore.ipynb runs top to bottom and shows the maps inline."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_explore_notebook_runs_and_shows_maps(data_dir, monkeypatch):
    monkeypatch.setenv("GEO_DATA_DIR", str(data_dir))
    # the kernel imports this checkout's geo even where it is not installed
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    notebook = nbformat.read(REPO / "notebooks" / "explore.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO / "notebooks")}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "events read: 3, mapped: 3, unresolved: 0, rejected: 0" in text
    maps = [
        o["data"]["text/html"]
        for o in outputs
        if o.output_type in ("execute_result", "display_data")
        and "GeoEvents.create" in o.get("data", {}).get("text/html", "")
    ]
    # Dumayr, Dumayr before the raid, the sample, Dumayr with a circle
    assert len(maps) == 4
    assert all("iframe srcdoc=" in html for html in maps)
    assert "L.circle" in maps[-1] and "L.marker" in maps[-1]
