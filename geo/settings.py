"""One place for configuration: the data directory, the cache, environment variables.

Configuration is passed explicitly (``data_dir=`` arguments); the environment is read
only here, when a caller did not say.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.report import DataDirError

DATA_DIR_ENV = "GEO_DATA_DIR"
CACHE_DIR_ENV = "GEO_CACHE_DIR"

# The project's own curated data (aliases, regions, demo events), shipped with the repo.
PROJECT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def user_cache_dir() -> Path:
    """Per-user cache (``geo data fetch`` fills it; built indexes live here)."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "geo"


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The data directory: the argument, else ``$GEO_DATA_DIR``, else the user cache.

    Raises DataDirError (one line, saying how to set it) when it does not exist or lacks
    the ``boundaries/`` folder.
    """
    if data_dir is not None:
        path, how = Path(data_dir).expanduser(), "--data-dir"
    elif os.environ.get(DATA_DIR_ENV):
        path, how = Path(os.environ[DATA_DIR_ENV]).expanduser(), f"${DATA_DIR_ENV}"
    else:
        path, how = user_cache_dir() / "data", "the default cache"
    if not path.is_dir():
        raise DataDirError(
            f"data directory {str(path)!r} (from {how}) does not exist; "
            f"pass --data-dir DIR or set {DATA_DIR_ENV}=DIR (e.g. ../shared/data), "
            "or run 'geo data fetch SYR'"
        )
    if not (path / "boundaries").is_dir():
        raise DataDirError(
            f"data directory {str(path)!r} (from {how}) has no 'boundaries/' folder; "
            f"point --data-dir or {DATA_DIR_ENV} at a directory laid out like ../shared/data"
        )
    return path.resolve()
