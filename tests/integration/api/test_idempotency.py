"""Idempotency-Key on real PostgreSQL: the answer is committed with the events, so no cut-off leaves a key stuck.

A request cut off right after its events were committed (the process killed, or a failure injected at that
exact point) is answered on retry with the original answer; a refused command leaves nothing under its key;
concurrent duplicates — in one worker or across two — record once and all get the same answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from uuid import UUID

import httpx
import psycopg
import pytest

from domain.disclosure import Replay
from services.api.app import create_api
from services.bootstrap import build_api_context, build_application
from services.clock import ManualClock
from tests.builders import utc
from tests.concurrency import in_threads
from tests.integration.api.flows import REFERRAL, events_of, ok, open_case, school_consented_case
from tests.servers import free_port, serve_in_thread

ROOT = Path(__file__).resolve().parents[3]
KILLED = 71  # the exit status of the child killed right after its commit
ACCEPT = {"accepted": True, "reasons": "Hög risk.", "decided_on": "2026-02-02"}

# A worker that dies the instant its idempotent save is committed: before any answer reaches the client,
# and before any of its own code after the commit runs (os._exit skips every handler and finaliser).
CHILD = """
import json, os, sys
from fastapi.testclient import TestClient
from gateways.embedded_postgres import PostgresLocation
from services.api.app import create_api
from services.bootstrap import build_api_context, build_application
from services.settings import Settings

where, path, body, headers = json.loads(sys.argv[1])
settings = Settings(data_dir=os.environ["CHILD_DATA_DIR"], master_key=os.environ["CHILD_MASTER_KEY"])
location = PostgresLocation(**where)
app = build_application(settings, location=location)
group = app.recorder._group
commit = group._insert

def commit_then_die(events, riders):
    ids = commit(events, riders)
    if riders:
        os._exit(%d)
    return ids

group._insert = commit_then_die

# A command on the server's event loop commits through the loop's store (a referral, in a thread, through the
# recorder above): it dies the same way there.
from gateways.async_event_store import AsyncEventStore
commit_on_loop = AsyncEventStore._insert

async def commit_on_loop_then_die(store, events, answers):
    ids = await commit_on_loop(store, events, answers)
    if answers:
        os._exit(%d)
    return ids

AsyncEventStore._insert = commit_on_loop_then_die
with TestClient(create_api(build_api_context(app, settings, location))) as client:
    client.post(path, json=body, headers=headers)
os._exit(0)
""" % (KILLED, KILLED)


def stored_keys(postgres) -> list[tuple]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT owner, key, status FROM sigill_idempotency_keys ORDER BY key").fetchall()


def as_stored(settings, key: str) -> str:
    """An Idempotency-Key as the table holds it: a keyed hash (a client may name the person in it)."""
    from services.idempotency import fingerprint_key, stored_key

    return stored_key(fingerprint_key(settings.master_key_bytes()), key)


def owner_of(settings, agency: str = "socialtjanst", role: str = "caseworker", municipality: str | None = "0180",
             subject: str | None = None) -> str:
    """The sign-in a row is stored for, as the table holds it: a keyed hash (``users.headers``' sign-in)."""
    from services.idempotency import fingerprint_key, signed_in_as
    from services.principals import Principal, Role

    user = Principal(subject or f"{agency}-{role}", "", agency, frozenset({Role(role)}), municipality)
    return signed_in_as(fingerprint_key(settings.master_key_bytes()), user)


def run_killed_worker(postgres, settings, master_key, path: str, body: dict, headers: dict) -> None:
    where = {"host": postgres.host, "port": postgres.port, "dbname": postgres.dbname, "user": postgres.user,
             "password": postgres.password}
    env = {**os.environ, "CHILD_DATA_DIR": str(settings.data_dir), "CHILD_MASTER_KEY": master_key,
           "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", CHILD, json.dumps([where, path, body, headers])], env=env,
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert child.returncode == KILLED, child.stderr[-2000:]


def test_a_worker_killed_right_after_committing_a_referral_is_answered_on_retry_and_records_once(
        app, client, users, postgres, settings, master_key):
    headers = {**users.social, "Idempotency-Key": "referral-killed"}
    run_killed_worker(postgres, settings, master_key, "/api/v1/cases", REFERRAL, headers)
    app.clock.set(datetime.now(timezone.utc))  # the child ran on the real clock: read its case as of now
    recorded = events_of(postgres)
    assert recorded > 0 and stored_keys(postgres) == [(owner_of(settings), as_stored(settings, "referral-killed"), 201)]

    retried = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    body = retried.json()
    assert retried.headers["Location"] == f"/api/v1/cases/{body['case_id']}"
    assert retried.headers["ETag"].startswith(f'"{body["version"]}-') and body["created"].startswith("0180-")
    assert events_of(postgres) == recorded  # nothing recorded twice
    shown = client.get(f"/api/v1/cases/{body['case_id']}", headers=users.social)
    assert ok(shown)["version"] == body["version"] and shown.headers["ETag"] == retried.headers["ETag"]


def test_a_worker_killed_after_committing_a_command_with_if_match_is_answered_not_refused_as_stale(
        client, users, postgres, settings, master_key):
    case_id = open_case(client, users)
    headers = {**users.social, "Idempotency-Key": "eligibility-killed", "If-Match": '"1"'}
    run_killed_worker(postgres, settings, master_key, f"/api/v1/cases/{case_id}/eligibility", ACCEPT, headers)
    assert events_of(postgres, case_id) == 2

    # The case is at version 2 now, so the same If-Match would be stale: the stored answer is what counts.
    retried = client.post(f"/api/v1/cases/{case_id}/eligibility", json=ACCEPT, headers=headers)
    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == {"case_id": case_id, "version": 2, "created": None}
    assert events_of(postgres, case_id) == 2


def test_a_failure_injected_after_the_commit_and_before_the_answer_leaves_the_answer_for_the_retry(
        app, client, users, postgres):
    group = app.recorder._group
    commit = group._insert

    def commit_then_fail(events, riders):
        ids = commit(events, riders)
        if riders:
            raise ConnectionResetError("cut off after the commit")
        return ids

    group._insert = commit_then_fail
    headers = {**users.social, "Idempotency-Key": "referral-cut"}
    first = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    assert first.status_code == 500
    group._insert = commit
    recorded = events_of(postgres)

    retried = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert events_of(postgres) == recorded
    assert len(ok(client.get("/api/v1/cases", headers=users.social))["cases"]) == 1


def test_the_first_answer_and_the_replayed_answer_are_the_same(client, users, tick):
    case_id = open_case(client, users)
    tick()
    headers = {**users.social, "Idempotency-Key": "consent-1"}
    consent = {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}],
               "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}
    first = client.post(f"/api/v1/cases/{case_id}/consents", json=consent, headers=headers)
    tick()
    again = client.post(f"/api/v1/cases/{case_id}/consents", json=consent, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["version"] == 2 and first.json()["created"]
    read = client.get(f"/api/v1/cases/{case_id}", headers=users.social)
    assert ok(read)["version"] == 2 and read.headers["ETag"].startswith('"2-')
    assert first.headers["ETag"] == again.headers["ETag"] == read.headers["ETag"]
    assert "Idempotent-Replayed" not in first.headers
    assert set(first.json()) == {"case_id", "version", "created"}   # the ETag kept with the answer is not sent in it


def test_a_keyed_meeting_minuted_in_another_agencys_name_is_answered_and_replayed_as_ever(client, users, tick):
    """Guard: the stored answer keeps how many facts the writer cannot see (for the web's saved notice); the API
    never sends it, first or replayed."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    headers = {**users.social, "Idempotency-Key": "meeting-1"}
    meeting = {"held_on": "2026-02-03", "attendees": ["skola", "polis"],
               "outcomes": [{"category": "crime", "origin_agency": "polis", "text": "Inga nya anmälningar."}]}
    first = client.post(f"/api/v1/cases/{case_id}/meetings", json=meeting, headers=headers)
    again = client.post(f"/api/v1/cases/{case_id}/meetings", json=meeting, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert set(first.json()) == {"case_id", "version", "created"} and again.headers["Idempotent-Replayed"] == "true"


def test_a_keyed_meeting_judges_what_its_writer_sees_once_for_every_answer(client, users, tick, postgres,
                                                                           monkeypatch):
    """The key's answer (the writer's version, the facts minuted in another agency's name it cannot see) and the
    command's own are made of one judgement of the written case: it was judged once for each of the three."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    judged, visible_to = [], Replay.visible_to
    monkeypatch.setattr(Replay, "visible_to", lambda replay, agency, at: judged.append(replay.case.version)
                        or visible_to(replay, agency, at))
    meeting = {"held_on": "2026-02-03", "attendees": ["skola", "polis"],
               "outcomes": [{"category": "crime", "origin_agency": "polis", "text": "Inga nya anmälningar."}]}
    first = client.post(f"/api/v1/cases/{case_id}/meetings", json=meeting,
                        headers={**users.social, "Idempotency-Key": "meeting-1"})
    assert first.status_code == 201 and judged.count(events_of(postgres, case_id)) == 1, judged


def test_a_keyed_referral_folds_its_case_once_for_both_answers_and_keeps_that_fold(client, users, context,
                                                                                  monkeypatch):
    """The key's answer, made before the commit, and the referral's own, after, are made of one fold of its events,
    as a keyed command's are: the case was folded for the key's answer and read back and folded again after."""
    judged, app, folds = context.cases.judged, context.cases.app, []
    extended, replay = judged.extended, app.replay
    monkeypatch.setattr(judged, "extended", lambda *args, **kwargs: folds.append(1) or extended(*args, **kwargs))
    monkeypatch.setattr(app, "replay", lambda *args, **kwargs: folds.append(1) or replay(*args, **kwargs))
    headers = {**users.social, "Idempotency-Key": "referral-1"}
    first = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    answer = ok(first, 201)
    assert len(folds) == 1
    assert judged.cached(UUID(answer["case_id"])).case.version == answer["version"] == 1
    again = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true" and ok(again, 201) == answer
    read = client.get(f"/api/v1/cases/{answer['case_id']}", headers=users.social)
    assert ok(read)["version"] == 1 and first.headers["ETag"] == again.headers["ETag"] == read.headers["ETag"]


def test_after_the_databases_connections_are_cut_a_keyed_command_is_answered_at_once(client, users, postgres, tick):
    case_id = open_case(client, users)
    tick()
    consent = {"consenter": "young_person", "scope": [{"agency": "skola", "categories": ["case"]}],
               "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written"}
    headers = lambda key: {**users.social, "Idempotency-Key": key}  # noqa: E731
    assert client.post(f"/api/v1/cases/{case_id}/consents", json=consent, headers=headers("c1")).status_code == 201
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # as a restart would: every session ends
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    # The keys' store takes only connections checked first: not one keyed command is refused for a dead one.
    tick()
    answer = client.post(f"/api/v1/cases/{case_id}/consents", json=consent, headers=headers("c2"))
    assert answer.status_code == 201, answer.text
    again = client.post(f"/api/v1/cases/{case_id}/consents", json=consent, headers=headers("c2"))
    assert again.status_code == 201 and again.json() == answer.json() and events_of(postgres, case_id) == 3


def test_a_refused_command_stores_nothing_and_its_key_is_free_for_a_corrected_request(client, users, postgres, tick,
                                                                                       settings):
    case_id = open_case(client, users)
    tick()
    stale = client.post(f"/api/v1/cases/{case_id}/eligibility", json=ACCEPT,
                        headers={**users.social, "Idempotency-Key": "e1", "If-Match": '"7"'})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "concurrent_change"
    assert stored_keys(postgres) == [] and events_of(postgres, case_id) == 1
    corrected = client.post(f"/api/v1/cases/{case_id}/eligibility", json=ACCEPT,
                            headers={**users.social, "Idempotency-Key": "e1", "If-Match": '"1"'})
    assert corrected.status_code == 200 and "Idempotent-Replayed" not in corrected.headers
    assert stored_keys(postgres) == [(owner_of(settings), as_stored(settings, "e1"), 200)]


def test_a_key_left_in_progress_by_an_older_version_does_not_block_a_retry(client, users, postgres, settings):
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("INSERT INTO sigill_idempotency_keys (owner, key, request_hash) VALUES (%s, %s, %s)",
                     (owner_of(settings), as_stored(settings, "old"), b"x"))
    response = client.post("/api/v1/cases", json=REFERRAL, headers={**users.social, "Idempotency-Key": "old"})
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


NOTE = {"category": "case", "text": "Träffade ungdomen i dag."}
KIM = "kim-1"   # one person at the identity provider (one subject), signed in in more than one way


def test_the_same_key_from_another_agency_of_the_same_person_is_carried_out_not_answered_with_the_first(
        client, users, tick, postgres):
    """Answers were found by the token's subject alone: one person, a contact person at both the police and the
    school, sent the school's note under the key the police's note had used — and got the police's answer, the
    school's note never recorded.  Each sign-in's own retry is still answered with its own answer."""
    case_id, _ = school_consented_case(client, users, tick)
    path = f"/api/v1/cases/{case_id}/contributions"
    as_police = {**users.headers("polis", "member", subject=KIM), "Idempotency-Key": "note-1"}
    as_school = {**users.headers("skola", "member", subject=KIM), "Idempotency-Key": "note-1"}
    tick()
    police = ok(client.post(path, json=NOTE, headers=as_police), 201)
    recorded = events_of(postgres, case_id)
    tick()
    school = client.post(path, json=NOTE, headers=as_school)
    assert school.status_code == 201 and "Idempotent-Replayed" not in school.headers, school.text
    assert school.json()["created"] != police["created"] and events_of(postgres, case_id) == recorded + 1
    for headers, first in ((as_police, police), (as_school, school.json())):
        again = client.post(path, json=NOTE, headers=headers)
        assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true", again.text
        assert again.json() == first
    assert events_of(postgres, case_id) == recorded + 1
    assert len(stored_keys(postgres)) == 2 and not any(KIM in owner for owner, _, _ in stored_keys(postgres))


def test_the_same_key_from_another_role_of_the_same_person_is_carried_out_not_answered_with_the_first(
        client, users, postgres):
    """A caseworker who is a coordinator too, in two sign-ins: the coordinator's referral under the key of the
    caseworker's is a referral of its own (a second case), not the caseworker's answer."""
    as_caseworker = {**users.headers("socialtjanst", "caseworker", subject=KIM), "Idempotency-Key": "remiss-1"}
    as_coordinator = {**users.headers("socialtjanst", "coordinator", subject=KIM), "Idempotency-Key": "remiss-1"}
    first = ok(client.post("/api/v1/cases", json=REFERRAL, headers=as_caseworker), 201)
    second = client.post("/api/v1/cases", json=REFERRAL, headers=as_coordinator)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers, second.text
    assert second.json()["case_id"] != first["case_id"]
    again = client.post("/api/v1/cases", json=REFERRAL, headers=as_caseworker)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first
    assert len({r[0] for r in _referrals(postgres)}) == 2


def test_another_agencys_sign_in_of_the_same_person_is_not_shown_the_first_answer(client, users):
    """The answer made for social services (a new case's id) is not shown to the school's sign-in of the same
    person: its request is its own, and refused as any school's referral is."""
    key = {"Idempotency-Key": "remiss-2"}
    ok(client.post("/api/v1/cases", json=REFERRAL, headers={**users.headers("socialtjanst", "caseworker",
                                                                           subject=KIM), **key}), 201)
    school = client.post("/api/v1/cases", json=REFERRAL, headers={**users.headers("skola", "member", subject=KIM),
                                                                   **key})
    assert school.status_code == 403 and "case_id" not in school.text, school.text


def test_a_row_stored_by_the_version_before_sign_in_owners_is_not_replayed_and_expires(
        client, users, postgres, settings):
    """Rows stored for the subject alone (the version before) match no sign-in: a retry across the upgrade is
    carried out again, as a new command (a second case here), never refused; the store's start forgets every row
    past its day."""
    from gateways.idempotency_store import PostgresIdempotencyStore

    headers = {**users.social, "Idempotency-Key": "across-the-upgrade"}
    first = ok(client.post("/api/v1/cases", json=REFERRAL, headers=headers), 201)
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        assert conn.execute("UPDATE sigill_idempotency_keys SET owner = 'socialtjanst-caseworker'").rowcount == 1
    again = client.post("/api/v1/cases", json=REFERRAL, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json()["case_id"] != first["case_id"]
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE sigill_idempotency_keys SET created_at = now() - interval '25 hours'"
                     " WHERE owner = 'socialtjanst-caseworker'")
    PostgresIdempotencyStore(postgres.conninfo()).close()
    assert [owner for owner, _, _ in stored_keys(postgres)] == [owner_of(settings)]


def _referrals(postgres) -> list[tuple]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT originator_id FROM sigill_events WHERE topic LIKE '%%ReferralReceived'").fetchall()


@pytest.fixture
def two_workers(context, app, settings, postgres):
    """Two workers (applications with their own group commit) on one database, served over loopback."""
    other_app = build_application(settings, clock=ManualClock(utc(2026, 2, 3)), location=postgres)
    other = build_api_context(other_app, settings, postgres)
    servers = []
    for n, ctx in enumerate((context, other)):
        port = free_port()
        servers.append((serve_in_thread(create_api(ctx), port, f"worker-{n}")[0], f"http://127.0.0.1:{port}"))
    yield [url for _, url in servers]
    for server, _ in servers:
        server.should_exit = True
    other.close()
    other_app.close()


def fire_together(urls: list[str], path: str, body: dict, headers: dict, n: int = 8) -> list[httpx.Response]:
    barrier = threading.Barrier(n)

    def send(i: int) -> httpx.Response:
        with httpx.Client(base_url=urls[i % len(urls)], timeout=30) as http:
            barrier.wait()
            return http.post(path, json=body, headers=headers)

    return in_threads(send, n, timeout=60)


def test_concurrent_duplicate_referrals_across_two_workers_record_one_case(two_workers, client, users, postgres,
                                                                          settings):
    responses = fire_together(two_workers, "/api/v1/cases", REFERRAL, {**users.social, "Idempotency-Key": "dup"})
    assert [r.status_code for r in responses] == [201] * 8
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1  # one ran, the rest were answered
    assert len(ok(client.get("/api/v1/cases", headers=users.social))["cases"]) == 1
    assert stored_keys(postgres) == [(owner_of(settings), as_stored(settings, "dup"), 201)]


def test_concurrent_duplicate_commands_with_if_match_record_once_and_none_is_refused(two_workers, client, users,
                                                                                       postgres):
    case_id = open_case(client, users)
    headers = {**users.social, "Idempotency-Key": "dup-eligibility", "If-Match": '"1"'}
    responses = fire_together(two_workers, f"/api/v1/cases/{case_id}/eligibility", ACCEPT, headers)
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert {json.dumps(r.json(), sort_keys=True) for r in responses} == {
        json.dumps({"case_id": case_id, "created": None, "version": 2}, sort_keys=True)}
    assert events_of(postgres, case_id) == 2


def test_the_stored_request_fingerprint_is_keyed_so_the_table_does_not_confirm_a_guessed_name(
        client, users, tick, postgres, settings):
    """A red team recovered a guardian's name from the table: the fingerprint was a plain SHA-256 of the request,
    stored in the clear beside the answer that names the case.  It is keyed by a key derived from the master key
    now (never stored in the database)."""
    from hashlib import sha256

    from services.api import commands as c
    from services.idempotency import fingerprint_key, request_fingerprint

    case_id = open_case(client, users)
    tick()
    path = f"/api/v1/cases/{case_id}/guardians"
    ok(client.post(path, json={"guardians": [{"name": "Maria Exempel"}]},
                   headers={**users.social, "Idempotency-Key": "k-names"}))
    with psycopg.connect(postgres.conninfo()) as conn:
        stored = bytes(conn.execute("SELECT request_hash FROM sigill_idempotency_keys WHERE key = %s",
                                    (as_stored(settings, "k-names"),)).fetchone()[0])

    def request(name: str) -> tuple[str, ...]:   # what the server fingerprints: its own JSON of the body
        return "POST", path, "", c.Guardians(guardians=[c.GuardianIn(name=name)]).model_dump_json()

    assert request_fingerprint(fingerprint_key(settings.master_key_bytes()), *request("Maria Exempel")) == stored
    for guess in ("Anna Andersson", "Maria Exempel"):   # a list of names tried against the table, without the key
        assert sha256("\n".join(request(guess)).encode()).digest() != stored
    retried = client.post(path, json={"guardians": [{"name": "Maria Exempel"}]},
                          headers={**users.social, "Idempotency-Key": "k-names"})
    assert retried.status_code == 200 and retried.headers.get("Idempotent-Replayed") == "true"
