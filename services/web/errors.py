"""The web's exception handlers, installed once on the application: the errors a browser meets outside the routes'
own guard — an unknown path (404), a wrong method (405), a query FastAPI refuses before the route runs (422 naming
it), a query parameter given twice (422 naming it, ``repeated_query_page``), a form too large for the body limit
(413), an exception no guard caught (500: a form's reading, before the route, failing; the API's last resort,
``middleware.LastResort``, answers with this handler).

Web paths get a Swedish page with a way back, the pages ``error_pages`` makes (where ``guarded`` answers what a route
raises, and the exceptions routes raise live); ``/api/…`` paths keep the API's JSON errors
(services/api/error_handlers.py), which these handlers defer to.  Apart from ``error_pages`` as the API's
``error_handlers`` is from its ``errors``: these are wired once, by ``app``; the pages are imported by every route.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.types import Scope
from starlette.exceptions import HTTPException

from services.api.error_handlers import allowed_methods
from services.api.middleware import repeated
from services.web import routes_audit, texts
from services.web.error_pages import error_page, log_unexpected, query_refused_page, quiet_user

API_PREFIX = "/api/"
MESSAGES = {404: "not_found_page", 405: "method_not_allowed"}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == API_PREFIX.rstrip("/")


def install(api: FastAPI) -> None:
    """Put the web's pages in front of the API's handlers for HTTP and validation errors."""
    for kind in (HTTPException, RequestValidationError, Exception):
        api.add_exception_handler(kind, _page_or(api.exception_handlers[kind]))


def _page_or(api_handler):  # noqa: ANN001, ANN202 - Starlette's handler signature
    async def handle(request: Request, error: Exception) -> Response:
        if is_api(request):
            return await api_handler(request, error)
        if isinstance(error, RequestValidationError):   # its values not said back: one may be a personnummer
            return query_refused_page(request, _query_names(error), quiet_user(request))
        if isinstance(error, HTTPException):
            status = error.status_code
        else:
            log_unexpected(request, error)
            status = 500
        message = texts.T[MESSAGES.get(status, "bad_request" if status < 500 else "internal")]
        response = error_page(request, status, message, quiet_user(request))
        for name, value in (getattr(error, "headers", None) or {}).items():
            response.headers.setdefault(name, value)
        if status == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response
    return handle


def _query_names(error: RequestValidationError) -> list[str]:
    """The query parameters a page's validation refused, by name (a web page takes nothing else FastAPI checks:
    its forms are read by ``form_of``, its paths' ids by the routes)."""
    return [str(problem["loc"][1]) for problem in error.errors()
            if len(problem.get("loc", ())) > 1 and problem["loc"][0] == "query"]


# The query parameters a web page takes more than once, by its path: the access log's ``fel``, one for each field the
# posted search refused (``routes_audit.search_access_log`` redirects to ``?fel=inte_nummer&fel=fran_inte_datum``).  No
# GET form of the web's has a multi-select or a checkbox group (a POST form's repeated fields are its body's, not
# the address's), and no other page reads a parameter as a list: any other given twice is refused.
TAKEN_MORE_THAN_ONCE = {routes_audit.ACCESS_LOG: frozenset({routes_audit.ERROR_FIELD})}


def repeated_query_page(scope: Scope) -> Response | None:
    """422 naming a query parameter a web page's address gives twice (``middleware.OneValueEach``), or None.  A page
    read the last value silently: ``/statistik?kommun=0180&kommun=1480`` counted 1480, while a proxy logging the
    first logged another municipality than the one read."""
    twice = repeated(scope["query_string"].decode("latin-1"), TAKEN_MORE_THAN_ONCE.get(scope["path"], frozenset()))
    if twice is None:
        return None
    request = Request(scope)
    return query_refused_page(request, [twice], quiet_user(request), message="query_repeated")


def too_large_page(scope: Scope, limit: int) -> Response:
    """A form too large to take (``services.api.middleware.BodyLimit``): the Swedish page, not the API's JSON.  Its body
    was never read, so what was typed cannot be given back: the page says so."""
    request = Request(scope)
    response = error_page(request, 413, texts.T["too_large"].format(limit=f"{limit // (1024 * 1024)} MiB"),
                          quiet_user(request))
    response.headers["Connection"] = "close"
    return response
