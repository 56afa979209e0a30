"""Large bodies cost what a sign-in allows: no sign-in, no reading of the body; signed in, a 422 of bounded size.

A red team's 7 MB body of 600,000 unknown keys got, from anyone signed in, a 422 listing each (55 MB, 4–6 s of the
event loop); from no one signed in, its body read and parsed (half a second of the loop) before the 401."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from services.api import one_key_each
from tests.integration.api.flows import events_of, school_consented_case

JSON = {"Content-Type": "application/json"}
PROBLEMS_LISTED, MOST_KEYS = 20, 20   # as README says (services.api.errors, services.api.one_key_each)
ROW = {"area": "Skola", "goal": "Närvaro.", "how": "Avstämning.", "responsible": "Mentor"}


def contribution(keys: int) -> bytes:
    """A contribution with ``keys`` unknown keys, each shaped like a field (so the answer names it)."""
    return json.dumps({"category": "school", "text": "Närvaro 80 %.", **{f"k{n}": 1 for n in range(keys)}}).encode()


def plan(rows: int, unknown: int) -> bytes:
    """A plan of ``rows`` rows, each with ``unknown`` unknown keys."""
    return json.dumps({"main_goal": "Skola.", "rows": [
        {**ROW, **{f"k{n}": 1 for n in range(unknown)}} for _ in range(rows)]}).encode()


def test_a_422_lists_the_first_problems_and_says_how_many_more(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    response = client.post(f"/api/v1/cases/{case_id}/plan/revisions", content=plan(3, 12),
                           headers={**users.social, **JSON})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert [p["field"] for p in error["problems"]] == [
        *(f"body.rows.0.k{n}" for n in range(12)), *(f"body.rows.1.k{n}" for n in range(8))]
    assert error["more_problems"] == 3 * 12 - PROBLEMS_LISTED
    assert error["field"] == "body.rows.0.k0" and error["problems"][0]["rule"] == "extra_forbidden"
    # As many as are listed: all of them, and no count.
    few = client.post(f"/api/v1/cases/{case_id}/contributions", content=contribution(PROBLEMS_LISTED - 2),
                      headers={**users.school, **JSON}).json()["error"]
    assert len(few["problems"]) == PROBLEMS_LISTED - 2 and "more_problems" not in few
    assert events_of(postgres, case_id) == before


def test_every_problem_is_counted_the_paths_too(client, users, monkeypatch):
    """The body's problems past the listed are counted where they are found, not copied one by one by FastAPI (3,200
    of them took up to half a second); the path's are listed first."""
    from fastapi._compat import v2

    copied: list[int] = []
    copy = v2._regenerate_error_with_loc
    monkeypatch.setattr(v2, "_regenerate_error_with_loc",
                        lambda *, errors, loc_prefix: copied.append(len(errors)) or copy(errors=errors,
                                                                                         loc_prefix=loc_prefix))
    response = client.post("/api/v1/cases/not-a-case/plan/revisions", content=plan(200, 16),
                           headers={**users.social, **JSON})
    assert response.status_code == 422, response.text[:500]
    error = response.json()["error"]
    assert error["problems"][0]["field"] == "path.case_id" and len(error["problems"]) == PROBLEMS_LISTED
    assert error["more_problems"] == 1 + 200 * 16 - PROBLEMS_LISTED
    assert len(response.content) < 5000 and max(copied) <= PROBLEMS_LISTED   # the path's one, by FastAPI


@pytest.mark.parametrize("keys", [MOST_KEYS - 1, 600_000])
def test_an_object_of_too_many_keys_is_one_problem_in_a_small_answer(client, users, keys):
    """Validating it would make a problem of each key (seconds of the event loop) before any answer is built."""
    response = client.post(f"/api/v1/cases/{uuid4()}/contributions", content=contribution(keys),
                           headers={**users.school, **JSON})   # two keys more than the contribution's: too many
    assert response.status_code == 422 and len(response.content) < 1000, response.text[:1000]
    error = response.json()["error"]
    assert error["field"] == "body" and [p["rule"] for p in error["problems"]] == ["too_many_keys"]
    # At the limit, the keys are validated and listed as usual.
    at_limit = client.post(f"/api/v1/cases/{uuid4()}/contributions", content=contribution(MOST_KEYS - 2),
                           headers={**users.school, **JSON})
    assert [p["rule"] for p in at_limit.json()["error"]["problems"]] == ["extra_forbidden"] * (MOST_KEYS - 2)


def unread(monkeypatch) -> list[bytes]:
    """The bodies the API's JSON reader is given, from now on."""
    given: list[bytes] = []
    loads = one_key_each.loads

    def spy(body: bytes):
        given.append(body)
        return loads(body)
    monkeypatch.setattr(one_key_each, "loads", spy)
    return given


def _forged(users) -> str:
    header, payload, _ = users.tokens.issue(subject="x", name="X", agency="socialtjanst",
                                            roles=["caseworker"], municipality="0180").split(".")
    return f"{header}.{payload}.{'A' * 86}"


@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwYXNz", "Bearer not-a-token", "forged"])
def test_a_request_not_signed_in_is_401_before_its_body_is_read(client, users, monkeypatch, authorization):
    """A body that signed in would be 422 (a key given twice), and one that is not JSON at all: both 401, unparsed."""
    given = unread(monkeypatch)
    headers = dict(JSON)
    if authorization is not None:
        headers["Authorization"] = f"Bearer {_forged(users)}" if authorization == "forged" else authorization
    for body in (b'{"category": "school", "text": "a", "text": "b"}', b'{"category": ', contribution(50_000)):
        response = client.post(f"/api/v1/cases/{uuid4()}/contributions", content=body, headers=headers)
        assert response.status_code == 401, response.text
        refused_token = ', error="invalid_token"' if headers.get("Authorization", "").startswith("Bearer ") else ""
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="sigill"' + refused_token
        error = response.json()["error"]
        assert error["code"] == "unauthenticated" and error["field"] is None
    assert given == []
    # Signed in, the body is read (and its repeated key refused) as before.
    response = client.post(f"/api/v1/cases/{uuid4()}/contributions", headers={**users.school, **JSON},
                           content=b'{"category": "school", "text": "a", "text": "b"}')
    assert response.status_code == 422 and response.json()["error"]["field"] == "body.text"
    assert len(given) == 1


def test_a_referral_not_signed_in_is_401_before_its_body_is_read(client, monkeypatch):
    given = unread(monkeypatch)
    response = client.post("/api/v1/cases", content=b'{"name": "a", "name": "b"}', headers=JSON)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    assert given == []
