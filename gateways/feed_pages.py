"""The agency feeds' reads: the disclosure log read as messages, a page of a feed at a time, or a batch's rows as
they were just written.

A mixin of ``PostgresAgencyViewStore`` (the same tables, connection pool and key store), beside
``gateways.feed_store``, which numbers the log's rows in their feeds: the views write the disclosure log, the feeds
read it.  Content is unsealed here only for the agency it was sealed for.  The secret that keys the ids and its
generation are ``gateways.feed_ids``'.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable, NamedTuple, Sequence
from uuid import UUID

from psycopg.sql import SQL

from gateways.feed_ids import FeedIds, Ids
from gateways.feed_store import WrittenLog
from gateways.sealing import unseal
from projections.agency_feed import ERASURE_FACT, FeedMessage, agency_of, event_id
from projections.shown_facts import shown_content
from services.ports import FeedsRebuilding, KeyStore

# A page of a feed — only what a message needs — and, in the same round trip (one snapshot), whether a build of the
# views from the first event is under way (then no row: ``FeedsRebuilding``), the numbering's epoch, and the ids'
# generation (a renewal another process made is seen at the next page: ``see_generation``; the page's cursor is held
# to it, ``services.feeds.FeedReader.page``).  A number to read after counts only in the epoch given with it (NULL:
# whichever is stored): a cursor of another numbering (a rebuild since) reads from the beginning of this one — the
# epoch judged with the rows, so a rebuild committed between the two cannot mix them (until 2026-12-05 the epoch
# was read first, in a round trip of its own).  One row with NULLs when the page is empty.
FEED_ROWS = (
    "SELECT b.building, b.epoch, b.id_generation, d.* FROM (SELECT EXISTS (SELECT 1 FROM {s}.view_rules WHERE"
    " building_to IS NOT NULL) AS building, s.epoch, s.id_generation FROM {s}.feed_state s) b LEFT JOIN LATERAL"
    " (SELECT seq, case_id, fact_id, kind, category, change, basis, at, event_id, notification_id"
    " FROM {s}.disclosure_log WHERE feed = %s AND seq > CASE WHEN b.epoch = coalesce(%s, b.epoch) THEN %s ELSE 0 END"
    " ORDER BY seq LIMIT %s) d ON NOT b.building ORDER BY d.seq")


# Reads of a page again when the ids were renewed between its read and its naming (at most; then it is refused as
# the rebuild the renewal is part of): one renewal is rare, two in a row while one page is read are not expected.
RENEWED_WHILE_READ = 3


class FeedRows(NamedTuple):
    """A page of one feed as ``feed_page`` reads it: the numbering's epoch, the ids' generation its messages are
    named in, and the messages."""

    epoch: str
    generation: str
    messages: list[FeedMessage]


def view_where(case_id: UUID | str, agency: str, fact_id: str) -> bytes:
    """What a fact's content in an agency's view is sealed to: its case, agency and fact (the feed reads it there)."""
    return f"{case_id}/{agency}/{fact_id}".encode()


class FeedPages(FeedIds):
    """The feeds' reads on the view store's tables (needs ``keystore``, ``_s``, ``_rows``, ``withheld_by_calendar``
    and ``_lead``)."""

    keystore: KeyStore
    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]
    # The case lists' (CaseListQueries): which (case, agency) pairs the calendar withholds now.
    withheld_by_calendar: Callable[[set[tuple[UUID, str]], datetime], set[tuple[UUID, str]]]
    _lead: Callable[[], str]   # the lead agency, known once ``FeedQueries.prepare_feeds`` ran
    told_of_erasure: Callable[[str, set[UUID]], set[UUID]]   # ``gateways.feed_store``'s

    def feed(self, feed: str, after: int = 0, limit: int = 500, now: datetime | None = None) -> list[FeedMessage]:
        """The feed's messages numbered after ``after`` in the numbering stored now (``feed_page``)."""
        return self.feed_page(feed, None, after, limit, now).messages

    def feed_page(self, feed: str, epoch: str | None, after: int = 0, limit: int = 500,
                  now: datetime | None = None) -> FeedRows:
        """The numbering's epoch, the ids' generation, and the feed's messages numbered after ``after`` — a number
        of ``epoch``'s (None: of whichever is stored): one of another epoch reads from the first message — in
        order, with content as its agency may see it; the epoch, the ids' generation and the messages read in one
        snapshot, and the messages named by that generation's ids.

        ``feed`` is an agency's id, or for the lead agency ``<agency>.<municipality>`` (``feed_of``).
        A case whose key has been destroyed keeps its messages, marked erased, without content, kind or category.
        A fact the agency no longer sees now (its last change is an end: a withdrawal, a lapse, leaving the group)
        keeps its messages without them too: reading the feed again is a disclosure now, and nothing is disclosed
        under a consent after it ends (a kind and category can say as much as content: member.joined/health).
        Given ``now``, the feed stops short before the first message of a case whose calendar moment (a consent's
        end, an 18th birthday) concerning the agency has come but is not recorded yet: until the keeper has recorded
        it, what it ends cannot be told from what it leaves, so nothing of that case may be shown — and a message
        sent without its content then is never sent again, so it waits (``held_back``)."""
        for _ in range(RENEWED_WHILE_READ):
            rows = self._rows(SQL(FEED_ROWS).format(s=self._s), (feed, epoch, after, limit))
            stored = rows[0]["id_generation"]
            self.see_generation(stored)   # its messages are of the ids as they are stored now
            ids = self.ids_now()
            if ids.generation == stored:
                break
            # Renewed after the rows were read, and the new ids already taken up (here, or by another thread): the
            # rows' event ids are the old secret's, and the page would have named them the new generation's.
        else:
            raise FeedsRebuilding()   # renewed at every read: the renewals' rebuild is under way
        if rows[0]["building"]:
            raise FeedsRebuilding()
        return FeedRows(rows[0]["epoch"], ids.generation, self._messages(feed, rows, now, ids))

    def _messages(self, feed: str, rows: list[dict[str, Any]], now: datetime | None, ids: Ids) -> list[FeedMessage]:
        """``feed_page``'s messages, of its rows (one of NULLs when there are none)."""
        agency, _ = agency_of(feed)
        rows = [r for r in rows if r["seq"] is not None]
        if now is not None:
            due = self.withheld_by_calendar({(r["case_id"], agency) for r in rows if r["change"] != "erased"}, now)
            rows = held_back(rows, lambda r: r["change"] != "erased" and (r["case_id"], agency) in due)
        visible = self._visible_now(agency, {(r["case_id"], r["fact_id"]) for r in rows if r["change"] != "erased"})
        keys: dict[UUID, bytes | None] = {}
        for case_id in dict.fromkeys(r["case_id"] for r in rows):
            keys[case_id] = self.keystore.data_key(case_id, create=False)
        # An erased case reads as erased only to an agency told of it: to one that held nothing of it any more, its
        # messages read as before (``record_erasures``).
        told = self.told_of_erasure(agency, {c for c, key in keys.items() if key is None})
        messages = []
        for r in rows:
            case_id = r["case_id"]
            key = keys[case_id]
            eid = r["event_id"] or event_id(ids.secret, case_id, r["notification_id"], agency, r["fact_id"],
                                            r["change"], 0)
            content = None
            sealed = visible.get((case_id, r["fact_id"]))
            if key is not None and sealed is not None and r["change"] == "disclosed":
                plain = unseal(key, sealed, view_where(case_id, agency, r["fact_id"]))
                content = shown_content(r["kind"], json.loads(plain), lead=agency == self._lead())
            message = FeedMessage(
                seq=r["seq"], feed=feed, event_id=eid, case_id=case_id, agency=agency,
                fact_id=_public_name(ids, case_id, r["fact_id"], r["change"]), kind=r["kind"],
                category=r["category"], change=r["change"], basis=r["basis"], at=r["at"],
                content=content, erased=case_id in told or r["change"] == "erased",
                id_generation=ids.generation)
            seen = r["change"] == "erased" or (key is not None and sealed is not None)
            messages.append(message if seen else message.withheld())
        return messages

    def feeds_building(self) -> bool:
        """Whether the views are being built from the first event (a rebuild, or the first build over events already
        stored) and have not yet reached where they were going: a fact visible at the position the build has
        reached may long since have ended, so no feed may be read or published from them (``FeedsRebuilding``)."""
        return bool(self._rows(SQL("SELECT 1 FROM {}.view_rules WHERE building_to IS NOT NULL").format(self._s), ()))

    def written_messages(self, logs: Sequence[WrittenLog], now: datetime | None = None) -> list[FeedMessage]:
        """The messages of log rows just committed, as ``feed`` would read them back now: the same fields, and
        content (kind and category too) only for a fact whose last change among these rows shows it.  Rows are
        taken in the order given, which must be commit order; a fact ended by a later commit not among them is
        still sent with content, as it would have been had it been read a moment earlier — its ``ended`` follows.
        Given ``now``, a feed's messages stop before the first of a case whose calendar moment has come and is not
        recorded yet, as in ``feed``: a follower that was down over a consent's last day catches up its earlier
        events before the calendar's round records the end.  The publisher then reads that feed from the store,
        where it waits for the keeper.  A build's rows are none of them: they are published from the stored feeds
        once it is done, and carry no plaintext (``WrittenLog.building``)."""
        ids = self.ids_now()   # one generation for every message of the call
        logs = [log for log in logs if not log.building and log.generation in (None, ids.generation)]
        last: dict[tuple, str] = {}
        for log in logs:
            for row in log.rows:
                last[(row[-2], row[0], row[2])] = row[5]
        pairs = {(case_id, agency_of(feed)[0]) for feed, case_id, _ in last}
        due = self.withheld_by_calendar(pairs, now) if now is not None else set()
        held: set[str] = set()   # feeds that wait at a case the calendar holds back
        messages = []
        for log in logs:
            for row, plain in zip(log.rows, log.plains):
                case_id, agency, fact_id, change, feed = row[0], row[1], row[2], row[5], row[-2]
                if feed in held or (change != "erased" and (case_id, agency) in due):
                    held.add(feed)
                    continue
                seen = change == "erased" or (last[(feed, case_id, fact_id)] != "ended" and case_id not in log.keyless)
                message = FeedMessage(
                    seq=row[-1], feed=feed, event_id=UUID(bytes=bytes(row[9])), case_id=case_id, agency=agency,
                    fact_id=_public_name(ids, case_id, fact_id, change), kind=row[3], category=row[4],
                    change=change, basis=json.loads(row[6][1:]), at=row[7],
                    content=shown_content(row[3], json.loads(plain), lead=agency == self._lead())
                    if plain is not None and seen else None,
                    erased=change == "erased" or case_id in log.keyless, id_generation=ids.generation)
                messages.append(message if seen else message.withheld())
        return messages

    def _visible_now(self, agency: str, facts: set[tuple[UUID, str]]) -> dict[tuple[UUID, str], bytes]:
        """Which of these (case, fact) pairs the agency sees now, each with its content as the view seals it:
        those in its view, whose facts are written in the same transaction as the log rows that start and end
        them (a fact whose last change was an end is not there).  Looked up pair by pair in the view's key: the
        log, or a case's facts, grow with every change."""
        if not facts:
            return {}
        cases, fact_ids = zip(*facts)
        query = ("SELECT v.case_id, v.fact_id, v.content FROM unnest(%s::uuid[], %s::text[]) AS f (case_id, fact_id)"
                 " JOIN {s}.view_facts v ON v.agency = %s AND v.case_id = f.case_id AND v.fact_id = f.fact_id")
        rows = self._rows(SQL(query).format(s=self._s), (list(cases), list(fact_ids), agency))
        return {(r["case_id"], r["fact_id"]): bytes(r["content"]) for r in rows}


def held_back(rows: list, holds: Callable[[Any], bool]) -> list:
    """The rows before the first that ``holds``: a feed is read in order and may skip nothing, so a message the
    calendar holds back (its case's moment has come, unrecorded) holds back every message after it too — briefly:
    the keeper records a moment within a minute of it, and the follower is woken for it at once."""
    for index, row in enumerate(rows):
        if holds(row):
            return rows[:index]
    return rows


def _public_name(ids: Ids, case_id: UUID, fact_id: str, change: str) -> str:
    """What a message calls the fact: its public id (the stored one counts the case's events)."""
    return ERASURE_FACT if change == "erased" else ids.facts(case_id, fact_id)
