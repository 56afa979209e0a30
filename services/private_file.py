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
def private_file(path: Path, what: str, replace: bool = False) -> Iterator[Callable[[str], None]]:
    """Only its owner may read what an auditor writes out: a report holds names, health and crime details.  A file
    that already exists is refused, whole, unless ``replace`` (``--force``): a report or checkpoints kept as evidence
    were written over without a word when a name was given again; replaced, it is narrowed to its owner before
    anything is written into it.  "-": standard output; a device or a pipe (``/dev/null``, for a report's exit status
    alone) is written to as it is.  Opened before anything is read, so a path that cannot be written is one line
    before a report's read of the case is logged (or the whole ledger verified); ``write`` replaces what the file
    held, and a file made here and never written is removed again."""
    if str(path) == "-":
        yield sys.stdout.write
        return

    def refused(error: OSError) -> InvalidInput:
        return InvalidInput(f"cannot write {what} to {path}: {error.strerror}", field="out")

    fd, made = _opened(path, what, replace, refused)
    written = False

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


def _opened(path: Path, what: str, replace: bool, refused: Callable[[OSError], InvalidInput]) -> tuple[int, bool]:
    """The descriptor to write to, and whether this made the file.  Made exclusively, so a file that appears after
    a look is not written over; one there already (or a link to one) is refused unless it is to be replaced —
    before anything of it changes.  A device or a pipe is no file of evidence: opened as it is."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), True
    except FileExistsError:
        pass
    except OSError as error:
        raise refused(error) from None
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as error:
        raise refused(error) from None
    if stat.S_ISREG(os.fstat(fd).st_mode) and not replace:
        os.close(fd)
        raise InvalidInput(f"{path} already exists: give another file name for {what}, or --force to replace it",
                           field="out")
    return fd, False
