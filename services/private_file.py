"""The files an auditor's commands write (a report, exported checkpoints): its owner's only, opened before the read."""

from __future__ import annotations

import os
import stat
import sys
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Callable, Iterator

from domain.errors import InvalidInput


@contextmanager
def private_file(path: Path, what: str) -> Iterator[Callable[[str], None]]:
    """Only its owner may read what an auditor writes out: a report holds names, health and crime details (and
    a file that already exists is narrowed to that too, before anything is written into it).  "-": standard
    output; a device or a pipe (``/dev/null``, for a report's exit status alone) is written to as it is.  Opened
    before anything is read, so a path that cannot be written is one line before a report's read of the case is
    logged (or the whole ledger verified); ``write`` replaces what the file held, and a file made
    here and never written is removed again."""
    if str(path) == "-":
        yield sys.stdout.write
        return

    def refused(error: OSError) -> InvalidInput:
        return InvalidInput(f"cannot write {what} to {path}: {error.strerror}", field="out")

    made, written = not os.path.lexists(path), False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    except OSError as error:
        raise refused(error) from None

    def write(text: str) -> None:
        nonlocal written
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):   # not /dev/null's mode, nor a pipe's, which cannot be truncated
                os.fchmod(fd, 0o600)
                os.ftruncate(fd, 0)
            with os.fdopen(os.dup(fd), "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as error:
            raise refused(error) from None
        written = True

    try:
        yield write
    finally:
        os.close(fd)
        if made and not written:
            with suppress(OSError):
                os.unlink(path)
