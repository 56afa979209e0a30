"""Read answers already shaped into JSON, kept per worker and sent again while they would come out the same.

Shaping a case view (a model per fact, then JSON) cost more than judging it.
An answer is a pure function of the case, the view asked for, the reader's
agency and the disclosures the rules just gave (and, for the lead's plan, the
warnings judged with them) — so it is kept under (case, view, agency)
together with those, and reused only when this request's disclosures are
*the same fact objects with equal bases*, at the same version, with the same
warnings.  The rules are asked on every request, for the reader's
agency and now; this only saves the shaping.  Holding the disclosures keeps
their facts alive, so an identity comparison can never meet a recycled id.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from typing import Callable
from uuid import UUID

from pydantic import BaseModel

from domain.judge import Disclosure
from domain.row_reach import UnseenRow
from services.case_reads import Look

SIZE = 4_000
Key = tuple[UUID, str, str]   # case, view ("timeline", "plan"…), reader's agency


def _shaped(shape: Callable[[], BaseModel]) -> bytes:
    return shape().model_dump_json().encode()


def _same(a: tuple[Disclosure, ...], b: tuple[Disclosure, ...]) -> bool:
    return len(a) == len(b) and all(x.fact is y.fact and x.basis == y.basis for x, y in zip(a, b))


class ShapedAnswers:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        # version, disclosures, the lead's plan warnings (judged at each read: they change as a consent ends, with
        # the lead's disclosures the same), the public fact ids it was shaped with, body
        self._kept: OrderedDict[Key, tuple[int, tuple[Disclosure, ...], tuple[UnseenRow, ...], object, bytes]] = \
            OrderedDict()
        self._lock = threading.Lock()

    async def body(self, key: Key, look: Look, shape: Callable[[], BaseModel], ids: object = None) -> bytes:
        """The JSON answer for ``look``: the one shaped before from the very same disclosures under the same public
        fact ids (``ids``: the ids object in use; a renewal made elsewhere brings a new one), or shaped now — in a
        thread (a model per fact, then JSON), off the event loop."""
        body = self.kept(key, look, ids)
        if body is None:
            body = await asyncio.to_thread(_shaped, shape)
            self.keep(key, look, body, ids)
        return body

    def kept(self, key: Key, look: Look, ids: object = None) -> bytes | None:
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == look.version and _same(kept[1], look.disclosures) \
                and kept[2] == look.unseen_rows and kept[3] is ids:
            return kept[4]
        return None

    def forget(self, case_id: UUID) -> None:
        """The case's key was destroyed (erased): its shaped answers, and the facts they hold, leave memory now."""
        with self._lock:
            for key in [k for k in self._kept if k[0] == case_id]:
                del self._kept[key]

    def keep(self, key: Key, look: Look, body: bytes, ids: object = None) -> None:
        with self._lock:
            self._kept[key] = (look.version, look.disclosures, look.unseen_rows, ids, body)
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return body
