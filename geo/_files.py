"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.report import GeoError

# SQLite (GeoPackage) side files a failed write may leave beside the temporary file.
_SIDE_SUFFIXES = ("", "-journal", "-wal", "-shm")


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it when the block succeeds.

    The temporary path does not exist yet (GDAL drivers refuse to write over a file) and is
    hidden (``.<name>.<random>.part<suffix>``). On success the file gets the permissions
    any new file gets (``0o666`` less the umask, not ``mkstemp``'s 0600) and is renamed
    onto ``target``; on failure it is removed with any SQLite side files.

    Raises
    ------
    geo.report.GeoError
        ``target`` is a folder, or its folder cannot be written (one line naming the file).
    """
    target = Path(target)
    if target.is_dir():
        raise GeoError(f"{target}: is a folder; give the name of a file to write")
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=target.parent
        )
    except OSError as error:
        raise GeoError(f"{target}: cannot write there ({error.strerror})") from None
    os.close(handle)
    os.unlink(name)
    tmp = Path(name)
    try:
        try:
            yield tmp
            os.chmod(tmp, _new_file_mode())
            os.replace(tmp, target)
        except OSError as error:
            raise GeoError(f"{target}: cannot write ({error.strerror or error})") from None
    finally:
        for leftover in (Path(f"{tmp}{side}") for side in _SIDE_SUFFIXES):
            leftover.unlink(missing_ok=True)


def _new_file_mode() -> int:
    # The umask can only be read by setting it; it is put back at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
