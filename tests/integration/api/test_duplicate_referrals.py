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
from tests.integration.api.flows import FIRST_REFERRAL, events_of, ok, school_consented_case
from tests.integration.api.skew import web_as

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


def test_every_open_case_is_named_and_a_confirmed_referral_reads_each_it_records(client, users):
    first = ok(_refer(client, users), 201)
    assert _reads(client, users, first["case_id"]) == []
    second = ok(_refer(client, users, duplicate_confirmed=True), 201)
    assert len(_reads(client, users, first["case_id"])) == 1   # recorded on the second case: read for it
    named = _refer(client, users).json()["error"]["cases"]
    assert [c["case_number"] for c in named] == [first["created"], second["created"]]
    ok(_refer(client, users, duplicate_confirmed=True), 201)
    assert [len(_reads(client, users, c["case_id"])) for c in (first, second)] == [3, 2]


def _confirmations(client, headers, case_id: str) -> list:
    facts = ok(client.get(f"{CASES}/{case_id}", headers=headers))["facts"]
    return [f["content"]["open_cases"] for f in facts if f["kind"] == "referral.duplicate_confirmed"]


def test_a_confirmed_referral_records_the_open_cases_it_was_opened_beside(client, users, context, settings, tick):
    """On the referral event (``despite_open_cases``): the lead's timeline and the auditors' replay and report say
    it in Swedish; a case opened without any other open case records nothing."""
    first = ok(_refer(client, users), 201)
    tick()
    second = ok(_refer(client, users, duplicate_confirmed=True), 201)
    tick()
    ok(_refer(client, users, personnummer=OTHER_PERSON, duplicate_confirmed=True), 201)   # nothing open: nothing
    assert _confirmations(client, users.social, second["case_id"]) == [
        [{"case_id": first["case_id"], "case_number": first["created"]}]]
    assert _confirmations(client, users.social, first["case_id"]) == []
    others = ok(client.get(CASES, headers=users.social))["cases"]
    assert [_confirmations(client, users.social, c["case_id"]) for c in others].count([]) == 2
    said = f"Registrerad trots öppet ärende {first['created']}"
    assert said in web_as(context, settings, "soc-0180").get(f"/arenden/{second['case_id']}").text
    replayed = web_as(context, settings, "ivo").get(f"/granskning/arenden/{second['case_id']}",
                                                    params={"myndighet": "socialtjanst", "tid": "2026-02-04"})
    assert said in replayed.text
    for member in ("skola", "polis"):   # what a member knew: never, in any replay
        assert "trots" not in web_as(context, settings, "ivo").get(
            f"/granskning/arenden/{second['case_id']}", params={"myndighet": member, "tid": "2026-02-04"}).text
    assert said in client.get(f"/api/v1/audit/cases/{second['case_id']}/report", headers=users.auditor).text
    audit = ok(client.get(f"/api/v1/audit/cases/{second['case_id']}/facts", headers=users.auditor))
    assert "referral.duplicate_confirmed" in str(audit)


def test_a_member_learns_nothing_of_the_confirmation(client, users, context, settings, tick):
    """The second case's school, consented to see `case` and `school`: its timeline, plan, feed and web pages carry
    nothing of the other case (its number, its id, that a confirmation exists)."""
    ok(_refer(client, users, personnummer=OTHER_PERSON), 201)   # 0001 is the case list's example of a number
    first = ok(_refer(client, users), 201)
    tick()
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Fullföljd skolgång", "rows": [{"area": "Skola", "goal": "Närvaro", "how": "Stöd",
                                                     "responsible": "Skolan", "responsible_agencies": ["skola"]}]}),
       201)
    assert _confirmations(client, users.social, case_id) != []   # the lead sees it
    school = [client.get(f"{CASES}/{case_id}", headers=users.school),
              client.get(f"{CASES}/{case_id}/plan", headers=users.school),
              client.get("/api/v1/feeds/skola", params={"limit": 500}, headers=users.school)]
    web = web_as(context, settings, "skola")
    school += [web.get(f"/arenden/{case_id}"), web.get(f"/arenden/{case_id}/plan"), web.get("/arenden")]
    assert all(r.status_code == 200 for r in school), [r.status_code for r in school]
    assert "Närvaro" in school[1].text and ok(school[2])["messages"]   # the school does see the case
    for answer in school:
        text = answer.text
        assert first["case_id"] not in text and first["created"] not in text, answer.url
        assert "duplicate" not in text and "trots" not in text, answer.url


def test_a_closed_case_another_person_and_another_municipality_do_not_match(client, users, tick):
    closed = ok(_refer(client, users), 201)["case_id"]
    tick()
    ok(client.post(f"{CASES}/{closed}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
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


def test_the_check_catches_the_views_up_once(context, monkeypatch):
    """The views are caught up when the check reads their position; the case list read after it reads them as they
    stand (whatever is stored past the position is read from the events): a second catch-up was wasted work."""
    cases = context.cases
    social = Principal("soc", "Handläggare", "socialtjanst", frozenset({Role.CASEWORKER}), "0180")
    referral = {**{k: v for k, v in FIRST_REFERRAL.items() if k != "municipality"}, "referral_date": date(2026, 2, 1)}
    first = cases.open_case(social, municipality="0180", **referral)
    runner, catch_ups = cases.lists.runner, []
    catch_up = runner.catch_up
    monkeypatch.setattr(runner, "catch_up", lambda *args, **kwargs: catch_ups.append(1) or catch_up(*args, **kwargs))
    with pytest.raises(DomainError) as told:
        cases.open_case(social, municipality="0180", **referral)
    assert [case_id for case_id, _ in told.value.cases] == [first.case_id]
    assert len(catch_ups) == 1
