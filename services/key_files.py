"""Development key files in the data directory, created so that processes starting together agree on one key.

`sigill serve --workers 2`, its follower and a CLI command may all start at once on a fresh data directory,
and each needs the master key, the ledger key and the development signing key.  A key is written whole to a
temporary file in the same directory (mode 0600, fsynced), then *linked* to its name: ``os.link`` fails when
the name exists, so exactly one process's key wins, and the name never points at a half-written file.  Every
other process then reads the winner's key.
"""

from __future__ import annotations

import os
import pwd
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
    """A key file's content, refused (as ssh refuses such a private key) while it is not the running user's alone:
    Sigill makes every key file 0600 and its own, so another mode or owner is someone's copy, chmod or chown, and the
    key may already be read or replaced.  Refused, not mended in silence: the operator is to know.  The mode and the
    owner are the opened file's, so it is the file read."""
    with open(path, "rb") as handle:
        problem = not_private(path, os.fstat(handle.fileno()), os.geteuid())
        if problem is not None:
            from services.settings import ConfigurationError   # here: services.settings imports this module

            raise ConfigurationError(problem)
        return handle.read()


ROOT = 0


def not_private(path: Path, status: os.stat_result, running_uid: int) -> str | None:
    """Why the key file of ``status`` is not the private key of the user ``running_uid``, in a line saying what to
    run; None when it is.  Its owner comes first: another user may chmod it open or write another key into it at
    any time, and the chmod a wide mode calls for is the owner's alone.  root's is accepted, as ssh accepts it: root
    may read and replace any file anyway."""
    if status.st_uid not in (running_uid, ROOT):
        return (f"{path} holds a private key and belongs to another user, {_user(status.st_uid)}: run Sigill as"
                f" that user, or make the file this user's with `chown {_user_name(running_uid)} {path}` (as root)")
    mode = stat.S_IMODE(status.st_mode)
    if mode & 0o077:
        return f"{path} holds a private key and other users may open it (mode {mode:04o}): run `chmod 600 {path}`"
    return None


def _user(uid: int) -> str:
    name = _user_name(uid)
    return f"uid {uid}" if name == str(uid) else f"{name} (uid {uid})"


def _user_name(uid: int) -> str:
    """The user's name, or the uid itself where no name is known (a container's uid without a passwd entry): chown
    takes either."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


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
