"""The disclosure log's secondary indexes during a build from the first event (``gateways.build_finish.LOG_INDEXES``):
left out while it runs, made in the transaction that ends it; a crash at any point, then a start, never leaves views
built without them; and a case's log read meanwhile is right."""

from __future__ import annotations

import psycopg
import pytest

from gateways.build_finish import LOG_INDEXES
from services.bootstrap import build_view_runner
from tests.integration.test_feed_store import withdrawn_long_ago


class Crash(Exception):
    """A process killed at that point: its transaction is never committed."""


def log_indexes(postgres, runner) -> set[str]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s",
                                           (runner.store.datastore.schema,))} & set(LOG_INDEXES)


def building(runner) -> bool:
    return runner.store.feeds_building()


def crash_after_clearing(runner, monkeypatch) -> None:
    """A rebuild killed once the views are cleared, before any batch is written."""
    def killed(*args, **kwargs):
        raise Crash()
    monkeypatch.setattr(runner, "_catch_up_from", killed)
    with pytest.raises(Crash):
        runner.rebuild()
    monkeypatch.undo()


def started(app, settings, postgres):
    """A process started again on the database (its store's start: the every-start statements)."""
    return build_view_runner(app, settings, postgres)


@pytest.fixture
def built(app, runner, postgres):
    case_id = withdrawn_long_ago(app)
    runner.catch_up()
    assert log_indexes(postgres, runner) == set(LOG_INDEXES) and not building(runner)
    return case_id


def test_a_rebuild_leaves_the_indexes_out_until_it_is_done_and_a_start_meanwhile_does_not_make_them(
        app, settings, runner, postgres, built, monkeypatch):
    crash_after_clearing(runner, monkeypatch)
    assert building(runner) and log_indexes(postgres, runner) == set()
    again = started(app, settings, postgres)
    try:
        assert log_indexes(postgres, again) == set()   # the build is still under way: whoever catches up ends it
        again.catch_up()
        assert not building(again) and log_indexes(postgres, again) == set(LOG_INDEXES)
    finally:
        again.close()
        again.store.close()


def test_the_numbers_are_unique_again_once_the_build_is_done(app, runner, postgres, built):
    runner.rebuild()
    with psycopg.connect(postgres.conninfo()) as conn:
        s = runner.store.datastore.schema
        assert conn.execute("SELECT bool_and(indisunique) FROM pg_index WHERE indexrelid = %s::regclass",
                            (f'"{s}".disclosure_log_by_feed',)).fetchone()[0]
        columns = ("case_id, agency, fact_id, kind, category, change, basis, at, notification_id, event_id, feed,"
                   " seq")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(f'INSERT INTO "{s}".disclosure_log ({columns}) SELECT {columns} FROM "{s}".disclosure_log'
                         " LIMIT 1")


def test_a_crash_in_the_transaction_that_marks_the_build_leaves_the_indexes(app, runner, postgres, built,
                                                                           monkeypatch):
    store = type(runner.store)
    left_out = store._leave_out_log_indexes

    def killed(self, curs):
        left_out(self, curs)
        raise Crash()
    monkeypatch.setattr(store, "_leave_out_log_indexes", killed)
    with pytest.raises(Crash):
        runner.rebuild()
    assert not building(runner) and log_indexes(postgres, runner) == set(LOG_INDEXES)


def test_a_crash_in_the_transaction_that_ends_the_build_leaves_it_under_way_for_the_next(
        app, settings, runner, postgres, built, monkeypatch):
    store = type(runner.store)
    make = store._make_log_indexes

    def killed(self, curs):
        make(self, curs)
        raise Crash()
    monkeypatch.setattr(store, "_make_log_indexes", killed)
    with pytest.raises(Crash):
        runner.rebuild()
    monkeypatch.undo()
    assert building(runner) and log_indexes(postgres, runner) == set()   # neither ended nor indexed
    again = started(app, settings, postgres)
    try:
        again.catch_up()
        assert not building(again) and log_indexes(postgres, again) == set(LOG_INDEXES)
    finally:
        again.close()
        again.store.close()


def test_a_start_makes_them_where_a_build_ended_without_them(app, settings, runner, postgres, built, monkeypatch):
    """A build a process of the version before finished (it clears ``building_to`` and knows nothing of them)."""
    crash_after_clearing(runner, monkeypatch)
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute(f'UPDATE "{runner.store.datastore.schema}".view_rules SET building_to = NULL')
    assert log_indexes(postgres, runner) == set()
    again = started(app, settings, postgres)
    try:
        assert log_indexes(postgres, again) == set(LOG_INDEXES)
    finally:
        again.close()
        again.store.close()


def test_a_cases_log_read_during_a_build_is_the_same_as_after_it(app, runner, postgres, built, monkeypatch):
    before = runner.store.disclosure_log(built)
    written = []

    def read_after_the_first_batch(log) -> None:
        if not written:
            written.append(runner.store.disclosure_log(built))   # the index left out: a scan
            assert building(runner) and log_indexes(postgres, runner) == set()
    runner.written = read_after_the_first_batch
    runner.batch_size = 10_000
    runner.rebuild()
    assert written and [r | {"id": None} for r in written[0]] == [r | {"id": None} for r in before]
    assert runner.store.disclosure_log(built) == written[0]


def test_a_feed_polled_during_a_build_does_not_read_the_log(app, runner, postgres, built, monkeypatch):
    """Refused (``FeedsRebuilding``) without the log read: with its feed index left out, each poll scanned it all."""
    from psycopg.sql import SQL, Identifier
    from gateways.feed_pages import FEED_ROWS

    crash_after_clearing(runner, monkeypatch)
    runner.catch_up()   # rebuilt; then taken for one still under way (its end further on), its log full
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute(SQL('UPDATE {}.view_rules SET building_to = 1000000000').format(
            Identifier(runner.store.datastore.schema)))
        assert building(runner) and conn.execute(SQL("SELECT count(*) FROM {}.disclosure_log").format(
            Identifier(runner.store.datastore.schema))).fetchone()[0]
        plan = "\n".join(r[0] for r in conn.execute(
            SQL("EXPLAIN (ANALYZE, COSTS OFF) ") + SQL(FEED_ROWS).format(s=Identifier(runner.store.datastore.schema)),
            ("skola.0180", None, 0, 100)))
    assert "disclosure_log" in plan and all("never executed" in line for line in plan.splitlines()
                                            if "on disclosure_log" in line), plan
