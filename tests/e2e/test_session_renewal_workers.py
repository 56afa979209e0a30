"""One session renewed on two workers at once: a rotating provider is asked once, and nobody is signed out.

Two Sigill instances (as two `sigill serve` workers) over one database, each with its own memory; the test
provider rotates refresh tokens, so a second use of the same one is refused.  Requests of one browser
carrying the same refresh token land on both workers together.
"""

from __future__ import annotations

import threading

import httpx
import psycopg
import pytest

from gateways.embedded_postgres import location_from_url
from services.web import renewal
from tests.e2e.conftest import _serve_sigill
from tests.e2e.test_session_renewal import signed_in_due

ROUNDS = 3


@pytest.fixture(scope="module")
def other_worker(production_server):
    """A second instance of the production server: same settings and database, its own process state."""
    location = location_from_url(production_server.settings.database_url.get_secret_value())
    yield from _serve_sigill(production_server.settings, location)


def renewing_together(urls: list[str], cookies: dict[str, str]) -> list[httpx.Response]:
    """The same browser's request on each worker, sent at the same moment."""
    barrier, answers = threading.Barrier(len(urls)), [None] * len(urls)

    def request(n: int) -> None:
        with httpx.Client(base_url=urls[n], cookies=cookies, follow_redirects=False, timeout=30) as tab:
            barrier.wait()
            answers[n] = tab.get("/arenden")

    threads = [threading.Thread(target=request, args=(n,)) for n in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_two_workers_renewing_one_session_one_after_the_other_share_the_renewal(
        production_server, other_worker, provider):
    client = signed_in_due(production_server, provider)
    cookies = dict(client.cookies)
    assert client.get("/arenden").status_code == 200 and provider.state.refreshes == 1  # worker A renews
    with httpx.Client(base_url=other_worker.url, cookies=cookies, follow_redirects=False) as tab:
        late = tab.get("/arenden")  # worker B, with the refresh token A has just spent
    assert late.status_code == 200, late.headers.get("location")
    assert provider.state.refreshes == 1
    assert late.cookies["sigill_session"] == client.cookies["sigill_session"]  # the same renewed session


def test_two_workers_renewing_one_session_at_the_same_moment_ask_the_provider_once(
        production_server, other_worker, provider):
    for round_ in range(ROUNDS):
        client = signed_in_due(production_server, provider)
        before = provider.state.refreshes
        answers = renewing_together([production_server.url, other_worker.url], dict(client.cookies))
        assert [a.status_code for a in answers] == [200, 200], [a.headers.get("location") for a in answers]
        assert provider.state.refreshes == before + 1, f"round {round_}"
        assert answers[0].cookies["sigill_session"] == answers[1].cookies["sigill_session"]


def test_the_shared_renewal_keeps_no_token_in_the_clear(production_server, other_worker, provider):
    key = renewal.refresh_key(production_server.settings.master_key_bytes())
    client = signed_in_due(production_server, provider)
    old = renewal.unseal(key, client.cookies["sigill_refresh"])
    assert client.get("/arenden").status_code == 200
    new = renewal.unseal(key, client.cookies["sigill_refresh"])
    assert old and new and old != new
    with psycopg.connect(location_from_url(production_server.settings.database_url.get_secret_value()).conninfo()) \
            as conn:
        rows = conn.execute("SELECT * FROM sigill_web_renewals").fetchall()
    assert rows
    stored = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for r in rows for v in r)
    for secret in (old, new, client.cookies["sigill_session"]):
        assert secret.encode() not in stored
