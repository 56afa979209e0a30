"""The grant form filled from another consent (``?samma_som=``): ``consent_views.same_scope``."""

from __future__ import annotations

from datetime import date, datetime, timezone

from domain.values import ConsentRecord, ScopeEntry
from services.web.consent_views import ConsentRow, same_scope

TODAY = date(2026, 3, 1)


def _row(consent_id: str, valid_from: date, valid_until: date | None) -> ConsentRow:
    scope = (ScopeEntry("skola", ("case", "school")), ScopeEntry("nedlagd", ("case",)),
             ScopeEntry("polis", ("case", "retired")))
    record = ConsentRecord(consent_id, "young_person", scope, "Samverkan", valid_from, valid_until, "oral_documented",
                           datetime(2026, 2, 1, tzinfo=timezone.utc), granted_scope=scope)
    return ConsentRow(record, "den unge", "in_force")


def test_only_what_the_form_still_offers_is_ticked_and_neither_who_nor_how_is_filled():
    filled = same_scope([_row("1a2b3c4d-0000", date(2026, 4, 1), date(2026, 12, 31))], "1a2b3c4d",
                        ["skola", "polis"], ["case", "school"], TODAY)
    assert filled == {"scope": ["skola:case", "skola:school", "polis:case"], "purpose": "Samverkan",
                      "valid_from": "2026-04-01", "valid_until": "2026-12-31"}


def test_a_consent_copied_later_starts_today_and_an_end_before_that_is_left_to_write():
    filled = same_scope([_row("1a2b3c4d-0000", date(2026, 1, 1), date(2026, 2, 1))], "1a2b3c4d", ["skola"],
                        ["case"], TODAY)
    assert (filled["valid_from"], filled["valid_until"]) == ("2026-03-01", None)


def test_an_unknown_or_ambiguous_id_fills_nothing():
    rows = [_row("1a2b3c4d-0000", TODAY, None), _row("1a2b3c4d-1111", TODAY, None), _row("99990000-0000", TODAY, None)]
    for shown in ("1a2b3c4d", "ffffffff", "1a2b3c4d-0000", "9999", ""):
        assert same_scope(rows, shown, ["skola"], ["case"], TODAY) is None, shown
    assert same_scope(rows, "99990000", ["skola"], ["case"], TODAY) is not None
