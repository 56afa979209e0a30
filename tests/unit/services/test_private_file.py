"""What an auditor's command writes out (``services.private_file``): a file of its own made its owner's only, and a
device or pipe named as --out written to as it is."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from domain.errors import InvalidInput
from services.private_file import private_file


def test_an_existing_file_given_to_replace_is_narrowed_to_its_owner_and_replaced(tmp_path):
    path = tmp_path / "rapport.html"
    path.write_text("an older, longer report")
    path.chmod(0o644)
    with private_file(path, "the report", replace=True) as write:
        write("new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("linked", [False, True])
def test_an_existing_file_is_refused_and_left_whole_unless_it_is_to_be_replaced(tmp_path, linked):
    """A report or exported checkpoints kept as evidence were written over without a word when the same name was
    given again (an auditor's shell history re-run): refused before anything is written, its content and mode kept,
    and the line says what to do.  A link to a file is the file's."""
    kept = tmp_path / "jo-2026-03.json"
    kept.write_text("the supervisor's checkpoints")
    kept.chmod(0o644)
    path = tmp_path / "link.json" if linked else kept
    if linked:
        path.symlink_to(kept)
    with pytest.raises(InvalidInput) as refused:
        with private_file(path, "the checkpoints") as write:
            write("new")
    assert str(refused.value) == (f"{path} already exists: give another file name for the checkpoints, or --force to"
                                  " replace it")
    assert refused.value.field == "out" and "\n" not in str(refused.value)
    assert kept.read_text() == "the supervisor's checkpoints" and stat.S_IMODE(kept.stat().st_mode) == 0o644


def test_a_device_is_written_to_without_force(tmp_path):
    """/dev/null (a report's exit status alone) is no evidence file: written as before."""
    with private_file(Path(os.devnull), "the report") as write:
        write("the report")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_pipe_is_written_to_and_its_mode_left_alone(tmp_path):
    """`--out /dev/null` (to keep only the exit status) or a pipe: the mode of what is no file of the command's own
    was narrowed — /dev/null made 0600 for everyone when run as root — and truncating it failed ("Invalid
    argument", exit 2) after the case had been read and the read logged."""
    path = tmp_path / "pipe"
    os.mkfifo(path, 0o644)
    received = []
    reader = threading.Thread(target=lambda: received.append(path.read_text()))
    reader.start()
    with private_file(path, "the report") as write:
        write("the report")
    reader.join(timeout=10)
    assert received == ["the report"] and stat.S_IMODE(path.stat().st_mode) == 0o644
