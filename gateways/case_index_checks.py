"""The auditors' index of cases (the lead agency's ``view_cases`` rows) held to the events' plaintext, row by row.

``case_list_queries.unlisted_cases`` finds the cases the index lacks; this finds the rows it should not have, or
that say of a case what its events contradict.  Read as a verifier reads: no key, nothing decrypted or written —
only ids, topics, versions and notification ids, which the ledger seals, beside the rows' own plaintext columns.

What is checked of a row (the index shows its number, phase and the protection marker):
- that its case exists: a first event of a case (``CASE_OPENED``) stored, and its key not destroyed;
- its number: drawn — its municipality's series of its year (the series' id is derived from those two) has the
  number's event, stored before the case's first event (the two are saved in one transaction, the number first) —
  and drawn for this case as far as order tells: a series' numbers go to its cases in the order their referrals
  were stored, so two rows' numbers swapped, or one number on two rows, show;
- that its number's municipality is the one the views recorded the case as referred to (``case_municipality``);
- its phase, by the topics of the events the views had taken in (closed, active, decided, referred — whether a
  decision accepted or declined is sealed);
- the protection marker, by the last ProtectionRecorded / ProtectionLifted taken in.
Not checked: which of two cases drawn in one import's transaction got which number when their order agrees, a
number moved to a case erased since (its row is gone, so nothing is compared), whether a decided case was accepted
or declined, and the year in the number (the referral's date is sealed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.utils import get_topic
from psycopg import sql
from psycopg.rows import dict_row

from domain import case_events
from domain.case_numbers import CASE_NUMBER, CaseNumberSeries
from gateways.case_list_queries import CASE_OPENED, tables_absent
from gateways.keystore import KEYS_TABLE

CLOSED, PLANNED, DECIDED = (get_topic(c) for c in (case_events.CaseClosed, case_events.PlanRevised,
                                                   case_events.EligibilityDecided))
PROTECTED, LIFTED = get_topic(case_events.ProtectionRecorded), get_topic(case_events.ProtectionLifted)
DRAWN = get_topic(CaseNumberSeries.Allocated)
MAX_DIGITS = 9   # a number's running part longer than this was never drawn (and would not fit a version)

# The lead's rows beside what the events say of each: its case's first event and key, the number's event in its
# series (the series' ids given, derived in Python: PostgreSQL has no uuid5 of its own), and the topics of the
# case's events up to the views' position (written with the rows: one snapshot reads both as they stood together).
# The cases' events are read in one pass, grouped by case (``t``): read case by case through the index they were a
# random fetch each (~1,000,000 at 1,000,000 events; bench/HISTORY.md), where the chain's walk reads them all anyway.
# Hence no ordered aggregate (it cannot be hashed): a case is protected when its last ProtectionRecorded comes after
# its last ProtectionLifted.  The series' events are read by their ids alone (``d``), not hashed whole.
LISTED_ROWS = (
    "WITH p AS (SELECT coalesce((SELECT max(notification_id) FROM {tracking} WHERE application_name = %(app)s), 0)"
    " AS position),"
    " s AS (SELECT * FROM unnest(%(prefixes)s::text[], %(series)s::uuid[]) AS s(prefix, series_id)),"
    " t AS (SELECT e.originator_id, min(e.notification_id) FILTER (WHERE e.originator_version = 1) AS opened_at,"
    "  bool_or(" + CASE_OPENED + ") AS a_case,"
    "  bool_or(e.topic = %(closed)s) FILTER (WHERE e.notification_id <= p.position) AS closed,"
    "  bool_or(e.topic = %(planned)s) FILTER (WHERE e.notification_id <= p.position) AS planned,"
    "  bool_or(e.topic = %(decided)s) FILTER (WHERE e.notification_id <= p.position) AS decided,"
    "  max(e.originator_version) FILTER (WHERE e.topic = %(protected)s AND e.notification_id <= p.position)"
    "  AS last_protected, max(e.originator_version) FILTER (WHERE e.topic = %(lifted)s"
    "  AND e.notification_id <= p.position) AS last_lifted"
    "  FROM {events} e CROSS JOIN p WHERE e.originator_id IN (SELECT case_id FROM {cases} WHERE agency = %(lead)s)"
    "  GROUP BY e.originator_id)"
    " SELECT v.case_id, v.case_number, v.phase, v.protected_personal_data IS NOT NULL AS protected,"
    " m.municipality, t.opened_at, coalesce(t.a_case, false) AS a_case,"
    " EXISTS (SELECT 1 FROM {keys} k WHERE k.aggregate_id = v.case_id AND k.wrapped_key IS NULL) AS erased,"
    " s.series_id, d.notification_id AS drawn_at, d.topic = %(drawn)s AS drawn, coalesce(t.closed, false) AS closed,"
    " coalesce(t.planned, false) AS planned, coalesce(t.decided, false) AS decided,"
    " coalesce(t.last_protected > coalesce(t.last_lifted, 0), false) AS protected_by_events"
    " FROM {cases} v"
    " LEFT JOIN t ON t.originator_id = v.case_id"
    " LEFT JOIN s ON v.case_number ~ %(shape)s AND s.prefix = left(v.case_number, 9)"
    " LEFT JOIN (SELECT * FROM {events} WHERE originator_id = ANY(%(series)s::uuid[])) d"
    "  ON d.originator_id = s.series_id AND d.originator_version ="
    "  CASE WHEN v.case_number ~ %(shape)s THEN substr(v.case_number, 11)::integer + 1 END"
    " LEFT JOIN {municipalities} m ON m.case_id = v.case_id"
    " WHERE v.agency = %(lead)s ORDER BY v.case_id")
# The series a lead's row can name: its numbers' municipality and year, each series' id derived from them.
PREFIXES = "SELECT DISTINCT left(case_number, 9) AS prefix FROM {cases} WHERE agency = %s AND case_number ~ %s"
SHAPE = CASE_NUMBER.pattern.replace("{4,}", "{4,%d}" % MAX_DIGITS)


@dataclass
class IndexRows:
    """The lead's rows the events do not bear out, by case id: ``made_up`` (no case's first event stored),
    ``erased`` (the case's key destroyed: its rows go when the erasure is next recorded in the views), and the
    rows whose ``number``, ``municipality``, ``phase`` or ``protection`` the events contradict."""
    made_up: list[UUID] = field(default_factory=list)
    erased: list[UUID] = field(default_factory=list)
    contradicted: dict[str, list[UUID]] = field(default_factory=dict)

    def contradict(self, what: str, case_id: UUID) -> None:
        cases = self.contradicted.setdefault(what, [])
        if case_id not in cases:
            cases.append(case_id)


def listed_rows(conn: psycopg.Connection, schema: str, events_table: str, tracking_table: str, application_name: str,
                lead: str) -> IndexRows | None:
    """The lead agency's rows held to the events (module docstring), read as a verifier reads, on ``conn``: verify's
    snapshot, in which the rows and the views' position are read as they stood together.  None when the views have
    no tables in this database."""
    def table(name: str) -> sql.Identifier:
        return sql.Identifier(schema, name)

    if tables_absent(conn, schema, ("view_cases", "case_municipality", tracking_table, events_table, KEYS_TABLE)):
        return None
    with conn.cursor(row_factory=dict_row) as cursor:
        cases = table("view_cases")
        prefixes = [r["prefix"] for r in cursor.execute(sql.SQL(PREFIXES).format(cases=cases), (lead, SHAPE))]
        rows = cursor.execute(sql.SQL(LISTED_ROWS).format(
            tracking=table(tracking_table), keys=table(KEYS_TABLE), cases=cases, events=table(events_table),
            municipalities=table("case_municipality")), {
                "app": application_name, "lead": lead, "shape": SHAPE, "prefixes": prefixes,
                "series": [CaseNumberSeries.series_id(p[:4], int(p[5:])) for p in prefixes], "drawn": DRAWN,
                "closed": CLOSED, "planned": PLANNED, "decided": DECIDED, "protected": PROTECTED,
                "lifted": LIFTED}).fetchall()
    return judged(rows)


def judged(rows: list[dict[str, Any]]) -> IndexRows:
    """What the events contradict in ``rows`` (``LISTED_ROWS``'s)."""
    found = IndexRows()
    of_a_case = []
    for row in rows:
        if not row["a_case"]:
            found.made_up.append(row["case_id"])
        elif row["erased"]:
            found.erased.append(row["case_id"])
        else:
            of_a_case.append(row)
            _judge_row(row, found)
    _judge_order(of_a_case, found)
    return found


def _judge_row(row: dict[str, Any], found: IndexRows) -> None:
    number, case_id = row["case_number"], row["case_id"]
    # Every case is given its number at its referral, in the same transaction, the number's event first.
    if number is None or not row["drawn"] or row["drawn_at"] >= row["opened_at"]:
        found.contradict("number", case_id)
    if number is not None and row["municipality"] is not None and number[:4] != row["municipality"]:
        found.contradict("municipality", case_id)
    if row["phase"] not in _phases(row):
        found.contradict("phase", case_id)
    if row["protected"] != row["protected_by_events"]:
        found.contradict("protection", case_id)


def _phases(row: dict[str, Any]) -> tuple[str, ...]:
    """The phases the case's topics allow its lead's row (``projections.agency_views.phase_of_kinds``)."""
    if row["closed"]:
        return ("closed",)
    if row["planned"]:
        return ("active",)
    return ("accepted", "declined") if row["decided"] else ("referred",)


def _judge_order(rows: list[dict[str, Any]], found: IndexRows) -> None:
    """A series draws its numbers in order, each in its case's referral's transaction: by number, a series' cases'
    first events are stored in that order too.  Two rows out of it (a number moved, two swapped) or sharing one
    are both named — which of them is wrong the plaintext does not say."""
    by_series: dict[UUID, list[tuple[int, int, UUID]]] = {}
    for row in rows:
        if row["drawn"]:
            by_series.setdefault(row["series_id"], []).append(
                (int(row["case_number"][10:]), row["opened_at"], row["case_id"]))
    for numbered in by_series.values():
        numbered.sort()
        for (number, opened, case_id), (next_number, next_opened, next_id) in zip(numbered, numbered[1:]):
            if number == next_number or opened >= next_opened:
                found.contradict("number", case_id)
                found.contradict("number", next_id)
