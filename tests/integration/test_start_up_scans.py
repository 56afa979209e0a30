"""What a process does at each start stays cheap once there is nothing to do: the statements it runs find their
rows through an index, not by reading the whole table."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gateways.idempotency_store import EXPIRED, TABLE, PostgresIdempotencyStore


def plan(conn, statement: sql.Composable) -> str:
    return "\n".join(row[0] for row in conn.execute(sql.SQL("EXPLAIN ") + statement))


def test_forgetting_the_expired_answers_at_start_reads_the_index_on_their_age_not_the_table(postgres):
    PostgresIdempotencyStore(postgres.conninfo()).close()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        # A busy day's keys, none expired: the start's delete is to find none without reading them.
        conn.execute(sql.SQL("INSERT INTO {t} (owner, key, request_hash, status)"
                             " SELECT 'o', g::text, '\\x00', 201 FROM generate_series(1, 5000) g")
                     .format(t=sql.Identifier(TABLE)))
        conn.execute(sql.SQL("ANALYZE {t}").format(t=sql.Identifier(TABLE)))
        shown = plan(conn, sql.SQL(EXPIRED).format(t=sql.Identifier("public", TABLE)))
    assert "sigill_idempotency_keys_by_age" in shown and "Seq Scan" not in shown, shown
