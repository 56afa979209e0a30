"""A new master key: every case's data key wrapped anew, in one transaction (``sigill database rotate-master-key``).

The data keys themselves do not change — the events stay as they are, and so does the audit ledger over them —
only their wrapping (RFC 3394) by the master key.  All of it or none commits: a rotation cut short leaves every
key under the old master key, and the command can simply be run again.  A key already under the new master key
(a rotation run before) is left as it is, so running it twice does no harm; a destroyed key stays destroyed.

While the rows are rewritten no process may make or read keys with the old master key: the rotation takes the
followers' lock (every `sigill serve` and `sigill follow` runs a follower), so it is refused while one works, and
a process starting meanwhile waits, then finds the new master key's check value and refuses the old key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from psycopg import sql

from gateways.follower_lock import lock_key
from gateways.keystore import CHECK_ID, KEYS_TABLE
from gateways.pg_errors import translated

BATCH = 5_000   # rows rewritten per statement (and per progress step)
RUN_AS_OWNER = ("run this as the role that owns Sigill's tables (the one `sigill database setup` ran as), in"
                " SIGILL_DATABASE_URL")


class RotationRefused(Exception):
    """The rotation cannot be made as things stand; the message says what to do.  Nothing was changed."""


@dataclass
class Rotation:
    """What a rotation did (or, refused, would have found)."""

    rewrapped: int = 0          # cases' keys that were under the previous master key, now under the new one
    already: int = 0            # cases' keys under the new master key already (a rotation run before)
    destroyed: int = 0          # keys destroyed by an erasure: nothing to wrap
    damaged: list[UUID] = field(default_factory=list)   # cases' rows neither key unwraps: left as they are
    # The master key's check value (``keystore.CHECK_ID``'s row) is wrapped anew with the keys and counted apart:
    # counted among them, an operator read "3 datanycklar" for two cases (and a damaged one, a case to restore).
    check_opened: bool = False  # it was under either master key
    check_damaged: bool = False  # it was under neither: left as it is


def rewrap(wrapped: bytes, previous: bytes, new: bytes) -> tuple[str, bytes | None]:
    """``("already", None)``, ``("rewrapped", the key wrapped by new)`` or ``("damaged", None)``."""
    if _opened(new, wrapped) is not None:
        return "already", None
    key = _opened(previous, wrapped)
    return ("damaged", None) if key is None else ("rewrapped", aes_key_wrap(new, key))


def _opened(master: bytes, wrapped: bytes) -> bytes | None:
    try:
        return aes_key_unwrap(master, wrapped)
    except (InvalidUnwrap, ValueError):
        return None


def rotate(conninfo: str, schema: str, previous: bytes, new: bytes,
           progress: Callable[[int, int], None] = lambda done, total: None, lock_wait: float = 10.0) -> Rotation:
    """Every data key in ``schema`` wrapped by ``new``, from ``previous``, in one transaction.  ``lock_wait``:
    seconds to wait for the key table's lock (an open transaction reading it — a backup, a forgotten session —
    holds it off) before giving up with nothing changed."""
    if previous == new:
        raise RotationRefused("SIGILL_PREVIOUS_MASTER_KEY is SIGILL_MASTER_KEY: set SIGILL_MASTER_KEY to the new key"
                              " (`sigill new-master-key`) and SIGILL_PREVIOUS_MASTER_KEY to the one in use")
    table = sql.Identifier(schema, KEYS_TABLE)
    with translated(), psycopg.connect(conninfo) as conn:
        if not conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table.as_string(conn),)).fetchone()[0]:
            raise RotationRefused(f"no data keys in the schema {schema} of this database: nothing to rotate"
                                  " (SIGILL_DATABASE_URL, SIGILL_DB_SCHEMA)")
        _take_the_followers_place(conn, schema)
        # No key made or destroyed meanwhile, nor read: a process starting would check its master key against the
        # rows from before the commit, start with the old key and make new cases' keys under it.
        conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(lock_wait * 1000)}ms")))
        try:
            conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(table))
        except psycopg.errors.InsufficientPrivilege:   # translated, it would read as a database out of reach
            raise RotationRefused(f"{conn.info.user!r} may not change the data keys' table: {RUN_AS_OWNER}") from None
        except psycopg.errors.LockNotAvailable:   # it waited without a word for as long as the other ran
            raise RotationRefused(f"another transaction has held the data keys' table for {lock_wait:g} s (a backup"
                                  " running, or a session left open): nothing changed; run this again once it has"
                                  " ended (pg_stat_activity shows it)") from None
        conn.execute("SET LOCAL lock_timeout = 0")   # held now: the rotation itself may take its time
        kept = _set_aside_keys_kept(conn, table)
        rows = conn.execute(sql.SQL("SELECT aggregate_id, wrapped_key FROM {} ORDER BY aggregate_id")
                            .format(table)).fetchall()
        done = Rotation(destroyed=sum(1 for _, w in rows if w is None))
        wrapped = [(a, bytes(w)) for a, w in rows if w is not None and a != CHECK_ID]
        check = [(a, bytes(w)) for a, w in rows if w is not None and a == CHECK_ID]
        if check:
            checked = Rotation()
            _rewrap_batch(conn, table, check, previous, new, checked)
            done.check_opened, done.check_damaged = bool(checked.rewrapped or checked.already), bool(checked.damaged)
        for start in range(0, len(wrapped), BATCH):
            _rewrap_batch(conn, table, wrapped[start:start + BATCH], previous, new, done)
            progress(min(start + BATCH, len(wrapped)), len(wrapped))
        if (wrapped or check) and not done.rewrapped and not done.already and not done.check_opened:
            # rolled back as the exception leaves
            raise RotationRefused("neither SIGILL_PREVIOUS_MASTER_KEY nor SIGILL_MASTER_KEY unwraps any stored data"
                                  " key: SIGILL_PREVIOUS_MASTER_KEY must be the master key in use; nothing changed")
        if kept:
            conn.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER kept").format(table))
    return done


def _take_the_followers_place(conn: psycopg.Connection, schema: str) -> None:
    """Hold the followers' lock until the rotation commits: refused while a follower works; one starting waits."""
    if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (lock_key(schema),)).fetchone()[0]:
        raise RotationRefused("a Sigill follower works on this database (`sigill serve` or `sigill follow` is"
                              " running): stop every Sigill process first — one that stays up keeps the old master"
                              " key (deploy/README.md, section 2)")


def _set_aside_keys_kept(conn: psycopg.Connection, table: sql.Identifier) -> bool:
    """Where the tables' owner is kept apart (`sigill database setup`), a trigger refuses every change of a data key
    but its destruction — a rewrap too, since the database cannot tell a key wrapped anew from one replaced.  Only
    the owner may set it aside, for this transaction alone; the application's role is told to run this as it."""
    present = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = 'kept'"
                           " AND NOT tgisinternal)", (table.as_string(conn),)).fetchone()[0]
    if not present:
        return False
    try:
        conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER kept").format(table))
    except psycopg.errors.InsufficientPrivilege:
        raise RotationRefused(f"{conn.info.user!r} does not own the data keys' table: {RUN_AS_OWNER}") from None
    return True


def _rewrap_batch(conn: psycopg.Connection, table: sql.Identifier, rows: list[tuple[UUID, bytes]], previous: bytes,
                  new: bytes, done: Rotation) -> None:
    ids, keys = [], []
    for aggregate_id, wrapped in rows:
        outcome, rewrapped = rewrap(wrapped, previous, new)
        if outcome == "rewrapped":
            ids.append(aggregate_id)
            keys.append(rewrapped)
            done.rewrapped += 1
        elif outcome == "already":
            done.already += 1
        else:
            done.damaged.append(aggregate_id)
    if ids:
        conn.execute(sql.SQL("UPDATE {} k SET wrapped_key = r.wrapped FROM unnest(%s::uuid[], %s::bytea[])"
                             " AS r(aggregate_id, wrapped) WHERE k.aggregate_id = r.aggregate_id").format(table),
                     (ids, keys))
