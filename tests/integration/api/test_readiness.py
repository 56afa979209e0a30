"""Liveness and readiness, as a load balancer or a monitor asks: no sign-in, GET or HEAD, nothing about cases; the
installation's counts to its administrators alone."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import psycopg
import pytest

from gateways.embedded_postgres import create_database
from gateways.follower_lock import FollowerLock, lock_held, probe_connection
from gateways.readiness import ReadinessProbe
from tests.service_behaviour import open_case


@pytest.fixture
def operator(users):
    """An administrator's sign-in: the installation's operator, who is told the counts."""
    return users.headers("socialtjanst", "administrator")


def test_health_and_readiness_answer_get_and_head_without_a_sign_in(client, operator):
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    assert client.head("/api/v1/health").status_code == 200
    assert client.get("/api/v1/ready").json() == {"status": "ready"}
    assert client.get("/api/v1/ready", headers=operator).json() == {
        "status": "ready", "follower": False, "views_behind": 0, "kafka_unsent": None}   # no Kafka: not counted
    head = client.head("/api/v1/ready")
    assert head.status_code == 200 and head.content == b""


def test_readiness_tells_the_installations_counts_to_its_administrators_alone(client, users, operator, app):
    """How busy the installation is (events its views have yet to take in) and, in a Kafka outage, how much waits:
    an operator's to know, not anyone's who reaches the probe — nor a member's or a supervisor's."""
    open_case(app)
    assert client.get("/api/v1/ready", headers=operator).json()["views_behind"] > 0
    for headers in ({}, users.social, users.school, users.auditor, users.headers("socialtjanst", "coordinator")):
        response = client.get("/api/v1/ready", headers=headers)
        assert response.status_code == 200 and response.json() == {"status": "ready"}, headers


def test_a_token_that_does_not_verify_leaves_the_probe_answering_the_status(client, users, operator):
    """A load balancer handed a token long ago (expired), a malformed one, or two: the probe is no sign-in to be
    refused (a 401 would take the server out of service), it answers as to no token at all."""
    expired = users.headers("socialtjanst", "administrator", now=time.time() - 7200, lifetime=3600)
    assert client.get("/api/v1/me", headers=expired).status_code == 401   # the token is refused everywhere else
    two = [("authorization", operator["Authorization"]), ("authorization", operator["Authorization"])]
    for headers in (expired, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic dXNlcjpwdw=="},
                    {"Authorization": "Bearer"}, two):
        for method in ("GET", "HEAD"):
            response = client.request(method, "/api/v1/ready", headers=headers)
            assert response.status_code == 200 and "www-authenticate" not in response.headers, (headers, method)
        assert client.get("/api/v1/ready", headers=headers).json() == {"status": "ready"}


def test_readiness_says_whether_a_follower_works_on_the_database(client, postgres, operator):
    lock = FollowerLock(postgres.conninfo(), "public")
    assert lock.acquire(threading.Event())
    try:
        assert client.get("/api/v1/ready", headers=operator).json()["follower"] is True
        with probe_connection(postgres.conninfo(), 3) as conn:
            assert lock_held(conn, "elsewhere") is False   # another schema's follower: none
        other = create_database(postgres, f"{postgres.dbname}_b")            # another database, same server
        with probe_connection(other.conninfo(), 3) as conn:
            assert lock_held(conn, "public") is False
    finally:
        lock.release()
    assert client.get("/api/v1/ready", headers=operator).json()["follower"] is False


def test_a_database_that_does_not_answer_is_not_ready(client, context, operator):
    context.readiness = ReadinessProbe("postgresql://sigill@127.0.0.1:1/sigill", "public", "sigill_events",
                                       "agency_views_tracking", "agency_views", timeout=1)
    assert context.readiness() is None
    for headers in ({}, operator):   # its reason to anyone: a load balancer's to know
        response = client.get("/api/v1/ready", headers=headers)
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "database_unavailable"


def test_readiness_says_how_far_behind_the_views_are(client, context, app, operator):
    """An operator's measure of a rebuild or a catch-up: the case lists and the feeds lag by this much."""
    client.headers.update(operator)
    runner = context.cases.lists.runner
    runner.catch_up()
    assert client.get("/api/v1/ready").json()["views_behind"] == 0
    open_case(app)
    open_case(app)
    behind = client.get("/api/v1/ready").json()["views_behind"]
    assert behind >= 2   # two referrals at least (a case number is an event of its own)
    assert behind == app.recorder.max_notification_id() - runner.position
    runner.catch_up()
    assert client.get("/api/v1/ready").json() == {"status": "ready", "follower": False, "views_behind": 0,
                                                  "kafka_unsent": None}   # no Kafka configured: not counted
    runner.store.clear(app.name)   # as a rebuild under new rules starts: everything is ahead of the views
    assert client.get("/api/v1/ready").json()["views_behind"] == app.recorder.max_notification_id()


def test_views_behind_counts_ids_so_an_id_a_rolled_back_write_took_counts_and_0_is_still_current(
        client, context, app, postgres, operator):
    """As its description says: the head's id less the views' position, an upper bound of the events to take in."""
    client.headers.update(operator)
    runner = context.cases.lists.runner
    runner.catch_up()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("SELECT nextval(pg_get_serial_sequence('sigill_events', 'notification_id'))")   # never used
        assert client.get("/api/v1/ready").json()["views_behind"] == 0   # no event past the views: current
        open_case(app)
        stored = conn.execute("SELECT count(*) FROM sigill_events WHERE notification_id > %s",
                              (runner.position,)).fetchone()[0]
    assert client.get("/api/v1/ready").json()["views_behind"] == stored + 1
    runner.catch_up()
    assert client.get("/api/v1/ready").json()["views_behind"] == 0


def test_readiness_counts_what_kafka_has_yet_to_acknowledge_where_the_server_publishes_to_kafka(
        client, context, app, postgres, operator):
    """An operator's sign of a Kafka outage: the server stays ready (reads and commands need no Kafka), and the
    count grows until the publisher is acknowledged again."""
    client.headers.update(operator)
    probe = context.readiness
    context.readiness = replace(probe, kafka=True)
    assert client.get("/api/v1/ready").json()["kafka_unsent"] in (None, 0)   # no feed yet (tables or rows)
    open_case(app)
    context.cases.lists.runner.catch_up()
    with psycopg.connect(postgres.conninfo()) as conn:
        numbered = dict(conn.execute("SELECT feed, last_seq FROM feed_sequence").fetchall())
        assert sum(numbered.values()) > 0
        ready = client.get("/api/v1/ready")
        assert ready.status_code == 200 and ready.json()["kafka_unsent"] == sum(numbered.values())
        feed, last = next(iter(numbered.items()))
        conn.execute("INSERT INTO feed_positions VALUES (%s, %s)", (feed, last))   # as the publisher records
    assert client.get("/api/v1/ready").json()["kafka_unsent"] == sum(numbered.values()) - last


def test_a_database_error_our_own_queries_meet_is_a_503_not_a_500(client, context, users, monkeypatch):
    """The ledger's and the feeds' queries are ours, not eventsourcing's: psycopg's errors reach the API as they
    are.  A database that went away, or one with no connection free, is a 503 to try again, never a 500."""
    import psycopg

    for error, said in ((psycopg.OperationalError("server closed the connection unexpectedly"), "cannot be reached"),
                        (psycopg.errors.TooManyConnections("sorry, too many clients already"), "too many clients")):
        def fail(error=error):
            raise error
        monkeypatch.setattr(context, "verify_ledger", fail)
        response = client.get("/api/v1/audit/ledger/verification", headers=users.auditor)
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "database_unavailable" and said in response.text


def test_a_wrong_method_is_told_every_method_the_path_takes(client, users):
    """A path's GET and its POST are separate routes: the 405 names them all, not the first's alone (and HEAD
    beside a GET, services.api.head)."""
    for method, path, allowed in (("POST", "/api/v1/health", "GET, HEAD"),
                                  ("DELETE", "/api/v1/cases", "GET, HEAD, POST"),
                                  ("PUT", "/api/v1/ready", "GET, HEAD")):
        response = client.request(method, path, headers=users.social)
        assert response.status_code == 405 and response.headers["allow"] == allowed, (method, path)
        assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_probe_is_answered_whatever_query_it_sends_a_parameter_given_twice_too(client):
    """README: "the health and readiness probes excepted: a load balancer's probe is answered whatever it sends".
    An integration engineer's walk (2026-12-05) found `?x=1&x=2` refused with a 422 that the document did not name
    — a health check with a repeated cache-buster would have taken the server out of service."""
    for probe in ("/api/v1/health", "/api/v1/ready"):
        for query in ("x=1", "x=1&x=2", "_=1&_=2"):
            response = client.get(f"{probe}?{query}")
            assert response.status_code == 200, (probe, query, response.text)
