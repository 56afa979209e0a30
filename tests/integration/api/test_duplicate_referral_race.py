"""Two referrals of the same young person at the same instant open one case: the other is told of it (409
possible_duplicate).  The check and the referral's append take turns per municipality, across workers — two
caseworkers on one worker, or two workers each with its own application on the same database — and the check finds
a referral that is stored and not yet in the agency views it reads (the views waiting at a case whose key is
damaged).  The race is made certain, not left to timing: each referral waits, between its check and its append, for
the other to get there too (``_meeting_before_the_append``); while they take turns, the other never gets there, and
the first goes on after a short wait."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import psycopg
import pytest

from domain.errors import DomainError
from services.bootstrap import build_api_context, build_application
from services.principals import Principal, Role
from tests.integration.api.flows import FIRST_REFERRAL, events_of

REFERRAL = {**{k: v for k, v in FIRST_REFERRAL.items() if k != "municipality"}, "referral_date": date(2026, 2, 1)}
OTHER_PERSON = "200907224919"
MEETING_WAIT = 1.5   # seconds the first referral waits for the other between its check and its append


def _caseworker(subject: str) -> Principal:
    return Principal(subject, "Handläggare", "socialtjanst", frozenset({Role.CASEWORKER}), "0180")


def _meeting_before_the_append(app, meeting: threading.Barrier, monkeypatch) -> None:
    """The application's append of a referral waits for the other referral's to be there too (or the short wait
    out): a check that runs while the other referral is between its own check and append is certain."""
    append = app.receive_referral

    def after_meeting(**referral):
        try:
            meeting.wait(MEETING_WAIT)
        except threading.BrokenBarrierError:
            pass   # the other is not between its check and its append: it waits for this one's turn to end
        return append(**referral)

    monkeypatch.setattr(app, "receive_referral", after_meeting)


def _outcome(service, principal: Principal, **changes):
    try:
        return service.open_case(principal, municipality="0180", **{**REFERRAL, **changes})
    except DomainError as refused:
        return refused


def _race(*referrals):
    """The referrals at once, each (service, caseworker, changes): each one's outcome (the case written, or the
    refusal)."""
    with ThreadPoolExecutor(len(referrals)) as pool:
        return [f.result(30) for f in [pool.submit(_outcome, service, principal, **changes)
                                       for service, principal, changes in referrals]]


def _referrals_stored(postgres) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT count(*) FROM sigill_events WHERE topic LIKE %s",
                            ("%:ReferralReceived",)).fetchone()[0]


def _one_opened_and_the_other_told(outcomes) -> None:
    opened = [o for o in outcomes if not isinstance(o, DomainError)]
    told = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(opened) == 1, f"both referrals opened a case: {outcomes}"
    assert [t.code for t in told] == ["possible_duplicate"]
    assert [case_id for case_id, _ in told[0].cases] == [opened[0].case_id]


@pytest.fixture
def other_worker(app, settings, postgres):
    """Another worker: its own application (caches, case numbers, group commit) and views runner, the same database."""
    other_app = build_application(settings, clock=app.clock, location=postgres)
    context = build_api_context(other_app, settings, postgres)
    yield context
    context.close()
    other_app.close()


def test_two_caseworkers_at_once_on_one_worker_open_one_case(context, postgres, monkeypatch):
    _meeting_before_the_append(context.cases.app, threading.Barrier(2), monkeypatch)
    service = context.cases
    outcomes = _race((service, _caseworker("soc-1"), {}), (service, _caseworker("soc-2"), {}))
    _one_opened_and_the_other_told(outcomes)
    assert _referrals_stored(postgres) == 1


def test_two_workers_at_once_open_one_case(context, other_worker, postgres, monkeypatch):
    meeting = threading.Barrier(2)
    for worker in (context, other_worker):
        _meeting_before_the_append(worker.cases.app, meeting, monkeypatch)
    outcomes = _race((context.cases, _caseworker("soc-1"), {}),
                     (other_worker.cases, _caseworker("soc-2"), {}))
    _one_opened_and_the_other_told(outcomes)
    assert _referrals_stored(postgres) == 1


def test_referrals_of_two_young_people_at_once_both_open(context, other_worker, postgres):
    outcomes = _race((context.cases, _caseworker("soc-1"), {}),
                     (other_worker.cases, _caseworker("soc-2"), {"personnummer": OTHER_PERSON}))
    assert not any(isinstance(o, DomainError) for o in outcomes), outcomes
    assert _referrals_stored(postgres) == 2


def test_a_confirmed_referral_at_the_same_instant_records_the_case_opened_before_it(context, other_worker, postgres,
                                                                                    monkeypatch):
    """Confirmed, it opens its case either way; taking turns, it records the case the other opened (it is in the
    record when it came second, and the other records it when it came first)."""
    meeting = threading.Barrier(2)
    for worker in (context, other_worker):
        _meeting_before_the_append(worker.cases.app, meeting, monkeypatch)
    first, confirmed = _race((context.cases, _caseworker("soc-1"), {}),
                             (other_worker.cases, _caseworker("soc-2"), {"duplicate_confirmed": True}))
    assert not isinstance(confirmed, DomainError), confirmed
    if isinstance(first, DomainError):   # the confirmed one came first: the other was told of it
        assert [case_id for case_id, _ in first.cases] == [confirmed.case_id]
    else:
        recorded = context.cases.app.get_case(confirmed.case_id)
        assert [o.case_id for o in recorded.despite_open_cases] == [str(first.case_id)]


def _damage_key(postgres, app, case_id) -> None:
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = set_byte(wrapped_key, 5, get_byte(wrapped_key, 5) # 1)"
                     " WHERE aggregate_id = %s", (case_id,))
    app.keystore._cache.forget_keys()   # as a restarted server: the key is read from its row again


def test_a_referral_stored_and_not_yet_in_the_views_is_found(context, app, postgres):
    """The views wait at a case whose key is damaged (they may skip no event): a referral stored after it is in no
    view the check reads, and was not found — a second case opened silently, until the key was mended."""
    service, social = context.cases, _caseworker("soc-1")
    damaged = service.open_case(social, municipality="0180", **{**REFERRAL, "personnummer": OTHER_PERSON})
    _damage_key(postgres, app, damaged.case_id)
    first = service.open_case(social, municipality="0180", **REFERRAL)
    assert first.case_id not in {r["case_id"] for r in service.lists.cases("socialtjanst", "0180")}   # behind
    with pytest.raises(DomainError) as told:
        service.open_case(social, municipality="0180", **REFERRAL)
    assert told.value.code == "possible_duplicate"
    assert told.value.cases == ((first.case_id, first.value),)
    assert events_of(postgres, str(first.case_id)) == 1 and _referrals_stored(postgres) == 2


def test_a_case_closed_after_the_views_position_is_no_duplicate(context, app, postgres, tick):
    """What is stored after the views' position counts as the views would count it: a case closed there is closed."""
    service, social = context.cases, _caseworker("soc-1")
    first = service.open_case(social, municipality="0180", **REFERRAL)
    damaged = service.open_case(social, municipality="0180", **{**REFERRAL, "personnummer": OTHER_PERSON})
    _damage_key(postgres, app, damaged.case_id)
    tick()
    service.command(social, "close_case", first.case_id, None, reason="moved", outcome="Flyttat.")
    assert first.case_id in {r["case_id"] for r in service.lists.cases("socialtjanst", "0180")
                             if r["phase"] != "closed"}   # the views still say open: they wait at the damaged case
    second = service.open_case(social, municipality="0180", **REFERRAL)
    assert second.case_id != first.case_id


def test_a_turn_that_does_not_come_is_a_409_to_send_again_and_other_municipalities_go_on(client, users, postgres,
                                                                                        monkeypatch):
    """Another process holds the municipality's turn (stuck): the referral is refused after the wait, as a concurrent
    change with no field at fault, and nothing is stored; a referral of another municipality does not wait."""
    from gateways import referral_lock

    monkeypatch.setattr(referral_lock, "WAIT_SECONDS", 0.3)
    with psycopg.connect(postgres.conninfo(), autocommit=True) as stuck:
        stuck.execute("SELECT pg_advisory_lock(%s, %s)", (referral_lock.LOCK_CLASS,
                                                          referral_lock.lock_key("public", "0180")))
        refused = client.post("/api/v1/cases", json=FIRST_REFERRAL, headers=users.social)
        assert refused.status_code == 409, refused.text
        assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == ("concurrent_change", None)
        assert _referrals_stored(postgres) == 0
        elsewhere = client.post("/api/v1/cases", json={**FIRST_REFERRAL, "municipality": "1280"},
                                headers=users.headers("socialtjanst", "caseworker", municipality="1280"))
        assert elsewhere.status_code == 201, elsewhere.text
    assert client.post("/api/v1/cases", json=FIRST_REFERRAL, headers=users.social).status_code == 201
