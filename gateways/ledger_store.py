"""The ledger's tables and every query on them (and the read of the events table it verifies)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import ContextManager, Generator, Iterator
from uuid import UUID

import psycopg
from psycopg import sql

from gateways.append_only import append_only_ddl
from gateways.read_snapshot import ReadSnapshot
from gateways.schema_lock import create_schema
from services.ledger import Checkpoint, LedgerEntry, StoredRow
from services.settings import no_such_schema

FETCH = 20_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS {ledger} (
    notification_id bigint PRIMARY KEY,
    originator_id uuid NOT NULL,
    originator_version integer NOT NULL,
    link bytea NOT NULL);
-- An auditor's every read of a case first checks the case's entries: found by this index, not a scan of the
-- whole ledger (31 ms at a million events, growing with the ledger).
CREATE INDEX IF NOT EXISTS {by_case} ON {ledger} (originator_id, notification_id);
CREATE TABLE IF NOT EXISTS {checkpoints} (
    notification_id bigint PRIMARY KEY,
    link bytea NOT NULL,
    signed_at timestamptz NOT NULL,
    public_key bytea NOT NULL,
    signature bytea NOT NULL);
""" + append_only_ddl("the audit ledger is append-only", "ledger", "checkpoints")


class NoLedger(LookupError):
    """The database has no ledger tables: nothing to verify there."""


class PostgresLedgerStore:
    def __init__(self, conninfo: str, *, schema: str = "public", events_table: str = "sigill_events",
                 create: bool = True, snapshot: ReadSnapshot | None = None) -> None:
        """``create=False``: only read an existing ledger — what a verifier with a read-only role does; its
        ``snapshot``, if given, is where verify reads (the ledger's existence, its checkpoints, the walk): the
        moment the verifier's other checks read too."""
        self.conninfo, self._snapshot = conninfo, snapshot
        self._events = sql.Identifier(schema, events_table)
        self._ledger = sql.Identifier(schema, "sigill_ledger")
        self._checkpoints = sql.Identifier(schema, "sigill_ledger_checkpoints")
        if create:
            create_schema(conninfo, [sql.SQL(SCHEMA).format(ledger=self._ledger, checkpoints=self._checkpoints,
                                                            by_case=sql.Identifier("sigill_ledger_by_case"),
                                                            # in Sigill's schema, not the first on the search path
                                                            refuse=sql.Identifier(schema, "sigill_ledger_is_append_only"))],
                          schema, creator="sigill_ledger")
        else:
            self._check_exists(schema)

    def _check_exists(self, schema: str) -> None:
        names = [f"{schema}.{table}" for table in ("sigill_ledger", "sigill_ledger_checkpoints")]
        with self._reading() as conn:
            schema_found, found = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s),"
                " to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL", [schema, *names]).fetchone()
        if not schema_found:   # a mistyped SIGILL_DB_SCHEMA: say so, as every other command does
            raise NoLedger(no_such_schema(schema))
        if not found:
            raise NoLedger(self._elsewhere(schema) or (
                "this database holds no Sigill ledger (is it Sigill's database? a new installation has"
                " one once `sigill database setup` — where the tables' owner is kept apart — or"
                " `sigill serve` or `sigill audit seal` has run)"))

    def _elsewhere(self, schema: str) -> str | None:
        """The line for a ledger in another schema: a supervisor given the URL alone, on an installation whose
        tables have a schema of their own, was told the database held none, as if it were the wrong one.  The
        catalogue names it to any role, one without USAGE on that schema too."""
        with self._reading() as conn:
            rows = conn.execute("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                " WHERE c.relname = 'sigill_ledger' AND n.nspname <> %s ORDER BY 1 LIMIT 2",
                                [schema]).fetchall()
        if len(rows) != 1 or not rows[0][0].isidentifier():   # none, several, or a name not to print as it is
            return None
        found = rows[0][0]
        return (f'this database holds Sigill\'s ledger in schema "{found}", not "{schema}": set'
                f" SIGILL_DB_SCHEMA={found}, the schema the installation's tables are in")

    def _reading(self) -> ContextManager[psycopg.Connection]:
        """A connection for a verifier's read: the snapshot's (left open), or one of its own."""
        return nullcontext(self._snapshot.conn) if self._snapshot else psycopg.connect(self.conninfo)

    def head(self) -> LedgerEntry | None:
        with psycopg.connect(self.conninfo) as conn:
            row = conn.execute(sql.SQL("SELECT notification_id, originator_id, originator_version, link FROM {}"
                                       " ORDER BY notification_id DESC LIMIT 1").format(self._ledger)).fetchone()
        return None if row is None else LedgerEntry(row[0], row[1], row[2], bytes(row[3]))

    def events_after(self, notification_id: int) -> Iterator[list[StoredRow]]:
        """Stored events after ``notification_id``, in batches, in notification order."""
        with psycopg.connect(self.conninfo) as conn, conn.cursor(name="sigill_seal") as cursor:
            cursor.execute(sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
                                   " WHERE notification_id > %s ORDER BY notification_id").format(self._events),
                           (notification_id,))
            while batch := cursor.fetchmany(FETCH):
                yield [StoredRow(r[0], r[1], r[2], r[3], bytes(r[4])) for r in batch]

    def append(self, entries: list[LedgerEntry], checkpoint: Checkpoint | None) -> None:
        """Entries and their checkpoint in one transaction: a crash leaves neither."""
        with psycopg.connect(self.conninfo) as conn, conn.transaction(), conn.cursor() as cursor:
            with cursor.copy(sql.SQL("COPY {} (notification_id, originator_id, originator_version, link)"
                                     " FROM STDIN").format(self._ledger)) as copy:
                for e in entries:
                    copy.write_row((e.notification_id, e.originator_id, e.originator_version, e.link))
            if checkpoint is not None:
                cursor.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s)").format(self._checkpoints),
                               (checkpoint.notification_id, checkpoint.link, checkpoint.signed_at,
                                checkpoint.public_key, checkpoint.signature))

    def checkpoints(self) -> list[Checkpoint]:
        with self._reading() as conn:
            rows = conn.execute(sql.SQL("SELECT * FROM {} ORDER BY notification_id").format(self._checkpoints))
            return [Checkpoint(r[0], bytes(r[1]), r[2], bytes(r[3]), bytes(r[4])) for r in rows]

    def pairs(self) -> Generator[tuple, None, None]:
        """Events and ledger entries joined on notification id, in order, streamed (see ledger.Pair).

        Two ordered index scans on two connections, merged here: the server reads both in parallel,
        which is twice as fast as a FULL OUTER JOIN on 2 cores.
        """
        events = sql.SQL("SELECT notification_id, uuid_send(originator_id), originator_version, topic, state"
                         " FROM {} ORDER BY notification_id").format(self._events)
        ledger = sql.SQL("SELECT notification_id, uuid_send(originator_id), originator_version, link"
                         " FROM {} ORDER BY notification_id").format(self._ledger)
        with self._reading() as one, (self._snapshot.beside() if self._snapshot else psycopg.connect(self.conninfo)
                                      ) as two:
            with one.cursor(name="sigill_events", binary=True) as e, two.cursor(name="sigill_ledger", binary=True) as l:
                e.execute(events)
                l.execute(ledger)
                yield from merge(_stream(e), _stream(l))


    def topic_of(self, originator_id: UUID) -> str | None:
        """The topic of any event still stored for the aggregate (None: it has none left)."""
        with self._reading() as conn:
            row = conn.execute(sql.SQL("SELECT topic FROM {} WHERE originator_id = %s LIMIT 1").format(self._events),
                               (originator_id,)).fetchone()
            return row[0] if row else None

    def case_pairs(self, case_id: UUID) -> tuple[list[tuple], int, list[tuple]]:
        """One case's events and ledger entries joined on notification id, in order, each with the ledger entry
        before it (position, link); the ledger's last notification id; and after the case's last entry, each entry
        whose position does not follow on from the entry before it, joined with the event stored there, with that
        entry before it (see ``ledger.verify_case``).  The case's entries are found by the index by case; the gaps
        by one scan of the ledger's positions after the case's last entry — the primary key's index alone, no
        link or event read but at a gap (a position skipped by a transaction rolled back, or an entry removed); and
        the first checkpoint beyond the ledger's last entry, as the entry after a gap there (the ledger's end cut)."""
        events = sql.SQL("SELECT notification_id, uuid_send(originator_id), originator_version, topic, state"
                         " FROM {} WHERE originator_id = %s ORDER BY notification_id").format(self._events)
        before = sql.SQL("LEFT JOIN LATERAL (SELECT notification_id, link FROM {ledger}"
                         " WHERE notification_id < l.notification_id ORDER BY notification_id DESC LIMIT 1) p ON true"
                         ).format(ledger=self._ledger)
        ledger = sql.SQL(
            "SELECT l.notification_id, uuid_send(l.originator_id), l.originator_version, l.link,"
            " p.notification_id, p.link FROM {ledger} l {before}"
            " WHERE l.originator_id = %s ORDER BY l.notification_id").format(ledger=self._ledger, before=before)
        gap_positions = sql.SQL(
            "SELECT notification_id FROM (SELECT notification_id, lag(notification_id) OVER (ORDER BY notification_id)"
            " AS before_id FROM {ledger} WHERE notification_id >= %s) g WHERE notification_id > before_id + 1"
            ).format(ledger=self._ledger)
        gaps = sql.SQL(
            "SELECT e.notification_id, uuid_send(e.originator_id), e.originator_version, e.topic, e.state,"
            " l.notification_id, uuid_send(l.originator_id), l.originator_version, l.link, p.notification_id, p.link"
            " FROM {ledger} l {before} LEFT JOIN {events} e ON e.notification_id = l.notification_id"
            " WHERE l.notification_id = ANY(%s) ORDER BY l.notification_id"
            ).format(ledger=self._ledger, before=before, events=self._events)
        # The ledger's end cut off under a checkpoint signed beyond it: no link follows the cut to break, but the
        # checkpoint names the position its entry had (and its hash), as if the next entry; the event there, if any
        # is left, never matches it (an entry of no aggregate), so the case is refused as for a gap.
        cut = sql.SQL(
            "SELECT e.notification_id, uuid_send(e.originator_id), e.originator_version, e.topic, e.state,"
            " c.notification_id, NULL::bytea, NULL::integer, c.link, h.notification_id, h.link"
            " FROM {checkpoints} c JOIN {ledger} h ON h.notification_id = %s"
            " LEFT JOIN {events} e ON e.notification_id = c.notification_id"
            " WHERE c.notification_id > %s ORDER BY c.notification_id LIMIT 1"
            ).format(checkpoints=self._checkpoints, ledger=self._ledger, events=self._events)
        with psycopg.connect(self.conninfo) as conn:
            # One snapshot for the reads: a seal committed between them (the follower seals every
            # second) made an event just sealed look slipped in, or one just stored look removed.
            conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
            stored = [tuple(r) for r in conn.execute(events, (case_id,), binary=True)]
            entries = conn.execute(ledger, (case_id,), binary=True).fetchall()
            head = conn.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(self._ledger)
                                ).fetchone()[0]
            at_gaps = [] if not entries else [r[0] for r in conn.execute(gap_positions, (entries[-1][0],))]
            after = conn.execute(gaps, (at_gaps,), binary=True).fetchall() if at_gaps else []
            after += conn.execute(cut, (head, head), binary=True).fetchall() if entries else []
        before_of = {e[0]: None if e[4] is None else (e[4], bytes(e[5])) for e in entries}
        pairs = merge(iter(stored), iter(tuple(e[:4]) for e in entries))
        return ([(p, before_of.get(p[5]) if p[5] is not None else None) for p in pairs], head,
                [((*g[:4], None if g[4] is None else bytes(g[4]), *g[5:8], bytes(g[8])), (g[9], bytes(g[10])))
                 for g in after])


def _stream(cursor: psycopg.ServerCursor) -> Iterator[tuple]:
    while batch := cursor.fetchmany(FETCH):
        yield from batch


NO_EVENT, NO_ENTRY = (None,) * 5, (None,) * 4


def merge(events: Iterator[tuple], entries: Iterator[tuple]) -> Iterator[tuple]:
    """Full outer merge of two streams ordered by their first column (the notification id)."""
    event, entry = next(events, None), next(entries, None)
    while event is not None or entry is not None:
        if entry is None or (event is not None and event[0] < entry[0]):
            yield event + NO_ENTRY
            event = next(events, None)
        elif event is None or entry[0] < event[0]:
            yield NO_EVENT + entry
            entry = next(entries, None)
        else:
            yield event + entry
            event, entry = next(events, None), next(entries, None)
