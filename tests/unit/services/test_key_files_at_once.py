"""Development key files made by several processes starting at once on a fresh data directory.

Real processes (spawned, like `sigill serve --workers 2`, the follower and the CLI) meet at a barrier, then
each asks for the master key, the ledger key and the development signing key.  Every process must get the
same keys, none may fail, and every key file is whole and readable by its owner only.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from gateways.jwt_tokens import DEV_KEY_FILE
from services import key_files
from services.settings import LEDGER_KEY_FILE, MASTER_KEY_FILE, ConfigurationError
from tests.key_file_race import contend

PROCESSES = 6
ROUNDS = 25
KEY_FILES = (MASTER_KEY_FILE, LEDGER_KEY_FILE, DEV_KEY_FILE)


def test_processes_starting_at_once_on_a_fresh_directory_all_get_the_same_keys(tmp_path):
    directories = [str(tmp_path / f"round-{n}" / "sigill") for n in range(ROUNDS)]
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(PROCESSES), spawn.Queue()
    workers = [spawn.Process(target=contend, args=(directories, barrier, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in range(PROCESSES * ROUNDS)]
    for worker in workers:
        worker.join(30)
    failures = [a for a in answers if isinstance(a[2], str)]
    assert not failures, f"{len(failures)} of {len(answers)} failed, e.g. {failures[0][2]}"
    for directory in directories:
        seen = {keys for d, _, keys in answers if d == directory}
        assert len(seen) == 1, f"{len(seen)} different sets of keys in one data directory"
        for name in KEY_FILES:
            mode = stat.S_IMODE(os.stat(Path(directory) / name).st_mode)
            assert mode == 0o600, f"{name} has mode {oct(mode)}"
        assert not [p for p in Path(directory).iterdir() if p.name.endswith(".tmp")]  # no temporary file left


def test_an_existing_key_file_is_read_and_never_replaced(tmp_path):
    path = tmp_path / "k"
    assert key_files.read_or_create(path, lambda: b"first") == b"first"
    assert key_files.read_or_create(path, lambda: b"second") == b"first"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_key_that_cannot_be_made_leaves_nothing_behind(tmp_path):
    def broken() -> bytes:
        raise RuntimeError("no randomness")
    try:
        key_files.read_or_create(tmp_path / "k", broken)
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_key_file_other_users_may_open_is_refused_with_the_chmod_to_run(tmp_path):
    """As ssh refuses a private key others may read: Sigill makes every key file 0600, so another mode is a copy's or
    a chmod's, and the key was accepted in silence."""
    path = tmp_path / "k"
    path.write_bytes(b"first")
    for mode in (0o644, 0o640, 0o604, 0o620):
        path.chmod(mode)
        with pytest.raises(ConfigurationError) as refused:
            key_files.read_or_create(path, lambda: b"second")
        assert str(refused.value) == (f"{path} holds a private key and other users may open it (mode {mode:04o}):"
                                      f" run `chmod 600 {path}`")
    path.chmod(0o600)
    assert key_files.read_or_create(path, lambda: b"second") == b"first"   # as it says
    path.chmod(0o400)
    assert key_files.read_or_create(path, lambda: b"second") == b"first"   # the owner's alone, read-only: fine


NOBODY = 65534
NAMELESS = 4_000_000   # a uid no passwd entry names (a container's)


def fstat_of(uid: int, mode: int = 0o600) -> os.stat_result:
    """What fstat says of a regular file owned by ``uid`` with ``mode``."""
    return os.stat_result((stat.S_IFREG | mode, 1, 1, 1, uid, uid, 44, 0, 0, 0))


def test_a_key_file_of_another_user_is_refused_saying_whose_it_is_and_the_chown_to_run():
    """ssh refuses a private key owned by another user than the one running it (root's aside): that user may chmod
    it open or write another key into it at any time.  Its owner is said before a wide mode, whose chmod only the
    owner may run."""
    path = Path("/var/lib/sigill/master.key")
    assert key_files.not_private(path, fstat_of(NOBODY), key_files.ROOT) == (
        f"{path} holds a private key and belongs to another user, nobody (uid 65534): run Sigill as that user, or"
        f" make the file this user's with `chown root {path}` (as root)")
    assert key_files.not_private(path, fstat_of(NAMELESS, 0o644), NOBODY) == (
        f"{path} holds a private key and belongs to another user, uid 4000000: run Sigill as that user, or make the"
        f" file this user's with `chown nobody {path}` (as root)")
    assert key_files.not_private(path, fstat_of(NOBODY), NAMELESS).endswith(f"`chown 4000000 {path}` (as root)")


def test_a_key_file_of_the_running_user_or_root_is_judged_by_its_mode_alone():
    path = Path("/var/lib/sigill/ledger.key")
    for owner, running in ((NOBODY, NOBODY), (key_files.ROOT, NOBODY), (key_files.ROOT, key_files.ROOT),
                           (NAMELESS, NAMELESS)):
        assert key_files.not_private(path, fstat_of(owner, 0o600), running) is None
        assert key_files.not_private(path, fstat_of(owner, 0o400), running) is None
        assert key_files.not_private(path, fstat_of(owner, 0o640), running) == (
            f"{path} holds a private key and other users may open it (mode 0640): run `chmod 600 {path}`")


def test_a_key_file_another_user_owns_is_refused_when_read_and_left_as_it_is(tmp_path, monkeypatch):
    """The owner is the opened file's.  Only root can give a file away: run as another user, the file stays this
    user's and the process is taken to run as a uid of its own."""
    path = tmp_path / "k"
    path.write_bytes(b"first")
    path.chmod(0o600)   # private but for its owner
    if os.geteuid() == 0:
        os.chown(path, NOBODY, -1)
        owner, running = "nobody (uid 65534)", "root"
    else:
        import pwd

        owner, running = f"{pwd.getpwuid(os.geteuid()).pw_name} (uid {os.geteuid()})", str(NAMELESS)
        monkeypatch.setattr(os, "geteuid", lambda: NAMELESS)
    with pytest.raises(ConfigurationError) as refused:
        key_files.read_or_create(path, lambda: b"second")
    assert str(refused.value) == (f"{path} holds a private key and belongs to another user, {owner}: run Sigill as"
                                  f" that user, or make the file this user's with `chown {running} {path}` (as root)")
    assert path.read_bytes() == b"first"   # refused, not replaced
    monkeypatch.undo()
    if os.geteuid() == 0:
        os.chown(path, 0, -1)
    assert key_files.read_or_create(path, lambda: b"second") == b"first"   # as it says
