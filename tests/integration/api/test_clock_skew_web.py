"""The web client's forms on a host whose clock is behind the case's latest event (host A records, B is behind).

Every case form, in an order in which each is allowed after the previous: within the tolerated skew each is
recorded at the latest event's time (and answers with its redirect); a day behind each comes back as typed
with a 503 that names the clock, and nothing is recorded.  Never a 500 page.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.flows import ok, open_case
from tests.integration.api.skew import (  # noqa: F401  (host_b is a fixture)
    FAR_BEHIND, TOLERATED, a_contribution_on_a, host_b, latest, seconds, signed_in,
)
from tests.integration.api.test_authorisation_matrix import a_busy_case

SOCIAL, SCHOOL = "soc-0180", "skola"


def every_form(client, users, case_id: str, consents: list[str]) -> list[tuple[str, str, object]]:
    """(who, path, form fields) for every case form; fields are a function, read when the form is sent."""
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]

    def row_id() -> str:
        rows = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))["rows"]
        return next(r["content"]["row_id"] for r in rows if "skola" in r["content"]["responsible_agencies"])

    custody = {field: value for n, g in enumerate(guardians) for field, value in (
        (f"guardians.{n}.guardian_id", g["guardian_id"]), (f"guardians.{n}.name", g["name"]),
        (f"guardians.{n}.has_custody", "on"))}
    # One added, without custody: the same guardians again are refused as unchanged.
    custody[f"guardians.{len(guardians)}.name"] = "Farmor Test"
    c = f"/arenden/{case_id}"
    return [
        (SOCIAL, f"{c}/vardnadshavare", lambda: custody),
        (SOCIAL, f"{c}/samtycken", lambda: {"consenter": "young_person", "scope": "polis:case",
                                            "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}),
        (SOCIAL, f"{c}/samtycken/{consents[0]}/begransning", lambda: {
            "consenter": "young_person", "scope": ["skola:case", "skola:school"], "valid_until": "2026-12-31",
            "confirm": "on"}),
        (SOCIAL, f"{c}/grupp", lambda: {"agency": "bup", "contact_person": "Kim", "role": "psykolog"}),
        (SOCIAL, f"{c}/plan", lambda: {"main_goal": "Fullföljd skolgång", "rows.0.area": "Skolgång",
                                       "rows.0.category": "case", "rows.0.goal": "Närvaro", "rows.0.how": "Mentor",
                                       "rows.0.responsible": "Skolan", "rows.0.responsible_agencies": "skola",
                                       "young_person_took_part": "true"}),
        (SOCIAL, f"{c}/moten", lambda: {"held_on": "2026-02-02", "attendees": "skola"}),
        (SCHOOL, f"{c}/uppgift", lambda: {"category": "school", "text": "Närvaron har ökat till 90 %."}),
        (SCHOOL, f"{c}/uppfoljning", lambda: {"row_id": row_id(), "status": "ongoing", "note": "Bättre."}),
        (SOCIAL, f"{c}/samtycken/{consents[0]}/aterkallelse", lambda: {"consenter": "young_person",
                                                                          "confirm": "on"}),
        (SOCIAL, f"{c}/grupp/polis/avgang", lambda: {"reason": "Utredningen är klar."}),
        (SOCIAL, f"{c}/avslut", lambda: {"reason": "goals_met", "outcome": "Målen är nådda.", "confirm": "on"}),
    ]


def browsers(host_b, case_id: str, users=(SOCIAL, SCHOOL)) -> dict[str, tuple[TestClient, str]]:
    """A signed-in browser on host B for each user (social services, the school), with its CSRF token."""
    signed = {}
    for user in users:
        web = signed_in(TestClient(host_b.client.app, raise_server_exceptions=False), user)
        page = web.get(f"/arenden/{case_id}")
        assert page.status_code == 200, page.text
        signed[user] = web, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return signed


@pytest.mark.parametrize("behind", TOLERATED, ids=seconds)
def test_every_form_on_a_host_a_little_behind_is_recorded_at_the_latest_events_time(
        client, users, tick, app, host_b, behind):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    signed = browsers(host_b, case_id)
    for user, path, fields in every_form(client, users, case_id, consents):
        a_contribution_on_a(client, users, tick, case_id)
        previous = latest(app, case_id)
        host_b.app.clock.set(app.clock.now() - behind)
        web, csrf = signed[user]
        answer = web.post(path, data={"csrf": csrf, **fields()}, follow_redirects=False)
        assert answer.status_code == 303, (path, answer.status_code)
        recorded = latest(app, case_id)
        assert recorded.originator_version == previous.originator_version + 1, path
        assert recorded.timestamp == previous.timestamp, path


def test_every_form_on_a_host_a_day_behind_comes_back_as_typed_with_a_503(client, users, tick, app, host_b):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    signed = browsers(host_b, case_id)
    version = latest(app, case_id).originator_version
    host_b.app.clock.set(app.clock.now() - FAR_BEHIND)
    for user, path, fields in every_form(client, users, case_id, consents):
        web, csrf = signed[user]
        typed = fields()
        answer = web.post(path, data={"csrf": csrf, **typed}, follow_redirects=False)
        assert answer.status_code == 503, (path, answer.status_code)
        assert "Serverns klocka går efter" in answer.text, path
        free_text = [v for k, v in typed.items() if k in ("text", "outcome", "reason", "contact_person")]
        assert all(v in answer.text for v in free_text), path  # what was typed is kept
        assert latest(app, case_id).originator_version == version


@pytest.mark.parametrize("behind", TOLERATED, ids=seconds)
def test_the_consent_page_on_a_host_behind_shows_a_withdrawal_made_on_a_host_ahead(
        client, users, tick, app, host_b, behind):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    host_b.app.clock.set(app.clock.now() - behind)
    page = signed_in(host_b.client, SOCIAL).get(f"/arenden/{case_id}/samtycken")
    assert page.status_code == 200
    heading = re.search(rf"{consents[0][:8]} · <span class=\"state (\w+)\"", page.text)
    assert heading and heading.group(1) == "withdrawn"


@pytest.mark.parametrize("behind", (*TOLERATED, FAR_BEHIND), ids=seconds)
def test_the_eligibility_form_on_a_host_behind(client, users, tick, app, host_b, behind):
    """The one form the busy case has already had: on a case just referred on host A."""
    case_id = open_case(client, users)
    previous = latest(app, case_id)
    web, csrf = browsers(host_b, case_id, [SOCIAL])[SOCIAL]
    host_b.app.clock.set(app.clock.now() - behind)
    answer = web.post(f"/arenden/{case_id}/beslut", follow_redirects=False, data={
        "csrf": csrf, "accepted": "true", "reasons": "Hög risk enligt SAVRY.", "instruments": "SAVRY",
        "decided_on": "2026-02-02"})
    if behind in TOLERATED:
        assert answer.status_code == 303
        assert latest(app, case_id).timestamp == previous.timestamp
    else:
        assert answer.status_code == 503 and "Hög risk enligt SAVRY." in answer.text
        assert latest(app, case_id).originator_version == previous.originator_version
