"""The access log's tables and every query on them.

The reader's name and the stated purpose are personal data: they are sealed
under the case's data key (so erasing a case erases them too); the rest is
ids and words, queryable.  Rows and checkpoints are append-only (triggers),
and a writer locks the table so the chain has one order across processes.

A batch is one round trip: the latest version of each case read, the lock,
the rows — their numbers and links computed by the database from the stored
head, as ``entry_link`` does, so that no other process's rows can come
between reading the head and writing — and COMMIT.  The lock is held for the
chain's part and the flush, never while this process waits for its GIL.  The
batch's last link is signed once its answer is back; that checkpoint goes
with the next batch, or on its own when none follows.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress
from typing import Any, Callable

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from gateways.pg_errors import POOL_WAIT, translated
from gateways.schema_lock import create_schema
from gateways.sealing import Unsealable, seal, unseal
from services.access_chain import (GENESIS, ChainVerdict, ShownVerdict, Signer, broken, checkpoint_message, entry_link,
                                   shown_broken, utc_text)
from services.access_entry import AccessEntry, AccessQuery, AccessRecord
from services.access_log import Versions
from services.errors import DamagedDataKey
from services.ports import KeyStore

log = logging.getLogger("sigill.access_log")

SCHEMA = """
CREATE TABLE IF NOT EXISTS {log} (
    seq bigint PRIMARY KEY, at timestamptz NOT NULL, case_id uuid NOT NULL, subject text NOT NULL,
    agency text NOT NULL, roles text NOT NULL, what text NOT NULL, details bytea NOT NULL, link bytea NOT NULL);
CREATE INDEX IF NOT EXISTS access_log_by_case ON {log} (case_id, seq);
CREATE INDEX IF NOT EXISTS access_log_by_subject ON {log} (subject, seq);
CREATE TABLE IF NOT EXISTS {checkpoints} (
    seq bigint PRIMARY KEY, link bytea NOT NULL, signed_at timestamptz NOT NULL DEFAULT now(),
    public_key bytea NOT NULL, signature bytea NOT NULL);
-- One field of an entry as ``entry_link`` encodes it: its UTF-8 length (4 bytes, big-endian), then its bytes.
CREATE OR REPLACE FUNCTION {part}(value text) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT int4send(length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8') $$;
CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$;
DROP TRIGGER IF EXISTS append_only ON {log};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {log}
    FOR EACH ROW EXECUTE FUNCTION {refuse}();
DROP TRIGGER IF EXISTS append_only ON {checkpoints};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {checkpoints}
    FOR EACH ROW EXECUTE FUNCTION {refuse}();
DROP TRIGGER IF EXISTS no_truncate ON {log};
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {log}
    FOR EACH STATEMENT EXECUTE FUNCTION {refuse}();
DROP TRIGGER IF EXISTS no_truncate ON {checkpoints};
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {checkpoints}
    FOR EACH STATEMENT EXECUTE FUNCTION {refuse}();
-- A batch, in one statement (one round trip, its plan kept by the session): the latest stored version of the cases
-- wanted, then under the lock the checkpoint owed from the last batch and the rows numbered and chained from the
-- stored head (GENESIS when there is none) as ``entry_link`` does.  The lock is held to COMMIT and the disk's flush.
CREATE OR REPLACE FUNCTION {append}(
    p_owed_seq bigint, p_owed_link bytea, p_owed_key bytea, p_owed_signature bytea, p_batch json, p_genesis bytea)
RETURNS TABLE (last_seq bigint, last_link bytea, version_of uuid[], versions integer[]) LANGUAGE plpgsql AS $$
DECLARE
    e record;
BEGIN
    -- Each case's max() alone, so that it is the last entry of the events' primary key (not all of its events).
    -- Before the lock, which only the chain needs: any write committed before now is seen, as it would be under
    -- the lock (the events are not the log's: a write may commit during either), and the lock is held less.
    SELECT array_agg(c.id), array_agg((SELECT max(s.originator_version) FROM {events} s WHERE s.originator_id = c.id))
    INTO version_of, versions
    FROM (SELECT DISTINCT (b->>'case_id')::uuid AS id FROM json_array_elements(p_batch) b) c;
    LOCK TABLE {log} IN SHARE ROW EXCLUSIVE MODE;
    IF p_owed_seq IS NOT NULL THEN
        INSERT INTO {checkpoints} (seq, link, public_key, signature)
        VALUES (p_owed_seq, p_owed_link, p_owed_key, p_owed_signature) ON CONFLICT DO NOTHING;
    END IF;
    SELECT l.seq, l.link INTO last_seq, last_link FROM {log} l ORDER BY l.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_link := p_genesis;
    END IF;
    FOR e IN SELECT b.at, b.case_id, b.subject, b.agency, b.roles, b.what, decode(b.details, 'hex') AS details
             FROM ROWS FROM (json_to_recordset(p_batch)
                     AS (at text, case_id uuid, subject text, agency text, roles text, what text, details text))
                 WITH ORDINALITY AS b(at, case_id, subject, agency, roles, what, details, n)
             ORDER BY b.n LOOP
        last_seq := last_seq + 1;
        last_link := sha256(last_link || {part}(last_seq::text) || {part}(e.at) || {part}(e.case_id::text)
            || {part}(e.subject) || {part}(e.agency) || {part}(e.roles) || {part}(e.what)
            || int4send(length(e.details)) || e.details);
        INSERT INTO {log} (seq, at, case_id, subject, agency, roles, what, details, link)
        VALUES (last_seq, e.at::timestamptz, e.case_id, e.subject, e.agency, e.roles, e.what, e.details, last_link);
    END LOOP;
    RETURN NEXT;
END $$;
"""
COLUMNS = "seq, at, case_id, subject, agency, roles, what, details, link"
APPEND = "SELECT * FROM {append}(%s, %s, %s, %s, %s, %s)"
# ON CONFLICT: a checkpoint stored alone at shutdown may race the last batch carrying it; one copy is enough.
CHECKPOINT = ("INSERT INTO {checkpoints} (seq, link, public_key, signature) VALUES (%s, %s, %s, %s)"
              " ON CONFLICT (seq) DO NOTHING")
# Details sealed since the database numbers the entries start with this byte and are bound to the case and the
# reader (the chain binds them to their row); those sealed before are bound to the entry's number as well.
SEALING_2 = b"\xa2"


class PostgresAccessLogStore:
    def __init__(self, conninfo: str, keystore: KeyStore, *, schema: str = "public",
                 events_table: str = "sigill_events") -> None:
        self.keystore, self._conninfo = keystore, conninfo
        self._log = sql.Identifier(schema, "sigill_access_log")
        # In Sigill's schema, as everything of it: not the first on the creator's search path (public, say).
        self._refuse = sql.Identifier(schema, "sigill_access_log_is_append_only")
        self._checkpoints = sql.Identifier(schema, "sigill_access_log_checkpoints")
        self._part = sql.Identifier(schema, "sigill_access_part")
        self._append = sql.Identifier(schema, "sigill_access_append")
        self._events = sql.Identifier(schema, events_table)
        self._owed: tuple[int, bytes, bytes, bytes] | None = None   # a signed checkpoint not yet stored
        self._sealing = _EntrySealing(keystore)
        # Composed once: composing and converting them again for every batch cost about as much as its sealing.
        self._append_statement, self._checkpoint_statement = self._sql(APPEND), self._sql(CHECKPOINT)
        # Searches and verification: each connection is checked as it is taken (a round trip, which these can
        # afford), so one cut by a database restart is replaced, not failed on.
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, name="sigill-access-log", open=True,
                                    check=ConnectionPool.check_connection, timeout=POOL_WAIT)
        self._writer = ConnectionPool(conninfo, min_size=1, max_size=1, kwargs={"autocommit": True},
                                      name="sigill-access-log-writer", open=True, timeout=POOL_WAIT)  # one writer: the table lock
        create_schema(conninfo, [self._sql(SCHEMA)], schema, creator="sigill_access_log")

    def close(self) -> None:
        if self._owed is not None:
            with suppress(Exception):  # best effort: the chain itself is stored
                self.store_checkpoint()
        self._pool.close()
        self._writer.close()

    def append(self, entries: list[AccessEntry], sign: Signer) -> Versions:
        batch = self._sealing.batch_text(entries, self._sealing.fetched_keys(entries))
        with self._writer.connection() as conn:
            seq, link, version_of, versions = conn.execute(
                self._append_statement, [*(self._owed or (None,) * 4), batch, GENESIS], prepare=True).fetchone()
        self._owed = _signed(seq, link, sign)
        return _versions(entries, version_of, versions)

    def for_this_loop(self) -> AsyncAccessLogStore:
        """A writer of the same log for the running event loop: its own connection, its own owed checkpoint."""
        return AsyncAccessLogStore(self._conninfo, self.keystore, self._append_statement, self._checkpoint_statement)

    @property
    def owes_checkpoint(self) -> bool:
        return self._owed is not None

    def store_checkpoint(self) -> None:
        owed = self._owed
        if owed is not None:
            with self._writer.connection() as conn:
                conn.execute(self._checkpoint_statement, owed)
            self._owed = None if self._owed is owed else self._owed

    def search(self, query: AccessQuery) -> list[AccessRecord]:
        conditions, params = [sql.SQL("seq > %s")], [query.after]
        for column, operator, value in (("case_id", "=", query.case_id), ("subject", "=", query.subject),
                                        ("agency", "=", query.agency), ("at", ">=", query.since),
                                        ("at", "<", query.until)):
            if value is not None:
                conditions.append(sql.SQL(f"{column} {operator} %s"))
                params.append(value)
        statement = self._sql(f"SELECT {COLUMNS} FROM {{log}} WHERE ") + sql.SQL(" AND ").join(conditions) \
            + sql.SQL(" ORDER BY seq LIMIT %s")
        with translated(), self._pool.connection() as conn:
            rows = conn.execute(statement, [*params, query.limit]).fetchall()
        return [AccessRecord(r[0], self._entry(r)) for r in rows]

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: set[bytes]) -> ChainVerdict:
        with translated(), self._pool.connection() as conn:
            return verify_chain(conn, self._sql, signature_ok, trusted)

    def check_shown(self, case_id: Any = None, seqs: list[int] | None = None) -> ShownVerdict:
        """The cheap check of what an answer shows (``ShownVerdict``): the case's entries (``case_id``), or those
        numbered ``seqs``.  A count and a few probes of the primary key, and one read of the entries shown with the
        link before each: no walk of the chain."""
        with translated(), self._pool.connection() as conn:
            return check_shown(conn, self._sql, case_id, seqs)

    # -- internals -------------------------------------------------------------

    def _entry(self, row: Any, unsealed: bool = True) -> AccessEntry:
        details = self._unseal(row[0], row[2], row[3], bytes(row[7])) if unsealed else {}
        return AccessEntry(row[1], row[2], row[3], row[4], row[5], row[6], details.get("reader_name", ""),
                           details.get("purpose", ""))

    def _unseal(self, seq: int, case_id: Any, subject: str, details: bytes) -> dict[str, str]:
        try:
            key = self.keystore.data_key(case_id, create=False) if details else None
        except DamagedDataKey:   # one such entry failed a whole page of the auditors' search (each line names it)
            return {"reader_name": "(nyckeln skadad)", "purpose": "(nyckeln skadad)"}
        if key is None:
            return {}
        try:
            if details[:1] == SEALING_2:
                return json.loads(unseal(key, details[1:], _bound_to(case_id, subject)))
            return json.loads(unseal(key, details, f"access/{seq}/{case_id}".encode()))
        except Unsealable:
            return {"reader_name": "(oläsbar)", "purpose": "(oläsbar)"}

    def _sql(self, text: str) -> sql.Composed:
        return sql.SQL(text).format(log=self._log, checkpoints=self._checkpoints, part=self._part,
                                    append=self._append, events=self._events,
                                    refuse=self._refuse)


class AsyncAccessLogStore:
    """The access log's batches from one event loop: the same statement over an asynchronous connection.

    A read on the loop used to hand its entry to the writer thread and be woken from it: a thread's round trip
    and two hand-overs of the GIL per batch, which on two cores cost a read more than its own work.  Here the
    loop's batches go over its own connection, with their own owed checkpoint (the thread's stays its own); the
    chain is the database's either way, so both writers append to one chain."""

    def __init__(self, conninfo: str, keystore: KeyStore, append: sql.Composed, checkpoint: sql.Composed) -> None:
        self._append, self._checkpoint = append, checkpoint
        self._sealing = _EntrySealing(keystore)
        self._owed: tuple[int, bytes, bytes, bytes] | None = None
        self._pool = AsyncConnectionPool(conninfo, min_size=1, max_size=1, kwargs={"autocommit": True},
                                         name="sigill-access-log-loop", open=False,
                                         timeout=POOL_WAIT)

    async def open(self) -> None:
        await self._pool.open(wait=True)

    async def close(self) -> None:
        if self._owed is not None:
            with suppress(Exception):  # best effort: the chain itself is stored
                await self.store_checkpoint()
        await self._pool.close()

    async def append(self, entries: list[AccessEntry], sign: Signer) -> Versions:
        """As ``PostgresAccessLogStore.append``; one batch at a time (the loop's writer awaits each)."""
        keys = self._sealing.cached_keys(entries)
        if keys is None:  # a case's key is not in memory: fetching it is a query, which must not block the loop
            keys = await asyncio.to_thread(self._sealing.fetched_keys, entries)
        batch = self._sealing.batch_text(entries, keys)
        async with self._pool.connection() as conn:
            cursor = await conn.execute(self._append, [*(self._owed or (None,) * 4), batch, GENESIS], prepare=True)
            seq, link, version_of, versions = await cursor.fetchone()
        self._owed = _signed(seq, link, sign)
        return _versions(entries, version_of, versions)

    @property
    def owes_checkpoint(self) -> bool:
        return self._owed is not None

    async def store_checkpoint(self) -> None:
        owed = self._owed
        if owed is not None:
            async with self._pool.connection() as conn:
                await conn.execute(self._checkpoint, owed)
            self._owed = None if self._owed is owed else self._owed


class _EntrySealing:
    """Each entry's reader name and purpose, sealed under its case's key, and the batch as the statement takes it:
    one JSON text (psycopg's array dumping, in Python, cost more than the rest of a batch).  The keys are looked
    up first — from memory alone (``cached_keys``, on an event loop) or with a query if needed (``fetched_keys``)
    — so that sealing itself never queries."""

    def __init__(self, keystore: KeyStore) -> None:
        self._keystore = keystore

    def cached_keys(self, entries: list[AccessEntry]) -> dict[Any, bytes | None] | None:
        """Each case's key as the key store holds it in memory; None when one of them is not there."""
        keys = {}
        for entry in entries:
            found, key = self._keystore.cached(entry.case_id)
            if not found:
                return None
            keys[entry.case_id] = key
        return keys

    def fetched_keys(self, entries: list[AccessEntry]) -> dict[Any, bytes | None]:
        """Each case's key, those not in memory fetched together first (one round trip, not one per case: a case
        list's read logs every case it shows in one batch).  A case whose key is damaged gets None, as an erased
        case does: its read is logged without the reader's name and purpose (the subject, agency, what and when
        stay), where it failed the whole batch — a case list showing it, and every read committed with it."""
        known = self._keystore.warm(e.case_id for e in entries)   # all of them: the cache may hold fewer
        return {case_id: known[case_id] if case_id in known else self._key_or_none(case_id)
                for case_id in dict.fromkeys(e.case_id for e in entries)}

    def _key_or_none(self, case_id: Any) -> bytes | None:
        try:
            return self._keystore.data_key(case_id, create=False)
        except DamagedDataKey:   # its content reads say so themselves; a list's read of its row must not fail
            log.info("the data key of case %s is damaged: a read of it is logged without the reader's name and"
                     " purpose; restore its row of the key table from a backup", case_id)
            return None

    def batch_text(self, entries: list[AccessEntry], keys: dict[Any, bytes | None]) -> str:
        return json.dumps([{"at": utc_text(e.at), "case_id": str(e.case_id), "subject": e.subject,
                            "agency": e.agency, "roles": e.roles, "what": e.what,
                            "details": _sealed(e, keys[e.case_id]).hex()} for e in entries])


def _sealed(entry: AccessEntry, key: bytes | None) -> bytes:
    if key is None:
        return b""  # an erased case: nothing personal can be kept about it
    plain = json.dumps({"reader_name": entry.reader_name, "purpose": entry.purpose}).encode()
    return SEALING_2 + seal(key, plain, _bound_to(entry.case_id, entry.subject))


def _signed(seq: int, link: Any, sign: Signer) -> tuple[int, bytes, bytes, bytes]:
    """The checkpoint a batch owes: its last number and link, signed."""
    link = bytes(link)
    return (seq, link, *sign(checkpoint_message(seq, link)))


def _versions(entries: list[AccessEntry], version_of: Any, versions: Any) -> Versions:
    return {**dict.fromkeys(e.case_id for e in entries), **dict(zip(version_of or (), versions or ()))}


def _bound_to(case_id: Any, subject: str) -> bytes:
    return f"access/2/{case_id}/{subject}".encode()


def verify_chain(conn: Any, composed: Callable[[str], sql.Composed], signature_ok: Callable[[bytes, bytes, bytes], bool],
                 trusted: set[bytes]) -> ChainVerdict:
    """Recompute the access log's chain over the stored rows (the sealed details as stored: no key is needed) and
    check every checkpoint's link and signature; the first break found.  ``composed``: the tables' SQL."""
    checkpoints = {r[0]: r for r in conn.execute(composed(
        "SELECT seq, link, public_key, signature FROM {checkpoints} ORDER BY seq"))}
    link, expected_seq, confirmed = GENESIS, 0, 0
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
    if checkpoints:
        return broken(expected_seq, confirmed, "gone", max(checkpoints))
    return ChainVerdict(expected_seq, confirmed, None)


def verify_access_log(conninfo: str, schema: str, signature_ok: Callable[[bytes, bytes, bytes], bool],
                      trusted: set[bytes]) -> ChainVerdict | None:
    """The access log verified as an outside party does it: reading only (a read-only role will do, and no table
    is created), with no master key; None where the database has neither of its tables (no process has read a
    case here).  One of the two without the other was tampered with."""
    log, checkpoints = sql.Identifier(schema, "sigill_access_log"), sql.Identifier(schema, "sigill_access_log_checkpoints")

    def composed(text: str) -> sql.Composed:
        return sql.SQL(text).format(log=log, checkpoints=checkpoints)

    with psycopg.connect(conninfo) as conn:   # psycopg's errors as they are: the caller tells a refused role apart
        found = {r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname IN ('sigill_access_log', 'sigill_access_log_checkpoints')", (schema,))}
        if not found:
            return None
        if len(found) == 1:
            return broken(0, 0, "table_gone", 0)
        return verify_chain(conn, composed, signature_ok, trusted)


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
