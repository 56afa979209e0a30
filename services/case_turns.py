"""Commands on one case take turns in this process: each reads, decides and saves while the others on it wait.

A command sent without an expected version is decided again when another write lands between its reading of the
case and its save.  Decided all at once, twenty such commands on one case conflicted round after round — one saved
per round — and ten of them were answered 409 after their retries.  In turns, commands of one process never conflict
with each other; the retries are left to writes of other processes (other workers, the web's threads).

A turn is kept only while a command is in it or waiting for it: the map holds the cases being written now, no more.
The commands on an event loop wait with an ``asyncio.Lock`` of that loop, those in threads with a ``threading.Lock``.
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Hashable, Iterator
from uuid import UUID


class Turn:
    """One case's turn: its lock, how many commands are in it or waiting, and how many turns have ended."""

    def __init__(self, lock: Any) -> None:
        self.lock, self.queued, self.ended = lock, 0, 0


class CaseTurns:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._turns: dict[tuple[Hashable, UUID], Turn] = {}

    def queued(self, case_id: UUID) -> ContextManager[Turn]:
        """In line for the case's turn, from a thread: ``with turn.lock`` takes it."""
        return self._queued((None, case_id), threading.Lock)

    def queued_on_loop(self, case_id: UUID) -> ContextManager[Turn]:
        """In line for the case's turn, on the running event loop: ``async with turn.lock`` takes it."""
        return self._queued((asyncio.get_running_loop(), case_id), asyncio.Lock)

    @contextmanager
    def _queued(self, key: tuple[Hashable, UUID], lock: Callable[[], Any]) -> Iterator[Turn]:
        with self._guard:
            turn = self._turns.get(key)
            if turn is None:
                turn = self._turns[key] = Turn(lock())
            turn.queued += 1
        try:
            yield turn
        finally:
            with self._guard:
                turn.queued -= 1
                if turn.queued == 0:
                    del self._turns[key]

    def __len__(self) -> int:
        """How many cases have a command in turn or waiting."""
        return len(self._turns)
