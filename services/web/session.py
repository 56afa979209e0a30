"""The browser session: the sign-in token in an HttpOnly cookie, a CSRF token per session, a read purpose.

The cookie holds the same bearer token the API takes, and every request
verifies it with the API's verifier, so a page is authorised exactly as an
API call would be.  CSRF: cookies are SameSite=Strict, and every POST form
carries the session's random token, compared with its (HttpOnly) cookie.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import quote, unquote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import Response

from services.identity_provider import SignInFailed
from services.principals import AuthenticationFailed, Principal
from services.web import renewal

log = logging.getLogger("sigill.web")

TOKEN_COOKIE = "sigill_session"
CSRF_COOKIE = "sigill_csrf"
PURPOSE_COOKIE = "sigill_purpose"
CSRF_FIELD = "csrf"
MAX_PURPOSE = 500
SIGN_IN = "/logga-in"
BACK_FIELD = "tillbaka"       # the page to return to after signing in (query parameter and form field)
REASON_FIELD, EXPIRED, NOT_RENEWED = "orsak", "utgangen", "fornyelse"
MAX_BACK = 2000
# Never worth returning to: the sign-in and sign-out pages themselves (a loop), or the bare home page.
NOT_BACK = ("/logga-in", "/logga-ut", "/utloggad")


class CsrfRejected(Exception):
    """A POST without this session's CSRF token."""


class SessionExpired(AuthenticationFailed):
    """A session cookie that no longer verifies: its token has expired (or another server made it)."""

    reason = EXPIRED


class SessionNotRenewed(SessionExpired):
    """The provider refused to renew the session (the refresh token revoked or expired): it ends now."""

    reason = NOT_RENEWED


def principal(request: Request, renew: bool = True) -> Principal:
    """The signed-in user, verified on every request (and renewed when due); AuthenticationFailed when not signed in."""
    renewed = getattr(request.state, "renewed", None)
    if renewed is not None:
        return renewed.principal
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise AuthenticationFailed("not signed in")
    # Production: only the provider's ID tokens; development: development tokens first.
    for verify in request.app.state.session_verifiers:
        try:
            user = verify(token)
        except AuthenticationFailed:
            continue
        return _renewed_if_due(request, token, user) if renew else user
    raise SessionExpired("the session is not valid (or has expired)")


def _renewed_if_due(request: Request, token: str, user: Principal) -> Principal:
    state, sealed = request.app.state, request.cookies.get(renewal.REFRESH_COOKIE)
    if state.identity is None or not sealed or not renewal.due(token):
        return user
    refresh_token = renewal.unseal(state.refresh_key, sealed)
    if refresh_token is None:
        raise SessionNotRenewed("the refresh cookie does not open")
    try:
        signed_in = state.renewals.renew(state.identity, refresh_token, user.subject)
    except SignInFailed as failure:
        if failure.reason == "unreachable":  # the token is still good: try again on the next request
            log.warning("web: session renewal postponed: %s", failure)
            return user
        log.warning("web: session renewal refused, signing out: %s", failure)
        raise SessionNotRenewed(str(failure)) from None
    request.state.renewed = signed_in
    return signed_in.principal


def keep_renewal(request: Request, response: Response) -> Response:
    """Give the browser the renewed session, if this request renewed it."""
    renewed = getattr(request.state, "renewed", None)
    if renewed is not None:
        _set_session(request, response, renewed.id_token, renewed.refresh_token)
    return response


def return_path(candidate: str | None) -> str:
    """A same-site relative path to go back to, or "" — never another site (no scheme, host, ``//`` or ``\\``)."""
    if not candidate or len(candidate) > MAX_BACK or not candidate.startswith("/"):
        return ""
    # "//host" and "/\host" are other sites to a browser; control characters and spaces are never in our URLs.
    if candidate.startswith("//") or "\\" in candidate or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in candidate):
        return ""
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or parts.path == "/" or parts.path.startswith(NOT_BACK):
        return ""
    return candidate


def sign_in_url(request: Request, reason: str | None = None) -> str:
    """The sign-in page, naming the page this GET asked for (to return to) and why the session ended."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    back = return_path(here) if request.method in ("GET", "HEAD") else ""
    query = {**({REASON_FIELD: reason} if reason else {}), **({BACK_FIELD: back} if back else {})}
    return SIGN_IN + (f"?{urlencode(query)}" if query else "")


def token(request: Request) -> str:
    return request.cookies.get(TOKEN_COOKIE, "")


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (made on its first page, kept in a cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, form: dict) -> None:
    expected, given = request.cookies.get(CSRF_COOKIE, ""), str(form.get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfRejected()


def purpose(request: Request) -> str:
    return unquote(request.cookies.get(PURPOSE_COOKIE, ""))[:MAX_PURPOSE]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def keep_csrf(request: Request, response: Response) -> Response:
    """Set the CSRF cookie if this request made a new token."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", secure=_secure(request), path="/")
    return response


def sign_in(request: Request, response: Response, token: str, refresh_token: str | None = None) -> None:
    _set_session(request, response, token, refresh_token)
    # A new session gets a new CSRF token (a token planted before sign-in is worth nothing).
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
    response.delete_cookie(PURPOSE_COOKIE, path="/")


def _set_session(request: Request, response: Response, token: str, refresh_token: str | None) -> None:
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    if refresh_token:  # sealed: the browser holds it, but neither it nor any script can read it
        response.set_cookie(renewal.REFRESH_COOKIE, renewal.seal(request.app.state.refresh_key, refresh_token),
                            httponly=True, samesite="strict", secure=_secure(request), path="/")
    else:
        response.delete_cookie(renewal.REFRESH_COOKIE, path="/")


def sign_out(response: Response) -> None:
    for name in (TOKEN_COOKIE, CSRF_COOKIE, PURPOSE_COOKIE, renewal.REFRESH_COOKIE):
        response.delete_cookie(name, path="/")


def set_purpose(request: Request, response: Response, text: str) -> None:
    response.set_cookie(PURPOSE_COOKIE, quote(text.strip()[:MAX_PURPOSE]), httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
