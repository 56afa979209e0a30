"""Fixtures of the integration tests: an application on a fresh PostgreSQL database, with a clock set by hand."""

from __future__ import annotations

import base64
import os

import pytest

from services.bootstrap import build_application, build_view_runner
from services.clock import ManualClock
from services.settings import Settings
from tests.builders import utc


@pytest.fixture
def master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def settings(tmp_path, master_key) -> Settings:
    return Settings(data_dir=tmp_path, master_key=master_key)


@pytest.fixture
def app(postgres, settings):
    application = build_application(settings, clock=ManualClock(utc(2026, 2, 3)), location=postgres)
    yield application
    application.close()


@pytest.fixture
def runner(app, settings, postgres):
    """The agency views' runner, as `sigill views` and the follower build it; its pool closed after the test (left
    open, a test's sessions stayed on the suite's one server, which has a bounded number of connections)."""
    runner = build_view_runner(app, settings, postgres)
    yield runner
    runner.close()
    runner.store.close()
