"""The access log's tables and every query on them.

The reader's name and the stated purpose are personal data: they are sealed
under the case's data key (so erasing a case erases them too); the rest is
ids and words, queryable.  Rows and checkpoints are append-only (triggers),
and a writer locks the table so the chain has one order across processes.
"""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any, Callable

from psycopg import ClientCursor, Connection, sql
from psycopg_pool import ConnectionPool

from gateways.schema_lock import create_schema
from gateways.sealing import Unsealable, seal, unseal
from services.access_log import (
    GENESIS, AccessEntry, AccessQuery, AccessRecord, ChainVerdict, Signer, checkpoint_message, entry_link,
)
from services.ports import KeyStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS {log} (
    seq bigint PRIMARY KEY, at timestamptz NOT NULL, case_id uuid NOT NULL, subject text NOT NULL,
    agency text NOT NULL, roles text NOT NULL, what text NOT NULL, details bytea NOT NULL, link bytea NOT NULL);
CREATE INDEX IF NOT EXISTS access_log_by_case ON {log} (case_id, seq);
CREATE INDEX IF NOT EXISTS access_log_by_subject ON {log} (subject, seq);
CREATE TABLE IF NOT EXISTS {checkpoints} (
    seq bigint PRIMARY KEY, link bytea NOT NULL, signed_at timestamptz NOT NULL DEFAULT now(),
    public_key bytea NOT NULL, signature bytea NOT NULL);
CREATE OR REPLACE FUNCTION sigill_access_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$;
DROP TRIGGER IF EXISTS append_only ON {log};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {log}
    FOR EACH ROW EXECUTE FUNCTION sigill_access_log_is_append_only();
DROP TRIGGER IF EXISTS append_only ON {checkpoints};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {checkpoints}
    FOR EACH ROW EXECUTE FUNCTION sigill_access_log_is_append_only();
"""
COLUMNS = "seq, at, case_id, subject, agency, roles, what, details, link"


class PostgresAccessLogStore:
    def __init__(self, conninfo: str, keystore: KeyStore, *, schema: str = "public") -> None:
        self.keystore = keystore
        self._log = sql.Identifier(schema, "sigill_access_log")
        self._checkpoints = sql.Identifier(schema, "sigill_access_log_checkpoints")
        self._pool = ConnectionPool(conninfo, min_size=1, max_size=4, name="sigill-access-log", open=True)
        self._writer = ConnectionPool(conninfo, min_size=1, max_size=1, kwargs={"autocommit": True},
                                      name="sigill-access-log-writer", open=True)  # one writer: the table lock
        create_schema(conninfo, [self._sql(SCHEMA)])

    def close(self) -> None:
        self._pool.close()
        self._writer.close()

    def append(self, entries: list[AccessEntry], sign: Signer) -> None:
        # Two round trips per batch, whatever its size: [BEGIN; LOCK; read the head] and [the rows, the signed
        # checkpoint, COMMIT] — bound on the client, so the second is one simple query.  Each round trip waits
        # for this process's other threads to let go of the GIL, so their number, not the rows, sets the cost.
        with self._writer.connection() as conn:
            try:
                head = self._head(conn)
                seq, link = (head[0], bytes(head[1])) if head else (0, GENESIS)
                rows = []
                for entry in entries:
                    seq += 1
                    details = self._seal(seq, entry)
                    link = entry_link(link, seq, entry, details)
                    rows.append((seq, entry.at, entry.case_id, entry.subject, entry.agency, entry.roles, entry.what,
                                 details, link))
                public_key, signature = sign(checkpoint_message(seq, link))
                ClientCursor(conn).execute(self._insert(len(rows)), [
                    *(value for row in rows for value in row), seq, link, public_key, signature])
            except BaseException:
                with suppress(Exception):  # leave the connection clean; the first error is the one to tell
                    conn.execute("ROLLBACK")
                raise

    def _head(self, conn: Connection) -> tuple | None:
        cursor = conn.execute(self._sql("BEGIN; LOCK TABLE {log} IN SHARE ROW EXCLUSIVE MODE;"
                                        " SELECT seq, link FROM {log} ORDER BY seq DESC LIMIT 1"))
        while cursor.description is None and cursor.nextset():
            pass
        return cursor.fetchone()

    def _insert(self, rows: int) -> sql.Composed:
        values = sql.SQL(", ").join([sql.SQL("(%s, %s, %s, %s, %s, %s, %s, %s, %s)")] * rows)
        return self._sql(f"INSERT INTO {{log}} ({COLUMNS}) VALUES ") + values + self._sql(
            "; INSERT INTO {checkpoints} (seq, link, public_key, signature) VALUES (%s, %s, %s, %s); COMMIT")

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
        with self._pool.connection() as conn:
            rows = conn.execute(statement, [*params, query.limit]).fetchall()
        return [AccessRecord(r[0], self._entry(r)) for r in rows]

    def verify(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: set[bytes]) -> ChainVerdict:
        with self._pool.connection() as conn:
            checkpoints = {r[0]: r for r in conn.execute(self._sql(
                "SELECT seq, link, public_key, signature FROM {checkpoints} ORDER BY seq"))}
            link, expected_seq, confirmed = GENESIS, 0, 0
            with conn.cursor(name="sigill_access_verify") as cursor:
                cursor.execute(self._sql(f"SELECT {COLUMNS} FROM {{log}} ORDER BY seq"))
                for row in cursor:
                    expected_seq += 1
                    if row[0] != expected_seq:
                        return ChainVerdict(expected_seq - 1, confirmed, f"entry {expected_seq} is missing")
                    link = entry_link(link, row[0], self._entry(row, unsealed=False), bytes(row[7]))
                    if link != bytes(row[8]):
                        return ChainVerdict(expected_seq - 1, confirmed, f"entry {row[0]} was altered")
                    checkpoint = checkpoints.pop(row[0], None)
                    if checkpoint is not None:
                        if bytes(checkpoint[1]) != link or bytes(checkpoint[2]) not in trusted or not signature_ok(
                                bytes(checkpoint[2]), bytes(checkpoint[3]), checkpoint_message(row[0], link)):
                            return ChainVerdict(expected_seq, confirmed, f"the checkpoint at entry {row[0]} does not"
                                                                         " match or is not signed by a trusted key")
                        confirmed += 1
        if checkpoints:
            return ChainVerdict(expected_seq, confirmed,
                                f"entries up to {max(checkpoints)} were signed for but are gone")
        return ChainVerdict(expected_seq, confirmed, None)

    # -- internals -------------------------------------------------------------

    def _seal(self, seq: int, entry: AccessEntry) -> bytes:
        key = self.keystore.data_key(entry.case_id, create=False)
        if key is None:
            return b""  # an erased case: nothing personal can be kept about it
        plain = json.dumps({"reader_name": entry.reader_name, "purpose": entry.purpose}).encode()
        return seal(key, plain, f"access/{seq}/{entry.case_id}".encode())

    def _entry(self, row: Any, unsealed: bool = True) -> AccessEntry:
        details = self._unseal(row[0], row[2], bytes(row[7])) if unsealed else {}
        return AccessEntry(row[1], row[2], row[3], row[4], row[5], row[6], details.get("reader_name", ""),
                           details.get("purpose", ""))

    def _unseal(self, seq: int, case_id: Any, details: bytes) -> dict[str, str]:
        key = self.keystore.data_key(case_id, create=False) if details else None
        if key is None:
            return {}
        try:
            return json.loads(unseal(key, details, f"access/{seq}/{case_id}".encode()))
        except Unsealable:
            return {"reader_name": "(oläsbar)", "purpose": "(oläsbar)"}

    def _sql(self, text: str) -> sql.Composed:
        return sql.SQL(text).format(log=self._log, checkpoints=self._checkpoints)
