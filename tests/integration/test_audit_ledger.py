"""The audit ledger on real PostgreSQL: alter, delete or swap stored events and verification names it."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest

from services.bootstrap.audit import build_ledger
from services.audit import CaseHistoryAltered
from tests.builders import SOCIAL
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


def test_a_checkpoint_listed_twice_in_an_exported_file_is_read_once(history, ledger):
    """A file that lists one checkpoint twice (joined from two exports, say) made verify say "1 signerad
    kontrollpunkt bekräftad (däribland alla 2 i den exporterade filen)"; the API and the web read it alike."""
    from services.audit import read_exported

    ledger.seal()
    document = json.loads(ledger.export())
    document["checkpoints"] = document["checkpoints"] * 2
    kept = read_exported(json.dumps(document))
    assert kept and kept == read_exported(ledger.export())


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




def as_superuser(postgres, *statements, params=()) -> None:
    """The insider with the database's superuser (no ledger key): the triggers off, the statements, on again."""
    with psycopg.connect(postgres.conninfo()) as conn:
        for table in ("sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
        for statement in statements:
            conn.execute(statement, params)
        for table in ("sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")


@pytest.fixture
def withdrawn_then_other(app, ledger, postgres):
    """A case whose last event is a withdrawal, then another case's event right after it, sealed after every
    command as the follower does."""
    one = consenting_school(app)
    other, _ = open_case(app)
    ledger.seal()
    young = next(c for c in app.get_case(one).consents.values() if c.consenter == "young_person")
    app.clock.advance(timedelta(hours=1))
    app.withdraw_consent(one, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    ledger.seal()
    withdrawal = last_event(postgres)
    app.clock.advance(timedelta(hours=1))
    app.decide_eligibility(other, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(),
                           decided_on=app.clock.now().date())
    ledger.seal()
    return one, other, withdrawal


def last_event(postgres) -> tuple[int, object, int]:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT notification_id, originator_id, originator_version FROM sigill_events"
                            " ORDER BY notification_id DESC LIMIT 1").fetchone()


def test_a_withdrawal_removed_with_its_ledger_entry_and_checkpoint_refuses_the_case(withdrawn_then_other, ledger,
                                                                                   postgres):
    """The case's history without its withdrawal still reads, and each of its remaining entries still verifies:
    only the chain after its last entry shows that something was taken out there (a red team's finding: the
    withdrawn consent replayed as in force)."""
    one, other, (nid, _, version) = withdrawn_then_other
    assert ledger.case_divergence(one) is None and ledger.case_divergence(other) is None
    as_superuser(postgres, *[f"DELETE FROM {table} WHERE notification_id = %s" for table in
                             ("sigill_events", "sigill_ledger", "sigill_ledger_checkpoints")], params=(nid,))
    d = ledger.case_divergence(one)
    assert (d.kind, d.case_id, d.version) == ("altered_or_removed_after", one, version - 1)
    assert d.between[1] == nid + 1 and d.between[0] < nid
    # The other case's event after the gap cannot be checked: refused, but never said to be altered.
    d = ledger.case_divergence(other)
    assert d.kind == "altered_or_removed_before" and d.notification_id == nid + 1
    # verify names the first link that fails, as what it may be: that event, or one removed just before it.
    d = ledger.verify().divergence
    assert (d.kind, d.notification_id, d.case_id, d.between) == ("altered_or_removed_before", nid + 1, other,
                                                                 (nid - 1, nid + 1))


def test_a_withdrawal_cut_from_the_ledgers_end_under_its_checkpoint_refuses_the_case(app, ledger, postgres):
    """The withdrawal was the ledger's last entry: removed with its entry, no link follows to break, but the
    checkpoint signed over it still names its position.  verify said the ledger was cut; the case's check read the
    shortened history as whole, and replay and disclosures showed the withdrawn consent in force (exit 0)."""
    one = consenting_school(app)
    ledger.seal()
    young = next(c for c in app.get_case(one).consents.values() if c.consenter == "young_person")
    app.withdraw_consent(one, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    ledger.seal()
    nid, _, version = last_event(postgres)
    as_superuser(postgres, *[f"DELETE FROM {table} WHERE notification_id = %s" for table in
                             ("sigill_events", "sigill_ledger")], params=(nid,))
    assert ledger.verify().divergence.kind == "checkpoint"
    d = ledger.case_divergence(one)
    assert (d.kind, d.case_id, d.version) == ("altered_or_removed_after", one, version - 1)
    assert d.between == (nid - 1, nid)
    with pytest.raises(CaseHistoryAltered):
        ledger.checked_events(one)
    # Said as what was found: entry nid itself is gone, and no "event between" nid - 1 and nid could be (auditor, last
    # time: "en händelse mellan 16 och 17").  One wording for every surface: the report's and the web's from
    # describe_divergence and swedish_detail, the API's in detail.
    from services.ledger_texts import describe_divergence
    from services.report_checks import altered
    assert d.detail == (f"the ledger ends at position {nid - 1}, but a signed checkpoint covers position {nid}: the"
                        f" ledger's entries after {nid - 1} were removed, perhaps with this case's next events")
    swedish = (f"liggaren slutar vid position {nid - 1}, men en signerad kontrollpunkt täcker position {nid}: liggarens"
               f" poster efter {nid - 1} har tagits bort, kanske med ärendets nästa händelser")
    assert describe_divergence(d).endswith(swedish) and altered(d).endswith(swedish)
    assert "mellan" not in describe_divergence(d) and "between" not in d.detail


def test_positions_skipped_by_rolled_back_writes_after_a_cases_last_event_refuse_nothing(withdrawn_then_other,
                                                                                          ledger, app, postgres):
    """A write refused (a concurrent change's 409) leaves its position unused: the gap scan after a case's last
    entry recomputes the link there, from the entry before, and finds it whole."""
    one, other, _ = withdrawn_then_other
    for _ in range(2):
        with psycopg.connect(postgres.conninfo()) as conn:
            conn.execute("SELECT nextval(pg_get_serial_sequence('sigill_events', 'notification_id'))")
        app.clock.advance(timedelta(hours=1))
        open_case(app)
    ledger.seal()
    with psycopg.connect(postgres.conninfo()) as conn:
        positions = [r[0] for r in conn.execute("SELECT notification_id FROM sigill_ledger ORDER BY 1")]
    assert len([p for p, q in zip(positions, positions[1:]) if q > p + 1]) == 2   # two gaps after the case's end
    assert ledger.case_divergence(one) is None and ledger.case_divergence(other) is None
    assert ledger.verify().intact


def test_an_event_at_the_next_position_altered_is_not_the_previous_cases_concern(withdrawn_then_other, ledger,
                                                                                postgres):
    one, other, (nid, _, _) = withdrawn_then_other
    tamper(postgres, "UPDATE sigill_events SET state = set_byte(state, 19, get_byte(state, 19) # 1)"
                     " WHERE notification_id = %s", nid + 1)
    assert ledger.case_divergence(one) is None
    assert ledger.case_divergence(other).kind == "altered"


def test_an_exported_checkpoint_the_ledger_no_longer_reaches_is_told_as_the_files(history, ledger, postgres):
    """A ledger cut short with its checkpoints: the store alone cannot tell; the file's good checkpoint can, and
    it is the exported checkpoint that the ledger no longer matches."""
    from services.audit import read_exported
    from services.ledger_texts import UNREACHED_EXPORTED

    consenting_school(history)
    ledger.seal()
    kept = read_exported(ledger.export())
    cut = kept[-2].notification_id
    as_superuser(postgres, *[f"DELETE FROM {t} WHERE notification_id > %s" for t in
                             ("sigill_events", "sigill_ledger", "sigill_ledger_checkpoints")], params=(cut,))
    assert ledger.verify().intact
    d = ledger.verify(kept).divergence
    assert d.kind == "checkpoint" and d.detail == UNREACHED_EXPORTED


def test_a_file_checkpoint_with_a_bad_signature_is_a_bad_file_not_a_changed_ledger(history, ledger):
    from dataclasses import replace

    from services.audit import InvalidCheckpointFile, read_exported

    kept = read_exported(ledger.export())
    with pytest.raises(InvalidCheckpointFile, match=f"checkpoint {len(kept)} of the file has a signature"):
        ledger.verify([*kept[:-1], replace(kept[-1], signature=bytes(64))])
