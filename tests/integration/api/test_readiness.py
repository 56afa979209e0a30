"""Liveness and readiness, as a load balancer or a monitor asks: no sign-in, GET or HEAD, nothing about cases."""

from __future__ import annotations

import threading

from gateways.embedded_postgres import create_database
from gateways.follower_lock import FollowerLock, follower_working


def test_health_and_readiness_answer_get_and_head_without_a_sign_in(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    assert client.head("/api/v1/health").status_code == 200
    assert client.get("/api/v1/ready").json() == {"status": "ready", "follower": False}   # none runs in this test
    head = client.head("/api/v1/ready")
    assert head.status_code == 200 and head.content == b""


def test_readiness_says_whether_a_follower_works_on_the_database(client, postgres):
    lock = FollowerLock(postgres.conninfo(), "public")
    assert lock.acquire(threading.Event())
    try:
        assert client.get("/api/v1/ready").json() == {"status": "ready", "follower": True}
        assert follower_working(postgres.conninfo(), "elsewhere") is False   # another schema's follower: none
        other = create_database(postgres, f"{postgres.dbname}_b")            # another database, same server
        assert follower_working(other.conninfo(), "public") is False
    finally:
        lock.release()
    assert client.get("/api/v1/ready").json()["follower"] is False


def test_a_database_that_does_not_answer_is_not_ready(client, context):
    assert follower_working("postgresql://sigill@127.0.0.1:1/sigill", timeout=1) is None   # nothing listens there
    context.follower_working = lambda: follower_working("postgresql://sigill@127.0.0.1:1/sigill", timeout=1)
    response = client.get("/api/v1/ready")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"
