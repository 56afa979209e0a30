"""A request body refused (a field too long, not of its form, of the wrong type, a key we do not take, not JSON at
all) is refused by its rule, keeping none of what was sent: not in the answer, nor in the validation error FastAPI
raises — each error's ``input`` is ``…`` and its ``body`` is not kept — where a log or an error reporter takes it,
as a refused parameter keeps none (test_parameter_refusals_keep_nothing).  A referral's body is a young person's
name and personnummer; a note or a meeting's is about them."""

from __future__ import annotations

import traceback
import uuid

import pytest
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from services.api.error_places import dependants
from tests.integration.api.flows import REFERRAL
from tests.integration.api.recorded import recorded
from tests.integration.api.skew import web_as

PERSONNUMMER = "191212121212"
NAME = "Greta Testsson"
NAMED = f"{NAME} {PERSONNUMMER}"
CASE = str(uuid.uuid4())
CASES = "/api/v1/cases"

# (address, who sends it, the body, the field the 422 names first)
REFUSED = {
    "referral, personnummer not of its form": (CASES, "social", {**REFERRAL, "personnummer": NAMED},
                                               "body.personnummer"),
    "referral, name too long": (CASES, "social", {**REFERRAL, "name": NAMED + "x" * 300}, "body.name"),
    "referral, personnummer a number": (CASES, "social", {**REFERRAL, "personnummer": int(PERSONNUMMER)},
                                        "body.personnummer"),
    "referral, a date of a name": (CASES, "social", {**REFERRAL, "referral_date": NAMED}, "body.referral_date"),
    "referral, a key we do not take": (CASES, "social", {**REFERRAL, NAMED: PERSONNUMMER},
                                       "body.(a field it does not take)"),
    "referral, a list for the body": (CASES, "social", [NAME, PERSONNUMMER], "body"),
    "consent, consenter too long": (f"{CASES}/{CASE}/consents", "social",
                                    {"consenter": NAMED * 10, "scope": [{"agency": "skola", "categories": ["case"]}],
                                     "purpose": "Samverkan", "valid_from": "2026-02-03", "form": "written"},
                                    "body.consenter"),
    "consent, a scope of names": (f"{CASES}/{CASE}/consents", "social",
                                  {"consenter": "young_person", "scope": [NAMED], "purpose": NAMED,
                                   "valid_from": PERSONNUMMER, "form": "written"}, "body.scope.0"),
    "plan, a row's goal a number": (f"{CASES}/{CASE}/plan/revisions", "social",
                                    {"main_goal": NAMED, "rows": [{"area": NAME, "goal": int(PERSONNUMMER),
                                                                   "how": NAMED, "responsible": "skola"}]},
                                    "body.rows.0.goal"),
    "meeting, held on a personnummer": (f"{CASES}/{CASE}/meetings", "social",
                                        {"held_on": PERSONNUMMER, "other_attendees": [NAME, int(PERSONNUMMER)]},
                                        "body.held_on"),
    "a follow-up's note, its status a name": (f"{CASES}/{CASE}/follow-ups", "social",
                                              {"row_id": "r1", "status": NAMED, "note": NAMED}, "body.status"),
    "a contribution's text a list": (f"{CASES}/{CASE}/contributions", "school",
                                     {"category": "school", "text": [NAMED]}, "body.text"),
    "audit verification, the file's outline": ("/api/v1/audit/ledger/verification", "auditor",
                                               {"format": int(PERSONNUMMER), "checkpoints": NAMED}, "body.format"),
}


def _kept_by(made) -> str:
    """All a reporter or a log could take from the raised error: its errors, its message, its body, and the
    variables of the frames its traceback (and its cause's) holds."""
    kept = repr(made.errors()) + str(made) + repr(made) + repr(made.body)
    for error in (made, made.__cause__, made.__context__):
        if error is not None:
            kept += repr(error) + repr(vars(error)) + repr(getattr(error, "doc", ""))
            kept += "".join(repr(frame.f_locals) for frame, _ in traceback.walk_tb(error.__traceback__))
    return kept


def _keeps_nothing(response, raised) -> None:
    assert NAME not in response.text and "1912" not in response.text, response.text
    assert raised, "no RequestValidationError was made"
    for made in raised:
        kept = _kept_by(made)
        assert NAME not in kept and "Testsson" not in kept and "1912" not in kept, kept


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_body_keeps_none_of_what_was_sent(client, users, raised, case):
    address, who, body, field = case
    response = client.post(address, headers=getattr(users, who), json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field, response.text
    assert error["message"].startswith(f"{field}: ") and len(error["message"]) > len(field) + 5, response.text
    _keeps_nothing(response, raised)


def test_a_body_that_is_not_json_keeps_none_of_it(client, users, raised):
    """FastAPI's error for a body it cannot parse carried the whole text as its ``body``, and the parser's error,
    its cause, the text again."""
    response = client.post(CASES, headers={**users.social, "Content-Type": "application/json"},
                           content=f'{{"name": "{NAMED}", "personnummer": {PERSONNUMMER},'.encode())
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "body", response.text
    _keeps_nothing(response, raised)


def test_a_refused_body_still_says_its_rule(client, users, raised):
    """The value is left out, not the refusal: the rule and its bound stay, for the client to correct the body."""
    response = client.post(CASES, headers=users.social, json={**REFERRAL, "personnummer": NAMED})
    problem = response.json()["error"]["problems"][0]
    assert problem == {"field": "body.personnummer", "rule": "string_too_long",
                       "message": "String should have at most 13 characters"}, response.text
    assert [(e["loc"], e["input"], e["ctx"]) for e in raised[0].errors()] == [(("body", "personnummer"), "…",
                                                                               {"max_length": 13})]
    assert raised[0].body is None


def test_every_route_with_a_body_of_the_api_and_the_web_keeps_none_of_it(context, settings):
    """Every route that takes a body checks it so, and does not keep it in its error: a route added later has no
    test of its own."""
    app = web_as(context, settings, "soc-0180").app
    routes = [route for route in app.routes if isinstance(route, APIRoute)
              and any(d.body_params for d in dependants(route.dependant))]
    assert len(routes) > 15, [route.path for route in routes]
    fields = [(route.path, field.alias, getattr(field.validate, "keeps_no_values", False))
              for route in routes for dependant in dependants(route.dependant) for field in dependant.body_params]
    assert [(path, name) for path, name, kept_none in fields if not kept_none] == []
    assert [route.path for route in routes if not getattr(route, "keeps_no_body", False)] == []


@pytest.fixture
def unread(monkeypatch) -> list[HTTPException]:
    """Every HTTPException made while the test runs: FastAPI's for a body it could not read is one."""
    return recorded(monkeypatch, HTTPException)


@pytest.mark.parametrize("sent", [f'{{"name": "{NAME} \xe9 {PERSONNUMMER}"}}'.encode("latin-1"),
                                  b"[" * 100_000 + f'"{NAMED}"'.encode() + b"]" * 100_000],
                         ids=["not in UTF-8", "nested too deep"])
def test_a_body_that_cannot_be_read_keeps_none_of_it(client, users, unread, sent):
    """FastAPI answers a body its reader fails on (not in a Unicode encoding, nested too deep) with an error caused
    by the reader's, which held the body (a UnicodeDecodeError its bytes) and its frames the text."""
    response = client.post(CASES, headers={**users.social, "Content-Type": "application/json"}, content=sent)
    assert response.status_code == 422 and response.json()["error"]["field"] == "body", response.text
    assert NAME not in response.text and "1912" not in response.text, response.text
    assert unread, "no HTTPException was made"
    for made in unread:
        kept = ""
        for error in (made, made.__cause__, made.__context__):
            if error is not None:
                kept += repr(error) + repr(vars(error)) + repr(getattr(error, "object", b""))
                kept += "".join(repr(frame.f_locals) for frame, _ in traceback.walk_tb(error.__traceback__))
        assert "Testsson" not in kept and "1912" not in kept, kept[:2000]
