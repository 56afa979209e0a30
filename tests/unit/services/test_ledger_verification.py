"""Verification of the hash chain, on rows made in memory: each kind of change is named exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from uuid import uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.audit import signature_ok
from services.ledger import GENESIS, Checkpoint, StoredRow, as_pair, chain, checkpoint_message, verify, verify_case

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def rows(n: int = 6) -> list[StoredRow]:
    case = uuid4()
    return [StoredRow(i, case, i, "domain.case_events:X", bytes([i]) * 40) for i in range(1, n + 1)]


def sealed(stored: list[StoredRow]):
    return list(chain(stored, GENESIS))


def check(stored, entries, checkpoints=()):
    by_id = {r.notification_id: r for r in stored}
    ids = sorted({*by_id, *(e.notification_id for e in entries)})
    entry_by_id = {e.notification_id: e for e in entries}
    pairs = [as_pair(by_id.get(i), entry_by_id.get(i)) for i in ids]
    return verify(pairs, checkpoints, signature_ok, {PUBLIC})


def signed(entry) -> Checkpoint:
    return Checkpoint(entry.notification_id, entry.link, datetime.now(timezone.utc), PUBLIC,
                      KEY.sign(checkpoint_message(entry.notification_id, entry.link)))


def test_an_untouched_history_verifies():
    stored = rows()
    entries = sealed(stored)
    result = check(stored, entries, [signed(entries[-1])])
    assert result.intact and result.checked == 6 and result.checkpoints == 1


def test_an_altered_event_is_named():
    stored = rows()
    entries = sealed(stored)
    stored[2] = replace(stored[2], state=b"changed")
    d = check(stored, entries).divergence
    assert (d.kind, d.notification_id, d.version) == ("altered", 3, 3)


def test_a_removed_event_is_named():
    stored = rows()
    entries = sealed(stored)
    del stored[3]
    d = check(stored, entries).divergence
    assert (d.kind, d.notification_id) == ("removed", 4)


def test_two_swapped_events_are_named():
    stored = rows()
    entries = sealed(stored)
    a, b = stored[1], stored[4]
    stored[1] = replace(b, notification_id=2)
    stored[4] = replace(a, notification_id=5)
    d = check(stored, entries).divergence
    assert (d.kind, d.notification_id) == ("reordered", 2)


def test_an_event_slipped_in_before_sealed_ones_is_named():
    stored = rows()
    # Rebuild the ledger as if event 3 had never existed, then "insert" it.
    without = [r for r in stored if r.notification_id != 3]
    entries = sealed(without)
    d = check(stored, entries).divergence
    assert (d.kind, d.notification_id) == ("inserted", 3)


def test_events_after_the_ledger_are_counted_as_unsealed_not_as_changes():
    stored = rows()
    entries = sealed(stored[:4])
    result = check(stored, entries, [signed(entries[-1])])   # a seal signs its batch's last entry
    assert result.intact and result.checked == 4 and result.unsealed == 2


def test_a_ledger_whose_last_entry_no_checkpoint_covers_fails():
    """Sealing signs each batch's last entry in the same transaction: checkpoints removed (the triggers
    disabled), or entries appended by hand after the last signature, leave a head no signature covers."""
    stored = rows()
    entries = sealed(stored)
    d = check(stored, entries).divergence
    assert (d.kind, d.notification_id) == ("checkpoint", 6) and "no signed checkpoint covers" in d.detail
    d = check(stored, entries, [signed(entries[3])]).divergence   # entries 5 and 6 added after it
    assert (d.kind, d.notification_id) == ("checkpoint", 6)
    assert check(stored, entries, [signed(entries[3]), signed(entries[5])]).intact


def test_a_seal_committed_while_verify_ran_is_covered_by_its_checkpoint_read_again():
    """Checkpoints are read before the walk: a seal in between adds entries and their checkpoint at once."""
    stored = rows()
    entries = sealed(stored)
    by_id, entry_by_id = {r.notification_id: r for r in stored}, {e.notification_id: e for e in entries}
    pairs = [as_pair(by_id[i], entry_by_id[i]) for i in sorted(by_id)]
    result = verify(pairs, [signed(entries[3])], signature_ok, {PUBLIC},
                    stored_now=lambda: [signed(entries[3]), signed(entries[5])])
    assert result.intact and result.checkpoints == 2
    forged = replace(signed(entries[5]), signature=bytes(64))
    d = verify(pairs, [signed(entries[3])], signature_ok, {PUBLIC}, stored_now=lambda: [forged]).divergence
    assert (d.kind, d.notification_id) == ("checkpoint", 6) and "signature" in d.detail


def test_a_checkpoint_with_a_forged_signature_fails():
    stored = rows()
    entries = sealed(stored)
    forged = replace(signed(entries[-1]), signature=bytes(64))
    assert check(stored, entries, [forged]).divergence.kind == "checkpoint"


def test_a_checkpoint_from_an_untrusted_key_fails():
    stored = rows()
    entries = sealed(stored)
    other = Ed25519PrivateKey.generate()
    cp = Checkpoint(6, entries[-1].link, datetime.now(timezone.utc),
                    other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
                    other.sign(checkpoint_message(6, entries[-1].link)))
    assert "not trusted here" in check(stored, entries, [cp]).divergence.detail


def test_a_rewritten_chain_does_not_reach_a_kept_checkpoint():
    stored = rows()
    kept = signed(sealed(stored)[-1])          # what JO took home
    stored[0] = replace(stored[0], state=b"rewritten")
    rewritten = sealed(stored)                  # an insider recomputes the whole ledger
    d = check(stored, rewritten, [kept]).divergence
    assert d.kind == "checkpoint" and "does not reach" in d.detail


# One case among others: what an auditor's replay checks before it shows anything of the case.

def two_cases() -> tuple[list[StoredRow], object, object]:
    one, two = uuid4(), uuid4()
    stored = [StoredRow(i, one if i % 2 else two, (i + 1) // 2, "domain.case_events:X", bytes([i]) * 40)
              for i in range(1, 11)]   # the cases' events interleaved, as in a real store
    return stored, one, two


def check_case(stored, entries, case):
    """The case's rows as the store gives them: each with the ledger entry before it; and after the case's last
    entry, each entry at a position that does not follow on from the entry before it, with its stored event."""
    ours = [r for r in stored if r.originator_id == case]
    our_entries = [e for e in entries if e.originator_id == case]
    by_id, entry_by_id = {r.notification_id: r for r in ours}, {e.notification_id: e for e in our_entries}
    every_event = {r.notification_id: r for r in stored}
    ordered = sorted(entries, key=lambda e: e.notification_id)
    before = {e.notification_id: (p.notification_id, p.link) for p, e in zip(ordered, ordered[1:])}
    last = max(entry_by_id, default=None)
    gaps = [(as_pair(every_event.get(e.notification_id), e), (p.notification_id, p.link))
            for p, e in zip(ordered, ordered[1:])
            if last is not None and p.notification_id >= last and e.notification_id > p.notification_id + 1]
    ids = sorted({*by_id, *entry_by_id})
    rows = [(as_pair(by_id.get(i), entry_by_id.get(i)), before.get(i)) for i in ids]
    return verify_case(rows, max((e.notification_id for e in entries), default=0), gaps)


def test_a_case_whose_history_is_whole_passes_though_others_are_interleaved():
    stored, one, two = two_cases()
    entries = sealed(stored)
    assert check_case(stored, entries, one) is None and check_case(stored, entries, two) is None


def test_a_case_cut_short_at_its_end_is_named_though_its_history_still_reads():
    stored, one, _ = two_cases()
    entries = sealed(stored)
    last = max(r.notification_id for r in stored if r.originator_id == one)
    stored = [r for r in stored if r.notification_id != last]
    d = check_case(stored, entries, one)
    assert (d.kind, d.notification_id, d.case_id, d.version) == ("removed", last, one, 5)


def test_an_altered_event_of_the_case_is_named_and_another_cases_change_is_not_its_concern():
    stored, one, two = two_cases()
    entries = sealed(stored)
    stored[3] = replace(stored[3], state=b"changed")   # notification 4: the second case's
    d = check_case(stored, entries, two)
    assert (d.kind, d.notification_id, d.case_id, d.version) == ("altered", 4, two, 2)
    assert check_case(stored, entries, one) is None


def test_a_case_event_slipped_in_before_the_ledgers_end_is_named_and_one_after_it_is_only_unsealed():
    stored, one, _ = two_cases()
    entries = sealed(stored)
    later = stored + [StoredRow(11, one, 6, "domain.case_events:X", b"new")]
    assert check_case(later, entries, one) is None   # stored after the last seal: not sealed yet
    without_3 = [e for e in entries if e.notification_id != 3]
    d = check_case(stored, without_3, one)
    assert (d.kind, d.notification_id) == ("inserted", 3)


def without(stored, entries, *positions):
    """Events removed together with their ledger entries (the insider who disabled the triggers)."""
    return ([r for r in stored if r.notification_id not in positions],
            [e for e in entries if e.notification_id not in positions])


def test_events_after_the_last_seal_keep_the_cases_sequence_one_missing_or_slipped_in_among_them_is_named():
    """Not sealed, the last of them could go unseen; but one removed from among them leaves a version missing before
    a later one, and one slipped in at a version taken (0, or a copy of one sealed) stands out of sequence."""
    stored, one, _ = two_cases()
    entries = sealed(stored)
    after = [StoredRow(11, one, 6, "domain.case_events:X", b"6"), StoredRow(12, one, 7, "domain.case_events:X", b"7")]
    assert check_case(stored + after, entries, one) is None
    d = check_case(stored + after[1:], entries, one)
    assert (d.kind, d.notification_id, d.case_id, d.version) == ("removed", 12, one, 6)
    for slipped in (0, 3, 6):
        d = check_case(stored + after + [StoredRow(13, one, slipped, "domain.case_events:X", b"x")], entries, one)
        assert (d.kind, d.notification_id, d.case_id, d.version) == ("inserted", 13, one, slipped)


def test_a_case_event_removed_with_its_ledger_entry_is_noticed_for_the_case_though_its_history_still_reads():
    """A case's last event (a withdrawal) and its ledger entry removed: the case's own entries all still verify,
    and the entry after it — another case's, not right after the case's last remaining one — no longer follows."""
    stored, one, two = two_cases()
    stored, entries = without(stored, sealed(stored), 9)   # the first case's last; 8 and 10 are the other's
    d = check_case(stored, entries, one)
    assert (d.kind, d.notification_id, d.case_id, d.version, d.between) == (
        "altered_or_removed_after", 7, one, 4, (8, 10))
    assert "removed with its ledger entry" in d.detail
    # The other case's event after the gap cannot be checked either: it is refused, but not said to be altered.
    d = check_case(stored, entries, two)
    assert (d.kind, d.notification_id, d.between) == ("altered_or_removed_before", 10, (8, 10))
    assert "or one removed just before it (between positions 8 and 10)" in d.detail


def test_a_case_event_removed_with_its_entry_before_the_cases_last_is_a_missing_version():
    stored, one, _ = two_cases()
    stored, entries = without(stored, sealed(stored), 5)   # the first case's version 3
    d = check_case(stored, entries, one)
    assert (d.kind, d.case_id, d.version, d.between) == ("removed", one, 3, (3, 7))


def test_another_cases_event_removed_with_its_entry_is_named_as_its_own_and_not_as_a_change_of_the_next():
    """The first case's event after the gap can no longer be checked (its link was made over the removed one): it
    is refused as "this event, or one removed just before it", never as altered; the second case lacks a version."""
    stored, one, two = two_cases()
    stored, entries = without(stored, sealed(stored), 4)   # the second case's, between the first's 3 and 5
    d = check_case(stored, entries, one)
    assert (d.kind, d.notification_id, d.between) == ("altered_or_removed_before", 5, (3, 5))
    d = check_case(stored, entries, two)
    assert (d.kind, d.version, d.between) == ("removed", 2, (2, 6))


def test_an_altered_event_after_the_cases_last_at_the_next_position_is_only_its_own_cases_concern():
    """Nothing can be missing between two entries at consecutive positions: the next event's change is its case's."""
    stored, one, two = two_cases()
    entries = sealed(stored)
    stored[9] = replace(stored[9], state=b"changed")   # notification 10, right after the first case's last, 9
    assert check_case(stored, entries, one) is None
    assert check_case(stored, entries, two).kind == "altered"


def test_verify_words_a_link_after_a_gap_as_this_event_or_one_removed_before_it():
    stored = rows()
    entries = sealed(stored)
    stored = [r for r in stored if r.notification_id != 4]
    entries = [e for e in entries if e.notification_id != 4]
    d = check(stored, entries).divergence
    assert (d.kind, d.notification_id, d.version, d.between) == ("altered_or_removed_before", 5, 5, (3, 5))
    from services.ledger_texts import describe_divergence
    assert describe_divergence(d).endswith(
        "den här händelsen, eller en som tagits bort strax före den (mellan position 3 och 5), skiljer sig från det"
        " liggaren förseglade: kedjan följer inte på posten före")


def test_an_event_of_a_case_number_series_is_not_called_a_case():
    from services.ledger_texts import describe_divergence
    stored = [replace(r, topic="domain.case_numbers:CaseNumberSeries.Allocated") for r in rows()]
    entries = sealed(stored)
    stored[2] = replace(stored[2], state=b"changed")
    text = describe_divergence(check(stored, entries).divergence)
    assert "(ärendenummerserie " in text and "inte ett ärende" in text and "(ärende " not in text
