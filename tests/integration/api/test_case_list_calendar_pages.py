"""The case lists paged in SQL open the calendar only of the cases whose lead row's next moment has come
(``CaseListQueries._withheld_from_list``): every agency's moment is one of the case's moments ahead, the earliest of
which is ``next_calendar_moment``.  A red team (2026-12-06) held a page of every list against the whole list as it
was made before (the calendar asked of every row) for each kind of moment the commit's own test did not drive: a
consent narrowed to end earlier, a consent to the police alone ending (a moment the school must not wait for), the
18th birthday (every member's), each before and after the keeper records it; and lead rows whose calendar is odd —
one that cannot be opened (every member waits for the case's next moment) and one a process of the version before
wrote (none per agency: the same).  The pages, their totals and the API's pages must withhold exactly what the whole
list withheld, and the cases named below must be withheld from the agencies named, and only from them."""

from __future__ import annotations

from datetime import datetime, timezone

import psycopg

from tests.integration.api.flows import REFERRAL, ok, school_consent_ending, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_case_list_pages import reference

LISTS = [("socialtjanst", "0180"), ("skola", "0180"), ("polis", "0180")]


def _same_as_the_whole_list(store, lead: str, now: datetime) -> dict[str, set[str]]:
    """Every page of every list (each phase, both orders, every size and offset, past the end too) as the whole list
    sliced; and, per agency, the cases its list withholds now (in its view, not shown)."""
    withheld: dict[str, set[str]] = {}
    for agency, municipality in LISTS:
        held = {str(r["case_id"]) for r in store.cases(agency, None, municipality)}
        for phase in sorted({"", *(r["phase"] for r in store.cases(agency, None, municipality))}):
            for newest_first in (False, True):
                whole = reference(store, agency, municipality, now, phase, newest_first, lead)
                for size in range(1, len(whole) + 2):
                    for offset in range(0, len(whole) + size + 1, size):
                        shown = store.case_page(agency, now, municipality, phase, offset, size, newest_first)
                        assert shown == (whole[offset:offset + size], len(whole)), (
                            agency, phase, newest_first, size, offset)
                if not phase:
                    withheld[agency] = held - {str(r["case_id"]) for r in whole}
                    assert {str(r["case_id"]) for r in store.cases(agency, now, municipality)} == held - withheld[
                        agency]
    return withheld


def _api_total(client, headers) -> tuple[int, set[str]]:
    whole = ok(client.get("/api/v1/cases", headers=headers))
    past = ok(client.get("/api/v1/cases", params={"limit": 1, "offset": 50}, headers=headers))
    assert past["cases"] == [] and past["total"] == whole["total"] == len(whole["cases"])
    return whole["total"], {c["case_id"] for c in whole["cases"]}


def test_pages_withhold_what_the_whole_list_withheld_for_every_kind_of_moment(client, users, tick, app, context,
                                                                              postgres):
    lead = app.catalogue.lead_agency
    runner = context.cases.lists.runner
    store = runner.store
    # The school's consent ends 2026-02-20 (by date).
    ending = school_consent_ending(client, users, tick, valid_until="2026-02-20")
    # The young person's consent to the school and the police narrowed to end 2026-02-08.
    narrowed, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{narrowed}/consents/{consents[0]}/narrowings", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "school"]},
                                               {"agency": "polis", "categories": ["case"]}],
        "valid_until": "2026-02-08"}))
    # A consent to the police alone ending 2026-02-08: the school's list must not move at the police's end.
    police_only = _police_consent_ending(client, users, tick)
    # The same, its lead row's calendar unopenable (altered bytes), and another's as a process of the version before
    # wrote it (no moments per agency): every member waits for their next moment, the school too.
    unopenable, version_before = (_police_consent_ending(client, users, tick) for _ in range(2))
    ok(client.get("/api/v1/cases", headers=users.social))   # the views caught up
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE view_cases SET calendar_sealed = '\\x00ff'::bytea WHERE agency = %s AND case_id = %s",
                     (lead, unopenable))
        conn.execute("UPDATE view_cases SET calendar_sealed = NULL WHERE agency = %s AND case_id = %s",
                     (lead, version_before))
    every = {ending, narrowed, police_only, unopenable, version_before}
    assert _api_total(client, users.school) == (5, every) and _api_total(client, users.police) == (4, every - {ending})

    app.clock.set(datetime(2026, 2, 9, 8, tzinfo=timezone.utc))   # the 8th has ended; the keeper has not run
    waiting = {narrowed, unopenable, version_before}
    assert _same_as_the_whole_list(store, lead, app.clock.now()) == {
        "socialtjanst": set(), "skola": waiting, "polis": waiting | {police_only}}
    assert _api_total(client, users.school) == (2, every - waiting)
    assert _api_total(client, users.police) == (0, set())   # every case of its list waits for the keeper
    runner.keep_calendar()
    assert _same_as_the_whole_list(store, lead, app.clock.now()) == {"socialtjanst": set(), "skola": set(),
                                                                      "polis": set()}

    app.clock.set(datetime(2026, 2, 21, 8, tzinfo=timezone.utc))   # the school's consent by date has ended
    assert _same_as_the_whole_list(store, lead, app.clock.now()) == {"socialtjanst": set(), "skola": {ending},
                                                                      "polis": set()}
    runner.keep_calendar()
    assert _same_as_the_whole_list(store, lead, app.clock.now()) == {"socialtjanst": set(), "skola": set(),
                                                                      "polis": set()}

    # The 18th birthday (2027-03-14, Swedish time) concerns every member: each waits for the keeper in every case it
    # still lists, whatever consent it sees the case under.
    app.clock.set(datetime(2027, 3, 14, 8, tzinfo=timezone.utc))
    school, police = ({str(r["case_id"]) for r in store.cases(a, None, "0180")} for a in ("skola", "polis"))
    assert school and police
    assert _same_as_the_whole_list(store, lead, app.clock.now()) == {"socialtjanst": set(), "skola": school,
                                                                      "polis": police}
    assert _api_total(client, users.school) == (0, set()) and _api_total(client, users.police) == (0, set())
    runner.keep_calendar()
    assert _same_as_the_whole_list(store, lead, app.clock.now()) == {"socialtjanst": set(), "skola": set(),
                                                                      "polis": set()}


def _police_consent_ending(client, users, tick) -> str:
    """A case consented to as ``school_consented_case``'s, with a further consent of the young person's to the police
    alone, ending 2026-02-08: the police still sees the case under the first, yet waits for the keeper then."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "polis", "categories": ["case"]}], "purpose": "Brott",
        "valid_from": "2026-02-02", "valid_until": "2026-02-08", "form": "written"}), 201)
    return case_id


def test_a_page_neither_shows_nor_counts_a_case_the_school_left_or_one_of_another_municipality(
        client, users, tick, context, settings):
    """The school in two groups, one it has left, and a case referred in Södertälje (0181): Stockholm's school lists
    and counts the one it is still in, on every page of the API's and the web client's list (no second page, a page
    past the end leads to the first); Södertälje's school, in no group, lists and counts nothing."""
    kept, _ = school_consented_case(client, users, tick)
    left, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{left}/members/skola/departure", headers=users.social,
                   json={"reason": "Eleven har bytt skola."}))
    elsewhere = ok(client.post("/api/v1/cases", headers=users.headers("socialtjanst", "caseworker", "0181"),
                               json={**REFERRAL, "municipality": "0181"}), 201)["case_id"]
    school_0181 = users.headers("skola", "member", "0181")
    assert _api_total(client, users.school) == (1, {kept})
    for offset in (0, 1, 2):
        page = ok(client.get("/api/v1/cases", params={"limit": 1, "offset": offset}, headers=users.school))
        assert page["total"] == 1 and [c["case_id"] for c in page["cases"]] == ([kept] if offset == 0 else [])
    assert ok(client.get("/api/v1/cases", headers=school_0181)) == {"cases": [], "total": 0}   # not a member there
    web = web_as(context, settings, "skola")
    listed = web.get("/arenden")
    assert listed.status_code == 200 and kept in listed.text and left not in listed.text
    assert elsewhere not in listed.text and "Sida" not in listed.text
    past = web.get("/arenden", params={"sida": "2"}, follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == "/arenden"
