"""Admin boundary layers: read, normalise to one schema, validate.

Every level is a GeoDataFrame in EPSG:4326 with ``adm{n}_pcode``, ``adm{n}_name``,
``adm{n}_name_ar`` and the same three columns for each parent level.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import geopandas as gpd

from geo.report import DataDirError
from geo.settings import resolve_data_dir

# File names of geo's normalised layers inside ``<data_dir>/boundaries``.
_LEVEL_FILES = {
    1: "syr_adm1_governorates.geojson",
    2: "syr_adm2_districts.geojson",
    3: "syr_adm3_subdistricts.geojson",
}


@dataclass
class AdminLayers:
    """Admin units by level (1 = governorate ... 3 = subdistrict) plus the credit they need."""

    levels: dict[int, gpd.GeoDataFrame]
    attribution: str = ""
    sources: dict[int, str] = field(default_factory=dict)
    # Derived structures (spatial indexes, projected copies) built once per layer set.
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, level: int) -> gpd.GeoDataFrame:
        return self.levels[level]

    @property
    def finest(self) -> int:
        return max(self.levels)


def _normalise(frame: gpd.GeoDataFrame, level: int) -> gpd.GeoDataFrame:
    renames = {}
    for n in range(1, level + 1):
        renames[f"adm{n}_name_en"] = f"adm{n}_name"
    frame = frame.rename(columns=renames)
    keep = []
    for n in range(1, level + 1):
        keep += [f"adm{n}_pcode", f"adm{n}_name", f"adm{n}_name_ar"]
    return frame[keep + ["geometry"]].to_crs(4326)


def load_admin_layers(data_dir: str | os.PathLike | None = None) -> AdminLayers:
    """Read the admin layers (levels 1-3) from ``<data_dir>/boundaries``."""
    root = resolve_data_dir(data_dir) / "boundaries"
    levels: dict[int, gpd.GeoDataFrame] = {}
    for level, name in _LEVEL_FILES.items():
        path = root / name
        if not path.is_file():
            raise DataDirError(f"boundary file {str(path)!r} is missing")
        levels[level] = _normalise(gpd.read_file(path), level)
    return AdminLayers(
        levels=levels,
        attribution=(
            "Boundaries: OCHA / UN Cartographic Section via HDX and geoBoundaries (CC BY 3.0 IGO); "
            "names and P-codes: OpenSyria data-geography (CC BY 4.0)"
        ),
        sources={level: str(root / name) for level, name in _LEVEL_FILES.items()},
    )
