"""The web client: server-rendered pages in Swedish, mounted beside the API on the same services.

Every page reads and writes through the API's ``CaseService`` as the
signed-in user, so a page never shows more than the API would give them.
Every asset is served from ``static/`` by the application itself (no CDN).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.api.app import add_routes
from services.api.deps import ApiContext
from services.identity_provider import IdentityProvider
from services.settings import Settings
from services.web import (
    errors,
    oidc,
    renewal,
    routes_admin,
    routes_audit,
    routes_auth,
    routes_cases,
    routes_dev_sign_in,
    routes_disclosures,
    routes_group,
    routes_ledger,
    routes_retention,
    routes_statistics,
    sealed_cookie,
)
from services.web.pages import HERE
from services.web.signed_out import ProcessSignedOut, SignedOutSessions

log = logging.getLogger("sigill.web")


def mount_web(api: FastAPI, context: ApiContext, settings: Settings,
              renewals: renewal.SharedRenewals | None = None, signed_out: SignedOutSessions | None = None) -> None:
    """Add the web pages (at ``/``), their static files and the sign-in to the API's application.

    ``renewals``: where session renewals are shared between workers; ``signed_out``: where sessions signed out are
    kept (the server passes the database's); without them, within this process only."""
    api.state.web_settings = settings
    api.state.dev_tokens = _dev_tokens(settings)
    api.state.identity = _identity_provider(settings)
    # The sealed sign-in cookies' keys (flow, refresh token), derived from the master key production must
    # configure: there is no default secret anywhere.
    master = settings.master_key_bytes() if api.state.identity is not None else None
    api.state.flow_key = oidc.flow_key(master) if master else None
    api.state.refresh_key = renewal.refresh_key(master) if master else None
    api.state.renewals = renewal.Renewals(master, renewals) if master else None
    # The forms' CSRF tokens and the sealed read purpose, in development too (its master key is made once, in the
    # data dir): every worker of the server makes and checks the same ones.
    server_key = master or settings.master_key_bytes()
    api.state.csrf_key = sealed_cookie.cookie_key(server_key, "csrf-token")
    # The same under the master key a rotation replaced (SIGILL_PREVIOUS_MASTER_KEY, kept a day, longer than a token
    # lives), checked after it, never made: a form shown before the rotation still posts (and its form key finds the
    # answer its first copy stored: it was "Formuläret har gått ut", and typed again the form was saved twice), and
    # a session signed out before it (recorded by a MAC under it) is still refused.
    previous = settings.previous_master_key_bytes()
    api.state.csrf_keys = (api.state.csrf_key, *([sealed_cookie.cookie_key(previous, "csrf-token")]
                                                 if previous else []))
    api.state.purpose_key = sealed_cookie.cookie_key(server_key, "read-purpose-cookie")
    # A purpose stated before the rotation is still read (sealed under the old key), never sealed under it again.
    api.state.purpose_keys = (api.state.purpose_key, *([sealed_cookie.cookie_key(previous, "read-purpose-cookie")]
                                                       if previous else []))
    api.state.signed_out = signed_out or ProcessSignedOut()
    api.state.session_verifiers = _session_verifiers(api.state.dev_tokens, api.state.identity)
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    routers = [routes_auth, routes_cases, routes_admin, routes_group, routes_audit, routes_ledger, routes_disclosures,
               routes_statistics, routes_retention]
    if api.state.dev_tokens is not None:  # production has no development sign-in at all: its path is a 404
        routers.append(routes_dev_sign_in)
    for module in routers:
        add_routes(api, module.router)
    errors.install(api)
    api.state.too_large_page = errors.too_large_page
    api.state.repeated_query_page = errors.repeated_query_page


def _dev_tokens(settings: Settings) -> Any:  # DevTokens, known only to the wiring module
    if settings.is_production:
        return None
    from services.bootstrap.sign_in import dev_tokens
    return dev_tokens(settings)


def _identity_provider(settings: Settings) -> IdentityProvider | None:  # built by the wiring module
    from services.bootstrap.sign_in import build_identity_provider
    return build_identity_provider(settings)


def _session_verifiers(dev_tokens: Any, identity: Any) -> list:
    verifiers = [dev_tokens.verifier().verify] if dev_tokens is not None else []
    if identity is not None:
        verifiers.append(identity.session_principal)
    return verifiers
