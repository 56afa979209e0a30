"""The one-line Swedish description of a fact, as the timeline, the command line and the report say it."""

from __future__ import annotations

from types import SimpleNamespace

from services.catalogue_loader import load_catalogue
from services.presentation import describe_fact

CAT = load_catalogue()


def _eligibility(accepted: bool, instruments: tuple[str, ...]) -> str:
    content = {"accepted": accepted, "reasons": "Hög risk.", "instruments": instruments, "decided_on": None,
               "outside_target_group_reason": None}
    return describe_fact(SimpleNamespace(kind="eligibility", content=content), CAT)


def test_a_decision_made_without_an_instrument_has_no_empty_brackets():
    assert _eligibility(True, ()) == "Beslut: aktuell för social insatsgrupp"
    assert _eligibility(False, ()) == "Beslut: inte aktuell"


def test_a_decisions_instruments_are_named_in_swedish():
    assert _eligibility(True, ("SAVRY", "other")) == "Beslut: aktuell för social insatsgrupp (SAVRY, annat instrument)"
