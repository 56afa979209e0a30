"""A query or path parameter refused (too long, not of its form, out of its bounds) is refused by its rule, keeping
none of what was sent: not in the answer, nor in the validation error's ``input``, where a log or an error reporter
takes it — as a refused header keeps none (test_header_refusals_keep_nothing).  A client may put anything in a URL
by mistake: a personnummer where a cursor, a case id or a municipality goes."""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute

from services.api.error_places import dependants
from tests.integration.api.skew import web_as

PERSONNUMMER = "191212121212"
NAMED = "KarinHemlig" + PERSONNUMMER
LONG = NAMED + "x" * 300
SPACED = "Karin Hemlig 19121212-1212"
CASE = str(uuid.uuid4())

# (method, address, who sends it, the field the 422 names)
REFUSED = {
    "feed after, not a cursor": ("GET", f"/api/v1/feeds/skola?after={NAMED}=", "school", "query.after"),
    "feed after, too long": ("GET", f"/api/v1/feeds/skola?after={LONG}", "school", "query.after"),
    "feed limit, past its bound": ("GET", f"/api/v1/feeds/skola?limit={PERSONNUMMER}", "school", "query.limit"),
    "feed limit, not a number": ("GET", f"/api/v1/feeds/skola?limit={NAMED}", "school", "query.limit"),
    "feed municipality, not a code": ("GET", f"/api/v1/feeds/skola?municipality={SPACED}", "school",
                                      "query.municipality"),
    "feed municipality, too long": ("GET", f"/api/v1/feeds/skola?municipality={LONG}", "school",
                                    "query.municipality"),
    "feed agency, not an id": ("GET", f"/api/v1/feeds/{SPACED}", "school", "path.agency"),
    "stream after, not a cursor": ("GET", f"/api/v1/feeds/skola/stream?after={NAMED}=", "school", "query.after"),
    "cases limit": ("GET", f"/api/v1/cases?limit={PERSONNUMMER}", "social", "query.limit"),
    "cases offset": ("GET", f"/api/v1/cases?offset={NAMED}", "social", "query.offset"),
    "case number, too long": ("GET", f"/api/v1/cases/by-number/{LONG}", "social", "path.case_number"),
    "case id": ("GET", f"/api/v1/cases/{NAMED}", "social", "path.case_id"),
    "extract recipient": ("GET", f"/api/v1/cases/{CASE}/extract?recipient={SPACED}", "social", "query.recipient"),
    "replay agency and moment": ("GET", f"/api/v1/audit/cases/{CASE}/replay?agency={SPACED}&as_of={PERSONNUMMER}",
                                 "auditor", "query.agency"),
    "access log subject": ("GET", f"/api/v1/audit/access-log?subject={LONG}", "auditor", "query.subject"),
    "access log since": ("GET", f"/api/v1/audit/access-log?since={PERSONNUMMER}", "auditor", "query.since"),
    "access log case id": ("GET", f"/api/v1/audit/access-log?case_id={NAMED}", "auditor", "query.case_id"),
    "statistics municipality": ("GET", f"/api/v1/statistics?municipality={LONG}&from=2026-01-01&to=2026-12-31",
                                "auditor", "query.municipality"),
    "retention municipality": ("GET", f"/api/v1/retention/due?municipality={LONG}", "auditor", "query.municipality"),
    "command's case id": ("POST", f"/api/v1/cases/{NAMED}/eligibility", "social", "path.case_id"),
    "command's consent id": ("POST", f"/api/v1/cases/{CASE}/consents/{SPACED}/withdrawal", "social",
                             "path.consent_id"),
    "command's agency": ("POST", f"/api/v1/cases/{CASE}/members/{LONG}/departure", "social", "path.agency"),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_parameter_keeps_none_of_what_was_sent(client, users, raised, case):
    method, address, who, field = case
    response = client.request(method, address, headers=getattr(users, who), json={} if method == "POST" else None)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field, response.text
    assert error["message"].startswith(f"{field}: ") and len(error["message"]) > len(field) + 5, response.text
    assert "Hemlig" not in response.text and "1912" not in response.text, response.text
    assert raised, "no RequestValidationError was made"
    for made in raised:
        kept = repr(made.errors()) + str(made) + repr(made.body)
        assert "Hemlig" not in kept and "1912" not in kept, kept


def test_a_refused_parameter_still_says_its_rule(client, users, raised):
    """The value is left out, not the refusal: the rule and its bound stay, for the client to correct the value."""
    response = client.get(f"/api/v1/feeds/skola?limit={PERSONNUMMER}", headers=users.school)
    problem = response.json()["error"]["problems"][0]
    assert problem == {"field": "query.limit", "rule": "less_than_equal",
                       "message": "Input should be less than or equal to 1000"}, response.text
    assert [e["ctx"] for e in raised[0].errors()] == [{"le": 1000}]


def test_every_route_of_the_api_and_the_web_keeps_none_of_a_refused_parameter(context, settings):
    """Every route's parameters are checked so, its dependencies' too: a route added later has no test of its own."""
    app = web_as(context, settings, "soc-0180").app
    fields = [(route.path, field.alias, getattr(field.validate, "keeps_no_values", False))
              for route in app.routes if isinstance(route, APIRoute) for dependant in dependants(route.dependant)
              for field in (*dependant.path_params, *dependant.query_params, *dependant.header_params)]
    assert len(fields) > 30, fields
    assert [(path, name) for path, name, kept_none in fields if not kept_none] == []
