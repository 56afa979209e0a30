"""Finishing a build of the agency views from the first event: the feeds read again, and what older logs showed ended.

A rebuild (``sigill views rebuild``, or the follower's under new disclosure rules) and the first build over events
already stored replay the whole history.  Until the views are where they were going, a fact visible at the position
the replay has reached may long since have ended, so no feed is read (``view_rules.building_to``:
``FeedsRebuilding``).  Once they are, each fact a replaced log left visible to an agency that its view does not show
now gets an ``ended`` (cause ``rules_changed``): the rebuilt log starts again from the first event, and without one
a consumer that goes on deduplicating by event id would keep the fact for ever (``ReplacedLog`` rows are what the
feeds carried).  Such an end is written again, as it was, in every later numbering while the fact stays unseen — as
erasure messages are — for a consumer that missed it in the numbering before: under its first id within the ids'
generation it was written in, and under one of the secret stored now after a renewal (``--after-restore``).

A rebuild writes nothing of an erased case (its history no longer reads); an agency told of the erasure gets its
``erased`` again (``record_erasures``), and to the others — every fact of the case had ended to them — its rows are
written again here as the replaced log held them (``ERASED_UNTOLD``), so that they read as before in the new
numbering too: a consumer starting over must not find the case gone, as no case that still exists is.

A mixin of ``PostgresAgencyViewStore`` (its tables, lock, numbering and COPY).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable

from psycopg.sql import SQL, Identifier

from domain.disclosure import RULES_CHANGED
from gateways.batch_sealing import cause_jsonb, event_id_bytes
from gateways.feed_store import HOLDS_SOMETHING, WrittenLog
from projections.agency_feed import erasure_event_id

BUILD_TABLES = [
    # Set when the views are built from the first event over events already stored: the event log's head then.
    # Until the views have reached it no feed is read; cleared by the process that sees them there.
    "ALTER TABLE {s}.view_rules ADD COLUMN IF NOT EXISTS building_to bigint",
    # The latest replacement of the log whose ends are written: ends are due while a later one exists (a database
    # rebuilt before ends were written has none yet, so they are written for its replaced logs too).
    "ALTER TABLE {s}.view_rules ADD COLUMN IF NOT EXISTS ends_done bigint",
]
# What a rebuild's end is hashed under in place of its change: an id of its own, never one of an `ended` today's log
# holds for the same fact and position (which a consumer may have handled already, in the old numbering).
RULES_END_ID = "ended:rules_changed"
# The views have reached where a build from the first event was going: the feeds are read again.  Answers whether
# they are still on the way.  (The main query sees the table as before the update: the two conditions complement.)
FINISH_BUILDING = (
    "WITH p AS (SELECT coalesce((SELECT max(notification_id) FROM {s}.{tracking} WHERE application_name = %s), 0)"
    " AS position), done AS (UPDATE {s}.view_rules SET building_to = NULL FROM p WHERE building_to <= p.position)"
    " SELECT EXISTS (SELECT 1 FROM {s}.view_rules, p WHERE building_to > p.position) AS building")
# Ends are due: the latest replacement, the furthest position any replaced log reached, and the views' own.
ENDS_DUE = (
    "SELECT r.latest, r.up_to, coalesce((SELECT max(notification_id) FROM {s}.{tracking}"
    " WHERE application_name = %s), 0) AS position FROM (SELECT max(replacement) AS latest, max(up_to) AS up_to"
    " FROM {s}.disclosure_log_replacements) r LEFT JOIN {s}.view_rules v ON true"
    " WHERE r.latest > coalesce(v.ends_done, 0)")
# Each fact's last row across the replaced logs (up to the latest), where it shows the fact or is a rebuild's end,
# with the ids' generation of the log it is in (NULL: not recorded).  The whole replaced history is sorted, so this
# runs before the log's lock is taken (seconds on millions of rows); a replacement never changes.
LAST_SHOWN = (
    "SELECT r.*, p.id_generation FROM (SELECT DISTINCT ON (case_id, agency, fact_id) replacement, case_id, agency,"
    " fact_id, kind, category, change, basis, cause, at, notification_id, event_id FROM {s}.replaced_disclosure_log"
    " WHERE replacement <= %s ORDER BY case_id, agency, fact_id, replacement DESC, id DESC) r"
    " JOIN {s}.disclosure_log_replacements p ON p.replacement = r.replacement"
    " WHERE r.change IN ('disclosed', 'basis_changed') OR (r.change = 'ended' AND r.cause = %s::jsonb)"
    " ORDER BY r.case_id, r.agency, r.fact_id")
# Of those, the ones the agency's view does not show now, their case not erased: looked again under the lock.
STILL_UNSEEN = (
    "SELECT c.i FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::int[]) AS c (case_id, agency, fact_id, i)"
    " WHERE NOT EXISTS (SELECT 1 FROM {s}.view_facts v WHERE v.agency = c.agency AND v.case_id = c.case_id"
    "  AND v.fact_id = c.fact_id)"
    " AND NOT EXISTS (SELECT 1 FROM {s}.{k} k WHERE k.aggregate_id = c.case_id AND k.wrapped_key IS NULL)"
    " ORDER BY c.i")
# The rows of erased cases that agencies not told of the erasure (``HOLDS_SOMETHING``: every fact of it had ended to
# them) were sent, as the newest replaced log that holds any of the pair holds them, where today's holds none: a
# rebuild writes nothing of an erased case, and to such an agency its messages read as before the erasure, in every
# numbering (review of red team hR4, 2026-12-07).  ``occurrence``: the row's among its notification's same changes,
# for its event id made anew after a renewal of the ids (as the views' batches count them).
ERASED_UNTOLD = (
    "WITH pairs AS (SELECT r.case_id, r.agency, max(r.replacement) AS replacement FROM {s}.replaced_disclosure_log r"
    " JOIN {s}.{k} k ON k.aggregate_id = r.case_id AND k.wrapped_key IS NULL WHERE r.replacement <= %s"
    " GROUP BY r.case_id, r.agency)"
    " SELECT r.case_id, r.agency, r.fact_id, r.kind, r.category, r.change, r.basis, r.at, r.notification_id,"
    " r.event_id, r.cause, p.id_generation, row_number() OVER (PARTITION BY r.case_id, r.notification_id, r.agency,"
    " r.fact_id, r.change ORDER BY r.id) - 1 AS occurrence"
    " FROM pairs c JOIN {s}.replaced_disclosure_log r ON r.replacement = c.replacement AND r.case_id = c.case_id"
    "  AND r.agency = c.agency JOIN {s}.disclosure_log_replacements p ON p.replacement = c.replacement"
    " WHERE NOT EXISTS (SELECT 1 FROM {s}.disclosure_log d WHERE d.case_id = c.case_id AND d.agency = c.agency)"
    " AND NOT " + HOLDS_SOMETHING.format(case="c.case_id", agency="c.agency") + " ORDER BY r.replacement, r.id")


class BuildFinish:
    """Mixed into the view store (needs ``datastore``, ``_s``, ``_rows``, ``tracking_table_name``,
    ``see_generation``, ``_number`` and ``_copy_log``)."""

    datastore: Any
    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]
    tracking_table_name: str
    see_generation: Callable[[str | None], None]
    _number: Callable[..., str]
    _copy_log: Callable[[Any, list[list]], None]
    feeds_building: Callable[[], bool]

    def finish_build(self, application_name: str, now: datetime,
                     keys_table: str = "sigill_data_keys") -> tuple[bool, WrittenLog | None]:
        """The feeds read again once the views have reached ``building_to``, and the ends due once they are past
        every position a replaced log had reached: one ``ended`` (cause ``rules_changed``) for each fact the last
        row across the replaced logs shows (at ``now``, the basis that last held, an id of its own) or ends so
        (again, as it was: its time, position and basis, and its id within its ids' generation: ``_ends``), that
        the agency's view does not show now.

        Numbered and written like any batch's rows, under the log's lock, and returned for the publisher (None:
        none written; the rows of erased cases written again, ``_carried``, are numbered after them and published
        from the stored feeds, as the whole new numbering is).  Also answers whether anything is still due (the
        views are behind).  One indexed read when nothing is; the replaced logs are sorted outside the lock, and what
        is found looked at again under it."""
        tracking = Identifier(self.tracking_table_name)
        due = self._rows(SQL(ENDS_DUE).format(s=self._s, tracking=tracking), (application_name,))
        if not due and not self.feeds_building():
            return False, None
        # Found before the lock (the sort, and which of them are unseen), only past every replaced log's position.
        ready = bool(due) and due[0]["position"] >= due[0]["up_to"]
        found = self._unseen(self._rows(SQL(LAST_SHOWN).format(s=self._s), (
            due[0]["latest"], cause_jsonb(RULES_CHANGED)[1:].decode())), keys_table) if ready else []
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("LOCK TABLE {}.disclosure_log IN SHARE ROW EXCLUSIVE MODE").format(self._s))
            building = curs.execute(SQL(FINISH_BUILDING).format(s=self._s, tracking=tracking),
                                    (application_name,)).fetchone()["building"]
            state = curs.execute(SQL(ENDS_DUE).format(s=self._s, tracking=tracking), (application_name,)).fetchone()
            if state is None:
                return building, None   # none due, or another process wrote them meanwhile
            if not ready or state["position"] < state["up_to"] or state["latest"] != due[0]["latest"]:
                return True, None       # behind (when found), or another rebuild meanwhile: at a later round
            unseen = self._unseen(found, keys_table, curs)
            erased = curs.execute(SQL(ERASED_UNTOLD).format(s=self._s, k=Identifier(keys_table)),
                                  (state["latest"],)).fetchall()
            secret, generation = self._stored_ids(curs) if unseen or erased else (b"", None)
            log = self._ends(unseen, state["position"], now, secret, generation) if unseen else []
            epoch = None
            if log:
                epoch = self._number(curs, log, {})
                self._copy_log(curs, log)
            if erased:   # numbered after the ends, so the ends handed to the publisher follow on in their feeds
                carried = self._carried(erased, secret, generation)
                self._number(curs, carried, {})
                self._copy_log(curs, carried)
            curs.execute(SQL("INSERT INTO {s}.view_rules (version, ends_done) VALUES (1, %s) ON CONFLICT (one)"
                             " DO UPDATE SET ends_done = excluded.ends_done").format(s=self._s), (state["latest"],))
        return building, WrittenLog(log, [None] * len(log), frozenset(), epoch, generation=generation)

    def _unseen(self, found: list[dict[str, Any]], keys_table: str, curs: Any = None) -> list[dict[str, Any]]:
        """Those of ``found`` that the agency's view does not show, their case not erased: asked before the lock
        of every fact found, and under it (``curs``) again of those few."""
        if not found:
            return []
        query = SQL(STILL_UNSEEN).format(s=self._s, k=Identifier(keys_table))
        params = ([r["case_id"] for r in found], [r["agency"] for r in found], [r["fact_id"] for r in found],
                  list(range(len(found))))
        rows = curs.execute(query, params).fetchall() if curs is not None else self._rows(query, params)
        return [found[u["i"]] for u in rows]

    @staticmethod
    def _carried(erased: list[dict[str, Any]], secret: bytes, generation: str) -> list[list]:
        """``ERASED_UNTOLD``'s rows for today's log, as they were (to be numbered in it: ``_number``).  Each keeps
        its event id within the ids' generation it was made in, as a rebuild's end written again does (``_ends``) —
        one stored without (NULL, written before event ids were stored) the id the feed read it by (``_messages``);
        after a renewal it gets the one the views' batches (or a rebuild's end) would make under ``secret``, and an
        erasure message its own, which no secret keys."""
        rules_changed, rows = json.loads(cause_jsonb(RULES_CHANGED)[1:]), []
        for r in erased:
            case_id, agency, fact_id, change = r["case_id"], r["agency"], r["fact_id"], r["change"]
            if r["id_generation"] == generation and r["event_id"] is not None:
                event_id = bytes(r["event_id"].bytes)
            elif r["id_generation"] == generation:   # stored before event ids were: the id the feed named it by
                event_id = event_id_bytes(secret, str(case_id), r["notification_id"], agency, fact_id, change, 0)
            elif change == "erased":
                event_id = erasure_event_id(case_id, agency).bytes
            else:
                named = RULES_END_ID if change == "ended" and r["cause"] == rules_changed else change
                occurrence = 0 if named == RULES_END_ID else r["occurrence"]
                event_id = event_id_bytes(secret, str(case_id), r["notification_id"], agency, fact_id, named,
                                          occurrence)
            cause = None if r["cause"] is None else b"\x01" + json.dumps(r["cause"]).encode()
            rows.append([case_id, agency, fact_id, r["kind"], r["category"], change,
                         b"\x01" + json.dumps(r["basis"]).encode(), r["at"], r["notification_id"], event_id, None,
                         cause, None, None])
        return rows

    def _stored_ids(self, curs: Any) -> tuple[bytes, str]:
        """The secret stored now, and its generation, read under the log's lock, which a renewal of the ids
        (``clear`` with ``renew_ids``: `sigill views rebuild --after-restore`) takes too: the ends' new event ids are
        made under it, not under the one this process read before (until 2026-12-05 they were, and a renewal another process had
        committed, its views caught up, gave them ids under the old secret — the lost messages' — as the views'
        batches are refused for, ``_check_batch``).  The generation read with it is seen, so the ends are
        published naming it, and this process's next ids are of it (``see_generation``)."""
        row = curs.execute(SQL("SELECT secret, id_generation FROM {}.feed_state").format(self._s)).fetchone()
        self.see_generation(row["id_generation"])
        return bytes(row["secret"]), row["id_generation"]

    def _ends(self, unseen: list[dict[str, Any]], position: int, now: datetime, secret: bytes,
              generation: str) -> list[list]:
        """The ends' rows, of the facts still unseen now (their feed and number: ``_number``), new ids under
        ``secret`` (of ``generation``, both read under the log's lock).

        An end written in a numbering before is the same end, for whoever missed it: its time and position as they
        were, and its event id too if that is of ``generation`` — a consumer that handled it skips it.  After a
        renewal of the ids it gets one under ``secret``, over its kept position, as a new end is made: its first
        was made under the old secret, and a message of the new generation carrying an old id is what the renewal
        exists to prevent (consumers drop what they hold of the old generation, and take the new one's ids as new;
        until 2026-12-05 it kept the old id).  A log replaced before generations were recorded (NULL) is taken for
        another generation's: an id made anew is at worst an ``ended`` of a fact the consumer no longer holds,
        which it ignores — and within one generation the same id, where the first was made as here."""
        cause, log = cause_jsonb(RULES_CHANGED), []
        for r in unseen:
            again = r["change"] == "ended"   # written in a numbering before: the same end, for whoever missed it
            at, founded = (r["at"], r["notification_id"]) if again else (now, position)
            # Kept only where it has one: an end the application's role added to the live log without an id, and a
            # rebuild then kept, got none (it stopped every later build here with an AttributeError): one made anew.
            kept_id = r["event_id"] if again and r["id_generation"] == generation else None
            event_id = bytes(kept_id.bytes) if kept_id is not None else event_id_bytes(
                secret, str(r["case_id"]), founded, r["agency"], r["fact_id"], RULES_END_ID, 0)
            log.append([r["case_id"], r["agency"], r["fact_id"], r["kind"], r["category"], "ended",
                        b"\x01" + json.dumps(r["basis"]).encode(), at, founded, event_id, None, cause, None, None])
        return log
