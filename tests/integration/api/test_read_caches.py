"""The per-worker caches of the read path (folded cases, shaped answers) never show what the rules would not now.

Each test first reads so that the caches hold the case, checks the cached path
was taken, then changes something — another agency's write, the passing of
time, another worker's write, erasure — and reads again.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from fastapi.testclient import TestClient

from services.api.app import create_api
from services.bootstrap import build_api_context
from tests.concurrency import in_threads
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_hardening import csrf_of

POLICE_NOTE = "Polisens iakttagelse om skolan"


def texts(view: dict) -> set[str]:
    return {f["content"].get("text") for f in view["facts"]} - {None}


def police_note_case(client, users, tick) -> tuple[str, list[str]]:
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.police,
                   json={"category": "school", "text": POLICE_NOTE}), 201)
    return case_id, consents


def read_twice(client, context, case_id, headers) -> dict:
    """Read the timeline twice; the second must come from the cache of folded cases."""
    first = ok(client.get(f"/api/v1/cases/{case_id}", headers=headers))
    hits = context.cases.judged.hits
    again = ok(client.get(f"/api/v1/cases/{case_id}", headers=headers))
    assert context.cases.judged.hits == hits + 1 and again == first
    return again


def test_a_cached_view_loses_what_another_agency_withdrew_consent_for(client, context, users, tick):
    case_id, consents = police_note_case(client, users, tick)
    assert POLICE_NOTE in texts(read_twice(client, context, case_id, users.school))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    # The school sees nothing of the case any more: to it, as to an outsider, there is no such case.
    for _ in range(2):
        after = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
        assert after.status_code == 404 and POLICE_NOTE not in after.text


def test_a_cached_case_is_judged_for_each_agency_and_never_answers_one_with_anothers_view(
        client, context, users, tick, app):
    case_id, _ = police_note_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Skolans egen notering"}), 201)
    for _ in range(2):
        for agency, headers in (("skola", users.school), ("polis", users.police), ("socialtjanst", users.social)):
            view = ok(client.get(f"/api/v1/cases/{case_id}", headers=headers))
            public = context.fact_ids.of(UUID(case_id))
            expected = {public(d.fact.fact_id) for d in app.view(UUID(case_id), agency)}
            assert {f["fact_id"] for f in view["facts"]} == expected, agency
    assert context.cases.judged.hits >= 3


def test_a_cached_view_follows_the_clock_when_a_consent_runs_out(client, context, users, tick, app):
    case_id, consents = police_note_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", headers=users.social,
                   json={"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case", "school"]}],
                         "valid_until": "2026-02-10"}))
    assert POLICE_NOTE in texts(read_twice(client, context, case_id, users.school))
    app.clock.advance(timedelta(days=10))  # no event: only time passes
    hits = context.cases.judged.hits
    later = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    assert context.cases.judged.hits == hits + 1  # the same folded case, judged again for now
    # Its consent ended, the school sees nothing of the case: to it, as to an outsider, there is no such case.
    assert later.status_code == 404 and POLICE_NOTE not in later.text


def test_the_writers_next_read_sees_the_write_though_the_case_was_cached(client, context, users, tick):
    case_id, _ = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    tick()
    written = ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                             json={"category": "school", "text": "Ny närvarosiffra"}), 201)
    view = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    assert "Ny närvarosiffra" in texts(view) and view["version"] == written["version"]


def test_a_write_through_another_worker_is_seen_by_this_workers_cached_case(
        client, context, users, tick, app, settings, postgres):
    case_id, _ = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    other = build_api_context(app, settings, postgres)  # another worker: its own caches, the same database
    try:
        tick()
        ok(TestClient(create_api(other)).post(f"/api/v1/cases/{case_id}/contributions", headers=users.police,
                                              json={"category": "school", "text": "Från den andra processen"}), 201)
    finally:
        other.close()
    assert "Från den andra processen" in texts(ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school)))


def _write_through_another_worker(app, settings, postgres, case_id, headers, path, body, status=201) -> None:
    other = build_api_context(app, settings, postgres)  # another worker: its own caches, the same database
    try:
        ok(TestClient(create_api(other)).post(f"/api/v1/cases/{case_id}{path}", headers=headers, json=body), status)
    finally:
        other.close()


def test_a_cached_case_is_extended_by_another_workers_events_into_what_a_fresh_fold_gives(
        client, context, users, tick, app, settings, postgres):
    case_id, consents = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    tick()
    _write_through_another_worker(app, settings, postgres, case_id, users.police, "/contributions",
                                  {"category": "school", "text": "Från den andra processen"})
    tick()
    _write_through_another_worker(app, settings, postgres, case_id, users.social,
                                  f"/consents/{consents[0]}/withdrawal", {"consenter": "young_person"}, 200)
    extensions, misses = context.cases.judged.extensions, context.cases.judged.misses
    extended = context.cases.judged.replay(UUID(case_id))
    assert (context.cases.judged.extensions, context.cases.judged.misses) == (extensions + 1, misses)
    fresh = app.replay(UUID(case_id))
    assert extended.facts == fresh.facts and vars(extended.case) == vars(fresh.case)
    for agency, headers in (("skola", users.school), ("polis", users.police), ("socialtjanst", users.social)):
        response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
        public = context.fact_ids.of(UUID(case_id))
        by_the_rules = {public(d.fact.fact_id) for d in app.view(UUID(case_id), agency)}
        if not by_the_rules:   # the school, its consent withdrawn: no such case, to it
            assert response.status_code == 404, agency
            continue
        assert {f["fact_id"] for f in ok(response)["facts"]} == by_the_rules
    assert POLICE_NOTE not in client.get(f"/api/v1/cases/{case_id}", headers=users.school).text


def test_an_event_stamped_by_a_host_whose_clock_is_ahead_is_folded_in_at_once(
        client, context, users, tick, app, settings, postgres):
    """As a first read folds every stored event, so does the extension of a cached case: the other host's write
    is seen here though this host's clock has not reached its time yet."""
    case_id, _ = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    here = app.clock.now()
    app.clock.advance(timedelta(seconds=30))
    _write_through_another_worker(app, settings, postgres, case_id, users.police, "/contributions",
                                  {"category": "school", "text": "Från en klocka före"})
    app.clock.set(here)
    extensions = context.cases.judged.extensions
    assert "Från en klocka före" in texts(ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school)))
    assert context.cases.judged.extensions == extensions + 1


def test_an_erased_case_is_not_served_from_the_cache(client, context, users, tick, app):
    case_id, _ = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    app.keystore.destroy(UUID(case_id))
    response = client.get(f"/api/v1/cases/{case_id}", headers=users.school)
    assert response.status_code == 404 and POLICE_NOTE not in response.text


def test_a_command_without_an_expected_version_is_decided_again_after_a_concurrent_write(
        client, context, users, tick, app):
    case_id, _ = police_note_case(client, users, tick)
    stale = context.cases.judged.replay(UUID(case_id))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.police,
                   json={"category": "school", "text": "Emellan"}), 201)
    served = iter([stale])  # the first look at the case is the one from before the police's write
    fresh = context.cases.judged.replay
    context.cases.judged.replay = lambda cid: next(served, None) or fresh(cid)
    tick()
    response = client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                           json={"category": "school", "text": "Skolans"})
    assert response.status_code == 201
    served = iter([stale])
    stale_version = client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                                json={"category": "school", "text": "Igen", "expected_version": 1})
    assert stale_version.status_code == 409


def test_commands_at_once_on_one_case_each_start_from_the_cached_case_not_a_load(
        client, context, users, tick, app):
    case_id, _ = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    loads, load = [], app.repository.get
    app.repository.get = lambda *a, **k: loads.append(a) or load(*a, **k)
    try:
        answers = in_threads(lambda n: client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                                                   json={"category": "school", "text": f"Samtidigt {n}"}), 6)
    finally:
        app.repository.get = load
    assert [a.status_code for a in answers] == [201] * 6
    assert [a for a in loads if a and a[0] == UUID(case_id)] == []  # every command started from a copy in memory
    seen = texts(ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school)))
    assert {f"Samtidigt {n}" for n in range(6)} <= seen


def test_a_cached_read_learns_the_cases_version_from_the_access_logs_commit_not_a_query_of_its_own(
        client, context, users, tick, app, settings, postgres, monkeypatch):
    case_id, _ = police_note_case(client, users, tick)
    read_twice(client, context, case_id, users.school)
    asked: list = []   # every read of the case's events (a version query would be one too)
    read_events = app.events.get
    monkeypatch.setattr(app.events, "get", lambda case, **kw: asked.append(case) or read_events(case, **kw))
    read_twice(client, context, case_id, users.school)
    assert asked == []
    tick()
    _write_through_another_worker(app, settings, postgres, case_id, users.police, "/contributions",
                                  {"category": "school", "text": "Från den andra processen"})
    extensions = context.cases.judged.extensions
    view = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))  # the kept copy is stale now
    assert context.cases.judged.extensions == extensions + 1 and "Från den andra processen" in texts(view)


def test_a_purpose_is_refused_to_a_member_another_workers_withdrawal_left_out_though_the_case_was_cached(
        client, context, users, tick, app, settings, postgres):
    """/syfte asks whether the case is the user's (``check_in_case``) without a read to bring this worker's copy up
    to date: a stale copy kept the school in the case, and its purpose was kept (303) where every page of the case
    answers that there is no such case — so the copy is brought up to the stored case first, as a read's is."""
    case_id, consents = police_note_case(client, users, tick)
    web = web_as(context, settings, "skola")
    csrf = csrf_of(web, f"/arenden/{case_id}")   # the school's page: this worker keeps the case
    tick()
    _write_through_another_worker(app, settings, postgres, case_id, users.social,
                                  f"/consents/{consents[0]}/withdrawal", {"consenter": "young_person"}, 200)
    said = web.post("/syfte", follow_redirects=False,
                    data={"csrf": csrf, "purpose": "Inför mötet", "back": "/arenden", "case": case_id})
    assert said.status_code == 404, said.status_code
    assert web.get(f"/arenden/{case_id}").status_code == 404   # as its page says
