"""What of a fact's content leaves the server: all of it, but for the fields that count parts the reader may not see.

A plan row's ``position`` is its place among *all* of its revision's rows: a school shown the row at
position 1 would learn that a row 0 exists which it may not see (a health row, say) — the same leak as
``row.1`` in an internal fact id.  The rows reach a reader in order (the API's lists, a feed's sequence),
so the number is needed only inside (the web client sorts by it).  Auditors see it: they see every row.

A plan row's ``revision`` counts the plan's revisions, which are the case's administration (``case``): a school
seeing only its own rows, shown "revision 3", would learn that the plan was revised twice before, though it may
not even know that the case has a plan (DOMAIN.md: "not even as a count").  Social services sees every revision
(it owns the plan) and auditors see everything; a member is shown rows without it — the plan answer gives it its
own count of the revisions it sees (``agency_queries.Plan.number``), and a goal it sees carries the revision as
every goal does (whoever sees one goal sees them all: they share the `case` category and the lead's origin).
"""

from __future__ import annotations

from typing import Any, Mapping

INTERNAL_FIELDS: dict[str, frozenset[str]] = {"plan.row": frozenset({"position"})}
# What a member is not shown besides (the lead sees it: ``shown_content(lead=True)``).
MEMBERS_NOT_SHOWN: dict[str, frozenset[str]] = {"plan.row": frozenset({"position", "revision"})}


def shown_content(kind: str, content: Mapping[str, Any], *, lead: bool) -> dict[str, Any]:
    """The content an answer or a feed message may carry of a fact of this kind, for the lead agency (social
    services: ``lead``) or a member."""
    internal = (INTERNAL_FIELDS if lead else MEMBERS_NOT_SHOWN).get(kind)
    if internal is None:
        return content if isinstance(content, dict) else dict(content)  # a feed's just-parsed dict: no copy
    return {k: v for k, v in content.items() if k not in internal}
