"""jsonb read once per distinct value in a query's result.

A case's disclosure log repeats a handful of bases and causes over thousands of rows (six thousand rows, nine
distinct pairs at a thousand follow-ups): parsing each value again was most of the log's read, and handing back the
same object for the same value lets ``services.stored_log`` read each distinct one once.  jsonb's text is its
normal form, so the same text is the same value.  The objects are shared between rows: readers must not change
them (none does: a stored row is evidence, read as it is).
"""

from __future__ import annotations

from typing import Any

from psycopg.abc import AdaptContext, Buffer
from psycopg.types.json import JsonbLoader

_UNSEEN = object()


class JsonbOnce(JsonbLoader):
    """psycopg's jsonb loader, each distinct value parsed once and its object handed back for every row that holds
    it.  One per cursor (psycopg makes a cursor's loaders for its results), so the values seen go with the result."""

    def __init__(self, oid: int, context: AdaptContext | None = None):
        super().__init__(oid, context)
        self._parsed: dict[bytes, Any] = {}

    def load(self, data: Buffer) -> Any:
        text = bytes(data)
        value = self._parsed.get(text, _UNSEEN)
        if value is _UNSEEN:
            value = self._parsed[text] = super().load(text)
        return value
