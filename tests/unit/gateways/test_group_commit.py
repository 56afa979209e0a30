"""Saves made at the same moment share a transaction; each caller still gets exactly its own ids or error."""

from __future__ import annotations

import threading
import time
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent

from gateways.group_commit import GroupCommit
from tests.concurrency import in_threads


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
    return in_threads(lambda n: group.insert(saves[n], riders[n] if riders else ()), len(saves))


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


class Interrupted(BaseException):
    """Stands for KeyboardInterrupt, SystemExit or a cancellation striking the committing thread."""


class ScriptedTable:
    """A table whose first transaction waits for a gate (so others queue behind it); then follows a script."""

    def __init__(self, script=lambda call, events: None) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[tuple[int, int]] = []   # (thread, number of events) per transaction attempted
        self.rows: list[tuple] = []
        self.script = script

    def insert(self, events, riders=()):
        self.calls.append((threading.current_thread(), len(events)))
        if len(self.calls) == 1:
            self.entered.set()
            assert self.gate.wait(5)
        keys = [(e.originator_id, e.originator_version) for e in events]
        if set(keys) & {r[:2] for r in self.rows}:
            raise IntegrityError("duplicate key")
        first = len(self.rows) + 1
        self.rows.extend((*k, first + i) for i, k in enumerate(keys))
        self.script(len(self.calls), events)   # may raise after the rows are in (a reply lost after COMMIT)
        return list(range(first, first + len(events)))


class Caller:
    """One save on a daemon thread, so a caller that waits for ever cannot hang the test run."""

    def __init__(self, group: GroupCommit, events) -> None:
        self.outcome = None
        self.thread = threading.Thread(target=self._run, args=(group, events), daemon=True)
        self.thread.start()

    def _run(self, group, events):
        try:
            self.outcome = group.insert(events)
        except BaseException as error:
            self.outcome = error

    def result(self, timeout=3.0):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the caller is still waiting"
        return self.outcome


def queue_behind_leader(group: GroupCommit, table: ScriptedTable, followers: int):
    """A leader whose own save is being committed, and followers queued behind it; then the gate opens."""
    leader = Caller(group, [event(uuid4(), 1)])
    assert table.entered.wait(3)
    queued = [Caller(group, [event(uuid4(), 1)]) for _ in range(followers)]
    deadline = time.monotonic() + 3
    while len(group._queued) < followers and time.monotonic() < deadline:
        time.sleep(0.001)
    table.gate.set()
    return leader, queued


def raise_on_call(number, error):
    def script(call, events):
        if call == number:
            raise error
    return script


def test_an_interruption_of_a_later_group_fails_that_group_and_the_leader_keeps_its_own_ids():
    interruption = Interrupted()
    table = ScriptedTable(raise_on_call(2, interruption))
    group = GroupCommit(table.insert)
    leader, queued = queue_behind_leader(group, table, 3)
    assert leader.result() == [1]   # committed before the interruption struck
    assert all(caller.result() is interruption for caller in queued)
    assert Caller(group, [event(uuid4(), 1)]).result() == [5]   # the way is free again: a save is committed


def test_an_interruption_of_the_leaders_own_save_reaches_the_leader_and_everyone_queued():
    interruption = Interrupted()
    table = ScriptedTable(raise_on_call(1, interruption))
    group = GroupCommit(table.insert)
    leader, queued = queue_behind_leader(group, table, 2)
    assert leader.result() is interruption
    assert all(caller.result() is interruption for caller in queued)
    assert Caller(group, [event(uuid4(), 1)]).result() == [2]


@pytest.mark.parametrize("lost", [OperationalError, InterfaceError])
def test_a_lost_connection_fails_the_whole_group_at_once_and_nothing_committed_is_redone(lost):
    error = lost("connection lost after COMMIT was sent")
    table = ScriptedTable(raise_on_call(2, error))   # the group's rows are committed, its reply is lost
    leader, queued = queue_behind_leader(GroupCommit(table.insert), table, 4)
    assert leader.result() == [1]
    assert all(caller.result() is error for caller in queued)   # not 409s: each may retry with its key
    assert [n for _, n in table.calls] == [1, 4]   # one attempt for the group, none save by save


def test_under_sustained_load_every_caller_commits_at_most_two_transactions_and_returns():
    group = GroupCommit(lambda events, riders: table.insert(events, riders))
    callers: list[Caller] = []

    def keep_the_queue_full(call, events):   # each transaction sees a new save queue behind it
        if call < 12:
            callers.append(Caller(group, [event(uuid4(), 1)]))
            deadline = time.monotonic() + 3
            while not group._queued and time.monotonic() < deadline:
                time.sleep(0.001)

    table = ScriptedTable(keep_the_queue_full)
    table.gate.set()
    first = Caller(group, [event(uuid4(), 1)])
    assert first.result() == [1]
    while not all(not caller.thread.is_alive() for caller in callers):   # later callers queue as earlier commit
        [caller.result() for caller in list(callers)]
    outcomes = [caller.result() for caller in callers]
    assert sorted(i for ids in outcomes for i in ids) == list(range(2, len(table.rows) + 1))
    per_thread = [sum(1 for thread, _ in table.calls if thread is t) for t in {t for t, _ in table.calls}]
    assert len(table.calls) >= 12 and max(per_thread) <= 2   # no caller stays to commit others' saves for ever


def test_a_queued_caller_interrupted_when_handed_leadership_passes_it_on():
    import ctypes

    group = GroupCommit(lambda events, riders: table.insert(events, riders))
    later: list[Caller] = []

    def two_more_queue_during_the_second_transaction(call, events):
        if call == 2:
            later.extend(Caller(group, [event(uuid4(), 1)]) for _ in range(2))
            deadline = time.monotonic() + 3
            while len(group._queued) < 2 and time.monotonic() < deadline:
                time.sleep(0.001)
            ctypes.pythonapi.PyThreadState_SetAsyncExc(   # strikes the heir as soon as it wakes to lead
                ctypes.c_ulong(later[0].thread.ident), ctypes.py_object(Interrupted))

    table = ScriptedTable(two_more_queue_during_the_second_transaction)
    leader, (second,) = queue_behind_leader(group, table, 1)
    assert leader.result() == [1] and second.result() == [2]
    heir, last = later
    assert isinstance(heir.result(), Interrupted)
    assert last.result() == [3] and len(table.rows) == 3   # the interrupted save was never committed
