"""Errors a browser meets on a web path are Swedish pages with a way back; /api/… paths keep the API's JSON."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e import ui
from tests.e2e.test_web_guards import signed_in


def assert_swedish_page(response: httpx.Response, status: int, text: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in response.text and text in response.text
    assert '<a href="/">' in response.text  # a way back
    assert "Traceback" not in response.text and '"error"' not in response.text


@pytest.mark.parametrize("path", ["/finns-inte", "/arenden/nytt/extra", "/static/saknas.css"])
def test_an_unknown_web_path_is_a_swedish_404_page(server, path):
    with httpx.Client(base_url=server.url) as client:
        assert_swedish_page(client.get(path), 404, "Sidan finns inte")


def test_a_signed_in_user_keeps_the_header_on_a_404_page(server):
    response = signed_in(server, ui.SOCIAL).get("/finns-inte")
    assert_swedish_page(response, 404, "Sidan finns inte")
    assert "Logga ut" in response.text


def test_a_wrong_method_on_a_web_path_is_a_swedish_405_page(server):
    response = signed_in(server, ui.SOCIAL).put("/arenden", data={"x": "1"})
    assert_swedish_page(response, 405, "Otillåten metod")
    assert response.headers["allow"] == "GET, POST"   # the list, and the search box (posted)


def test_a_malformed_query_on_a_web_path_is_a_swedish_422_page_naming_it(server):
    """It was the generic 400 page, "Förfrågan kunde inte tolkas" (the access log's ``efter`` is named by its
    form)."""
    response = signed_in(server, ui.AUDITOR).get("/granskning", params={"sida": "inte-ett-tal"})
    assert_swedish_page(response, 422, "Adressen har ett värde för Sida (sida) som sidan inte kan använda")
    assert "inte-ett-tal" not in response.text.split("<main", 1)[1]


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/api/v1/finns-inte", 404, "not_found"),
    ("GET", "/api", 404, "not_found"),
    ("DELETE", "/api/v1/cases", 405, "method_not_allowed"),
])
def test_api_paths_keep_the_apis_json_errors(server, method, path, status, code):
    with httpx.Client(base_url=server.url) as client:
        response = client.request(method, path)
    assert response.status_code == status and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_a_malformed_api_request_is_still_the_apis_422(server, web_settings):
    from services.bootstrap.sign_in import dev_tokens

    token = dev_tokens(web_settings).issue(subject="ivo-1", name="Granskare", agency="ivo", roles=["auditor"])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.get("/api/v1/audit/access-log", params={"limit": "many"})
    assert response.status_code == 422 and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["field"] == "query.limit"


def test_a_page_that_cannot_be_shown_for_its_query_does_not_say_nothing_was_saved(server):
    """An extract asked for someone who may not get it saved nothing: its 422 page was headed "Kunde inte sparas"."""
    from tests.e2e import seed

    group = seed.school_and_police_group(server.context.cases)
    response = signed_in(server, ui.SOCIAL).get(f"/arenden/{group.case_id}/registerutdrag", params={"till": "x"})
    assert_swedish_page(response, 422, "<h1>Kunde inte visas</h1>")
    assert "sparas" not in response.text.split("<main", 1)[1].split("</h1>", 1)[0]
