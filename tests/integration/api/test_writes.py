"""Writes over HTTP: versions and 409, idempotency keys, read-your-writes, and clear errors."""

from __future__ import annotations

import gzip
import html
import json
import re
from uuid import uuid4

import pytest

from services.web import texts
from tests.integration.api.flows import REFERRAL, events_of, ok, open_case, school_consented_case
from tests.integration.api.skew import web_as

CONTRIBUTION = {"category": "school", "text": "Närvaro 80 %."}


def test_a_stale_if_match_is_409_and_records_nothing(client, users, tick):
    case_id = open_case(client, users)
    tick()
    accept = {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}
    response = client.post(f"/api/v1/cases/{case_id}/eligibility", json=accept,
                           headers={**users.social, "If-Match": '"1"'})
    assert ok(response)["version"] == 2 and re.fullmatch(r'"2-[0-9a-f]{12}"', response.headers["ETag"])
    stale = client.post(f"/api/v1/cases/{case_id}/members", headers={**users.social, "If-Match": '"1"'},
                        json={"agency": "skola", "contact_person": "Kim", "role": "kurator"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "concurrent_change"
    assert stale.json()["error"]["field"] == "header.if-match"   # where it was sent (body.expected_version before)
    assert ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["version"] == 2


def test_expected_version_in_the_body_works_like_if_match(client, users, tick):
    case_id = open_case(client, users)
    tick()
    response = client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
        "accepted": True, "reasons": "x", "decided_on": "2026-02-02", "expected_version": 7})
    assert response.status_code == 409 and response.json()["error"]["field"] == "body.expected_version"


def test_a_keyed_write_with_a_stale_if_match_names_the_header_and_one_without_names_the_body(client, users, tick):
    """The keyed path answers a conflict as the plain one does: where the caller sent its version."""
    case_id = open_case(client, users)
    tick()
    accept = {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}
    for key, sent, field in (("k1", {"If-Match": '"7"'}, "header.if-match"), ("k2", {}, "body.expected_version"),
                             ("k3", {"If-Match": "*"}, "body.expected_version")):   # *: the body's version counts
        stale = client.post(f"/api/v1/cases/{case_id}/eligibility", json={**accept, "expected_version": 7},
                            headers={**users.social, "Idempotency-Key": key, **sent})
        assert stale.status_code == 409 and stale.json()["error"]["field"] == field, stale.text


def test_a_referral_that_finds_no_free_case_number_is_409_naming_no_field(client, users, app, monkeypatch):
    """A referral sends no version: its conflict (every number drawn was taken by another case first) named
    `body.expected_version`, a field the referral does not have."""
    from eventsourcing.persistence import RecordConflictError

    def taken(*args, **kwargs):
        raise RecordConflictError("the number was taken")
    monkeypatch.setattr(app, "save", taken)
    refused = client.post("/api/v1/cases", json=REFERRAL, headers=users.social)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "concurrent_change", refused.text
    assert refused.json()["error"]["field"] is None


def test_a_retried_post_with_the_same_idempotency_key_records_once_and_answers_the_same(client, users):
    headers = {**users.social, "Idempotency-Key": "referral-42"}
    first = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    again = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    cases = ok(client.get("/api/v1/cases", headers=users.social))["cases"]
    assert len(cases) == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(client, users):
    headers = {**users.social, "Idempotency-Key": "k1"}
    ok(client.post("/api/v1/cases", json=REFERRAL, headers=headers), 201)
    response = client.post("/api/v1/cases", json={**REFERRAL, "summary": "Annat."}, headers=headers)
    assert response.status_code == 422 and response.json()["error"]["field"] == "header.idempotency-key"


def test_a_failed_request_releases_its_key_so_a_corrected_retry_runs(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, members=())
    headers = {**users.school, "Idempotency-Key": "c1"}
    refused = client.post(f"/api/v1/cases/{case_id}/contributions", json=CONTRIBUTION, headers=headers)
    assert refused.status_code == 404  # not yet in the group: nothing recorded, so the key is free again
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "skola", "contact_person": "Kim", "role": "kurator"}), 201)
    tick()
    retried = client.post(f"/api/v1/cases/{case_id}/contributions", json=CONTRIBUTION, headers=headers)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers


def test_the_writers_next_list_shows_the_new_case(client, users):
    created = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)
    listed = ok(client.get("/api/v1/cases", headers=users.social))["cases"]
    assert [c["case_id"] for c in listed] == [created["case_id"]] and listed[0]["phase"] == "referred"


def test_bad_input_names_the_field_and_the_rule(client, users):
    response = client.post("/api/v1/cases", json={**REFERRAL, "referral_date": "igår"}, headers=users.social)
    error = response.json()["error"]
    assert response.status_code == 422 and error["field"] == "body.referral_date" and error["problems"]
    response = client.post("/api/v1/cases", json={**REFERRAL, "personnummer": "200903142389"},
                           headers=users.social)
    error = response.json()["error"]
    assert response.status_code == 422 and error["field"] == "body.personnummer" and "200903142389" not in response.text


def test_an_unknown_case_is_404_and_a_malformed_id_is_422(client, users):
    assert client.get("/api/v1/cases/00000000-0000-0000-0000-000000000000",
                      headers=users.social).status_code == 404
    assert client.get("/api/v1/cases/not-a-uuid", headers=users.social).status_code == 422


def test_a_domain_rule_is_422_with_its_code(client, users, tick):
    case_id = open_case(client, users)
    tick()
    response = client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                           json={"agency": "skola", "contact_person": "Kim", "role": "kurator"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "eligibility_not_accepted"


def test_a_malformed_idempotency_key_or_if_match_is_422_naming_the_header_and_records_nothing(client, users, tick):
    case_id = open_case(client, users)
    tick()
    accept = {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}
    for header, value, rule in (("Idempotency-Key", "", "string_too_short"),
                                ("Idempotency-Key", "k" * 201, "string_too_long"),
                                ("Idempotency-Key", "nyckel med mellanslag", "string_pattern_mismatch"),
                                ("If-Match", '"' + "1" * 40 + '"', "string_too_long")):
        response = client.post(f"/api/v1/cases/{case_id}/eligibility", json=accept,
                               headers={**users.social, header: value})
        assert response.status_code == 422, (header, value)
        error = response.json()["error"]
        assert (error["field"], error["problems"][0]["rule"]) == (f"header.{header.lower()}", rule)
    assert ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["version"] == 1


def test_dates_beyond_the_calendar_are_422_naming_the_field_and_store_nothing(client, users, tick, postgres):
    """A consent "until 9999-12-31" was stored, then every fold of the case overflowed: its reads, every case
    list and feed it was in answered 500 for good."""
    case_id, consents = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    consent = {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}],
               "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}
    for field, value in (("valid_until", "9999-12-31"), ("valid_from", "0001-01-01"), ("valid_until", "2200-01-01")):
        tick()
        answer = client.post(f"/api/v1/cases/{case_id}/consents", json={**consent, field: value},
                             headers=users.social)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == f"body.{field}", (field, answer.text)
    narrowing = {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}],
                 "valid_until": "9999-12-31"}
    answer = client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", json=narrowing,
                         headers=users.social)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "body.valid_until", answer.text
    meeting = {"held_on": "2026-02-02", "attendees": ["skola"], "next_meeting": "9999-12-31"}
    answer = client.post(f"/api/v1/cases/{case_id}/meetings", json=meeting, headers=users.social)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "body.next_meeting", answer.text
    assert events_of(postgres, case_id) == before
    for path in (f"/api/v1/cases/{case_id}", "/api/v1/cases", "/api/v1/feeds/skola"):
        ok(client.get(path, headers=users.school))


def test_a_meeting_with_nobody_attending_and_nothing_minuted_is_422_at_the_attendees(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    tick()
    answer = client.post(f"/api/v1/cases/{case_id}/meetings", json={"held_on": "2026-02-02"}, headers=users.social)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "empty_meeting", answer.text
    assert {k: answer.json()["error"][k] for k in ("field", "message")} == {"field": "body.attendees", "message": (
        "a meeting with nobody attending and nothing minuted records nothing: name who attended, or give an outcome"
        " or a decision")}
    assert events_of(postgres, case_id) == before


def test_a_replay_as_of_a_moment_beyond_the_calendar_is_422_naming_as_of(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    for moment in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00"):
        answer = client.get(f"/api/v1/audit/cases/{case_id}/replay",
                            params={"agency": "skola", "as_of": moment}, headers=users.auditor)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "query.as_of", (moment, answer.text)


def test_if_match_takes_a_version_the_api_gave_or_a_star_and_nothing_looser(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    version = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["version"]
    note = {"category": "school", "text": "Närvaro 80 %."}
    for tag in (b'"\xb2"', b'W/"%d"' % version, b'""""1""', b"", b'"1", "2"'):   # \xb2: a digit to isdigit()
        answer = client.post(f"/api/v1/cases/{case_id}/contributions", json=note,
                             headers={**users.school, "If-Match": tag})
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "header.if-match", (tag, answer.text)
    for flag in (True, 1.0):
        answer = client.post(f"/api/v1/cases/{case_id}/contributions", json={**note, "expected_version": flag},
                             headers=users.school)
        assert answer.status_code == 422 and "expected_version" in answer.json()["error"]["field"], answer.text
        assert "Value error" not in answer.json()["error"]["message"], answer.text   # pydantic's prefix, not ours
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json=note, headers={**users.school, "If-Match": "*"}),
       201)


def test_a_body_that_cannot_be_read_is_422_naming_the_body(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    for body in (b'{"category": "school", "text": "\xff\xfe"}', b"[" * 5000 + b"]" * 5000):
        answer = client.post(f"/api/v1/cases/{case_id}/contributions", content=body,
                             headers={**users.school, "Content-Type": "application/json"})
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "body", answer.text


def test_an_unexpected_error_is_answered_and_ends_there_its_words_never_logged(context, users, tick, caplog):
    from fastapi.testclient import TestClient

    from services.api.app import create_api

    async def broken(*args, **kwargs):
        raise ValueError("Peter Exempel 20090314-2388")

    context.cases.look_async = broken
    with TestClient(create_api(context), raise_server_exceptions=True) as strict:   # a re-raise would fail here
        answer = strict.get(f"/api/v1/cases/{uuid4()}", headers=users.school)
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal_error"
    assert "unexpected ValueError" in caplog.text and "20090314" not in caplog.text


def test_a_body_over_the_limit_is_413_before_it_is_read_whole(client, users, tick, monkeypatch):
    from services.api import middleware

    case_id, _ = school_consented_case(client, users, tick)
    monkeypatch.setattr(middleware, "MAX_BODY", 64 * 1024)   # the real limit is 8 MB: the same code, a smaller body
    huge = b'{"category": "school", "text": "' + b"x" * (middleware.MAX_BODY + 10) + b'"}'
    answer = client.post(f"/api/v1/cases/{case_id}/contributions", content=huge,
                         headers={**users.school, "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body_too_large"

    def chunks():   # no Content-Length: refused as it grows past the limit
        for _ in range(middleware.MAX_BODY // 65536 + 2):
            yield b" " * 65536

    answer = client.post(f"/api/v1/cases/{case_id}/contributions", content=chunks(),
                         headers={**users.school, "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["field"] == "body"


def test_a_body_that_is_not_json_is_told_so_naming_the_body(client, users):
    headers = {**users.social, "Content-Type": "application/json"}
    garbled = client.post("/api/v1/cases", content=b"not json", headers=headers)
    assert garbled.status_code == 422 and garbled.json()["error"]["field"] == "body"
    plain = client.post("/api/v1/cases", content=b'{"municipality": "0180"}',
                        headers={**users.social, "Content-Type": "text/plain"})
    assert plain.status_code == 415 and "application/json" in plain.json()["error"]["message"]
    unnamed = client.post("/api/v1/cases", content=json.dumps(REFERRAL).encode(), headers=users.social)
    assert unnamed.status_code == 415 and "no Content-Type" in unnamed.json()["error"]["message"]   # was 422
    nothing = client.post("/api/v1/cases", headers=users.social)
    assert nothing.status_code == 422 and nothing.json()["error"]["field"] == "body"


@pytest.mark.parametrize("path, body, field", [
    ("eligibility", {"accepted": 0, "reasons": "Bedömt.", "decided_on": "2026-02-02"}, "body.accepted"),
    ("eligibility", {"accepted": "no", "reasons": "Bedömt.", "decided_on": "2026-02-02"}, "body.accepted"),
    ("guardians", {"guardians": [{"name": "Maria Exempel", "has_custody": "off"}]}, "body.guardians.0.has_custody"),
    ("guardians", {"guardians": [{"name": "Maria Exempel", "has_custody": 1}]}, "body.guardians.0.has_custody"),
], ids=["accepted-0", "accepted-no", "custody-off", "custody-1"])
def test_a_decision_or_a_custody_is_true_or_false_and_anything_else_is_422_naming_it(client, users, postgres, path,
                                                                                    body, field):
    """A fuzzer's ``"accepted": 0`` was recorded as the young person found not eligible — for good: a decision is not
    made twice — and ``"has_custody": "off"`` as a guardian whose consent is not needed.  Both are now as strict as
    ``duplicate_confirmed``, ``protected`` and ``young_person_took_part`` were already."""
    case_id = open_case(client, users)
    before = events_of(postgres, case_id)
    refused = client.post(f"/api/v1/cases/{case_id}/{path}", json=body, headers=users.social)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == field, refused.text
    assert events_of(postgres, case_id) == before


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_a_compressed_body_is_415_saying_so_and_nothing_is_recorded(client, users, coding):
    """A client or gateway that compresses its requests was told "could not be read as JSON" (422), and a body that
    said ``Content-Encoding: br`` but was plain JSON was recorded — what a proxy decoding it would log is not."""
    body = json.dumps(REFERRAL).encode()
    before = client.get("/api/v1/cases", headers=users.social).json()["total"]
    sent = gzip.compress(body) if coding == "gzip" else body
    answer = client.post("/api/v1/cases", content=sent,
                         headers={**users.social, "Content-Type": "application/json", "Content-Encoding": coding})
    assert answer.status_code == 415, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("unsupported_media_type", "body") and coding not in error["message"]
    assert answer.headers["accept-encoding"] == "identity"
    assert client.get("/api/v1/cases", headers=users.social).json()["total"] == before
    named = client.post("/api/v1/cases", content=body,
                        headers={**users.social, "Content-Type": "application/json", "Content-Encoding": "identity"})
    assert named.status_code == 201, named.text
    blank = client.post("/api/v1/cases", content=json.dumps({**REFERRAL, "duplicate_confirmed": True}).encode(),
                        headers={**users.social, "Content-Type": "application/json", "Content-Encoding": ""})
    assert blank.status_code == 201, blank.text   # an empty list of codings is none


def test_a_guardian_under_the_young_persons_id_is_refused_and_the_school_sees_nothing(client, users, tick):
    """A red team's finding: a guardian recorded under the id `young_person` had the 16-year-old's own consent
    counted as the guardian's, and the school read the case's crime summary with no guardian's consent."""
    case_id = open_case(client, users)
    post = lambda path, body: client.post(f"/api/v1/cases/{case_id}{path}", json=body,  # noqa: E731
                                          headers=users.social)
    tick()
    ok(post("/eligibility", {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}))
    for guardians in ([{"guardian_id": "young_person", "name": "Maria"}],
                      [{"name": "Maria"}, {"guardian_id": "g1", "name": "Johan"}]):
        tick()
        refused = post("/guardians", {"guardians": guardians})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == f"body.guardians.{len(guardians) - 1}.guardian_id"
    tick()
    ok(post("/consents", {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "crime"]}],
                          "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}), 201)
    tick()
    ok(post("/members", {"agency": "skola", "contact_person": "Kurator", "role": "kontaktperson"}), 201)
    assert client.get(f"/api/v1/cases/{case_id}", headers=users.school).status_code == 404


def _school_loses_a_fact_and_gains_another(client, users, tick) -> tuple[str, str, str]:
    """The red team's case: the school sees a school contribution; the young person's consent narrowed to `case`
    takes it away and shows the narrowing instead — as many events as before.  The case id and the school's ETag
    before and after."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Soc skoluppgift"},
                   headers=users.social), 201)
    before = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}]}))
    after = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    kinds = lambda answer: {f["kind"] for f in ok(answer)["facts"]}  # noqa: E731
    assert "contribution" in kinds(before) - kinds(after) and "consent.narrowed" in kinds(after) - kinds(before)
    assert ok(before)["version"] == ok(after)["version"]   # the count, unchanged: the ETag must not be
    return case_id, before.headers["ETag"], after.headers["ETag"]


def test_a_view_that_lost_a_fact_and_gained_another_is_stale_though_its_count_is_the_same(client, users, tick,
                                                                                          postgres):
    """The school's If-Match from before the narrowing was taken (201): "anything you could see changed" is 409."""
    case_id, before, after = _school_loses_a_fact_and_gains_another(client, users, tick)
    count = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["version"]
    assert before != after and before.startswith(f'"{count}-') and after.startswith(f'"{count}-')
    stored = events_of(postgres, case_id)
    tick()
    stale = client.post(f"/api/v1/cases/{case_id}/contributions", json=CONTRIBUTION,
                        headers={**users.school, "If-Match": before})
    assert stale.status_code == 409, stale.text
    assert {k: stale.json()["error"][k] for k in ("code", "field")} == {"code": "concurrent_change",
                                                                        "field": "header.if-match"}
    assert events_of(postgres, case_id) == stored
    written = client.post(f"/api/v1/cases/{case_id}/contributions", json=CONTRIBUTION,
                          headers={**users.school, "If-Match": after})
    assert written.status_code == 201, written.text
    # The write's ETag is the school's view after it, as its next read says it: a chain of writes can use it.
    assert written.headers["ETag"] == client.get(f"/api/v1/cases/{case_id}", headers=users.school).headers["ETag"]


def test_a_bare_count_in_if_match_is_compared_as_before(client, users, tick):
    """A client of before the digest sends the count alone: compared alone, as it was."""
    case_id, before, after = _school_loses_a_fact_and_gains_another(client, users, tick)
    count = before.strip('"').split("-")[0]
    tick()
    stale = client.post(f"/api/v1/cases/{case_id}/contributions", json=CONTRIBUTION,
                        headers={**users.school, "If-Match": f'"{int(count) - 1}"'})
    assert stale.status_code == 409 and stale.json()["error"]["message"] == (
        f"the case has changed: you expected version {int(count) - 1}, it is at {count}")
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={**CONTRIBUTION, "expected_version": int(count)},
                   headers={**users.school, "If-Match": f'"{count}"'}), 201)
    for tag in (f'"{count}-"', f'"{count}-XYZ"', f'"{count}-{"a" * 13}"', '"-abcdefabcdef"'):
        answer = client.post(f"/api/v1/cases/{case_id}/contributions", json=CONTRIBUTION,
                             headers={**users.school, "If-Match": tag})
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "header.if-match", (tag, answer.text)


def test_the_web_form_shown_before_the_view_changed_is_told_the_case_changed(client, users, tick, context,
                                                                            settings, postgres):
    """The form carries the digest of what was seen beside the count (hidden): sent after the narrowing, it is
    the 409 page with the form again, not a contribution recorded against a case the school no longer saw."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Soc skoluppgift"},
                   headers=users.social), 201)
    school = web_as(context, settings, "skola")
    page = school.get(f"/arenden/{case_id}/uppgift").text
    fields = dict(re.findall(r'name="(csrf|form_key|expected_version|expected_digest)" value="([^"]*)"', page))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}]}))
    stored = events_of(postgres, case_id)
    tick()
    sent = school.post(f"/arenden/{case_id}/uppgift", follow_redirects=False,
                       data={**fields, "category": "school", "text": "Skrivet mot en äldre bild."})
    assert sent.status_code == 409 and texts.T["conflict"] in html.unescape(sent.text), sent.text[:400]
    assert events_of(postgres, case_id) == stored
    again = dict(re.findall(r'name="(csrf|form_key|expected_version|expected_digest)" value="([^"]*)"', sent.text))
    assert again["expected_digest"] != fields["expected_digest"]   # the form shown again: the case as it is now
    tick()
    assert school.post(f"/arenden/{case_id}/uppgift", follow_redirects=False,
                       data={**again, "category": "school", "text": "Skrivet mot en äldre bild."}).status_code == 303
