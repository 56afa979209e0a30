"""What a school of another municipality can reach cannot tell whether Stockholm (0180) has a case: a differential
probe.

A consent names an agency type ("skola"), not a municipality, so Stockholm's school in the group and Södertälje's
(0181) school share the agency and the role. Everything Södertälje's school can reach — its case list and feed,
Stockholm's feed, reads and writes by case id, the lookup by number, the extract, the audit and statistics
endpoints, the web client's list, search and case pages — must answer the same for a busy Stockholm case (the
school in it, consented to) as for an id no case has, and the same before that case was opened as after. (A red
team, 2026-12-05: the earlier checks compared status codes; these compare the whole answers.)"""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from services.web import routes_dev_sign_in
from tests.integration.api.flows import ok
from tests.integration.api.skew import web_as
from tests.integration.api.test_noninterference import SCENARIOS, _drive, normalised

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ELSEWHERE = "0181"
NEVER_GIVEN = "0180-2026-0999"


def _read_by_id(client, headers, case_id: str) -> dict[str, str]:
    c = f"/api/v1/cases/{case_id}"
    reads = {path: client.get(path, headers=headers) for path in (
        c, f"{c}/plan", f"{c}/meetings", f"{c}/contributions", f"{c}/extract", f"/api/v1/audit/cases/{case_id}/facts",
        f"/api/v1/audit/cases/{case_id}/report", f"/api/v1/audit/access-log?case_id={case_id}")}
    writes = {path: client.post(f"{c}{path.split('?')[0]}", json=body, headers=headers) for path, body in (
        ("/contributions", {"category": "school", "text": "Närvaro 85 %."}),
        ("/contributions?stale", {"category": "school", "text": "Närvaro 85 %.", "expected_version": 1}),
        ("/contributions?misshapen", {"category": "nasa", "text": ""}),
        ("/follow-ups", {"row_id": str(uuid4()), "status": "ongoing", "note": "Bättre."}),
        ("/meetings", {"held_on": "2026-02-03", "attendees": ["skola"]}),
        ("/consents", {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}],
                       "purpose": "x", "valid_from": "2026-02-02", "form": "written"}))}
    return {f"{answer.request.method} {path.replace(case_id, '<id>')}":
            normalised(f"{answer.status_code} {answer.headers.get('etag')} {answer.text}")
            for path, answer in {**reads, **writes}.items()}


def _by_number(client, headers, number: str) -> str:
    answer = client.get(f"/api/v1/cases/by-number/{number}", headers=headers)
    return normalised(f"{answer.status_code} {answer.text}")


def _reachable(client, headers) -> dict[str, str]:
    """What the other municipality's school reads that names no case: its list, feeds, statistics."""
    paths = ("/api/v1/cases", "/api/v1/feeds/skola", f"/api/v1/feeds/skola?municipality={ELSEWHERE}",
             "/api/v1/feeds/skola?municipality=0180", "/api/v1/feeds/socialtjanst?municipality=0180",
             "/api/v1/statistics?municipality=0180&from=2026-01-01&to=2026-12-31",
             f"/api/v1/statistics?municipality={ELSEWHERE}&from=2026-01-01&to=2026-12-31",
             "/api/v1/audit/access-log", "/api/v1/audit/ledger/verification")
    return {path: normalised(f"{a.status_code} {a.text}") for path in paths for a in [client.get(path, headers=headers)]}


def _web(web, case_id: str, number: str) -> dict[str, str]:
    pages = {tab: web.get(f"/arenden/{case_id}{tab}") for tab in (
        "", "/plan", "/moten", "/uppfoljning", "/uppgift", "/grupp", "/samtycken", "/registerutdrag")}
    pages["/arenden?nummer"] = web.get("/arenden", params={"nummer": number})
    csrf = CSRF.search(web.get("/arenden").text).group(1)
    pages["POST /arenden"] = web.post("/arenden", data={"csrf": csrf, "nummer": number}, follow_redirects=False)
    pages["POST /uppgift"] = web.post(f"/arenden/{case_id}/uppgift", follow_redirects=False, data={
        "csrf": csrf, "category": "school", "text": "Närvaro 85 %."})
    pages["/granskning"] = web.get(f"/granskning/arenden/{case_id}/rapport", follow_redirects=False)
    return {what: normalised(f"{p.status_code} {p.headers.get('location')} {p.text}".replace(case_id, "<id>"))
            for what, p in pages.items()}


def _web_lists(web) -> dict[str, str]:
    return {path: normalised(f"{p.status_code} {p.text}") for path in ("/arenden", "/statistik", "/granskning")
            for p in [web.get(path, follow_redirects=False)]}


def test_a_school_of_another_municipality_is_shown_the_same_whether_or_not_stockholm_has_the_case(
        client, users, tick, context, settings, monkeypatch):
    monkeypatch.setitem(routes_dev_sign_in.USERS, "skola-0181", ("Kurator, Södertälje", "skola", "member", ELSEWHERE))
    elsewhere = users.headers("skola", "member", municipality=ELSEWHERE)
    web = web_as(context, settings, "skola-0181")
    before, web_before = _reachable(client, elsewhere), _web_lists(web)
    s = _drive(client, users, tick, SCENARIOS["bup"])   # Stockholm's school (and BUP) in the group, consented to
    listed = ok(client.get("/api/v1/cases", headers=users.social))["cases"]
    number = next(r["case_number"] for r in listed if r["case_id"] == s.bup)
    assert number != NEVER_GIVEN
    # The same sign-in of Stockholm's school reads the case: the agency and role are not what keeps it out.
    assert client.get(f"/api/v1/cases/{s.bup}", headers=users.school).status_code == 200
    after, web_after = _reachable(client, elsewhere), _web_lists(web)
    for what in before:
        assert before[what] == after[what], what
    for what in web_before:
        assert web_before[what] == web_after[what], what
    nowhere = str(uuid4())
    there, not_there = _read_by_id(client, elsewhere, s.bup), _read_by_id(client, elsewhere, nowhere)
    for what in there:
        assert there[what] == not_there[what], what
    assert _by_number(client, elsewhere, number) == _by_number(client, elsewhere, NEVER_GIVEN)
    pages, no_pages = _web(web, s.bup, number), _web(web, nowhere, NEVER_GIVEN)
    for what in pages:
        assert pages[what] == no_pages[what], what
    # Nothing the probes sent was recorded: the case is as the lead left it.
    assert _reachable(client, elsewhere) == after
