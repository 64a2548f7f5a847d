"""geo: map security and conflict events.

The data flow is read -> geocode -> join -> render/export; each stage is a function on a
(Geo)DataFrame in the event schema (:mod:`geo.schema`) that returns a new frame plus the
problems it met (:class:`geo.report.Problem`).
"""

__version__ = "0.1.0"
