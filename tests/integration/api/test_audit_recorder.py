"""Who recorded a fact in another agency's name — a meeting's minutes, a referral social services registered — is
shown to auditors (the API, the report, the web client), and to no member: to a member, who recorded a meeting can
itself be information it may not see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import signed_in


def test_auditors_see_who_recorded_a_fact_in_another_agencys_name_and_members_do_not(client, users, tick, context,
                                                                                      settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-03", "attendees": ["skola"],
        "outcomes": [{"category": "school", "origin_agency": "skola", "text": "Närvaron har ökat."}]}), 201)

    facts = ok(client.get(f"/api/v1/audit/cases/{case_id}/facts", headers=users.auditor))["facts"]
    by_kind = {f["kind"]: f for f in facts}
    assert by_kind["referral"]["origin"] == "polis" and by_kind["referral"]["recorded_by"] == "socialtjanst"
    assert by_kind["meeting.outcome"]["origin"] == "skola" and by_kind["meeting.outcome"]["recorded_by"] == "socialtjanst"
    assert by_kind["case.opened"]["recorded_by"] is None and by_kind["meeting"]["recorded_by"] is None   # its own

    school = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]
    outcome = next(f for f in school if f["kind"] == "meeting.outcome")
    assert "recorded_by" not in outcome and all("recorded_by" not in f for f in school)

    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200 and "Närvaron har ökat. (registrerad av Socialtjänsten)" in report.text

    web = create_api(context)
    mount_web(web, context, settings)
    auditor = signed_in(TestClient(web, raise_server_exceptions=False), "ivo")
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"})
    assert page.status_code == 200 and "(registrerad av Socialtjänsten)" in page.text
    member = signed_in(TestClient(web, raise_server_exceptions=False), "skola")
    own = member.get(f"/arenden/{case_id}")
    assert own.status_code == 200 and "Närvaron har ökat." in own.text and "registrerad av" not in own.text
