"""Consent commands of the case: grant, narrow, withdraw.

Only the person who gave a consent narrows or withdraws it; a guardian
consents only while the young person is under 18.  No consent is granted on
a case found not eligible (it has no group); narrowing and withdrawing are
never refused for that: a consenter may always take a consent back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable
from uuid import uuid4

from domain import case_events as ev
from domain.calendar import local_date
from domain.case_rules import (
    SHORT_TEXT, check_choice, check_day, check_not_before_referral, check_not_declined, check_text, first_repeat,
)
from domain.catalogue import Catalogue
from domain.errors import (
    ConsentNotInForce, GuardianCannotConsentForAdult, GuardianConsentFrom18, InvalidInput, NarrowingEndsBeforeItsDay,
    NarrowingMustShrink, NotACustodialGuardian, NotTheConsenter, UnknownConsent,
)
from domain.values import YOUNG_PERSON, Actor, ConsentForm, ConsentRecord, ScopeEntry, scope_pairs

if TYPE_CHECKING:
    from domain.case import Case


class ConsentCommands:
    def grant_consent(self: Case, *, consenter: str, scope: Iterable[ScopeEntry], purpose: str,
                      valid_from: date, valid_until: date | None, form: str, by: Actor, at: datetime,
                      catalogue: Catalogue) -> str:
        """Record a consent given by the young person or a custodial guardian; returns its id.

        Before the eligibility decision too (the young person is motivated to consent while it is assessed), but not
        after a decline: consent is for the group's work, and a declined case gets no group."""
        self._check_command(by, at, catalogue, lead_only="record consents")
        check_not_declined(self.phase, "granting a consent")
        self._check_may_consent(consenter, at)
        checked = _checked_scope(scope, catalogue)
        _check_dates(valid_from, valid_until)
        check_not_before_referral(valid_from, self.referral_date, "valid_from")   # granting only: stored ones stand
        self._check_counts_some_day(consenter, valid_from)
        consent_id = str(uuid4())
        self._trigger(ev.ConsentGranted, at, by, consent_id=consent_id, consenter=consenter, scope=checked,
                      purpose=check_text(purpose, "purpose", max_length=SHORT_TEXT), valid_from=valid_from,
                      valid_until=valid_until, form=check_choice(form, ConsentForm, "form"))
        return consent_id

    def narrow_consent(self: Case, *, consent_id: str, consenter: str, scope: Iterable[ScopeEntry],
                       valid_until: date | None, by: Actor, at: datetime, catalogue: Catalogue) -> None:
        """The consenter takes back part of a consent: fewer recipients or categories, or an earlier end.

        No ``valid_until`` keeps the consent's end: a narrowing cannot lengthen a consent, so "no end" could
        only ever be refused (it was, as a widening of the scope, which had not widened)."""
        self._check_command(by, at, catalogue, lead_only="record consents")
        record = self._consent_of(consent_id, consenter, at)
        checked = _checked_scope(scope, catalogue)
        valid_until = record.valid_until if valid_until is None else valid_until
        _check_dates(record.valid_from, valid_until)
        if not scope_pairs(checked) <= scope_pairs(record.scope):
            raise NarrowingMustShrink("a narrowing may only remove recipients or categories, or end earlier",
                                      field="scope")
        if valid_until is not None and valid_until < local_date(at):
            # It would end the consent now in fact (the log ends it at this moment), while its record said it ended
            # days ago, before facts an auditor sees were shown under it: a withdrawal says what happens.
            raise NarrowingEndsBeforeItsDay(f"a narrowing cannot end the consent before today ({local_date(at)}):"
                                            " what was shown under it until now stands; to end it now, withdraw it",
                                            field="valid_until")
        if not _ends_no_later(valid_until, record.valid_until):
            raise NarrowingMustShrink(f"a narrowing may only end the consent earlier than {record.valid_until}"
                                      if record.valid_until else "a narrowing may only end the consent earlier",
                                      field="valid_until")
        if scope_pairs(checked) == scope_pairs(record.scope) and valid_until == record.valid_until:
            raise NarrowingMustShrink("the narrowing changes nothing", field="scope")
        self._trigger(ev.ConsentNarrowed, at, by, consent_id=consent_id, scope=checked, valid_until=valid_until)

    def withdraw_consent(self: Case, *, consent_id: str, consenter: str, by: Actor, at: datetime,
                         catalogue: Catalogue) -> None:
        """The consenter withdraws the consent: nothing more is disclosed under it from now."""
        self._check_command(by, at, catalogue, lead_only="record consents")
        self._consent_of(consent_id, consenter, at)
        self._trigger(ev.ConsentWithdrawn, at, by, consent_id=consent_id)

    def _check_may_consent(self: Case, consenter: str, at: datetime) -> None:
        if consenter == YOUNG_PERSON:
            return
        guardian = self.guardians.get(consenter)
        if guardian is None or not guardian.has_custody:
            raise NotACustodialGuardian("the consenter is neither the young person nor a guardian with custody",
                                        field="consenter")
        if self.age_on(local_date(at)) >= 18:
            raise GuardianCannotConsentForAdult("the young person is 18 or older: a guardian cannot consent",
                                                field="consenter")

    def _check_counts_some_day(self: Case, consenter: str, valid_from: date) -> None:
        """A guardian's consent counts only before the 18th birthday (DOMAIN.md): one that begins on it or later would
        never count, yet read "begins later", then "in force", and was counted among the consents in force."""
        if consenter != YOUNG_PERSON and valid_from >= self.eighteenth_birthday:
            raise GuardianConsentFrom18(
                f"the consent would begin on or after the young person's 18th birthday ({self.eighteenth_birthday}),"
                " from which a guardian's consent no longer counts", field="valid_from")

    def _consent_of(self: Case, consent_id: str, consenter: str, at: datetime) -> ConsentRecord:
        record = self.consents.get(consent_id)
        if record is None:
            raise UnknownConsent("no such consent in this case", field="consent_id")
        if record.consenter != consenter:
            raise NotTheConsenter("only the person who gave the consent may narrow or withdraw it",
                                  field="consenter")
        if record.withdrawn_at is not None:
            raise ConsentNotInForce("the consent has already been withdrawn", field="consent_id")
        return record


def _checked_scope(scope: Iterable[ScopeEntry], catalogue: Catalogue) -> tuple[ScopeEntry, ...]:
    """Each recipient once, each of its categories once: a scope naming one twice was merged silently, so what the
    consenter was asked and what was recorded could differ without anyone being told.  Checked here, on the command,
    never when an event is applied: consents stored before are read as they were."""
    entries = tuple(scope)
    first_entry: dict[str, int] = {}
    for i, entry in enumerate(entries):
        catalogue.agency(entry.agency, field=f"scope.{i}.agency")
        if entry.agency in first_entry:
            raise InvalidInput(f"the agency '{entry.agency}' is named twice in the scope (entries"
                               f" {first_entry[entry.agency]} and {i}): merge its categories into one entry",
                               field=f"scope.{i}.agency")
        first_entry[entry.agency] = i
        for j, category in enumerate(entry.categories):
            catalogue.category(category, field=f"scope.{i}.categories.{j}")
        repeat = first_repeat(entry.categories)
        if repeat is not None:
            raise InvalidInput(f"the category '{repeat[1]}' is named twice for '{entry.agency}': name each category"
                               " once", field=f"scope.{i}.categories.{repeat[0]}")
    checked = tuple(ScopeEntry(e.agency, tuple(sorted(e.categories))) for e in sorted(entries, key=lambda e: e.agency)
                    if e.categories)
    if not checked:
        raise InvalidInput("a consent must name at least one recipient and category", field="scope")
    return checked


def _check_dates(valid_from: date, valid_until: date | None) -> None:
    check_day(valid_from, "valid_from")
    if valid_until is not None:
        check_day(valid_until, "valid_until")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput("valid_until is before valid_from", field="valid_until")


def _ends_no_later(new: date | None, old: date | None) -> bool:
    return old is None or (new is not None and new <= old)
