"""Development key files in the data directory, created so that processes starting together agree on one key.

`sigill serve --workers 2`, its follower and a CLI command may all start at once on a fresh data directory,
and each needs the master key, the ledger key and the development signing key.  A key is written whole to a
temporary file in the same directory (mode 0600, fsynced), then *linked* to its name: ``os.link`` fails when
the name exists, so exactly one process's key wins, and the name never points at a half-written file.  Every
other process then reads the winner's key.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The key file's content; if there is none yet, ``make()``'s — or that of whoever created it first.  A file
    other users may open is refused (``read_private``)."""
    try:
        return read_private(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    content = make()
    temporary = _written_temporary(path, content)
    try:
        os.link(temporary, path)  # atomic, and never replaces: the first to link wins
    except FileExistsError:
        return read_private(path)  # the winner's, complete: it was linked only once written and fsynced
    finally:
        os.unlink(temporary)
    _fsync_directory(path.parent)  # the new name survives a crash too
    return content


def read_private(path: Path) -> bytes:
    """A key file's content, refused (as ssh refuses such a private key) while its mode lets group or others open it:
    Sigill makes every key file 0600, so another mode is someone's copy or chmod, and the key may already be read.
    Refused, not mended in silence: the operator is to know.  The mode is the opened file's, so it is the file read."""
    with open(path, "rb") as handle:
        mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
        if mode & 0o077:
            from services.settings import ConfigurationError   # here: services.settings imports this module

            raise ConfigurationError(f"{path} holds a private key and other users may open it (mode {mode:04o}):"
                                     f" run `chmod 600 {path}`")
        return handle.read()


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
