"""The headers every answer carries that tell a browser what it may do with it: not frame it, not guess its type,
not tell other sites where it came from, run no script or style but our own — and, unless it says otherwise, not
keep it in any cache (an answer holds personal data: a case, an audit, the access log).

Pages and JSON alike hold personal data; the web client's pages are the ones a browser renders, but an API answer
opened in a tab is a page too.  An answer that sets its own ``Content-Security-Policy`` keeps it (the supervisor's
report, whose one style is inline: ``services.report.CONTENT_SECURITY_POLICY``).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Nothing from elsewhere, and of our own only the stylesheet and the print button's script (services/web/static).
# No form-action: a browser holds a form's redirect to it too, and signing out redirects to the identity provider.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                           " frame-ancestors 'none'; base-uri 'none'")
_CSP, _CACHE = b"content-security-policy", b"cache-control"
NO_STORE = (_CACHE, b"no-store")
STATIC = "/static/"   # the stylesheet and the print button's script: no one's data, cacheable
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
# Only over HTTPS (behind a TLS proxy whose X-Forwarded-Proto is trusted): a browser ignores it over plain HTTP,
# and a development server on 127.0.0.1 must not pin anything.
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https, static = scope.get("scheme") == "https", scope.get("path", "").startswith(STATIC)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                named = {name.lower() for name, _ in headers}
                if _CSP not in named:
                    headers.append((_CSP, CONTENT_SECURITY_POLICY.encode()))
                if _CACHE not in named and not static:
                    headers.append(NO_STORE)
                headers.extend(ALWAYS)
                if https:
                    headers.append(HSTS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
