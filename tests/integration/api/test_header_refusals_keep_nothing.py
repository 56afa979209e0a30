"""A header refused (too long, not of its form) is refused by its rule, keeping none of what was sent: not in the
answer, nor in the validation error's ``input``, where a log or an error reporter takes it.  A client may put
anything in a header by mistake — a personnummer, a name — as a purpose may name the young person."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import REFERRAL, school_consented_case

NAMED = "KarinHemlig191212121212"


def _keeps_nothing(response, field: str, raised) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field, response.text
    assert "Hemlig" not in response.text and "1912" not in response.text, response.text
    assert raised, "no RequestValidationError was made"
    for error in raised:
        kept = repr(error.errors()) + str(error)
        assert "Hemlig" not in kept and "1912" not in kept, kept


@pytest.mark.parametrize("value", [NAMED + "x" * 200, "Karin Hemlig 19121212-1212"],
                         ids=["too long", "not of its form"])
def test_an_idempotency_key_refused_on_a_command_keeps_none_of_it(client, users, tick, raised, value):
    case_id, _ = school_consented_case(client, users, tick)
    raised.clear()
    response = client.post(f"/api/v1/cases/{case_id}/contributions",
                           headers={**users.school, "Idempotency-Key": value},
                           json={"category": "school", "text": "Närvaro 80 %."})
    _keeps_nothing(response, "header.idempotency-key", raised)


@pytest.mark.parametrize("value", [NAMED + "x" * 200, "Karin Hemlig 19121212-1212"],
                         ids=["too long", "not of its form"])
def test_an_idempotency_key_refused_on_a_referral_keeps_none_of_it(client, users, raised, value):
    response = client.post("/api/v1/cases", headers={**users.social, "Idempotency-Key": value}, json=REFERRAL)
    _keeps_nothing(response, "header.idempotency-key", raised)


def test_an_if_match_too_long_keeps_none_of_it(client, users, tick, raised):
    case_id, _ = school_consented_case(client, users, tick)
    raised.clear()
    response = client.post(f"/api/v1/cases/{case_id}/contributions",
                           headers={**users.school, "If-Match": f'"{NAMED}{"x" * 40}"'},
                           json={"category": "school", "text": "Närvaro 80 %."})
    _keeps_nothing(response, "header.if-match", raised)


@pytest.mark.parametrize("value", [NAMED + "=", NAMED + "x" * 161], ids=["not a cursor", "too long"])
def test_a_last_event_id_refused_keeps_none_of_it(client, users, tick, raised, value):
    school_consented_case(client, users, tick)
    raised.clear()
    response = client.get("/api/v1/feeds/skola/stream", headers={**users.school, "Last-Event-ID": value})
    _keeps_nothing(response, "header.last-event-id", raised)
    assert "exactly as given" in response.json()["error"]["message"], response.text
