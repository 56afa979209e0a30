"""A page of a case list is ordered, filtered, counted and paged by the views' store: it reads the page's rows (and the
calendars of the few cases the keeper has yet to record), not the municipality's whole list — where every list page
read and sorted every row, and a member's asked the calendar of every one (bench/web_pages.py, 2026-12-05) — and
shows exactly the rows, order and count that slicing the whole list showed, the calendar's withholding kept."""

from __future__ import annotations

from datetime import datetime, timezone

import psycopg

from services.case_list_reads import index_cursor
from tests.integration.api.flows import ok, open_case, school_consent_ending, school_consented_case


def list_rows_read(store, monkeypatch) -> list[int]:
    """The rows each query of the case lists' table returns, as the store reads them (appended as they are)."""
    read: list[int] = []
    rows = store._rows

    def counted(query, params, **how):
        found = rows(query, params, **how)
        if "view_cases" in repr(query):
            read.append(len(found))
        return found
    monkeypatch.setattr(store, "_rows", counted)
    return read


def test_a_page_of_a_list_reads_the_same_rows_however_many_cases_the_list_holds(client, users, tick, context,
                                                                                monkeypatch):
    store = context.cases.lists.runner.store
    read = list_rows_read(store, monkeypatch)

    def rows_read_for_a_page(headers) -> int:
        ok(client.get("/api/v1/cases", headers=headers))   # the views caught up: a page then reads the lists only
        read.clear()
        page = ok(client.get("/api/v1/cases", params={"limit": 1, "offset": 1}, headers=headers))
        assert len(page["cases"]) == 1
        return sum(read)

    def pages() -> dict[str, int]:
        return {who: rows_read_for_a_page(headers) for who, headers in (
            ("socialtjanst", users.social), ("polis", users.police), ("ivo", users.auditor))}

    for _ in range(2):
        school_consented_case(client, users, tick)
    few = pages()
    for _ in range(4):
        school_consented_case(client, users, tick)
    many = pages()
    # The page's one row, the same with two cases and with six: the lead's and the auditor's lists read every row,
    # the police's every row and each one's calendar (the lead's row), to show one.
    assert few == many == {"socialtjanst": 1, "polis": 1, "ivo": 1}, (few, many)


def reference(store, agency: str, municipality: str | None, now: datetime, phase: str, newest_first: bool,
              lead: str) -> list[dict]:
    """The list as it was made before pages were read in SQL: the whole list, the calendar asked of every row,
    filtered by phase and sorted (the newest first) in Python."""
    rows = store.cases(agency, None, municipality)
    if agency != lead:
        withheld = store.withheld_by_calendar({(r["case_id"], agency) for r in rows}, now)
        rows = [r for r in rows if (r["case_id"], agency) not in withheld]
    rows = [r for r in rows if r["phase"] == phase] if phase else rows
    return sorted(rows, key=lambda r: r["case_number"] or "", reverse=True) if newest_first else rows


def test_every_page_shows_the_rows_order_and_count_of_the_whole_list_sliced_withheld_cases_neither_shown_nor_counted(
        client, users, tick, app, context, postgres):
    lead = app.catalogue.lead_agency
    store = context.cases.lists.runner.store
    ending = school_consent_ending(client, users, tick)    # the school's consent ends 2026-02-10
    for _ in range(3):
        school_consented_case(client, users, tick)
    for _ in range(2):
        open_case(client, users)                           # referred, social services' alone
    ok(client.get("/api/v1/cases", headers=users.social))  # the views caught up
    # Rows without a number (a member not shown `case`), and one with an empty one: last in the newest-first order,
    # in the by-number order among themselves, as Python's stable sort left them.
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        numbered = [r[0] for r in conn.execute("SELECT case_id FROM view_cases WHERE agency = %s ORDER BY case_id",
                                               (lead,))]
        conn.execute("UPDATE view_cases SET case_number = NULL WHERE case_id = ANY(%s)", (numbered[:2],))
        conn.execute("UPDATE view_cases SET case_number = '' WHERE case_id = %s", (numbered[2],))
    app.clock.set(datetime(2026, 2, 11, 8, tzinfo=timezone.utc))   # the school's consent has ended; no keeper yet
    now = app.clock.now()
    lists = [("socialtjanst", "0180"), ("skola", "0180"), ("polis", "0180"), (lead, None)]
    withheld_from_school = False
    for agency, municipality in lists:
        phases = {"", *(r["phase"] for r in store.cases(agency, None, municipality))}
        for phase in sorted(phases):
            for newest_first in (False, True):
                whole = reference(store, agency, municipality, now, phase, newest_first, lead)
                withheld_from_school |= agency == "skola" and not phase and ending in {
                    str(r["case_id"]) for r in store.cases(agency, None, municipality)} - {
                    str(r["case_id"]) for r in whole}
                for size in range(1, len(whole) + 2):
                    for offset in range(0, len(whole) + size + 1, size):
                        shown, total = store.case_page(agency, now, municipality, phase, offset, size, newest_first)
                        assert (shown, total) == (whole[offset:offset + size], len(whole)), (
                            agency, phase, newest_first, size, offset)
                    for place, row in enumerate(whole if newest_first else []):   # keyset pages (the auditors')
                        cursor = index_cursor(row)
                        assert store.case_page(agency, now, municipality, phase, 0, size, True, after=cursor) == (
                            whole[place + 1:place + 1 + size], len(whole)), (agency, phase, size, place)
                        assert store.case_page(agency, now, municipality, phase, 0, size, True, before=cursor) == (
                            whole[max(0, place - size):place], len(whole)), (agency, phase, size, place)
                assert store.case_page(agency, now, municipality, phase, 1, None, newest_first) == (
                    whole[1:], len(whole))
                for offset in (0, 1):   # a page of no row still counts the list, as slicing leaves it whole
                    assert store.case_page(agency, now, municipality, phase, offset, 0, newest_first) == (
                        [], len(whole)), (agency, phase, newest_first, offset)
    assert withheld_from_school   # the school's list held the case the calendar withholds: left out, not counted
