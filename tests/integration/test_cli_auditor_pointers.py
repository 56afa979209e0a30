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
            " (sigill_schema_stamps, som skiljer det åt, finns inte eller får databasrollen inte läsa).") \
        in untold.stdout


@pytest.mark.parametrize("reference", ["nonsense", "20090314-2388", "3fa85f64-5717-4562-b3fc"])
@pytest.mark.parametrize("command", [("audit", "replay", "--agency", "polis", "--as-of", "2026-03-01"),
                                     ("audit", "disclosures"), ("audit", "access-log"), ("views", "log"),
                                     ("views", "show", "--agency", "skola")])
def test_a_case_that_is_neither_a_number_nor_an_id_is_told_both_forms(env, command, reference):
    """`--case` takes a case number or a case id: the line named the number's form alone ("a case number looks like
    0180-2026-0042"), and an auditor holding an id was left to think only numbers are taken."""
    done = sigill(*command, "--case", reference, env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "sigill: a case number looks like 0180-2026-0042, a case id like 3fa85f64-5717-4562-b3fc-2c963f66afa6"
        " (either names the case)"], done.stderr
    assert "2388" not in done.stderr   # the personnummer typed is not echoed


@pytest.mark.parametrize("reference", ["0180-2026-0999", "3fa85f64-5717-4562-b3fc-2c963f66afa6"])
def test_a_case_not_found_points_to_the_list_of_numbers_that_reads_no_case(env, reference):
    """It pointed to `sigill views cases --agency socialtjanst`, which logs a read of every case it lists (each
    young person's extract then says the command line read their case): `sigill audit cases` reads none."""
    done = sigill("audit", "disclosures", "--case", reference, env=env)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.rstrip().endswith("(the cases' numbers and ids, no case read: `sigill audit cases`)")
    assert "views cases" not in done.stderr


def test_audit_cases_lists_numbers_and_ids_and_logs_one_entry_of_no_case(env):
    """The auditors' index (the web's Granskning): each case's number, id, phase and marker — nothing of the young
    person — logged as the web's page is, one entry under the index's own id, no read of any case."""
    with psycopg.connect(_location(env).conninfo()) as conn:
        case_id = str(conn.execute("SELECT originator_id FROM sigill_events WHERE topic LIKE '%%ReferralReceived'"
                                   ).fetchone()[0])
    before = _log_rows(env)
    done = sigill("audit", "cases", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["Granskningens förteckning över ärenden: 1 ärende (ingen läsning av något"
                                        " ärende; 1 rad i åtkomstloggen).",
                                        f"  {CASE}  {case_id}  fas: pågående insats"], done.stdout
    logged = _log_rows(env)[len(before):]
    assert [what for _, what in logged] == [f"audit.case_index:1:1:{CASE}:{CASE}"], logged
    assert case_id not in {logged_case for logged_case, _ in logged}   # no read of the case in its extract
    assert "Peter" not in done.stdout and "2388" not in done.stdout

