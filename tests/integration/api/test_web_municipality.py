"""The web client scopes a member agency's users by their municipality, as the API does.

A school user of Malmö is in no Stockholm case: the case list shows none, the case's pages are the same 404
as a case never made, and a search by its number finds nothing.  A member whose sign-in names no municipality
gets a page that says so, in Swedish, instead of a generic refusal.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web import routes_dev_sign_in
from services.web.app import mount_web
from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import signed_in

MALMO_SCHOOL, NO_MUNICIPALITY = "skola-1280", "skola-utan-kommun"


@pytest.fixture
def web(context, settings, monkeypatch):
    monkeypatch.setitem(routes_dev_sign_in.USERS, MALMO_SCHOOL, ("Kurator, skolan (Malmö)", "skola", "member", "1280"))
    monkeypatch.setitem(routes_dev_sign_in.USERS, NO_MUNICIPALITY, ("Kurator utan kommun", "skola", "member", None))
    api = create_api(context)
    mount_web(api, context, settings)
    return lambda user: signed_in(TestClient(api, raise_server_exceptions=False), user)


def test_a_school_user_of_another_municipality_sees_nothing_of_the_case(client, users, tick, app, web):
    case_id, _ = school_consented_case(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    stockholm, malmo = web("skola"), web(MALMO_SCHOOL)
    assert case_id in stockholm.get("/arenden").text              # the case's own school lists it; Malmö's not
    listed = malmo.get("/arenden")
    assert listed.status_code == 200 and "Inga ärenden att visa." in listed.text and case_id not in listed.text
    for tab in ("", "/plan", "/moten", "/uppfoljning", "/uppgift"):
        page, never = malmo.get(f"/arenden/{case_id}{tab}"), malmo.get(f"/arenden/{uuid4()}{tab}")
        assert page.status_code == never.status_code == 404 and case_id not in page.text, tab
    found = malmo.get("/arenden", params={"nummer": number}, follow_redirects=False)
    assert found.status_code == 200 and "Inget ärende med numret" in found.text


def test_a_member_whose_sign_in_names_no_municipality_is_told_so(web):
    page = web(NO_MUNICIPALITY).get("/arenden")
    assert page.status_code == 403 and "Din inloggning anger ingen kommun" in page.text
