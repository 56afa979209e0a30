"""The agency views' tables, every query on them, and their tracking position — one transaction a batch.

Fact content holds personal data, so it is sealed under the case's own data
key (destroying the key erases the views too); ids, kinds, categories,
bases and times are not personal and stay queryable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from domain.disclosure import Basis
from gateways.sealing import seal, unseal
from projections.agency_feed import (ERASURE_BASIS, ERASURE_FACT, ERASURE_KIND, FeedMessage, erasure_event_id,
                                     event_id)
from projections.agency_views import CaseSummary, ViewUpdate
from services.ports import KeyStore

TABLES = [
    "CREATE TABLE IF NOT EXISTS {s}.view_facts (agency text NOT NULL, case_id uuid NOT NULL, fact_id text NOT NULL,"
    " version integer NOT NULL, kind text NOT NULL, category text NOT NULL, origin text NOT NULL,"
    " recorded_at timestamptz NOT NULL, visible_since timestamptz, basis jsonb NOT NULL,"
    " content bytea NOT NULL, PRIMARY KEY (agency, case_id, fact_id))",
    "CREATE TABLE IF NOT EXISTS {s}.view_cases (agency text NOT NULL, case_id uuid NOT NULL, case_number text,"
    " phase text, next_meeting date, plan_revision integer, facts integer NOT NULL, consents_in_force integer,"
    " next_consent_end date, PRIMARY KEY (agency, case_id))",
    "CREATE TABLE IF NOT EXISTS {s}.disclosure_log (id bigserial PRIMARY KEY, case_id uuid NOT NULL,"
    " agency text NOT NULL, fact_id text NOT NULL, kind text NOT NULL, category text NOT NULL,"
    " change text NOT NULL, basis jsonb NOT NULL, at timestamptz NOT NULL, notification_id bigint NOT NULL)",
    "ALTER TABLE {s}.view_cases ADD COLUMN IF NOT EXISTS next_calendar_moment timestamptz",
    "ALTER TABLE {s}.view_facts ALTER COLUMN visible_since DROP NOT NULL",
    "CREATE INDEX IF NOT EXISTS disclosure_log_by_case ON {s}.disclosure_log (case_id, agency, id)",
    "CREATE INDEX IF NOT EXISTS disclosure_log_by_agency ON {s}.disclosure_log (agency, id)",
    # The feed: a 'disclosed' row carries the fact as the agency sees it, sealed under the case key.
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS event_id uuid",
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS content bytea",
    "CREATE TABLE IF NOT EXISTS {s}.feed_publication (agency text PRIMARY KEY, last_id bigint NOT NULL)",
]
# Facts are COPYed into a session-local staging table and merged in one statement: far fewer round trips
# than one upsert per row.  A NULL visible_since keeps the stored one (a change of basis only).
STAGE = "CREATE TEMP TABLE IF NOT EXISTS staged_facts (LIKE {s}.view_facts) ON COMMIT DELETE ROWS"
MERGE_FACTS = (
    "INSERT INTO {s}.view_facts SELECT * FROM staged_facts"
    " ON CONFLICT (agency, case_id, fact_id) DO UPDATE SET basis = excluded.basis, content = excluded.content,"
    " visible_since = coalesce(excluded.visible_since, view_facts.visible_since)")
DELETE_FACTS = (
    "DELETE FROM {s}.view_facts v USING unnest(%s::text[], %s::uuid[], %s::text[]) AS g(agency, case_id, fact_id)"
    " WHERE v.agency = g.agency AND v.case_id = g.case_id AND v.fact_id = g.fact_id")
SUMMARY_COLUMNS = ("case_number", "phase", "next_meeting", "plan_revision", "facts", "consents_in_force",
                   "next_consent_end", "next_calendar_moment")


@dataclass(frozen=True)
class StoredFact:
    case_id: UUID
    fact_id: str
    version: int
    kind: str
    category: str
    origin: str
    recorded_at: datetime
    visible_since: datetime
    basis: Basis
    content: dict[str, Any]


class PostgresAgencyViewStore(PostgresTrackingRecorder):
    """Created by the eventsourcing factory (``tracking_recorder(PostgresAgencyViewStore)``)."""

    keystore: KeyStore

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._s = Identifier(self.datastore.schema)
        self.sql_create_statements.extend(SQL(t).format(s=self._s) for t in TABLES)

    def create_table(self) -> None:
        from gateways.schema_lock import conninfo_of, schema_lock  # here: the rest of this module is another's

        with schema_lock(conninfo_of(self.datastore)):  # another process may be creating them right now
            super().create_table()

    def close(self) -> None:
        """Close the connection pool."""
        self.datastore.close()

    # -- writing -----------------------------------------------------------------

    def apply(self, update: ViewUpdate, tracking: Tracking) -> None:
        """Write a batch's changes and its tracking position atomically: all or nothing, exactly once."""
        facts, gone = self._fact_rows(update)
        with self.datastore.transaction(commit=True) as curs:
            for case_id in update.erased:
                for table in ("view_facts", "view_cases"):
                    curs.execute(SQL("DELETE FROM {}.{} WHERE case_id = %s").format(self._s, Identifier(table)),
                                 (case_id,))
            if facts:
                curs.execute(SQL(STAGE).format(s=self._s))
                with curs.copy("COPY staged_facts FROM STDIN") as copy:
                    for row in facts:
                        copy.write_row(row)
                curs.execute(SQL(MERGE_FACTS).format(s=self._s))
            if gone:
                curs.execute(SQL(DELETE_FACTS).format(s=self._s), [list(column) for column in zip(*gone)])
            self._write_summaries(curs, update.summaries)
            self._write_log(curs, update)
            self._insert_tracking(curs, tracking)

    def clear(self, application_name: str) -> None:
        """Empty the views and forget the position, so that they are rebuilt from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("TRUNCATE {s}.view_facts, {s}.view_cases, {s}.disclosure_log").format(s=self._s))
            curs.execute(SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                self._s, Identifier(self.tracking_table_name)), (application_name,))

    def _fact_rows(self, update: ViewUpdate) -> tuple[list[tuple], list[tuple]]:
        facts, gone = [], []
        contents: dict[tuple[UUID, str], bytes] = {}  # one JSON text per fact, sealed once per agency
        for (case_id, agency, fact_id), shown in update.final_facts().items():
            if case_id in update.erased:
                continue
            if shown is None:
                gone.append((agency, case_id, fact_id))
                continue
            disclosure, since = shown
            key = self.keystore.data_key(case_id, create=False)
            if key is None:
                continue  # erased meanwhile: nothing of it may be written again
            f = disclosure.fact
            plain = contents.get((case_id, fact_id))
            if plain is None:
                plain = contents[(case_id, fact_id)] = json.dumps(f.content, default=_json).encode()
            facts.append((agency, case_id, fact_id, f.version, f.kind, f.category, f.origin, f.recorded_at,
                          since, _basis_json(disclosure.basis), seal(key, plain, _where(case_id, agency, fact_id))))
        return facts, gone

    def _write_summaries(self, curs: Any, summaries: dict[tuple[str, UUID], CaseSummary | None]) -> None:
        gone = [key for key, summary in summaries.items() if summary is None]
        rows = [(agency, case_id, *(getattr(s, c) for c in SUMMARY_COLUMNS))
                for (agency, case_id), s in summaries.items() if s is not None]
        if gone:
            curs.executemany(SQL("DELETE FROM {}.view_cases WHERE agency = %s AND case_id = %s").format(self._s), gone)
        if rows:
            updates = ", ".join(f"{c} = excluded.{c}" for c in SUMMARY_COLUMNS)
            curs.executemany(SQL("INSERT INTO {}.view_cases VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                                 " ON CONFLICT (agency, case_id) DO UPDATE SET " + updates).format(self._s), rows)

    def _write_log(self, curs: Any, update: ViewUpdate) -> None:
        if not update.log:
            return
        occurrences: dict[tuple, int] = {}
        keys: dict[UUID, bytes | None] = {}
        plain: dict[tuple[UUID, str], bytes] = {}
        with curs.copy(SQL("COPY {}.disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at,"
                           " notification_id, event_id, content) FROM STDIN").format(self._s)) as copy:
            for case_id, c, position in update.log:
                f = c.fact
                same = (case_id, position, c.agency, f.fact_id, c.change)
                occurrences[same] = occurrence = occurrences.get(same, -1) + 1
                eid = event_id(case_id, position, c.agency, f.fact_id, c.change, occurrence)
                content = None
                if c.change == "disclosed":
                    if case_id not in keys:
                        keys[case_id] = self.keystore.data_key(case_id, create=False)
                    key = keys[case_id]
                    if key is not None:  # erased meanwhile: nothing of it may be written again
                        text = plain.get((case_id, f.fact_id))
                        if text is None:
                            text = plain[(case_id, f.fact_id)] = json.dumps(f.content, default=_json).encode()
                        content = seal(key, text, _feed_where(case_id, c.agency, eid))
                copy.write_row((case_id, c.agency, f.fact_id, f.kind, f.category, c.change, _basis_json(c.basis),
                                c.at, position, eid, content))

    # -- reading -------------------------------------------------------------------

    def cases(self, agency: str) -> list[dict[str, Any]]:
        return self._rows(SQL("SELECT * FROM {}.view_cases WHERE agency = %s ORDER BY case_number, case_id")
                          .format(self._s), (agency,))

    def due_for_calendar(self, lead: str, now: datetime) -> list[UUID]:
        """Cases whose next calendar moment has come (the lead agency's list covers every case)."""
        rows = self._rows(SQL("SELECT case_id FROM {}.view_cases WHERE agency = %s AND next_calendar_moment <= %s"
                              " ORDER BY next_calendar_moment").format(self._s), (lead, now))
        return [r["case_id"] for r in rows]

    def facts(self, agency: str, case_id: UUID) -> list[StoredFact]:
        rows = self._rows(SQL("SELECT * FROM {}.view_facts WHERE agency = %s AND case_id = %s"
                              " ORDER BY version, fact_id").format(self._s), (agency, case_id))
        key = self.keystore.data_key(case_id, create=False)
        if key is None:
            return []
        return [StoredFact(r["case_id"], r["fact_id"], r["version"], r["kind"], r["category"], r["origin"],
                           r["recorded_at"], r["visible_since"], _unbasis(r["basis"]),
                           json.loads(unseal(key, bytes(r["content"]), _where(case_id, agency, r["fact_id"]))))
                for r in rows]

    def disclosure_log(self, case_id: UUID | None = None, agency: str | None = None) -> list[dict[str, Any]]:
        conditions, params = [], []
        for column, value in (("case_id", case_id), ("agency", agency)):
            if value is not None:
                conditions.append(SQL(column + " = %s"))
                params.append(value)
        where = SQL(" WHERE ") + SQL(" AND ").join(conditions) if conditions else SQL("")
        return self._rows(SQL("SELECT * FROM {}.disclosure_log").format(self._s) + where + SQL(" ORDER BY id"),
                          tuple(params))

    # -- the feed ------------------------------------------------------------------

    def feed(self, agency: str, after: int = 0, limit: int = 500) -> list[FeedMessage]:
        """The agency's disclosure log after the cursor ``after``, in order, with content as it may see it.

        A case whose key has been destroyed keeps its messages, without content and marked erased."""
        rows = self._rows(SQL("SELECT * FROM {}.disclosure_log WHERE agency = %s AND id > %s ORDER BY id LIMIT %s")
                          .format(self._s), (agency, after, limit))
        keys: dict[UUID, bytes | None] = {}
        messages = []
        for r in rows:
            case_id = r["case_id"]
            if case_id not in keys:
                keys[case_id] = self.keystore.data_key(case_id, create=False)
            key = keys[case_id]
            eid = r["event_id"] or event_id(case_id, r["notification_id"], agency, r["fact_id"], r["change"], 0)
            content = None
            if key is not None and r["content"] is not None:
                content = json.loads(unseal(key, bytes(r["content"]), _feed_where(case_id, agency, eid)))
            messages.append(FeedMessage(
                id=r["id"], event_id=eid, case_id=case_id, agency=agency, fact_id=r["fact_id"], kind=r["kind"],
                category=r["category"], change=r["change"], basis=r["basis"], at=r["at"],
                notification_id=r["notification_id"], content=content,
                erased=key is None or r["change"] == "erased"))  # another process may still cache the key
        return messages

    def feed_head(self) -> int:
        """The newest disclosure-log id (0 when empty): whether there is anything to publish."""
        rows = self._rows(SQL("SELECT coalesce(max(id), 0) AS head FROM {}.disclosure_log").format(self._s), ())
        return rows[0]["head"]

    def publication_positions(self) -> dict[str, int]:
        """Per agency, the last disclosure-log id published to (and acknowledged by) the broker."""
        rows = self._rows(SQL("SELECT agency, last_id FROM {}.feed_publication").format(self._s), ())
        return {r["agency"]: r["last_id"] for r in rows}

    def advance_publication(self, agency: str, last_id: int) -> None:
        """Record what the broker acknowledged; never moves back (two publishers at once only repeat)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {s}.feed_publication VALUES (%s, %s) ON CONFLICT (agency) DO UPDATE"
                             " SET last_id = greatest(feed_publication.last_id, excluded.last_id)")
                         .format(s=self._s), (agency, last_id))

    def feed_agencies(self, after: int) -> set[str]:
        """The agencies with disclosure-log rows after ``after``: which feeds a round must read at all."""
        rows = self._rows(SQL("SELECT DISTINCT agency FROM {}.disclosure_log WHERE id > %s").format(self._s), (after,))
        return {r["agency"] for r in rows}

    def advance_publications(self, positions: dict[str, int]) -> None:
        """``advance_publication`` for many agencies in one transaction, not waiting for the disk.

        A position lost in a crash only means those messages are sent again — with the same event ids —
        which the publisher promises anyway; so the commit need not wait for its WAL flush."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SET LOCAL synchronous_commit TO off")
            curs.executemany(SQL("INSERT INTO {s}.feed_publication VALUES (%s, %s) ON CONFLICT (agency) DO UPDATE"
                                 " SET last_id = greatest(feed_publication.last_id, excluded.last_id)")
                             .format(s=self._s), sorted(positions.items()))

    def record_erasures(self, keys_table: str = "sigill_data_keys") -> int:
        """Append one 'erased' message for each agency that received anything of a case whose key is destroyed.

        Erasure destroys a key in the key store (``keys_table``, beside these tables); it is no event, so
        it is noticed here.  The table lock keeps ids in commit order: a reader at cursor N never has a
        lower id committed behind it."""
        unseen = SQL(
            "SELECT d.case_id, d.agency, max(d.notification_id) AS notification_id, k.destroyed_at"
            " FROM {s}.{k} k JOIN {s}.disclosure_log d ON d.case_id = k.aggregate_id"
            " WHERE k.wrapped_key IS NULL AND NOT EXISTS (SELECT 1 FROM {s}.disclosure_log e"
            "  WHERE e.case_id = d.case_id AND e.agency = d.agency AND e.change = 'erased')"
            " GROUP BY d.case_id, d.agency, k.destroyed_at ORDER BY k.destroyed_at, d.case_id, d.agency"
        ).format(s=self._s, k=Identifier(keys_table))
        if not self._rows(unseen, ()):
            return 0  # the usual answer, found without holding up the views
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("LOCK TABLE {}.disclosure_log IN SHARE ROW EXCLUSIVE MODE").format(self._s))
            rows = curs.execute(unseen).fetchall()
            with curs.copy(SQL("COPY {}.disclosure_log (case_id, agency, fact_id, kind, category, change, basis,"
                               " at, notification_id, event_id) FROM STDIN").format(self._s)) as copy:
                for r in rows:
                    copy.write_row((r["case_id"], r["agency"], ERASURE_FACT, ERASURE_KIND, "case", "erased",
                                    json.dumps(ERASURE_BASIS), r["destroyed_at"] or datetime.now().astimezone(),
                                    r["notification_id"], erasure_event_id(r["case_id"], r["agency"])))
        return len(rows)

    def reset_publication(self, agency: str | None = None) -> None:
        """Forget the publication position (all agencies, or one): everything is published again."""
        with self.datastore.transaction(commit=True) as curs:
            if agency is None:
                curs.execute(SQL("DELETE FROM {}.feed_publication").format(self._s))
            else:
                curs.execute(SQL("DELETE FROM {}.feed_publication WHERE agency = %s").format(self._s), (agency,))

    def _rows(self, query: Any, params: tuple) -> list[dict[str, Any]]:
        with self.datastore.get_connection() as conn:
            return list(conn.execute(query, params).fetchall())


def _where(case_id: UUID, agency: str, fact_id: str) -> bytes:
    return f"{case_id}/{agency}/{fact_id}".encode()


def _feed_where(case_id: UUID, agency: str, eid: UUID) -> bytes:
    return f"feed/{case_id}/{agency}/{eid}".encode()


@lru_cache(maxsize=4096)
def _basis_json(basis: Basis) -> str:
    return json.dumps({"kind": basis.kind, "consent_ids": list(basis.consent_ids), "legal_basis": basis.legal_basis})


def _unbasis(data: dict[str, Any]) -> Basis:
    return Basis(data["kind"], tuple(data["consent_ids"]), data["legal_basis"])


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
