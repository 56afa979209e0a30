"""The browser session: the sign-in token in an HttpOnly cookie, a CSRF token per session, a read purpose.

The cookie holds the same bearer token the API takes, and every request
verifies it with the API's verifier, so a page is authorised exactly as an
API call would be.  CSRF: cookies are SameSite=Strict, and every POST form
carries a token made (HMAC, under a key derived from the master key) from the
browser's random CSRF cookie and the signed-in user: a cookie another host of
the same site wrote into the browser is worth nothing without the token the
server made for it and this user.  Served over HTTPS (or under an https public
URL), every cookie is Secure and named ``__Host-…``, which no other host can set.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import secrets
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import Response

from services.access_entry import stated_purpose
from services.authorisation import check_a_person
from services.identity_provider import SignInFailed
from services.principals import AuthenticationFailed, IdentityProviderUnavailable, Principal
from services.web import renewal, sealed_cookie, way_back
from services.web.signed_out import expiry_of

log = logging.getLogger("sigill.web")

TOKEN_COOKIE = "sigill_session"
CSRF_COOKIE = "sigill_csrf"
PURPOSE_COOKIE = "sigill_purpose"
CSRF_FIELD = "csrf"
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


def principal(request: Request, renew: bool = True, person: bool = True) -> Principal:
    """The signed-in user, verified on every request (and renewed when due); AuthenticationFailed when not signed in.
    ``person``: refuse a system's sign-in (``SystemSignIn``, 403) — every page of the web client is for people."""
    user = _verified(request, renew)
    if person:
        check_a_person(user)
    return user


def _verified(request: Request, renew: bool) -> Principal:
    renewed = getattr(request.state, "renewed", None)
    if renewed is not None:
        return renewed.principal
    token = request.cookies.get(cookie(request, TOKEN_COOKIE))
    if not token:
        raise AuthenticationFailed("not signed in")
    # Production: only the provider's ID tokens; development: development tokens first.
    away: IdentityProviderUnavailable | None = None
    for verify in request.app.state.session_verifiers:
        try:
            user = verify(token)
        except AuthenticationFailed:
            continue
        except IdentityProviderUnavailable as unavailable:   # its keys cannot be fetched: the token may be good
            away = unavailable
            continue
        if _signed_out(request, token):
            raise AuthenticationFailed("the session was signed out")
        return _renewed_if_due(request, token, user) if renew else user
    if away is not None:   # no sign-out for the provider's outage: a 503 page, the session kept (``pages.guarded``)
        raise away
    raise SessionExpired("the session is not valid (or has expired)")


def _signed_out(request: Request, session_token: str) -> bool:
    """Whether this session was signed out (asked once per request: a page asks for its user more than once)."""
    known = getattr(request.state, "signed_out", None)
    if known is None:
        known = request.state.signed_out = any(request.app.state.signed_out.ended(_token_mac(key, session_token))
                                               for key in request.app.state.csrf_keys)
    return known


def _token_mac(key: bytes, session_token: str) -> bytes:
    return hmac.new(key, b"signed-out\x00" + session_token.encode(), "sha256").digest()


def end(request: Request) -> None:
    """Sign this browser's session out for good: its token is refused from now until it expires, wherever a copy
    of the cookie is (the cookie's deletion alone left copies good)."""
    session_token = token(request)
    if session_token:
        request.app.state.signed_out.end(_token_mac(request.app.state.csrf_key, session_token),
                                         expiry_of(_claims(session_token)))


def _renewed_if_due(request: Request, token: str, user: Principal) -> Principal:
    state, sealed = request.app.state, request.cookies.get(cookie(request, renewal.REFRESH_COOKIE))
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
    # Of the query, only what a page takes in its shape (way_back.kept): a personnummer typed into the address
    # would otherwise be carried into the sign-in's URL and back.
    query = urlencode(way_back.kept(request, request.query_params.multi_items()))
    here = request.url.path + (f"?{query}" if query else "")
    back = return_path(here) if request.method in ("GET", "HEAD") else ""
    query = {**({REASON_FIELD: reason} if reason else {}), **({BACK_FIELD: back} if back else {})}
    return SIGN_IN + (f"?{urlencode(query)}" if query else "")


def token(request: Request) -> str:
    return request.cookies.get(cookie(request, TOKEN_COOKIE), "")


def secure(request: Request) -> bool:
    """Whether cookies are Secure and ``__Host-``: over HTTPS, and whenever the public URL is https (behind a TLS
    proxy whose X-Forwarded-Proto is not trusted, the request's own scheme says http)."""
    public = getattr(getattr(request.app.state, "web_settings", None), "public_url", None) or ""
    return request.url.scheme == "https" or public.startswith("https://")


def cookie(request: Request, name: str) -> str:
    """A cookie's name as this server sets and reads it: ``__Host-`` when Secure (host-only, path /, no other
    host of the site can set it — a sibling host could otherwise plant a session or a CSRF cookie)."""
    return f"__Host-{name}" if secure(request) else name


def _set(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(cookie(request, name), value, httponly=True, samesite="strict", secure=secure(request),
                        path="/")


def csrf_token(request: Request) -> str:
    """The token this browser's forms carry (its random cookie, made on its first page, bound to the user)."""
    browser = request.cookies.get(cookie(request, CSRF_COOKIE)) or getattr(request.state, "new_csrf", None)
    if not browser:
        browser = request.state.new_csrf = secrets.token_urlsafe(32)
    return _bound(request, browser)


def check_csrf(request: Request, form: dict) -> None:
    """A token this server made for this browser and user: under the master key in use, or the one a rotation
    replaced (for the day it is kept: a form shown before the rotation)."""
    browser, given = request.cookies.get(cookie(request, CSRF_COOKIE), ""), str(form.get(CSRF_FIELD, ""))
    if not browser or not any(hmac.compare_digest(_bound(request, browser, key).encode(), given.encode())
                              for key in request.app.state.csrf_keys):
        raise CsrfRejected()


def _bound(request: Request, browser: str, key: bytes | None = None) -> str:
    """The form's token: a MAC of the browser's cookie and the user the session cookie names (the claim only: it
    is authenticated on its own, and a session renewed keeps its user, so a form made before a renewal still
    posts).  Before sign-in, of the cookie alone.  Made under the key in use (``key``: checked under another)."""
    mac = hmac.new(key or request.app.state.csrf_key, f"{browser}\x00{_subject(token(request))}".encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _subject(session_token: str) -> str:
    """The ``sub`` a session token claims, unverified; "" when it names none."""
    return str(_claims(session_token).get("sub", ""))


def _claims(session_token: str) -> dict:
    """What a session token (a JWT) claims, unverified; {} when it is no JWT."""
    try:
        payload = session_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def purpose(request: Request, case_id: Any) -> str:
    """The purpose stated for reads of this case (its page's form), or "": stated for one case it is never
    recorded on another's reads (another young person's access log and register extract)."""
    return purposes(request)(case_id)


def purposes(request: Request) -> Callable[[Any], str]:
    """``purpose`` for many cases (a case list's reads): the cookie opened once, each case given the purpose stated
    for it — the one case it was stated for, "" for every other."""
    opened = _opened_purpose(request)
    try:
        stated = json.loads(opened) if opened is not None else None
    except ValueError:
        stated = None
    if not isinstance(stated, dict):
        return lambda case_id: ""
    case, text = stated.get("case"), str(stated.get("text", ""))
    return lambda case_id: text if case == str(case_id) else ""


def _opened_purpose(request: Request) -> bytes | None:
    """The purpose cookie's plaintext, sealed under the master key in use or the one a rotation replaced (for the
    day it is kept: a purpose stated before the rotation); None without one that opens."""
    sealed = request.cookies.get(cookie(request, PURPOSE_COOKIE), "")
    for key in request.app.state.purpose_keys if sealed else ():
        opened = sealed_cookie.unseal(key, PURPOSE_COOKIE, sealed)
        if opened is not None:
            return opened
    return None


def keep_csrf(request: Request, response: Response) -> Response:
    """Set the CSRF cookie if this request made a new token."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        _set(request, response, CSRF_COOKIE, new)
    return response


def sign_in(request: Request, response: Response, token: str, refresh_token: str | None = None) -> None:
    _set_session(request, response, token, refresh_token)
    # A new session gets a new CSRF token (a token planted before sign-in is worth nothing).
    _set(request, response, CSRF_COOKIE, secrets.token_urlsafe(32))
    response.delete_cookie(cookie(request, PURPOSE_COOKIE), path="/", secure=secure(request))


def _set_session(request: Request, response: Response, token: str, refresh_token: str | None) -> None:
    _set(request, response, TOKEN_COOKIE, token)
    if refresh_token:  # sealed: the browser holds it, but neither it nor any script can read it
        _set(request, response, renewal.REFRESH_COOKIE, renewal.seal(request.app.state.refresh_key, refresh_token))
    else:
        response.delete_cookie(cookie(request, renewal.REFRESH_COOKIE), path="/", secure=secure(request))


def sign_out(request: Request, response: Response) -> None:
    for name in (TOKEN_COOKIE, CSRF_COOKIE, PURPOSE_COOKIE, renewal.REFRESH_COOKIE):
        response.delete_cookie(cookie(request, name), path="/", secure=secure(request))


def set_purpose(request: Request, response: Response, case_id: Any, text: str) -> None:
    """Remember the purpose of this browser's reads of one case, sealed (it may name the young person: it is kept
    only as the access log keeps it, unreadable outside this server).  The access log's rule for a purpose
    (``stated_purpose``: PurposeRefused for one too long or with a control character; it was cut at 500 here)."""
    stated = json.dumps({"case": str(case_id), "text": stated_purpose(text, "purpose")}).encode()
    _set(request, response, PURPOSE_COOKIE, sealed_cookie.seal(request.app.state.purpose_key, PURPOSE_COOKIE, stated))
