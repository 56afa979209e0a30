"""End-to-end: the whole server (API and web client) on a real PostgreSQL, driven by headless Chromium.

One server and one browser per session keep the suite fast; each test gets a
fresh browser context (no cookies shared), and its own case.  Debian's
``chromium`` is required: ``./scripts/test.sh`` installs it; without it these
tests fail, they never skip.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import pytest
import uvicorn

from gateways.embedded_postgres import create_database
from services.api.app import create_api
from services.api.deps import ApiContext
from services.bootstrap import build_api_context, build_application
from services.settings import Settings
from services.web.app import mount_web

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("web"), master_key=base64.b64encode(os.urandom(32)).decode())


@dataclass(frozen=True)
class Served:
    url: str
    context: ApiContext   # the server's own services: tests seed cases through CaseService, as the API would


@pytest.fixture(scope="session")
def server(postgres_server, web_settings):
    """The server as `sigill serve` builds it (API + web), on a fresh database, in a thread."""
    location = create_database(postgres_server, f"e2e_{uuid4().hex[:10]}")
    app = build_application(web_settings, location=location)
    context = build_api_context(app, web_settings, location)
    api = create_api(context)
    mount_web(api, context, web_settings)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=uv.run, name="e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", context)
    uv.should_exit = True
    thread.join(10)
    context.close()
    app.close()


@pytest.fixture(scope="session")
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

    def new(width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=server.url, viewport={"width": width, "height": height},
                                      locale="sv-SE")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return save
