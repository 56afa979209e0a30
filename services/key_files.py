"""Development key files in the data directory, created so that processes starting together agree on one key.

`sigill serve --workers 2`, its follower and a CLI command may all start at once on a fresh data directory,
and each needs the master key, the ledger key and the development signing key.  A key is written whole to a
temporary file in the same directory (mode 0600, fsynced), then *linked* to its name: ``os.link`` fails when
the name exists, so exactly one process's key wins, and the name never points at a half-written file.  Every
other process then reads the winner's key.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The key file's content; if there is none yet, ``make()``'s — or that of whoever created it first."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    content = make()
    temporary = _written_temporary(path, content)
    try:
        os.link(temporary, path)  # atomic, and never replaces: the first to link wins
    except FileExistsError:
        return path.read_bytes()  # the winner's, complete: it was linked only once written and fsynced
    finally:
        os.unlink(temporary)
    _fsync_directory(path.parent)  # the new name survives a crash too
    return content


def _written_temporary(path: Path, content: bytes) -> str:
    # mkstemp opens with O_EXCL and mode 0600, so the key is never readable by others, not even for a moment.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
