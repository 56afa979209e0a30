"""End-to-end: the whole server (API and web client) on a real PostgreSQL, driven by headless Chromium.

One server and one browser for all these tests (both stopped after the last
of them, not kept through the rest of the run) keep the suite fast;
each test gets a fresh browser context (no cookies shared), and its own case.
Debian's ``chromium`` is required: ``./scripts/test.sh`` installs it; without it these
tests fail, they never skip.
"""

from __future__ import annotations

import base64
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

import pytest

from gateways.embedded_postgres import PostgresLocation, create_database
from services.api.app import create_api
from services.api.deps import ApiContext
from services.bootstrap import build_api_context, build_application, build_shared_renewals
from services.settings import Settings
from services.web.app import mount_web
from tests import oidc_provider
from tests.e2e import ui
from tests.servers import free_port, serve_in_thread

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=sv-SE",
                 # Form controls (date inputs) drawn in the page's language (lang="sv"), not the browser's UI
                 # language: Debian's chromium ships only the en-US UI locale, which draws dates as 03/10/2026.
                 "--enable-blink-features=LangAttributeAwareFormControlUI"]
LOCALE, TIMEZONE = "sv-SE", "Europe/Stockholm"
# The user the test provider signs in: a caseworker at social services in Stockholm, by the API's claim names.
OIDC_USER = {"sub": "hsa-SE2321000016-1234", "name": "Maja Handläggare", "agency": "socialtjanst",
             "municipality": "0180", "roles": ["caseworker"]}


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("web"), master_key=base64.b64encode(os.urandom(32)).decode())


@dataclass(frozen=True)
class Served:
    url: str
    context: ApiContext   # the server's own services: tests seed cases through CaseService, as the API would
    settings: Settings    # its configuration (the sign-in tests make cookies with its keys)


def _serve_sigill(settings: Settings, location: PostgresLocation, port: int | None = None):
    """The server as `sigill serve` builds it (API + web), on the given database, in a thread."""
    app = build_application(settings, location=location)
    context = build_api_context(app, settings, location)
    api = create_api(context)
    renewals = build_shared_renewals(settings, location, context) if settings.oidc_sign_in else None
    mount_web(api, context, settings, renewals)
    port = port or free_port()
    uv, thread = serve_in_thread(api, port, "e2e-server")
    yield Served(f"http://127.0.0.1:{port}", context, settings)
    uv.should_exit = True
    thread.join(10)
    context.close()
    app.close()


# The package's, not the session's: each server holds ~20 sessions of the suite's one PostgreSQL (max_connections
# 100), and kept through the integration tests that run after these they left too little room — test_serve_script's
# `sigill serve --workers 2` opens ~58 and failed with "too many clients" behind them.
@pytest.fixture(scope="package")
def server(postgres_server, web_settings):
    """Sigill in embedded (development) mode on a fresh database: the development sign-in."""
    location = create_database(postgres_server, f"e2e_{uuid4().hex[:10]}")
    yield from _serve_sigill(web_settings, location)


@pytest.fixture(scope="session")
def running_provider():
    """The test OIDC provider (tests/oidc_provider.py) over HTTP on loopback — at ``localhost``, another site than
    Sigill's 127.0.0.1, so that the browser comes back from it cross-site, as from a real provider."""
    provider = oidc_provider.RunningProvider(dict(OIDC_USER), host="localhost")
    yield provider
    provider.stop()


@pytest.fixture
def provider(running_provider):
    """The provider, reset for this test: the caseworker signs in, nothing denied or tampered with."""
    state = running_provider.state
    state.user, state.deny, state.tamper, state.consent_form = dict(OIDC_USER), False, None, False
    state.refresh_tokens, state.refuse_refresh, state.age, state.refreshes = False, False, 0, 0
    state.keys_away = False
    state.refresh_tokens_issued.clear()  # none left over from an earlier test
    return running_provider


@contextmanager
def production_sigill(postgres_server, tmp_path_factory, issuer: str):
    """Sigill in production mode: external database, its own keys, sign-in only through the OIDC ``issuer``."""
    location = create_database(postgres_server, f"e2e_prod_{uuid4().hex[:10]}")
    port = free_port()
    url = (f"postgresql://{quote(location.user)}@/{location.dbname}?host={quote(location.host, safe='')}"
           f"&port={location.port}")
    settings = Settings(environment="production", data_dir=tmp_path_factory.mktemp("prod"), database_url=url,
                        master_key=base64.b64encode(os.urandom(32)).decode(),
                        ledger_key=base64.b64encode(os.urandom(32)).decode(),
                        oidc_issuer=issuer, oidc_client_id=oidc_provider.CLIENT_ID,
                        oidc_client_secret=oidc_provider.CLIENT_SECRET, public_url=f"http://127.0.0.1:{port}")
    settings.check()
    served = _serve_sigill(settings, location, port)
    try:
        yield next(served)
    finally:
        next(served, None)


@pytest.fixture(scope="package")
def production_server(postgres_server, running_provider, tmp_path_factory):
    """Sigill in production mode against the test provider."""
    with production_sigill(postgres_server, tmp_path_factory, running_provider.issuer) as served:
        yield served


# The package's, not the session's: Playwright's sync API marks its event loop as running in the main thread
# between its calls while it is started, so kept to the session's end it failed every later asyncio.run of the run
# ("cannot be called from a running event loop"); stopped after the last browser test (tests/loop_guard.py).
@pytest.fixture(scope="package")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run ./scripts/test.sh (it installs it), "
                    "or apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_browser(browser, server):
    """A fresh browser context per user: ``page = open_browser()``; closed at the end of the test."""
    contexts = []

    def new(width: int = 1280, height: int = 900, base_url: str | None = None):
        context = browser.new_context(base_url=base_url or server.url, viewport={"width": width, "height": height},
                                      locale=LOCALE, timezone_id=TIMEZONE)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in_page(open_browser):
    """A fresh browser page signed in as a development user: ``page = signed_in_page(ui.SOCIAL)``; a window size or
    base_url as open_browser takes them."""

    def new(user: str, **window):
        page = open_browser(**window)
        ui.sign_in(page, user)
        return page

    return new


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save
