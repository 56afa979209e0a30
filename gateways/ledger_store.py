"""The ledger's tables and every query on them (and the read of the events table it verifies)."""

from __future__ import annotations

from typing import Iterator

import psycopg
from psycopg import sql

from services.ledger import Checkpoint, LedgerEntry, StoredRow

FETCH = 20_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS {ledger} (
    notification_id bigint PRIMARY KEY,
    originator_id uuid NOT NULL,
    originator_version integer NOT NULL,
    link bytea NOT NULL);
CREATE TABLE IF NOT EXISTS {checkpoints} (
    notification_id bigint PRIMARY KEY,
    link bytea NOT NULL,
    signed_at timestamptz NOT NULL,
    public_key bytea NOT NULL,
    signature bytea NOT NULL);
CREATE OR REPLACE FUNCTION sigill_ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit ledger is append-only'; END $$;
DROP TRIGGER IF EXISTS append_only ON {ledger};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {ledger}
    FOR EACH ROW EXECUTE FUNCTION sigill_ledger_is_append_only();
DROP TRIGGER IF EXISTS append_only ON {checkpoints};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {checkpoints}
    FOR EACH ROW EXECUTE FUNCTION sigill_ledger_is_append_only();
"""


class PostgresLedgerStore:
    def __init__(self, conninfo: str, *, schema: str = "public", events_table: str = "sigill_events") -> None:
        self.conninfo = conninfo
        self._events = sql.Identifier(schema, events_table)
        self._ledger = sql.Identifier(schema, "sigill_ledger")
        self._checkpoints = sql.Identifier(schema, "sigill_ledger_checkpoints")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL(SCHEMA).format(ledger=self._ledger, checkpoints=self._checkpoints))

    def head(self) -> LedgerEntry | None:
        with psycopg.connect(self.conninfo) as conn:
            row = conn.execute(sql.SQL("SELECT notification_id, originator_id, originator_version, link FROM {}"
                                       " ORDER BY notification_id DESC LIMIT 1").format(self._ledger)).fetchone()
        return None if row is None else LedgerEntry(row[0], row[1], row[2], bytes(row[3]))

    def events_after(self, notification_id: int) -> Iterator[list[StoredRow]]:
        """Stored events after ``notification_id``, in batches, in notification order."""
        with psycopg.connect(self.conninfo) as conn, conn.cursor(name="sigill_seal") as cursor:
            cursor.execute(sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
                                   " WHERE notification_id > %s ORDER BY notification_id").format(self._events),
                           (notification_id,))
            while batch := cursor.fetchmany(FETCH):
                yield [StoredRow(r[0], r[1], r[2], r[3], bytes(r[4])) for r in batch]

    def append(self, entries: list[LedgerEntry], checkpoint: Checkpoint | None) -> None:
        """Entries and their checkpoint in one transaction: a crash leaves neither."""
        with psycopg.connect(self.conninfo) as conn, conn.transaction(), conn.cursor() as cursor:
            with cursor.copy(sql.SQL("COPY {} (notification_id, originator_id, originator_version, link)"
                                     " FROM STDIN").format(self._ledger)) as copy:
                for e in entries:
                    copy.write_row((e.notification_id, e.originator_id, e.originator_version, e.link))
            if checkpoint is not None:
                cursor.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s)").format(self._checkpoints),
                               (checkpoint.notification_id, checkpoint.link, checkpoint.signed_at,
                                checkpoint.public_key, checkpoint.signature))

    def checkpoints(self) -> list[Checkpoint]:
        with psycopg.connect(self.conninfo) as conn:
            rows = conn.execute(sql.SQL("SELECT * FROM {} ORDER BY notification_id").format(self._checkpoints))
            return [Checkpoint(r[0], bytes(r[1]), r[2], bytes(r[3]), bytes(r[4])) for r in rows]

    def pairs(self) -> Iterator[tuple[StoredRow | None, LedgerEntry | None]]:
        """Events and ledger entries joined on notification id, in order, streamed."""
        query = sql.SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state,"
            " l.notification_id, l.originator_id, l.originator_version, l.link"
            " FROM {} e FULL OUTER JOIN {} l ON e.notification_id = l.notification_id"
            " ORDER BY coalesce(e.notification_id, l.notification_id)").format(self._events, self._ledger)
        with psycopg.connect(self.conninfo) as conn, conn.cursor(name="sigill_verify", binary=True) as cursor:
            cursor.itersize = FETCH
            cursor.execute(query)
            for r in cursor:
                row = None if r[0] is None else StoredRow(r[0], r[1], r[2], r[3], r[4])
                entry = None if r[5] is None else LedgerEntry(r[5], r[6], r[7], r[8])
                yield row, entry
