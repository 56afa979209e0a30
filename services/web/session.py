"""The browser session: the sign-in token in an HttpOnly cookie, a CSRF token per session, a read purpose.

The cookie holds the same bearer token the API takes, and every request
verifies it with the API's verifier, so a page is authorised exactly as an
API call would be.  CSRF: cookies are SameSite=Strict, and every POST form
carries the session's random token, compared with its (HttpOnly) cookie.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import Response

from services.principals import AuthenticationFailed, Principal

TOKEN_COOKIE = "sigill_session"
CSRF_COOKIE = "sigill_csrf"
PURPOSE_COOKIE = "sigill_purpose"
CSRF_FIELD = "csrf"
MAX_PURPOSE = 500


class CsrfRejected(Exception):
    """A POST without this session's CSRF token."""


def principal(request: Request) -> Principal:
    """The signed-in user, verified on every request; AuthenticationFailed when not signed in."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise AuthenticationFailed("not signed in")
    # Production: only the provider's ID tokens; development: development tokens first.
    for verify in request.app.state.session_verifiers:
        try:
            return verify(token)
        except AuthenticationFailed:
            continue
    raise AuthenticationFailed("the session is not valid (or has expired)")


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


def sign_in(request: Request, response: Response, token: str) -> None:
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    # A new session gets a new CSRF token (a token planted before sign-in is worth nothing).
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
    response.delete_cookie(PURPOSE_COOKIE, path="/")


def sign_out(response: Response) -> None:
    for name in (TOKEN_COOKIE, CSRF_COOKIE, PURPOSE_COOKIE):
        response.delete_cookie(name, path="/")


def set_purpose(request: Request, response: Response, text: str) -> None:
    response.set_cookie(PURPOSE_COOKIE, quote(text.strip()[:MAX_PURPOSE]), httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
