"""A form's data for the API's command model, and the model's and the domain's errors back to the input they
belong to; the rows a form of rows shows."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from domain.errors import DomainError
from services.web.forms.typed import ROWS, FormErrors, Typed, row_pattern
from services.web.error_texts import FIELD_ERRORS, PYDANTIC_ERRORS, error_text, text_too_long

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
        return row_pattern(key) in self.choices

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


# The radios' values as the API's StrictBool takes them; any other text stays text, refused as a choice.
YES_NO = {"true": True, "false": False}


def out_of_order(f: Typed, first: str, then: str, rule: str) -> dict[str, str]:
    """``then`` dated before ``first``, said at ``then`` in the domain's words (``rule``, its message) beside the
    fields left empty: the domain's own check came only once those were mended, in a second refusal.  (The domain
    checks it again.)"""
    try:
        before = date.fromisoformat(f.raw(then)) < date.fromisoformat(f.raw(first))
    except ValueError:   # blank or malformed: the model says so
        return {}
    return {then: error_text("", rule)} if before else {}
