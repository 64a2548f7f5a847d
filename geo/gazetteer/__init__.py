"""Offline, multilingual place-name gazetteer.

``Gazetteer.from_data_dir(data_dir)`` builds (or loads from cache) an index of every
gazetteer file in the data directory plus the project's curated aliases and regions;
``Gazetteer.resolve(name, admin1=..., admin2=...)`` returns a :class:`Resolution`.
"""

from geo.gazetteer.core import STATUSES, Candidate, Gazetteer, Resolution, haversine_km
from geo.gazetteer.normalize import fold_key, name_key, split_descriptors
from geo.gazetteer.relative import parse_relative

__all__ = [
    "STATUSES",
    "Candidate",
    "Gazetteer",
    "Resolution",
    "fold_key",
    "haversine_km",
    "name_key",
    "parse_relative",
    "split_descriptors",
]
