"""The API over a real PostgreSQL: an HTTP client and development tokens for any user."""

from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import pytest
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient

from gateways.jwt_tokens import DevTokens
from services.api.app import create_api
from services.bootstrap import build_api_context
from tests.integration.api.recorded import recorded

SOCIAL_ROLES = ("caseworker",)


class Users:
    """Bearer headers for users of any agency and role, signed with the development key."""

    def __init__(self, tokens: DevTokens) -> None:
        self.tokens = tokens

    def headers(self, agency: str, role: str, municipality: str | None = "0180", subject: str | None = None,
                **claims) -> dict[str, str]:
        token = self.tokens.issue(subject=subject or f"{agency}-{role}", name=f"Namn {agency} {role}",
                                  agency=agency, roles=[role], municipality=municipality, **claims)
        return {"Authorization": f"Bearer {token}"}

    @property
    def social(self) -> dict[str, str]:
        return self.headers("socialtjanst", "caseworker")

    @property
    def school(self) -> dict[str, str]:
        return self.headers("skola", "member")

    @property
    def police(self) -> dict[str, str]:
        return self.headers("polis", "member")

    @property
    def auditor(self) -> dict[str, str]:
        return self.headers("ivo", "auditor", municipality=None)


@pytest.fixture
def context(app, settings, postgres):
    ctx = build_api_context(app, settings, postgres)
    yield ctx
    ctx.close()


@pytest.fixture
def client(context) -> Iterator[TestClient]:
    """A client of the API as a server runs it: its lifespan started, so commands go through the event store's
    connections on the client's event loop (``command_async``), not a thread."""
    with TestClient(create_api(context), raise_server_exceptions=False) as client:
        assert client.portal.call(context.cases.app.loop_store) is not None   # the client's loop serves
        yield client


@pytest.fixture
def users(settings) -> Users:
    return Users(DevTokens(settings.data_dir))


@pytest.fixture
def tick(app):
    """Move the application's clock on, as time passes between requests."""
    def advance(minutes: int = 1) -> None:
        app.clock.advance(timedelta(minutes=minutes))
    return advance


@pytest.fixture
def raised(monkeypatch) -> list[RequestValidationError]:
    """Every RequestValidationError made while the test runs."""
    return recorded(monkeypatch, RequestValidationError)
