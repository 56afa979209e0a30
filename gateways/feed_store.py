"""The agency feeds' queries: the disclosure log read as messages, publication positions, erasures.

A mixin of ``PostgresAgencyViewStore`` (the same tables, connection pool and key store): the views write
the disclosure log, the feeds read it.  Content is unsealed here only for the agency it was sealed for.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from psycopg.sql import SQL, Identifier

from gateways.sealing import unseal
from projections.agency_feed import ERASURE_BASIS, ERASURE_FACT, ERASURE_KIND, FeedMessage, erasure_event_id, event_id
from services.ports import KeyStore

# A position never moves back: two publishers at once only repeat messages, which dedup by event id absorbs.
ADVANCE = ("INSERT INTO {s}.feed_publication VALUES (%s, %s) ON CONFLICT (agency) DO UPDATE"
           " SET last_id = greatest(feed_publication.last_id, excluded.last_id)")


def feed_where(case_id: UUID | str, agency: str, eid: UUID | str) -> bytes:
    """What a feed message's content is sealed to: its case, agency and event id."""
    return f"feed/{case_id}/{agency}/{eid}".encode()


class FeedQueries:
    """The feed's reads and writes on the view store's tables (needs ``datastore``, ``keystore``, ``_s``, ``_rows``)."""

    datastore: Any
    keystore: KeyStore
    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]

    def feed(self, agency: str, after: int = 0, limit: int = 500) -> list[FeedMessage]:
        """The agency's disclosure log after the cursor ``after``, in order, with content as it may see it.

        A case whose key has been destroyed keeps its messages, without content and marked erased.  A fact the
        agency no longer sees now (its last change is an end: a withdrawal, a lapse, leaving the group) keeps its
        messages without content: reading the feed again is a disclosure now, and nothing is disclosed under a
        consent after it ends."""
        rows = self._rows(SQL("SELECT * FROM {}.disclosure_log WHERE agency = %s AND id > %s ORDER BY id LIMIT %s")
                          .format(self._s), (agency, after, limit))
        visible = self._visible_now(agency, {(r["case_id"], r["fact_id"]) for r in rows if r["content"] is not None})
        keys: dict[UUID, bytes | None] = {}
        messages = []
        for r in rows:
            case_id = r["case_id"]
            if case_id not in keys:
                keys[case_id] = self.keystore.data_key(case_id, create=False)
            key = keys[case_id]
            eid = r["event_id"] or event_id(case_id, r["notification_id"], agency, r["fact_id"], r["change"], 0)
            content = None
            if key is not None and r["content"] is not None and (case_id, r["fact_id"]) in visible:
                content = json.loads(unseal(key, bytes(r["content"]), feed_where(case_id, agency, eid)))
            messages.append(FeedMessage(
                id=r["id"], event_id=eid, case_id=case_id, agency=agency, fact_id=r["fact_id"], kind=r["kind"],
                category=r["category"], change=r["change"], basis=r["basis"], at=r["at"],
                notification_id=r["notification_id"], content=content,
                erased=key is None or r["change"] == "erased"))  # another process may still cache the key
        return messages

    def _visible_now(self, agency: str, facts: set[tuple[UUID, str]]) -> set[tuple[UUID, str]]:
        """Which of these (case, fact) pairs the agency sees now: those in its view, whose facts are written in
        the same transaction as the log rows that start and end them (a fact whose last change was an end is
        not there).  Looked up pair by pair in the view's key: the log, or a case's facts, grow with every change."""
        if not facts:
            return set()
        cases, fact_ids = zip(*facts)
        rows = self._rows(SQL("SELECT v.case_id, v.fact_id FROM unnest(%s::uuid[], %s::text[]) AS f (case_id, fact_id)"
                              " JOIN {}.view_facts v ON v.agency = %s AND v.case_id = f.case_id"
                              " AND v.fact_id = f.fact_id").format(self._s), (list(cases), list(fact_ids), agency))
        return {(r["case_id"], r["fact_id"]) for r in rows}

    def case_municipality(self, case_id: UUID) -> str | None:
        """The municipality the case was referred in, erased or not; None for a case the views never referred."""
        rows = self._rows(SQL("SELECT municipality FROM {}.case_municipality WHERE case_id = %s").format(self._s),
                          (case_id,))
        return rows[0]["municipality"] if rows else None

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
            curs.execute(SQL(ADVANCE).format(s=self._s), (agency, last_id))

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
            curs.executemany(SQL(ADVANCE).format(s=self._s), sorted(positions.items()))

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
