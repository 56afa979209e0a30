"""The follower's erasure round, every minute, finds the destroyed keys through an index of them alone, not by
reading the key of every case there ever was (``sigill_data_keys`` grows with every case; the erased are few)."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gateways.feed_store import UNDECIDED
from gateways.keystore import KEYS_TABLE
from tests.integration.test_start_up_scans import plan

PUBLIC, KEYS = sql.Identifier("public"), sql.Identifier(KEYS_TABLE)


def many_live_keys_and_a_few_destroyed(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("INSERT INTO {k} (aggregate_id, wrapped_key) SELECT gen_random_uuid(), '\\x00'"
                         " FROM generate_series(1, 5000)").format(k=KEYS))
    conn.execute(sql.SQL("INSERT INTO {k} (aggregate_id, wrapped_key, destroyed_at) SELECT gen_random_uuid(), NULL,"
                         " now() FROM generate_series(1, 3)").format(k=KEYS))
    conn.execute(sql.SQL("ANALYZE {k}").format(k=KEYS))


def test_a_round_with_nothing_new_finds_the_destroyed_keys_without_reading_every_case_s_key(runner, postgres):
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        many_live_keys_and_a_few_destroyed(conn)
        shown = plan(conn, sql.SQL("SELECT EXISTS (" + UNDECIDED + ")").format(s=PUBLIC, k=KEYS))
    assert "sigill_data_keys_destroyed" in shown and f"Seq Scan on {KEYS_TABLE}" not in shown, shown


def test_a_round_that_tells_reads_the_destroyed_keys_alone_too(runner, postgres):
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        many_live_keys_and_a_few_destroyed(conn)
        shown = plan(conn, runner.store.unseen_erasures())
    assert "sigill_data_keys_destroyed" in shown and f"Seq Scan on {KEYS_TABLE}" not in shown, shown
