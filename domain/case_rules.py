"""Small guards the case's commands share; each raises a domain error naming the rule."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any, Iterable

from domain.calendar import CLOCK_SKEW, EARLIEST_DAY, LATEST_DAY, local_date, within_calendar
from domain.catalogue import Catalogue
from domain.errors import (
    CaseDeclined, CaseIsClosed, ClockWentBackwards, DateBeforeBirth, DateBeforeReferral, DateInFuture,
    EligibilityNotAccepted, InvalidInput, NotLeadAgency,
)
from domain.values import Actor, Phase

SHORT_TEXT = 200     # names, roles, goals' titles
LONG_TEXT = 4000     # summaries, notes, outcomes


def check_text(value: str, field: str, *, max_length: int = LONG_TEXT) -> str:
    """Required text: not blank, at most ``max_length`` characters; returned stripped."""
    if not isinstance(value, str) or not _visible(value):
        raise InvalidInput(f"{field} must not be empty", field=field)
    if has_control_character(value, allowed="\t\n\r"):
        raise InvalidInput(f"{field} holds a control character", field=field)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters", field=field)
    return value


def has_control_character(value: str, allowed: str = "") -> bool:
    """Whether the text holds a control character (C0, DEL or C1) other than ``allowed``: a NUL reaches PostgreSQL,
    which refuses it in text, and the others show as nothing or move the cursor."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value)


# What shows nothing on its own: format characters (a zero-width space), marks with no letter to sit on (combining
# accents, a lone variation selector), private-use characters (no font of ours draws them), noncharacters and
# unassigned code points (U+FFFF, U+FFFE), and lone surrogates.
_SHOWS_NOTHING = frozenset({"Cf", "Mn", "Me", "Mc", "Co", "Cn", "Cs"})
# Letters and symbols drawn as blanks: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the braille pattern
# with no dots (U+2800), and Khmer's inherent vowels (U+17B4, U+17B5).  A name of U+3164 passed as text.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def _visible(value: str) -> bool:
    """Whether the text shows anything: a name of one zero-width space (a format character, not white space to
    ``str.strip``), of Hangul fillers or of a braille blank passed as given and showed as nothing."""
    return any(not ch.isspace() and ch not in _BLANK_LOOKING and unicodedata.category(ch) not in _SHOWS_NOTHING
               for ch in value)


def check_optional_text(value: str | None, field: str, *, max_length: int = LONG_TEXT) -> str:
    return "" if value is None or not _visible(value) else check_text(value, field, max_length=max_length)


def first_repeat(values: Iterable[str]) -> tuple[int, str] | None:
    """The position and value of the first item that repeats an earlier one, or None: a list where naming a thing
    twice is always a mistake is refused there (the field names that position), never silently made a set."""
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            return i, value
        seen.add(value)
    return None


def check_day(day: date, field: str) -> None:
    """A calendar date a command names: within the years the calendar counts (1900–2199)."""
    if not within_calendar(day):
        raise InvalidInput(f"{field} must be a date from {EARLIEST_DAY} to {LATEST_DAY}", field=field)


def check_not_in_future(day: date, at: datetime, field: str) -> None:
    check_day(day, field)
    if day > local_date(at + CLOCK_SKEW):
        raise DateInFuture(f"{field} ({day.isoformat()}) is in the future", field=field)


def check_not_before_birth(day: date, born: date, field: str) -> None:
    """A date of the young person's life: not before the birth the personnummer tells (neither date said back:
    a message may reach logs)."""
    if day < born:
        raise DateBeforeBirth(f"{field} is before the young person was born", field=field)


def check_not_before_referral(day: date, referral_date: date, field: str) -> None:
    """A date of the group's work: not before social services received the referral (a decision's own rule says its
    own words: ``Case.decide_eligibility``)."""
    if day < referral_date:   # neither date said back: what the refusal tells is no more than that
        raise DateBeforeReferral(f"{field} is before the referral date: the group works on a case social services"
                                 " has received", field=field)


def recording_time(last: datetime, now: datetime) -> datetime:
    """When a command handled at ``now`` (this server's clock) is recorded: never before the case's latest event.

    Servers' clocks disagree a little (one host a few seconds behind the host that recorded the latest event).
    A command is decided on the case including that event, so it was made after it: within ``CLOCK_SKEW`` it is
    recorded at that event's time, the earliest moment it can have been made, and the history stays in order.
    Further behind, one of the two clocks is wrong, not merely late: refused, so that no event's time is made up.
    """
    if now.tzinfo is None:
        raise InvalidInput("the recording time must be timezone-aware", field="at")
    if now >= last:
        return now
    if last - now > CLOCK_SKEW:
        raise ClockWentBackwards(
            f"this server's clock is {(last - now).total_seconds():.0f} s behind the case's latest event (more than"
            f" {CLOCK_SKEW.total_seconds():.0f} s): nothing was recorded; the servers' clocks disagree, and this"
            f" one's (or the one that recorded that event) must be corrected")
    return last


def check_in_time_order(last: datetime, at: datetime) -> None:
    if at.tzinfo is None:
        raise InvalidInput("the recording time must be timezone-aware", field="at")
    if at < last:
        raise ClockWentBackwards("a command cannot be recorded before the case's latest event")


def check_lead(catalogue: Catalogue, by: Actor, what: str) -> None:
    if by.agency != catalogue.lead_agency:
        raise NotLeadAgency(f"only {catalogue.agency(catalogue.lead_agency).name} may {what}")


def in_the_group(case: Any, agency: str) -> bool:
    """Whether ``agency`` is an active member of ``case``'s group: in it, and the group still at work — its work ends
    with the case (rules version 7), as an agency's ends when it leaves.  Consent discloses to an active member only
    (DOMAIN.md); the disclosure rules, the case lists and who is placed in a case all ask this."""
    return agency in case.members and case.phase is not Phase.CLOSED


def check_open(phase: Phase) -> None:
    if phase is Phase.CLOSED:
        raise CaseIsClosed("the case is closed: nothing more can be recorded")


def check_not_declined(phase: Phase, what: str) -> None:
    """What only a group's work needs is refused on a case found not eligible: it has no group, and never will."""
    if phase is Phase.DECLINED:
        raise CaseDeclined(f"the case was found not eligible: no group will work in it, so {what} is refused; a new"
                           " referral is the way back (consents given before can still be narrowed or withdrawn)")


def check_accepted(phase: Phase, what: str) -> None:
    check_open(phase)
    if phase not in (Phase.ACCEPTED, Phase.ACTIVE):
        raise EligibilityNotAccepted(f"{what} needs an accepted eligibility decision first")


def check_choice(value: str, choices: type, field: str) -> str:
    allowed = [c.value for c in choices]
    if value not in allowed:
        raise InvalidInput(f"{field} must be one of {', '.join(allowed)}", field=field)
    return value
