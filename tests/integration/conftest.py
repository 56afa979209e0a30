"""Fixtures of the integration tests: an application on a fresh PostgreSQL database, with a clock set by hand."""

from __future__ import annotations

import base64
import os
from dataclasses import replace
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

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


@pytest.fixture
def roles(postgres_server):
    """A database owned by one new role, and another role that is to run the application: (owner, app) locations."""
    suffix = uuid4().hex[:10]
    owner, app_role, name = f"owner_{suffix}", f"app_{suffix}", f"roles_{suffix}"
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
        for role in (owner, app_role):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    database = replace(postgres_server, dbname=name)
    yield replace(database, user=owner), replace(database, user=app_role)
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        for role in (app_role, owner):
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
