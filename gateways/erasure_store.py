"""The record of erasures (gallring): which case was culled, when, by whom and under which decision.

Destroying a case's data key is the erasure; it is no event (the case's events stay, unreadable, so the ledger
still verifies).  This table is what says that it was decided: append-only, as the ledger is, and outliving the
case.  It holds no personal data — the case's id and municipality, the decision's reference (a diary number,
checked to hold no personnummer), the account that ran it and the moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from gateways.case_list_queries import CASE_OPENED
from gateways.keystore import KEYS_TABLE
from gateways.schema_lock import create_schema

TABLE = "sigill_erasures"

SCHEMA = """
CREATE TABLE IF NOT EXISTS {t} (case_id uuid PRIMARY KEY, municipality text NOT NULL, decision text NOT NULL,
    erased_by text NOT NULL, erased_at timestamptz NOT NULL DEFAULT now());
CREATE OR REPLACE FUNCTION {s}.sigill_erasures_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the record of erasures is append-only: % refused', TG_OP; END $$;
DROP TRIGGER IF EXISTS append_only ON {t};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION {s}.sigill_erasures_are_kept();
DROP TRIGGER IF EXISTS no_truncate ON {t};
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_erasures_are_kept();
"""


class PostgresErasures:
    def __init__(self, conninfo: str, *, schema: str = "public") -> None:
        self._conninfo, self._schema = conninfo, schema
        self._t = sql.Identifier(schema, TABLE)
        create_schema(conninfo, [sql.SQL(SCHEMA).format(t=self._t, s=sql.Identifier(schema))], schema, creator=TABLE)

    def record(self, case_id: UUID, municipality: str, decision: str, erased_by: str) -> bool:
        """Record the decision before the key is destroyed; False when the case's erasure was recorded already
        (the first record stands: a repeat, say after a crash before the key was destroyed, changes nothing)."""
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            done = conn.execute(sql.SQL("INSERT INTO {} (case_id, municipality, decision, erased_by) VALUES"
                                        " (%s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING").format(self._t),
                                (case_id, municipality, decision, erased_by))
            return done.rowcount == 1

    def of(self, case_id: UUID) -> dict[str, Any] | None:
        with psycopg.connect(self._conninfo, row_factory=dict_row) as conn:
            return conn.execute(sql.SQL("SELECT * FROM {} WHERE case_id = %s").format(self._t), (case_id,)).fetchone()

    def destroyed_unrecorded(self) -> list[tuple[UUID, datetime | None]]:
        """Keys destroyed with no erasure recorded for them: data culled with no decision on record."""
        with psycopg.connect(self._conninfo) as conn:
            return read_erasures(conn, self._schema)[2]


def read_erasures(conn: psycopg.Connection, schema: str
                  ) -> tuple[int, list[UUID], list[tuple[UUID, datetime | None]]]:
    """For a verifier, reading only (no table made): how many erasures on record are done (the key destroyed); the
    cases whose erasure is on record but whose key still stands (a crash between the two: erasing again completes
    it); and the keys destroyed with none on record.  An installation from before the record has no table: every
    destroyed key counts as without."""
    found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{schema}"."{TABLE}"',)).fetchone()[0]
    keys, t = sql.Identifier(schema, KEYS_TABLE), sql.Identifier(schema, TABLE)
    done, pending = 0, []
    if found:
        rows = conn.execute(sql.SQL(
            "SELECT e.case_id, k.wrapped_key IS NOT NULL FROM {t} e LEFT JOIN {keys} k ON k.aggregate_id = e.case_id"
            " ORDER BY e.erased_at, e.case_id").format(t=t, keys=keys)).fetchall()
        done, pending = sum(1 for _, stands in rows if not stands), [c for c, stands in rows if stands]
    unrecorded = conn.execute(sql.SQL(
        "SELECT k.aggregate_id, k.destroyed_at FROM {keys} k WHERE k.wrapped_key IS NULL"
        + (" AND NOT EXISTS (SELECT 1 FROM {t} e WHERE e.case_id = k.aggregate_id)" if found else "")
        + " ORDER BY k.destroyed_at, k.aggregate_id").format(keys=keys, t=t)).fetchall()
    return done, pending, [(r[0], r[1]) for r in unrecorded]


def erased_unclosed(conn: psycopg.Connection, schema: str, events_table: str, closed_topic: str) -> list[UUID]:
    """Cases whose key is destroyed though no closure is among their stored events, oldest erasure first.  Only a
    closed case is culled (``services.erasure``), and the events' topics are plaintext under the ledger: a key
    destroyed past `sigill erase` — the application's role may write the key table, and the record of erasures —
    leaves an open case looking culled, its decision and all.  (After a restore, a case closed since the backup is
    erased open, ``--even-if-open``: told, not counted as a change.)"""
    keys, events = sql.Identifier(schema, KEYS_TABLE), sql.Identifier(schema, events_table)
    rows = conn.execute(sql.SQL(
        "SELECT k.aggregate_id FROM {keys} k WHERE k.wrapped_key IS NULL"
        " AND EXISTS (SELECT 1 FROM {events} e WHERE e.originator_id = k.aggregate_id AND " + CASE_OPENED + ")"
        " AND NOT EXISTS (SELECT 1 FROM {events} e WHERE e.originator_id = k.aggregate_id AND e.topic = %s)"
        " ORDER BY k.destroyed_at, k.aggregate_id").format(keys=keys, events=events), (closed_topic,)).fetchall()
    return [r[0] for r in rows]
