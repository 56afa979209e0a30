"""The web client's OIDC relying party: the authorization-code flow with PKCE against the configured issuer.

Endpoints come from the issuer's discovery document (cached); the ID token
is verified against the document's JWKS for signature, issuer, audience
(our client id), expiry and the nonce this browser's flow sent, and mapped
to a ``Principal`` by the same claim mapping as the API's bearer tokens.
"""

from __future__ import annotations

import base64
import hmac
from urllib.parse import urlencode

from gateways.jwt_tokens import Discovery, JwtVerifier, ProviderUnreachable, RecentFailure, fetch_json, principal_from
from services.principals import AuthenticationFailed, IdentityProviderUnavailable, Principal
from services.identity_provider import SignedIn, SignInFailed
from services.shown_url import without_userinfo

SCOPES = "openid profile"


class OidcClient:
    """Implements ``IdentityProvider`` for one issuer and one confidential client."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, *, discovery: Discovery | None = None) -> None:
        self.issuer, self.client_id, self._secret = issuer, client_id, client_secret
        self._discovery = discovery or Discovery(issuer)
        # The session verifier: ID tokens are for us (aud = client id), from our issuer, signed by its keys.
        self._tokens = JwtVerifier(issuer, client_id, discovery=self._discovery)
        # Renewals are asked for on every request of a session that is due, and each that cannot reach the token
        # endpoint is only postponed: after one could not, the next are postponed at once for a few seconds, not
        # each held for the fetch's timeout (with the shared renewal's lock and database connection) to ask again.
        self._refreshes_failed = RecentFailure()

    def authorization_url(self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str) -> str:
        query = urlencode({"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                           "scope": SCOPES, "state": state, "nonce": nonce, "code_challenge": code_challenge,
                           "code_challenge_method": "S256"})
        endpoint = self._endpoint("authorization_endpoint")
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def redeem(self, *, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> SignedIn:
        """Exchange the code at the token endpoint; verify the ID token it answers with."""
        body = self._token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                    "code_verifier": code_verifier})
        return self._signed_in(body["id_token"], nonce, _refresh_token_of(body))

    def refresh(self, *, refresh_token: str, subject: str) -> SignedIn:
        """Renew a session (RFC 6749 §6): a new ID token, verified, for the same subject (OIDC Core §12.2)."""
        body = self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token},
                                   self._refreshes_failed)
        # A provider that does not rotate refresh tokens answers without one: the old one stays good.
        signed_in = self._signed_in(body["id_token"], None, _refresh_token_of(body) or refresh_token)
        if signed_in.principal.subject != subject:
            raise SignInFailed("token", "the refreshed ID token names another subject")
        return signed_in

    def _token_request(self, fields: dict[str, str], failure: RecentFailure | None = None) -> dict:
        """The token endpoint's answer; with ``failure``, none asked for within a few seconds of one that failed."""
        credentials = base64.b64encode(f"{_form(self.client_id)}:{_form(self._secret)}".encode()).decode()
        endpoint = self._endpoint("token_endpoint")
        try:
            if failure is not None:
                failure.check(endpoint)
        except ProviderUnreachable as recently:
            raise SignInFailed("unreachable", f"token endpoint unreachable: {recently}") from None
        try:
            status, body = fetch_json(endpoint, data=urlencode(fields).encode(), headers={
                "Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {credentials}"})
        except ProviderUnreachable:
            if failure is not None:
                failure.failed()
            raise SignInFailed("unreachable", "token endpoint unreachable") from None
        if failure is not None:
            failure.succeeded()
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            error = body.get("error") if isinstance(body, dict) else None
            raise SignInFailed("refused", f"token endpoint answered {status} {error or ''}".strip()[:200])
        return body

    def session_principal(self, id_token: str) -> Principal:
        """The user a session's ID token names, verified again on every request (AuthenticationFailed;
        IdentityProviderUnavailable when the keys to tell cannot be fetched)."""
        return principal_from(self._tokens.claims(id_token))

    def end_session_url(self, *, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """Where to end the provider's session too, when its discovery document advertises it."""
        try:
            endpoint = self._discovery.endpoint("end_session_endpoint")
        except ProviderUnreachable:
            return None
        if endpoint is None:
            return None
        query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri,
                           "client_id": self.client_id})
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    def _signed_in(self, id_token: str, nonce: str | None, refresh_token: str | None) -> SignedIn:
        # A refreshed ID token need not carry a nonce (OIDC Core §12.2); one from a sign-in must carry ours.
        try:
            claims = self._tokens.claims(id_token, required=("iat", "nonce") if nonce is not None else ("iat",))
        except AuthenticationFailed as error:
            raise SignInFailed("token", str(error)) from None
        except IdentityProviderUnavailable as away:   # not the token's fault: a renewal is postponed, not refused
            raise SignInFailed("unreachable", str(away)) from None
        if nonce is not None and not hmac.compare_digest(str(claims["nonce"]).encode(), nonce.encode()):
            raise SignInFailed("token", "the ID token's nonce is not this sign-in's")
        if "azp" in claims and claims["azp"] != self.client_id:
            raise SignInFailed("token", "the ID token was issued to another client")
        try:
            principal = principal_from(claims)
        except AuthenticationFailed as error:
            raise SignInFailed("claims", str(error)) from None
        return SignedIn(principal=principal, id_token=id_token, expires_at=int(claims["exp"]),
                        refresh_token=refresh_token)

    def _endpoint(self, name: str) -> str:
        try:
            endpoint = self._discovery.endpoint(name)
        except ProviderUnreachable:
            raise SignInFailed("unreachable", f"discovery at {without_userinfo(self._discovery.url)} failed") from None
        if endpoint is None:
            raise SignInFailed("unreachable", f"the discovery document names no {name}")
        return endpoint


def _refresh_token_of(body: dict) -> str | None:
    token = body.get("refresh_token")
    return token if isinstance(token, str) and token else None


def _form(text: str) -> str:
    # RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic authentication.
    return urlencode({"": text})[1:]
