"""The audit ledger on real PostgreSQL: alter, delete or swap stored events and verification names it."""

from __future__ import annotations


import psycopg
import pytest

from services.bootstrap import build_ledger
from tests.service_behaviour import consenting_school, open_case


@pytest.fixture
def ledger(app, settings, postgres):
    return build_ledger(app, settings, postgres)


@pytest.fixture
def history(app, ledger):
    consenting_school(app)
    open_case(app)
    assert ledger.seal() > 10
    return app


def tamper(postgres, statement: str, *params) -> None:
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute(statement, params)


def event_at(postgres, position: int) -> tuple[int, object, int]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT notification_id, originator_id, originator_version FROM sigill_events"
                            " ORDER BY notification_id OFFSET %s LIMIT 1", (position,)).fetchone()


def test_an_untouched_store_verifies(history, ledger):
    result = ledger.verify()
    assert result.intact and result.checked > 10 and result.checkpoints >= 1


def test_an_altered_event_is_caught_and_named(history, ledger, postgres):
    nid, case_id, version = event_at(postgres, 5)
    # One bit flipped: writing a fixed byte left the state unchanged whenever the ciphertext had it there already
    # (1 in 256 runs: a CI run failed so).
    tamper(postgres, "UPDATE sigill_events SET state = set_byte(state, 19, get_byte(state, 19) # 1)"
                     " WHERE notification_id = %s", nid)
    d = ledger.verify().divergence
    assert (d.kind, d.notification_id, d.case_id, d.version) == ("altered", nid, case_id, version)


def test_a_deleted_event_is_caught_and_named(history, ledger, postgres):
    nid, case_id, _ = event_at(postgres, 3)
    tamper(postgres, "DELETE FROM sigill_events WHERE notification_id = %s", nid)
    d = ledger.verify().divergence
    assert (d.kind, d.notification_id, d.case_id) == ("removed", nid, case_id)


def test_two_swapped_events_are_caught(history, ledger, postgres):
    first, second = event_at(postgres, 4)[0], event_at(postgres, 7)[0]
    tamper(postgres, "UPDATE sigill_events SET notification_id = -1 WHERE notification_id = %s", first)
    tamper(postgres, "UPDATE sigill_events SET notification_id = %s WHERE notification_id = %s", first, second)
    tamper(postgres, "UPDATE sigill_events SET notification_id = %s WHERE notification_id = -1", second)
    d = ledger.verify().divergence
    assert (d.kind, d.notification_id) == ("reordered", first)


def test_the_ledger_refuses_updates_deletes_and_truncation(history, postgres):
    for statement in ("DELETE FROM sigill_ledger", "UPDATE sigill_ledger SET link = link",
                      "TRUNCATE sigill_ledger, sigill_ledger_checkpoints", "TRUNCATE sigill_ledger_checkpoints"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            tamper(postgres, statement)


def test_new_events_are_unsealed_until_the_next_seal(history, ledger):
    consenting_school(history)
    assert ledger.verify().unsealed > 0
    ledger.seal()
    result = ledger.verify()
    assert result.intact and result.unsealed == 0


def test_exported_checkpoints_catch_an_insider_who_rewrote_the_whole_ledger(history, ledger, postgres):
    from services.audit import read_exported

    kept = read_exported(ledger.export())
    nid = event_at(postgres, 2)[0]
    with psycopg.connect(postgres.conninfo()) as conn:  # the insider: disables the guard, rewrites, re-seals
        conn.execute("ALTER TABLE sigill_ledger DISABLE TRIGGER append_only")
        conn.execute("ALTER TABLE sigill_ledger_checkpoints DISABLE TRIGGER append_only")
        conn.execute("DELETE FROM sigill_ledger")
        conn.execute("DELETE FROM sigill_ledger_checkpoints")
        conn.execute("UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE notification_id = %s", (nid,))
    ledger.seal()
    assert ledger.verify().intact                      # the store alone now looks consistent…
    d = ledger.verify(kept).divergence                 # …but not against what JO kept
    assert d.kind == "checkpoint"


def test_destroying_a_case_key_does_not_break_verification(history, ledger):
    case_id, _ = open_case(history)
    ledger.seal()
    history.keystore.destroy(case_id)
    assert ledger.verify().intact


