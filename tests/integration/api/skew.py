"""Two hosts over one database for the clock-skew tests: host A (the test's app) records, host B's clock is behind."""

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
from tests.integration.api.flows import ok

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
        ("social", f"{c}/guardians", lambda: {"guardians": [   # one added: the same ones again change nothing
            *({"guardian_id": g["guardian_id"], "name": g["name"]} for g in guardians),
            {"name": "Anna", "has_custody": False}]}),
        ("social", f"{c}/consents", lambda: {
            "consenter": "young_person", "scope": [{"agency": "polis", "categories": ["case"]}],
            "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}),
        ("social", f"{c}/consents/{consents[0]}/narrowings", lambda: {
            "consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "school"]}],
            "valid_until": "2026-12-31"}),
        ("social", f"{c}/members", lambda: {"agency": "bup", "contact_person": "Kim", "role": "psykolog"}),
        ("social", f"{c}/plan/revisions", lambda: {"main_goal": "Fullföljd skolgång", "rows": [
            {"area": "Skolgång", "category": "case", "goal": "Närvaro", "how": "Mentor", "responsible": "Skolan",
             "responsible_agencies": ["skola"]}]}),
        ("social", f"{c}/meetings", lambda: {"held_on": "2026-02-02", "attendees": ["skola"]}),
        ("school", f"{c}/contributions", lambda: {"category": "school", "text": "Ny närvaronotering."}),
        ("school", f"{c}/follow-ups", lambda: {"row_id": row_id(), "status": "ongoing", "note": "Bättre."}),
        ("social", f"{c}/consents/{consents[0]}/withdrawal", lambda: {"consenter": "young_person"}),
        ("social", f"{c}/members/polis/departure", lambda: {"reason": "Utredningen är klar."}),
        ("social", f"{c}/closure", lambda: {"reason": "goals_met", "outcome": "Målen är nådda."}),
    ]


def seconds(skew: timedelta) -> str:
    return f"{skew.total_seconds():.0f}s"


def signed_in(client: TestClient, user: str) -> TestClient:
    """``client`` signed in to the web client as a development user (``soc-0180``, ``skola``…)."""
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)
    assert client.post("/logga-in/utveckling", data={"csrf": csrf, "user": user},
                       follow_redirects=False).status_code == 303
    return client


def web_as(context, settings, user: str) -> TestClient:
    """A web client (with the API beside it, as a server mounts them) signed in as a development user."""
    api = create_api(context)
    mount_web(api, context, settings)
    return signed_in(TestClient(api, raise_server_exceptions=False), user)
