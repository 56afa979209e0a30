"""Commands on one case take turns in this process: each reads, decides and saves while the others on it wait.

A command sent without an expected version is decided again when another write lands between its reading of the
case and its save.  Decided all at once, twenty such commands on one case conflicted round after round — one saved
per round — and ten of them were answered 409 after their retries.  In turns, commands of one process never conflict
with each other; the retries are left to writes of other processes (other workers, the command line).

The API's commands wait on the server's event loop, the web's forms in its threads: one case has one turn for both
(``TurnLock``: ``with`` from a thread, ``async with`` from a task of any loop).  Until 2026-12-05 a case had a thread
lock's turn and an event loop's, and a form saved while an API command was written conflicted with it.

A turn is kept only while a command is in it or waiting for it: the map holds the cases being written now, no more.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from contextlib import contextmanager
from typing import Any, Iterator
from uuid import UUID


class _InThread:
    """A thread waiting for the turn: woken when it is handed the turn."""

    def __init__(self) -> None:
        self._handed = threading.Event()

    def hand_over(self) -> bool:
        self._handed.set()
        return True

    def wait(self) -> None:
        self._handed.wait()


class _OnLoop:
    """A task waiting for the turn on its event loop: its future is done when it is handed the turn."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop, self.handed = loop, loop.create_future()
        self.given = False   # the turn was handed to it (not passed over): if it is cancelled, it passes the turn on

    def hand_over(self) -> bool:
        """Whether the turn reached the task: not when its loop has stopped or is closed (a server shutting down):
        nothing waits there any more, and a turn handed there would never be let go."""
        if not self._loop.is_running():
            return False
        try:
            self._loop.call_soon_threadsafe(self._handed)
        except RuntimeError:
            return False
        self.given = True
        return True

    def _handed(self) -> None:
        if not self.handed.done():   # cancelled meanwhile: the task passes the turn on itself (``__aenter__``)
            self.handed.set_result(None)


class TurnLock:
    """One case's turn, held by one command at a time, whether it runs in a thread or on an event loop.

    Let go, it is handed to the first in line (in the order they came), so a thread and a task cannot both take it.
    A thread that runs an event loop must not wait for it with ``with``: it would stop the loop, and with it a
    task of the loop that may hold the turn."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[_InThread | _OnLoop] = deque()

    def __enter__(self) -> TurnLock:
        with self._guard:
            if not self._held:
                self._held = True
                return self
            waiter = _InThread()
            self._waiting.append(waiter)
        waiter.wait()   # handed over: held for this thread
        return self

    def __exit__(self, *exc: Any) -> None:
        self._let_go()

    async def __aenter__(self) -> TurnLock:
        with self._guard:
            if not self._held:
                self._held = True
                return self
            waiter = _OnLoop(asyncio.get_running_loop())
            self._waiting.append(waiter)
        try:
            await waiter.handed
        except BaseException:   # cancelled while waiting: out of line, or — handed the turn already — it is passed on
            with self._guard:
                if any(w is waiter for w in self._waiting):
                    self._waiting.remove(waiter)
                    raise
                given = waiter.given   # passed over (its loop had stopped), it holds nothing to let go
            if given:
                self._let_go()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._let_go()

    def _let_go(self) -> None:
        with self._guard:
            while self._waiting:
                if self._waiting.popleft().hand_over():
                    return
            self._held = False


class Turn:
    """One case's turn: its lock, how many commands are in it or waiting, and how many turns have ended."""

    def __init__(self) -> None:
        self.lock, self.queued, self.ended = TurnLock(), 0, 0


class CaseTurns:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._turns: dict[UUID, Turn] = {}

    @contextmanager
    def queued(self, case_id: UUID) -> Iterator[Turn]:
        """In line for the case's turn: ``with turn.lock`` takes it from a thread, ``async with turn.lock`` on an
        event loop."""
        with self._guard:
            turn = self._turns.get(case_id)
            if turn is None:
                turn = self._turns[case_id] = Turn()
            turn.queued += 1
        try:
            yield turn
        finally:
            with self._guard:
                turn.queued -= 1
                if turn.queued == 0:
                    del self._turns[case_id]

    def __len__(self) -> int:
        """How many cases have a command in turn or waiting."""
        return len(self._turns)
