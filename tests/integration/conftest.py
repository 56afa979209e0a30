"""Fixtures of the integration tests: an application on a fresh PostgreSQL database, with a clock set by hand."""

from __future__ import annotations

import base64
import os

import pytest

from services.bootstrap import build_application
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
