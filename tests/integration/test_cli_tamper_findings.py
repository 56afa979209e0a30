"""`sigill audit report` and `sigill views log` where other checks than the ledger's find tampering (an inspector's
walk): the report warns of a stored disclosure log that differs from the events, and exits 1; the stored log is
listed even when an event is altered, saying that it could not be held to the events."""

from __future__ import annotations

import psycopg

from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import sigill


def test_the_report_and_the_stored_log_say_what_the_ledger_alone_cannot(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # the superuser, every trigger off
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM disclosure_log WHERE id = (SELECT min(id) FROM disclosure_log"
                     " WHERE agency = 'skola' AND change = 'ended')")
    report = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env)
    assert report.returncode == 1, report.stderr
    assert "Historiken har ändrats: den lagrade utlämnandeloggen skiljer sig från ärendets händelser (0 rader finns" \
        " bara i den, 1 saknas i den)" in report.stderr
    assert "Varning: den lagrade utlämnandeloggen" in report.stdout and "Oförändrad" in report.stdout
    listed = sigill("views", "log", "--case", "0180-2026-0001", env=env).stdout
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # one byte of a sealed event flipped
        conn.execute("SET session_replication_role = replica")
        case_id = conn.execute("SELECT case_id FROM view_cases WHERE case_number = '0180-2026-0001'").fetchone()[0]
        conn.execute("UPDATE sigill_events SET state = set_byte(state, 20, get_byte(state, 20) # 1)"
                     " WHERE originator_id = %s AND originator_version = 3", (case_id,))
    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env).returncode == 1
    result = sigill("views", "log", "--case", "0180-2026-0001", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "Loggen kan inte jämföras med ärendets händelser: historiken har ändrats – ÄNDRAD vid position" \
        in result.stderr and "händelse 3 i ärendets historik" in result.stderr
    rows = [line for line in result.stdout.splitlines() if "orsak:" in line]
    assert rows and len(rows) == len([line for line in listed.splitlines() if "orsak:" in line])
