"""The port to the organisation's OpenID Connect provider: what the web client's sign-in needs from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.errors import one_line
from services.principals import Principal


class SignInFailed(Exception):
    """The provider's answer cannot sign anyone in.  ``reason``: denied, state, refused, token, claims, unreachable."""

    def __init__(self, reason: str, detail: str = "") -> None:
        detail = one_line(detail)   # logged: the provider's text, or a browser's (the callback's ``error``)
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    id_token: str
    expires_at: int
    refresh_token: str | None = None  # when the provider gives one: the session is renewed with it


class IdentityProvider(Protocol):
    def authorization_url(self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str) -> str:
        """Where to send the browser to sign in (SignInFailed('unreachable') without discovery)."""

    def redeem(self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> SignedIn:
        """The code exchanged and its ID token verified; SignInFailed otherwise."""

    def refresh(self, *, refresh_token: str, subject: str) -> SignedIn:
        """A new ID token for the same subject from the token endpoint; SignInFailed otherwise."""

    def session_principal(self, id_token: str) -> Principal:
        """The user a session's ID token names (AuthenticationFailed when it is no longer valid,
        IdentityProviderUnavailable when the provider's keys to tell cannot be fetched)."""

    def end_session_url(self, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session URL for this session, if it advertises one."""
