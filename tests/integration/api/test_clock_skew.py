"""Two API hosts over one database, the second's clock behind the case's latest event (1 s, 30 s, a day).

Host A records; host B — its own application, its own hand-set clock — handles the next command or read.
Within a few minutes' skew a command is recorded at the latest event's time (the history stays in order);
further behind it is a 503 that names the server's clock, and nothing is recorded; never a 500.  Reads on B
see everything stored, and are judged no earlier than the latest event (a withdrawal made on A counts on B).
The web client's forms: test_clock_skew_web.py.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from tests.integration.api.flows import REFERRAL, ok, open_case
from tests.integration.api.skew import (  # noqa: F401  (host_b is a fixture)
    FAR_BEHIND, TOLERATED, a_contribution_on_a, every_command, host_b, latest, seconds,
)
from tests.integration.api.test_authorisation_matrix import a_busy_case


@pytest.mark.parametrize("behind", TOLERATED, ids=seconds)
def test_every_command_on_a_host_a_little_behind_is_recorded_at_the_latest_events_time(
        client, users, tick, app, host_b, behind):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    for who, path, body in every_command(client, users, case_id, consents):
        a_contribution_on_a(client, users, tick, case_id)
        previous = latest(app, case_id)
        host_b.app.clock.set(app.clock.now() - behind)
        answer = host_b.client.post(path, headers=getattr(users, who), json=body())
        assert answer.status_code in (200, 201), (path, answer.text)
        recorded = latest(app, case_id)
        assert recorded.originator_version == previous.originator_version + 1
        assert recorded.timestamp == previous.timestamp  # not the clock's earlier time: the history stays in order
        # The writer's next read on that host sees the write.
        read = ok(host_b.client.get(f"/api/v1/cases/{case_id}", headers=getattr(users, who)))
        assert read["version"] == answer.json()["version"]
    stamps = [e.timestamp for e in app.history(UUID(case_id))]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("key", [None, "retry-1"], ids=["plain", "idempotency-key"])
def test_every_command_on_a_host_a_day_behind_is_a_503_naming_the_clock_and_records_nothing(
        client, users, tick, app, host_b, key):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    version = latest(app, case_id).originator_version
    host_b.app.clock.set(app.clock.now() - FAR_BEHIND)
    for who, path, body in every_command(client, users, case_id, consents):
        headers = {**getattr(users, who), **({"Idempotency-Key": f"{key}-{path}"} if key else {})}
        answer = host_b.client.post(path, headers=headers, json=body())
        assert answer.status_code == 503, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "clock_went_backwards" and "server's clock" in error["message"]
        assert latest(app, case_id).originator_version == version
    # The same command on the host whose clock is right goes through (a key refused above is free again).
    host_b.app.clock.set(app.clock.now())
    headers = {**users.social, **({"Idempotency-Key": f"{key}-/api/v1/cases/{case_id}/members"} if key else {})}
    ok(host_b.client.post(f"/api/v1/cases/{case_id}/members", headers=headers,
                          json={"agency": "bup", "contact_person": "Kim", "role": "psykolog"}), 201)


@pytest.mark.parametrize("behind", (*TOLERATED, FAR_BEHIND), ids=seconds)
def test_a_referral_on_a_host_behind_opens_a_case_with_the_next_number(client, users, tick, app, host_b, behind):
    first = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)
    host_b.app.clock.set(app.clock.now() - behind)
    second = ok(host_b.client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)
    assert second["created"] != first["created"]  # a new case has no earlier event of its own to follow


@pytest.mark.parametrize("behind", (*TOLERATED, FAR_BEHIND), ids=seconds)
def test_a_host_behind_reads_the_case_as_it_stands_even_from_before_the_case_began(
        client, users, tick, app, host_b, behind):
    case_id, _, _, _ = a_busy_case(client, users, tick, app)
    host_b.app.clock.set(app.clock.now() - behind)  # a day: before the referral itself
    for who in ("social", "school", "police"):
        headers = getattr(users, who)
        for tail in ("", "/plan", "/meetings", "/contributions"):
            on_a = ok(client.get(f"/api/v1/cases/{case_id}{tail}", headers=headers))
            on_b = ok(host_b.client.get(f"/api/v1/cases/{case_id}{tail}", headers=headers))
            assert on_b == on_a, (who, tail)


@pytest.mark.parametrize("behind", TOLERATED, ids=seconds)
def test_a_withdrawal_recorded_on_a_host_ahead_is_in_force_on_a_host_behind(
        client, users, tick, app, host_b, behind):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    host_b.app.clock.set(app.clock.now())
    before = {f["fact_id"] for f in ok(host_b.client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]}
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    host_b.app.clock.set(app.clock.now() - behind)
    on_b = {f["fact_id"] for f in ok(host_b.client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]}
    public = host_b.context.fact_ids.of(UUID(case_id))
    by_the_rules = {public(d.fact.fact_id) for d in app.view(UUID(case_id), "skola")}
    assert on_b == by_the_rules and on_b < before  # the school's consent-covered facts are gone on B too


ELIGIBILITY = {"accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"], "decided_on": "2026-02-02"}


@pytest.mark.parametrize("behind", (*TOLERATED, FAR_BEHIND), ids=seconds)
def test_the_eligibility_decision_on_a_host_behind(client, users, tick, app, host_b, behind):
    """The one command the busy case has already had: on a case just referred on host A."""
    case_id = open_case(client, users)
    previous = latest(app, case_id)
    host_b.app.clock.set(app.clock.now() - behind)
    answer = host_b.client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json=ELIGIBILITY)
    if behind in TOLERATED:
        assert answer.status_code == 200, answer.text
        assert latest(app, case_id).timestamp == previous.timestamp
    else:
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "clock_went_backwards"
        assert latest(app, case_id).originator_version == previous.originator_version
