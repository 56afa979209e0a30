"""The domain's own checks of a form's dates against the case, said with the form's other errors.

The model refuses a form's empty and malformed fields before the domain is asked, and the domain says one refusal
at a time: a decision dated in the future came only once its reasons were written, the reason for accepting someone
under 15 only once the date was mended, a meeting dated before the referral only once its outcome's category was
chosen — a round each.  A refused form's page reads the case anyway (to show it again), so the same rules are asked
there, of what the reader sees, and each refusal joins the others.  (The domain checks them again on the next save.)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable, Sequence

from domain.case import check_decision_day, check_reason_outside_target_group
from domain.case_rules import check_not_before_referral, check_not_in_future
from domain.errors import DomainError
from domain.judge import Disclosure
from services.web.forms import Typed
from services.web.error_texts import error_text
from services.web.views import facts_seen


def eligibility(f: Typed, disclosures: Sequence[Disclosure], at: datetime) -> dict[str, str]:
    """A decision's day (not in the future, not before the referral) and the reason needed outside 15–25."""
    day, referral, born = _day(f.raw("decided_on")), _referral_date(disclosures), _birth_date(disclosures)
    if day is None or referral is None or born is None:
        return {}
    return {**_refused(lambda: check_decision_day(day, referral, at)),
            **_refused(lambda: check_reason_outside_target_group(f.raw("accepted") == "true", born, day,
                                                                 f.text("outside_target_group_reason")))}


def meeting(f: Typed, disclosures: Sequence[Disclosure], at: datetime, lead: bool) -> dict[str, str]:
    """A meeting's day: not in the future; for social services (the domain's rule is the lead's alone: a member
    may not see the referral), not before the referral."""
    day, referral = _day(f.raw("held_on")), _referral_date(disclosures)
    if day is None:
        return {}
    refused = _refused(lambda: check_not_in_future(day, at, "held_on"))
    if lead and referral is not None and not refused:
        refused = _refused(lambda: check_not_before_referral(day, referral, "held_on"))
    return refused


def joined(errors: dict[str, str], more: dict[str, str], f: Typed) -> dict[str, str]:
    """The refused form's errors with ``more`` for fields not already refused, in the form's order (its inputs'
    order as sent, which the error summary follows)."""
    merged = {**errors, **{key: said for key, said in more.items() if key not in errors}}
    order = {name: n for n, name in enumerate(f.names())}
    return dict(sorted(merged.items(), key=lambda item: order.get(item[0], len(order))))


def _refused(check: Callable[[], None]) -> dict[str, str]:
    try:
        check()
    except DomainError as error:
        return {error.field or "": error_text(error.code, error.message)}
    return {}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:   # blank or malformed: the model says so
        return None


def _referral_date(disclosures: Sequence[Disclosure]) -> date | None:
    referrals = facts_seen(disclosures, "referral")
    return referrals[0].content["referral_date"] if referrals else None


def _birth_date(disclosures: Sequence[Disclosure]) -> date | None:
    subject = facts_seen(disclosures, "case.subject")
    return subject[0].content["birth_date"] if subject else None
