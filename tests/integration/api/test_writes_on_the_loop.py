"""Commands over HTTP on the server's event loop (``CaseService.command_async``): the production path.

A worker keeps the cases it folded.  Before a command is authorised and decided, the case's newer
events are read over the loop's own connection and folded in, so what another worker wrote — a member
removed, a consent withdrawn, a contribution — counts as it would for a worker that had never seen the
case.  Saves made at once share a transaction and each still gets its own answer.
"""

from __future__ import annotations

import asyncio
import re
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from eventsourcing.persistence import RecordConflictError

from services.api.app import create_api
from services.bootstrap import build_api_context
from services.errors import CaseNotFound
from services.web.app import mount_web
from services.web.form_keys import new_key
from tests.concurrency import in_threads
from tests.integration.api.flows import events_of, ok, school_consented_case
from tests.integration.api.skew import signed_in


def through_another_worker(app, settings, postgres, method: str, path: str, headers: dict, body=None):
    other = build_api_context(app, settings, postgres)   # its own caches, the same database
    try:
        return TestClient(create_api(other)).request(method, path, headers=headers, json=body)
    finally:
        other.close()


def contribute(client, users, case_id: str, text: str, headers=None, **extra) -> object:
    return client.post(f"/api/v1/cases/{case_id}/contributions", headers={**(headers or users.school), **extra},
                       json={"category": "school", "text": text})


def test_commands_over_http_are_saved_through_the_loops_store(client, context, users, tick):
    store = client.portal.call(context.cases.app.loop_store)
    assert store is not None
    case_id, _ = school_consented_case(client, users, tick)
    groups = len(store.group_sizes)
    tick()
    ok(contribute(client, users, case_id, "Närvaro 80 %."), 201)
    assert len(store.group_sizes) == groups + 1


def test_a_member_removed_by_another_worker_cannot_write_through_this_workers_kept_copy(
        client, context, users, tick, app, settings, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(contribute(client, users, case_id, "Närvaro 80 %."), 201)      # this worker keeps the case now
    assert context.cases.judged.cached(UUID(case_id)) is not None
    tick()
    removed = through_another_worker(app, settings, postgres, "POST",
                                     f"/api/v1/cases/{case_id}/members/skola/departure", users.social,
                                     {"reason": "Insatsen avslutad."})
    assert removed.status_code == 200, removed.text
    recorded = events_of(postgres, case_id)
    tick()
    refused = contribute(client, users, case_id, "Skrivet efter att skolan lämnat gruppen.")
    assert refused.status_code == 404, refused.text   # no longer in the case: as if it did not exist
    assert "Skrivet efter" not in refused.text
    assert events_of(postgres, case_id) == recorded


def test_another_workers_write_is_folded_in_before_an_expected_version_is_checked(
        client, context, users, tick, app, settings, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(contribute(client, users, case_id, "Närvaro 80 %."), 201)
    tick()
    ok(through_another_worker(app, settings, postgres, "POST", f"/api/v1/cases/{case_id}/contributions",
                              users.school, {"category": "school", "text": "Från den andra processen"}), 201)
    seen = ok(through_another_worker(app, settings, postgres, "GET", f"/api/v1/cases/{case_id}", users.school))
    tick()
    written = ok(contribute(client, users, case_id, "Med rätt version.", **{"If-Match": f'"{seen["version"]}"'}),
                 201)
    assert written["version"] == seen["version"] + 1
    stale = contribute(client, users, case_id, "Med gammal version.", **{"If-Match": f'"{seen["version"]}"'})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "concurrent_change"


def test_writes_on_one_case_at_once_are_each_recorded_once_with_their_own_version(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    outcomes = in_threads(lambda n: contribute(client, users, case_id, f"Samtidig notering {n}"), 8, timeout=60)
    assert [o.status_code for o in outcomes] == [201] * 8, [o.text for o in outcomes]
    versions = sorted(o.json()["version"] for o in outcomes)
    assert len(set(versions)) == 8 and versions[-1] - versions[0] == 7
    assert events_of(postgres, case_id) == before + 8
    texts = {f["content"].get("text") for f in ok(client.get(f"/api/v1/cases/{case_id}",
                                                              headers=users.school))["facts"]}
    assert {f"Samtidig notering {n}" for n in range(8)} <= texts


def test_many_commands_without_a_version_on_one_case_at_once_are_all_recorded(client, context, users, tick,
                                                                                postgres):
    """Decided all at once, they conflicted round after round (one saved per round), and after their retries 10 of
    20 were answered 409 — though a command sent without a version is decided again rather than refused.  In one
    worker they take turns (``services.case_turns``), and the turns are let go once none is waiting."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    writers = (users.school, users.social)
    outcomes = in_threads(lambda n: client.post(
        f"/api/v1/cases/{case_id}/contributions", headers=writers[n % 2],
        json={"category": ("school", "family")[n % 2], "text": f"Samtidigt {n}"}), 20, timeout=120)
    assert [o.status_code for o in outcomes] == [201] * 20, [o.text for o in outcomes]
    assert events_of(postgres, case_id) == before + 20
    texts = {str(f["content"].get("text")) for headers in writers for f in ok(client.get(
        f"/api/v1/cases/{case_id}/contributions", headers=headers))["facts"]}
    assert {f"Samtidigt {n}" for n in range(20)} <= texts   # each once: 20 events, 20 texts
    assert len(context.cases.command_turns) == 0


def test_a_conflict_of_a_command_sent_without_a_version_names_no_field(client, context, users, tick, app, settings,
                                                                        postgres, monkeypatch):
    """Another process writes between each reading and save, every time: the retries run out and the answer is
    409 — naming no field, as no value sent is at fault (it named ``body.expected_version``, never sent)."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    other = build_api_context(app, settings, postgres)   # another worker: its own caches, the same database
    school = other.tokens.verify(users.school["Authorization"].removeprefix("Bearer "))
    change = context.cases.app.change_async

    async def after_another_write(*args, **kwargs):
        other.cases.command(school, "record_contribution", UUID(case_id), None, category="school",
                            text="Från den andra processen")
        return await change(*args, **kwargs)
    monkeypatch.setattr(context.cases.app, "change_async", after_another_write)
    try:
        before = events_of(postgres, case_id)
        refused = contribute(client, users, case_id, "Hinner aldrig fram.")
        assert refused.status_code == 409, refused.text
        error = refused.json()["error"]
        assert error["code"] == "concurrent_change" and error["field"] is None
        assert "Hinner aldrig" not in str(ok(client.get(f"/api/v1/cases/{case_id}/contributions",
                                                        headers=users.school)))
        assert events_of(postgres, case_id) > before   # the other process's writes, each of them
        # Sent with a version, the same conflict names where it came from.
        version = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))["version"]
        stale = client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                            json={"category": "school", "text": "Med version.", "expected_version": version})
        assert stale.status_code == 409 and stale.json()["error"]["field"] == "body.expected_version", stale.text
    finally:
        other.close()


def test_many_commands_from_threads_on_one_case_take_turns_too(client, context, users, tick, postgres):
    """The web's forms write from threads (``CaseService.command``): they wait for the case's turn there."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    before = events_of(postgres, case_id)
    school = context.tokens.verify(users.school["Authorization"].removeprefix("Bearer "))
    outcomes = in_threads(lambda n: context.cases.command(school, "record_contribution", UUID(case_id), None,
                                                          category="school", text=f"Från formulär {n}"), 20,
                          timeout=120)
    assert all(not isinstance(o, BaseException) for o in outcomes), outcomes
    assert events_of(postgres, case_id) == before + 20 and len(context.cases.command_turns) == 0


def test_an_outsider_is_refused_before_it_waits_for_the_cases_turn(client, context, users, tick):
    """Its wait would tell it that the case is being written, by whom it may not know."""
    case_id = UUID(school_consented_case(client, users, tick)[0])
    principal = lambda headers: context.tokens.verify(headers["Authorization"].removeprefix("Bearer "))  # noqa: E731

    async def while_the_case_is_written(headers: dict) -> object:
        with context.cases.command_turns.queued(case_id) as turn:
            async with turn.lock:
                return await asyncio.wait_for(context.cases.command_async(
                    principal(headers), "record_contribution", case_id, None, category="school", text="x"), 2)
    with pytest.raises(CaseNotFound):
        client.portal.call(while_the_case_is_written, users.headers("bup", "member"))
    with pytest.raises(TimeoutError):   # a member waits its turn
        client.portal.call(while_the_case_is_written, users.school)


@pytest.fixture
def served(context, settings):
    """The API and the web client on one application, as a server mounts them, its lifespan started: the API's
    commands run on its event loop (``command_async``), the web's forms in its threads (``command``)."""
    api = create_api(context)
    mount_web(api, context, settings)
    with TestClient(api, raise_server_exceptions=False) as both:
        assert both.portal.call(context.cases.app.loop_store) is not None
        yield signed_in(both, "skola")


def conflicts_counted(app, monkeypatch) -> list[int]:
    """How many of this process's saves conflicted with a write stored before them (one number, grown by each)."""
    conflicts = [0]
    save, save_async = app.save, app.save_async

    def counted(*args, **kwargs):
        try:
            return save(*args, **kwargs)
        except RecordConflictError:
            conflicts[0] += 1
            raise

    async def counted_async(*args, **kwargs):
        try:
            return await save_async(*args, **kwargs)
        except RecordConflictError:
            conflicts[0] += 1
            raise
    monkeypatch.setattr(app, "save", counted)
    monkeypatch.setattr(app, "save_async", counted_async)
    return conflicts


def test_the_webs_forms_and_the_apis_commands_on_one_case_take_the_same_turns(served, context, users, tick,
                                                                              postgres, monkeypatch):
    """A form saved from the web's threads and a command on the API's event loop, on one case in one process,
    took turns of their own (a thread lock's, the loop's): each conflicted with the other and fell to the retries
    meant for other processes' writes.  Now they wait for the same turn, and none of them conflicts."""
    case_id, _ = school_consented_case(served, users, tick)
    tick()
    csrf = re.search(r'name="csrf" value="([^"]+)"', served.get(f"/arenden/{case_id}/uppgift").text).group(1)
    before = events_of(postgres, case_id)
    conflicts = conflicts_counted(context.cases.app, monkeypatch)

    def write(n: int) -> object:
        if n % 2:   # the web's form, sent without the version it was shown at
            return served.post(f"/arenden/{case_id}/uppgift", follow_redirects=False, data={
                "csrf": csrf, "form_key": new_key(), "category": "school", "text": f"Från formuläret {n}"})
        return served.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                           json={"category": "school", "text": f"Från API:t {n}"})
    outcomes = in_threads(write, 30, timeout=120)
    assert [o.status_code for o in outcomes] == [201, 303] * 15, [o.text[:300] for o in outcomes]
    assert events_of(postgres, case_id) == before + 30
    texts = {str(f["content"].get("text")) for f in ok(served.get(f"/api/v1/cases/{case_id}/contributions",
                                                                  headers=users.school))["facts"]}
    assert {("Från formuläret {}" if n % 2 else "Från API:t {}").format(n) for n in range(30)} <= texts
    assert conflicts == [0]
    assert len(context.cases.command_turns) == 0
