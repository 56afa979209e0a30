"""``HEAD`` on any of the API's paths is answered as its ``GET``, without the body (RFC 9110 §9.3.2).

FastAPI answers HEAD only where a route names it: a monitor's or an integration engineer's ``HEAD`` on a feed was a
405.  Here a HEAD to ``/api/…`` goes through as the GET it stands for — the same sign-in, authorisation, checks and
status (401, 403, 404, 422 alike: a HEAD never tells more than its GET), the same headers (``ETag``,
``Content-Length``) — and only the body is held back.  Its read is logged as the GET's is: its status, ``ETag`` and
``Content-Length`` are made from the content read (a HEAD polled would tell when a case changed for the reader), so
the access log keeps it as what it is, a read answered.  A feed's stream sends only its status and headers: it ends
before the first page is read, and a stream logs its reads page by page, so nothing is logged.

The web's pages take no HEAD (a browser sends none), nor any other method than a route names.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TAKES_HEAD = "/api/"   # the API's paths: the web's pages take no HEAD


class _Answered(BaseException):
    """The headers and the end of the body have gone: what the route sends on is not wanted.  A BaseException, so
    that no layer inside takes it for an error (``middleware.LastResort`` answers every ``Exception``)."""


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or not scope["path"].startswith(TAKES_HEAD):
            await self.app(scope, receive, send)
            return
        ended = False

        async def without_body(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                await send(message)
                return
            if message["type"] != "http.response.body" or ended:
                return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            ended = True
            if message.get("more_body", False):   # a stream: stopped before it reads on
                raise _Answered

        try:   # a copy: the server's own scope still says HEAD, so it sends no body and keeps the Content-Length
            await self.app({**scope, "method": "GET"}, receive, without_body)
        except _Answered:
            pass
