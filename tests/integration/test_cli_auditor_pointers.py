"""What the command line points an auditor (JO, IVO) to when a case is not found, and what `audit verify` says of
an access log not there, on the demo's data: a pointer that reads no case, and an absence told apart from a removal."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import demo_data, sigill

CASE = "0180-2026-0001"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return demo_data(tmp_path_factory.mktemp("pointers"))


def _location(env: dict[str, str]):  # noqa: ANN202 - the embedded server's location
    return start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")


def _log_rows(env: dict[str, str]) -> list[tuple[str, str]]:
    """The access log's (case id, what) rows, none where it was never made."""
    with psycopg.connect(_location(env).conninfo()) as conn:
        if conn.execute("SELECT to_regclass('sigill_access_log')").fetchone()[0] is None:
            return []
        return [(str(case_id), what) for case_id, what in
                conn.execute("SELECT case_id, what FROM sigill_access_log ORDER BY seq")]


def test_verify_right_after_the_demo_says_no_read_was_logged_yet_and_passes(tmp_path):
    """Before 2026-12-07: "Åtkomstloggen finns inte i databasen: …, eller dess tabeller har tagits bort" — true, and
    alarming at first sight, where nothing had been read yet (the demo reads no case through the access log)."""
    env = demo_data(tmp_path)
    done = sigill("audit", "verify", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("Åtkomstloggen har inte skapats här: ingen läsning har loggats ännu (så efter `sigill demo`); den skapas"
            " vid den första läsningen") in done.stdout, done.stdout
    assert "tagits bort" not in done.stdout


def test_verify_tells_an_access_log_removed_after_reads_as_a_change(tmp_path):
    """Both tables dropped after a read: their stamp (sigill_schema_stamps, recorded as they were made) says they
    were made here, so their absence is a finding, exit 1 — without an exported file it read as a log never made,
    exit 0.  Where the stamps are gone too, nothing tells the two apart, and the line says both."""
    env = demo_data(tmp_path)
    assert sigill("audit", "replay", "--case", CASE, "--agency", "polis", "--as-of", "2026-03-10",
                  env=env).returncode == 0
    with psycopg.connect(_location(env).conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE sigill_access_log, sigill_access_log_checkpoints")
    removed = sigill("audit", "verify", env=env)
    assert removed.returncode == 1, removed.stdout + removed.stderr
    assert ("Åtkomstloggen ÄNDRAD: åtkomstloggens tabeller saknas, fast de har skapats här (sigill_schema_stamps"
            " visar det): de har tagits bort.") in removed.stdout, removed.stdout
    with psycopg.connect(_location(env).conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE sigill_schema_stamps")
    untold = sigill("audit", "verify", env=env)
    assert untold.returncode == 0, untold.stdout + untold.stderr
    assert ("Åtkomstloggen finns inte i databasen: ingen läsning har loggats här, eller dess tabeller har tagits bort"
            " (sigill_schema_stamps, som skiljer det åt, finns inte eller får databasrollen inte läsa).") in untold.stdout
