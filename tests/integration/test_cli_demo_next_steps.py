"""What `sigill demo` suggests at its end: commands a new user can copy into the same data directory, none of them a
logged read of a case (it suggested `sigill views cases --agency skola`, which logs a read of each case it lists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli import sigill
from tests.integration.test_cli_auditor_pointers import _log_rows


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


@pytest.mark.parametrize("command", [["audit", "cases"], ["audit", "verify"]])
def test_each_suggested_command_runs_in_the_demo_s_data_and_reads_no_case(played, command):
    env, suggested = played
    assert command in suggested
    before = _log_rows(env)
    done = sigill(*command, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    read = [what for _, what in _log_rows(env)[len(before):]]
    assert all(what.startswith("audit.case_index:") for what in read), read   # the index's entry, no case's


def test_the_suggested_server_finds_the_demo_case_loaded_and_loads_no_second_copy(played):
    """`./scripts/serve.sh` runs `sigill serve --demo`: after `sigill demo` it loaded the case again (two cases)."""
    env, _ = played
    assert (Path(env["SIGILL_DATA_DIR"]) / "demo-loaded").exists()
