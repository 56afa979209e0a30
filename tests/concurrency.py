"""Helpers for tests of concurrent behaviour: many callers at once, and waiting for something to happen."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable


def in_threads(work: Callable[[int], Any], count: int, timeout: float = 10.0) -> list[Any]:
    """Run ``work(0) … work(count - 1)`` in threads at once; each one's result, or the exception it raised."""
    outcomes: list[Any] = [None] * count

    def run(n: int) -> None:
        try:
            outcomes[n] = work(n)
        except BaseException as error:  # noqa: BLE001 - the test asserts on it
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return outcomes


def eventually(check: Callable[[], Any], seconds: float = 10.0, interval: float = 0.05) -> bool:
    """Whether ``check()`` comes true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False
