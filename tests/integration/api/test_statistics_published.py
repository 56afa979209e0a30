"""An ended year's follow-up statistics as an evaluator is answered them are fixed the first time they are made, as
published official statistics are (``services.statistics``, ``gateways.published_statistics_store``).

A red team (2026-12-06): an evaluator read 2026 of a municipality, one case of 2026 was erased (`sigill erase`), and
the evaluator read 2026 again — the case dropped out of its year, and the difference of the two answers was that
young person's kön, age band, entry route and durations.  Now every evaluator's read of the year after the first is
the first answer, byte for byte; social services and auditors, who may read the cases, read the year as it stands.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from uuid import UUID

import psycopg
import pytest

from domain.calendar import STOCKHOLM
from gateways.published_statistics_store import TABLE
from services.access_entry import AccessQuery
from services import statistics_text as text
from services.principals import Principal, Role
from services.statistics import STATISTICS_RUN
from tests.integration.api.flows import REFERRAL, ok
from tests.integration.api.skew import web_as
from tests.integration.api.test_damaged_key import _damage_key

PERIOD = {"municipality": "0180", "from": "2026-01-01", "to": "2026-12-31"}
BOY = "20090314-2396"   # the ninth digit odd
EVALUATOR = Principal("sos-utvarderare", "Utvärderare", "socialstyrelsen", frozenset({Role.EVALUATOR}))


def evaluator(users, subject: str = "sos-utvarderare") -> dict[str, str]:
    return users.headers("socialstyrelsen", "evaluator", municipality=None, subject=subject)


def a_year_of_cases(client, users, tick, app) -> str:
    """Ten cases referred in 2026, accepted, and a boy's referred, decided and closed (one that may be erased);
    the clock then on 2027-01-03, when an evaluator reads 2026.  Returns the closed case's id."""
    for personnummer in [REFERRAL["personnummer"], BOY] * 5:
        case_id = referred(client, users, personnummer)
        tick()
        decide(client, users, case_id)
        tick()
    culled = referred(client, users, BOY)
    tick()
    ok(client.post(f"/api/v1/cases/{culled}/closure", headers=users.social,
                   json={"reason": "moved", "outcome": "Flyttat."}))
    app.clock.set(datetime(2027, 1, 3, 9, 0, tzinfo=STOCKHOLM))
    return culled


def referred(client, users, personnummer: str) -> str:
    return ok(client.post("/api/v1/cases", json={**REFERRAL, "personnummer": personnummer},
                          headers=users.social), 201)["case_id"]


def decide(client, users, case_id: str) -> None:
    ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
        "accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"], "decided_on": "2026-02-02"}))


def erase(app, settings, postgres, case_id: str) -> None:
    from services.bootstrap import build_erasures
    from services.erasure import erase_case

    erase_case(app, build_erasures(settings, postgres), UUID(case_id), "SN 2027/1", "cli:uid0@host")


def published_rows(postgres) -> list[tuple]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute(f"SELECT municipality, year, answer::text FROM {TABLE}").fetchall()


def test_an_erasure_after_an_evaluators_first_read_changes_nothing_an_evaluator_is_told_of_the_year(
        client, users, tick, app, settings, postgres, context):
    culled = a_year_of_cases(client, users, tick, app)
    first = client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users))
    assert (ok(first)["cases"], first.json()["erased_cases"]) == (11, 0)
    tick()
    erase(app, settings, postgres, culled)
    # Every evaluator — the same or another — is told the year as it was first made, byte for byte.
    for headers in (evaluator(users), evaluator(users, "forskare-1")):
        again = client.get("/api/v1/statistics", params=PERIOD, headers=headers)
        assert again.status_code == 200 and again.content == first.content, (again.text, first.text)
    assert first.json()["fixed_at"] == "2027-01-03T08:00:00Z"
    # Social services and auditors read the year as it stands: the erased case has left it.
    live = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.auditor))
    assert (live["cases"], live["erased_cases"], live["fixed_at"]) == (10, "<5", None)
    page = web_as(context, settings, "socialstyrelsen").get("/statistik", params={"kommun": "0180", "ar": "2026"})
    assert page.status_code == 200 and "Fastställd 2027-01-03" in page.text, page.text[-3000:]
    # Counted as the cases stood when the year ended, and said so: not "as it stands today", as social services' is.
    assert text.PERIOD_RULE_AT_YEAR_END in page.text and text.PERIOD_RULE not in page.text
    own = web_as(context, settings, "soc-0180").get("/statistik", params={"kommun": "0180", "ar": "2026"})
    assert text.PERIOD_RULE in own.text and text.PERIOD_RULE_AT_YEAR_END not in own.text
    csv = web_as(context, settings, "socialstyrelsen").get("/statistik.csv", params={"kommun": "0180", "ar": "2026"})
    assert f",cases,total,{text.CASES},11\n" in csv.text and f",erased_cases,total,{text.ERASED},0\n" in csv.text
    # Each read is still one entry of the access log; the year is kept once, and holds the figures alone.
    runs = context.cases.access_log.search(AccessQuery(case_id=STATISTICS_RUN, agency="socialstyrelsen", limit=100))
    assert len(runs) == 5
    [(municipality, year, answer)] = published_rows(postgres)
    assert (municipality, year) == ("0180", 2026)
    assert culled not in answer and REFERRAL["personnummer"] not in answer and BOY not in answer
    assert set(json.loads(answer)) == {"figures", "erased", "unreadable"}


def test_two_evaluators_reading_a_year_first_at_once_are_told_the_same(client, users, tick, app, settings, postgres,
                                                                         context):
    """Both find the year not yet kept and make it; one is erased between the first's run and the second's, so
    the two make different figures — and the second is told the first's, the one kept."""
    culled = a_year_of_cases(client, users, tick, app)
    cases = context.cases
    store = cases.published_statistics
    both_looked, first_done = threading.Barrier(2, timeout=30), threading.Event()

    class LookingTogether:   # the real store; each reader waits until both have found the year not kept
        def published(self, municipality, year):
            found = store.published(municipality, year)
            both_looked.wait()
            if threading.current_thread().name != "first":
                assert first_done.wait(30)   # the second runs once the first is kept and the case erased
            return found

        def publish(self, *args):
            return store.publish(*args)

    cases.published_statistics = LookingTogether()
    answers: dict[str, object] = {}

    def read(name: str) -> None:
        threading.current_thread().name = name
        answers[name] = cases.statistics(EVALUATOR, "0180", "2026-01-01", "2026-12-31")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(read, "first")
        second = pool.submit(read, "second")
        first.result(timeout=60)
        erase(app, settings, postgres, culled)
        first_done.set()
        second.result(timeout=60)
    assert answers["first"].figures["cases"] == 11
    assert answers["second"] == answers["first"]
    assert len(published_rows(postgres)) == 1
    cases.published_statistics = store
    made_now = cases.statistics(Principal("ivo", "Inspektör", "ivo", frozenset({Role.AUDITOR})), "0180",
                                "2026-01-01", "2026-12-31")
    assert made_now.figures["cases"] == 10   # the erasure happened: only the evaluators' year is fixed


def test_a_year_with_a_case_whose_key_is_damaged_is_told_to_no_evaluator_until_the_key_is_back(
        client, users, tick, app, settings, postgres, context):
    """Served as made then (and not kept), the year without the damaged case was differenced with the one kept once
    the key was back — that case's young person — and two reads while it was damaged with an erasure between gave
    the erased one: the evaluator is refused (409, the key's), social services and auditors read it as before."""
    culled = a_year_of_cases(client, users, tick, app)
    damaged = referred(client, users, BOY)   # its referral typed in 2027 for a 2026 date: not in the year's figures
    ok(client.get("/api/v1/cases", headers=users.social))   # the views take it in (they would wait at its events)
    with psycopg.connect(postgres.conninfo()) as conn:
        [(wrapped,)] = conn.execute("SELECT wrapped_key FROM sigill_data_keys WHERE aggregate_id = %s",
                                    (damaged,)).fetchall()
    _damage_key(postgres, app, damaged)
    refused = client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "data_key_damaged", refused.text
    assert "cases" not in refused.json() and damaged not in refused.text
    page = web_as(context, settings, "socialstyrelsen").get("/statistik", params={"kommun": "0180", "ar": "2026"})
    assert page.status_code == 409 and "Fastställd" not in page.text
    assert published_rows(postgres) == []   # known incomplete: nothing kept
    live = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.auditor))
    assert (live["cases"], live["unreadable_cases"], live["fixed_at"]) == (11, "<5", None)
    erase(app, settings, postgres, culled)
    again = client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users))
    assert again.status_code == 409, again.text
    assert published_rows(postgres) == []
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # the operator restores the key's row
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = %s WHERE aggregate_id = %s", (wrapped, damaged))
    app.keystore._cache.forget_keys()
    kept = ok(client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users)))
    assert (kept["cases"], kept["unreadable_cases"], kept["fixed_at"]) == (10, 0, "2027-01-03T08:00:00Z")


def test_a_published_year_cannot_be_changed_or_removed_even_by_the_tables_role(client, users, app, postgres):
    app.clock.set(datetime(2027, 1, 3, 9, 0, tzinfo=STOCKHOLM))
    ok(client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users)))
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        for statement in (f"UPDATE {TABLE} SET answer = '{{}}'", f"DELETE FROM {TABLE}", f"TRUNCATE {TABLE}"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
    assert len(published_rows(postgres)) == 1


def test_a_published_year_is_told_in_the_same_bytes_by_a_process_whose_session_time_zone_differs(
        client, users, app, postgres, context, monkeypatch):
    """``fixed_at`` came back in the session's TimeZone: a process with PGTZ=Europe/Stockholm said "+01:00" of the
    moment another had said "Z", so the year was no longer the first answer byte for byte."""
    from gateways.published_statistics_store import PostgresPublishedStatistics

    app.clock.set(datetime(2027, 1, 3, 9, 0, tzinfo=STOCKHOLM))
    first = client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users))
    assert ok(first)["fixed_at"] == "2027-01-03T08:00:00Z"
    monkeypatch.setenv("PGTZ", "Europe/Stockholm")   # another process's libpq: its sessions' TimeZone
    kept = context.cases.published_statistics
    elsewhere = PostgresPublishedStatistics(postgres.conninfo())
    try:
        context.cases.published_statistics = elsewhere
        again = client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users))
    finally:
        context.cases.published_statistics = kept
        elsewhere.close()
    assert again.status_code == 200 and again.content == first.content, (again.text, first.text)
