"""If-Match on the POST that opens a case (RFC 9110 §13.1.1): its target is the collection of cases, which has no
entity tag Sigill gives out, so ``*`` holds and any other value does not — a 412, nothing recorded.  It was ignored:
a client that sent a case's ETag, meaning "only if nothing changed", had a new case opened."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import REFERRAL, events_of, ok


@pytest.mark.parametrize("sent", ['"5-1f2e3d4c5b6a"', '"1"', 'W/"1"', '"5-1f2e3d4c5b6a", *', "nonsense"])
def test_a_referral_sent_with_an_entity_tag_in_if_match_is_412_and_opens_no_case(client, users, postgres, sent):
    before = events_of(postgres)
    response = client.post("/api/v1/cases", json=REFERRAL, headers={**users.social, "If-Match": sent})
    assert response.status_code == 412, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("precondition_failed", "header.if-match"), error
    assert "If-Match: *" in error["message"], error
    assert events_of(postgres) == before


@pytest.mark.parametrize("sent", ["*", " * "])
def test_a_referral_sent_with_if_match_star_opens_its_case(client, users, sent):
    """Guard (it opened the case before, as it should): ``*`` holds for any target that exists."""
    ok(client.post("/api/v1/cases", json=REFERRAL, headers={**users.social, "If-Match": sent}), 201)


def test_the_412_comes_after_the_sign_in(client, users):
    """A precondition is weighed only for a request that would otherwise succeed (RFC 9110 §13.2.1)."""
    response = client.post("/api/v1/cases", json=REFERRAL, headers={"If-Match": '"1"'})
    assert response.status_code == 401, response.text


def test_the_document_names_if_match_and_its_412_on_the_referral(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases"]["post"]
    assert "If-Match" in [p["name"] for p in operation.get("parameters", [])], operation.get("parameters")
    assert operation["responses"]["412"]["content"]["application/json"]["example"]["error"]["code"] == (
        "precondition_failed")


def test_the_412_comes_after_the_refusals_the_referral_would_get_without_it(client, users, postgres):
    """RFC 9110 §13.2.1: a precondition is ignored when the request without it would not succeed — a school (which
    opens no case) was told 412 for an If-Match, 403 without, and a malformed referral 412 where it is a 422."""
    before = events_of(postgres)
    school = client.post("/api/v1/cases", json=REFERRAL, headers={**users.school, "If-Match": '"1"'})
    assert school.status_code == 403, school.text
    malformed = client.post("/api/v1/cases", json={**REFERRAL, "personnummer": "nej"},
                            headers={**users.social, "If-Match": '"1"'})
    assert malformed.status_code == 422 and "body.personnummer" in malformed.text, malformed.text
    assert events_of(postgres) == before
