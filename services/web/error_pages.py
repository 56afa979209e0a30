"""The web's error pages, and turning every failure a route meets into one — never a stack trace.

The pages (``error_page``, ``query_refused_page``, ``form_refused_page``, ``kept_form_page``), the exception a route
raises to ask for a 404 (``NoSuchPage``), and ``guarded``, which wraps each route and maps what it raises to a status
and a page: not signed in → the sign-in page; a case the user is not in → 404; a role that may not → 403; a stale
version → 409; a query the page cannot use → 422 naming it (``refusals.QueryRefused``, ``FormRefused``); the database
or access log down → 503 (a form sent meanwhile given back as typed); anything unexpected → a plain 500 page whose log
line names only the error's class (``log_unexpected``: a message could quote personal data).  Routes and other modules
import from here (a refusal from ``refusals``, which needs none of this).

Apart from ``errors``, the application's exception handlers, installed once, which answer with these pages what no
route's guard sees: an unknown path, a wrong method, a query FastAPI refuses before the route runs, a form too large
for the body limit (the API's modules are split alike: ``api.errors``, ``api.error_handlers``).
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any, Callable
from urllib.parse import urlencode

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from domain.errors import CaseErased, ClockWentBackwards, DomainError
from services.access_log import AccessLogUnavailable
from services.audit import CaseHistoryAltered
from services.authorisation import Forbidden, SystemSignIn
from services.api.errors import IDENTITY_PROVIDER_RETRY_SECONDS
from services.errors import (CaseNotFound, ConcurrentChange, DamagedDataKey, MasterKeyReplaced, StoredEventUnreadable,
                             one_line)
from services.principals import AuthenticationFailed, IdentityProviderUnavailable, Principal, Role
from services.web import error_texts, form_texts, session, texts
from services.web.forms import FREE_TEXT, MORE, Typed
from services.web.pages import case_uuid, redirect, render, written
from services.web.refusals import FormRefused, QueryRefused

log = logging.getLogger("sigill.web")


class NoSuchPage(Exception):
    """A web path that does not exist in this configuration (e.g. the development sign-in in production)."""


def error_page(request: Request, status: int, message: str, user: Principal | None = None,
               back: tuple[str, str] | None = None, title: str | None = None,
               more: list[tuple[str, str]] | None = None) -> HTMLResponse:
    """A Swedish error page with the status, the message and a way back (and ``more`` ways on: (href, text))."""
    href, text = back or ("/", texts.T["back"])
    # A page asked for with a value it cannot show (an extract's recipient, a replay's moment) saved nothing.
    shown = request.method in ("GET", "HEAD") and status == 422
    title = title or (texts.T["not_shown"] if shown else error_texts.ERROR_TITLES.get(status, texts.T["error_title"]))
    # A form that was not saved — the case gone from the user's reach meanwhile (a consent lapsed), changed, or
    # closed — gives back what the user wrote in it: its own words, in the same answer whatever the case.
    typed = getattr(request.state, "typed", None) if request.method == "POST" else None
    return render(request, "error.html", status, user=user, message=message, title=title, back_href=href,
                  back_text=text, written=written(request, typed) if typed is not None else [], more=more or [])


def query_refused_page(request: Request, names: list[str], user: Principal | None = None,
                       message: str = "query_refused") -> HTMLResponse:
    """422 naming the query's fields in the pages' words, never their values (one may be a personnummer), with a
    way to the page without them; ``message``: ``query_repeated`` for a field the address gives more than once."""
    return error_page(request, 422, form_texts.refused(names, message), user,
                      more=[(request.url.path, texts.T["query_refused_open"])])


def form_refused_page(request: Request, names: list[str], user: Principal | None = None) -> HTMLResponse:
    """422 naming the form's fields in the pages' words, never their values, with a way to the form's page again (a
    form this refusal is raised for is shown at the address it posts to)."""
    return error_page(request, 422, form_texts.refused(names, "form_refused"), user, title=texts.T["errors_title"],
                      more=[(request.url.path, texts.T["form_refused_open"])])


def retry_later(response: Response) -> Response:
    """A 503 because the database is away says when to ask again, as the API's do (``Retry-After: 5``, the pools'
    wait): a proxy or a monitor reads it; a caseworker reads the page."""
    response.headers["Retry-After"] = "5"
    return response


def database_away(error: BaseException) -> bool:
    """The database (or the pool of a referral's turn, or the access log on it) could not be reached: a 503, try
    again — not a damaged case key or a replaced master key, which also stop the access log but want operations."""
    if isinstance(error, AccessLogUnavailable):
        return not isinstance(error.__cause__, (DamagedDataKey, MasterKeyReplaced))
    return isinstance(error, (PersistenceError, psycopg.OperationalError))


# Fields of a sent form that are not the user's to see again as inputs: sent back unchanged, hidden.
# "Fler rader" too: sent again, the form asks for its row again rather than saving the plan half-typed.
KEPT_HIDDEN = re.compile(r"(^|\.)(\w+_id|expected_version|expected_digest|rader|fler_rader)$")
KEPT_LEFT_OUT = frozenset({"csrf", "form_key"})


def kept_form_page(request: Request, message: str, user: Principal | None = None) -> HTMLResponse:
    """A form that could not be saved, nor its page be shown (the case cannot be read, nor its reading logged, while
    the database is away): the fields as sent, editable, in a form that sends them to the same address again — from
    the posted form only, nothing of it kept on the server.  (An error page showed the free text alone, read-only:
    the dates, choices and names typed were lost.)"""
    typed: Typed = getattr(request.state, "typed", None) or Typed()
    fields = [(name, value, i) for name in typed.names() if name not in KEPT_LEFT_OUT
              for i, value in enumerate(typed.getlist(name))]
    return render(request, "kept_form.html", 503, user=user, message=message, action=request.url.path,
                  fields=fields, kept_key=typed.get("form_key"), hidden=KEPT_HIDDEN,
                  free_text=lambda name: name.rsplit(".", 1)[-1] in FREE_TEXT, saves=MORE not in typed.names(),
                  row=_row_of)


# A row's number in a field's name (``rows.2.goal``): ASCII digits, few enough to be a row any form shows — a name
# made by hand with thousands of digits is no row (``int`` refuses a number of over 4,300 digits: it was a 500).
_ROW_NUMBER = re.compile(r"\.([0-9]{1,6})(?=\.|$)")


def _row_of(name: str) -> int | None:
    """The row (from 1) a kept field belongs to, or None for a field of the form itself."""
    found = _ROW_NUMBER.search(name)
    return int(found.group(1)) + 1 if found else None


def guarded(route: Callable[..., Response]) -> Callable[..., Response]:
    """Every web route: errors become pages with the right status."""
    @functools.wraps(route)
    def run(request: Request, *args: Any, **kwargs: Any) -> Response:
        # Whatever the answer, a session renewed on the way is kept (its old refresh token is spent).
        return session.keep_renewal(request, _answer(route, request, *args, **kwargs))
    return run


def _answer(route: Callable[..., Response], request: Request, *args: Any, **kwargs: Any) -> Response:
    try:
        return route(request, *args, **kwargs)
    except session.SessionExpired as ended:  # to sign in, with a message; nothing of the stale session is kept
        response = _session_ended(request, ended)
        session.sign_out(request, response)
        return response
    except AuthenticationFailed:
        return redirect(session.sign_in_url(request))
    except IdentityProviderUnavailable as away:
        # The session cannot be checked, not found bad: kept (no sign-out), and the page says to try again shortly.
        log.warning("web: session not verified, identity provider unavailable: %s", one_line(str(away)))
        page = error_page(request, 503, texts.T["identity_provider_away"])
        page.headers["Retry-After"] = str(IDENTITY_PROVIDER_RETRY_SECONDS)   # as the API's answer says
        return page
    except NoSuchPage:
        return error_page(request, 404, texts.T["not_found_page"], quiet_user(request))
    except FormRefused as refused:
        return form_refused_page(request, refused.names, quiet_user(request))
    except QueryRefused as refused:
        return query_refused_page(request, refused.names, quiet_user(request))
    except session.CsrfRejected:
        return error_page(request, 403, texts.T["csrf"])
    except CaseErased:
        return _erased(request)
    except CaseNotFound:
        return error_page(request, 404, texts.T["not_found"], quiet_user(request))
    except SystemSignIn:   # a system's sign-in: nothing here is for it, so the way on is to sign in as a person
        return error_page(request, 403, texts.T["system_sign_in"], quiet_user(request),
                          back=(session.SIGN_IN, texts.T["sign_in_as_a_person"]), title=texts.T["system_sign_in_title"])
    except Forbidden as refused:
        return error_page(request, 403, texts.T.get(refused.code, texts.T["forbidden"]), quiet_user(request))
    except ConcurrentChange:
        return error_page(request, 409, texts.T["conflict"], quiet_user(request))
    except CaseHistoryAltered:   # the ledger says the stored history is not whole: nothing is shown of it
        return error_page(request, 409, texts.T["history_altered"], quiet_user(request),
                          more=_where_altered_is_told(request))
    except StoredEventUnreadable as error:   # one not yet sealed, altered or moved: nothing is shown of the case
        log.error("web: %s", error)
        return error_page(request, 409, texts.T["event_unreadable"], quiet_user(request),
                          more=_where_altered_is_told(request)[:2])   # the ledger's check, the report
    except ClockWentBackwards as error:  # this server's clock, not the request: 503, as the API answers
        return error_page(request, 503, error_texts.error_text(error.code, error.message), quiet_user(request))
    except DomainError as error:
        return error_page(request, 422, error_texts.error_text(error.code, error.message), quiet_user(request))
    except DamagedDataKey as error:
        return _key_damaged(request, error)
    except MasterKeyReplaced as error:
        return _master_key_replaced(request, error)
    except AccessLogUnavailable as error:
        if isinstance(error.__cause__, DamagedDataKey):   # the reader's name is sealed under the case's key
            return _key_damaged(request, error.__cause__)
        if isinstance(error.__cause__, MasterKeyReplaced):
            return _master_key_replaced(request, error.__cause__)
        log.error("web: unavailable: %s", type(error.__cause__).__qualname__)
        return retry_later(error_page(request, 503, texts.T["unavailable"]))
    except (PersistenceError, psycopg.OperationalError) as error:
        # psycopg's own: a connection of a pool beside the event store's (a referral's turn, as the API answers 503)
        log.error("web: unavailable: %s", type(error).__qualname__)
        return retry_later(error_page(request, 503, texts.T["unavailable"]))
    except Exception as error:  # noqa: BLE001 - the last resort: a page, and the class in the log
        log_unexpected(request, error)
        return error_page(request, 500, texts.T["internal"])


def log_unexpected(request: Request, error: BaseException) -> None:
    """An unexpected failure's log line, a route's (``guarded``) or met outside one (``errors``): its class, the method
    and the path — never its message, which could quote personal data."""
    log.error("web: unexpected %s on %s %s", type(error).__qualname__, request.method, one_line(request.url.path))


def _where_altered_is_told(request: Request) -> list[tuple[str, str]]:
    """From an auditor's page of a case whose history is altered, the pages that still answer: the ledger's check
    (where the change is), the report (which says so), the stored disclosure log (evidence of its own)."""
    case_id = request.path_params.get("case_id")
    if not request.url.path.startswith("/granskning/") or not case_id:
        return []
    case = f"/granskning/arenden/{case_uuid(case_id)}"
    return [("/granskning/liggaren", texts.T["history_altered_ledger"]),
            (f"{case}/rapport", texts.T["history_altered_report"]),
            (f"{case}/utlamnanden", texts.T["history_altered_stored_log"])]


def _session_ended(request: Request, ended: session.SessionExpired) -> Response:
    """To sign in; but a form sent after the session ended gives back what the user wrote in it first, on a page
    of its own (the redirect lost an hour's minutes of a meeting).  Only a browser holding this site's Strict session
    cookie gets here: a form posted from another site carries none and is simply sent to sign in."""
    typed = getattr(request.state, "typed", None) if request.method == "POST" else None
    if typed is None or not written(request, typed):
        return redirect(session.sign_in_url(request, ended.reason))
    back = _form_page(request.url.path)
    again = session.SIGN_IN + "?" + urlencode({session.REASON_FIELD: ended.reason,
                                              **({session.BACK_FIELD: back} if back else {})})
    return error_page(request, 401, error_texts.SESSION_ENDED_UNSAVED, back=(again, texts.T["sign_in_again"]),
                      title=texts.T["session_ended_title"])


def _form_page(path: str) -> str:
    """The page whose form was sent, to come back to after signing in: a case tab (or a new referral) is shown at
    the address its form posts to; the narrowing, withdrawal and departure forms post elsewhere."""
    shown = path == "/arenden/nytt" or re.fullmatch(r"/arenden/[0-9a-f-]{36}(/[a-z]+)?", path) is not None
    return session.return_path(path) if shown else ""


def _master_key_replaced(request: Request, error: MasterKeyReplaced) -> Response:
    """This server's configuration, not the request: 503, as the API answers, until it is restarted."""
    log.error("web: %s", error)
    return error_page(request, 503, texts.T["master_key_replaced"], quiet_user(request))


def _key_damaged(request: Request, error: DamagedDataKey) -> Response:
    log.error("web: data key of case %s damaged: its events cannot be read", error.aggregate_id)
    return error_page(request, 409, texts.T["data_key_damaged"], quiet_user(request))


def _erased(request: Request) -> HTMLResponse:
    """An erased case, which only an auditor is told of (the service makes it no such case to anyone else): said
    so, with the way to its disclosure log, which outlives its key — not as an address that does not exist."""
    user, case_id = quiet_user(request), request.path_params.get("case_id")
    if user is None or not user.has(Role.AUDITOR) or case_id is None:
        return error_page(request, 404, texts.T["not_found"], user)
    uuid = case_uuid(case_id)
    return error_page(request, 404, texts.T["erased_case_page"], user, title=texts.T["erased_case_title"],
                      back=("/granskning", texts.T["erased_case_back"]),
                      more=[(f"/granskning/arenden/{uuid}/utlamnanden", texts.T["erased_case_log"])])


def quiet_user(request: Request) -> Principal | None:
    try:
        # Never renews: a page outside ``guarded`` could not keep the renewed session.
        return session.principal(request, renew=False, person=False)   # a system's too: it may sign out
    except Exception:  # noqa: BLE001 - only for the page's header
        return None
