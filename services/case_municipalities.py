"""Which municipality a case belongs to: what narrows social services' feeds, over HTTP and on Kafka alike.

Social services is one agency id across every municipality of an installation,
so its disclosure log covers them all; each reader (a caseworker over HTTP, a
municipality's topic on Kafka) may only have its own municipality's cases.
A municipality code (``0180``) is not personal data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable
from uuid import UUID

from domain.errors import CaseErased
from services.errors import CaseNotFound

REMEMBERED = 100_000  # cases; a case never moves to another municipality, so what is remembered stays true


class CaseMunicipalities:
    """A remembering lookup of a case's municipality; None for a case that can no longer be read."""

    def __init__(self, municipality_of: Callable[[UUID], str], size: int = REMEMBERED) -> None:
        self._municipality_of, self.size = municipality_of, size
        self._known: OrderedDict[UUID, str | None] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, case_id: UUID) -> str | None:
        """The case's municipality code; None when it is erased or unknown (its messages are then withheld)."""
        with self._lock:
            if case_id in self._known:
                self._known.move_to_end(case_id)
                return self._known[case_id]
        try:
            found: str | None = self._municipality_of(case_id)
        except (CaseErased, CaseNotFound):
            found = None  # erased before this process learnt where it belongs: withheld (secrecy first)
        with self._lock:
            self._known[case_id] = found
            if len(self._known) > self.size:
                self._known.popitem(last=False)
        return found
