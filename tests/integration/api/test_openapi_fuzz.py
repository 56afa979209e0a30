"""Schemathesis against our OpenAPI document: for any input it generates, no server error and no answer
that breaks the document.  Signed in as a caseworker (the widest writer) and as an auditor (the widest reader)."""

from __future__ import annotations

import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, given, settings

from services.api.app import create_api
from tests.integration.api.flows import school_consented_case

EXAMPLES = 25
# Schema-valid input may still break a domain rule (an unknown agency, a date in the future): that is a
# 422 by design, not a flaw.  Every other check runs: no 5xx, documented statuses, bodies and headers that
# match the document, malformed input refused.
NOT_OURS = [checks.positive_data_acceptance]
# No sign-in: the probes, and the feed messages' JSON Schema and AsyncAPI document (no case data in them).
PUBLIC = ("/api/v1/health", "/api/v1/ready", "/api/v1/feeds/disclosure-message.schema.json",
          "/api/v1/feeds/asyncapi.yaml")


def test_no_server_error_and_every_answer_fits_the_schema(context, users):
    # Schemathesis's pytest plugin does not load under our pytest, so each operation gets its own
    # Hypothesis run here — the same generation and the same checks (call_and_validate).
    api = create_api(context)
    api.state.stream_seconds = 0.05  # a feed stream that answers 200 ends, so that its body can be checked
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            for headers in (users.social, users.auditor):
                case.call_and_validate(headers=headers, excluded_checks=NOT_OURS)

        try:
            fuzz()
        except Exception as failure:  # every operation is tried; all failures are reported together
            failures.append(f"{operation.verbose_name}: {failure}")
    assert not failures, "\n\n".join(failures)


def test_the_document_has_examples_for_every_command(context):
    document = create_api(context).openapi()
    bodies = [op["requestBody"] for path in document["paths"].values() for op in path.values()
              if "requestBody" in op]
    assert len(bodies) == 16   # the commands, the protection and the next meeting (2026-12-05) among them, and a kept
    # checkpoint file
    schemas = document["components"]["schemas"]
    for body in bodies:
        name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert schemas[name].get("examples"), f"{name} has no example"


def test_every_read_of_a_real_case_answers(client, users, tick):
    """The fuzzer's generated ids rarely hit a case, so the reads of a real one are walked here."""
    case_id, _ = school_consented_case(client, users, tick)
    for path in ("", "/plan", "/meetings", "/contributions", "/extract"):
        assert client.get(f"/api/v1/cases/{case_id}{path}", headers=users.social).status_code == 200


def test_the_document_names_the_503_every_command_and_case_read_can_answer(context):
    """A command can meet an unreachable database, a lost COMMIT answer or a clock far behind; a read, an
    access log it cannot write: each a 503 the client is told of in the document, with its error shape."""
    document = create_api(context).openapi()
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()
                  if path.startswith("/api/v1/cases")]
    assert operations
    missing = [f"{method.upper()} {path}" for path, method, op in operations if "503" not in op["responses"]]
    assert not missing, missing


def test_the_document_names_the_sign_in_and_the_purpose_header_where_they_are_taken(context):
    """The dependencies read these headers themselves (cheaper than FastAPI's parameters); the document must
    still say which operations need a bearer token and which take a purpose."""
    document = create_api(context).openapi()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            signed_in = operation.get("security") == [{"HTTPBearer": []}]
            assert signed_in == (path not in PUBLIC), (method, path)
            headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
            purposes = [p for p in headers if p["name"] == "sigill-purpose"]
            reads_content = method == "get" and ("{case_id}" in path or path.startswith("/api/v1/feeds/{agency}")
                                                 or path == "/api/v1/audit/access-log"   # who read, and why
                                                 or path in ("/api/v1/cases", "/api/v1/retention/due"))   # each case listed
            assert len(purposes) == int(reads_content), (method, path)
            assert all(p["schema"]["maxLength"] == 1500 for p in purposes)


def test_every_error_the_document_names_has_the_one_error_shape_and_every_logged_read_names_its_503(context):
    """The 422 of a read was documented as FastAPI's {detail: […]}, which no answer has; and the audit reads
    and feed pages, written to the access log like any read, did not name the 503 it can refuse them with."""
    document = create_api(context).openapi()
    wrong, no_503 = [], []
    for path, item in document["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if status[0] in "45":
                    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                    if schema.get("$ref") != "#/components/schemas/ErrorBody":
                        wrong.append(f"{method.upper()} {path} {status}")
            if method == "get" and path.startswith(("/api/v1/audit/cases", "/api/v1/feeds/{agency}")) \
                    and "503" not in op["responses"]:
                no_503.append(f"{method.upper()} {path}")
    assert not wrong, wrong
    assert not no_503, no_503
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_referral_example_opens_a_case_as_it_stands(client, users, context):
    """An integrator's first request is the document's example: it must be accepted, check digit and all."""
    example = create_api(context).openapi()["components"]["schemas"]["Referral"]["examples"][0]
    response = client.post("/api/v1/cases", json=example, headers=users.social)
    assert response.status_code == 201, response.text


def test_every_command_example_is_accepted_as_it_stands(client, users, context, tick):
    """Each command's example in the document, sent in a case's natural order, is accepted — only the ids the
    path names and a follow-up's row (which no example can know) are the case's own.  The plan's example named
    an area the catalogue does not know and no category, a 422 for the integrator who tried it first."""
    schemas = create_api(context).openapi()["components"]["schemas"]
    example = lambda name: schemas[name]["examples"][0]  # noqa: E731
    case_id = client.post("/api/v1/cases", json=example("Referral"), headers=users.social).json()["case_id"]
    case = f"/api/v1/cases/{case_id}"

    def post(path: str, body: dict) -> dict:
        tick()
        answer = client.post(case + path, json=body, headers=users.social)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()

    post("/eligibility", example("Eligibility"))
    post("/guardians", example("Guardians"))
    consent = post("/consents", example("Consent"))["created"]
    post("/members", example("Member"))
    post("/plan/revisions", example("Plan"))
    tick(60 * 24 * 14)   # the clock stands at 2026-02-03; the meeting example was held on 2026-02-10
    post("/meetings", example("Meeting"))
    post("/contributions", example("Contribution"))
    row = client.get(case + "/plan", headers=users.social).json()["rows"][0]["content"]["row_id"]
    post("/follow-ups", {**example("FollowUp"), "row_id": row})
    post(f"/consents/{consent}/narrowings", example("Narrowing"))
    post(f"/consents/{consent}/withdrawal", example("Withdrawal"))
    post("/members/skola/departure", example("Departure"))
    post("/closure", example("Closure"))
