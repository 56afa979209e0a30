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


def _goal(**participation) -> str:
    content = {"revision": 2, "main_goal": "Gå i skolan.", **participation}
    return describe_fact(SimpleNamespace(kind="plan.goal", content=content), CAT)


def test_a_plan_revision_says_who_drew_it_up_and_not_recorded_for_one_from_before_it_was_asked():
    assert _goal() == "Åtgärdsplan, revision 2: huvudmål ”Gå i skolan.”; upprättad i samråd med den unge: ej angivet"
    assert _goal(young_person_took_part=True, guardians_took_part=("g1", "g2"), not_taking_part_reason=None) == (
        "Åtgärdsplan, revision 2: huvudmål ”Gå i skolan.”; upprättad i samråd med den unge: ja;"
        " vårdnadshavare som deltog: 2")
    assert _goal(young_person_took_part=False, guardians_took_part=(), not_taking_part_reason="Sjuk.").endswith(
        "den unge: nej (Sjuk.); vårdnadshavare som deltog: 0")
