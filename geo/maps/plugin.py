"""The folium elements of geo's event map: one engine, thin toggle layers over it.

``EventLayer`` embeds the compact event payload and the time control; it owns one canvas
that draws every event. ``EventTypeLayer`` and ``AdminLayer`` are ordinary folium layers
(so ``folium.LayerControl`` lists them) whose JavaScript only switches a part of the engine
on or off; the engine redraws once per change, never rebuilding layers per event.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from branca.element import Figure, MacroElement
from folium.map import Layer, LayerControl
from folium.raster_layers import TileLayer
from folium.template import Template

from geo.maps.assets import RawHTML
from geo.report import GeoError


@lru_cache(maxsize=4)
def _static(name: str) -> str:
    return resources.files("geo.maps").joinpath("static", name).read_text("utf-8")


class RawMacroElement(MacroElement):
    """A MacroElement whose rendered macros go into the page as they are.

    branca's MacroElement compiles each rendered macro again as a Jinja template, so text
    from the data inside it (an event type in the layer control, a title) would be
    evaluated: ``{{ 7*7 }}`` became ``49`` and ``{% if`` broke the page. Here the output
    is final.
    """

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise GeoError(f"{type(self).__name__} must be added to a folium.Map")
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(RawHTML(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _EngineLayer(Layer, RawMacroElement):
    """A layer control entry for a part of the engine; adds itself in its own script, so
    rendering twice (Jupyter, then save) gives the same page."""

    render = RawMacroElement.render


class SafeLayerControl(LayerControl, RawMacroElement):
    """folium's LayerControl without re-evaluating layer names (data) as Jinja."""


class SafeTileLayer(TileLayer, RawMacroElement):
    """folium's TileLayer without re-evaluating its URL and credit (user text) as Jinja."""


class EventLayer(RawMacroElement):
    """The event engine: payload, canvas renderer, time control, filters, legend, popups.

    Parameters
    ----------
    payload_b64
        The packed columns (see :mod:`geo.maps._payload`), base64 of deflated bytes.
    spec
        JSON-serialisable description of the payload and the page options.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = GeoEvents.create(
            {{ this._parent.get_name() }}, {{ this.spec|tojson }}, {{ this.payload_b64|tojson }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, payload_b64: str, spec: dict) -> None:
        super().__init__()
        self._name = "GeoEvents"
        self.payload_b64 = payload_b64
        self.spec = spec

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise GeoError("EventLayer must be added to a folium.Map")
        # geo's own code is on no CDN: it is inline in both modes
        figure.header.add_child(
            RawHTML(f"<style>{_static('geo_events.css')}</style>"), name="geo_events_css"
        )
        figure.header.add_child(
            RawHTML(f"<script>{_static('geo_events.js')}</script>"), name="geo_events_js"
        )
        super().render(**kwargs)


class EventTypeLayer(_EngineLayer):
    """A toggle in the layer control for the events of one type (points and areas)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.engine.get_name() }}.typeLayer({{ this.code }});
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, engine: EventLayer, code: int, *, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "GeoEventType"
        self.engine = engine
        self.code = code


class AdminLayer(_EngineLayer):
    """Admin units of one level drawn by the engine, as outlines or as a choropleth.

    The choropleth's values (events or fatalities per unit) follow the time control and
    the filters.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.engine.get_name() }}.adminLayer(
            {{ this.level }}, {{ this.kind|tojson }}
        );
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self, engine: EventLayer, level: int, kind: str, *, name: str, show: bool = False
    ) -> None:
        kinds = ("outline", "choropleth")
        if kind not in kinds:
            raise ValueError(f"`kind` was {kind!r} but is expected to be in {kinds}")
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "GeoAdmin"
        self.engine = engine
        self.level = level
        self.kind = kind
