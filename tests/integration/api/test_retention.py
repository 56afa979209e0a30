"""Gallringsbara ärenden: social services' web page and the API's list of the closed cases past the retention period —
numbers and dates, no erase button, each case listed a logged read; members, auditors on the web, and another
municipality's social services refused."""

from __future__ import annotations

import re
from uuid import UUID

from tests.builders import BORN_2009_03_14, utc
from tests.integration.api.flows import REFERRAL, ok, open_case
from tests.integration.api.skew import web_as


def accepted_and_closed(client, users, tick, reason: str = "moved") -> str:
    case_id = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
        "accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"], "decided_on": "2026-02-02"}))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": reason, "outcome": "Familjen har flyttat."}))
    return case_id


def cases_in_2026_and_2027(client, users, tick, app) -> tuple[str, str, str]:
    """A case closed on 2026-02-03 (the 18th birthday, 2027-03-14, recorded on the closed case after it: the calendar's
    bookkeeping, not an entry), one closed in 2027 after that, and one left open; the clock then on 2031-06-01 —
    after the first's fifth year from its closure, before the birthday's — only the first is due."""
    due = accepted_and_closed(client, users, tick)
    app.clock.set(utc(2027, 3, 14, 1))   # past midnight in Stockholm: the keeper records the birthday
    app.note_calendar(UUID(due))
    app.clock.set(utc(2027, 4, 1))
    recent = accepted_and_closed(client, users, tick, reason="other")
    still_open = open_case(client, users)
    app.clock.set(utc(2031, 6, 1))
    return due, recent, still_open


def test_social_services_sees_its_due_cases_and_that_the_operator_culls_them(client, users, tick, app, context,
                                                                             settings):
    due, recent, still_open = cases_in_2026_and_2027(client, users, tick, app)
    number = app.get_case(UUID(due)).case_number
    web = web_as(context, settings, "soc-0180")
    assert '<a href="/gallring">Gallring</a>' in web.get("/arenden").text
    page = web.get("/gallring")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1>Gallringsbara ärenden</h1>" in html
    assert "Avslutade ärenden i Stockholm (0180) där den gallringsfrist som kommunen har beslutat har gått ut: 5 år" \
           " efter ärendets sista anteckning (som för socialtjänstens personakter enligt SoL)." in html
    assert "Läget 2031-06-01." in html
    assert "Den görs av Sigills driftansvarige, ett ärende i taget och under ett registrerat gallringsbeslut" in html
    (row,) = re.findall(r"<tbody>\s*(.*?)\s*</tbody>", html, re.S)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == [
        f'<a href="/arenden/{due}">{number}</a>', "2026-02-03", "2026-02-03", "2031-02-03", "Den unge har flyttat"]
    for other in (recent, still_open):
        assert other not in html and app.get_case(UUID(other)).case_number not in html
    # No way to erase here: the page's one form and one button are the sign-out's.
    assert html.count("<form") == 1 and html.count("<button") == 1 and 'action="/logga-ut"' in html
    for secret in (REFERRAL["name"], BORN_2009_03_14, "Peter", "20090314"):
        assert secret not in html
    # The read is in the access log as a list's reads are: of the case it showed, by whom, what.
    log = ok(client.get(f"/api/v1/audit/access-log?case_id={due}&agency=socialtjanst", headers=users.auditor))
    assert [r["what"] for r in log["records"]] == ["case_list", "retention_due"]   # the case list opened first
    assert [r["what"] for r in ok(client.get(f"/api/v1/audit/access-log?case_id={recent}&agency=socialtjanst",
                                             headers=users.auditor))["records"]] == ["case_list"]
    extract = web.get(f"/arenden/{due}/registerutdrag")
    assert extract.status_code == 200 and "listan över gallringsbara ärenden" in extract.text, extract.text[:300]


def test_members_auditors_and_another_municipality_are_refused_the_page(client, users, tick, app, context, settings):
    cases_in_2026_and_2027(client, users, tick, app)
    for user in ("skola", "polis", "ivo"):
        assert web_as(context, settings, user).get("/gallring").status_code == 403, user
    gothenburg = web_as(context, settings, "soc-1480").get("/gallring")
    assert gothenburg.status_code == 200 and "Inga ärenden är gallringsbara just nu." in gothenburg.text
    assert "Göteborg (1480)" in gothenburg.text
    assert '<a href="/gallring">' not in web_as(context, settings, "skola").get("/arenden").text


def test_the_api_gives_social_services_and_auditors_the_same_list(client, users, tick, app):
    due, recent, _ = cases_in_2026_and_2027(client, users, tick, app)
    mine = ok(client.get("/api/v1/retention/due", headers=users.social))
    assert (mine["municipality"], mine["retention_years"], mine["unreadable_cases"]) == ("0180", 5, 0)
    (case,) = mine["cases"]
    assert (case["case_id"], case["closure_reason"], case["closed_at"][:10], case["last_event_at"][:10],
            case["due_from"]) == (due, "moved", "2026-02-03", "2026-02-03", "2031-02-02T23:00:00Z")
    assert set(case) == {"case_id", "case_number", "municipality", "closed_at", "last_event_at", "due_from",
                         "closure_reason"}
    audited = ok(client.get("/api/v1/retention/due", params={"municipality": "0180"}, headers=users.auditor))
    assert [c["case_id"] for c in audited["cases"]] == [due]
    everywhere = ok(client.get("/api/v1/retention/due", headers=users.auditor))
    assert everywhere["municipality"] is None and [c["case_id"] for c in everywhere["cases"]] == [due]
    log = ok(client.get(f"/api/v1/audit/access-log?case_id={due}", headers=users.auditor))
    assert [r["what"] for r in log["records"]] == ["retention_due", "audit.retention_due", "audit.retention_due"]
    # The day before the closure's fifth year, nothing.
    app.clock.set(utc(2031, 2, 2, 22))
    assert ok(client.get("/api/v1/retention/due", headers=users.social))["cases"] == []


def test_the_api_refuses_members_and_other_municipalities_and_names_a_bad_municipality(client, users):
    assert client.get("/api/v1/retention/due", headers=users.school).status_code == 403
    other = client.get("/api/v1/retention/due", params={"municipality": "1480"}, headers=users.social)
    assert other.status_code == 403 and other.json()["error"]["field"] == "query.municipality", other.text
    unknown = client.get("/api/v1/retention/due", params={"municipality": "9999"}, headers=users.auditor)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "query.municipality", unknown.text
    assert client.get("/api/v1/retention/due", headers={}).status_code == 401
