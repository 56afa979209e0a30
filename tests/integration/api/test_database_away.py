"""A database that goes away: a request is refused after one wait for a connection, not after ten.

eventsourcing retries its reads and inserts ten times on an ``OperationalError``, and psycopg's pool says "no
connection within the wait" as one, so each retry waited the whole ``POSTGRES_CONNECT_TIMEOUT`` (5 s) again: a
caseworker's read took 20 s and more to be told 503, its thread held all along.  The server here is one of the
test's own, stopped as an outage stops it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pytest

from gateways.embedded_postgres import start_embedded
from tests.concurrency import eventually
from tests.integration.api.flows import REFERRAL, open_case

ONE_WAIT = 5.0          # POSTGRES_CONNECT_TIMEOUT, as gateways/embedded_postgres.py sets it
SLACK = 4.0             # the rest of the request, on a slow machine


@pytest.fixture
def own_data(tmp_path) -> Path:
    data = (tmp_path / "own_pg").resolve()
    yield data
    pid = _postmaster(data)
    if pid is not None and psutil.pid_exists(pid):   # a failed test must not leave its server running
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def postgres(own_data):
    """A server of this test's own (the session's is shared by every test)."""
    return start_embedded(own_data)


def _postmaster(data: Path) -> int | None:
    pid_file = data / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def _stop(data: Path) -> None:
    """A fast shutdown, as a restart or a failover begins: every connection is cut, none is taken."""
    pid = _postmaster(data)
    os.kill(pid, signal.SIGINT)
    assert eventually(lambda: not psutil.pid_exists(pid), seconds=30)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_reads_and_commands_are_refused_after_one_wait_when_the_database_is_away(client, users, own_data):
    case_id = open_case(client, users)
    _stop(own_data)
    read, took = _timed(lambda: client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    assert read.status_code == 503, read.text
    assert read.json()["error"]["code"] == "database_unavailable" and read.headers["retry-after"] == "5"
    assert took < ONE_WAIT + SLACK, f"a read took {took:.1f} s to be refused"
    command, took = _timed(lambda: client.post("/api/v1/cases", json=REFERRAL, headers=users.social))
    assert command.status_code == 503, command.text
    assert took < ONE_WAIT + SLACK, f"a command took {took:.1f} s to be refused"


def test_web_forms_sent_while_the_database_is_away_come_back_as_typed_with_a_503(client, users, own_data, context,
                                                                                  settings, postgres):
    """A real outage: a new referral comes back in its own form (it needs nothing of the database to be shown); a
    case's form, whose page cannot be read nor its reading logged, comes back as the fields sent.  Nothing saved."""
    from tests.integration.api.skew import web_as
    from tests.integration.api.test_referral_turn_unavailable import TYPED
    from tests.integration.api.test_web_forms_kept import AWAY, hidden_of, kept_in_fields

    case_id = open_case(client, users)
    web = web_as(context, settings, "soc-0180")
    # With their hidden fields, form key included: a keyed form asks the idempotency store first, whose pool waited
    # psycopg_pool's 30 s default for a connection before the same 503 (now ``pg_errors.POOL_WAIT``, as every pool).
    referral = hidden_of(web.get("/arenden/nytt").text)
    closure = hidden_of(web.get(f"/arenden/{case_id}/avslut").text)
    _stop(own_data)
    refused, took = _timed(lambda: web.post("/arenden/nytt", data={**referral, **TYPED}, follow_redirects=False))
    assert refused.status_code == 503 and AWAY in refused.text, refused.text[:300]
    assert took < ONE_WAIT + SLACK, f"a referral form took {took:.1f} s to be refused"
    assert refused.headers["retry-after"] == "5"   # as the API's 503 says
    assert kept_in_fields(refused.text, "/arenden/nytt", TYPED) == []
    typed = {"expected_version": "1", "reason": "goals_met", "outcome": "Målen är nådda, text kvar.",
             "confirm": "on"}
    path = f"/arenden/{case_id}/avslut"
    refused, took = _timed(lambda: web.post(path, data={**closure, **typed}, follow_redirects=False))
    assert refused.status_code == 503 and AWAY in refused.text, refused.text[:300]
    assert took < ONE_WAIT + SLACK, f"a closure form took {took:.1f} s to be refused"
    assert refused.headers["retry-after"] == "5"
    assert kept_in_fields(refused.text, path, typed) == []
    page = web.get(f"/arenden/{case_id}")   # a page read: the "try again" page, saying when as the API does
    assert page.status_code == 503 and page.headers["retry-after"] == "5", page.status_code
