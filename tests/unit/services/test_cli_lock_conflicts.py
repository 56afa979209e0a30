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


def test_every_kind_of_connections_used_up_is_told_as_such():
    """SQLSTATE 53300 in PostgreSQL's words as psycopg gives them while connecting (no SQLSTATE then): the first is
    what the application's role met on this walk-through of deploy/README.md (PostgreSQL 18, max_connections 100);
    the second PostgreSQL 14 and 15 say; "too many clients" only a superuser meets, once every slot is taken."""
    for said in ("remaining connection slots are reserved for roles with the SUPERUSER attribute",
                 "remaining connection slots are reserved for non-replication superuser connections",
                 'remaining connection slots are reserved for roles with privileges of the'
                 ' "pg_use_reserved_connections" role',
                 'too many connections for database "sigill"', "sorry, too many clients already"):
        error = psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed:'
                                         f' FATAL:  {said}')
        assert database_problem(wrapped(error)).startswith(
            f"the database refuses more connections ({said}): it is reachable"), said
