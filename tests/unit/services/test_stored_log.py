"""The stored disclosure log held to the events' log: every field the feeds carried counts, and a row without a
cause passes only as one from before causes were stored."""

from __future__ import annotations

from datetime import datetime, timezone

from domain.disclosure import Basis, Cause, VisibilityChange
from domain.facts import Fact
from services.stored_log import compare

AT = datetime(2026, 3, 20, 8, tzinfo=timezone.utc)
BASIS = Basis("consent", ("c1",))
WITHDRAWN = (Cause("consent_withdrawn", ("c1",)),)


def change(fact_id: str, cause=WITHDRAWN, kind: str = "contribution") -> VisibilityChange:
    fact = Fact(fact_id, 3, kind, "school", "polis", AT, {}, False)
    return VisibilityChange(AT, "skola", fact, "ended", BASIS, cause)


def row(fact_id: str, cause=WITHDRAWN, kind: str = "contribution") -> dict:
    stored = None if cause is None else [{"what": c.what, "consent_ids": list(c.consent_ids)} for c in cause]
    return {"at": AT, "agency": "skola", "fact_id": fact_id, "kind": kind, "category": "school", "change": "ended",
            "basis": {"kind": "consent", "consent_ids": ["c1"], "legal_basis": None}, "cause": stored}


def test_the_same_rows_agree():
    agreement = compare([row("a"), row("b")], [change("a"), change("b")])
    assert agreement.agrees and agreement.compared == 2 and agreement.without_cause == 0


def test_another_cause_kind_or_a_missing_row_is_named():
    assert not compare([row("a", (Cause("turns_18"),))], [change("a")]).agrees
    assert not compare([row("a", kind="meeting")], [change("a")]).agrees
    missing = compare([row("a")], [change("a"), change("b")])
    assert missing.only_replayed == [(AT, "skola", "b", "contribution", "school", "ended", BASIS, WITHDRAWN)]


def test_rows_from_before_causes_are_compared_without_them():
    agreement = compare([row("a", None), row("b")], [change("a"), change("b")])
    assert agreement.agrees and agreement.without_cause == 1
    assert not compare([row("a", None)], [change("x")]).agrees


def test_a_cause_blanked_after_rows_with_causes_is_reported():
    """A reviewer blanked one row's cause and falsified another's: the blank switched the cause check off for
    the whole case.  A row without a cause after one with a cause cannot be from before causes were stored."""
    agreement = compare([row("a"), row("b", (Cause("member_joined", agency="skola"),)), row("c", None)],
                        [change("a"), change("b"), change("c")])
    assert not agreement.agrees and len(agreement.only_stored) == 2 and len(agreement.only_replayed) == 2
