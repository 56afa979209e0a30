"""Whether a case exists is itself a secret: no answer to someone outside it differs between a case that
exists and one that does not — not its status, not its code, not its words."""

from __future__ import annotations

from uuid import UUID, uuid4

from tests.integration.api.flows import school_consented_case


def same_answer(first, second) -> tuple[int, dict]:
    assert (first.status_code, first.json()) == (second.status_code, second.json()), (first.text, second.text)
    return first.status_code, first.json()["error"]


def test_a_role_that_reads_no_case_gets_the_same_403_for_a_case_that_exists_and_one_that_does_not(client, users,
                                                                                                  tick, app):
    case_id, _ = school_consented_case(client, users, tick)
    administrator = users.headers("socialtjanst", "administrator")
    for path in ("", "/plan", "/meetings", "/contributions", "/extract"):
        status, _ = same_answer(client.get(f"/api/v1/cases/{case_id}{path}", headers=administrator),
                                client.get(f"/api/v1/cases/{uuid4()}{path}", headers=administrator))
        assert status == 403
    note = {"category": "school", "text": "x"}
    status, _ = same_answer(
        client.post(f"/api/v1/cases/{case_id}/contributions", json=note, headers=administrator),
        client.post(f"/api/v1/cases/{uuid4()}/contributions", json=note, headers=administrator))
    assert status == 403
    number = app.get_case(UUID(case_id)).case_number
    status, _ = same_answer(client.get(f"/api/v1/cases/by-number/{number}", headers=administrator),
                            client.get("/api/v1/cases/by-number/0180-2026-0999", headers=administrator))
    assert status == 403


def test_a_case_number_outside_ones_cases_reads_as_one_never_given(client, users, tick, app):
    case_id, _ = school_consented_case(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    for outsider in (users.headers("bup", "member"),                              # not in the group
                     users.headers("skola", "member", municipality="1280"),      # in it, but Malmö's school
                     users.headers("socialtjanst", "caseworker", municipality="0181")):  # another municipality
        status, error = same_answer(client.get(f"/api/v1/cases/by-number/{number}", headers=outsider),
                                    client.get("/api/v1/cases/by-number/0180-2026-0999", headers=outsider))
        assert status == 404 and error["code"] == "case_not_found"


def test_an_erased_case_is_no_such_case_to_its_former_members_and_an_auditor_is_told_it_was_erased(
        client, users, tick, app):
    case_id, _ = school_consented_case(client, users, tick)
    app.keystore.destroy(UUID(case_id))
    for reader in (users.school, users.social, users.headers("bup", "member")):
        status, error = same_answer(client.get(f"/api/v1/cases/{case_id}", headers=reader),
                                    client.get(f"/api/v1/cases/{uuid4()}", headers=reader))
        assert status == 404 and error["code"] == "case_not_found"
    audited = client.get(f"/api/v1/audit/cases/{case_id}/facts", headers=users.auditor)
    assert audited.status_code == 404 and audited.json()["error"]["code"] == "case_erased"


def test_a_member_no_consent_lets_see_the_case_is_told_what_an_outsider_is(client, users, tick, app, postgres):
    """Being in the group is itself secret: `case` reaches a member only through consent (or as its origin).
    School and police are both in the group, only the school's consent covers it, and the referral in the
    police's name is social services' record — so to the police the case answers as one never opened would, by
    number, read or written to."""
    from tests.integration.api.flows import events_of, ok

    case_id, _ = school_consented_case(client, users, tick, others={})
    number = app.get_case(UUID(case_id)).case_number
    stored = events_of(postgres, case_id)
    note = {"category": "crime", "text": "Ny misstanke."}
    for path in ("", "/plan", "/meetings", "/contributions", "/extract"):
        status, error = same_answer(client.get(f"/api/v1/cases/{case_id}{path}", headers=users.police),
                                    client.get(f"/api/v1/cases/{uuid4()}{path}", headers=users.police))
        assert status == 404 and error["code"] == "case_not_found", path
    status, _ = same_answer(client.post(f"/api/v1/cases/{case_id}/contributions", json=note, headers=users.police),
                            client.post(f"/api/v1/cases/{uuid4()}/contributions", json=note, headers=users.police))
    assert status == 404 and events_of(postgres, case_id) == stored   # nothing recorded
    status, _ = same_answer(client.get(f"/api/v1/cases/by-number/{number}", headers=users.police),
                            client.get("/api/v1/cases/by-number/0180-2026-0999", headers=users.police))
    assert status == 404
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.school))["case_id"] == case_id


def test_a_closed_case_is_no_such_case_to_a_member_that_may_not_see_it_closed(client, users, tick, app):
    """"The case is closed" tells the phase, a `case` fact: a member that sees only what it recorded itself (its
    consent withdrawn) is not told it — the case is no longer there for it, as for one that left the group."""
    from tests.integration.api.flows import ok

    case_id, consents = school_consented_case(client, users, tick)
    note = {"category": "school", "text": "Närvaro 80 %."}
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json=note, headers=users.school), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    tick()
    assert ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]   # its own, still
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
    tick()
    status, error = same_answer(client.post(f"/api/v1/cases/{case_id}/contributions", json=note, headers=users.school),
                                client.post(f"/api/v1/cases/{uuid4()}/contributions", json=note, headers=users.school))
    assert status == 404 and error["code"] == "case_not_found"


def test_a_case_number_the_member_may_no_longer_see_is_not_found_by_it(client, users, tick, app):
    """The case number is part of `case.opened`, a `case` fact: a member whose consent was withdrawn, and that sees
    only what it recorded itself, is shown no number in its case list — so looking the number up must not tell it
    either (it answered the case id, confirming which number the case it is in bears; numbers could be tried one by
    one)."""
    from tests.integration.api.flows import ok

    case_id, consents = school_consented_case(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.school))["case_id"] == case_id
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Närvaro 80 %."},
                   headers=users.school), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    tick()
    assert ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]   # its own, still
    listed = [c for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"] if c["case_id"] == case_id]
    assert listed and listed[0]["case_number"] is None
    status, error = same_answer(client.get(f"/api/v1/cases/by-number/{number}", headers=users.school),
                                client.get("/api/v1/cases/by-number/0180-2026-0999", headers=users.school))
    assert status == 404 and error["code"] == "case_not_found"
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.social))["case_id"] == case_id
