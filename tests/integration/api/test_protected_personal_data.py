"""Skyddade personuppgifter over the API: social services records that the young person has protected personal data
(or no longer has) with POST /cases/{id}/protection; the case read and the case list tell it to whoever sees the fact
case.protected (category case) — and to no one else."""

from __future__ import annotations

from tests.integration.api.flows import ok, open_case, school_consented_case

CASES = "/api/v1/cases"
PROTECT = {"protected": True, "kind": "skyddad_folkbokforing", "since": "2026-02-02"}


def _protected(client, headers, case_id: str) -> dict | None:
    return ok(client.get(f"{CASES}/{case_id}", headers=headers))["protected_personal_data"]


def _listed(client, headers, case_id: str) -> dict | None:
    rows = ok(client.get(CASES, headers=headers))["cases"]
    return next(r for r in rows if r["case_id"] == case_id)["protected_personal_data"]


def test_social_services_records_it_and_who_sees_the_case_is_told(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    tick()
    ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=PROTECT))
    told = {"kind": "skyddad_folkbokforing", "since": "2026-02-02"}
    assert _protected(client, users.social, case_id) == told
    assert _protected(client, users.school, case_id) == told
    assert _listed(client, users.social, case_id) == told and _listed(client, users.school, case_id) == told
    # The police, in the group with consent to `crime` only, reads the LUL 6 § referral and not that the case exists:
    # nor the flag, in its read, its list or its facts.
    police = ok(client.get(f"{CASES}/{case_id}", headers=users.police))
    assert police["protected_personal_data"] is None and "case.protected" not in {f["kind"] for f in police["facts"]}
    assert _listed(client, users.police, case_id) is None
    school_facts = ok(client.get(f"{CASES}/{case_id}", headers=users.school))["facts"]
    assert [f["content"] for f in school_facts if f["kind"] == "case.protected"] == [
        {"protected": True, "kind": "skyddad_folkbokforing", "since": "2026-02-02"}]


def test_lifting_it_tells_null(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=PROTECT))
    tick()
    ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json={"protected": False}))
    assert _protected(client, users.social, case_id) is None and _protected(client, users.school, case_id) is None
    assert _listed(client, users.school, case_id) is None


def test_a_case_without_it_reads_null(client, users):
    case_id = open_case(client, users)
    assert _protected(client, users.social, case_id) is None and _listed(client, users.social, case_id) is None


def test_a_member_may_not_record_it(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    refused = client.post(f"{CASES}/{case_id}/protection", headers=users.school, json=PROTECT)
    assert refused.status_code == 403, refused.text


def test_refusals_name_the_field(client, users, tick):
    case_id = open_case(client, users)
    cases = {
        "body.kind": {"protected": True},
        "body.protected": {"kind": "sekretessmarkering"},
    }
    for field, body in cases.items():
        refused = client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=body)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == field, refused.text
    unknown = client.post(f"{CASES}/{case_id}/protection", headers=users.social,
                          json={"protected": True, "kind": "hemlig_adress"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "body.kind"
    not_a_bool = client.post(f"{CASES}/{case_id}/protection", headers=users.social,
                             json={"protected": "yes", "kind": "sekretessmarkering"})
    assert not_a_bool.status_code == 422 and not_a_bool.json()["error"]["field"] == "body.protected"
    future = client.post(f"{CASES}/{case_id}/protection", headers=users.social, json={**PROTECT, "since": "2030-01-01"})
    assert future.status_code == 422 and future.json()["error"] == {
        "code": "date_in_future", "message": future.json()["error"]["message"], "field": "body.since"}
    with_kind = client.post(f"{CASES}/{case_id}/protection", headers=users.social,
                            json={"protected": False, "kind": "sekretessmarkering"})
    assert with_kind.status_code == 422 and with_kind.json()["error"]["field"] == "body.kind"


def test_the_same_state_again_is_422_protection_unchanged_and_records_nothing(client, users, tick):
    case_id = open_case(client, users)
    lifted = client.post(f"{CASES}/{case_id}/protection", headers=users.social, json={"protected": False})
    assert lifted.status_code == 422 and lifted.json()["error"]["code"] == "protection_unchanged"
    assert lifted.json()["error"]["field"] == "body.protected"
    version = ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=PROTECT))["version"]
    tick()
    again = client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=PROTECT)
    assert again.status_code == 422 and again.json()["error"]["code"] == "protection_unchanged", again.text
    assert again.json()["error"]["field"] == "body.kind"
    assert ok(client.get(f"{CASES}/{case_id}", headers=users.social))["version"] == version


def test_a_stale_version_is_409_and_a_retry_under_its_key_is_answered_once(client, users, tick):
    case_id = open_case(client, users)
    version = ok(client.get(f"{CASES}/{case_id}", headers=users.social))["version"]
    tick()
    stale = client.post(f"{CASES}/{case_id}/protection", headers=users.social,
                        json={**PROTECT, "expected_version": version - 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "concurrent_change"
    keyed = {**users.social, "Idempotency-Key": "skydd-1"}
    first = client.post(f"{CASES}/{case_id}/protection", headers=keyed, json={**PROTECT, "expected_version": version})
    retried = client.post(f"{CASES}/{case_id}/protection", headers=keyed, json={**PROTECT, "expected_version": version})
    assert first.status_code == retried.status_code == 200, first.text
    assert retried.headers["Idempotent-Replayed"] == "true" and retried.json() == first.json()


def test_a_closed_case_takes_none(client, users, tick):
    case_id = open_case(client, users)
    ok(client.post(f"{CASES}/{case_id}/closure", headers=users.social, json={"reason": "moved", "outcome": "Flyttat."}))
    tick()
    refused = client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=PROTECT)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "case_closed"


def test_a_change_of_kind_from_before_the_current_protection_began_is_refused(client, users, tick):
    case_id = open_case(client, users)
    tick()
    ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=PROTECT))
    tick()
    earlier = client.post(f"{CASES}/{case_id}/protection", headers=users.social,
                          json={"protected": True, "kind": "sekretessmarkering", "since": "2026-02-01"})
    assert earlier.status_code == 422 and earlier.json()["error"]["field"] == "body.since", earlier.text
    assert _protected(client, users.social, case_id)["kind"] == "skyddad_folkbokforing"
