"""A test may not leave an asyncio event loop running in the main thread: every later test of the run calling
``asyncio.run`` there failed ("cannot be called from a running event loop"), far from the test that left it.

Playwright's sync API marks its loop as running in the main thread between its calls, for as long as it is started:
the browser tests' ``browser`` (tests/e2e/conftest.py) is of their package, so it is stopped after the last of them
(it was of the session, and kept the loop running through the rest of the run).  Between two browser tests the loop
may run; after any other test's teardown — the last browser test's too, which stops Playwright — none may.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

BROWSER_TESTS = Path(__file__).resolve().parent / "e2e"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Fails the test whose teardown leaves a loop running (a test of its own, or a fixture ended with it)."""
    torn_down = yield
    if _browser_test(item) and nextitem is not None and _browser_test(nextitem):
        return torn_down   # Playwright lives on to the next browser test
    left = asyncio._get_running_loop()
    if left is not None:
        asyncio._set_running_loop(None)   # told once, here: the tests after it are not failed for it too
        raise RuntimeError(f"{item.nodeid} left an event loop running in the main thread ({left!r}): every later"
                           " asyncio.run in this thread would fail — stop what runs it (a Playwright, a loop"
                           " started and not closed) in the test or its fixture")
    return torn_down


def _browser_test(item: pytest.Item) -> bool:
    return item.path.is_relative_to(BROWSER_TESTS)
