"""Catching the views up from API workers: a live stream's poll never queues behind another catch-up."""

from __future__ import annotations

import threading

from services.case_lists import CaseListsFromViews


class SlowRunner:
    def __init__(self) -> None:
        self.started, self.release, self.calls = threading.Event(), threading.Event(), 0

    def catch_up(self) -> int:
        self.calls += 1
        self.started.set()
        self.release.wait(5)
        return 0


def busy_lists() -> tuple[CaseListsFromViews, SlowRunner, threading.Thread]:
    """Views being caught up by one thread, held there until the runner is released."""
    runner = SlowRunner()
    lists = CaseListsFromViews(runner)  # type: ignore[arg-type]
    busy = threading.Thread(target=lists.catch_up)
    busy.start()
    assert runner.started.wait(5)
    return lists, runner, busy


def in_a_thread(call) -> threading.Event:
    done = threading.Event()
    threading.Thread(target=lambda: (call(), done.set())).start()
    return done


def test_a_poll_that_need_not_wait_returns_at_once_while_another_thread_catches_up():
    lists, runner, busy = busy_lists()
    assert in_a_thread(lambda: lists.catch_up(wait=False)).wait(1)
    assert runner.calls == 1  # it did not queue, and did not catch up a second time
    runner.release.set()
    busy.join(5)


def test_a_read_that_must_see_its_writes_waits_for_the_catch_up_and_then_runs_its_own():
    lists, runner, busy = busy_lists()
    done = in_a_thread(lists.catch_up)
    assert not done.wait(0.3)
    runner.release.set()
    assert done.wait(5) and runner.calls == 2
    busy.join(5)
