"""The layers around the API's routes that answer before a route runs, or after it failed: a body over the limit
refused (413) before it is read whole, a query parameter or header given twice refused (422), and the last resort
that answers an unexpected error without raising it on.

Apart from the handlers (``error_handlers``) because they are ASGI layers, not exception handlers: they see the
raw request, before FastAPI parses it.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import error_body, query_field, repeated_response


class LastResort:
    """Answers an error no layer inside it answered with the application's handler of its class — the most specific
    one registered, along the class's MRO, as Starlette's ``ExceptionMiddleware`` chooses (``error_handlers.install``:
    a 503 for the database away, …; ``Exception``'s for an unexpected one) — and ends it there.  Starlette's outermost
    layer would answer it with the handler of ``Exception`` but then raise it again, for the server to log — with its
    message and traceback, which can quote personal data.

    ``ExceptionMiddleware`` sits inside the layers here (``OneValueEach``, ``BodyLimit``): an error with a handler of
    its own raised in one of them, or by a handler, reaches this one; answered by ``Exception``'s, it was a 500.

    The handler is looked up in ``handlers`` (the application's) when the error comes, not taken once: the web client
    installs its own over the API's, which answers a web path with its Swedish page and defers to the API's for
    ``/api/…`` (``services.web.errors``) — taken at installation, a browser met the API's JSON."""

    def __init__(self, app: ASGIApp, handlers: Mapping[Any, Callable[[Request, Exception], Awaitable[Response]]]
                 ) -> None:
        self.app, self.handlers = app, handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sending = _Sending(send)
        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # noqa: BLE001 - the last resort: logged by class, answered, not raised on
            request = Request(scope, receive)
            try:
                response = await self._handler(error)(request, error)
            except Exception:  # noqa: BLE001 - its handler failing too: ``Exception``'s answers, which never raises
                response = await self.handlers[Exception](request, error)
            if not sending.started:   # once an answer has begun, the connection can only be closed
                await response(scope, receive, send)

    def _handler(self, error: Exception) -> Callable[[Request, Exception], Awaitable[Response]]:
        """The handler of the nearest class of ``error``'s that has one (its own, else its bases' in MRO order): the
        handlers are keyed by class and by status code, and ``Exception`` always has one."""
        return next((self.handlers[kind] for kind in type(error).__mro__ if kind in self.handlers),
                    self.handlers[Exception])


# The headers the API reads, each by the field its own refusals name; Starlette reads the first of several.
ONE_HEADER_EACH = frozenset({b"sigill-purpose", b"idempotency-key", b"if-match", b"last-event-id"})
# A load balancer's probe is answered whatever it sends: no header of theirs is refused (/ready reads a sign-in, to
# tell an administrator more, and takes a missing, bad or repeated one as none).
PROBES = ("/api/v1/health", "/api/v1/ready")


class OneValueEach:
    """Refuses an API request that names a query parameter twice, with 422 naming it.  FastAPI takes the last
    one silently: ``?agency=polis&agency=skola`` replayed what the school saw to an auditor who had asked for the
    police too, and ``?limit=1&limit=1000`` answered a thousand.  No parameter of the API takes a list.  So too a
    header the API reads, sent twice (the first was taken: a purpose stated twice was logged as the first alone),
    and two Authorization headers are a 401 (a gateway's credentials beside the client's: neither is preferred).

    A web page's query parameter given twice is refused as well, by the web client's Swedish 422 page: the pages
    took the last one too (``/statistik?kommun=0180&kommun=1480`` counted 1480, where a proxy logging the first
    would log Stockholm)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith("/api/"):
            if scope["path"] in PROBES:   # answered whatever it sends, a parameter given twice too (it was a 422)
                await self.app(scope, receive, send)
                return
            field = _repeated_header(scope["headers"])
            if field == "authorization":
                await JSONResponse(error_body("unauthenticated", "send one Authorization header, not several", None),
                                   401, headers={"WWW-Authenticate": 'Bearer realm="sigill"'})(scope, receive, send)
                return
            twice = repeated(scope["query_string"].decode("latin-1")) if scope.get("query_string") else None
            if field is None and twice is not None:
                field = query_field(twice)
            if field is not None:
                await repeated_response(field)(scope, receive, send)
                return
        elif scope["type"] == "http" and scope.get("query_string"):
            # A web page's (``services.web.errors.repeated_query_page``): its Swedish 422, naming the parameter.
            page = _web_page(scope, "repeated_query_page")
            refused = page(scope) if page is not None else None
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _repeated_header(headers: list[tuple[bytes, bytes]]) -> str | None:
    """``authorization``, or the field of the first other header the API reads, when the request sends it twice."""
    seen: set[bytes] = set()
    for name, _ in headers:
        if name == b"authorization" or name in ONE_HEADER_EACH:
            if name in seen:
                return "authorization" if name == b"authorization" else "header." + name.decode()
            seen.add(name)
    return None


def repeated(query: str, lists: frozenset[str] = frozenset()) -> str | None:
    """The first parameter the query string names a second time, if any, but for those in ``lists``."""
    seen: set[str] = set()
    for name, _ in parse_qsl(query, keep_blank_values=True):
        if name in seen and name not in lists:
            return name
        seen.add(name)
    return None


# The largest body a command can need (a plan of 200 rows, each field at its longest) is about 4 MB.
MAX_BODY = 8 * 1024 * 1024


class TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses a request body over ``MAX_BODY`` with 413, before it is read whole: by its Content-Length, or,
    sent in chunks, as soon as it has grown past the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_BODY
        length = dict(scope["headers"]).get(b"content-length", b"0")
        # Over 19 digits no real length: int() refuses over 4,300 (a 500), so the number is not read at all.
        if not length.isdigit() or len(length) > 19 or int(length) > limit:
            await _too_large(scope, receive, send, limit)
            return
        taken, sending = 0, _Sending(send)

        async def counting() -> Message:
            nonlocal taken
            message = await receive()
            taken += len(message.get("body", b""))
            if taken > limit:
                raise TooLarge()
            return message

        try:
            await self.app(scope, counting, sending)
        except TooLarge:
            if not sending.started:
                await _too_large(scope, receive, send, limit)


def too_large_response(limit: int) -> JSONResponse:
    body = error_body("body_too_large", f"the request body is larger than {limit:,} bytes", "body")
    return JSONResponse(body, 413, headers={"Connection": "close"})


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    # A browser's form gets the web client's Swedish page, not the API's JSON.
    page = _web_page(scope, "too_large_page")
    await (page(scope, limit) if page is not None else too_large_response(limit))(scope, receive, send)


def _web_page(scope: Scope, name: str) -> Callable[..., Any] | None:
    """The web client's page ``name`` (set on the application's state by ``services.web.app.mount_web``) for a path
    of its own, none for the API's or when no web client is mounted."""
    page = getattr(getattr(scope.get("app"), "state", None), name, None)
    return None if scope.get("path", "").startswith("/api") else page


class _Sending:
    """``send``, noting whether the answer has begun (after that an error can only close the connection)."""

    def __init__(self, send: Send) -> None:
        self.send, self.started = send, False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)
