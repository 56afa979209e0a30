"""One case's turn, for commands in threads (the web's forms) and on event loops (the API's) alike."""

from __future__ import annotations

import asyncio
import threading
from uuid import uuid4

from services.case_turns import CaseTurns
from tests.concurrency import eventually, in_threads


def on_a_loop_of_its_own(coroutine) -> object:
    """Run on a new event loop (in the main thread: no test leaves a loop running there, tests/loop_guard.py)."""
    return asyncio.run(coroutine)


def test_a_thread_and_a_task_on_a_loop_wait_for_the_same_turn():
    turns, case_id, order = CaseTurns(), uuid4(), []
    thread_holds, thread_may_go = threading.Event(), threading.Event()

    def in_a_thread(_: int) -> None:
        with turns.queued(case_id) as turn, turn.lock:
            thread_holds.set()
            thread_may_go.wait(10)
            order.append("thread")

    async def on_a_loop() -> None:
        with turns.queued(case_id) as turn:
            async with turn.lock:
                order.append("task")

    async def after_the_thread() -> None:
        assert await asyncio.to_thread(thread_holds.wait, 10)
        waiting = asyncio.create_task(on_a_loop())
        await asyncio.sleep(0.2)
        assert not waiting.done() and order == []   # the thread holds the case's turn: the task waits
        thread_may_go.set()
        await asyncio.wait_for(waiting, 10)

    outcomes = in_threads(lambda n: in_a_thread(n) if n == 0 else asyncio.run(after_the_thread()), 2, timeout=20)
    assert outcomes == [None, None] and order == ["thread", "task"]
    assert len(turns) == 0


def test_a_task_cancelled_while_in_line_leaves_it_and_the_turn_goes_on():
    turns, case_id = CaseTurns(), uuid4()

    async def waits(got: list[str], name: str) -> None:
        with turns.queued(case_id) as turn:
            async with turn.lock:
                got.append(name)

    async def main() -> list[str]:
        got: list[str] = []
        with turns.queued(case_id) as turn:
            async with turn.lock:
                cancelled = asyncio.create_task(waits(got, "cancelled"))
                after = asyncio.create_task(waits(got, "after"))
                await asyncio.sleep(0.05)
                cancelled.cancel()
                await asyncio.sleep(0.05)
        await asyncio.wait_for(after, 5)
        assert cancelled.cancelled()
        return got
    assert on_a_loop_of_its_own(main()) == ["after"]
    assert len(turns) == 0


def test_a_task_cancelled_once_handed_the_turn_passes_it_on():
    """Let go by a thread, the turn is on its way to the task when the task is cancelled: it is not kept."""
    turns, case_id = CaseTurns(), uuid4()
    holding = turns.queued(case_id)
    turn = holding.__enter__()
    turn.lock.__enter__()

    async def main() -> str:
        async def waits() -> None:
            with turns.queued(case_id) as queued:
                async with queued.lock:
                    raise AssertionError("a cancelled task went on to write")
        task = asyncio.create_task(waits())
        await asyncio.sleep(0.05)
        turn.lock.__exit__(None, None, None)   # handed to the task: its future is done at the loop's next round
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        with turns.queued(case_id) as again:
            async with asyncio.timeout(2):
                async with again.lock:
                    return "taken"
    assert on_a_loop_of_its_own(main()) == "taken"
    holding.__exit__(None, None, None)
    assert len(turns) == 0


def test_threads_and_tasks_on_one_case_take_the_turn_one_at_a_time():
    turns, case_id = CaseTurns(), uuid4()
    inside, most, order = [0], [0], []
    guard = threading.Lock()

    def held(name: str) -> None:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        threading.Event().wait(0.01)
        with guard:
            inside[0] -= 1
            order.append(name)

    def thread_writes(n: int) -> None:
        with turns.queued(case_id) as turn, turn.lock:
            held(f"thread {n}")

    async def loop_writes() -> None:
        async def one(n: int) -> None:
            with turns.queued(case_id) as turn:
                async with turn.lock:
                    held(f"task {n}")
        await asyncio.gather(*(one(n) for n in range(10)))

    outcomes = in_threads(lambda n: asyncio.run(loop_writes()) if n == 0 else thread_writes(n), 11, timeout=30)
    assert outcomes == [None] * 11
    assert most == [1] and len(order) == 20 and eventually(lambda: len(turns) == 0, 2)


def test_a_turn_is_not_handed_to_a_task_whose_loop_has_stopped():
    """A server shutting down stops its loop with a task still in line: the turn handed to it would never be let go,
    and every later command on the case in the process waited for ever.  It goes to the next in line."""
    import time

    from services.case_turns import TurnLock

    lock, loop = TurnLock(), asyncio.new_event_loop()
    lock.__enter__()   # this thread holds the turn

    async def waits() -> None:
        async with lock:
            pass

    def a_loop_that_stops() -> None:
        loop.create_task(waits())
        loop.call_later(0.2, loop.stop)
        loop.run_forever()

    stopping = threading.Thread(target=a_loop_that_stops)
    stopping.start()
    stopping.join(5)
    got = threading.Event()

    def next_in_line() -> None:
        with lock:
            got.set()

    threading.Thread(target=next_in_line, daemon=True).start()
    time.sleep(0.1)
    lock.__exit__(None, None, None)
    assert got.wait(5)
    # The loop run again (asyncio.run's cleanup cancels what is left): the task passed over lets go of no one's turn.
    holder_holds, holder_may_go = threading.Event(), threading.Event()

    def holds_the_turn() -> None:
        with lock:
            holder_holds.set()
            holder_may_go.wait(5)

    threading.Thread(target=holds_the_turn, daemon=True).start()
    assert holder_holds.wait(5)

    def cleanup(_: int) -> None:   # in a thread of its own: a test before may have left this thread's loop running
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
        loop.close()

    in_threads(cleanup, 1, timeout=10)
    assert lock._held   # still the holder's
    holder_may_go.set()
