"""The web client's guards over plain HTTP: sign-in required, CSRF, 404 for cases you are not in, 403 for
what your role may not do, Swedish error pages — never a stack trace."""

from __future__ import annotations

import re
from uuid import uuid4

import httpx
import pytest

from tests.e2e import seed, ui


def signed_in(server, user: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, follow_redirects=False)
    page = client.get("/logga-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post("/logga-in/utveckling", data={"csrf": csrf, "user": user}).status_code == 303
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_pages_need_a_signed_in_user(server):
    with httpx.Client(base_url=server.url) as client:
        response = client.get("/arenden", follow_redirects=False)
    # To the sign-in page, which remembers the page asked for (no "expired": there was no session).
    assert response.status_code == 303 and response.headers["location"] == "/logga-in?tillbaka=%2Farenden"


def test_the_session_cookie_is_httponly_and_samesite_strict(server):
    client = httpx.Client(base_url=server.url)
    csrf = csrf_of(client.get("/logga-in").text)
    response = client.post("/logga-in/utveckling", data={"csrf": csrf, "user": ui.SCHOOL}, follow_redirects=False)
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("sigill_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_post_without_the_sessions_csrf_token_is_refused(server):
    client = signed_in(server, ui.SOCIAL)
    response = client.post("/arenden/nytt", data={"csrf": "forged", "name": "X"})
    assert response.status_code == 403
    assert "Formuläret har gått ut" in response.text


@pytest.mark.parametrize("case_id", [str(uuid4()), "not-a-uuid"])
def test_an_unknown_case_is_a_404_page(server, case_id):
    response = signed_in(server, ui.SOCIAL).get(f"/arenden/{case_id}")
    assert response.status_code == 404 and "finns inte" in response.text


def test_a_member_agency_outside_the_group_gets_404_and_inside_it_may_not_administer(server):
    group = seed.school_and_police_group(server.context.cases)
    assert signed_in(server, "bup").get(f"/arenden/{group.case_id}").status_code == 404
    school = signed_in(server, ui.SCHOOL)
    forbidden = school.get(f"/arenden/{group.case_id}/samtycken")
    assert forbidden.status_code == 403 and "Din roll får inte" in forbidden.text


def test_a_narrowing_that_widens_the_consent_is_shown_next_to_its_scope(server):
    group = seed.school_and_police_group(server.context.cases)
    client = signed_in(server, ui.SOCIAL)
    page = client.get(f"/arenden/{group.case_id}/samtycken").text
    version = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    response = client.post(f"/arenden/{group.case_id}/samtycken/{group.consents[0]}/begransning", data={
        "csrf": csrf_of(page), "expected_version": version, "consenter": "young_person",
        "scope": ["skola:case", "skola:school", "skola:health"], "confirm": "on"})
    assert response.status_code == 422
    section = response.text.split(f'id="consent-{group.consents[0][:8]}"')[1].split("</section>")[0]
    assert "En begränsning får bara ta bort" in section and "<details open>" in section


def test_a_stale_version_is_a_409_that_keeps_what_was_typed(server):
    group = seed.school_and_police_group(server.context.cases)
    client = signed_in(server, ui.SOCIAL)
    page = client.get(f"/arenden/{group.case_id}/avslut").text
    response = client.post(f"/arenden/{group.case_id}/avslut", data={
        "csrf": csrf_of(page), "expected_version": "1", "reason": "goals_met", "outcome": "Målen är nådda, text kvar.",
        "confirm": "on"})
    assert response.status_code == 409
    assert "Ärendet har ändrats" in response.text and "Målen är nådda, text kvar." in response.text


def test_auditors_cannot_use_caseworker_pages_and_caseworkers_not_audit_pages(server):
    assert signed_in(server, ui.SOCIAL).get("/granskning").status_code == 403
    assert signed_in(server, ui.AUDITOR).get("/arenden/nytt").status_code == 403
