"""Form input to the API's command models, and their errors back to the field they belong to.

Inputs are named by the model's own paths (``rows.0.goal``), so a pydantic
error's location or a domain error's ``field`` names the input to mark.
The API's models are reused, so a form accepts exactly what the API accepts.

The parsers are split by form kind: ``typed`` (what was sent), ``model`` (to the command model and back),
``case_admin``, ``consents`` and ``group``; every name is here as it was in the one module.
"""

from __future__ import annotations

from services.web.forms.case_admin import NOT_PROTECTED, closure, eligibility, guardians, protection, referral
from services.web.forms.consents import consent, narrowing, scope, withdrawal
from services.web.forms.group import (
    CALL_OFF, PLAN_FIELDS, PLANNED_INPUTS, contribution, departure, follow_up, meeting, member, next_meeting,
    participation, plan,
)
from services.web.forms.model import (
    COLLAPSE, DECISION_CATEGORY, DECISIONS_CATEGORY, EMPTY_CHOICE, LEFT_EMPTY, MORE, SHOWN, YES_NO, Parsed, build,
    domain_errors, field_key, out_of_order, slots,
)
from services.web.forms.typed import EMPTY, FIELDS, FREE_TEXT, ROWS, FormErrors, Typed

__all__ = [
    "CALL_OFF", "COLLAPSE", "DECISION_CATEGORY", "DECISIONS_CATEGORY", "EMPTY", "EMPTY_CHOICE", "FIELDS", "FREE_TEXT",
    "LEFT_EMPTY", "MORE", "NOT_PROTECTED", "PLAN_FIELDS", "PLANNED_INPUTS", "ROWS", "SHOWN", "YES_NO", "FormErrors",
    "Parsed", "Typed", "build", "closure", "consent", "contribution", "departure", "domain_errors", "eligibility", "field_key",
    "follow_up", "guardians", "meeting", "member", "narrowing", "next_meeting", "out_of_order", "participation", "plan",
    "protection", "referral", "scope", "slots", "withdrawal",
]
