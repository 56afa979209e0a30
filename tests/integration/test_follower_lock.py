"""One follower works on a database at a time; the others stand by and take over when its session ends."""

from __future__ import annotations

import logging
import threading

import psycopg
import pytest

from gateways.follower_lock import FollowerLock, lock_key
from services.bootstrap.feeds import build_follower
from tests.builders import POLICE
from tests.concurrency import eventually
from tests.service_behaviour import consenting_school


@pytest.fixture
def followers(app, settings, postgres):
    """Followers as `sigill serve` and `sigill follow` build them (with the lock), each in its own thread."""
    started = []

    def start():
        follower = build_follower(app, settings, postgres)
        follower.interval, follower.lock_check_every, follower.lock.retry_every = 0.05, 0.1, 0.1
        stop = threading.Event()
        thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
        thread.start()
        started.append((stop, thread, follower))
        return follower, stop, thread

    yield start
    for stop, thread, follower in started:
        stop.set()
        thread.join(timeout=30)
        follower.runner.store.close()


def reaches_the_school(follower, case_id, text: str) -> bool:
    return any(f.content.get("text") == text for f in follower.runner.store.facts("skola", case_id))


def test_a_second_follower_stands_by_and_takes_over_when_the_first_stops(app, followers):
    first, first_stop, first_thread = followers()
    assert eventually(first.working.is_set)
    second, _, _ = followers()
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Första.")
    assert eventually(lambda: reaches_the_school(first, case_id, "Första."))
    assert not second.working.is_set()   # it stood by the whole time

    first_stop.set()
    first_thread.join(timeout=30)
    assert not first_thread.is_alive()
    app.record_contribution(case_id, by=POLICE, category="school", text="Andra.")
    assert eventually(second.working.is_set)
    assert eventually(lambda: reaches_the_school(second, case_id, "Andra."))


def test_a_follower_whose_lock_session_is_cut_stops_working_then_takes_the_lock_again(app, followers, postgres,
                                                                                     caplog):
    follower, _, thread = followers()
    assert eventually(follower.working.is_set)
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # as a database restart would
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"   # this test's database only
                     " WHERE application_name = 'sigill-follower-lock' AND datname = current_database()")
    assert eventually(lambda: "follower lock was lost" in caplog.text)
    assert eventually(follower.working.is_set) and thread.is_alive()   # no one else held it: working again
    case_id = consenting_school(app)
    app.record_contribution(case_id, by=POLICE, category="school", text="Efter avbrottet.")
    assert eventually(lambda: reaches_the_school(follower, case_id, "Efter avbrottet."))


def test_the_lock_is_one_per_schema_and_a_stopped_wait_gives_up(postgres):
    holder, waiter = FollowerLock(postgres.conninfo()), FollowerLock(postgres.conninfo(), retry_every=0.05)
    elsewhere = FollowerLock(postgres.conninfo(), "another_schema")
    try:
        assert holder.acquire(threading.Event()) and holder.held()
        stop = threading.Event()
        threading.Timer(0.3, stop.set).start()
        assert waiter.acquire(stop) is False and not waiter.held()   # stood by until stopped
        assert elsewhere.acquire(threading.Event())   # another installation in the same database: its own lock
        assert lock_key("public") != lock_key("another_schema")
        holder.release()
        assert not holder.held() and waiter.acquire(threading.Event())
    finally:
        for lock in (holder, waiter, elsewhere):
            lock.release()


def test_a_follower_standing_by_says_so_again_once_the_database_is_back(postgres, caplog):
    """Its last line was "the database cannot be reached … retrying" for as long as it then stood by, healthy: an
    operator reading the journal took a working standby for a broken one."""
    caplog.set_level(logging.INFO, logger="sigill.follow")
    holder, waiter = FollowerLock(postgres.conninfo()), FollowerLock(postgres.conninfo(), retry_every=0.05)
    stop = threading.Event()
    try:
        assert holder.acquire(threading.Event())
        waiting = threading.Thread(target=waiter.acquire, args=(stop,), daemon=True)
        waiting.start()
        assert eventually(lambda: "standing by" in caplog.text) and waiter._conn is not None
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # as a database restart would
            conn.execute("SELECT pg_terminate_backend(%s)", (waiter._conn.info.backend_pid,))
        assert eventually(lambda: "cannot be reached" in caplog.text)
        assert eventually(lambda: caplog.text.split("cannot be reached")[-1].count("standing by") == 1), caplog.text
    finally:
        stop.set()
        holder.release()
        waiter.release()
