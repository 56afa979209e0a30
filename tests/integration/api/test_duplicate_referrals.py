"""A referral for a young person with an open case in the municipality asks first: 409 possible_duplicate, nothing
saved (no case number drawn), the case(s) named by number and id and the telling logged as a read of each; sent
again confirmed, it opens the case.  Only social services of that municipality can be told; everyone else is refused
as before, and learns nothing (no read of the existing case is logged).  Through the API and, as the web client
calls it, through CaseService (the web form: test_web_duplicate_referral.py)."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

import pytest

from domain.errors import DomainError
from services.bootstrap import build_erasures
from services.erasure import erase_case
from services.principals import Principal, Role
from tests.integration.api.flows import FIRST_REFERRAL, events_of, ok

CASES = "/api/v1/cases"
OTHER_PERSON = "200907224919"


def _reads(client, users, case_id: str, what: str = "duplicate_check") -> list[dict]:
    extract = ok(client.get(f"{CASES}/{case_id}/extract", headers=users.social))
    return [r for r in extract["reads"] if r["what"] == what]


def _refer(client, users, **changes):
    return client.post(CASES, json={**FIRST_REFERRAL, **changes}, headers=users.social)


def test_a_second_referral_is_refused_naming_the_open_case_and_saves_nothing(client, users, postgres):
    first = ok(_refer(client, users), 201)
    number = first["created"]
    stored = events_of(postgres)
    refused = _refer(client, users, personnummer="20090314-2388")   # the same person, written another way
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("possible_duplicate", "body.personnummer")
    assert error["cases"] == [{"case_id": first["case_id"], "case_number": number}]
    assert number in error["message"] and "2388" not in refused.text   # the number of the case, never the person's
    assert events_of(postgres) == stored                               # no case, no case number drawn
    confirmed = ok(_refer(client, users, duplicate_confirmed=True), 201)
    assert confirmed["created"] == number[:-4] + "0002"               # the number the refusal did not take


def test_telling_the_caseworker_is_a_read_of_the_case_in_its_access_log_and_extract(client, users):
    first = ok(_refer(client, users), 201)["case_id"]
    assert _reads(client, users, first) == []
    assert _refer(client, users).status_code == 409
    read = _reads(client, users, first)
    assert [(r["agency"], r["subject"]) for r in read] == [("socialtjanst", "socialtjanst-caseworker")]


def test_every_open_case_is_named_and_a_confirmed_referral_reads_none(client, users):
    first = ok(_refer(client, users), 201)
    second = ok(_refer(client, users, duplicate_confirmed=True), 201)
    named = _refer(client, users).json()["error"]["cases"]
    assert [c["case_number"] for c in named] == [first["created"], second["created"]]
    ok(_refer(client, users, duplicate_confirmed=True), 201)
    assert len(_reads(client, users, first["case_id"])) == 1   # the confirmed one looked for nothing


def test_a_closed_case_another_person_and_another_municipality_do_not_match(client, users, tick):
    closed = ok(_refer(client, users), 201)["case_id"]
    tick()
    ok(client.post(f"{CASES}/{closed}/closure", headers=users.social,
                   json={"reason": "goals_met", "outcome": "Målen är nådda."}))
    stockholm = users.headers("socialtjanst", "caseworker", municipality="1280")
    ok(client.post(CASES, json={**FIRST_REFERRAL, "municipality": "1280"}, headers=stockholm), 201)
    ok(_refer(client, users, personnummer=OTHER_PERSON), 201)
    opened = ok(_refer(client, users), 201)   # asked nothing: no open case of 0180 is this young person's
    assert _reads(client, users, closed) == []
    named = _refer(client, users).json()["error"]["cases"]   # now one is, and only it is named
    assert [c["case_id"] for c in named] == [opened["case_id"]]


def test_an_erased_case_does_not_match_and_does_not_fail(client, users, context, settings, postgres, runner):
    erased = ok(_refer(client, users), 201)["case_id"]
    runner.catch_up()
    # Erased while open: a decision about a case reopened by a restore (`--even-if-open`); its row may stay in the
    # views, its key is gone.
    erase_case(context.cases.app, build_erasures(settings, postgres), UUID(erased), "SN 2026/45", "cli:uid0@host",
               even_if_open=True)
    opened = ok(_refer(client, users), 201)
    named = _refer(client, users).json()["error"]["cases"]   # the case opened since, not the erased one
    assert [c["case_id"] for c in named] == [opened["case_id"]]


@pytest.mark.parametrize("who", ["school", "police", "auditor", "other_municipality", "other_coordinator"])
def test_no_one_but_the_municipalitys_social_services_can_use_the_check(client, users, who):
    first = ok(_refer(client, users), 201)["case_id"]
    headers = {"school": users.school, "police": users.police, "auditor": users.auditor,
               "other_municipality": users.headers("socialtjanst", "caseworker", municipality="1280"),
               "other_coordinator": users.headers("socialtjanst", "coordinator", municipality="1280")}[who]
    refused = client.post(CASES, json=FIRST_REFERRAL, headers=headers)
    assert refused.status_code == 403, refused.text
    assert first not in refused.text and "0180-" not in refused.text
    assert _reads(client, users, first) == []   # nothing was looked up for them
    assert _refer(client, users).status_code == 409   # as the municipality's social services is told
    assert len(_reads(client, users, first)) == 1


def test_the_service_refuses_before_it_looks_and_logs_the_read_when_it_tells(context):
    """As the web client calls it: CaseService.open_case."""
    cases = context.cases
    social = Principal("soc", "Handläggare", "socialtjanst", frozenset({Role.CASEWORKER}), "0180")
    referral = {**{k: v for k, v in FIRST_REFERRAL.items() if k != "municipality"}, "referral_date": date(2026, 2, 1)}
    first = cases.open_case(social, municipality="0180", **referral)
    with pytest.raises(DomainError) as told:
        cases.open_case(social, municipality="0180", **referral)
    assert told.value.code == "possible_duplicate"
    assert [case_id for case_id, _ in told.value.cases] == [first.case_id]
    assert not re.search(r"\d{6}-?\d{4}", told.value.message)
    assert [r.entry.what for r in cases.access_log.extract(first.case_id)] == ["duplicate_check"]
    assert cases.open_case(social, municipality="0180", duplicate_confirmed=True, **referral).case_id != first.case_id


def test_the_confirmation_is_true_or_false_and_anything_else_is_422_naming_it(client, users):
    ok(_refer(client, users), 201)
    assert _refer(client, users, duplicate_confirmed=False).json()["error"]["code"] == "possible_duplicate"
    for malformed in ("yes", 1, "true", None):
        refused = _refer(client, users, duplicate_confirmed=malformed)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "body.duplicate_confirmed"


def test_a_copy_that_meets_its_own_case_as_the_duplicate_gets_that_copys_answer(client, users, monkeypatch):
    """Two copies of one keyed referral: the second looked for a stored answer before the first committed and checks
    after it — the case it finds is its own request's, and it is answered as the first was, not refused."""
    from services.api import writing

    headers = {**users.social, "Idempotency-Key": "referral-1"}
    first = client.post(CASES, json=FIRST_REFERRAL, headers=headers)
    assert first.status_code == 201
    monkeypatch.setattr(writing, "_stored_answer", lambda *args: None)   # its first look came too early
    copy = client.post(CASES, json=FIRST_REFERRAL, headers=headers)
    assert copy.status_code == 201 and copy.json() == first.json(), copy.text
    assert copy.headers["Idempotent-Replayed"] == "true"
    assert len(ok(client.get(CASES, headers=users.social))["cases"]) == 1
