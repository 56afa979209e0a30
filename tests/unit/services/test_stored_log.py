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


def row(fact_id: str, cause=WITHDRAWN, kind: str = "contribution", id: int = 10) -> dict:
    stored = None if cause is None else [{"what": c.what, "consent_ids": list(c.consent_ids)} for c in cause]
    return {"id": id, "at": AT, "agency": "skola", "fact_id": fact_id, "kind": kind, "category": "school", "change": "ended",
            "basis": {"kind": "consent", "consent_ids": ["c1"], "legal_basis": None}, "cause": stored}


def test_the_same_rows_agree():
    agreement = compare([row("a"), row("b")], [change("a"), change("b")], 1)
    assert agreement.agrees and agreement.compared == 2 and agreement.without_cause == 0


def test_another_cause_kind_or_a_missing_row_is_named():
    assert not compare([row("a", (Cause("turns_18"),))], [change("a")], 1).agrees
    assert not compare([row("a", kind="meeting")], [change("a")], 1).agrees
    missing = compare([row("a")], [change("a"), change("b")], 1)
    assert missing.only_replayed == [(AT, "skola", "b", "contribution", "school", "ended", BASIS, WITHDRAWN)]


def test_rows_from_before_causes_are_compared_without_them():
    agreement = compare([row("a", None, id=1), row("b", id=2)], [change("a"), change("b")], 2)
    assert agreement.agrees and agreement.without_cause == 1
    assert not compare([row("a", None, id=1)], [change("x")], 2).agrees
    assert compare([row("a", None, id=1)], [change("a")], None).agrees   # no row stored with a cause yet


def test_a_cause_blanked_after_rows_with_causes_is_reported():
    """A reviewer blanked one row's cause and falsified another's: the blank switched the cause check off for
    the whole case.  A row without a cause after one with a cause cannot be from before causes were stored."""
    agreement = compare([row("a", id=5), row("b", (Cause("member_joined", agency="skola"),), id=6),
                         row("c", None, id=7)], [change("a"), change("b"), change("c")], 5)
    assert not agreement.agrees and len(agreement.only_stored) == 2 and len(agreement.only_replayed) == 2


def test_blanking_every_cause_of_a_case_or_of_one_agency_cannot_pass():
    """The boundary is the whole log's first row with a cause, not the case's (or the agency's) own."""
    rows = [row("a", None, id=20), row("b", None, id=21)]
    assert not compare(rows, [change("a"), change("b")], 3).agrees
