"""The disclosure log — what each agency was told, the audit record that outlives erasure — is append-only, as the
ledger, the access log and the replaced logs are.  A red team's finding: the application's own database role could
DELETE a case's rows of it and nothing noticed.  What the application itself does to it still works: its writes, an
erasure's messages, numbering the rows of a database from before feeds were numbered, and a rebuild's TRUNCATE —
once every row is kept, as it is, in the replaced log."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.test_feed_store import withdrawn_long_ago


@pytest.fixture
def written(app, runner, postgres):
    """A case whose log has rows (a consent, a note disclosed under it, the withdrawal's end), and a connection as
    the application's role (triggers bind a superuser too)."""
    case_id = withdrawn_long_ago(app)
    runner.catch_up()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM disclosure_log WHERE case_id = %s", (case_id,)).fetchone()[0] > 2
        yield case_id, conn


# A replacement recorded as a rebuild records it: as the log stands, now (anything else is refused).
AS_THE_LOG_STANDS = (
    "INSERT INTO disclosure_log_replacements (epoch, rules_version, replaced_at, up_to, rows, caused_from,"
    " id_generation) SELECT f.epoch, (SELECT version FROM view_rules), statement_timestamp(), 0, l.n, l.c,"
    " f.id_generation FROM feed_state f, (SELECT count(*) AS n, min(id) FILTER (WHERE cause IS NOT NULL) AS c"
    " FROM disclosure_log) l RETURNING replacement")


def log_of(conn) -> list[tuple]:
    return conn.execute("SELECT * FROM disclosure_log ORDER BY id").fetchall()


@pytest.mark.parametrize("statement", [
    "DELETE FROM disclosure_log WHERE case_id = %s",
    "UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE case_id = %s",
    "UPDATE disclosure_log SET change = 'disclosed' WHERE case_id = %s AND change = 'ended'",
    "UPDATE disclosure_log SET seq = seq + 1000 WHERE case_id = %s",                 # a numbered row's number
    "UPDATE disclosure_log SET feed = NULL, seq = NULL WHERE case_id = %s",           # unnumbered, to be renumbered
])
def test_no_row_of_the_disclosure_log_is_deleted_or_changed(written, statement):
    case_id, conn = written
    before = log_of(conn)
    with pytest.raises(psycopg.errors.RaiseException, match=r"the disclosure log is append-only: (DELETE|UPDATE) of"
                                                             r" its rows refused"):
        conn.execute(statement, (case_id,))
    assert log_of(conn) == before


def test_the_log_is_emptied_only_once_its_rows_are_kept_as_they_are(written):
    """TRUNCATE is a rebuild's (``clear``), in the transaction that kept every row in the replaced log, whose tables
    refuse UPDATE, DELETE and TRUNCATE: refused otherwise — also after a "replacement" of altered copies."""
    _, conn = written
    before = log_of(conn)
    with pytest.raises(psycopg.errors.RaiseException, match="emptied only by a rebuild"):
        conn.execute("TRUNCATE disclosure_log")
    kept = ("INSERT INTO replaced_disclosure_log (replacement, id, case_id, agency, fact_id, kind, category, change,"
            " basis, at, notification_id, event_id, cause, feed, seq) SELECT %s, id, case_id, agency, fact_id, kind,"
            " category, {change}, basis, at, notification_id, event_id, cause, feed, seq FROM disclosure_log")
    replacement = AS_THE_LOG_STANDS
    # The insider's copies, each end turned into a disclosure (the record would be lost): refused as they are kept
    # (``gateways.replaced_log``), and a copy of part of the log (nothing altered) cannot empty it either.
    with pytest.raises(psycopg.errors.RaiseException, match="rows as they are"), conn.transaction():
        made = conn.execute(replacement).fetchone()[0]
        conn.execute(kept.format(change="'disclosed'"), (made,))
    with conn.transaction():
        made = conn.execute(replacement).fetchone()[0]
        conn.execute(kept.format(change="change") + " WHERE change <> 'ended'", (made,))
        with pytest.raises(psycopg.errors.RaiseException, match="emptied only by a rebuild"):
            with conn.transaction():
                conn.execute("TRUNCATE disclosure_log")
    assert log_of(conn) == before
    with conn.transaction():   # kept as they are: the rows stay on record there, and the log may be emptied
        made = conn.execute(replacement).fetchone()[0]
        conn.execute(kept.format(change="change"), (made,))
        conn.execute("TRUNCATE disclosure_log")
    assert log_of(conn) == []
    assert conn.execute("SELECT count(*) FROM replaced_disclosure_log WHERE replacement = %s",
                        (made,)).fetchone()[0] == len(before)


def test_a_rebuild_an_erasure_and_the_numbering_of_old_rows_still_write_the_log(app, runner, written):
    case_id, conn = written
    before = log_of(conn)
    runner.rebuild()   # clear(): the rows kept, the log emptied, then written again from the events
    assert runner.replaced_rows == len(before)
    assert conn.execute("SELECT count(*) FROM replaced_disclosure_log").fetchone()[0] == len(before)
    assert log_of(conn) and min(r[0] for r in log_of(conn)) > max(r[0] for r in before)   # new rows, new ids
    app.keystore.destroy(case_id)
    assert runner.store.record_erasures() > 0
    assert conn.execute("SELECT count(*) FROM disclosure_log WHERE change = 'erased'").fetchone()[0] > 0
    # A database from before feeds were numbered (no trigger then): its rows are numbered as a process starts.
    conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")
    conn.execute("UPDATE disclosure_log SET feed = NULL, seq = NULL")
    conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    conn.execute("TRUNCATE feed_sequence")
    runner.store.prepare_feeds(app.catalogue.lead_agency)
    assert conn.execute("SELECT count(*) FROM disclosure_log WHERE seq IS NULL").fetchone()[0] == 0
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):   # numbered now: for good
        conn.execute("UPDATE disclosure_log SET seq = NULL")
