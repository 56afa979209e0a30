"""A domain error's field is named where the request had it, as validation errors are: ``body.rows.0.category``,
``query.as_of``, ``path.case_id``, ``header.if-match`` (until 2026-12-04 the domain's own name went out bare)."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Header, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from domain.errors import InvalidInput
from services.api import error_handlers


class Plan(BaseModel):
    rows: list[dict]
    expected_version: int | None = None


def api_refusing(field: str) -> TestClient:
    api = FastAPI()
    error_handlers.install(api)

    @api.post("/cases/{case_id}/plans")
    def revise(case_id: str, plan: Plan, as_of: Annotated[str | None, Query()] = None,
               key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> None:
        raise InvalidInput("refused", field=field)

    return TestClient(api)


@pytest.mark.parametrize("field, place", [
    ("rows[0].category", "body.rows.0.category"), ("rows", "body.rows"), ("expected_version", "body.expected_version"),
    ("as_of", "query.as_of"), ("case_id", "path.case_id"),
    ("Idempotency-Key", "header.idempotency-key"),   # declared by the route
    ("If-Match", "header.if-match"), ("Sigill-Purpose", "header.sigill-purpose"),   # read by the API itself
    ("body.rows.1", "body.rows.1"),   # already placed
    ("rules[2].name", "rules.2.name"),   # held by nothing the route takes: the domain's name, dotted
])
def test_a_domain_errors_field_is_named_where_the_request_had_it(field, place):
    answer = api_refusing(field).post("/cases/c1/plans?as_of=x", json={"rows": [{}]})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == place


def test_a_header_a_validation_error_names_is_in_lower_case_as_the_domains_are():
    answer = api_refusing("rows").post("/cases/c1/plans", json={"rows": "no"}, headers={"Idempotency-Key": "k"})
    assert answer.json()["error"]["field"] == "body.rows"
    client = TestClient(FastAPI())
    api = client.app
    error_handlers.install(api)

    @api.get("/x")
    def x(key: Annotated[str, Header(alias="Last-Event-ID", max_length=3)]) -> None:
        return None

    assert client.get("/x", headers={"Last-Event-ID": "toolong"}).json()["error"]["field"] == "header.last-event-id"
