"""The agency views' writes and reads, and their tracking position — one transaction a batch.

The tables themselves (what each holds, and their DDL) are ``gateways.view_tables``'; the reads of the facts and
of the stored log, ``gateways.view_queries``'.  The feeds' queries on the same tables are ``gateways.feed_pages``'
(the disclosure log read as messages) and ``gateways.feed_store``'s (numbering, publication positions, erasures);
the case lists' and the calendar keeper's are ``gateways.case_list_queries``'; what a batch's rows are sealed and
named with, ``gateways.batch_sealing``'s; a batch's rows as they go to the database (in one call, or by binary COPY),
``gateways.view_batch_rows``'; the rules and catalogue the views are built under, and emptying them for a rebuild,
``gateways.view_rules``'.

Fact content holds personal data, so it is sealed under the case's own data
key (destroying the key erases the views too); ids, kinds, categories,
bases and times are not personal and stay queryable.  It is kept once, in
the agency's view: the disclosure log holds none, and a feed message takes
its content from the view, where a fact is exactly while the agency sees it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.utils import retry
import psycopg
from psycopg.sql import SQL, Identifier

from gateways.batch_sealing import HALVES, NOT_VARIANT, NOT_VERSION, VARIANT, VERSION_8, BatchSealing, event_id_prefix
from gateways.build_finish import BuildFinish
from gateways.build_reads import BuildReads, notifications_of
from gateways.view_rows_json import (APPLY_VIEWS, ERASED_SINCE, LIST_CASES, MOVED_ON, OTHER_RULES, UNLIST_CASES,
                                     apply_views_arguments, rows_json)
from gateways.view_tables import STAGE, create_statements, every_start_statements
from gateways.case_list_queries import CaseListQueries
from gateways.feed_pages import FeedPages, view_where
from gateways.feed_store import FeedQueries, WrittenLog
from gateways.json_once import JsonbOnce
from gateways.keystore import KEYS_TABLE
from gateways.prepared_batch import PreparedBatch, cases_in, drop_cases, joined, portable
from gateways.replaced_log import ReplacedLogQueries
from gateways.view_rules import MIXED, NOTE_CATALOGUE, ViewRulesRecords, check_rules
from gateways.view_queries import ViewQueries
from gateways.view_batch_rows import FACT_TYPES, LOG_COLUMNS, LOG_TYPES, case_list_rows, copy_rows, small_batch
from domain.disclosure import RULES_VERSION
from projections.agency_views import ViewUpdate
from services.ports import KeyStore, ViewsMovedOn, ViewsUnderOtherRules


# Facts are COPYed into a session-local staging table (``view_tables.STAGE``) and merged in one statement: far
# fewer round trips than one upsert per row.  A NULL visible_since keeps the stored one (a change of basis only).
MERGE_FACTS = (
    "INSERT INTO {s}.view_facts SELECT * FROM staged_facts"
    " ON CONFLICT (agency, case_id, fact_id) DO UPDATE SET basis = excluded.basis, content = excluded.content,"
    " visible_since = coalesce(excluded.visible_since, view_facts.visible_since)")
# A case never moves, and a rebuild (which keeps this table) refers it again: the first row stays.
RECORD_MUNICIPALITIES = ("INSERT INTO {s}.case_municipality SELECT * FROM unnest(%s::uuid[], %s::text[])"
                         " ON CONFLICT (case_id) DO NOTHING")
# The keys go as one JSON text: psycopg dumps a list for an array element by element in Python, five times as slow.
DELETE_FACTS = ("DELETE FROM {s}.view_facts v USING json_array_elements(%s::json) AS g"
                " WHERE v.agency = g->>0 AND v.case_id = (g->>1)::uuid AND v.fact_id = g->>2")
# The views' position and the first notifications after it: one row with NULLs when there are none.
# With them, whether a build from the first event is under way (no feed is read) or unfinished (its ends are due):
# ``gateways.build_finish``, asked by every round so that any process catching up finishes a build another began.
# And the ids' generation: a round after another process renewed the ids writes event ids under the new secret.
# And the rules the views are built under: a process of another version judges nothing it may not write; and the
# catalogue (``NOTE_CATALOGUE``).
POSITION_AND_NEXT = (
    "SELECT t.position, t.building, t.unfinished, t.id_generation, t.rules_version, t.catalogue, e.notification_id,"
    " e.originator_id, e.originator_version, e.topic, e.state FROM (SELECT coalesce(max(notification_id), 0)"
    " AS position, (SELECT version FROM {s}.view_rules) AS rules_version,"
    " (SELECT catalogue FROM {s}.view_rules) AS catalogue,"
    " EXISTS (SELECT 1 FROM {s}.view_rules WHERE building_to IS NOT NULL) AS building,"
    " coalesce((SELECT max(replacement) FROM {s}.disclosure_log_replacements), 0)"
    "  > coalesce((SELECT ends_done FROM {s}.view_rules), 0) AS unfinished,"
    " (SELECT id_generation FROM {s}.feed_state) AS id_generation"
    " FROM {tracking} WHERE application_name = %s) t"
    " LEFT JOIN LATERAL (SELECT * FROM {events} WHERE notification_id > t.position ORDER BY notification_id"
    " LIMIT %s) e ON true ORDER BY e.notification_id")
# A large batch's checks under the log's lock (``_check_batch``), one round trip: the views' position, the ids'
# generation and the rules the views are built under.
BATCH_CHECK = ("SELECT (SELECT notification_id FROM {s}.{tracking} WHERE application_name = %s) AS position,"
               " (SELECT id_generation FROM {s}.feed_state) AS id_generation,"
               " (SELECT version FROM {s}.view_rules) AS rules_version")


class PostgresAgencyViewStore(ViewRulesRecords, BuildFinish, BuildReads, FeedQueries, FeedPages, CaseListQueries,
                              ReplacedLogQueries, ViewQueries, PostgresTrackingRecorder):
    """Created by the eventsourcing factory (``tracking_recorder(PostgresAgencyViewStore)``)."""

    keystore: KeyStore

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._s = Identifier(self.datastore.schema)
        if not self.datastore.single_row_tracking:  # sigill_apply_views keeps the position in its one row
            raise RuntimeError("the agency views need eventsourcing's single-row tracking table")
        # The views' tables, the record of erasures beside them, and sigill_apply_views (``gateways.view_tables``).
        self.sql_create_statements.extend(create_statements(self.datastore.schema, self.tracking_table_name))
        self._apply_views = SQL(APPLY_VIEWS).format(s=self._s)

    def create_table(self) -> None:
        from gateways.schema_lock import conninfo_of, creating_tables  # here: the rest of this module is another's

        # Under the schema lock: another process may be creating them right now.  The plaintext calendars are
        # emptied at every start, the DDL run only when it changed (``gateways.schema_lock``).
        with creating_tables(conninfo_of(self.datastore), self.datastore.schema, f"views:{self.tracking_table_name}",
                             self.sql_create_statements, every_start_statements(self.datastore.schema)) as cursor:
            if cursor is not None:   # None: made already, or the tables' owner makes them (`sigill database setup`)
                super().create_table()

    def close(self) -> None:
        """Close the connection pool."""
        self.datastore.close()

    # -- writing -----------------------------------------------------------------

    def apply(self, update: ViewUpdate, tracking: Tracking, start: int | None = None) -> WrittenLog:
        """Write a batch's changes and its tracking position atomically: all or nothing, exactly once.

        ``start`` is the position the batch was judged from.  Writers (the follower, every API worker) are
        serialised by the disclosure log's lock, taken before any row is numbered, so each feed's numbers
        follow commit order with no gaps and a feed reader at number N never has a lower one committed behind
        it; a batch whose start is no longer the stored position (another process wrote it meanwhile) is
        refused as ``ViewsMovedOn``, as is one whose event ids were made under a secret renewed since; one judged
        under other disclosure rules than the views record, as ``ViewsUnderOtherRules`` (``_check_batch``).
        Returns the log rows as committed, for the feed publisher."""
        return self.write(self.prepare(update), tracking, start)

    def prepare(self, update: ViewUpdate, building: bool = False) -> PreparedBatch:
        """A batch's rows, sealed and named, ready to ``write``: no database work but the keys' lookup, so a
        catching-up runner prepares one batch while the one before it is written.  ``building``: judged while the
        views are built from the first event, so its rows are never published as they are (``WrittenLog.building``)
        and no plaintext is made for the publisher."""
        sealing = BatchSealing(self.keystore, update.erased)
        facts, gone = self._fact_rows(update, sealing)
        log, plains, keyless, generation = self._log_rows(update, sealing, publishing=not building)
        listed, unlisted = case_list_rows(update.summaries, sealing)
        return PreparedBatch(update, facts, gone, log, listed, unlisted, plains, frozenset(keyless),
                             small_batch(facts, log, update.erased), generation, building=building)

    def portable(self, batch: PreparedBatch) -> PreparedBatch:
        """A build's batch as a worker of a build in parallel hands it on (``gateways.prepared_batch.portable``)."""
        return portable(batch)

    def merged(self, batches: list[PreparedBatch]) -> PreparedBatch:
        """The batches the workers of a build in parallel prepared for one span, as one (``prepared_batch.joined``),
        written as any batch of its size."""
        batch = joined(batches)
        return replace(batch, small=small_batch(batch.facts, batch.log, batch.update.erased))

    def write(self, batch: PreparedBatch, tracking: Tracking, start: int | None = None) -> WrittenLog:
        """``apply``'s writing, of a batch ``prepare`` made."""
        write = self._write_in_one_call if batch.small else self._write_copying
        epoch = write(batch, tracking, start)
        return WrittenLog(batch.log, batch.plains, batch.keyless, epoch, building=batch.building,
                          generation=batch.generation)

    def _write_copying(self, batch: PreparedBatch, tracking: Tracking, start: int | None) -> str | None:
        """A large batch (catching up, a rebuild): rows by binary COPY, each statement waited for in turn."""
        update, facts, log = batch.update, batch.facts, batch.log
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("LOCK TABLE {}.disclosure_log IN SHARE ROW EXCLUSIVE MODE").format(self._s))
            self._check_batch(curs, tracking.application_name, start, batch)
            erased = update.erased | self._erased_since(curs, batch)
            if erased:
                for table in ("view_facts", "view_cases"):
                    curs.execute(SQL("DELETE FROM {}.{} WHERE case_id = ANY(%s)").format(self._s, Identifier(table)),
                                 (list(erased),))
            if facts:
                curs.execute(SQL(STAGE).format(s=self._s))
                copy_rows(curs, SQL("COPY staged_facts FROM STDIN (FORMAT BINARY)"), FACT_TYPES, facts)
                curs.execute(SQL(MERGE_FACTS).format(s=self._s))
            self._write_rest(curs, batch)
            epoch = None
            if log:
                epoch = self._number(curs, log, update.municipalities)  # under the lock: gapless, commit order
                copy_rows(curs, SQL("COPY {}.disclosure_log (" + LOG_COLUMNS + ") FROM STDIN (FORMAT BINARY)")
                          .format(self._s), LOG_TYPES, log)
            self._insert_tracking(curs, tracking)
        return epoch

    def _erased_since(self, curs: Any, batch: PreparedBatch) -> set[UUID]:
        """Under the log's lock: the batch's cases whose key was destroyed after it was judged, their rows left out
        of it (``drop_cases``).  A large batch is judged and sealed while those before it are written — a build's
        spans by workers, several ahead — and an erasure told to the feeds meanwhile (``record_erasures``, which
        takes the same lock) would otherwise be followed by the case's rows: its plaintext case list (the number,
        the next calendar moment: the 18th birthday) kept for good, and messages after the agency was told the
        case is gone."""
        cases = cases_in(batch)
        if not cases:
            return set()
        rows = curs.execute(SQL("SELECT aggregate_id FROM {}.{} WHERE aggregate_id = ANY(%s) AND wrapped_key IS NULL")
                            .format(self._s, Identifier(KEYS_TABLE)), (list(cases),)).fetchall()
        erased = {r["aggregate_id"] for r in rows}
        if erased:
            drop_cases(batch, erased)
        return erased

    def _write_in_one_call(self, batch: PreparedBatch, tracking: Tracking, start: int | None) -> str | None:
        """A small batch (the follower's usual one): one statement, ``sigill_apply_views``, its own transaction,
        one round trip (``gateways.view_rows_json``).  Stores what ``_write_copying`` stores (a test holds
        the two equal); gives each log row its feed and number from the answer."""
        log = batch.log
        arguments = apply_views_arguments(tracking.application_name, start, tracking.notification_id, batch.facts,
                                          batch.gone, batch.listed, batch.unlisted, batch.update.municipalities, log,
                                          batch.generation, batch.rules_version)
        with self.datastore.get_connection() as conn:
            try:
                answer = conn.execute(self._apply_views, arguments, prepare=True).fetchone()
            except psycopg.Error as error:
                if error.sqlstate == MOVED_ON:
                    raise ViewsMovedOn(error.diag.message_primary or "the views moved on") from None
                if error.sqlstate == OTHER_RULES:
                    raise ViewsUnderOtherRules(self.rules_version() or 1, batch.rules_version) from None
                if error.sqlstate != ERASED_SINCE:
                    raise
                answer = None
        if answer is None:   # a case of it erased since it was judged: by COPY, which leaves its rows out
            return self._write_copying(batch, tracking, start)
        written = next(iter(answer.values()))
        for row, (feed, seq) in zip(log, written["numbers"]):
            row[-2], row[-1] = feed, seq
        return written["epoch"]

    def _write_rest(self, curs: Any, batch: PreparedBatch) -> None:
        update = batch.update
        if batch.gone:
            curs.execute(SQL(DELETE_FACTS).format(s=self._s), (rows_json(batch.gone),))
        if batch.unlisted:
            curs.execute(SQL(UNLIST_CASES.replace("ROWS", "%s::json")).format(s=self._s), (rows_json(batch.unlisted),))
        if batch.listed:
            curs.execute(SQL(LIST_CASES.replace("ROWS", "%s::json")).format(s=self._s), (rows_json(batch.listed),))
        if update.municipalities:  # in the views' transaction: a logged case always has its row
            curs.execute(SQL(RECORD_MUNICIPALITIES).format(s=self._s),
                         (list(update.municipalities), list(update.municipalities.values())))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as eventsourcing's own reads retry
    def position_and_next(self, application_name: str, events: Any, limit: int,
                          catalogue: str | None = None) -> tuple[int, list[Notification], bool, bool]:
        """The tracked position and up to ``limit`` notifications after it from ``events`` (the application's
        recorder, in the same database), in one round trip: each round of the follower starts with both.  With
        them, whether a build from the first event is under way, and whether one is unfinished (under way, or its
        ends due).  ``catalogue``: the digest of the catalogue this process judges under, noted where the views
        record another (``NOTE_CATALOGUE``), before anything is judged under it — by a round that has something to
        write."""
        query = SQL(POSITION_AND_NEXT).format(s=self._s,
                                              tracking=Identifier(self.datastore.schema, self.tracking_table_name),
                                              events=Identifier(events.datastore.schema, events.events_table_name))
        rows = self._rows(query, (application_name, limit))
        check_rules(rows[0]["rules_version"], RULES_VERSION)   # before any batch is judged under this one's
        # Only by a round that writes: notifications to judge, or a build to finish.  One that reads nothing new (a
        # command's catch-up beside the server, under another SIGILL_CATALOGUE) wrote no row under its catalogue.
        writes = rows[0]["notification_id"] is not None or rows[0]["building"] or rows[0]["unfinished"]
        if catalogue is not None and writes and rows[0]["catalogue"] not in (catalogue, MIXED):
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(SQL(NOTE_CATALOGUE).format(s=self._s), {"own": catalogue})
        self.see_generation(rows[0]["id_generation"])   # before this round's batches are prepared
        position, building = rows[0]["position"], rows[0]["building"]
        return position, notifications_of(rows), building, building or rows[0]["unfinished"]

    def _check_batch(self, curs: Any, application_name: str, start: int | None, batch: PreparedBatch) -> None:
        """Under the log's lock, in one statement: the views are recorded as built under the rules the batch was
        judged under, are where it starts (``start``; None: not checked), and its event ids were made under the
        secret stored now.

        Rules: a process of another version (a rolling upgrade) would write rows judged under its rules into views
        of another's — refused as ``ViewsUnderOtherRules``, nothing written.  Generation: a renewal (``clear`` with
        ``renew_ids``) committed since the ids were made resets the position to 0, so a batch that starts at 0
        passes the start check and, written, would carry event ids under the old secret — the lost messages' ids,
        which the renewal exists to retire.  Refused as moved on: the runner asks for the position again, which
        reads the new generation (``see_generation``), and makes its ids under the new secret."""
        stored = curs.execute(SQL(BATCH_CHECK).format(s=self._s, tracking=Identifier(self.tracking_table_name)),
                              (application_name,)).fetchone()
        if start is not None:
            _check_position(stored, start)
        if batch.generation is not None and stored["id_generation"] != batch.generation:
            raise ViewsMovedOn(f"the ids were renewed (generation {stored['id_generation']});"
                               f" this batch's are of {batch.generation}")
        check_rules(stored["rules_version"], batch.rules_version)

    def _copy_log(self, curs: Any, log: list[list]) -> None:
        """Log rows (numbered) into the disclosure log by binary COPY."""
        copy_rows(curs, SQL("COPY {}.disclosure_log (" + LOG_COLUMNS + ") FROM STDIN (FORMAT BINARY)")
                  .format(self._s), LOG_TYPES, log)

    def _fact_rows(self, update: ViewUpdate, sealing: BatchSealing) -> tuple[list[tuple], list[tuple]]:
        facts, gone = [], []
        basis_of, last_basis = sealing.basis, None
        for case_id, final in update.final_facts().items():
            if case_id in update.erased:
                continue
            case = sealing.case(case_id)
            text, plain, seal = case.text, case.plain, case.sealer and case.sealer.seal
            for (agency, fact_id), shown in final.items():
                if shown is None:
                    gone.append((agency, case_id, fact_id))
                elif seal:  # None: erased meanwhile, nothing of it may be written again
                    change, since = shown
                    f, basis = change.fact, change.basis
                    if basis is not last_basis:   # a basis is shared by many of a case's facts
                        last_basis, basis_bytes = basis, basis_of(basis)
                    facts.append((agency, case_id, fact_id, f.version, f.kind, f.category, f.origin, f.recorded_at,
                                  since, basis_bytes, seal(plain(f), view_where(text, agency, fact_id))))
        return facts, gone

    def _log_rows(self, update: ViewUpdate, sealing: BatchSealing, publishing: bool = True
                  ) -> tuple[list[list], list[bytes | None], set, str | None]:
        """The log's rows, beside each the content it discloses in plaintext (None when it discloses none, or when
        not ``publishing``), the cases among them whose key is destroyed, and the ids' generation their event ids are
        of (None: no rows)."""
        rows, plains, keyless = [], [], set()
        secret, generation = b"", None
        if update.log:   # the secret and its generation as read together (another thread may forget them)
            secret, (generation, _) = self._feed_keys()
        # A notification's changes come together and share its case, and mostly their basis and cause (a withdrawal
        # makes ~100): what is the same for them is looked up once a notification, or once a run of the same basis.
        basis_of, cause_of = sealing.basis, sealing.cause
        unpack, pack = HALVES.unpack, HALVES.pack
        notification = last_basis = last_cause = None
        # Keyed by the notification too: an event id's uniqueness then holds whatever order the rows come in.
        occurrences: dict[tuple, int] = {}
        for case_id, (at, agency, f, change, basis, cause), position in update.log:
            if position != notification:
                notification, case = position, sealing.case(case_id)
                prefix, sealed = event_id_prefix(secret, case.text, position), case.sealer is not None
                if not sealed:
                    keyless.add(case_id)
                shown = sealed and publishing
            if basis is not last_basis:
                last_basis, basis_bytes = basis, basis_of(basis)
            if cause is not last_cause:
                last_cause, cause_bytes = cause, cause_of(cause)
            fact_id = f.fact_id
            same = (position, agency, fact_id, change)
            occurrences[same] = occurrence = occurrences.get(same, -1) + 1
            # The row's event id: ``EventIds.name`` inlined (its call a row cost ~1 µs an event in a build).
            digest = prefix.copy()
            digest.update(f"{agency}:{fact_id}:{change}:{occurrence}".encode())
            high, low = unpack(digest.digest())
            # The row holds no content: a feed reads it from the agency's view, where it is sealed once (a fact's
            # content is shown only while the fact is in the view).  The publisher is handed it in plaintext, but
            # not a build's: it publishes a build's rows from the stored feeds once the build is done.
            plains.append(case.plain(f) if shown and change == "disclosed" else None)
            rows.append([case_id, agency, fact_id, f.kind, f.category, change, basis_bytes, at, position,
                         pack(high & NOT_VERSION | VERSION_8, low & NOT_VARIANT | VARIANT), None, cause_bytes,
                         None, None])  # feed and number: ``_number``
        return rows, plains, keyless, generation

    def _rows(self, query: Any, params: tuple, *, json_once: bool = False) -> list[dict[str, Any]]:
        """The query's rows; ``json_once``: each distinct jsonb value parsed once, its object shared by the rows
        that hold it (``gateways.json_once``: the disclosure logs, whose bases and causes repeat)."""
        with self.datastore.get_connection() as conn, conn.cursor() as cursor:
            if json_once:
                cursor.adapters.register_loader("jsonb", JsonbOnce)
            return list(cursor.execute(query, params).fetchall())


def _check_position(row: Any, start: int) -> None:
    stored = (row or {}).get("position") or 0
    if stored != start:
        raise ViewsMovedOn(f"the views are at {stored}; this batch starts at {start}")
