"""Inputs pydantic's lax mode, or a check that read too much, once took for something else: each is refused with a
422 naming the field, and nothing is recorded (a red team's probes, 2026-12-05)."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import REFERRAL, events_of, ok, open_case, school_consented_case


def _refused(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field, response.text
    return error


@pytest.mark.parametrize("written", [0, 1761955200, "1761955200", 1.5, True, "2026-02-01T00:00:00Z",
                                     "2026-02-01T00:00:00+14:00", "20260201", "2026-W05-7"])
def test_a_referral_date_not_written_yyyy_mm_dd_is_refused_not_read_as_1970(client, users, postgres, written):
    """``"referral_date": 0`` opened a case referred on 1970-01-01, counted in that year's statistics."""
    before = events_of(postgres)
    error = _refused(client.post("/api/v1/cases", json={**REFERRAL, "referral_date": written}, headers=users.social),
                     "body.referral_date")
    assert error["problems"][0]["rule"] == "date_parsing" and "YYYY-MM-DD" in error["message"]
    assert events_of(postgres) == before


@pytest.mark.parametrize("path, body, field", [
    ("/eligibility", {"accepted": True, "reasons": "Hög risk.", "decided_on": 1761955200}, "body.decided_on"),
    ("/consents", {"consenter": "young_person", "purpose": "SIG", "form": "written", "valid_from": 0,
                   "scope": [{"agency": "skola", "categories": ["school"]}]}, "body.valid_from"),
    ("/consents", {"consenter": "young_person", "purpose": "SIG", "form": "written", "valid_from": "2026-02-02",
                   "valid_until": 86400 * 365 * 60, "scope": [{"agency": "skola", "categories": ["school"]}]},
     "body.valid_until"),
    ("/meetings", {"held_on": "2026-02-03T00:00:00+14:00"}, "body.held_on"),
    ("/meetings", {"held_on": "2026-02-03", "attendees": ["skola"], "next_meeting": "1761955200"},
     "body.next_meeting"),
    ("/protection", {"protected": True, "kind": "sekretessmarkering", "since": 1761955200}, "body.since"),
])
def test_every_date_a_command_names_is_written_yyyy_mm_dd(client, users, tick, postgres, path, body, field):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    error = _refused(client.post(f"/api/v1/cases/{case_id}{path}", json=body, headers=users.social), field)
    assert error["problems"][0]["rule"] == "date_parsing"
    assert events_of(postgres, case_id) == before


def test_a_date_written_yyyy_mm_dd_is_still_taken(client, users, tick):
    case_id = open_case(client, users)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social,
                   json={"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-01"}))


@pytest.mark.parametrize("day", ["1970-01-01", "2009-03-13"])   # REFERRAL's young person was born 2009-03-14
def test_a_referral_dated_before_the_young_person_was_born_is_refused(client, users, postgres, day):
    before = events_of(postgres)
    error = _refused(client.post("/api/v1/cases", json={**REFERRAL, "referral_date": day}, headers=users.social),
                     "body.referral_date")
    assert error["code"] == "date_before_birth"
    assert events_of(postgres) == before


@pytest.mark.parametrize("path, body, field, code", [
    ("/meetings", {"held_on": "1900-01-01", "attendees": ["skola"]}, "body.held_on", "date_before_referral"),
    ("/consents", {"consenter": "young_person", "purpose": "SIG", "form": "written", "valid_from": "1900-01-01",
                   "scope": [{"agency": "skola", "categories": ["school"]}]}, "body.valid_from",
     "date_before_referral"),
    ("/protection", {"protected": True, "kind": "sekretessmarkering", "since": "1900-01-01"}, "body.since",
     "date_before_birth"),
])
def test_a_date_decades_before_the_case_is_refused(client, users, tick, postgres, path, body, field, code):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    assert _refused(client.post(f"/api/v1/cases/{case_id}{path}", json=body, headers=users.social),
                    field)["code"] == code
    assert events_of(postgres, case_id) == before


BLANK_LOOKING = {"Hangul filler": "\u3164", "Hangul fillers": "\u115f\u1160\uffa0", "braille blank": "\u2800",
                 "combining marks only": "\u0301\u0301", "a lone variation selector": "\ufe0f",
                 "noncharacter U+FFFF": "\uffff", "noncharacter U+FFFE": "\ufffe", "private use": "\ue000",
                 "tag character": "\U000e0041", "spaces and fillers": " \u3164\u00a0\u2800 "}


@pytest.mark.parametrize("text", BLANK_LOOKING.values(), ids=BLANK_LOOKING.keys())
def test_text_that_shows_nothing_is_refused_as_blank_text_is(client, users, tick, postgres, text):
    """Required text must show something: a guardian named U+3164 (a Hangul filler, a letter to Python) or a note
    of combining accents alone was recorded and shown as nothing."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    refused = client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social,
                          json={"guardians": [{"name": text, "has_custody": True}]})
    assert refused.status_code == 422 and refused.json()["error"]["field"].startswith("body.guardians"), refused.text
    assert "must not be empty" in refused.json()["error"]["message"]
    error = _refused(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                                 json={"category": "school", "text": text}), "body.text")
    assert "must not be empty" in error["message"]
    assert events_of(postgres, case_id) == before


def test_text_with_marks_emoji_or_any_script_still_shows(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    for text in ("e\u0301", "Åsa Öberg", "김민준", "👨\u200d👩\u200d👧", "\u3164Kim"):
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                       json={"category": "school", "text": text}), 201)


@pytest.mark.parametrize("number", ["\u0660180-2026-0001", "\uff10\uff11\uff18\uff10-2026-0001", "0180-\u0968026-0001"])
def test_a_case_number_with_digits_of_another_script_is_malformed_not_looked_up(client, users, tick, number):
    """``\\d`` matches any script's digits, which int() reads: "٠180-2026-0001" was looked up, a 404."""
    open_case(client, users)
    error = _refused(client.get(f"/api/v1/cases/by-number/{number}", headers=users.social), "path.case_number")
    assert error["message"] == "a case number looks like 0180-2026-0042"
    ok(client.get("/api/v1/cases/by-number/0180-2026-0001", headers=users.social))


@pytest.mark.parametrize("path", ["facts", "replay?agency=skola&as_of=2026-02-03T12:00:00Z", "disclosures",
                                  "stored-log", "report"])
def test_an_audit_read_of_a_case_number_says_what_a_case_id_looks_like(client, users, tick, path):
    """Pydantic's "invalid group count: expected 5, found 3" told an auditor nothing of where a case number goes."""
    open_case(client, users)
    error = _refused(client.get(f"/api/v1/audit/cases/0180-2026-0001/{path}", headers=users.auditor),
                     "path.case_id")
    assert "group count" not in error["message"]
    assert error["message"].startswith("path.case_id: a case id looks like")
    assert "/api/v1/cases/by-number/" in error["message"] and error["problems"][0]["rule"] == "uuid_parsing"


@pytest.mark.parametrize("path, who, name", [
    ("/cases", "social", "limit"), ("/cases", "social", "offset"), ("/audit/access-log", "auditor", "limit"),
    ("/audit/access-log", "auditor", "after"), ("/feeds/skola", "school", "limit")])
@pytest.mark.parametrize("written", ["1_0", "+1", "%201", "1.0", "\u0661", "0x1"])
def test_a_query_number_is_plain_ascii_digits(client, users, tick, path, who, name, written):
    """``?limit=1_0`` was ten and ``?limit=+1`` one: int() reads them, no one writes them meaning that."""
    school_consented_case(client, users, tick)
    error = _refused(client.get(f"/api/v1{path}?{name}={written}", headers=getattr(users, who)), f"query.{name}")
    assert error["problems"][0]["rule"] == "int_parsing" and "digits 0–9" in error["message"]
    ok(client.get(f"/api/v1{path}?{name}=1", headers=getattr(users, who)))


def test_an_offset_past_any_list_is_refused_not_sent_to_the_database(client, users):
    _refused(client.get(f"/api/v1/cases?offset={2**63}", headers=users.social), "query.offset")


@pytest.mark.parametrize("version", ["1_0", "+1", " 1"])
def test_an_expected_version_written_as_int_would_read_it_is_refused(client, users, tick, version):
    case_id, _ = school_consented_case(client, users, tick)
    _refused(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                         json={"category": "school", "text": "Närvaro.", "expected_version": version}),
             "body.expected_version")


def test_a_refusal_in_a_list_names_the_item_s_place(client, users, tick, postgres):
    """The README promises ``body.rows.0.goal``; a guardian's name and a member's outcome came back without their
    place (``body.guardians.name``, ``body.outcomes.origin_agency``): which of three guardians was it?"""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    _refused(client.post(f"/api/v1/cases/{case_id}/guardians", headers=users.social,
                         json={"guardians": [{"name": "Maria Exempel"}, {"name": "\u200b"}]}), "body.guardians.1.name")
    _refused(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.school, json={
        "held_on": "2026-02-03", "attendees": ["skola"],
        "outcomes": [{"category": "school", "origin_agency": "skola", "text": "Närvaron har ökat."},
                     {"category": "school", "origin_agency": "polis", "text": "Ingen ny anmälan."}]}),
             "body.outcomes.1.origin_agency")
    _refused(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.school, json={
        "held_on": "2026-02-03", "attendees": ["skola", "polis"]}), "body.attendees.1")
    _refused(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-03", "attendees": ["skola"], "other_attendees": ["den unge", " "]}),
             "body.other_attendees.1")
    assert events_of(postgres, case_id) == before
