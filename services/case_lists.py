"""Case lists from the agency views, caught up before each answer so a writer's next list shows its write.

Several processes may catch up at once (the server's workers and its
follower); one of them commits each batch and the others' attempt is
refused by the tracking table and simply retried from the new position.
"""

from __future__ import annotations

import threading
from typing import Any

from eventsourcing.persistence import IntegrityError

from services.view_runner import ViewRunner

ATTEMPTS = 5


class CaseListsFromViews:
    def __init__(self, runner: ViewRunner) -> None:
        self.runner = runner
        self._lock = threading.Lock()

    def cases(self, agency: str) -> list[dict[str, Any]]:
        self.catch_up()
        return self.runner.store.cases(agency)  # type: ignore[attr-defined]

    def catch_up(self) -> None:
        with self._lock:
            for _ in range(ATTEMPTS):
                try:
                    self.runner.catch_up()
                    return
                except IntegrityError:
                    continue  # another process committed this batch first
