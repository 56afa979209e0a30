"""Two API hosts over one database, the second's clock behind the case's latest event (1 s, 30 s, a day).

Host A records; host B — its own application, its own hand-set clock — handles the next command or read.
Within a few minutes' skew a command is recorded at the latest event's time (the history stays in order);
further behind it is a 503 that names the server's clock, and nothing is recorded; never a 500.  Reads on B
see everything stored, and are judged no earlier than the latest event (a withdrawal made on A counts on B).
"""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.bootstrap import build_api_context, build_application
from services.clock import ManualClock
from services.web.app import mount_web
from tests.integration.api.flows import REFERRAL, ok
from tests.integration.api.test_authorisation_matrix import a_busy_case

TOLERATED = (timedelta(seconds=1), timedelta(seconds=30))
FAR_BEHIND = timedelta(days=1)


class Host:
    """Another API host (and web client) on the same database, with a clock of its own."""

    def __init__(self, settings, postgres, now) -> None:
        self.app = build_application(settings, clock=ManualClock(now), location=postgres)
        self.context = build_api_context(self.app, settings, postgres)
        api = create_api(self.context)
        mount_web(api, self.context, settings)
        self.client = TestClient(api, raise_server_exceptions=False)

    def close(self) -> None:
        self.client.close()
        self.context.close()
        self.app.close()


@pytest.fixture
def host_b(settings, postgres, app):
    host = Host(settings, postgres, app.clock.now())
    yield host
    host.close()


def latest(app, case_id: str):
    return list(app.history(UUID(case_id)))[-1]


def a_contribution_on_a(client, users, tick, case_id: str):
    """Host A records an event one minute on: the one host B's next command follows."""
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaro 85 %."}), 201)


def every_command(client, users, case_id: str, consents: list[str]) -> list[tuple[str, str, dict]]:
    """(who, path, body) for every case command, in an order in which each is allowed after the previous."""
    c = f"/api/v1/cases/{case_id}"
    timeline = ok(client.get(c, headers=users.social))
    guardians = next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]
    def row_id() -> str:  # the school's row of the plan as it stands when the follow-up is sent
        rows = ok(client.get(f"{c}/plan", headers=users.social))["rows"]
        return next(r["content"]["row_id"] for r in rows if "skola" in r["content"]["responsible_agencies"])

    return [
        ("social", f"{c}/guardians", lambda: {"guardians": [
            {"guardian_id": g["guardian_id"], "name": g["name"]} for g in guardians]}),
        ("social", f"{c}/consents", lambda: {
            "consenter": "young_person", "scope": [{"agency": "polis", "categories": ["case"]}],
            "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}),
        ("social", f"{c}/consents/{consents[0]}/narrowings", lambda: {
            "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "school"]}],
            "valid_until": "2026-12-31"}),
        ("social", f"{c}/members", lambda: {"agency": "bup", "contact_person": "Kim", "role": "psykolog"}),
        ("social", f"{c}/plan/revisions", lambda: {"main_goal": "Fullföljd skolgång", "rows": [
            {"area": "Skolgång", "goal": "Närvaro", "how": "Mentor", "responsible": "Skolan",
             "responsible_agencies": ["skola"]}]}),
        ("social", f"{c}/meetings", lambda: {"held_on": "2026-02-02", "attendees": ["skola"]}),
        ("school", f"{c}/contributions", lambda: {"category": "school", "text": "Ny närvaronotering."}),
        ("school", f"{c}/follow-ups", lambda: {"row_id": row_id(), "status": "ongoing", "note": "Bättre."}),
        ("social", f"{c}/consents/{consents[0]}/withdrawal", lambda: {"consenter": "young_person"}),
        ("social", f"{c}/members/polis/departure", lambda: {"reason": "Utredningen är klar."}),
        ("social", f"{c}/closure", lambda: {"reason": "goals_met", "outcome": "Målen är nådda."}),
    ]


@pytest.mark.parametrize("behind", TOLERATED, ids=lambda d: f"{d.total_seconds():.0f}s")
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


@pytest.mark.parametrize("behind", (*TOLERATED, FAR_BEHIND), ids=lambda d: f"{d.total_seconds():.0f}s")
def test_a_referral_on_a_host_behind_opens_a_case_with_the_next_number(client, users, tick, app, host_b, behind):
    first = ok(client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)
    host_b.app.clock.set(app.clock.now() - behind)
    second = ok(host_b.client.post("/api/v1/cases", json=REFERRAL, headers=users.social), 201)
    assert second["created"] != first["created"]  # a new case has no earlier event of its own to follow


@pytest.mark.parametrize("behind", (*TOLERATED, FAR_BEHIND), ids=lambda d: f"{d.total_seconds():.0f}s")
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


@pytest.mark.parametrize("behind", TOLERATED, ids=lambda d: f"{d.total_seconds():.0f}s")
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
    by_the_rules = {d.fact.fact_id for d in app.view(UUID(case_id), "skola")}
    assert on_b == by_the_rules and on_b < before  # the school's consent-covered facts are gone on B too


def signed_in(client: TestClient, user: str) -> TestClient:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)
    assert client.post("/logga-in/utveckling", data={"csrf": csrf, "user": user},
                       follow_redirects=False).status_code == 303
    return client


def contribution_form(client: TestClient, case_id: str) -> dict[str, str]:
    page = client.get(f"/arenden/{case_id}/uppgift")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return {"csrf": csrf, "category": "school", "text": "Närvaron har ökat till 90 %."}


@pytest.mark.parametrize("behind", TOLERATED, ids=lambda d: f"{d.total_seconds():.0f}s")
def test_a_web_form_on_a_host_a_little_behind_is_recorded(client, users, tick, app, host_b, behind):
    case_id, _, _, _ = a_busy_case(client, users, tick, app)
    web = signed_in(host_b.client, "skola")
    form = contribution_form(web, case_id)
    a_contribution_on_a(client, users, tick, case_id)
    previous = latest(app, case_id)
    host_b.app.clock.set(app.clock.now() - behind)
    answer = web.post(f"/arenden/{case_id}/uppgift", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert latest(app, case_id).timestamp == previous.timestamp
    assert latest(app, case_id).originator_version == previous.originator_version + 1


def test_a_web_form_on_a_host_a_day_behind_comes_back_as_typed_with_a_503(client, users, tick, app, host_b):
    case_id, _, _, _ = a_busy_case(client, users, tick, app)
    web = signed_in(host_b.client, "skola")
    form = contribution_form(web, case_id)
    version = latest(app, case_id).originator_version
    host_b.app.clock.set(app.clock.now() - FAR_BEHIND)
    answer = web.post(f"/arenden/{case_id}/uppgift", data=form, follow_redirects=False)
    assert answer.status_code == 503
    assert "Serverns klocka går efter" in answer.text and "Närvaron har ökat till 90 %." in answer.text
    assert latest(app, case_id).originator_version == version


@pytest.mark.parametrize("behind", TOLERATED, ids=lambda d: f"{d.total_seconds():.0f}s")
def test_the_consent_page_on_a_host_behind_shows_a_withdrawal_made_on_a_host_ahead(
        client, users, tick, app, host_b, behind):
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    host_b.app.clock.set(app.clock.now() - behind)
    page = signed_in(host_b.client, "soc-0180").get(f"/arenden/{case_id}/samtycken")
    assert page.status_code == 200
    heading = re.search(rf"{consents[0][:8]} · <span class=\"state (\w+)\"", page.text)
    assert heading and heading.group(1) == "withdrawn"
