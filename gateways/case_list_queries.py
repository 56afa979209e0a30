"""The case lists' and the calendar keeper's queries on the views' ``view_cases`` table.

A mixin of ``PostgresAgencyViewStore`` (the same table and connection pool), beside ``gateways.feed_pages``:
the views write the case lists, these read them.  The lead agency's list holds every case, so it is also
where the calendar keeper finds the cases whose next moment (a consent's end, an 18th birthday) has come.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.sql import SQL

from domain.visibility import EVERY_AGENCY_KEY
from gateways.keystore import KEYS_TABLE
from gateways.sealing import Unsealable, unseal
from services.ports import IndexCursor, KeyStore, Unnumbered


# A case list's columns: not the calendar's per agency (the lead's row's, sealed: ``withheld_by_calendar`` reads it).
LISTED = ", ".join("v." + c for c in ("agency", "case_id", "case_number", "phase", "next_meeting", "plan_revision",
                                       "facts", "consents_in_force", "next_consent_end", "next_calendar_moment",
                                       "plan_follow_up", "protected_personal_data"))
# A row without the case's number (a member whose consents do not cover `case`): the time of the earliest fact the
# agency's view holds, which its timeline shows first — what tells such rows apart without saying more than the
# agency sees ("Ärende utan nummer för er" on each, told apart by a count alone).  Numbered rows need none.
FIRST_FACT = (", CASE WHEN v.case_number IS NULL THEN (SELECT min(f.recorded_at) FROM {s}.view_facts f"
              " WHERE f.agency = v.agency AND f.case_id = v.case_id) END AS first_fact_at")
# A user's list is of its municipality's cases: the views' plaintext record of where each case was referred.
OF_MUNICIPALITY = ("EXISTS (SELECT 1 FROM {s}.case_municipality m WHERE m.case_id = v.case_id"
                   " AND m.municipality = %s)")
# The case a number names in one agency's list of one municipality's cases (``view_cases_by_number``).
LISTED_BY_NUMBER = ("SELECT v.case_id FROM {s}.view_cases v WHERE v.agency = %s AND v.case_number = %s AND "
                    + OF_MUNICIPALITY)

# A list's order by case number (the API's), and the newest first (the web client's): the number's text descending
# byte by byte, as Python compares strings, a row without a number (or an empty one) last — in the order by case
# number among themselves (NULLs after an empty one, then by id), as a stable sort of that order left them.
BY_NUMBER = "v.case_number, v.case_id"
NEWEST_FIRST = "coalesce(v.case_number, '') COLLATE \"C\" DESC, v.case_number IS NULL, v.case_id"
NEWEST_LAST = "coalesce(v.case_number, '') COLLATE \"C\", v.case_number IS NULL DESC, v.case_id DESC"
# A keyset page of the newest-first list: the rows after (or before) a row, named by its case number — or by its
# id when it has none (such rows come last, by id) — where an offset moved under a reader paging while a case was
# opened (a row seen twice, or one skipped).  Case numbers are given once each (``case_numbering``).
AFTER_NUMBER = "coalesce(v.case_number, '') COLLATE \"C\" < %s"
BEFORE_NUMBER = "coalesce(v.case_number, '') COLLATE \"C\" > %s"
# A row without a number (an empty one, then none, each by id) named by whether it has none and its id, both the
# cursor's (``Unnumbered``): read from the row, an erased row's page after it was empty, and the list ended there.
_UNNUMBERED_FROM = "coalesce(v.case_number, '') = '' AND (v.case_number IS NULL, v.case_id) {} (%s, %s)"
AFTER_UNNUMBERED = _UNNUMBERED_FROM.format(">")
BEFORE_UNNUMBERED = "NOT (" + _UNNUMBERED_FROM.format(">=") + ")"


class CaseListQueries:
    """Reads of ``view_cases`` (needs ``_s``, ``_rows`` and ``_lead``)."""

    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]
    _lead: Callable[[], str]
    keystore: KeyStore

    def cases(self, agency: str, now: datetime | None = None, municipality: str | None = None
              ) -> list[dict[str, Any]]:
        """The agency's case list; given ``municipality``, of that municipality's cases only (a user's list).

        Given ``now``, another agency's list leaves out a case whose calendar moment (a consent's end, an 18th
        birthday) has come but is not recorded yet: until the keeper has recorded it, whether the agency still
        sees the case cannot be told (the lead, which owns every case, keeps them) — a moment that concerns the
        agency only (``calendar_withholds``)."""
        where, parameters = _list_where(agency, municipality)
        rows = self._rows(SQL("SELECT " + LISTED + FIRST_FACT + " FROM {s}.view_cases v WHERE " + " AND ".join(where)
                              + " ORDER BY " + BY_NUMBER).format(s=self._s), tuple(parameters))
        withheld = self._withheld_from_list(agency, now, where, parameters)
        return [r for r in rows if r["case_id"] not in withheld]

    def case_page(self, agency: str, now: datetime | None = None, municipality: str | None = None, phase: str = "",
                  offset: int = 0, limit: int | None = None, newest_first: bool = False,
                  after: IndexCursor | None = None, before: IndexCursor | None = None
                  ) -> tuple[list[dict[str, Any]], int]:
        """A page of ``cases`` (of one phase, given one): from ``offset``, at most ``limit`` rows (None: the rest; 0:
        none), by case number or the newest first; and how many rows the whole list (of that phase) shows.  The same
        rows, order and count as slicing ``cases``, withheld cases neither shown nor counted — ordered, counted and
        paged in SQL, so that a page reads its own rows (and their earliest facts), not the municipality's whole
        list.  Newest first, ``after`` (a row's case number, or ``Unnumbered``: a row without one) starts the page
        past that row, and ``before`` ends it there (the ``limit`` rows just before it, in the list's order): a keyset
        page, which a case opened meanwhile does not shift."""
        where, parameters = _list_where(agency, municipality)
        if phase:
            where.append("v.phase = %s")
            parameters.append(phase)
        withheld = self._withheld_from_list(agency, now, where, parameters)
        if withheld:
            where.append("NOT (v.case_id = ANY(%s))")
            parameters.append(list(withheld))
        order = NEWEST_FIRST if newest_first else BY_NUMBER
        keyset, cursor = _keyset(after, before)
        if keyset != "TRUE":
            assert newest_first, "a keyset page is of the newest-first list"
            order = NEWEST_LAST if before is not None else order
        # The page's rows by their place in the list, and the whole list's count beside each (a window function
        # counts the list before the keyset and LIMIT apply); only then each row's columns and earliest fact.
        rows = self._rows(SQL("SELECT " + LISTED + FIRST_FACT + ", p.total FROM (SELECT v.agency, v.case_id, v.total,"
                              " row_number() OVER (ORDER BY " + order + ") AS place FROM (SELECT v.agency, v.case_id,"
                              " v.case_number, count(*) OVER () AS total FROM {s}.view_cases v WHERE "
                              + " AND ".join(where) + ") v WHERE " + keyset + " ORDER BY " + order
                              + " LIMIT %s OFFSET %s) p JOIN {s}.view_cases v ON v.agency = p.agency"
                              " AND v.case_id = p.case_id ORDER BY p.place").format(s=self._s),
                          (*parameters, *cursor, limit, offset))
        if before is not None:
            rows.reverse()   # read from the cursor backwards: shown in the list's order
        if rows:
            total = rows[0]["total"]
        elif offset == 0 and limit != 0 and not cursor:   # a first page of no row: an empty list
            total = 0
        else:   # past the end, or a page of no row asked for (limit 0): no row carries the count
            total = self._rows(SQL("SELECT count(*) AS total FROM {s}.view_cases v WHERE " + " AND ".join(where))
                               .format(s=self._s), tuple(parameters))[0]["total"]
        for row in rows:
            del row["total"]
        return rows, total

    def _withheld_from_list(self, agency: str, now: datetime | None, where: list[str], parameters: list[Any]
                            ) -> set[UUID]:
        """The cases of the list ``where`` selects that its calendar withholds from ``agency`` at ``now`` (``cases``).
        Only a case whose lead's row has its next moment come can be withheld — every agency's moment is one of the
        case's moments ahead, the earliest of which is ``next_calendar_moment`` (``CaseVisibility``), and a row whose
        calendar is none or does not open waits for that one — so only those rows' calendars are read and opened:
        the few the keeper has yet to record, not the calendar of every row in the list."""
        if now is None or agency == self._lead():
            return set()
        lead = self._lead()
        rows = self._rows(SQL("SELECT l.case_id, l.next_calendar_moment, l.calendar_by_agency, l.calendar_sealed"
                              " FROM {s}.view_cases v JOIN {s}.view_cases l ON l.agency = %s AND l.case_id = v.case_id"
                              " WHERE " + " AND ".join(where) + " AND l.next_calendar_moment <= %s").format(s=self._s),
                          (lead, *parameters, now))
        return {case_id for case_id, _ in self._withholding(rows, {(r["case_id"], agency) for r in rows}, lead, now)}

    def listed_by_number(self, agency: str, municipality: str, case_number: str, now: datetime | None = None
                         ) -> UUID | None:
        """The case ``case_number`` names in the agency's list of the municipality's cases (None: it names none
        there) — one probe of ``view_cases_by_number``, the same whether the number names a case elsewhere (another
        agency's list, one the agency's view holds no number of) or none at all.  Given ``now``, a case the list
        leaves out for its calendar (``cases``) names none: its row is there, but the list does not show it (a red
        team, 2026-12-05: the lookup found it, and read the case, where the list showed nothing)."""
        rows = self._rows(SQL(LISTED_BY_NUMBER).format(s=self._s), (agency, case_number, municipality))
        if not rows:
            return None
        case_id = rows[0]["case_id"]
        if now is not None and agency != self._lead() and self.withheld_by_calendar({(case_id, agency)}, now):
            return None
        return case_id

    def case_numbers(self, case_ids: list[UUID]) -> dict[UUID, str | None]:
        """The numbers of these cases, from the lead's rows (which hold every case): one query by ids, where an
        auditor's page labelling the cases it shows read the installation's whole list.  A case with no row
        (erased, or never stored) is left out."""
        if not case_ids:
            return {}
        rows = self._rows(SQL("SELECT case_id, case_number FROM {s}.view_cases WHERE agency = %s AND case_id = ANY(%s)")
                          .format(s=self._s), (self._lead(), list(case_ids)))
        return {r["case_id"]: r["case_number"] for r in rows}

    def closed_cases(self, municipality: str | None = None) -> list[tuple[UUID, datetime | None]]:
        """Every closed case (of one municipality, given one), from the lead's rows (which hold every case), each
        with the latest time among the facts the lead's view holds of it, the calendar's left out (None: it holds
        none) — plaintext columns only, one query.  A fact's time is its event's, so the case's last entry (its last
        event not the calendar's: ``domain.retention``) is no earlier: what culling
        reads first, to leave out the cases that cannot be due (``services.retention``)."""
        where, parameters = ["v.agency = %s", "v.phase = 'closed'"], [self._lead()]
        if municipality is not None:
            where.append(OF_MUNICIPALITY)
            parameters.append(municipality)
        rows = self._rows(SQL("SELECT v.case_id, (SELECT max(f.recorded_at) FROM {s}.view_facts f WHERE f.agency ="
                              " v.agency AND f.case_id = v.case_id AND f.kind <> 'calendar') AS latest"
                              " FROM {s}.view_cases v WHERE "
                              + " AND ".join(where) + " ORDER BY v.case_number, v.case_id").format(s=self._s),
                          tuple(parameters))
        return [(r["case_id"], r["latest"]) for r in rows]

    def withheld_by_calendar(self, pairs: set[tuple[UUID, str]], now: datetime) -> set[tuple[UUID, str]]:
        """Those (case, agency) pairs where the agency is shown nothing of the case at ``now``: a calendar moment
        that concerns it (``calendar_withholds``) has come and the keeper has not recorded it yet.  One query for
        them all, of the lead's rows (a feed's batch holds many cases and agencies)."""
        if not pairs:
            return set()
        lead = self._lead()
        rows = self._rows(SQL("SELECT case_id, next_calendar_moment, calendar_by_agency, calendar_sealed"
                              " FROM {s}.view_cases WHERE agency = %s AND case_id = ANY(%s)").format(s=self._s),
                          (lead, list({case_id for case_id, _ in pairs})))
        return self._withholding(rows, pairs, lead, now)

    def _withholding(self, rows: list[dict[str, Any]], pairs: set[tuple[UUID, str]], lead: str, now: datetime
                     ) -> set[tuple[UUID, str]]:
        """Of ``pairs``, those the lead's ``rows`` (their calendars) withhold at ``now``."""
        if not rows:
            return set()
        keys = self.keystore.warm([r["case_id"] for r in rows if r["calendar_sealed"] is not None])  # one query
        calendars = {r["case_id"]: {**r, "calendar_by_agency": _opened(r, lead, keys)} for r in rows}
        return {(case_id, agency) for case_id, agency in pairs
                if case_id in calendars and calendar_withholds(calendars[case_id], agency, lead, now)}

    def next_calendar_moment(self, lead: str) -> datetime | None:
        """The earliest moment the calendar keeper is next due in any case (None: in none)."""
        rows = self._rows(SQL("SELECT min(next_calendar_moment) AS at FROM {}.view_cases WHERE agency = %s")
                          .format(self._s), (lead,))
        return rows[0]["at"] if rows else None

    def due_for_calendar(self, lead: str, now: datetime) -> list[UUID]:
        """Cases whose next calendar moment has come (the lead agency's list covers every case)."""
        rows = self._rows(SQL("SELECT case_id FROM {}.view_cases WHERE agency = %s AND next_calendar_moment <= %s"
                              " ORDER BY next_calendar_moment").format(self._s), (lead, now))
        return [r["case_id"] for r in rows]


def _keyset(after: IndexCursor | None, before: IndexCursor | None) -> tuple[str, tuple[Any, ...]]:
    """The condition of a keyset page (``case_page``) and its parameter: TRUE and none for a page by offset."""
    if after is not None and before is not None:
        raise ValueError("a page is after a row or before one, not both")
    cursor = after if after is not None else before
    if cursor is None:
        return "TRUE", ()
    if isinstance(cursor, Unnumbered):
        return (AFTER_UNNUMBERED if after is not None else BEFORE_UNNUMBERED), (cursor.no_number, cursor.case_id)
    return (AFTER_NUMBER if after is not None else BEFORE_NUMBER), (cursor,)


def calendar_where(case_id: UUID | str, agency: str) -> bytes:
    """What a case-list row's calendar is sealed to: its case and agency (the lead's row alone has one)."""
    return f"{case_id}/{agency}/calendar".encode()


def _opened(row: dict[str, Any], lead: str, keys: dict[UUID, bytes | None]) -> dict[str, str] | None:
    """The lead's row's moments per agency, unsealed; None when it has none, or they cannot be opened (the case's
    key destroyed or damaged, the bytes altered): then every agency waits for the case's next moment — withheld
    a moment too long rather than shown what a moment ended.  A row a process of the version before wrote (during
    a rolling upgrade) has them in plaintext, which this version writes NULL: those, when there, are the latest."""
    sealed = row["calendar_sealed"]
    if row["calendar_by_agency"] is not None or sealed is None:
        return row["calendar_by_agency"]
    key = keys.get(row["case_id"])
    if key is None:
        return None
    try:
        return json.loads(unseal(key, bytes(sealed), calendar_where(row["case_id"], lead)))
    except (Unsealable, ValueError):
        return None


def calendar_withholds(lead_row: dict[str, Any], agency: str, lead: str, now: datetime) -> bool:
    """Whether ``agency`` is shown nothing of a case at ``now`` for its calendar, by the lead's row of the case:
    until the keeper has recorded a moment that has come, what it ends cannot be told from what it leaves.
    Only a moment that concerns the agency counts (``CaseVisibility.next_moments_by_agency``): another agency's
    consent ending must not show, as a case withheld at midnight, in what this one is shown.  The lead waits for
    every moment, and so does everyone for a row written before moments were kept per agency."""
    by_agency = lead_row["calendar_by_agency"]
    if by_agency is None or agency == lead:
        due = lead_row["next_calendar_moment"]
    else:
        due = min((datetime.fromisoformat(by_agency[key]) for key in (EVERY_AGENCY_KEY, agency) if key in by_agency),
                  default=None)
    return due is not None and due <= now


def case_number_read_only(conn: psycopg.Connection, schema: str, case_id: UUID) -> str | None:
    """A case's number as the case lists hold it (``view_cases``, in plaintext), for a verifier that holds no key and
    writes nothing: None when no list has the case (erased, the views behind, or no views in this database).  A role
    not granted the table raises psycopg's InsufficientPrivilege."""
    if conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."view_cases"',)).fetchone()[0] is None:
        return None
    row = conn.execute(sql.SQL("SELECT case_number FROM {} WHERE case_id = %s AND case_number IS NOT NULL LIMIT 1")
                       .format(sql.Identifier(schema, "view_cases")), (case_id,)).fetchone()
    return row[0] if row else None


# What makes an aggregate a case, in the events' plaintext (topic and id, sealed by the ledger): its first event is a
# case's (the referral); every other aggregate's — a case-number series' — is not.  Of the events aliased ``e``, in
# a query given parameters (hence %%): the one statement of it, for the index's check and the erasures'.
CASE_OPENED = "e.originator_version = 1 AND e.topic LIKE 'domain.case_events:%%'"


# The cases the events say exist — each case's first event, plaintext topic and id under the ledger — that the lead
# agency's case list (the auditors' index reads it) does not hold: erased ones left out (their rows go with the key),
# and each told whether the views had taken in its referral (their position is written with the rows, in one
# transaction: one statement reads both as they stood together).
UNLISTED_CASES = (
    "SELECT e.originator_id, e.notification_id <= p.position AS taken_in FROM {events} e,"
    " (SELECT coalesce((SELECT max(notification_id) FROM {tracking} WHERE application_name = %s), 0) AS position) p"
    " WHERE " + CASE_OPENED +
    " AND NOT EXISTS (SELECT 1 FROM {cases} v WHERE v.case_id = e.originator_id AND v.agency = %s)"
    " AND NOT EXISTS (SELECT 1 FROM {keys} k WHERE k.aggregate_id = e.originator_id AND k.wrapped_key IS NULL)"
    " ORDER BY e.notification_id")


def tables_absent(conn: psycopg.Connection, schema: str, names: tuple[str, ...]) -> bool:
    """Whether any of the tables ``names`` is missing from ``schema``, in one round trip (verify's index checks asked
    one each)."""
    return conn.execute("SELECT bool_or(to_regclass(n) IS NULL) FROM unnest(%s::text[]) AS n",
                        ([f'"{schema}"."{name}"' for name in names],)).fetchone()[0]


def unlisted_cases(conn: psycopg.Connection, schema: str, events_table: str, tracking_table: str,
                   application_name: str, lead: str) -> tuple[list[UUID], list[UUID]] | None:
    """The cases missing from the auditors' index (the lead agency's case list, ``view_cases``) though their events
    are stored: those whose referral the views have taken in — their row removed since, which nothing in Sigill
    does but an erasure — and those the views have not reached yet (behind).  Ids only, oldest referral first; read
    as a verifier reads (no key, nothing made).  None when the views have no tables in this database."""
    def table(name: str) -> sql.Identifier:
        return sql.Identifier(schema, name)

    if tables_absent(conn, schema, ("view_cases", tracking_table, events_table, KEYS_TABLE)):
        return None
    rows = conn.execute(sql.SQL(UNLISTED_CASES).format(
        events=table(events_table), tracking=table(tracking_table), cases=table("view_cases"),
        keys=table(KEYS_TABLE)), (application_name, lead)).fetchall()
    return [r[0] for r in rows if r[1]], [r[0] for r in rows if not r[1]]


def _list_where(agency: str, municipality: str | None) -> tuple[list[str], list[Any]]:
    """An agency's list's conditions (of one municipality's cases, given one) and their parameters."""
    where, parameters = ["v.agency = %s"], [agency]
    if municipality is not None:
        where.append(OF_MUNICIPALITY)
        parameters.append(municipality)
    return where, parameters
