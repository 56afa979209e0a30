"""What of a fact's content leaves the server: all of it, but for the fields that count parts the reader may not see.

A plan row's ``position`` is its place among *all* of its revision's rows: a school shown the row at
position 1 would learn that a row 0 exists which it may not see (a health row, say) — the same leak as
``row.1`` in an internal fact id.  The rows reach a reader in order (the API's lists, a feed's sequence),
so the number is needed only inside (the web client sorts by it).  Auditors see it: they see every row.
"""

from __future__ import annotations

from typing import Any, Mapping

INTERNAL_FIELDS: dict[str, frozenset[str]] = {"plan.row": frozenset({"position"})}


def shown_content(kind: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """The content an answer or a feed message may carry of a fact of this kind."""
    internal = INTERNAL_FIELDS.get(kind)
    if internal is None:
        return content if isinstance(content, dict) else dict(content)  # a feed's just-parsed dict: no copy
    return {k: v for k, v in content.items() if k not in internal}
