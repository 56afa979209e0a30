"""A deadlock or a lock timeout is told as what it is — the database reached, a lock held, the transaction rolled
back, run it again — not as "cannot reach the database", which sent an operator looking for an outage."""

from __future__ import annotations

import psycopg
from eventsourcing import persistence

from services.cli import database_problem


def wrapped(error: psycopg.Error) -> persistence.OperationalError:
    """As eventsourcing's datastore and our stores (``gateways.pg_errors``) raise it: psycopg's as the cause."""
    try:
        raise persistence.OperationalError(str(error)) from error
    except persistence.OperationalError as ours:
        return ours


def test_a_deadlock_says_so_and_to_run_the_command_again():
    said = database_problem(wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert said.startswith("the database was reached, but another session held a lock this command needed"
                           " (deadlock detected, SQLSTATE 40P01)") and said.endswith("run the command again")


def test_a_lock_timeout_says_so_too_and_an_unreachable_database_is_still_told_as_one():
    assert "(lock not available, SQLSTATE 55P03)" in database_problem(
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"))
    assert database_problem(psycopg.OperationalError("connection refused")).startswith(
        "cannot reach the database or data directory: connection refused")
