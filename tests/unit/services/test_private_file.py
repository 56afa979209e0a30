"""What an auditor's command writes out (``services.private_file``): a file of its own made its owner's only, and a
device or pipe named as --out written to as it is."""

from __future__ import annotations

import os
import stat
import threading

from services.private_file import private_file


def test_an_existing_file_is_narrowed_to_its_owner_and_replaced(tmp_path):
    path = tmp_path / "rapport.html"
    path.write_text("an older, longer report")
    path.chmod(0o644)
    with private_file(path, "the report") as write:
        write("new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600


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
