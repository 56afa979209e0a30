"""The agency feeds' numbering and bookkeeping: feed sequences, publication positions, erasures, and the cases'
municipalities the feeds are named by.

A mixin of ``PostgresAgencyViewStore`` (the same tables and connection pool): the views write the disclosure log,
the feeds read it (``gateways.feed_pages``).  The secret that keys the ids, its generation and the numbering's
epoch are ``gateways.feed_ids``'.

Every log row belongs to one feed — its agency in its case's municipality (``feed_of``) — and gets, when it is
written, the next number of that feed (``seq``: 1, 2, 3 … with no gaps). Cursors and positions are those
numbers, never the log's own id, which is shared by every agency and so counts what the others received.
Writers hold the log's lock, so a per-feed counter (``feed_sequence``) read and moved in their transaction is
gapless and follows commit order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence
from uuid import UUID

from psycopg.sql import SQL, Identifier

from gateways.feed_ids import FEED_STATE_TABLES, FeedIds
from projections.agency_feed import ERASURE_BASIS, ERASURE_FACT, ERASURE_KIND, erasure_event_id, feed_of

# The auditors' record of what each agency's topic received: one row per message the broker acknowledged, written
# with the positions it moves (``advance_publications``), never before the acknowledgement.  Ids and positions only
# — a case's random id, a fact's public id, the message's event id, feed number, topic, partition and offset — so
# nothing in it is personal data.  Unlike the bookkeeping tables it outlives a rebuild (what was delivered stays
# delivered: ``epoch`` says which numbering ``seq`` counts in) and refuses UPDATE, DELETE and TRUNCATE.
DELIVERIES_TABLE = [
    "CREATE TABLE IF NOT EXISTS {s}.feed_deliveries (id bigserial PRIMARY KEY,"
    " acknowledged_at timestamptz NOT NULL, feed text NOT NULL, agency text NOT NULL, epoch text NOT NULL,"
    " seq bigint NOT NULL, event_id uuid NOT NULL, case_id uuid NOT NULL, fact_id text NOT NULL,"
    " topic text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS feed_deliveries_by_case ON {s}.feed_deliveries (case_id, agency, id)",
    "CREATE INDEX IF NOT EXISTS feed_deliveries_by_agency ON {s}.feed_deliveries (agency, id)",
    "CREATE OR REPLACE FUNCTION {s}.sigill_feed_deliveries_are_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION 'the record of feed deliveries is append-only'; END $$",
    "DROP TRIGGER IF EXISTS append_only ON {s}.feed_deliveries",
    "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {s}.feed_deliveries"
    " FOR EACH ROW EXECUTE FUNCTION {s}.sigill_feed_deliveries_are_append_only()",
    "DROP TRIGGER IF EXISTS no_truncate ON {s}.feed_deliveries",
    "CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {s}.feed_deliveries"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_feed_deliveries_are_append_only()",
]
RECORD_DELIVERIES = (
    "INSERT INTO {s}.feed_deliveries (acknowledged_at, feed, agency, epoch, seq, event_id, case_id, fact_id, topic,"
    " kafka_partition, kafka_offset) SELECT d.at, d.feed, split_part(d.feed, '.', 1), d.epoch, d.seq, d.event_id,"
    " d.case_id, d.fact_id, d.topic, d.part, d.off FROM unnest(%s::timestamptz[], %s::text[], %s::text[],"
    " %s::bigint[], %s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::integer[], %s::bigint[])"
    " WITH ORDINALITY AS d (at, feed, epoch, seq, event_id, case_id, fact_id, topic, part, off, n) ORDER BY d.n")
FEED_TABLES = [
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS feed text",
    "ALTER TABLE {s}.disclosure_log ADD COLUMN IF NOT EXISTS seq bigint",
    "CREATE UNIQUE INDEX IF NOT EXISTS disclosure_log_by_feed ON {s}.disclosure_log (feed, seq)",
    # Feeds were read by agency and log id: that index would now only cost every insert.
    "DROP INDEX IF EXISTS {s}.disclosure_log_by_agency",
    # Empty once every row is numbered: finding rows written before feeds were numbered costs nothing.
    "CREATE INDEX IF NOT EXISTS disclosure_log_unnumbered ON {s}.disclosure_log (id) WHERE seq IS NULL",
    "CREATE TABLE IF NOT EXISTS {s}.feed_sequence (feed text PRIMARY KEY, last_seq bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.feed_positions (feed text PRIMARY KEY, last_seq bigint NOT NULL)",
    *FEED_STATE_TABLES,  # the secret that keys the ids, its generation, the numbering's epoch
    # The erased cases whose telling is done in this numbering (``record_erasures``): emptied by a rebuild with the
    # log, so that each new numbering tells them again.  Bookkeeping, not a record: a row lost only makes the next
    # round decide its case again, which tells no one twice (the log's own 'erased' rows say who was told).
    "CREATE TABLE IF NOT EXISTS {s}.erasures_told (case_id uuid PRIMARY KEY)",
    *DELIVERIES_TABLE,
]
# Whether an agency still holds something of a case — a fact whose last change to it, in the newest log that holds
# the fact (today's, else the latest a rebuild replaced: an erased case's history no longer reads), is no end: its
# own fact, what a law carries to it, or what a consent in force covers.  Only such an agency is told the case was
# erased.  One whose every fact ended (a withdrawal, a lapse, leaving the group) holds nothing to delete, and the
# erasure's time, the retention period after the case's last entry, would tell it that the case lived on after the
# consent ended, and until when (red team hR4, 2026-12-07).  ``{case}`` and ``{agency}``: the correlated columns.
HOLDS_SOMETHING = (
    "EXISTS (SELECT 1 FROM (SELECT DISTINCT ON (r.fact_id) r.change FROM ("
    " SELECT fact_id, change, 9223372036854775807 AS rank, id FROM {{s}}.disclosure_log"
    "  WHERE case_id = {case} AND agency = {agency} AND change <> 'erased' UNION ALL"
    " SELECT fact_id, change, replacement, id FROM {{s}}.replaced_disclosure_log"
    "  WHERE case_id = {case} AND agency = {agency} AND change <> 'erased') r"
    " ORDER BY r.fact_id, r.rank DESC, r.id DESC) l WHERE l.change <> 'ended')")
# The erased cases a round is still to decide: each once a numbering.  Once a round has told every agency that holds
# something of a case, nothing of it changes again: its key is destroyed, and the views' writers leave its rows out
# under the log's lock, which the round holds too (``PostgresAgencyViewStore._erased_since``).
UNDECIDED = ("SELECT k.aggregate_id AS case_id, k.destroyed_at FROM {s}.{k} k WHERE k.wrapped_key IS NULL"
             " AND NOT EXISTS (SELECT 1 FROM {s}.erasures_told t WHERE t.case_id = k.aggregate_id)")
# A position never moves back, and one computed in an older epoch (before a rebuild) is dropped: two
# publishers at once only repeat messages, which dedup by event id absorbs.
ADVANCE = ("INSERT INTO {s}.feed_positions SELECT %s, %s FROM {s}.feed_state WHERE epoch = %s"
           " ON CONFLICT (feed) DO UPDATE SET last_seq = greatest(feed_positions.last_seq, excluded.last_seq)")
MOVE_COUNTERS = ("INSERT INTO {s}.feed_sequence SELECT * FROM unnest(%s::text[], %s::bigint[])"
                 " ON CONFLICT (feed) DO UPDATE SET last_seq = excluded.last_seq")
# Databases built before feeds were numbered: number their rows in log order, feed by feed, after anything
# numbered already; and turn each agency's old position (a log id) into its feeds' positions.
NUMBER_OLD_ROWS = (
    "WITH named AS (SELECT d.id, CASE WHEN m.municipality IS NOT NULL"
    "   THEN d.agency || '.' || m.municipality ELSE d.agency END AS feed"
    "  FROM {s}.disclosure_log d LEFT JOIN {s}.case_municipality m ON m.case_id = d.case_id WHERE d.seq IS NULL),"
    " numbered AS (SELECT n.id, n.feed, coalesce(c.last_seq, 0) + row_number() OVER (PARTITION BY n.feed"
    "   ORDER BY n.id) AS seq FROM named n LEFT JOIN {s}.feed_sequence c ON c.feed = n.feed)"
    " UPDATE {s}.disclosure_log d SET feed = n.feed, seq = n.seq FROM numbered n WHERE d.id = n.id")
COUNT_FEEDS = ("INSERT INTO {s}.feed_sequence SELECT feed, max(seq) FROM {s}.disclosure_log GROUP BY feed"
               " ON CONFLICT (feed) DO UPDATE SET last_seq = excluded.last_seq")
OLD_POSITIONS = ("INSERT INTO {s}.feed_positions SELECT d.feed, max(d.seq) FROM {s}.feed_publication p"
                 " JOIN {s}.disclosure_log d ON d.agency = p.agency AND d.id <= p.last_id GROUP BY d.feed"
                 " ON CONFLICT (feed) DO UPDATE SET last_seq = greatest(feed_positions.last_seq, excluded.last_seq)")


@dataclass(frozen=True)
class WrittenLog:
    """A batch's disclosure-log rows as its transaction committed them (each with its feed and number), and
    beside each the content it discloses, in plaintext: what the publisher sends without reading it back."""

    rows: list[list]                 # case_id, agency, fact_id, kind, category, change, basis, at, notification
    plains: list[bytes | None]       # id, event id, content (None: the view holds it), cause, feed, seq
    keyless: frozenset[UUID] = frozenset()  # cases among them whose key is destroyed (erased)
    epoch: str | None = None                # the numbering's epoch (a rebuild starts another)
    # Written while the views were built from the first event: its rows judge "seen now" at the replay's position,
    # so they are never published as they are (the publisher reads the stored feeds once the build is done), and
    # carry no plaintext (``plains`` all None).
    building: bool = False
    # The ids' generation its event ids were made under (None: no log rows, or not known): its messages are named
    # by it, and are not sent once the ids are renewed (the renewal emptied the log they were in; its rebuild
    # publishes the feeds anew, under the new ids).
    generation: str | None = None


def _delivery_columns(delivered: Sequence[Any]) -> tuple[list, ...]:
    """``RECORD_DELIVERIES``' arrays, one per column."""
    return ([d.receipt.acknowledged_at for d in delivered], [d.feed for d in delivered],
            [d.epoch for d in delivered], [d.seq for d in delivered], [d.event_id for d in delivered],
            [d.case_id for d in delivered], [d.fact_id for d in delivered], [d.receipt.topic for d in delivered],
            [d.receipt.partition for d in delivered], [d.receipt.offset for d in delivered])


def _cases_of(rows: list[list]) -> set[UUID]:
    """The cases of log rows (case id first), each hashed once a run: a UUID's hash is computed in Python."""
    cases, last = set(), None
    for row in rows:
        if row[0] is not last:
            last = row[0]
            cases.add(last)
    return cases


class FeedQueries(FeedIds):
    """The feeds' numbering, publication positions and erasures on the view store's tables (needs ``datastore``,
    ``_s``, ``_rows``)."""

    datastore: Any
    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]
    lead_agency: str | None = None  # the case lists' owner of every case: set by ``prepare_feeds``

    # -- setting up ------------------------------------------------------------------

    def prepare_feeds(self, lead_agency: str) -> None:
        """Know the lead agency, and number the log rows of a database built before feeds were numbered."""
        self.lead_agency = lead_agency
        old = SQL("SELECT EXISTS (SELECT 1 FROM {s}.disclosure_log WHERE seq IS NULL) AS unnumbered,"
                  " to_regclass(%s) IS NOT NULL AS old_positions").format(s=self._s)
        old_table = f'"{self.datastore.schema}".feed_publication' if self.datastore.schema else "feed_publication"
        state = self._rows(old, (old_table,))[0]
        if not (state["unnumbered"] or state["old_positions"]):
            return  # the usual answer: one indexed look
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("LOCK TABLE {}.disclosure_log IN SHARE ROW EXCLUSIVE MODE").format(self._s))
            curs.execute(SQL(NUMBER_OLD_ROWS).format(s=self._s))
            curs.execute(SQL(COUNT_FEEDS).format(s=self._s))
            if curs.execute(SQL("SELECT to_regclass(%s) IS NOT NULL AS found"), (old_table,)).fetchone()["found"]:
                curs.execute(SQL(OLD_POSITIONS).format(s=self._s))
                curs.execute(SQL("DROP TABLE {}.feed_publication").format(self._s))

    # -- numbering (inside a writer's transaction, under the log's lock) ---------------

    def _number(self, curs: Any, rows: list[list], known: dict[UUID, str]) -> str:
        """Give each row (case id and agency first, feed and number last) its feed and the next number in it.

        Called under the log's lock, so the numbers are gapless and follow commit order; three statements
        however many rows.  A feed is its agency's in its case's municipality: ``known`` holds the
        municipalities of cases referred in this very transaction, the rest are looked up once.  Returns the
        numbering's epoch.  (A small batch is numbered the same way inside the database:
        ``gateways.view_rows_json``.)"""
        places = dict(known)
        wanted = list(_cases_of(rows) - places.keys())
        if wanted:
            curs.execute(SQL("SELECT case_id, municipality FROM {}.case_municipality WHERE case_id = ANY(%s)")
                         .format(self._s), (wanted,))
            places.update((r["case_id"], r["municipality"]) for r in curs.fetchall())
        found = curs.execute(SQL("SELECT s.epoch, c.feed, c.last_seq FROM {s}.feed_state s"
                                 " LEFT JOIN {s}.feed_sequence c ON true").format(s=self._s)).fetchall()  # a row a feed
        counters = {r["feed"]: r["last_seq"] for r in found if r["feed"] is not None}
        moved: dict[str, int] = {}
        named: dict[str | None, dict[str, str]] = {}  # per place, each agency's feed: a name made once a batch
        case, place, feeds = None, None, {}
        for row in rows:
            if row[0] is not case:  # rows come in runs of one case: look its place up once a run
                case, place = row[0], places.get(row[0])
                feeds = named.setdefault(place, {})
            feed = feeds.get(row[1])
            if feed is None:
                feed = feeds[row[1]] = feed_of(row[1], place)
            moved[feed] = row[-1] = (moved.get(feed) or counters.get(feed, 0)) + 1
            row[-2] = feed
        curs.execute(SQL(MOVE_COUNTERS).format(s=self._s), (list(moved), list(moved.values())))
        return found[0]["epoch"]

    def _lead(self) -> str:
        if self.lead_agency is None:
            raise RuntimeError("the view store does not know the lead agency: call prepare_feeds() first")
        return self.lead_agency

    # -- municipalities ----------------------------------------------------------------

    def case_municipality(self, case_id: UUID) -> str | None:
        """The municipality the case was referred in, erased or not; None for a case the views never referred."""
        rows = self._rows(SQL("SELECT municipality FROM {}.case_municipality WHERE case_id = %s").format(self._s),
                          (case_id,))
        return rows[0]["municipality"] if rows else None

    def municipality_cases(self, municipality: str) -> list[UUID]:
        """Every case referred in the municipality that the views took in, erased ones too (the table keeps them)."""
        rows = self._rows(SQL("SELECT case_id FROM {}.case_municipality WHERE municipality = %s ORDER BY case_id")
                          .format(self._s), (municipality,))
        return [r["case_id"] for r in rows]

    # -- publication -------------------------------------------------------------------

    def feed_heads(self) -> tuple[str, dict[str, int]]:
        """The epoch, and every feed's last number: what there is to publish (one query of a small table).  The ids'
        generation is read with them (``see_generation``): each publisher round sees a renewal made elsewhere."""
        rows = self._rows(SQL("SELECT s.epoch, s.id_generation, c.feed, c.last_seq FROM {s}.feed_state s"
                              " LEFT JOIN {s}.feed_sequence c ON true").format(s=self._s), ())
        self.see_generation(rows[0]["id_generation"])
        return rows[0]["epoch"], {r["feed"]: r["last_seq"] for r in rows if r["feed"] is not None}

    def publication_positions(self) -> dict[str, int]:
        """Per feed, the last number published to (and acknowledged by) the broker."""
        rows = self._rows(SQL("SELECT feed, last_seq FROM {}.feed_positions").format(self._s), ())
        return {r["feed"]: r["last_seq"] for r in rows}

    def advance_publications(self, epoch: str, positions: dict[str, int], delivered: Sequence[Any] = ()) -> None:
        """Record what the broker acknowledged, in one transaction not waiting for the disk: the positions, and
        each message ``delivered`` (``services.feed_publisher.Delivery``) in the auditors' record.

        Positions never move back, and positions of an older ``epoch`` (the views were rebuilt meanwhile) are
        dropped.  A position lost in a crash only means those messages are sent again — with the same event
        ids — which the publisher promises anyway; so the commit need not wait for its WAL flush.  Their record
        is lost with it and written again with the new sending: the record has every delivery it holds, and
        misses none whose position moved."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SET LOCAL synchronous_commit TO off")
            if delivered:
                curs.execute(SQL(RECORD_DELIVERIES).format(s=self._s), _delivery_columns(delivered))
            curs.executemany(SQL(ADVANCE).format(s=self._s),
                             [(feed, seq, epoch) for feed, seq in sorted(positions.items())])

    def deliveries(self, case_id: UUID | None = None, agency: str | None = None, since: datetime | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
        """The auditors' record of Kafka deliveries, in the order recorded: per message the broker acknowledged,
        its feed, number, ids, topic, partition, offset and when."""
        conditions, params = [], []
        for condition, value in (("case_id = %s", case_id), ("agency = %s", agency),
                                 ("acknowledged_at >= %s", since), ("acknowledged_at <= %s", until)):
            if value is not None:
                conditions.append(condition)
                params.append(value)
        where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        return self._rows(SQL("SELECT * FROM {}.feed_deliveries" + where + " ORDER BY id").format(self._s),
                          tuple(params))

    def reset_publication(self, agency: str | None = None) -> None:
        """Forget the publication positions (all feeds, or one agency's): everything is published again."""
        with self.datastore.transaction(commit=True) as curs:
            if agency is None:
                curs.execute(SQL("DELETE FROM {}.feed_positions").format(self._s))
            else:
                curs.execute(SQL("DELETE FROM {}.feed_positions WHERE feed = %s OR feed LIKE %s").format(self._s),
                             (agency, agency + ".%"))

    # -- erasure -----------------------------------------------------------------------

    def told_of_erasure(self, agency: str, cases: set[UUID]) -> set[UUID]:
        """Which of these erased cases the agency is told were erased (``record_erasures``' rule): to the others,
        their messages read as before the erasure (``gateways.feed_pages``)."""
        if not cases:
            return set()
        query = SQL("SELECT c.case_id FROM unnest(%s::uuid[]) AS c (case_id), (VALUES (%s::text)) AS a (agency)"
                    " WHERE " + HOLDS_SOMETHING.format(case="c.case_id", agency="a.agency")).format(s=self._s)
        return {r["case_id"] for r in self._rows(query, (list(cases), agency))}

    def undecided_erasures(self, keys_table: str = "sigill_data_keys") -> set[UUID]:
        """The erased cases the next erasure round is to decide: those no round has told yet in this numbering."""
        query = SQL(UNDECIDED).format(s=self._s, k=Identifier(keys_table))
        return {r["case_id"] for r in self._rows(query, ())}

    def unseen_erasures(self, keys_table: str = "sigill_data_keys") -> Any:
        """The query of ``record_erasures``: each (case, agency) of an undecided erased case still to be told."""
        return SQL(
            "WITH undecided AS (" + UNDECIDED + ")"
            " SELECT c.* FROM (SELECT d.case_id, d.agency, max(d.notification_id) AS notification_id, k.destroyed_at"
            " FROM undecided k JOIN (SELECT case_id, agency, notification_id FROM {s}.disclosure_log UNION ALL"
            "  SELECT case_id, agency, notification_id FROM {s}.replaced_disclosure_log) d ON d.case_id = k.case_id"
            " WHERE NOT EXISTS (SELECT 1 FROM {s}.disclosure_log e"
            "  WHERE e.case_id = d.case_id AND e.agency = d.agency AND e.change = 'erased')"
            " GROUP BY d.case_id, d.agency, k.destroyed_at) c WHERE " + HOLDS_SOMETHING.format(case="c.case_id",
                                                                                    agency="c.agency") +
            " ORDER BY c.destroyed_at, c.case_id, c.agency"
        ).format(s=self._s, k=Identifier(keys_table))

    def record_erasures(self, keys_table: str = "sigill_data_keys") -> int:
        """Append one 'erased' message for each agency that received anything of a case whose key is destroyed.

        Erasure destroys a key in the key store (``keys_table``, beside these tables); it is no event, so
        it is noticed here.  The log's lock serialises it with the views' writers: each message takes the
        next number of its feed.  What an agency received is also in the logs rebuilds replaced: a rebuild
        leaves nothing of an erased case in the log (its history no longer reads), so an agency sent the case
        before is told here all the same — and in each new numbering again, for a consumer that starts over.
        Each erased case is decided once a numbering (``erasures_told``): a round with nothing new reads no log."""
        undecided = SQL("SELECT EXISTS (" + UNDECIDED + ") AS found").format(s=self._s, k=Identifier(keys_table))
        if not self._rows(undecided, ())[0]["found"]:
            return 0  # the usual answer, found without holding up the views
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("LOCK TABLE {}.disclosure_log IN SHARE ROW EXCLUSIVE MODE").format(self._s))
            # The cases this round decides, read before what it tells: a key destroyed by `sigill erase` while the
            # round runs (each statement reads what is committed when it starts) is left for the next round, never
            # marked decided untold.  The query below reads every case read here, and maybe a newer one.
            deciding = [r["case_id"] for r in curs.execute(
                SQL(UNDECIDED).format(s=self._s, k=Identifier(keys_table))).fetchall()]
            rows = curs.execute(self.unseen_erasures(keys_table)).fetchall()
            if rows:
                self._tell_erased(curs, rows)
            curs.execute(SQL("INSERT INTO {s}.erasures_told SELECT unnest(%s::uuid[]) ON CONFLICT DO NOTHING"
                             ).format(s=self._s), (deciding,))
        return len(rows)

    def _tell_erased(self, curs: Any, rows: list[dict[str, Any]]) -> None:
        """The 'erased' messages of the (case, agency) ``rows``, numbered in their feeds, and the cases gone from
        those agencies' views."""
        messages = [[r["case_id"], r["agency"], ERASURE_FACT, ERASURE_KIND, "case", "erased",
                     json.dumps(ERASURE_BASIS), r["destroyed_at"] or datetime.now().astimezone(),
                     r["notification_id"], erasure_event_id(r["case_id"], r["agency"]), None, None] for r in rows]
        self._number(curs, messages, {})
        with curs.copy(SQL("COPY {}.disclosure_log (case_id, agency, fact_id, kind, category, change, basis,"
                           " at, notification_id, event_id, feed, seq) FROM STDIN").format(self._s)) as copy:
            for message in messages:
                copy.write_row(message)
        self._forget_views_of(curs, rows)

    def _forget_views_of(self, curs: Any, erased: list[dict[str, Any]]) -> None:
        """An erased case leaves the agencies' views and case lists as it leaves their feeds: its facts' kinds and
        times, its case number, phase and next calendar moment (the 18th birthday) stayed there until a rebuild.
        Erasure is no event, so no batch of the views' would ever remove them.  By (agency, case): the tables'
        keys."""
        agencies, cases = [r["agency"] for r in erased], [r["case_id"] for r in erased]
        for table in ("view_facts", "view_cases"):
            curs.execute(SQL("DELETE FROM {}.{} v USING unnest(%s::text[], %s::uuid[]) AS e(agency, case_id)"
                             " WHERE v.agency = e.agency AND v.case_id = e.case_id")
                         .format(self._s, Identifier(table)), (agencies, cases))
