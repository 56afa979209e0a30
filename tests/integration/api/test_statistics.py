"""Follow-up statistics over the API, on real cases: who may ask, what the answer holds, what it never holds, and
the one access-log entry a run leaves."""

from __future__ import annotations

import re
from uuid import UUID

from services.access_entry import AccessQuery
from services.statistics import STATISTICS_RUN
from tests.builders import BORN_2009_03_14
from tests.integration.api.flows import REFERRAL, ok, open_case, school_consented_case

PERIOD = {"municipality": "0180", "from": "2026-01-01", "to": "2026-12-31"}


def cohort(client, users, tick, app) -> list[str]:
    """Seven cases referred 2026-02-01: five accepted with the school and the police in the group (one with a plan,
    closed with its goals met: a case without a plan cannot be), one declined, one pending."""
    accepted = [school_consented_case(client, users, tick)[0] for _ in range(5)]
    tick()
    ok(client.post(f"/api/v1/cases/{accepted[0]}/plan/revisions", headers=users.social, json={
        "main_goal": "Fullföljd skolgång", "rows": [
            {"area": "Skola", "goal": "Närvaro", "how": "Mentor", "responsible": "Skolan"}]}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{accepted[0]}/closure", headers=users.social,
                   json={"reason": "goals_met", "outcome": "Klarar sig."}))
    declined = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{declined}/eligibility", headers=users.social, json={
        "accepted": False, "reasons": "Ej aktuell.", "decided_on": "2026-02-03"}))
    return [*accepted, declined, open_case(client, users)]


def test_social_services_gets_counts_and_medians_of_its_cohort_with_small_cells_suppressed(client, users, tick, app):
    cases = cohort(client, users, tick, app)
    found = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    assert (found["municipality"], found["from"], found["to"], found["cases"]) == ("0180", "2026-01-01", "2026-12-31", 7)
    b = found["breakdowns"]
    assert b["entry_route"]["cells"]["lul6"] == 7 and b["entry_route"]["total"] == 7
    # 5 accepted, 1 declined and 1 pending: 7 − 5 = 2 would make both "<5" a 1 (red team 2026-12-05), and 5 + 1 + 1
    # with ".." at least 5 still would: nothing is left to hide, so the whole breakdown is "..".
    assert b["eligibility"]["cells"] == {"accepted": "..", "declined": "..", "pending": ".."}
    assert b["age_at_referral"]["cells"]["15_17"] == 7
    assert b["member_agencies"]["cells"]["skola"] == 5 and b["member_agencies"]["cells"]["bup"] == 0
    assert b["closure_reason"]["cells"]["goals_met"] == "<5" and b["closure_reason"]["total"] == "<5"
    assert b["consents"]["cells"]["granted"] == 15   # the young person and two guardians, in five cases
    # 1 and 4 of the 5 accepted, whose count is hidden: a breakdown of a hidden cell shows none of its cells (their
    # "<5", "<5" would make it 2 to 8), and the participation under it neither.
    assert b["action_plan"] == {"total": "..", "cells": {"with_plan": "..", "without_plan": ".."}}
    assert b["plan_participation"] == {"total": "..", "cells": {
        "with_young_person": "..", "without_young_person": "..", "not_recorded": ".."}}
    assert b["plan_rows_by_category"]["cells"]["school"] == "<5" and b["plan_rows_by_follow_up"]["total"] == "<5"
    assert found["medians"]["referral_to_decision"] == 1.0   # decided 2026-02-02 on a referral of 02-01
    assert found["medians"]["referral_to_closure"] is None   # one case closed: not shown
    assert found["erased_cases"] == 0
    text = found.__repr__() + client.get("/api/v1/statistics", params=PERIOD, headers=users.social).text
    numbers = [app.get_case(UUID(c)).case_number for c in cases]
    for secret in [*cases, *numbers, REFERRAL["name"], BORN_2009_03_14, BORN_2009_03_14.replace("-", ""),
                   "Klarar sig", "Hög risk", "Mentor"]:
        assert secret not in text, secret
    assert not re.search(r"2026-0[2-9]-|2026-1[0-2]-[0-9]{2}", text.replace("2026-12-31", ""))  # no finer date


BOY = "20090314-2396"   # the ninth digit odd: a boy (the REFERRAL's, 20090314-2388, even: a girl)


def test_the_cases_and_the_aktuella_are_counted_by_sex_and_a_lone_one_cannot_be_subtracted_out(client, users,
                                                                                               tick, caplog):
    """Kön from the personnummer inside the sealed referral: 5 girls and 6 boys, all found aktuella, show 5 and 6
    twice.  One more boy, not yet decided: 7 boys beside 6 aktuella would give him back (the 1 pending shown "<5"
    beside 11 aktuella already would), so the aktuella by sex are hidden with the aktuell cell.  The sex is in no
    log line, id or access-log entry."""
    def referred(personnummer: str, accept: bool = True) -> str:
        case_id = ok(client.post("/api/v1/cases", json={**REFERRAL, "personnummer": personnummer},
                                 headers=users.social), 201)["case_id"]
        if accept:
            tick()
            ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
                "accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}))
        return case_id
    for _ in range(5):
        referred(REFERRAL["personnummer"])
    for _ in range(6):
        referred(BOY)
    b = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))["breakdowns"]
    assert b["sex"] == {"total": 11, "cells": {"girls": 5, "boys": 6}}
    assert b["accepted_by_sex"] == {"total": 11, "cells": {"girls": 5, "boys": 6}}
    referred(BOY, accept=False)
    with caplog.at_level("DEBUG"):
        found = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    b = found["breakdowns"]
    assert b["sex"] == {"total": 12, "cells": {"girls": 5, "boys": 7}}
    assert b["eligibility"]["cells"]["pending"] in ("<5", "..") and b["eligibility"]["cells"]["accepted"] == ".."
    assert b["accepted_by_sex"] == {"total": "..", "cells": {"girls": "..", "boys": ".."}}
    said = caplog.text.lower()
    assert not any(word in said for word in ("girls", "boys", "flick", "pojk", "sex")), caplog.text


def test_a_period_without_the_cohort_counts_nothing_and_an_auditor_may_ask_for_any_municipality(
        client, users, tick, app):
    cohort(client, users, tick, app)
    empty = ok(client.get("/api/v1/statistics", params={**PERIOD, "from": "2027-01-01", "to": "2027-12-31"},
                          headers=users.auditor))
    assert empty["cases"] == 0 and empty["medians"]["referral_to_decision"] is None
    assert ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.auditor))["cases"] == 7
    assert ok(client.get("/api/v1/statistics", params={**PERIOD, "municipality": "1480"},
                         headers=users.auditor))["cases"] == 0


def test_members_administrators_and_other_municipalities_social_services_are_refused(client, users, tick, app):
    open_case(client, users)
    for headers in (users.school, users.police, users.headers("socialtjanst", "administrator"),
                    users.headers("socialtjanst", "caseworker", municipality="1480"),
                    users.headers("socialtjanst", "member"), users.headers("polis", "coordinator")):
        refused = client.get("/api/v1/statistics", params=PERIOD, headers=headers)
        assert refused.status_code == 403, refused.text
    assert ok(client.get("/api/v1/statistics", params=PERIOD,
                         headers=users.headers("socialtjanst", "coordinator")))["cases"] == "<5"   # one case


def test_bad_input_is_422_naming_the_field_never_a_500(client, users):
    for params, field in (({**PERIOD, "from": "2026-13-01"}, "query.from"), ({**PERIOD, "from": "20260101"}, "query.from"),
                          ({**PERIOD, "to": "igår"}, "query.to"), ({**PERIOD, "to": "2025-12-31"}, "query.to"),
                          ({**PERIOD, "municipality": "9999"}, "query.municipality"),
                          ({"municipality": "0180", "to": "2026-12-31"}, "query.from")):
        refused = client.get("/api/v1/statistics", params=params, headers=users.auditor)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.json()["error"]["field"] == field, (params, refused.text)


def test_a_year_outside_the_calendar_is_told_so_not_that_the_date_is_badly_written(client, users):
    """1899-01-01 is written YYYY-MM-DD: the answer said it was not, and the engineer looked for a typing error."""
    for params, field in (({"municipality": "0180", "from": "1899-01-01", "to": "1899-12-31"}, "query.from"),
                          ({"municipality": "0180", "from": "2200-01-01", "to": "2200-12-31"}, "query.from")):
        refused = client.get("/api/v1/statistics", params=params, headers=users.auditor)
        assert refused.status_code == 422, (params, refused.text)
        error = refused.json()["error"]
        assert error["field"] == field and "from 1900-01-01 to 2199-12-31" in error["message"], error
        assert "written YYYY-MM-DD" not in error["message"], error


def test_a_period_that_is_not_one_calendar_year_is_422_so_that_two_runs_cannot_be_subtracted(client, users):
    """January–June and January–May would give, by their difference, June's cases exactly (and a period ending a
    day earlier, one day's): only whole calendar years, which never overlap."""
    for params, field in (({**PERIOD, "to": "2026-06-30"}, "query.to"),
                          ({**PERIOD, "from": "2026-06-01"}, "query.from"),
                          ({**PERIOD, "to": "2027-12-31"}, "query.to")):
        refused = client.get("/api/v1/statistics", params=params, headers=users.auditor)
        assert refused.status_code == 422, (params, refused.text)
        assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
            "period_not_a_calendar_year", field), (params, refused.text)


def test_a_run_is_one_access_log_entry_under_no_case_and_in_no_young_person_s_extract(
        client, users, tick, app, context):
    cases = cohort(client, users, tick, app)
    log = context.cases.access_log
    before = {c: len(log.extract(UUID(c))) for c in cases}
    ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    runs = log.search(AccessQuery(case_id=STATISTICS_RUN, limit=100))
    assert [(r.entry.agency, r.entry.what) for r in runs] == [("socialtjanst", "statistics:0180:2026-01-01:2026-12-31")]
    assert {c: len(log.extract(UUID(c))) for c in cases} == before
    assert client.get("/api/v1/statistics", params=PERIOD, headers=users.school).status_code == 403
    assert len(log.search(AccessQuery(case_id=STATISTICS_RUN, limit=100))) == 1   # a refusal logs nothing


def test_an_erased_case_is_in_no_figure_and_counted_apart_as_under_five(client, users, tick, app, settings, postgres):
    from services.bootstrap import build_erasures
    from services.erasure import erase_case

    cases = cohort(client, users, tick, app)
    closed = cases[0]                      # with a plan, closed with its goals met
    before = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))   # the views take it in
    assert (before["cases"], before["erased_cases"], before["breakdowns"]["closure_reason"]["total"]) == (7, 0, "<5")
    erase_case(app, build_erasures(settings, postgres), UUID(closed), "SN 2026/45", "cli:uid0@host")
    found = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    assert found["erased_cases"] == "<5"
    assert found["cases"] == 6 and found["breakdowns"]["closure_reason"]["total"] == 0
    # 4 accepted, 1 declined, 1 pending: "<5" each showed the median of days to a decision, over 5 decided cases or
    # more, so at most 6 - 5 = 1 pending, which "<5" made exactly 1 (red team 2026-12-05): every cell is hidden.
    assert found["breakdowns"]["eligibility"]["cells"] == {"accepted": "..", "declined": "..", "pending": ".."}
    assert found["medians"]["referral_to_decision"] is not None


def test_a_members_meeting_social_services_may_not_see_does_not_move_the_meetings_per_case(client, users, tick):
    """Five accepted cases, each with one meeting social services recorded and one the school recorded, which no
    consent lets social services see: the median is 1, social services' own — counting the school's made it 2,
    telling social services, the figure's reader, of meetings its views do not show."""
    for _ in range(5):
        case_id, _ = school_consented_case(client, users, tick)
        for headers in (users.social, users.school):
            tick()
            ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=headers,
                           json={"held_on": "2026-02-03", "attendees": ["skola"]}), 201)
        seen = ok(client.get(f"/api/v1/cases/{case_id}/meetings", headers=users.social))
        assert len(seen["meetings"]) == 1   # its own: the school's is hidden from it
    found = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    assert found["breakdowns"]["eligibility"]["cells"]["accepted"] == 5
    assert found["medians"]["meetings_per_accepted_case"] == 1.0


def test_a_follow_up_only_a_member_recorded_does_not_move_social_services_figures(client, users, tick):
    """Five accepted cases, each with a plan of two school rows: social services follows the first up as ongoing and
    the school then as achieved; the second only the school, as partly.  No consent lets social services see the
    school's follow-ups: the rows count as social services' latest — 5 ongoing, 5 not followed up — where counting
    the school's made them 5 achieved and 5 partly, telling social services, the figures' reader, what its views do
    not show."""
    for _ in range(5):
        case_id, _ = school_consented_case(client, users, tick)
        tick()
        row = {"area": "Skola", "how": "Mentor", "responsible": "Skolan", "responsible_agencies": ["skola"]}
        ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
            "main_goal": "Fullföljd skolgång", "rows": [{**row, "goal": "Närvaro"}, {**row, "goal": "Betyg"}]}), 201)
        plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
        first, second = (r["content"]["row_id"] for r in plan["rows"])
        for row_id, status, headers in ((first, "ongoing", users.social), (first, "achieved", users.school),
                                        (second, "partly", users.school)):
            tick()
            ok(client.post(f"/api/v1/cases/{case_id}/follow-ups", headers=headers,
                           json={"row_id": row_id, "status": status, "note": "Noterat."}), 201)
        facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
        assert [f["content"]["status"] for f in facts if f["kind"] == "follow_up"] == ["ongoing"]   # its own
    found = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    assert found["breakdowns"]["plan_rows_by_follow_up"] == {"total": 10, "cells": {
        "achieved": 0, "partly": 0, "not_achieved": 0, "ongoing": 5, "not_followed_up": 5}}
