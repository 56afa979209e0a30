"""What an agency's integration engineer is promised about the HTTP feed — by the README's feed sections, the
published JSON Schema (services/data/feeds/disclosure-message.schema.json), the AsyncAPI document and the OpenAPI
document the server serves — held to what the running API answers.

The feed's own tests (test_feed_http.py, test_feed_stream.py) check the messages against the log and Kafka; these
check the documents an integrator builds a client from: that a page is what the OpenAPI document says it is, that
the document's message shape is the published JSON Schema's, that it names every status a feed answers (with its
Retry-After), that every refusal has the one error shape, that an item's cursor resumes after it, that `more` and
the default limit mean what they say, and that the stream sends the pages' very items."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import jsonschema_rs
import psycopg
import pytest
import yaml

from services.feeds import Cursor, decode_cursor, encode_cursor
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.feed_history import GOTHENBURG, STOCKHOLM, interleaved_history

FEEDS = Path(__file__).resolve().parents[3] / "services" / "data" / "feeds"
SCHEMA = json.loads((FEEDS / "disclosure-message.schema.json").read_text())
PAGE, STREAM = "/api/v1/feeds/{agency}", "/api/v1/feeds/{agency}/stream"


def document(client) -> dict:
    return ok(client.get("/api/v1/openapi.json"))


def validator(doc: dict, name: str):
    """A validator of one of the OpenAPI document's schemas (3.1: JSON Schema 2020-12), its $refs resolved."""
    return jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                               "components": doc["components"]}, validate_formats=True)


def pages(client, headers, agency: str, limit: int = 1000, after: str | None = None, **query) -> list[dict]:
    answers = []
    while True:
        page = ok(client.get(f"/api/v1/feeds/{agency}", headers=headers,
                             params={**query, "limit": limit, **({"after": after} if after else {})}))
        answers.append(page)
        after = page["next"]
        assert len(answers) < 1000
        if not page["more"]:
            return answers


def items_of(answers: list[dict]) -> list[dict]:
    return [item for page in answers for item in page["messages"]]


def erased_and_withdrawn(client, users, tick, app) -> tuple[str, str]:
    """A history with every change a feed carries: disclosures under consent, law and origin, a withdrawal's
    ends (and the earlier messages it withholds), and an erased case (its erasure message)."""
    interleaved_history(app)
    erased, _ = school_consented_case(client, users, tick)
    withdrawn, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{withdrawn}/contributions", headers=users.school,
                   json={"category": "school", "text": "Skolans notering"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{withdrawn}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    pages(client, users.school, "skola")   # the views caught up (the follower's work in a server)
    app.keystore.destroy(UUID(erased))
    assert client.app.state.context.cases.lists.runner.store.record_erasures() > 0
    return erased, withdrawn


def readers(users) -> list[tuple[str, dict, dict]]:
    return [("skola", users.school, {}), ("polis", users.police, {}), ("socialtjanst", users.social, {}),
            ("socialtjanst", users.headers("socialtjanst", "caseworker", municipality=GOTHENBURG), {}),
            ("skola", users.auditor, {"municipality": STOCKHOLM})]


# --- The answer is what the OpenAPI document says, and the document's message is the published one ------------

def test_every_page_fits_the_openapi_documents_own_response_schema(client, users, tick, app):
    """A client generated from /api/v1/openapi.json reads every page: disclosed, ended, withheld and erased."""
    erased_and_withdrawn(client, users, tick, app)
    doc = document(client)
    page = validator(doc, "FeedPageOut")
    changes = set()
    for agency, headers, query in readers(users):
        for answer in pages(client, headers, agency, limit=3, **query):
            page.validate(answer)
            changes |= {(i["body"]["change"], i["body"]["kind"] is None) for i in answer["messages"]}
    assert {("disclosed", False), ("disclosed", True), ("ended", True), ("erased", False)} <= changes


def normalised(prop: dict, root: dict) -> dict:
    """One property's constraints, written the JSON Schema's way or the OpenAPI document's (anyOf with null,
    Literal as const, a $ref to a component), in one form to compare."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return normalised(root["components"]["schemas"][name], root)
    variants = prop.get("anyOf", [prop])
    types: set[str] = set()
    found: dict = {}
    for variant in variants:
        if "$ref" in variant:
            variant = root["components"]["schemas"][variant["$ref"].rsplit("/", 1)[-1]]
        kind = variant.get("type")
        if kind is None and "enum" in variant:
            kind = "string" if all(isinstance(v, str) for v in variant["enum"]) else None
        if kind is None and "const" in variant:
            kind = {str: "string", int: "integer"}[type(variant["const"])]
        types |= set(kind) if isinstance(kind, list) else {kind}
        for key in ("enum", "const", "pattern", "format", "minimum"):
            if key in variant:
                found[key] = sorted(variant[key]) if key == "enum" else variant[key]
        if "items" in variant:
            found["items"] = normalised(variant["items"], root)
        if variant.get("type") == "object" and "properties" in variant:
            found["required"] = sorted(variant.get("required", []))
            found["properties"] = {k: normalised(v, root) for k, v in variant["properties"].items()}
            found["closed"] = variant.get("additionalProperties") is False
    if "minimum" in found:
        found["minimum"] = int(found["minimum"])
    return {"types": sorted(types), **found}


def test_the_openapi_documents_feed_message_is_the_published_json_schemas(client):
    """The same message is described twice — the JSON Schema for Kafka, the OpenAPI document for HTTP — and the
    README says an item's body and headers are exactly the Kafka record's: the two must not drift apart."""
    doc = document(client)
    schemas = doc["components"]["schemas"]
    published = {"components": {"schemas": {}}}
    assert normalised(schemas["FeedBody"], doc) == normalised(SCHEMA, published)
    assert normalised(schemas["FeedHeaders"], doc) == normalised(SCHEMA["$defs"]["headers"], published)


# --- The OpenAPI document names what a feed answers -----------------------------------------------------------------

def test_the_openapi_document_names_each_status_a_feed_answers_and_its_retry_after(client):
    """README: 401, 403, 404 (feed_not_found), 406, 422 (malformed_cursor, outdated_cursor, municipality_needed, a
    bad limit), and 503 — feeds_rebuilding with Retry-After: 30 while the views are rebuilt, as well as the access
    log's and the database's."""
    doc = document(client)
    for path in (PAGE, STREAM):
        responses = doc["paths"][path]["get"]["responses"]
        assert {"200", "401", "403", "404", "406", "410", "422", "503"} <= set(responses), path
        for status in ("401", "403", "404", "406", "410", "422", "503"):
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"}, (path, status)
        unavailable = responses["503"]
        assert "Retry-After" in unavailable.get("headers", {}), path
        said = json.dumps(unavailable)
        for code in ("feeds_rebuilding", "access_log_unavailable", "database_unavailable"):
            assert code in said, (path, code)
        said = json.dumps(responses["422"])
        for code in ("malformed_cursor", "outdated_cursor", "municipality_needed"):
            assert code in said, (path, code)
        assert "feed_not_found" in json.dumps(responses["404"])
        assert "ids_renewed" in json.dumps(responses["410"])


def test_the_openapi_documents_examples_fit_its_own_schemas(client):
    """An integrator copies the examples: each error example is an ErrorBody — whose `field` the document calls
    required, as the README says every error has it (null when no one field is at fault) — and the page example a
    FeedPageOut."""
    doc = document(client)
    assert set(doc["components"]["schemas"]["ErrorDetail"]["required"]) == {"code", "message", "field"}
    error = validator(doc, "ErrorBody")
    for path in (PAGE, STREAM):
        for status, response in doc["paths"][path]["get"]["responses"].items():
            if status == "200":
                continue
            content = response["content"]["application/json"]
            examples = [content["example"]] if "example" in content else []
            examples += [e["value"] for e in content.get("examples", {}).values()]
            assert examples, (path, status)
            for example in examples:
                error.validate(example)
    page = validator(doc, "FeedPageOut")
    for example in doc["components"]["schemas"]["FeedPageOut"]["examples"]:
        page.validate(example)


# --- Every refusal has the one error shape ----------------------------------------------------------------------

def refusals(client, users, postgres) -> dict[tuple[str, str], object]:
    """Every kind of refusal the README names for the feed, on the pages and on the stream: (endpoint, what) →
    the answer."""
    other_feeds = encode_cursor(Cursor("00000000", "polis.0180", 1))
    renewed = encode_cursor(Cursor("00000000", "skola.0180", 1, "0123456789ab"))   # of another ids' generation
    old = "c2lnaWxsLWZlZWQ6NDcxMQ"   # sigill-feed:4711: a cursor from before feeds were numbered
    school = users.school
    answers = {}
    for endpoint, path in (("page", "/api/v1/feeds/skola"), ("stream", "/api/v1/feeds/skola/stream")):
        def cursor(value: str, path: str = path, endpoint: str = endpoint):
            if endpoint == "page":
                return client.get(path, params={"after": value}, headers=school)
            return client.get(path, headers={**school, "Last-Event-ID": value})
        for what, response in (
            ("no token", client.get(path)),
            ("bad token", client.get(path, headers={"Authorization": "Bearer nonsense"})),
            ("two tokens", client.get(path, headers=[("Authorization", school["Authorization"])] * 2)),
            ("another agency's", client.get(path.replace("skola", "polis"), headers=school)),
            ("another municipality's", client.get(path, params={"municipality": GOTHENBURG}, headers=school)),
            ("no municipality", client.get(path, headers=users.headers("skola", "member", municipality=None))),
            ("an administrator", client.get(path, headers=users.headers("skola", "administrator"))),
            ("unknown agency", client.get(path.replace("skola", "finnsinte"), headers=school)),
            ("not acceptable", client.get(path, headers={**school, "Accept": "application/xml"})),
            ("malformed cursor", cursor("x")),
            ("padded cursor", cursor("abc=")),
            ("long cursor", cursor("a" * 161)),
            ("old cursor", cursor(old)),
            ("another feed's cursor", cursor(other_feeds)),
            ("renewed ids' cursor", cursor(renewed)),
            ("unknown municipality", client.get(path, params={"municipality": "9999"}, headers=users.auditor)),
            ("no municipality named", client.get(path, headers=users.auditor)),
            ("unknown parameter", client.get(path, params={"afterr": "5"}, headers=school)),
            ("repeated parameter", client.get(path + "?municipality=0180&municipality=0180", headers=school)),
        ):
            answers[endpoint, what] = response
    answers["page", "limit 0"] = client.get("/api/v1/feeds/skola", params={"limit": 0}, headers=school)
    answers["page", "limit ten"] = client.get("/api/v1/feeds/skola", params={"limit": "ten"}, headers=school)
    with psycopg.connect(postgres.conninfo()) as conn:   # a build from the first event, far from where it is going
        conn.execute("UPDATE view_rules SET building_to = 1000000000")
    answers["page", "rebuilding"] = client.get("/api/v1/feeds/skola", headers=school)
    answers["stream", "rebuilding"] = client.get("/api/v1/feeds/skola/stream", headers=school)
    return answers


def test_every_refusal_of_a_feed_is_one_documented_error_shape(client, users, tick, postgres):
    """README: errors are always {"error": {"code", "message", "field"}}, 401 with WWW-Authenticate, and every
    status is one the OpenAPI document lists for the operation, with its ErrorBody."""
    school_consented_case(client, users, tick)
    pages(client, users.school, "skola")   # the views built (a rebuild is then told by view_rules)
    client.app.state.stream_seconds = 0.5   # a stream answered by mistake ends, rather than in 15 minutes
    doc = document(client)
    error = validator(doc, "ErrorBody")
    answers = refusals(client, users, postgres)
    said = {}
    for (endpoint, what), response in answers.items():
        assert 400 <= response.status_code < 600, (endpoint, what, response.status_code)
        assert response.headers["content-type"].startswith("application/json"), (endpoint, what)
        body = response.json()
        error.validate(body)
        assert set(body) == {"error"} and {"code", "message", "field"} <= set(body["error"]), (endpoint, what, body)
        assert set(body["error"]) - {"code", "message", "field"} <= {"problems"}, (endpoint, what, body)
        assert body["error"]["code"] and body["error"]["message"], (endpoint, what)
        operation = doc["paths"][STREAM if endpoint == "stream" else PAGE]["get"]
        assert str(response.status_code) in operation["responses"], (endpoint, what, response.status_code)
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), (endpoint, what)
        said[endpoint, what] = (response.status_code, body["error"]["code"], body["error"]["field"])
    for endpoint, cursor, header in (("page", "query.after", "query.after"), ("stream", "header.last-event-id",
                                                                         "header.last-event-id")):
        assert said[endpoint, "no token"][:2] == said[endpoint, "two tokens"][:2] == (401, "unauthenticated")
        assert said[endpoint, "malformed cursor"] == (422, "malformed_cursor", cursor)
        assert said[endpoint, "another feed's cursor"] == (422, "malformed_cursor", cursor)
        assert said[endpoint, "renewed ids' cursor"] == (410, "ids_renewed", cursor)
        assert said[endpoint, "padded cursor"] == said[endpoint, "long cursor"] == (422, "invalid_input", header)
        assert said[endpoint, "old cursor"] == (422, "outdated_cursor", cursor)
        assert said[endpoint, "unknown agency"] == (404, "feed_not_found", "path.agency")
        assert said[endpoint, "another agency's"] == (403, "forbidden", "path.agency")
        assert said[endpoint, "another municipality's"] == (403, "forbidden", "query.municipality")
        assert said[endpoint, "no municipality named"] == (422, "municipality_needed", "query.municipality")
        assert said[endpoint, "not acceptable"] == (406, "not_acceptable", "header.accept")
        assert said[endpoint, "rebuilding"] == (503, "feeds_rebuilding", None)
        assert answers[endpoint, "rebuilding"].headers["Retry-After"] == "30"
    assert said["page", "limit 0"][::2] == said["page", "limit ten"][::2] == (422, "query.limit")


def test_a_refused_cursor_agency_or_municipality_says_what_to_send_instead(client, users, tick):
    """An integration engineer's walk (2026-12-05): a cursor with an `=` added back, or cut from a longer string, was
    told as "String should match pattern '^[A-Za-z0-9_-]*$'", an upper-case agency the same, and another
    municipality as "you read your own municipality's feed" without naming the sign-in's."""
    school_consented_case(client, users, tick)
    school = users.school
    for what, response, field in (
        ("padded", client.get("/api/v1/feeds/skola", params={"after": "abc="}, headers=school), "query.after"),
        ("long", client.get("/api/v1/feeds/skola", params={"after": "a" * 161}, headers=school), "query.after"),
        ("padded", client.get("/api/v1/feeds/skola/stream", headers={**school, "Last-Event-ID": "abc="}),
         "header.last-event-id"),
    ):
        error = response.json()["error"]
        assert (response.status_code, error["code"], error["field"]) == (422, "invalid_input", field), what
        assert "should match pattern" not in error["message"], (what, error)
        assert "exactly as given" in error["message"] and "omit it" in error["message"], (what, error)
    response = client.get("/api/v1/feeds/SKOLA", headers=school)
    error = response.json()["error"]
    assert (response.status_code, error["field"]) == (422, "path.agency")
    assert "should match pattern" not in error["message"] and "/api/v1/catalogue" in error["message"], error
    response = client.get("/api/v1/feeds/skola", params={"municipality": GOTHENBURG}, headers=school)
    error = response.json()["error"]
    assert (response.status_code, error["field"]) == (403, "query.municipality")
    assert f"your sign-in names {STOCKHOLM}" in error["message"], error


def test_the_documents_example_message_names_consents_as_real_messages_do(client):
    """The OpenAPI examples named consents "c-1" and "c-2" where every message (and the AsyncAPI document's
    examples) carries consent ids that are UUIDs: a client's parser written from the example would refuse them."""
    doc = document(client)
    assert doc["paths"][PAGE]["get"]["responses"]["200"]["description"] != "Successful Response"   # FastAPI's default
    schemas = doc["components"]["schemas"]
    examples = [schemas["FeedItem"]["examples"][0], *schemas["FeedPageOut"]["examples"][0]["messages"]]
    for example in examples:
        ids = example["body"]["basis"]["consent_ids"]
        assert ids and all(str(UUID(i)) == i for i in ids), ids
        assert example["headers"]["basis_ids"] == ",".join(ids)


# --- Paging: cursors, `more`, the default limit ----------------------------------------------------------------------

def test_an_items_cursor_resumes_right_after_that_item(client, users, tick, app):
    """OpenAPI: `after` is "`next` or an item's `cursor`"; each item's cursor stands for its number in its feed."""
    interleaved_history(app)
    items = items_of(pages(client, users.school, "skola"))
    assert len(items) >= 5
    for n, item in enumerate(items):
        assert decode_cursor(item["cursor"]).seq == item["body"]["sequence"] == n + 1
        rest = ok(client.get("/api/v1/feeds/skola", params={"after": item["cursor"], "limit": 3},
                             headers=users.school))
        assert [i["body"]["event_id"] for i in rest["messages"]] == [i["body"]["event_id"] for i in items[n + 1:n + 4]]
        assert rest["more"] == (len(items) - n - 1 > 3)
        assert rest["feed"] == item["body"]["feed"] == f"skola.{STOCKHOLM}" and rest["agency"] == "skola"


def test_more_is_exact_and_an_empty_pages_next_picks_up_what_comes_later(client, users, tick):
    """`more: true` means ask again at once — so never on a page that took the last message; `next` is given
    "also when no message came", and asked with it later the feed's first messages come."""
    empty = ok(client.get("/api/v1/feeds/skola", headers=users.school))
    assert empty["messages"] == [] and empty["more"] is False and empty["feed"] == f"skola.{STOCKHOLM}"
    assert ok(client.get("/api/v1/feeds/skola", params={"after": empty["next"]}, headers=users.school))[
        "messages"] == []
    school_consented_case(client, users, tick)
    later = ok(client.get("/api/v1/feeds/skola", params={"after": empty["next"]}, headers=users.school))
    count = len(later["messages"])
    assert count and [i["body"]["sequence"] for i in later["messages"]] == list(range(1, count + 1))
    exactly = ok(client.get("/api/v1/feeds/skola", params={"limit": count}, headers=users.school))
    assert len(exactly["messages"]) == count and exactly["more"] is False
    short = ok(client.get("/api/v1/feeds/skola", params={"limit": count - 1}, headers=users.school))
    assert len(short["messages"]) == count - 1 and short["more"] is True
    assert decode_cursor(exactly["next"]).seq == count and decode_cursor(short["next"]).seq == count - 1


def test_a_page_without_a_limit_holds_100_messages(client, users, tick):
    """README and the OpenAPI document: `limit` is 1–1,000, default 100."""
    while len(items_of(pages(client, users.social, "socialtjanst"))) <= 100:
        school_consented_case(client, users, tick, members=("skola",))
    first = ok(client.get("/api/v1/feeds/socialtjanst", headers=users.social))
    assert len(first["messages"]) == 100 and first["more"] is True
    assert [i["body"]["sequence"] for i in first["messages"]] == list(range(1, 101))
    limit = next(p for p in document(client)["paths"][PAGE]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["default"] == 100 and (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1000)


# --- The messages: what the JSON Schema's descriptions promise beyond its shape ---------------------------------------

def test_event_ids_are_keyed_uuid_v8_and_an_erasures_uuid_v5_and_basis_ids_say_the_basis(client, users, tick, app):
    """JSON Schema: event_id is a UUID version 8 (a keyed hash) for disclosed, basis_changed and ended messages, and
    version 5 of case and agency for an erased one; header basis_ids is the consent ids comma-separated, the legal
    basis for kind law, empty otherwise; type is <kind>/<change>, withheld/<change> when kind is null; an erased
    message is kind case.erased, category case, fact_id case.erased, basis erasure, without content."""
    erased, _ = erased_and_withdrawn(client, users, tick, app)
    seen = set()
    for agency, headers, query in readers(users):
        for item in items_of(pages(client, headers, agency, **query)):
            body, head = item["body"], item["headers"]
            version = UUID(body["event_id"]).version
            assert version == (5 if body["change"] == "erased" else 8), body
            assert UUID(body["event_id"]).variant == "specified in RFC 4122", body
            basis = body["basis"]
            expected = {"consent": ",".join(basis["consent_ids"]), "law": basis["legal_basis"]}.get(basis["kind"], "")
            assert head["basis_ids"] == expected and head["basis_kind"] == basis["kind"], item
            assert head["type"] == f"{body['kind'] or 'withheld'}/{body['change']}", item
            assert (basis["kind"] == "withheld") == (body["kind"] is None) == (body["category"] is None), item
            if basis["kind"] in ("withheld", "erasure", "origin", "owner"):
                assert basis["consent_ids"] == [] and basis["legal_basis"] is None, item
            if body["change"] != "disclosed" or body["kind"] is None:
                assert body["content"] is None, item
            if body["change"] == "erased":
                assert (body["kind"], body["category"], body["fact_id"], basis["kind"], body["erased"]) == (
                    "case.erased", "case", "case.erased", "erasure", True), item
            if body["case_id"] == erased:
                assert body["erased"] is True and (body["change"] == "erased") == (body["kind"] is not None), item
            seen.add(basis["kind"])
    assert {"consent", "law", "origin", "owner", "withheld", "erasure"} <= seen


# --- The stream sends the pages' items -------------------------------------------------------------------------------

def stream(client, headers, **params) -> tuple[object, list[str], list[tuple[str, dict]]]:
    response = client.get("/api/v1/feeds/skola/stream", headers=headers, params=params)
    assert response.status_code == 200, response.text
    comments, events, event = [], [], {}
    for line in response.text.split("\n"):
        if line.startswith(":") or line.startswith("retry:"):
            comments.append(line)
        elif line.startswith("id: "):
            event["id"] = line[4:]
        elif line.startswith("data: "):
            event["data"] = json.loads(line[6:])
        elif line == "" and event:
            events.append((event["id"], event["data"]))
            event = {}
    return response, comments, events


def test_the_stream_sends_the_pages_very_items_and_resumes_after_a_cursor_in_after(client, users, tick, app):
    """README: one event per message, id = its cursor, data = the item; resumable by `Last-Event-ID` or `?after=`;
    text/event-stream, never cached; it ends after its lifetime (15 minutes, here less) for the client to resume."""
    interleaved_history(app)
    items = items_of(pages(client, users.school, "skola"))
    client.app.state.stream_seconds = 0.5
    response, comments, events = stream(client, users.school)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-store"
    generation = ok(client.get("/api/v1/feeds/skola", headers=users.school))["id_generation"]
    assert comments[:3] == [f": sigill feed skola.{STOCKHOLM}", "retry: 2000", f": id_generation {generation}"]
    assert [data for _, data in events] == items
    assert [event_id for event_id, _ in events] == [i["cursor"] for i in items]
    _, _, resumed = stream(client, users.school, after=items[2]["cursor"])
    assert [data for _, data in resumed] == items[3:]
    _, _, caught_up = stream(client, users.school, after=items[-1]["cursor"])
    assert caught_up == []


def test_the_feed_documents_say_the_schema_version_the_messages_carry():
    """README, the AsyncAPI document and the JSON Schema name one schema version: the messages'."""
    version = SCHEMA["properties"]["schema"]["const"].rsplit("/", 1)[1]
    assert SCHEMA["$defs"]["headers"]["properties"]["schema_version"]["const"] == version
    assert f"(schema version {version})" in SCHEMA["title"]   # its $id is where it is served (no version)
    asyncapi = yaml.safe_load((FEEDS / "asyncapi.yaml").read_text())
    assert asyncapi["info"]["version"].split(".")[0] == version
    readme = (FEEDS.parents[2] / "README.md").read_text()
    assert f"(JSON Schema, version {version};" in readme


def test_every_503_the_document_lists_says_when_to_ask_again(client):
    """The server sends Retry-After with every 503 but clock_went_backwards; the document said so of the feeds and
    the readiness probe alone (until 2026-12-04), so a client read from it would not know to wait and retry."""
    doc = document(client)
    unavailable = [(path, method, answers["503"]) for path, operations in doc["paths"].items()
                   for method, operation in operations.items() if isinstance(operation, dict)
                   for answers in [operation.get("responses", {})] if "503" in answers]
    assert len(unavailable) > 20
    assert all("Retry-After" in answer.get("headers", {}) for _, _, answer in unavailable), [
        (path, method) for path, method, answer in unavailable if "Retry-After" not in answer.get("headers", {})]


@pytest.mark.parametrize("method, path, who", [
    ("GET", "/api/v1/me", "school"), ("GET", "/api/v1/catalogue", "school"),
    ("GET", "/api/v1/feeds/disclosure-message.schema.json", None), ("GET", "/api/v1/feeds/asyncapi.yaml", None),
    ("POST", "/api/v1/admin/ledger/seal", "administrator")])
def test_the_422_every_operation_answers_for_a_query_parameter_it_does_not_take_is_in_the_document(client, users,
                                                                                                    method, path,
                                                                                                    who):
    """An integration engineer's walk (2026-12-05): `/me?x=1`, the feeds' documents and the seal answered a 422 that
    their operations did not list (200, 401 and 406 alone), so a client generated from the document had no shape
    for it. Every operation that refuses an unknown parameter now names the 422, with what it takes."""
    headers = {} if who is None else (users.headers("socialtjanst", who) if who == "administrator"
                                      else getattr(users, who))
    for query in ("x=1", "x=1&x=2"):
        response = client.request(method, f"{path}?{query}", headers=headers)
        assert response.status_code == 422 and response.json()["error"]["field"] == "query.x", (query, response.text)
    doc = document(client)
    said = doc["paths"][path][method.lower()]["responses"]["422"]
    validator(doc, "ErrorBody").validate(said["content"]["application/json"]["example"])
    assert "not a parameter of this endpoint (it takes: none)" in json.dumps(said)
    for item_path, item in doc["paths"].items():
        for item_method, operation in item.items():
            assert ("422" in operation["responses"]) == (item_path not in ("/api/v1/health", "/api/v1/ready")), \
                (item_method, item_path)


def test_every_401_in_the_document_names_its_www_authenticate_header_and_what_to_do(client, users):
    """README: 401 "with `WWW-Authenticate`" — sent on every one, named in the document on none (2026-12-05)."""
    doc = document(client)
    unauthorised = [(path, method, operation["responses"]["401"]) for path, item in doc["paths"].items()
                    for method, operation in item.items() if "401" in operation["responses"]]
    assert len(unauthorised) > 30
    for path, method, response in unauthorised:
        assert "WWW-Authenticate" in response.get("headers", {}), (method, path)
        assert "identity provider" in response["description"], (method, path)
    assert client.get("/api/v1/feeds/skola").headers["WWW-Authenticate"].startswith("Bearer ")


def test_every_operation_that_verifies_a_token_names_the_503_of_an_identity_provider_away(client):
    """An integration engineer's walk (2026-12-05): the identity provider's keys unfetchable was a 401 — "get a new
    token" — and is now a 503 `identity_provider_unavailable` with Retry-After (test_authentication.py). Every
    operation that takes a bearer token can answer it, so each names it, with its example beside the 503's others
    (/me, /catalogue and the ledger's seal named no 503 at all); the probes, which sign no one in, do not."""
    doc = document(client)
    signed_in = [(path, method, operation) for path, item in doc["paths"].items() for method, operation in item.items()
                 if operation.get("security") == [{"HTTPBearer": []}]]
    assert len(signed_in) > 30
    errors = validator(doc, "ErrorBody")
    for path, method, operation in signed_in:
        unavailable = operation["responses"].get("503", {})
        assert "Retry-After" in unavailable.get("headers", {}), (method, path)
        assert "identity provider" in unavailable.get("description", ""), (method, path)
        examples = unavailable["content"]["application/json"]["examples"]
        assert examples["identity_provider_unavailable"]["value"]["error"]["code"] == "identity_provider_unavailable"
        for example in examples.values():
            errors.validate(example["value"])
    answered = {path: operation["responses"]["503"] for path, method, operation in signed_in}
    assert "database_unavailable" in json.dumps(answered["/api/v1/cases/{case_id}/closure"])   # kept beside it
    assert "feeds_rebuilding" in json.dumps(answered["/api/v1/feeds/{agency}"])
    assert "identity_provider" not in json.dumps(doc["paths"]["/api/v1/ready"])
