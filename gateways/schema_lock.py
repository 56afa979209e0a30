"""Table creation that is safe when several processes start at once.

``CREATE TABLE IF NOT EXISTS`` is not atomic: two sessions can both find the
table missing, and the second then fails on the catalogue's unique index
(a duplicate type or relation).  Every store creates its tables through here,
under one transaction-level advisory lock: concurrent creators take turns,
the later ones find everything there, and the lock goes with the transaction
(no unlock to forget, none left behind by a crash).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import psycopg
from psycopg import sql

SCHEMA_LOCK = 0x5161_11_5D  # an arbitrary advisory lock id, Sigill's own (services.server uses ..5E)


@contextmanager
def schema_lock(conninfo: str) -> Iterator[Any]:
    """Hold Sigill's schema lock for the block, in a transaction of its own connection; yields its cursor.

    DDL run on that cursor commits with the lock's transaction; DDL the block runs on other connections
    (eventsourcing's recorders create their tables on their pool's) is covered too, since the lock is held
    until the block ends."""
    with psycopg.connect(conninfo) as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(SCHEMA_LOCK)))
        yield cursor


def conninfo_of(datastore: Any) -> str:
    """The connection string of an eventsourcing PostgreSQL datastore (its pool keeps the parts as keywords)."""
    parts = {k: datastore.pool.kwargs.get(k) for k in ("dbname", "host", "port", "user", "password")}
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})


def create_schema(conninfo: str, statements: Iterable[sql.Composable | str], schema: str | None = None) -> None:
    """Run the DDL statements in one transaction, under the schema lock: all or nothing, one creator at a time —
    unless Sigill's tables belong to another role than this one (``tables_owned_elsewhere``): then they are that
    owner's to create and change, and nothing is run."""
    with creating_tables(conninfo, schema) as cursor:
        for statement in statements if cursor is not None else ():
            cursor.execute(sql.SQL(statement) if isinstance(statement, str) else statement)


@contextmanager
def creating_tables(conninfo: str, schema: str | None) -> Iterator[Any]:
    """Under the schema lock, the cursor to create and alter Sigill's tables with — or None when they belong to
    another role (``tables_owned_elsewhere``): then they are that owner's to make, and this role makes nothing.
    DDL run in the block (on this cursor, or on another connection while the lock is held) that is refused for
    want of rights says what to run (``refused_as_not_set_up``)."""
    with schema_lock(conninfo) as cursor:
        if tables_owned_elsewhere(cursor, schema):
            yield None
            return
        with refused_as_not_set_up(cursor):
            yield cursor


EVENTS_TABLE = "sigill_events"   # the event store's table: made first, and by the tables' owner


def tables_owned_elsewhere(cursor: Any, schema: str | None) -> bool:
    """Whether Sigill's tables in ``schema`` (None: the connection's current schema) belong to a role whose rights
    this one does not have: a deployment that keeps the tables' owner apart from the role the application runs as
    (``deploy/README.md``), so that the application cannot disable the append-only triggers.  Such an application
    creates and alters nothing: `sigill database setup`, run as the owner, does."""
    row = cursor.execute(
        "SELECT NOT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c"
        " WHERE c.oid = to_regclass(format('%%I.%%I', coalesce(%s, current_schema()), %s::text))",
        (schema or None, EVENTS_TABLE)).fetchone()
    return bool(row and row[0])


@contextmanager
def refused_as_not_set_up(cursor: Any) -> Iterator[None]:
    """DDL refused for want of rights: the tables are not there and this role may not make them — one line that
    says what to do, not the server's message about a schema."""
    try:
        yield
    except Exception as error:
        # eventsourcing's recorders raise their own error, with psycopg's as its cause.
        refused = next((e for e in (error, error.__cause__) if isinstance(e, psycopg.errors.InsufficientPrivilege)),
                       None)
        if refused is None:
            raise
        from services.settings import ConfigurationError

        role = cursor.connection.info.user
        raise ConfigurationError(
            f"the database role {role!r} may not create Sigill's tables ({refused.diag.message_primary}): run"
            f" `sigill database setup --app-role {role}` as the role that is to own them (deploy/README.md)"
        ) from None
