"""The web client: server-rendered pages in Swedish, mounted beside the API on the same services.

Every page reads and writes through the API's ``CaseService`` as the
signed-in user, so a page never shows more than the API would give them.
Every asset is served from ``static/`` by the application itself (no CDN).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.api.deps import ApiContext
from services.settings import Settings
from services.web import (
    routes_admin,
    routes_audit,
    routes_auth,
    routes_cases,
    routes_group,
)
from services.web.pages import HERE

log = logging.getLogger("sigill.web")


def mount_web(api: FastAPI, context: ApiContext, settings: Settings) -> None:
    """Add the web pages (at ``/``), their static files and the sign-in to the API's application."""
    api.state.web_settings = settings
    api.state.dev_tokens = _dev_tokens(settings)
    api.state.oidc = None if not settings.is_production else settings.oidc_issuer
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (routes_auth, routes_cases, routes_admin, routes_group, routes_audit):
        api.include_router(module.router)


def _dev_tokens(settings: Settings):  # noqa: ANN202 - DevTokens, known only to the wiring module
    if settings.is_production:
        return None
    from services.bootstrap import dev_tokens
    return dev_tokens(settings)
