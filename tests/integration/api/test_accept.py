"""Accept is honoured: an answer goes only in a type the client accepts, else 406 with the one error body naming it."""

from __future__ import annotations

import psycopg
import pytest

from services.api.accept import offered_by
from services.api.middleware import PROBES
from tests.integration.api.flows import ok, school_consented_case

JSON = "application/json"
EXCLUDING_JSON = ("application/xml", "text/csv", "text/html", "application/json;q=0", "*/*, application/json;q=0",
                  "application/*;q=0", "application/xml, text/*")
TAKING_JSON = (None, "", "*/*", "application/*", JSON, "application/xml, application/json;q=0.5",
               "application/json; charset=utf-8", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
               "APPLICATION/JSON", "application/*;q=0, application/json")


def refused(response, offered: str) -> None:
    assert response.status_code == 406, response.text
    assert response.headers["content-type"] == JSON
    error = response.json()["error"]
    assert error["code"] == "not_acceptable" and error["field"] == "header.accept"
    assert f"answers {offered}" in error["message"], error


def accepting(headers: dict, accept: str | None) -> dict:
    return headers if accept is None else {**headers, "Accept": accept}


def count(postgres, table: str) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


ENDPOINTS = ("/api/v1/cases", "/api/v1/me", "/api/v1/catalogue", "/api/v1/feeds/skola", "/api/v1/audit/access-log",
             "/api/v1/openapi.json")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_json_endpoint_answers_whoever_accepts_json_and_refuses_whoever_does_not(client, users, path):
    headers = {"/api/v1/cases": users.social, "/api/v1/audit/access-log": users.auditor,
               "/api/v1/openapi.json": {}}.get(path, users.school)
    for accept in TAKING_JSON:
        response = client.get(path, headers=accepting(headers, accept))
        assert response.status_code == 200 and response.headers["content-type"] == JSON, (accept, response.text)
    for accept in EXCLUDING_JSON:
        refused(client.get(path, headers={**headers, "Accept": accept}), JSON)


def test_a_refused_command_records_nothing_and_a_refused_read_logs_nothing(client, users, tick, postgres):
    """The 406 comes before the route: the client that could not read the answer is told nothing was done."""
    case_id, _ = school_consented_case(client, users, tick)
    events, reads = count(postgres, "sigill_events"), count(postgres, "sigill_access_log")
    tick()
    xml = {"Accept": "application/xml"}
    refused(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Närvaro."},
                        headers={**users.school, **xml}), JSON)
    refused(client.get(f"/api/v1/cases/{case_id}", headers={**users.school, **xml}), JSON)
    assert (count(postgres, "sigill_events"), count(postgres, "sigill_access_log")) == (events, reads)
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Närvaro."},
                   headers={**users.school, "Accept": JSON}), 201)
    assert count(postgres, "sigill_events") == events + 1


def test_the_supervisors_report_is_offered_as_html_and_the_feeds_stream_as_server_sent_events(client, users, tick):
    """Each honours its own type: JSON is what they do not answer."""
    case_id, _ = school_consented_case(client, users, tick)
    report = f"/api/v1/audit/cases/{case_id}/report"
    for accept in ("text/html", "text/*", "*/*", "application/json;q=0.5, text/html;q=0.1", None):
        response = client.get(report, headers=accepting(users.auditor, accept))
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), accept
    for accept in (JSON, "application/xml", "*/*, text/html;q=0"):
        refused(client.get(report, headers={**users.auditor, "Accept": accept}), "text/html")

    client.app.state.stream_seconds = 0.05   # an answered stream ends, so the test client can read it whole
    stream = "/api/v1/feeds/skola/stream"
    for accept in ("text/event-stream", "*/*", None):
        response = client.get(stream, headers=accepting(users.school, accept))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream"), accept
    for accept in (JSON, "text/html"):
        refused(client.get(stream, headers={**users.school, "Accept": accept}), "text/event-stream")
    # A refusal the route makes itself keeps its status and JSON body for a client accepting the route's type
    # (RFC 9110 lets an error be sent in a type not asked for): no sign-in is a 401, not a 406.
    response = client.get(stream, headers={"Accept": "text/event-stream"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_the_probes_alone_are_answered_whatever_they_accept(client, users):
    """A load balancer's probe is answered whatever it sends: one that sends Accept: text/plain must not read a node
    as down.  Every other route refuses it."""
    for accept in ("text/plain", "application/xml", "application/json;q=0"):
        for probe in PROBES:
            assert client.get(probe, headers={"Accept": accept}).status_code == 200
            assert client.head(probe, headers={"Accept": accept}).status_code == 200
        refused(client.get("/api/v1/me", headers={**users.school, "Accept": accept}), JSON)


def test_every_route_of_the_api_but_the_probes_checks_accept_and_the_document_says_so(client):
    """A new route is checked as the others are (the check is made in create_api, not route by route)."""
    routes = [r for r in client.app.routes if getattr(r, "path", "").startswith("/api/")]
    unchecked = [r.path for r in routes if r.path not in PROBES and offered_by(r) is None]
    assert not unchecked, unchecked
    assert all(offered_by(r) is None for r in routes if r.path in PROBES)
    document = client.get("/api/v1/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert ("406" in operation["responses"]) == (path not in PROBES), (method, path)
    stream = document["paths"]["/api/v1/feeds/{agency}/stream"]["get"]["responses"]
    assert list(stream["200"]["content"]) == ["text/event-stream"]   # it named JSON beside it, never answered
    assert "text/event-stream" in stream["406"]["content"][JSON]["example"]["error"]["message"]


UNREADABLE = (";;;q=x", "text/html;q=abc", "application/json;q=191212121212", "json", "application/xml;q=x, */*")


def test_an_accept_that_cannot_be_read_is_a_406_saying_so_on_json_and_the_stream_alike(client, users, tick, postgres):
    """Not taken as any type (``text/html;q=abc`` asks for HTML): a 406 saying the header cannot be read, before the
    route does anything; the value is not said back."""
    case_id, _ = school_consented_case(client, users, tick)
    reads = count(postgres, "sigill_access_log")
    for accept in UNREADABLE:
        for path, who in (("/api/v1/me", users.school), (f"/api/v1/cases/{case_id}", users.school),
                          ("/api/v1/feeds/skola", users.school), ("/api/v1/feeds/skola/stream", users.school),
                          (f"/api/v1/audit/cases/{case_id}/report", users.auditor)):
            response = client.get(path, headers={**who, "Accept": accept})
            assert response.status_code == 406, (accept, path, response.text)
            error = response.json()["error"]
            assert error["code"] == "not_acceptable" and error["field"] == "header.accept", error
            assert "cannot be read" in error["message"] and "1912" not in response.text and "abc" not in response.text
            assert client.head(path, headers={**who, "Accept": accept}).status_code == 406
    assert count(postgres, "sigill_access_log") == reads


def test_javas_default_accept_gets_json(client, users):
    """HttpURLConnection's Accept, sent by a Java client that sets none: ``*; q=.2`` is any type, with a quality."""
    response = client.get("/api/v1/me", headers={**users.school,
                                                  "Accept": "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"})
    assert response.status_code == 200, response.text
