"""Table creation that is safe when several processes start at once, and costs a start nothing once it is done.

``CREATE TABLE IF NOT EXISTS`` is not atomic: two sessions can both find the
table missing, and the second then fails on the catalogue's unique index
(a duplicate type or relation).  Every store creates its tables through here,
under one transaction-level advisory lock: concurrent creators take turns,
the later ones find everything there, and the lock goes with the transaction
(no unlock to forget, none left behind by a crash).

Run again on tables already there, that DDL still locks them: ``ALTER TABLE … ADD COLUMN IF NOT EXISTS``,
``CREATE TRIGGER`` and the like take an ACCESS EXCLUSIVE lock even when they change nothing.  A start then waited
behind any long read of the tables, and a CLI run beside the server was seen to deadlock with the follower.  So each
creator's DDL, as rendered for its schema, is hashed, and the hash recorded in ``sigill_schema_stamps`` in the
transaction that ran it: a creator whose stamp matches runs none of it — one SELECT, no lock — and one whose DDL
changed (an upgrade) runs it once, under the lock, as before.  ``sigill database setup`` runs it whatever the stamps
say (``forcing_ddl``).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from hashlib import sha256
from typing import Any, Iterable, Iterator, Sequence

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


Statement = sql.Composable | str


def create_schema(conninfo: str, statements: Sequence[Statement], schema: str | None = None, *, creator: str,
                  every_start: Sequence[Statement] = ()) -> None:
    """Run the DDL statements in one transaction, under the schema lock: all or nothing, one creator at a time —
    unless ``creator``'s stamp says they were run already as they are, or Sigill's tables belong to another role
    than this one (``tables_owned_elsewhere``): then they are that owner's to create and change, and nothing is
    run.  ``every_start``: see ``creating_tables``."""
    with creating_tables(conninfo, schema, creator, statements, every_start) as cursor:
        for statement in statements if cursor is not None else ():
            cursor.execute(_composed(statement))


@contextmanager
def creating_tables(conninfo: str, schema: str | None, creator: str, ddl: Sequence[Statement],
                    every_start: Sequence[Statement] = ()) -> Iterator[Any]:
    """Under the schema lock, the cursor to run ``ddl`` on — the statements that create and alter ``creator``'s
    tables, all of them, as the block runs them (on this cursor, or on another connection while the lock is held)
    — or None when there is nothing to run: ``creator``'s stamp matches them (``sigill_schema_stamps``; no lock is
    taken then), or the tables belong to another role (``tables_owned_elsewhere``), the owner's to make.  Once the
    block has run them, the stamp is recorded in the lock's transaction.  DDL refused for want of rights says what
    to run (``refused_as_not_set_up``).

    ``every_start``: statements that are no DDL and must run at every start, whatever the stamp (a row a process of
    the version before may still write, say): after the DDL, in its transaction; or alone, with no lock, when the
    stamp matches.  Not where the tables are another role's and not current: as for the DDL, that is the setup's."""
    stamp = ddl_stamp(ddl)
    if not _forced.get() and _current(conninfo, schema, creator, stamp, every_start):
        yield None
        return
    with schema_lock(conninfo) as cursor:
        if tables_owned_elsewhere(cursor, schema):
            yield None
            return
        if not _forced.get() and stamp_of(cursor, schema, creator) == stamp:   # made while this one waited
            _run(cursor, every_start)
            yield None
            return
        with refused_as_not_set_up(cursor):
            yield cursor
            _run(cursor, every_start)
            cursor.execute(sql.SQL(STAMPS_TABLE).format(t=_stamps(schema)))
            cursor.execute(sql.SQL(RECORD_STAMP).format(t=_stamps(schema)), (creator, stamp))


# Each creator's DDL as last run in this schema: the SHA-256 of its statements' texts, rendered for the schema.
STAMPS = "sigill_schema_stamps"
STAMPS_TABLE = ("CREATE TABLE IF NOT EXISTS {t} (creator text PRIMARY KEY, ddl_sha256 text NOT NULL,"
                " stamped_at timestamptz NOT NULL DEFAULT now())")
RECORD_STAMP = ("INSERT INTO {t} (creator, ddl_sha256) VALUES (%s, %s) ON CONFLICT (creator)"
                " DO UPDATE SET ddl_sha256 = excluded.ddl_sha256, stamped_at = excluded.stamped_at")
# Whether the stamps' table is there and this role may read it (NULL: not there): the table is read only then, so
# that no start leaves an error in the server's log (a new database has none; an owner may not have granted it).
STAMPS_READABLE = ("SELECT has_table_privilege(c, 'SELECT') FROM"
                   " to_regclass(format('%%I.%%I', coalesce(%s, current_schema()), %s::text)) c")

_forced: ContextVar[bool] = ContextVar("sigill_ddl_forced", default=False)


@contextmanager
def forcing_ddl() -> Iterator[None]:
    """Within the block every creator runs its DDL whatever its stamp says, and stamps it again: what `sigill
    database setup` does, so that an operator can always bring the tables to what this version makes."""
    token = _forced.set(True)
    try:
        yield
    finally:
        _forced.reset(token)


def ddl_stamp(statements: Iterable[Statement]) -> str:
    """The SHA-256 of the statements' exact texts (identifiers rendered, so the schema's name is in them)."""
    texts = (statement if isinstance(statement, str) else statement.as_string() for statement in statements)
    return sha256("\n;\n".join(texts).encode()).hexdigest()


def stamp_of(cursor: Any, schema: str | None, creator: str) -> str | None:
    """``creator``'s stamp in the schema, or None: none recorded, no stamps' table, or not readable by this role."""
    return recorded_stamp(cursor, schema, creator) if stamps_readable(cursor, schema) else None


def stamps_readable(cursor: Any, schema: str | None) -> bool:
    """Whether the stamps' table is there and this role may read it (``STAMPS_READABLE``)."""
    readable = cursor.execute(STAMPS_READABLE, (schema or None, STAMPS)).fetchone()
    return bool(readable and readable[0])


def recorded_stamp(cursor: Any, schema: str | None, creator: str) -> str | None:
    """``creator``'s stamp, or None where none is recorded; asked only where ``stamps_readable``."""
    row = cursor.execute(sql.SQL("SELECT ddl_sha256 FROM {t} WHERE creator = %s").format(t=_stamps(schema)),
                         (creator,)).fetchone()
    return row[0] if row else None


def _current(conninfo: str, schema: str | None, creator: str, stamp: str, every_start: Sequence[Statement]) -> bool:
    """Whether ``creator``'s tables are as ``stamp`` says, read with no lock; if so, the every-start statements
    are run (in one transaction of their own)."""
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor() as cursor:
        if stamp_of(cursor, schema, creator) != stamp:
            return False
        with conn.transaction():
            _run(cursor, every_start)
        return True


def _run(cursor: Any, statements: Sequence[Statement]) -> None:
    for statement in statements:
        cursor.execute(_composed(statement))


def _composed(statement: Statement) -> sql.Composable:
    return sql.SQL(statement) if isinstance(statement, str) else statement


def _stamps(schema: str | None) -> sql.Identifier:
    return sql.Identifier(schema, STAMPS) if schema else sql.Identifier(STAMPS)


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
