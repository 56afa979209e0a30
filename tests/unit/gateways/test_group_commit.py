"""Saves made at the same moment share a transaction; each caller still gets exactly its own ids or error."""

from __future__ import annotations

import threading
import time
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from gateways.group_commit import GroupCommit


class SlowTable:
    """A table with a unique (originator, version) key, and riders with unique keys, slow to commit;
    remembers each transaction (its events and its riders)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.riders: dict[str, list] = {}      # rider key -> the events committed with it
        self.transactions: list[int] = []

    def insert(self, events, riders=()):
        time.sleep(0.01)
        keys = [(e.originator_id, e.originator_version) for e in events]
        if len(set(keys)) < len(keys) or set(keys) & {r[:2] for r in self.rows}:
            raise IntegrityError("duplicate key")
        if len(set(riders)) < len(riders) or set(riders) & set(self.riders):
            raise IntegrityError("duplicate rider")
        first = len(self.rows) + 1
        self.rows.extend((*k, first + i) for i, k in enumerate(keys))
        for rider in riders:
            self.riders[rider] = list(events)
        self.transactions.append(len(events))
        return list(range(first, first + len(events)))


def event(case, version):
    return StoredEvent(case, version, "topic", b"state")


def save_concurrently(group: GroupCommit, saves, riders=None):
    outcomes = [None] * len(saves)

    def run(n):
        try:
            outcomes[n] = group.insert(saves[n], riders[n] if riders else ())
        except Exception as error:
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(saves))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return outcomes


def test_concurrent_saves_share_transactions_and_each_gets_its_own_ids():
    table = SlowTable()
    saves = [[event(uuid4(), 1), event(uuid4(), 1)] for _ in range(20)]
    outcomes = save_concurrently(GroupCommit(table.insert), saves)
    assert len(table.transactions) < 20 and sum(table.transactions) == 40
    stored = {(r[0], r[1]): r[2] for r in table.rows}
    for save, ids in zip(saves, outcomes):
        assert ids == [stored[(e.originator_id, e.originator_version)] for e in save]


def test_a_conflicting_save_fails_alone_and_the_rest_of_its_group_is_committed():
    table = SlowTable()
    case = uuid4()
    saves = [[event(case, 1)], *([event(uuid4(), 1)] for _ in range(10)), [event(case, 1)]]
    outcomes = save_concurrently(GroupCommit(table.insert), saves)
    conflicts = [o for o in outcomes if isinstance(o, IntegrityError)]
    assert len(conflicts) == 1 and len(table.rows) == 11


def test_a_save_alone_is_inserted_on_the_callers_thread():
    table = SlowTable()
    ids = GroupCommit(table.insert).insert([event(uuid4(), 1)])
    assert ids == [1] and table.transactions == [1]
    with pytest.raises(IntegrityError):
        GroupCommit(table.insert).insert([event(table.rows[0][0], 1)])


def test_the_application_recorders_saves_go_through_group_commit(monkeypatch):
    from gateways.postgres_recorder import SigillApplicationRecorder

    recorder = SigillApplicationRecorder.__new__(SigillApplicationRecorder)
    seen = []
    recorder._group = type("G", (), {"insert": lambda self, events, riders: seen.append((events, riders)) or [7]})()
    assert recorder.insert_events([event(uuid4(), 1)], tracking=None) == [7] and seen[0][1] == ()
    assert recorder.insert_events([event(uuid4(), 1)], answer="the answer") == [7] and seen[1][1] == ("the answer",)


def test_each_saves_riders_are_committed_with_its_own_events_in_a_group():
    table = SlowTable()
    saves = [[event(uuid4(), 1)] for _ in range(20)]
    outcomes = save_concurrently(GroupCommit(table.insert), saves, [(f"key-{n}",) for n in range(20)])
    assert len(table.transactions) < 20 and not any(isinstance(o, Exception) for o in outcomes)
    for n, save in enumerate(saves):
        assert {e.originator_id for e in save} <= {e.originator_id for e in table.riders[f"key-{n}"]}


def test_a_taken_rider_fails_its_save_alone_and_the_group_falls_back_with_each_saves_own_riders():
    table = SlowTable()
    saves = [[event(uuid4(), 1)] for _ in range(12)]
    riders = [(f"key-{n}",) for n in range(11)] + [("key-3",)]   # the last repeats another save's key
    outcomes = save_concurrently(GroupCommit(table.insert), saves, riders)
    failed = [n for n, o in enumerate(outcomes) if isinstance(o, IntegrityError)]
    assert len(failed) == 1 and failed[0] in (3, 11) and len(table.rows) == 11
    for n, save in enumerate(saves):
        if n not in failed:
            assert save[0] in table.riders[riders[n][0]]  # its rider went in the transaction of its own events
    assert saves[failed[0]][0].originator_id not in {r[0] for r in table.rows}
