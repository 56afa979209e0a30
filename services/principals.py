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
    FEED_READER = "feed_reader"      # an agency's integrating system: reads its agency's feed, nothing else
    EVALUATOR = "evaluator"          # utvärderare (Socialstyrelsen, a researcher it commissions): the de-identified
    #                                  statistics of any municipality, nothing else


# The reader's "agency" in the access log for this installation's command line (`sigill audit`, `sigill views`):
# how its reads are told from an auditor's through the API.
COMMAND_LINE = "sigill"
SOCIAL_SERVICES_ROLES = frozenset({Role.CASEWORKER, Role.COORDINATOR})
# The roles of a system, not of a person: a sign-in holding only these is no one who may use the web client.
SYSTEM_ROLES = frozenset({Role.FEED_READER})


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
    def is_system(self) -> bool:
        """Signed in as a system only: no person's role beside its system roles (roles add up — a person's role
        in the same token keeps that role's rights)."""
        return bool(self.roles) and self.roles <= SYSTEM_ROLES

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


class IdentityProviderUnavailable(Exception):
    """The identity provider's keys cannot be fetched just now, and none kept fits the token: whether it is valid
    cannot be told.  Not an ``AuthenticationFailed``: the token may well be good, and a client told to fetch a new
    one would ask the same provider that is away (the API answers 503 with Retry-After, the web keeps the session)."""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The principal a bearer token names; AuthenticationFailed when it is not valid here,
        IdentityProviderUnavailable when the keys to tell cannot be fetched."""


class _NoSignIn:
    """The verifier of a process that serves no one (``sigill database setup``): every token refused, and no key
    read or made for it."""

    def verify(self, token: str) -> Principal:
        raise AuthenticationFailed("this process signs no one in")


NO_SIGN_IN: TokenVerifier = _NoSignIn()
