"""What `sigill demo` suggests at its end: commands a new user can copy into the same data directory, none of them a
logged read of a case (it suggested `sigill views cases --agency skola`, which logs a read of each case it lists)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.integration.test_cli import sigill
from tests.integration.test_cli_auditor_pointers import _log_rows

# What `sigill serve --demo` does before it serves (``cli_serve._load_demo``), in a process of its own as there.
LOAD_DEMO = "from services.cli_serve import _load_demo; from services.settings import Settings; _load_demo(Settings())"


@pytest.fixture(scope="module")
def played(tmp_path_factory) -> tuple[dict[str, str], list[list[str]]]:
    """The demo's data directory and the commands its closing lines suggest, each as its arguments."""
    env = {"SIGILL_DATA_DIR": str(tmp_path_factory.mktemp("next_steps"))}
    done = sigill("demo", env=env)
    assert done.returncode == 0, done.stderr
    closing = done.stdout.split("Vidare:\n", 1)[1].splitlines()
    return env, [line.split("  ")[1].split()[1:] for line in closing if line.startswith("  sigill ")]


def test_the_demo_suggests_the_web_client_the_auditors_index_and_verify_and_no_case_list(played):
    _, suggested = played
    assert suggested == [["serve"], ["audit", "cases"], ["audit", "verify"]]


@pytest.mark.parametrize(("command", "logs_the_index"), [(["audit", "cases"], True), (["audit", "verify"], False)])
def test_each_suggested_command_runs_in_the_demo_s_data_and_reads_no_case(played, command, logs_the_index):
    """``audit cases`` logs its index's entry and no case's read; ``audit verify`` reads no case and logs nothing
    (the check was ``all(...)`` alone, which an empty list passes: a command logging nothing said nothing)."""
    env, suggested = played
    assert command in suggested
    before = _log_rows(env)
    done = sigill(*command, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    read = [what for _, what in _log_rows(env)[len(before):]]
    if logs_the_index:
        assert read and all(what.startswith("audit.case_index:") for what in read), read   # the index's, no case's
    else:
        assert read == [], read


def test_the_suggested_server_finds_the_demo_case_loaded_and_loads_no_second_copy(played):
    """`./scripts/serve.sh` runs `sigill serve --demo`: after `sigill demo` it loaded the case again (two cases)."""
    env, _ = played
    loaded = subprocess.run([sys.executable, "-c", LOAD_DEMO], capture_output=True, text=True, timeout=120,
                            env={**os.environ, **env})
    assert loaded.returncode == 0, loaded.stderr
    listed = sigill("audit", "cases", env=env)
    assert listed.returncode == 0, listed.stderr
    assert re.findall(r"\b0180-\d{4}-\d{4}\b", listed.stdout) == ["0180-2026-0001"], listed.stdout   # one case
    assert "Demodata finns redan" in loaded.stdout, loaded.stdout
