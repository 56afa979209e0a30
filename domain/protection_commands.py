"""Protected personal data (skyddade personuppgifter): social services records that the young person has it, or no
longer has it.

Skatteverket's sekretessmarkering or skyddad folkbokföring — for a young person leaving a criminal network it can be
a matter of life and death.  Recording it changes nothing of who sees what (the disclosure rules are not asked
about it): it is a fact of the case (`case.protected`, category `case`) that reaches exactly those who see that the
case exists, and tells them to apply their own protected-identity handling.  Sigill holds no address.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from domain import case_events as ev
from domain.calendar import local_date
from domain.case_rules import check_choice, check_not_before_birth, check_not_in_future
from domain.catalogue import Catalogue
from domain.errors import InvalidInput, ProtectionUnchanged
from domain.values import Actor, ProtectionKind

if TYPE_CHECKING:
    from domain.case import Case


class ProtectionCommands:
    def record_protection(self: Case, *, protected: bool, by: Actor, at: datetime, catalogue: Catalogue,
                          kind: str | None = None, since: date | None = None) -> None:
        """Record that the young person has protected personal data of ``kind`` from ``since`` (default: today), or,
        ``protected`` false, that it no longer has; only social services, on a case not closed."""
        self._check_command(by, at, catalogue, lead_only="record protected personal data")
        if not isinstance(protected, bool):
            raise InvalidInput("protected must be true or false", field="protected")
        since = local_date(at) if since is None else since
        check_not_in_future(since, at, "since")
        # Skatteverket's marking may well be older than the case, never older than the young person.
        check_not_before_birth(since, self.born, "since")
        if protected:
            self._protect(check_choice(_required_kind(kind), ProtectionKind, "kind"), since, by, at)
        else:
            self._lift_protection(kind, since, by, at)

    def _protect(self: Case, kind: str, since: date, by: Actor, at: datetime) -> None:
        if self.protection is not None and self.protection.kind == kind:
            raise ProtectionUnchanged(f"the young person's protected personal data ({kind}) is already recorded",
                                      field="kind")
        self._check_not_before_protection(since)   # a change of kind: the kind it replaces held until then
        self._trigger(ev.ProtectionRecorded, at, by, kind=kind, since=since)

    def _lift_protection(self: Case, kind: str | None, since: date, by: Actor, at: datetime) -> None:
        if kind is not None:
            raise InvalidInput("leave kind out when the young person no longer has protected personal data",
                               field="kind")
        if self.protection is None:
            raise ProtectionUnchanged("no protected personal data is recorded for the young person: there is none"
                                      " to lift", field="protected")
        self._check_not_before_protection(since)
        self._trigger(ev.ProtectionLifted, at, by, since=since)

    def _check_not_before_protection(self: Case, since: date) -> None:
        """A change (another kind, or none) from before the recorded protection began would rewrite its start."""
        if self.protection is not None and since < self.protection.since:
            raise InvalidInput(f"since ({since}) is before the protection began ({self.protection.since})",
                               field="since")


def _required_kind(kind: str | None) -> str:
    if kind is None:
        raise InvalidInput("kind is required when the young person has protected personal data: one of "
                           + ", ".join(k.value for k in ProtectionKind), field="kind")
    return kind
