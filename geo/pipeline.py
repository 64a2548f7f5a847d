"""The whole data flow in one call: read -> geocode -> join, with the run's accounting.

Each stage returns a frame plus the problems it met; this module only strings them
together and sorts every input row into mapped / unresolved / rejected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geo.boundaries import AdminLayers, load_admin_layers
from geo.credits import credits_for
from geo.geocode import geocode
from geo.io import read_events, rejected_rows, unresolved_table
from geo.join import join_admin
from geo.report import RunReport

PathLike = str | os.PathLike


@dataclass
class PipelineResult:
    """What a run produced.

    ``events`` holds the mapped events (a geometry each), ``unresolved`` one row per input
    row not on the map (status unresolved or rejected, with the reason; see
    :func:`geo.io.unresolved_table`), ``report`` the counts and every
    problem (rejected rows included), ``layers`` the admin layers used for the join;
    :attr:`attribution` the credits a map or export of the events must carry.
    """

    events: gpd.GeoDataFrame
    unresolved: pd.DataFrame
    report: RunReport
    layers: AdminLayers

    @property
    def attribution(self) -> list[str]:
        """The credits the admin layers, datasets and gazetteer sources used require."""
        return credits_for(self.events, layers=self.layers)


def run(
    paths: PathLike | Sequence[PathLike],
    *,
    data_dir: PathLike | None = None,
    format: str | None = None,
    columns: Mapping[str, str] | None = None,
    online: bool = False,
    gazetteer=None,
    layers: AdminLayers | None = None,
    country: str | None = None,
    boundaries: Sequence[PathLike] | None = None,
    max_distance_m: float | None = None,
) -> PipelineResult:
    """Read, geocode and admin-join events from one or more files.

    Parameters
    ----------
    paths
        Input files (ACLED, UCDP, Airwars, geo CSV, generic tables, GeoJSON ...).
    data_dir
        Directory with ``boundaries/`` and ``gazetteer/``; defaults to ``$GEO_DATA_DIR``.
    format, columns
        Force the input format / map generic columns (see :func:`geo.io.read_events`).
    online
        Allow the online geocoder for names the offline gazetteer cannot place.
    gazetteer, layers
        Already loaded gazetteer and admin layers, to reuse across runs.
    country, boundaries
        Pick the country's layers in a multi-country data directory, or read the admin
        layers from these files instead (see :func:`geo.boundaries.load_admin_layers`).
    max_distance_m
        How far outside every unit a point may lie and still take the nearest one.

    Returns
    -------
    PipelineResult
    """
    events, read_problems = read_events(paths, format=format, columns=columns)
    located, geocode_problems = geocode(
        events, data_dir=data_dir, gazetteer=gazetteer, online=online
    )
    if layers is None:
        layers = load_admin_layers(data_dir, country=country, files=boundaries)
    join_options = {} if max_distance_m is None else {"max_distance_m": max_distance_m}
    joined, join_problems = join_admin(located, layers, **join_options)

    has_geometry = joined.geometry.notna() & ~joined.geometry.is_empty
    mapped = joined[has_geometry]
    problems = [*read_problems, *geocode_problems, *join_problems]
    unresolved = unresolved_table(problems, unresolved=joined[~has_geometry], mapped=mapped)

    rejected = rejected_rows(events, read_problems)
    report = RunReport(
        read=len(events) + len(rejected),
        mapped=len(mapped),
        unresolved=int((~has_geometry).sum()),
        rejected=len(rejected),
        problems=[*problems, *layers.problems],
    )
    return PipelineResult(events=mapped, unresolved=unresolved, report=report, layers=layers)
