"""Who is asking: the signed-in user, as the identity provider's token describes them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from domain.values import Actor


class Role(str, Enum):
    CASEWORKER = "caseworker"        # handläggare at social services
    COORDINATOR = "coordinator"      # samordnare at social services
    MEMBER = "member"                # contact person of a member agency
    AUDITOR = "auditor"              # JO or IVO: reads everything, changes nothing
    ADMINISTRATOR = "administrator"  # configuration, never case content


SOCIAL_SERVICES_ROLES = frozenset({Role.CASEWORKER, Role.COORDINATOR})


@dataclass(frozen=True)
class Principal:
    subject: str              # the identity provider's opaque user id
    name: str
    agency: str               # a catalogue agency id; for auditors their body ("jo", "ivo")
    roles: frozenset[Role]
    municipality: str | None = None
    expires_at: float | None = None  # the token's `exp` (seconds since the epoch): a stream ends there

    def has(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def role_names(self) -> str:
        return ",".join(sorted(r.value for r in self.roles))

    @property
    def actor(self) -> Actor:
        """How the user is named in the events they record: agency and opaque user id, never their name."""
        return Actor(self.agency, self.subject)


CLAIM_LENGTH = 256   # the longest claim (sub, name, agency, municipality) a token may carry


class AuthenticationFailed(Exception):
    """The request carries no valid token; the message says why (never the token)."""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The principal a bearer token names; AuthenticationFailed when it is not valid here."""
