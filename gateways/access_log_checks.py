"""The access log's checks: the whole chain recomputed and every signed checkpoint verified (as the server does, or
an outside party reading only), and the cheap check of the entries an answer shows.

Apart from the stores (``access_log_store``), which write: these only read, with no key (the sealed details are
checked as stored), so a read-only role can run them.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

import psycopg
from psycopg import sql

from gateways.access_log_schema import COLUMNS, CREATOR
from gateways.schema_lock import recorded_stamp, stamps_readable
from services.access_chain import (GENESIS, AccessCheckpoint, AccessLogRead, ChainVerdict, ShownVerdict, broken,
                                   checkpoint_message, entry_link, shown_broken)
from services.access_entry import AccessEntry

COVERING_WAIT = 2.0    # seconds an export waits for the checkpoint covering the log's last entry (a retry is 1 s)
COVERING_POLL = 0.01   # a writer stores it within a batch's time, a few milliseconds


def verify_chain(conn: Any, composed: Callable[[str], sql.Composed], signature_ok: Callable[[bytes, bytes, bytes], bool],
                 trusted: set[bytes], exported: Iterable[AccessCheckpoint] = ()) -> ChainVerdict:
    """Recompute the access log's chain over the stored rows (the sealed details as stored: no key is needed) and
    check every checkpoint's link and signature; the first break found.  ``composed``: the tables' SQL.

    ``exported``: checkpoints an exported file kept (their signatures checked by the caller, as a bad file is no
    changed log).  The stored checkpoints alone cannot tell a log rewritten from one of them on — the entries after
    renumbered and chained again, which needs no key, and the checkpoints after deleted — from one never longer; a
    kept checkpoint the recomputed chain does not reach, or reaches with another link, can."""
    checkpoints = {r[0]: r for r in conn.execute(composed(
        "SELECT seq, link, public_key, signature FROM {checkpoints} ORDER BY seq"))}
    kept = {c.seq: c for c in exported}
    link, expected_seq, confirmed, from_file = GENESIS, 0, 0, 0
    with conn.cursor(name="sigill_access_verify") as cursor:
        cursor.execute(composed(f"SELECT {COLUMNS} FROM {{log}} ORDER BY seq"))
        for row in cursor:
            expected_seq += 1
            if row[0] != expected_seq:
                return broken(expected_seq - 1, confirmed, "missing", expected_seq)
            entry = AccessEntry(row[1], row[2], row[3], row[4], row[5], row[6], "", "")
            link = entry_link(link, row[0], entry, bytes(row[7]))
            if link != bytes(row[8]):
                return broken(expected_seq - 1, confirmed, "altered", row[0])
            checkpoint = checkpoints.pop(row[0], None)
            if checkpoint is not None:
                if bytes(checkpoint[1]) != link or bytes(checkpoint[2]) not in trusted or not signature_ok(
                        bytes(checkpoint[2]), bytes(checkpoint[3]), checkpoint_message(row[0], link)):
                    return broken(expected_seq, confirmed, "checkpoint", row[0])
                confirmed += 1
            if row[0] in kept:
                if kept.pop(row[0]).link != link:   # chained again consistently: no entry can be said to match
                    return broken(0, confirmed, "exported", row[0])
                from_file += 1
    if checkpoints:
        return broken(expected_seq, confirmed, "gone", max(checkpoints))
    if kept:
        return broken(0, confirmed, "exported_gone", max(kept))
    return ChainVerdict(expected_seq, confirmed, None, exported=from_file)


def verify_access_log(conn: psycopg.Connection, schema: str, signature_ok: Callable[[bytes, bytes, bytes], bool],
                      trusted: set[bytes], exported: Iterable[AccessCheckpoint] = ()) -> AccessLogRead:
    """The access log verified as an outside party does it: reading only (a read-only role will do, and no table
    is created), with no master key, on ``conn`` (verify's snapshot).  No verdict where the database has neither of
    its tables and nothing says they were made (``made_here``: no process has read a case here, or the trace cannot
    be read), with which of the two it is: the command tells them apart from this one read.  One of the two tables
    without the other was tampered with, and so were both where ``exported`` holds a checkpoint (the file says
    reads were signed for here) or their stamp is recorded (they were made here)."""
    exported = tuple(exported)
    log, checkpoints = sql.Identifier(schema, "sigill_access_log"), sql.Identifier(schema, "sigill_access_log_checkpoints")

    def composed(text: str) -> sql.Composed:
        return sql.SQL(text).format(log=log, checkpoints=checkpoints)

    # psycopg's errors as they are: the caller tells a refused role apart
    found = {r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname IN ('sigill_access_log', 'sigill_access_log_checkpoints')", (schema,))}
    if not found:
        if exported:
            return AccessLogRead(broken(0, 0, "exported_gone", max(c.seq for c in exported)))
        made = made_here(conn, schema)
        return AccessLogRead(broken(0, 0, "tables_gone", 0) if made else None, made)
    if len(found) == 1:
        return AccessLogRead(broken(0, 0, "table_gone", 0))
    return AccessLogRead(verify_chain(conn, composed, signature_ok, trusted, exported))


def made_here(conn: Any, schema: str) -> bool | None:
    """Whether the access log's tables were made in this schema: True where their DDL's stamp is recorded
    (``gateways.schema_lock``, in the transaction that made them), False where the stamps are read and hold none of
    it (no read was ever logged here), None where the stamps' table is not there or this role may not read it.
    A trace, not a proof: whoever may drop the tables may delete the stamp too — an exported file catches that."""
    if not stamps_readable(conn, schema):
        return None
    return recorded_stamp(conn, schema, CREATOR) is not None


def latest_checkpoint(conninfo: str, schema: str, wait: float = COVERING_WAIT) -> AccessCheckpoint | None:
    """The access log's last signed checkpoint, for an exported file (None: no log, or none signed yet).  One is
    enough: its link commits to every entry up to it.

    The one covering the log's last entry as it stands now: a writer (in any process of the server) signs a batch's
    checkpoint as it writes the batch but stores it once idle, or with its next batch — so an export made at once
    after a read would stop one batch short, and leave that read to be rewritten unseen.  It is waited for up to
    ``wait`` seconds (a writer that failed to store it tries again in one; one that died never will): then the last
    stored is given, which covers less but is as good."""
    log, checkpoints = (sql.Identifier(schema, name) for name in ("sigill_access_log", "sigill_access_log_checkpoints"))
    with psycopg.connect(conninfo, autocommit=True) as conn:   # autocommit: each look sees what was stored since
        no_checkpoints, no_log = conn.execute("SELECT to_regclass(%s) IS NULL, to_regclass(%s) IS NULL", (
            f'"{schema}"."sigill_access_log_checkpoints"', f'"{schema}"."sigill_access_log"')).fetchone()
        if no_checkpoints:
            return None
        # The log's table dropped, its checkpoints kept: nothing to wait on; what was signed is given, and the file
        # finds the rest (verify's "table_gone").
        last = None if no_log else conn.execute(sql.SQL("SELECT max(seq) FROM {}").format(log)).fetchone()[0]
        deadline = time.monotonic() + wait
        while True:
            row = conn.execute(sql.SQL("SELECT seq, link, signed_at, public_key, signature FROM {} ORDER BY seq DESC"
                                       " LIMIT 1").format(checkpoints)).fetchone()
            if last is None or (row is not None and row[0] >= last) or time.monotonic() >= deadline:
                break
            time.sleep(COVERING_POLL)
    return None if row is None else AccessCheckpoint(row[0], bytes(row[1]), row[2], bytes(row[3]), bytes(row[4]))


# The whole log's numbering (a removed entry leaves a gap; a cut-off tail leaves a signed checkpoint past the last).
COUNTS = ("SELECT (SELECT count(*) FROM {log}), (SELECT coalesce(max(seq), 0) FROM {log}),"
          " (SELECT max(seq) FROM {checkpoints})")
FIRST_MISSING = ("(SELECT 1 WHERE NOT EXISTS (SELECT FROM {log} WHERE seq = 1)) UNION ALL"
                 " (SELECT l.seq + 1 FROM {log} l WHERE l.seq < %s"
                 "  AND NOT EXISTS (SELECT FROM {log} n WHERE n.seq = l.seq + 1) ORDER BY l.seq LIMIT 1) LIMIT 1")
SHOWN = ("SELECT l.seq, l.at, l.case_id, l.subject, l.agency, l.roles, l.what, l.details, l.link, p.link"
         " FROM {log} l LEFT JOIN {log} p ON p.seq = l.seq - 1 WHERE ")


def check_shown(conn: Any, composed: Callable[[str], sql.Composed], case_id: Any = None,
                seqs: list[int] | None = None) -> ShownVerdict:
    """``PostgresAccessLogStore.check_shown`` on a connection."""
    count, last, signed = conn.execute(composed(COUNTS)).fetchone()
    if count != last:
        (first,) = conn.execute(composed(FIRST_MISSING), (last,)).fetchone()
        return shown_broken(count, 0, "missing", first, last - count)
    if signed is not None and signed > last:
        return shown_broken(count, 0, "gone", signed)
    where, param = ("l.case_id = %s", case_id) if case_id is not None else ("l.seq = ANY(%s)", list(seqs or ()))
    rows = conn.execute(composed(SHOWN + where + " ORDER BY l.seq"), (param,)).fetchall()
    for row in rows:
        previous = GENESIS if row[0] == 1 else row[9]
        entry = AccessEntry(row[1], row[2], row[3], row[4], row[5], row[6], "", "")
        if previous is None or entry_link(bytes(previous), row[0], entry, bytes(row[7])) != bytes(row[8]):
            return shown_broken(count, len(rows), "altered", row[0])
    return ShownVerdict(count, len(rows), None)
