"""The one-line Swedish description of a fact, as the timeline, the command line and the report say it."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

from services.audit_text import describe_changes
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


def _log_row(agency: str, kind: str, change: str, day: int, version: int, content: dict):
    fact = SimpleNamespace(kind=kind, version=version, fact_id=f"{version}.{kind}", origin="socialtjanst",
                           recorded_by=None, recorded_at=datetime(2026, 3, 1, 9, tzinfo=timezone.utc),
                           content=content)
    return SimpleNamespace(at=datetime(2026, 3, day, 9, tzinfo=timezone.utc), agency=agency, change=change,
                           fact=fact)


ROW = {"row_id": "r1", "area": "Skola", "goal": "Komma i tid.", "responsible": "Mentor", "responsible_agencies": ()}
FOLLOW_UP = {"row_id": "r1", "status": "partly", "note": "Bättre.", "agency": "socialtjanst"}


def test_a_log_row_names_a_follow_ups_row_only_as_its_own_recipient_was_shown_it_then():
    """The school was shown the row from the 2nd to the 10th; the police never.  A follow-up's disclosure names
    the row to the school while it saw it — and at its end on the 10th, as the school saw the row just before —
    but not once the row had ended for it, nor ever to the police."""
    log = [_log_row("skola", "plan.row", "disclosed", 2, 5, ROW),
           _log_row("skola", "follow_up", "disclosed", 3, 6, FOLLOW_UP),
           _log_row("polis", "follow_up", "disclosed", 3, 6, FOLLOW_UP),
           _log_row("skola", "plan.row", "ended", 10, 5, ROW),
           _log_row("skola", "follow_up", "ended", 10, 6, FOLLOW_UP),
           _log_row("skola", "follow_up", "disclosed", 12, 6, FOLLOW_UP)]
    named = "Uppföljning av raden ”Skola – Komma i tid.” (delvis uppnått) från Socialtjänsten: Bättre."
    unnamed = "Uppföljning (delvis uppnått) från Socialtjänsten: Bättre."
    assert [d for c, d in zip(log, describe_changes(log, CAT)) if c.fact.kind == "follow_up"] == [
        named, unnamed, named, unnamed]


def test_a_referral_says_its_date():
    """The date the caseworker gave as *Datum för aktualisering* was shown nowhere — the timeline's time is when it was
    recorded — though a decision or a meeting dated before it is refused as "före datumet för aktualiseringen"."""
    content = {"entry_route": "lul6", "referring_agency": "polis", "referral_date": date(2026, 12, 1),
               "summary": "Misstänkt för rån.", "category": "crime"}
    assert describe_fact(SimpleNamespace(kind="referral", content=content), CAT) == (
        "Aktualisering 2026-12-01 (LUL 6 §-underrättelse) från Polisen: Misstänkt för rån.")


def test_a_decision_says_its_date_when_it_has_one():
    """The decision's date (*Beslutsdatum*) was on the Beslut tab only; the timeline's time is when it was recorded."""
    content = {"accepted": True, "reasons": "Hög risk.", "instruments": ("SAVRY",), "decided_on": date(2026, 12, 2),
               "outside_target_group_reason": None}
    assert describe_fact(SimpleNamespace(kind="eligibility", content=content), CAT) == (
        "Beslut 2026-12-02: aktuell för social insatsgrupp (SAVRY)")
