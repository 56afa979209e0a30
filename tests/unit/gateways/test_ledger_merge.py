from __future__ import annotations

from gateways.ledger_store import merge


def test_merge_pairs_events_and_entries_by_notification_id_and_keeps_the_unmatched():
    events = iter([(1, "a", 1, "t", b"x"), (2, "a", 2, "t", b"y"), (4, "b", 1, "t", b"z")])
    entries = iter([(1, "a", 1, b"h1"), (3, "c", 1, b"h3"), (4, "b", 1, b"h4")])
    merged = list(merge(events, entries))
    assert [(m[0], m[5]) for m in merged] == [(1, 1), (2, None), (None, 3), (4, 4)]
    assert all(len(m) == 9 for m in merged)


def test_merge_of_empty_streams_is_empty():
    assert list(merge(iter([]), iter([]))) == []
