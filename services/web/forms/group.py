"""The parsers of the group's forms: a member joining or leaving, the action plan, a meeting and the next one, a
contribution, a follow-up."""

from __future__ import annotations

from typing import Any

from services.web.forms.model import DECISIONS_CATEGORY, YES_NO, Parsed, field_key, out_of_order
from services.web.forms.typed import ROWS, Typed
from services.web.error_texts import FIELD_ERRORS, PYDANTIC_ERRORS


def member(f: Typed) -> Parsed:
    return Parsed({"agency": f.text("agency"), "contact_person": f.text("contact_person"), "role": f.text("role"),
            "expected_version": f.text("expected_version")}, choices=("agency",))


def departure(f: Typed) -> Parsed:
    return Parsed({"reason": f.text("reason"), "expected_version": f.text("expected_version")})


PLAN_FIELDS = ("area", "goal", "how", "responsible", "follow_up")


def plan(f: Typed) -> Parsed:
    rows, positions = [], []
    for i in range(ROWS):
        texts = {name: f.text(f"rows.{i}.{name}") for name in PLAN_FIELDS}
        agencies = f.getlist(f"rows.{i}.responsible_agencies")
        if all(v is None for v in texts.values()) and not agencies:
            continue  # a blank row is not part of the plan (a carried row left blank is removed)
        rows.append({**texts, "follow_up": texts["follow_up"] or "", "responsible_agencies": agencies,
                     "category": f.text(f"rows.{i}.category"), "row_id": f.text(f"rows.{i}.row_id")})
        positions.append(i)
    return Parsed({"main_goal": f.text("main_goal"), "rows": rows, **participation(f),
                   "expected_version": f.text("expected_version")}, {"rows": positions},
                  refused=_participation_unanswered(f))


def _participation_unanswered(f: Typed) -> dict[str, str]:
    """The form's own rule: each new revision says whether the young person took part (a supervisor reads it per
    revision; left blank, a revision that only edited a row recorded "Ej angivet"). The API still takes it left
    out, as not recorded."""
    if f.text("young_person_took_part") is None:
        return {"young_person_took_part": FIELD_ERRORS[("young_person_took_part", "missing")]}
    return {}


def participation(f: Typed) -> dict[str, Any]:
    """Who drew the plan up: the yes/no radios (unanswered: refused by the form, ``_participation_unanswered``;
    anything else is the model's to refuse), the guardians ticked, the reason."""
    answer = f.text("young_person_took_part")
    return {"young_person_took_part": YES_NO.get(answer, answer),
            "guardians_took_part": f.getlist("guardians_took_part"),
            "not_taking_part_reason": f.text("not_taking_part_reason")}


def meeting(f: Typed) -> Parsed:
    outcomes, positions = [], []
    for i in range(ROWS):
        text = f.text(f"outcomes.{i}.text")
        if text is None:
            continue
        outcomes.append({"category": f.text(f"outcomes.{i}.category"),
                         "origin_agency": f.text(f"outcomes.{i}.origin_agency"), "text": text})
        positions.append(i)
    # One category for the meeting's decisions, chosen (no default: under `case` every member would see them).
    category = f.text(DECISIONS_CATEGORY)
    decisions = [{"text": line.strip(), "category": category} for line in f.raw("decisions").splitlines()
                 if line.strip()]
    others = [o.strip() for o in f.raw("other_attendees").split(",") if o.strip()]
    # A meeting with nobody attending and nothing minuted is the domain's to refuse (empty_meeting): one rule, the
    # API's and the form's, said in Swedish by its code.
    return Parsed({"held_on": f.text("held_on"), "attendees": f.getlist("attendees"), "other_attendees": others,
                   "outcomes": outcomes, "decisions": decisions, "next_meeting": f.text("next_meeting"),
                   "expected_version": f.text("expected_version")}, {"outcomes": positions},
                  choices=("outcomes.#.category", "outcomes.#.origin_agency", "decisions.#.category"),
                  refused=out_of_order(f, "held_on", "next_meeting", "next_meeting is before the meeting itself"))


# The form "Planera nästa möte" on the Möten page, beside the meeting's own form (its next_meeting): inputs of their
# own, each refusal of the command said at them.
PLANNED_INPUTS = {"next_meeting": "planned_on", "kind": "planned_kind"}
CALL_OFF = "stall_in"   # the button that calls the planned meeting off


class _PlanParsed(Parsed):
    def key(self, path: str) -> str:
        return PLANNED_INPUTS.get(field_key(path), super().key(path))


def next_meeting(f: Typed) -> Parsed:
    """A day (and a kind) planned, or — the button Ställ in — the planned meeting called off.  A day left empty is
    refused here: sent as none, it would call the meeting off."""
    if f.get(CALL_OFF):
        return _PlanParsed({"next_meeting": None, "kind": None, "expected_version": f.text("expected_version")})
    day = f.text("planned_on")
    return _PlanParsed({"next_meeting": day, "kind": f.text("planned_kind"),
                        "expected_version": f.text("expected_version")},
                       refused={} if day else {"planned_on": PYDANTIC_ERRORS["missing"]}, choices=("planned_kind",))


def contribution(f: Typed) -> Parsed:
    return Parsed({"category": f.text("category"), "text": f.text("text"), "legal_basis": f.text("legal_basis"),
            "expected_version": f.text("expected_version")}, choices=("category", "legal_basis"))


def follow_up(f: Typed) -> Parsed:
    return Parsed({"row_id": f.text("row_id"), "status": f.text("status"), "note": f.text("note"),
            "expected_version": f.text("expected_version")}, choices=("row_id", "status"))
