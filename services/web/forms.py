"""Form input to the API's command models, and their errors back to the field they belong to.

Inputs are named by the model's own paths (``rows.0.goal``), so a pydantic
error's location or a domain error's ``field`` names the input to mark.
The API's models are reused, so a form accepts exactly what the API accepts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ValidationError

from domain.errors import DomainError
from services.api.commands import Many
from services.web.texts import FIELD_ERRORS, GUARDIAN_NAME_KEPT, GUARDIAN_NAME_NONE, PYDANTIC_ERRORS, T, error_text, \
    text_too_long

# Repeated rows (plan rows, guardians, outcomes) read from a form: as many as the API takes in a list.  Twelve were
# read before, and a plan of fifteen rows made over the API lost three, silently, when its form was saved.
ROWS = Many
FIELDS = ROWS * 16 + 100   # a form's fields at most: a plan row's six and a checkbox per agency, and the rest
EMPTY = ("", None)


# The form fields whose value is text the user wrote (the last part of the name: ``outcomes.0.text``).
FREE_TEXT = frozenset({"text", "note", "summary", "reasons", "main_goal", "goal", "how", "responsible", "purpose",
                       "reason", "outcome", "outside_target_group_reason", "other_attendees", "decisions",
                       "not_taking_part_reason"})


class Typed:
    """What the user typed (or the defaults of a fresh form), for re-rendering it unchanged."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, list[str]] = {}
        for key, value in items:
            self._items.setdefault(key, []).append(value)

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Typed:
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            for v in value if isinstance(value, (list, tuple, set, frozenset)) else [value]:
                if v is not None:
                    pairs.append((key, str(v)))
        return cls(pairs)

    def get(self, name: str, default: str = "") -> str:
        values = self._items.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self._items.get(name, []))

    def written(self) -> list[str]:
        """The free text the user wrote (a note, a summary, a goal, an outcome…), in the form's order: what an error
        page gives back when the form was not saved, so that nothing typed is lost."""
        return [v.strip() for key, values in self._items.items() if key.rsplit(".", 1)[-1] in FREE_TEXT
                for v in values if v.strip()]

    def with_defaults(self, values: Mapping[str, str]) -> Typed:
        """A copy, with ``values`` for the names that have none."""
        missing = [(k, v) for k, v in values.items() if not self.get(k)]
        return Typed([(k, v) for k, vs in self._items.items() for v in vs] + missing)

    def names(self) -> list[str]:
        return list(self._items)

    def has(self, name: str, value: str) -> bool:
        return value in self._items.get(name, [])

    def text(self, name: str) -> str | None:
        """A text input's value, None when blank (so a required field reports 'missing')."""
        value = self.get(name).strip()
        return value or None

    def raw(self, name: str) -> str:
        return self.get(name).strip()


class FormErrors(Exception):
    """The form was refused: ``errors`` maps each field to its message (key "" for the whole form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("form refused")
        self.errors = errors


# Errors deep inside a group of inputs are shown next to the group.
DECISIONS_CATEGORY = "decisions.0.category"   # the select's name (its errors are any decision's category's)
DECISION_CATEGORY = re.compile(r"^decisions(\.\d+)?\.category$")
COLLAPSE = [re.compile(p) for p in (r"^scope\b", r"^instruments\b", r"^attendees\b", r"^other_attendees\b",
                                     r"^decisions\b", r"^guardians$", r"^guardians_took_part\b",
                                     r"^(rows\.\d+\.responsible_agencies)\b")]


def field_key(path: str) -> str:
    """``rows[0].goal`` or ``rows.0.goal`` → ``rows.0.goal``; a group's inner errors → the group."""
    key = re.sub(r"\[(\d+)\]", r".\1", path or "").strip(".")
    if DECISION_CATEGORY.match(key):   # one select for every decision's category
        return DECISIONS_CATEGORY
    for pattern in COLLAPSE:
        match = pattern.match(key)
        if match:
            return match.group(1) if match.groups() else match.group(0)
    return key


class Parsed:
    """A form's data for the model, and where each repeated row sits in the form (blank rows are skipped)."""

    def __init__(self, data: dict[str, Any], positions: dict[str, list[int]] | None = None,
                 refused: dict[str, str] | None = None, choices: Iterable[str] = ()) -> None:
        self.data, self.positions = data, positions or {}
        self.refused = refused or {}   # the form's own rules, beyond the model's: field -> message
        # The inputs that are a choice (a select, radio buttons), a row's by its name with "#" for the row's number
        # (``outcomes.#.category``): one left empty says "Välj ett av alternativen.", whatever the model's type.
        self.choices = frozenset(choices)

    def is_choice(self, key: str) -> bool:
        return re.sub(r"\.\d+(?=\.|$)", ".#", key) in self.choices

    def key(self, path: str) -> str:
        """The input's name for a model path: ``rows.1.goal`` is the form's row 3 when row 2 was blank."""
        key = field_key(path)
        group, _, rest = key.partition(".")
        index, _, tail = rest.partition(".")
        if group in self.positions and index.isdigit() and int(index) < len(self.positions[group]):
            key = ".".join(p for p in (group, str(self.positions[group][int(index)]), tail) if p)
        return key


EMPTY_CHOICE = PYDANTIC_ERRORS["enum"]   # "Välj ett av alternativen."

# What a field left empty is refused as (its value None): it was not filled in, not of the wrong kind.
LEFT_EMPTY = frozenset({"string_type", "date_type", "int_type", "bool_type", "uuid_type"})


def build(model: type[BaseModel], parsed: Parsed) -> Any:
    """The command model from form data; FormErrors (in Swedish, per field) when it does not fit."""
    errors: dict[str, str] = {}
    try:
        built = model.model_validate(parsed.data)
    except ValidationError as error:
        for problem in error.errors():
            key = parsed.key(".".join(str(p) for p in problem.get("loc", ())))
            kind = problem.get("type", "")
            # A domain check run as a validator (the text rules) says its rule in its message: "… must not be empty".
            said = error_text("", problem.get("msg", "")) if kind == "value_error" else None
            if kind == "string_too_long" and "max_length" in problem.get("ctx", {}):
                said = text_too_long(problem["ctx"]["max_length"])
            if problem.get("input", "") is None and kind in LEFT_EMPTY:   # a field left empty reads as None
                said = PYDANTIC_ERRORS["missing"]
            if problem.get("input", "") is None and parsed.is_choice(key):
                # A choice left empty: an enum's said "Välj ett av alternativen.", an id's (an agency, a plan
                # row) "Fältet måste fyllas i." — two empty selects of one form, told apart by the model's types.
                said = FIELD_ERRORS.get((key, "missing"), EMPTY_CHOICE)
            said = said or FIELD_ERRORS.get((key, kind))
            if said == PYDANTIC_ERRORS["missing"]:   # a choice left empty, said for what it chooses
                said = FIELD_ERRORS.get((key, "missing"), said)
            errors.setdefault(key, said or PYDANTIC_ERRORS.get(kind, "Ogiltigt värde."))
        raise FormErrors(_with_refused(errors, parsed.refused)) from None
    if parsed.refused:
        raise FormErrors(dict(parsed.refused))
    return built


def _with_refused(errors: dict[str, str], refused: dict[str, str]) -> dict[str, str]:
    """The model's errors and the form's own, in the form's order (the model's fields, then boxes such as a closure's
    confirmation, which come last in their forms); the form's own message wins for a field both refuse."""
    return {**{key: refused.get(key, said) for key, said in errors.items()},
            **{key: said for key, said in refused.items() if key not in errors}}


def domain_errors(error: DomainError, parsed: Parsed | None = None) -> FormErrors:
    key = parsed.key(error.field or "") if parsed else field_key(error.field or "")
    return FormErrors({key: error_text(error.code, error.message)})


MORE = "fler_rader"   # the button that shows the form again with one more blank row, saving nothing
SHOWN = "rader"       # how many rows the form showed (so a form shown again never shows fewer)


def slots(f: Typed | None, group: str, kept: int, blank: int) -> range:
    """The rows a form shows: the ``kept`` ones (a plan's current rows) and ``blank`` more; as shown again, never
    fewer than it showed, every row typed in, and one more for "Fler rader".  (A new plan offered two blank rows and
    no way to get a third: a plan of five rows took three saves, each a revision.)"""
    if f is None:
        return range(min(kept + blank, ROWS))
    # Sent back by the browser, so possibly by hand: short ASCII numbers only ('²' is a digit to isdigit() and int()
    # refuses it, as it does a number of over 4,300 digits — each was a 500); anything else is no row.
    typed = [int(m.group(1)) for name in f.names() for m in [re.match(rf"^{group}\.([0-9]{{1,6}})\.", name)]
             if m and f.get(name).strip()]
    shown = int(f.get(SHOWN)) if re.fullmatch(r"[0-9]{1,6}", f.get(SHOWN)) else 0
    n = max(kept + blank, shown, max(typed, default=-1) + 1) + (1 if f.get(MORE) else 0)
    return range(min(n, ROWS))


# -- one parser per form: what the model expects, from the named inputs -------------------------------------


def referral(f: Typed, municipality: str) -> Parsed:
    return Parsed({"municipality": municipality, "personnummer": f.text("personnummer"), "name": f.text("name"),
            "entry_route": f.text("entry_route"), "referring_agency": f.text("referring_agency"),
            "referral_date": f.text("referral_date"), "summary": f.text("summary"),
            "summary_category": f.text("summary_category"),
            "duplicate_confirmed": f.has("duplicate_confirmed", "on")},
            choices=("entry_route", "referring_agency", "summary_category"))


# The radios' values as the API's StrictBool takes them; any other text stays text, refused as a choice.
YES_NO = {"true": True, "false": False}


def eligibility(f: Typed) -> Parsed:
    accepted = f.text("accepted")
    return Parsed({"accepted": YES_NO.get(accepted, accepted), "reasons": f.text("reasons"),
            "instruments": f.getlist("instruments"), "decided_on": f.text("decided_on"), "outside_target_group_reason": f.text("outside_target_group_reason"),
            "expected_version": f.text("expected_version")}, choices=("accepted",))


def guardians(f: Typed) -> Parsed:
    rows, positions, refused = [], [], {}
    nameless: int | None = None   # the first new row with custody ticked and no name
    for i in range(ROWS):
        name, known = f.text(f"guardians.{i}.name"), f.text(f"guardians.{i}.guardian_id")
        if name is None and known is None:
            if nameless is None and f.has(f"guardians.{i}.has_custody", "on"):
                nameless = i
            continue
        if name is None:   # a recorded guardian's name emptied: said how custody ends, not "Fältet måste fyllas i."
            refused[f"guardians.{i}.name"] = GUARDIAN_NAME_KEPT
        rows.append({"guardian_id": known, "name": name, "has_custody": f.has(f"guardians.{i}.has_custody", "on")})
        positions.append(i)
    if not rows and nameless is not None:
        # Blank new rows are skipped, but with none named there is nobody to save: the row is asked its name, where
        # "Ange minst en förälder eller vårdnadshavare." of the whole list did not say what to fill in.
        rows.append({"guardian_id": None, "name": None, "has_custody": True})
        positions.append(nameless)
        refused[f"guardians.{nameless}.name"] = GUARDIAN_NAME_NONE
    return Parsed({"guardians": rows, "expected_version": f.text("expected_version")}, {"guardians": positions},
                  refused)


def scope(f: Typed) -> list[dict[str, Any]]:
    """Checkboxes named ``scope`` with values ``agency:category``."""
    by_agency: dict[str, list[str]] = {}
    for pair in f.getlist("scope"):
        agency, _, category = pair.partition(":")
        by_agency.setdefault(agency, []).append(category)
    return [{"agency": a, "categories": cs} for a, cs in by_agency.items()]


def _out_of_order(f: Typed, first: str, then: str, rule: str) -> dict[str, str]:
    """``then`` dated before ``first``, said at ``then`` in the domain's words (``rule``, its message) beside the
    fields left empty: the domain's own check came only once those were mended, in a second refusal.  (The domain
    checks it again.)"""
    try:
        before = date.fromisoformat(f.raw(then)) < date.fromisoformat(f.raw(first))
    except ValueError:   # blank or malformed: the model says so
        return {}
    return {then: error_text("", rule)} if before else {}


def consent(f: Typed) -> Parsed:
    return Parsed({"consenter": f.text("consenter"), "scope": scope(f), "purpose": f.text("purpose"),
            "valid_from": f.text("valid_from"), "valid_until": f.text("valid_until"), "form": f.text("form"),
            "expected_version": f.text("expected_version")}, choices=("consenter", "form"),
            refused=_out_of_order(f, "valid_from", "valid_until", "valid_until is before valid_from"))


def narrowing(f: Typed) -> Parsed:
    left = scope(f)
    # Nothing left is a withdrawal, said as such (no box to tick for it); otherwise a narrowing cannot be undone, so
    # it waits for the box that says so, as a withdrawal does.  (One that changes nothing is said so by the page it
    # comes back to, which knows the consent: ``consent_views.narrowing_errors``.)
    if not left:
        refused = {"scope": T["narrowing_left_empty"]}
    else:
        refused = {} if f.has("confirm", "on") else {"confirm": T["consent_narrow_unconfirmed"]}
    return Parsed({"consenter": f.text("consenter"), "scope": left, "valid_until": f.text("valid_until"),
            "expected_version": f.text("expected_version")}, refused=refused)


def withdrawal(f: Typed) -> Parsed:
    return Parsed({"consenter": f.text("consenter"), "expected_version": f.text("expected_version")})


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
                   "expected_version": f.text("expected_version")}, {"rows": positions})


YES_NO = {"true": True, "false": False}


def participation(f: Typed) -> dict[str, Any]:
    """Who drew the plan up: the yes/no radios (unanswered: not recorded; anything else is the model's to refuse),
    the guardians ticked, the reason."""
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
                  refused=_out_of_order(f, "held_on", "next_meeting", "next_meeting is before the meeting itself"))


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


def closure(f: Typed) -> Parsed:
    # Closing cannot be undone, so it waits for the box that says so to be ticked (said with the fields' errors).
    unconfirmed = {} if f.has("confirm", "on") else {"confirm": T["closure_unconfirmed"]}
    return Parsed({"reason": f.text("reason"), "outcome": f.text("outcome"), "expected_version": f.text("expected_version")},
                  refused=unconfirmed, choices=("reason",))


class _ProtectionParsed(Parsed):
    """The protection form has one select (``kind``) for the state, so an error at ``protected`` is said there."""

    def key(self, path: str) -> str:
        return "kind" if field_key(path) == "protected" else super().key(path)


NOT_PROTECTED = "none"   # the protection form's choice for "no protected personal data"


def protection(f: Typed) -> Parsed:
    kind = f.text("kind")
    return _ProtectionParsed({"protected": None if kind is None else kind != NOT_PROTECTED,
                              "kind": None if kind in (None, NOT_PROTECTED) else kind,
                              "since": f.text("since"), "expected_version": f.text("expected_version")},
                             choices=("kind",))
