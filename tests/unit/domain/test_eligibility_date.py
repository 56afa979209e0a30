"""The eligibility decision follows the referral (seed 004: the young person becomes known — "känd", SoL 14-anmälan,
polisanmälan — and then "Socialtjänsten beslutar om individen är aktuell för social insatsgrupp"): a decision dated
before the referral's own date is a date mistyped, and the case's record would show a beslut older than the
aktualisering it decides on."""

from __future__ import annotations

from datetime import date

import pytest

from domain import errors
from services.web.error_texts import error_text
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc


def decide(story: CaseStory, decided_on: date) -> None:
    story.case.decide_eligibility(accepted=True, reasons="Hög risk.", instruments=("SAVRY",), decided_on=decided_on,
                                  by=SOCIAL, at=story.at(), catalogue=CATALOGUE)


def test_a_decision_dated_before_the_referral_is_refused():
    story = CaseStory(start=utc(2026, 2, 2))          # referral_date 2026-02-02
    with pytest.raises(errors.InvalidInput) as raised:
        decide(story, date(2026, 2, 1))
    assert raised.value.field == "decided_on"
    assert "aktualisering" in error_text(raised.value.code, str(raised.value))


def test_a_decision_on_the_referral_s_day_or_later_stands():
    story = CaseStory(start=utc(2026, 2, 2))
    decide(story, date(2026, 2, 2))
    assert story.case.phase.value == "accepted"
