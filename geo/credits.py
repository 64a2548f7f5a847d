"""The credit each source's licence requires, for maps and exports, in one place.

Event datasets (ACLED, UCDP, Airwars) are credited from each event's ``dataset``; the
gazetteer sources from each event's ``geo_source`` (``<source>:<id>``, set by geocoding
and text extraction), so a re-exported file keeps its credits; the admin layers bring
their own (:attr:`geo.boundaries.AdminLayers.attribution`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from geo.boundaries import AdminLayers

# By the event's ``dataset`` (the reader family, :data:`geo.io.FORMATS`).
DATASET_CREDITS: dict[str, str] = {
    "acled": (
        "Armed Conflict Location & Event Data Project (ACLED); acleddata.com. ACLED's terms "
        "require citation, access date and filters used, and forbid redistributing raw data."
    ),
    "ucdp": (
        "UCDP Georeferenced Event Dataset (Sundberg & Melander 2013, Journal of Peace Research "
        "50(4); Högbladh, UCDP GED Codebook of the version used), Uppsala Conflict Data Program."
    ),
    "airwars": (
        "Airwars (airwars.org); attribution remains with Airwars and the original publishers."
    ),
}
# By the prefix of ``geo_source``. "boundaries" entries are the admin layers (credited by
# the layers) and "project" entries are geo's own aliases and regions (no credit due).
GAZETTEER_CREDITS: dict[str, str] = {
    "geonames": "Place names: GeoNames (geonames.org), CC BY 4.0",
    "whosonfirst": (
        "Place names: Data from Who's On First (whosonfirst.org), including GeoNames (CC BY 4.0)"
    ),
    "opensyria": "Place names: OpenSyria data-geography (CC BY 4.0)",
    "nominatim": "Geocoding: Nominatim; data © OpenStreetMap contributors (ODbL)",
}


def credits_for(
    events: pd.DataFrame,
    *,
    layers: AdminLayers | None = None,
    extra: str | Iterable[str] | None = None,
) -> list[str]:
    """The credit lines a map or export of ``events`` must carry, without repeats.

    Parameters
    ----------
    events
        Events in the event schema; ``dataset`` and ``geo_source`` name the sources used.
    layers
        The admin layers joined to or drawn (their attribution comes first).
    extra
        Further credit lines given by the caller (last).

    Returns
    -------
    list of str
        Admin layers, then datasets, then gazetteer sources (each sorted by name), then
        ``extra``.
    """
    lines = [layers.attribution] if layers is not None else []
    if "dataset" in events:
        used = sorted(set(events["dataset"].dropna().astype(str)))
        lines += [DATASET_CREDITS[name] for name in used if name in DATASET_CREDITS]
    if "geo_source" in events:
        used = {str(s).partition(":")[0] for s in events["geo_source"].dropna().unique()}
        lines += [GAZETTEER_CREDITS[name] for name in sorted(used) if name in GAZETTEER_CREDITS]
    lines += [extra] if isinstance(extra, str) else list(extra or [])
    return [line for line in dict.fromkeys(lines) if line]
