"""The documents a feed message is read by — its JSON Schema and the Kafka topics' AsyncAPI document — served by the
API itself.  An integration engineer working from a running installation could not fetch them: the OpenAPI document
gave a message's `content` as an open object and pointed at a file in the repository, whose `$id`
(https://sigill.invalid/…) resolved nowhere (2026-12-05)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema_rs
import pytest
import yaml

from tests.integration.api.flows import ok
from tests.integration.api.test_authorisation_matrix import USERS, signed_in_as
from tests.integration.api.test_feed_http import busy

SCHEMA_PATH = "/api/v1/feeds/disclosure-message.schema.json"
ASYNCAPI_PATH = "/api/v1/feeds/asyncapi.yaml"
PACKAGED = resources.files("services").joinpath("data/feeds")


def served_schema(client) -> dict:
    return json.loads(client.get(SCHEMA_PATH).content)


@pytest.mark.parametrize(("path", "media_type", "name", "parse"), [
    (SCHEMA_PATH, "application/schema+json", "disclosure-message.schema.json", json.loads),
    (ASYNCAPI_PATH, "application/yaml", "asyncapi.yaml", yaml.safe_load)])
def test_each_document_is_served_as_the_packaged_file_without_a_sign_in(client, users, path, media_type, name,
                                                                        parse):
    packaged = PACKAGED.joinpath(name).read_bytes()
    system = next(u for u in USERS if u.name == "skolans system")
    for headers in ({}, users.school, signed_in_as(users, system)):   # no one, a member, an agency's system
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media_type
        assert response.content == packaged and parse(response.content) == parse(packaged)
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 406


def test_the_schemas_id_is_where_it_is_served_and_the_asyncapi_refers_to_it_there(client):
    """A relative $id: every installation serves the schema at the same path, whatever its host."""
    schema = served_schema(client)
    assert schema["$id"] == SCHEMA_PATH and "sigill.invalid" not in json.dumps(schema)
    assert schema["properties"]["schema"]["const"] == "sigill.disclosure/4"
    asyncapi = yaml.safe_load(client.get(ASYNCAPI_PATH).content)
    message = asyncapi["components"]["messages"]["disclosure"]
    for ref in (message["payload"]["$ref"], message["headers"]["$ref"]):
        # Resolved against the AsyncAPI document's own URL, as a tool that fetched it from the server does.
        assert ref.split("#")[0] == "./disclosure-message.schema.json"
        assert ASYNCAPI_PATH.rsplit("/", 1)[0] + ref.split("#")[0][1:] == SCHEMA_PATH


def test_every_message_of_a_real_feed_page_fits_the_served_schema(client, users, tick):
    case_id, consents = busy(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))   # ended messages, and disclosed ones without content
    schema = served_schema(client)
    body = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    headers = jsonschema_rs.Draft202012Validator(schema["$defs"]["headers"], validate_formats=True)
    seen = set()
    for agency, signed_in in (("skola", users.school), ("socialtjanst", users.social)):
        messages = ok(client.get(f"/api/v1/feeds/{agency}", params={"limit": 1000}, headers=signed_in))["messages"]
        assert messages
        for item in messages:
            body.validate(item["body"])
            headers.validate(item["headers"])
            seen.add((item["body"]["change"], item["body"]["kind"]))
    assert ("disclosed", "contribution") in seen and ("ended", None) in seen


def test_the_openapi_document_points_a_messages_content_to_the_served_schema(client):
    document = ok(client.get("/api/v1/openapi.json"))
    content = document["components"]["schemas"]["FeedBody"]["properties"]["content"]
    assert f"the JSON Schema served at {SCHEMA_PATH}," in content["description"]
    assert SCHEMA_PATH in document["info"]["description"] and ASYNCAPI_PATH in document["info"]["description"]
    for path, media_type in ((SCHEMA_PATH, "application/schema+json"), (ASYNCAPI_PATH, "application/yaml")):
        operation = document["paths"][path]["get"]
        assert "security" not in operation   # served to anyone, as the OpenAPI document itself
        assert list(operation["responses"]["200"]["content"]) == [media_type]


def test_the_asyncapi_channels_example_agencies_and_municipalities_are_the_catalogues(client, users):
    """An engineer at Arbetsförmedlingen subscribed to the example's `arbetsformedling`, a topic no one writes."""
    catalogue = ok(client.get("/api/v1/catalogue", headers=users.school))
    asyncapi = yaml.safe_load(client.get(ASYNCAPI_PATH).content)
    parameters = asyncapi["channels"]["agencyDisclosures"]["parameters"]
    assert set(parameters["agency"]["examples"]) <= {a["id"] for a in catalogue["agencies"]}
    assert set(parameters["municipality"]["examples"]) <= {m["code"] for m in catalogue["municipalities"]}
