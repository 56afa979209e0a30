"""Red team hR3 (2026-12-07): `sigill audit cases` over an altered index.  The index is the views' `view_cases`, whose
case numbers are plain text: one altered to a name, a personnummer and a terminal's control sequences was printed to
the auditor's terminal as it stood (an escape can erase or overwrite the lines before it: a case hidden from the
auditor by the very alteration), and written into the access log's entry for the page — a log kept for years, which
must hold no personal data.  An altered number is shown quoted and cut short, no control character of it printed,
and the entry says '?' where the number is not of a case number's form."""

from __future__ import annotations

import psycopg

from tests.integration.test_cli import demo_data, sigill
from tests.integration.test_cli_auditor_pointers import _location, _log_rows

ALTERED = "Greta Testsson 191212121212\x1b[1A\x1b[2K\r"


def test_audit_cases_shows_an_altered_number_quoted_and_logs_none_of_it(tmp_path):
    env = demo_data(tmp_path)
    with psycopg.connect(_location(env).conninfo()) as conn:
        conn.execute("UPDATE view_cases SET case_number = %s WHERE agency = 'socialtjanst'", (ALTERED,))
    before = _log_rows(env)
    done = sigill("audit", "cases", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\x1b" not in done.stdout and "\r" not in done.stdout, repr(done.stdout)
    assert "'Greta Testsson 191212121212\\x1b[1A" in done.stdout, done.stdout   # shown to the auditor, as altered
    logged = _log_rows(env)[len(before):]
    assert [what for _, what in logged] == ["audit.case_index:1:1:?:?"], logged


def test_views_cases_shows_an_altered_number_quoted(tmp_path):
    """`views cases` prints the same column of the same table: its altered number likewise, no escape printed."""
    env = demo_data(tmp_path)
    with psycopg.connect(_location(env).conninfo()) as conn:
        conn.execute("UPDATE view_cases SET case_number = %s WHERE agency = 'socialtjanst'", (ALTERED,))
    done = sigill("views", "cases", "--agency", "socialtjanst", "--purpose", "Granskning av index", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\x1b" not in done.stdout and "\r" not in done.stdout, repr(done.stdout)
    assert "'Greta Testsson 191212121212\\x1b[1A" in done.stdout, done.stdout
