"""The browser session: the sign-in token in an HttpOnly cookie, a CSRF token per session, a read purpose.

The cookie holds the same bearer token the API takes, and every request
verifies it with the API's verifier, so a page is authorised exactly as an
API call would be.  CSRF: cookies are SameSite=Strict, and every POST form
carries the session's random token, compared with its (HttpOnly) cookie.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote, unquote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import Response

from services.principals import AuthenticationFailed, Principal

TOKEN_COOKIE = "sigill_session"
CSRF_COOKIE = "sigill_csrf"
PURPOSE_COOKIE = "sigill_purpose"
CSRF_FIELD = "csrf"
MAX_PURPOSE = 500
SIGN_IN = "/logga-in"
BACK_FIELD = "tillbaka"       # the page to return to after signing in (query parameter and form field)
REASON_FIELD, EXPIRED = "orsak", "utgangen"
MAX_BACK = 2000
# Never worth returning to: the sign-in and sign-out pages themselves (a loop), or the bare home page.
NOT_BACK = ("/logga-in", "/logga-ut", "/utloggad")


class CsrfRejected(Exception):
    """A POST without this session's CSRF token."""


class SessionExpired(AuthenticationFailed):
    """A session cookie that no longer verifies: its token has expired (or another server made it)."""


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
    raise SessionExpired("the session is not valid (or has expired)")


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


def sign_in_url(request: Request, expired: bool = False) -> str:
    """The sign-in page, naming the page this GET asked for (to return to) and whether the session had expired."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    back = return_path(here) if request.method in ("GET", "HEAD") else ""
    query = {**({REASON_FIELD: EXPIRED} if expired else {}), **({BACK_FIELD: back} if back else {})}
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
