"""The suite's guard (tests/loop_guard.py): a test that leaves an event loop running in the main thread fails, and
only it — the tests after it run with none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEAVES_ONE = '''
import asyncio

LEFT = asyncio.new_event_loop()


def test_that_leaves_a_loop_running():
    asyncio._set_running_loop(LEFT)   # as Playwright's sync API does between its calls


def test_after_it():
    LEFT.close()
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"
'''


def test_a_test_that_leaves_a_loop_running_fails_in_its_teardown_and_the_next_runs_with_none(tmp_path):
    (tmp_path / "conftest.py").write_text("from tests.loop_guard import pytest_runtest_teardown  # noqa: F401\n")
    (tmp_path / "test_left.py").write_text(LEAVES_ONE)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                          "--basetemp", str(tmp_path / "t"), str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    said = run.stdout + run.stderr
    assert run.returncode == 1, said
    assert "2 passed, 1 error" in said, said
    assert "ERROR at teardown of test_that_leaves_a_loop_running" in said, said
    assert "left an event loop running in the main thread" in said, said
