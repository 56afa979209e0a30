"""No member-facing answer names a fact by its event version: every answer, page and feed message carries the
fact's public id, the same for every agency, worker, process and after a rebuild; auditors get both.

The case: the school sees few of its facts, far apart in the history — between them the police record crime
facts, child psychiatry joins, a meeting's first outcomes and the plan's first row are health information.
An internal id (``12``, ``14.outcome.2``) would tell the school how much of that there is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from urllib.parse import quote
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.calendar import STOCKHOLM
from domain.group_commands import PlanRowDraft
from domain.values import Decision, Outcome
from services.api.app import create_api
from services.bootstrap import build_api_context, build_application, build_view_runner
from services.web.app import mount_web
from tests.builders import POLICE, SCHOOL, SOCIAL
from tests.integration.api.flows import ok
from tests.integration.api.skew import signed_in
from tests.service_behaviour import consenting_school

PUBLIC_ID = re.compile(r"[a-z2-7]{24}")
FACT_FIELDS = {"fact_id", "kind", "category", "origin", "recorded_at", "content", "basis"}
MEMBER_READS = ("", "/plan", "/meetings", "/contributions")
EMPTY_READS = {("polis", "/plan"), ("polis", "/meetings"), ("socialtjanst", "/contributions")}  # nothing to show


def far_apart_case(app) -> UUID:
    """The school sees case and school facts; crime and health facts keep coming between them."""
    case_id = consenting_school(app)
    app.add_member(case_id, by=SOCIAL, agency="bup", contact_person="Alex", role="psykolog")
    for i in range(3):
        app.clock.advance(timedelta(minutes=5))
        for n in range(3):
            app.record_contribution(case_id, by=POLICE, category="crime", text=f"Dold {i}.{n}.", legal_basis="lul6")
        app.record_contribution(case_id, by=POLICE, category="school", text=f"Skolk vecka {i}.")
    app.revise_plan(case_id, by=SOCIAL, main_goal="Fullföljd skolgång", rows=(
        PlanRowDraft(area="Hälsa", goal="Må bättre", how="Samtal", responsible="BUP", responsible_agencies=("bup",)),
        PlanRowDraft(area="Skola", goal="Närvaro", how="Mentor", responsible="Skolan",
                     responsible_agencies=("skola",))))
    app.record_meeting(case_id, by=SOCIAL, held_on=date(2026, 2, 3), attendees=("socialtjanst", "skola", "bup"),
                       other_attendees=(), next_meeting=None, decisions=(Decision("Följ upp.", "case"),), outcomes=(
                           Outcome("health", "bup", "Samtal 1."), Outcome("health", "bup", "Samtal 2."),
                           Outcome("school", "skola", "Bättre närvaro.")))
    app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 90 %.")
    return case_id


def facts_of(answer: dict) -> list[dict]:
    """Every fact-level object of a read: a timeline's facts, a plan's rows, each meeting's parts."""
    return [*answer.get("facts", []), *answer.get("rows", []),
            *(p for m in answer.get("meetings", []) for p in m["parts"])]


def reads(client, headers, case_id) -> dict[str, dict]:
    return {path: ok(client.get(f"/api/v1/cases/{case_id}{path}", headers=headers)) for path in MEMBER_READS}


def ids_of(answers: dict[str, dict]) -> dict[str, list[str]]:
    return {path: [f["fact_id"] for f in facts_of(answer)] for path, answer in answers.items()}


@pytest.fixture
def case_id(app) -> UUID:
    return far_apart_case(app)


def test_the_school_sees_facts_far_apart_in_the_history(app, case_id):
    versions = sorted({d.fact.version for d in app.view(case_id, "skola")})
    assert any(b - a > 3 for a, b in zip(versions, versions[1:]))  # the premise: a lot is hidden in between
    assert any("outcome.2" in d.fact.fact_id or "row.1" in d.fact.fact_id for d in app.view(case_id, "skola"))


@pytest.mark.parametrize("agency", ["skola", "socialtjanst", "polis"])
def test_every_member_read_names_each_fact_by_its_public_id_and_nothing_else(
        client, context, users, app, case_id, agency):
    headers = {"skola": users.school, "socialtjanst": users.social, "polis": users.police}[agency]
    seen = app.view(case_id, agency)
    public = context.fact_ids.of(case_id)
    internal = {d.fact.fact_id for d in seen}
    versions = {d.fact.version for d in seen}
    answers = reads(client, headers, case_id)
    for path, answer in answers.items():
        facts = facts_of(answer)
        assert facts or (agency, path) in EMPTY_READS, path
        for fact in facts:
            assert set(fact) == FACT_FIELDS, (path, set(fact) - FACT_FIELDS)  # no version, no event_version
            assert PUBLIC_ID.fullmatch(fact["fact_id"]) and fact["fact_id"] in {public(i) for i in internal}
            top = [v for k, v in fact.items() if k not in ("content", "basis")]
            assert not any(isinstance(v, int) or v in internal or v in {str(n) for n in versions} for v in top)
            assert "position" not in fact["content"], path  # a plan row's place among rows it may not all see
        text = client.get(f"/api/v1/cases/{case_id}{path}", headers=headers).text
        assert not any(f'"{i}"' in text for i in internal if "." in i), path  # no "14.outcome.2" anywhere
    timeline = answers[""]["facts"]
    in_order = sorted(seen, key=lambda d: (d.fact.version, d.fact.fact_id))  # the server's order, as before
    assert [f["fact_id"] for f in timeline] == [public(d.fact.fact_id) for d in in_order]


def test_agencies_that_see_one_fact_see_it_under_one_id(client, context, users, app, case_id):
    public = context.fact_ids.of(case_id)
    both = ({d.fact.fact_id for d in app.view(case_id, "skola")}
            & {d.fact.fact_id for d in app.view(case_id, "socialtjanst")})
    school = {f["fact_id"] for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]}
    social = {f["fact_id"] for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]}
    assert both and {public(i) for i in both} <= school & social


def _url(postgres) -> str:
    return (f"postgresql://{quote(postgres.user)}@/{quote(postgres.dbname)}?host={quote(postgres.host)}"
            f"&port={postgres.port}")


def _cli_ids(settings, postgres, case_id: UUID, agency: str) -> dict[str, int]:
    """Public id -> event version of every fact `sigill audit disclosures` (another process) lists as disclosed."""
    env = {**os.environ, "SIGILL_DATABASE_URL": _url(postgres), "SIGILL_DATA_DIR": str(settings.data_dir),
           "SIGILL_MASTER_KEY": settings.master_key.get_secret_value()}
    done = subprocess.run([sys.executable, "-m", "services.cli", "audit", "disclosures", "--case", str(case_id),
                           "--agency", agency], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return {m[2]: int(m[1]) for m in re.finditer(r"lämnades ut\s+v(\d+) ([a-z2-7]{24})", done.stdout)}


def test_ids_are_the_same_in_another_worker_another_process_and_after_a_views_rebuild(
        client, context, users, app, settings, postgres, case_id):
    first = ids_of(reads(client, users.school, case_id))
    other = build_api_context(build_application(settings, location=postgres), settings, postgres)
    try:
        assert ids_of(reads(TestClient(create_api(other)), users.school, case_id)) == first
    finally:
        other.close()
    by_process = _cli_ids(settings, postgres, case_id, "skola")
    # What was disclosed to the school: its own contributions are no disclosures to it, and not listed.
    given = [d for d in app.view(case_id, "skola") if d.basis.kind != "origin"]
    disclosed = {context.fact_ids(case_id, d.fact.fact_id) for d in given}
    assert disclosed and disclosed <= set(first[""]) and disclosed <= set(by_process)
    versions = {d.fact.version for d in given}
    assert {by_process[i] for i in disclosed} == versions  # the auditor's output places each in the history
    runner = build_view_runner(app, settings, postgres)
    try:
        runner.rebuild()
    finally:
        runner.store.close()
    again = build_api_context(app, settings, postgres)
    try:
        assert ids_of(reads(TestClient(create_api(again)), users.school, case_id)) == first
    finally:
        again.close()


def _feed(client, headers, agency: str) -> list[dict]:
    return [i["body"] for i in ok(client.get(f"/api/v1/feeds/{agency}?limit=1000", headers=headers))["messages"]]


def test_the_http_feed_names_facts_as_the_api_does_and_an_end_as_its_disclosure(
        client, context, users, app, case_id):
    timeline = {f["fact_id"]: f for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]}
    feed = _feed(client, users.school, "skola")
    disclosed = {m["fact_id"]: m for m in feed if m["change"] == "disclosed" and m["content"] is not None}
    assert disclosed.keys() == timeline.keys()
    assert any(m["kind"] == "plan.row" for m in feed) and not any("position" in (m["content"] or {}) for m in feed)
    assert all(disclosed[i]["content"] == timeline[i]["content"] for i in timeline)
    covered = {context.fact_ids(case_id, d.fact.fact_id) for d in app.view(case_id, "skola")
               if d.basis.kind == "consent"}
    young = next(c for c in app.get_case(case_id).consents.values() if c.consenter == "young_person")
    app.clock.advance(timedelta(minutes=1))
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    ended = {m["fact_id"] for m in _feed(client, users.school, "skola") if m["change"] == "ended"}
    assert covered and ended == covered and ended <= disclosed.keys()  # each end names what its disclosure did


def test_auditors_get_the_event_version_beside_the_same_public_id(client, context, users, app, case_id):
    public = context.fact_ids.of(case_id)
    facts = ok(client.get(f"/api/v1/audit/cases/{case_id}/facts", headers=users.auditor))["facts"]
    assert [(f["fact_id"], f["event_version"]) for f in facts] == [
        (public(f.fact_id), f.version) for f in app.all_facts(case_id)]
    assert {f["content"]["position"] for f in facts if f["kind"] == "plan.row"} == {0, 1}  # auditors see all
    replay = ok(client.get(f"/api/v1/audit/cases/{case_id}/replay", headers=users.auditor,
                           params={"agency": "skola", "as_of": app.clock.now().isoformat()}))["facts"]
    school = {f["fact_id"] for f in ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["facts"]}
    assert {f["fact_id"] for f in replay} == school
    assert all(f["event_version"] == next(x.version for x in app.all_facts(case_id) if public(x.fact_id) ==
                                          f["fact_id"]) for f in replay)
    changes = ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", headers=users.auditor,
                            params={"agency": "skola"}))["changes"]
    feed = {m["fact_id"] for m in _feed(client, users.school, "skola")}
    assert {c["fact"]["fact_id"] for c in changes} == feed  # what the school received, correlated
    assert all(isinstance(c["fact"]["event_version"], int) for c in changes)
    # Each change names its cause, structured and in Swedish: a first disclosure at the recording, or the event
    # or calendar moment that changed the rules' inputs.
    assert all(c["cause"] and c["cause_description"] for c in changes)
    for c in changes:
        if c["cause"][0]["what"] in ("consent_granted", "consent_withdrawn", "consent_narrowed"):
            assert c["cause"][0]["consent_ids"] and c["cause"][0]["consent_ids"][0][:8] in c["cause_description"]
    assert {"recorded"} <= {x["what"] for c in changes for x in c["cause"]}
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor).text
    assert all(public(f.fact_id) in report for f in app.all_facts(case_id) if f.kind == "contribution")


def test_the_web_pages_show_no_fact_id_to_members_and_both_to_auditors(context, settings, users, app, case_id):
    api = create_api(context)
    mount_web(api, context, settings)
    public = context.fact_ids.of(case_id)
    every = {f.fact_id: f for f in app.all_facts(case_id)}
    school = signed_in(TestClient(api, raise_server_exceptions=False), "skola")
    for tab in ("", "/plan", "/moten", "/uppfoljning", "/uppgift"):
        page = school.get(f"/arenden/{case_id}{tab}")
        assert page.status_code == 200, tab
        assert not any(i in page.text for i in every if "." in i), tab          # no "14.outcome.2"
        assert not any(public(i) in page.text for i in every), tab              # nor any id: a page needs none
        assert not re.search(r'(?:id|data-[a-z-]+)="[^"]*\d+\.(?:outcome|row|to|part)', page.text), tab
    auditor = signed_in(TestClient(api, raise_server_exceptions=False), "ivo")
    shown = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"}).text
    replayed = auditor.get(f"/granskning/arenden/{case_id}", params={
        "myndighet": "skola", "tid": app.clock.now().astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M:%S")}).text
    for d in app.view(case_id, "skola"):
        # Its own contributions are no disclosures to it (the disclosure log leaves them out); the replay shows them.
        assert (f"v{d.fact.version} · {public(d.fact.fact_id)}" in shown) == (d.basis.kind != "origin")
        assert f"v{d.fact.version} · {public(d.fact.fact_id)}" in replayed
