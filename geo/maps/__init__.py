"""Render events as layered, time-filtered folium maps (static HTML, Jupyter).

Public API: :func:`render_map`, :func:`save_map`; the folium elements
:class:`EventLayer`, :class:`EventTypeLayer`, :class:`AdminLayer`; offline assets in
:mod:`geo.maps.assets` (``python -m geo.maps.assets fetch``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.maps.plugin import AdminLayer, EventLayer, EventTypeLayer
    from geo.maps.render import render_map, save_map

__all__ = ["AdminLayer", "EventLayer", "EventTypeLayer", "render_map", "save_map"]


def __getattr__(name: str) -> Any:
    # Imported on first use so ``python -m geo.maps.assets`` runs without importing itself twice.
    if name in ("render_map", "save_map"):
        from geo.maps import render

        return getattr(render, name)
    if name in ("AdminLayer", "EventLayer", "EventTypeLayer"):
        from geo.maps import plugin

        return getattr(plugin, name)
    raise AttributeError(f"module 'geo.maps' has no attribute {name!r}")
