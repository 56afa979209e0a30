"""Inputs an integrator or an attacker may send that once got a misleading answer: each is refused with a 422
naming the field, and nothing is read or recorded from a guess at what was meant."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import REFERRAL, ok, open_case, school_consented_case


@pytest.mark.parametrize("query", ["since=20260203", "since=1700000000", "until=-1", "since=1e9"])
def test_a_moment_written_as_a_number_of_seconds_is_refused_not_read_as_1970(client, users, tick, query):
    """``since=20260203`` (3 February 2026, typed without dashes) was read as 20,260,203 seconds after 1970 and
    answered every read since then, as if it were the answer asked for."""
    school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases", headers=users.social))
    response = client.get(f"/api/v1/audit/access-log?{query}", headers=users.auditor)
    assert response.status_code == 422, response.text
    field = "query." + query.split("=")[0]
    assert response.json()["error"]["field"] == field
    assert "ISO 8601" in response.json()["error"]["message"]


def test_a_replay_as_of_a_number_of_seconds_is_refused(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    response = client.get(f"/api/v1/audit/cases/{case_id}/replay?agency=polis&as_of=1700000000",
                          headers=users.auditor)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "query.as_of"
    # An ISO moment still replays
    ok(client.get(f"/api/v1/audit/cases/{case_id}/replay?agency=polis&as_of=2026-02-03T12:00:00%2B01:00",
                  headers=users.auditor))


@pytest.mark.parametrize("path, query", [
    ("/audit/cases/{case_id}/replay", "agency=polis&agency=skola&as_of=2026-02-03T12:00:00Z"),
    ("/audit/cases/{case_id}/disclosures", "agency=polis&agency=skola"),
    ("/audit/access-log", "limit=1&limit=1000"),
    ("/feeds/skola", "limit=1&limit=2&municipality=0180"),
])
def test_a_query_parameter_given_twice_is_refused_not_the_last_one_taken(client, users, tick, path, query):
    """FastAPI takes the last: an auditor who asked to replay the police's view and the school's got the school's
    alone, under a 200."""
    case_id, _ = school_consented_case(client, users, tick)
    response = client.get(f"/api/v1{path.format(case_id=case_id)}?{query}", headers=users.auditor)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "query." + query.split("=")[0]
    assert error["message"].endswith("given more than once; send it once")


@pytest.mark.parametrize("header, field", [
    ("Sigill-Purpose", "header.sigill-purpose"), ("Idempotency-Key", "header.idempotency-key"),
    ("If-Match", "header.if-match"), ("Last-Event-ID", "header.last-event-id")])
def test_a_header_the_api_reads_given_twice_is_refused_not_the_first_one_taken(client, users, tick, postgres,
                                                                            header, field):
    """Starlette reads the first: a purpose stated twice was logged as the first alone, two If-Match versions
    compared only the first, and two Idempotency-Keys ran the command under the first."""
    from tests.integration.api.flows import events_of

    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    twice = [*users.school.items(), (header, '"1"'), (header, '"2"')]
    for response in (client.get(f"/api/v1/cases/{case_id}", headers=twice),
                     client.post(f"/api/v1/cases/{case_id}/contributions", headers=twice,
                                 json={"category": "school", "text": "Närvaro 80 %."}),
                     client.get("/api/v1/feeds/skola", headers=twice)):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == field and error["message"].endswith("given more than once; send it once")
    assert events_of(postgres, case_id) == before


def test_two_authorization_headers_are_401_not_the_first_taken(client, users):
    """A gateway that adds its own credentials beside the client's must not find the client's silently preferred."""
    for first, second in ((users.school, users.police), (users.police, users.school)):
        response = client.get("/api/v1/me", headers=[*first.items(), *second.items()])
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "one Authorization header" in response.json()["error"]["message"]


def test_a_repeated_parameter_name_that_is_not_ours_is_not_said_back(client, users):
    response = client.get("/api/v1/cases?19901010-1234=1&19901010-1234=2", headers=users.social)
    assert response.status_code == 422
    assert "1990" not in response.text and response.json()["error"]["field"] == "query"


@pytest.mark.parametrize("path, query, who", [
    ("/feeds/skola", "afterr=5", "school"),                      # a typo of `after`: it replayed the feed from its start
    ("/audit/access-log", "case=x", "auditor"),                  # `case_id` is the parameter: it searched everything
    ("/cases", "phase=active", "social"),                        # the web's filter; the API's list takes none
    ("/cases/{case_id}", "_=1700000000", "social"),              # a cache-buster: no answer here is cached anyway
    ("/cases/{case_id}/contributions", "limit=1", "social"),
])
def test_a_query_parameter_the_endpoint_does_not_take_is_refused_naming_it_and_what_it_takes(client, users, tick, path,
                                                                                             query, who):
    """Unknown body fields were refused while unknown query parameters were silently ignored: an integrator's
    misspelt cursor read the whole feed again, with nothing to say why."""
    case_id, _ = school_consented_case(client, users, tick)
    response = client.get(f"/api/v1{path.format(case_id=case_id)}?{query}", headers=getattr(users, who))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "query." + query.split("=")[0] and error["problems"][0]["rule"] == "unknown"
    assert "not a parameter of this endpoint" in error["message"]


def test_the_parameters_an_endpoint_takes_are_still_taken_and_a_foreign_name_not_said_back(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get("/api/v1/feeds/skola?after=&limit=5", headers=users.school))
    ok(client.get(f"/api/v1/audit/access-log?case_id={case_id}&limit=5", headers=users.auditor))
    refused = client.get("/api/v1/feeds/skola?20090314-2388=1", headers=users.school)
    assert refused.status_code == 422 and "2009" not in refused.text and refused.json()["error"]["field"] == "query"
    assert "after, limit, municipality" in refused.json()["error"]["message"]


@pytest.mark.parametrize("key", ["Peter Exempel", "20090314-2388"])
def test_an_unknown_field_is_refused_without_its_name_said_back_when_it_could_be_personal_data(client, users, key):
    """The field named the client's own key, "body.Peter Exempel", in an answer clients' and gateways' logs keep."""
    referral = {**REFERRAL, key: "x"}
    response = client.post("/api/v1/cases", json=referral, headers=users.social)
    assert response.status_code == 422
    assert key not in response.text
    assert response.json()["error"]["field"] == "body.(a field it does not take)"
    guardians = client.post(f"/api/v1/cases/{open_case(client, users)}/guardians",
                            json={"guardians": [{"name": "Maria", key: 1}]}, headers=users.social)
    assert guardians.status_code == 422 and key not in guardians.text


def test_a_misspelt_field_is_still_named(client, users):
    response = client.post("/api/v1/cases", json={**REFERRAL, "summery": "x"}, headers=users.social)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body.summery"


JSON = {"content-type": "application/json"}
ROW = ('{"area": "Skola", "category": "school", "goal": "Närvaro varje dag.", "how": "Mentor.", "responsible": '
       '"Mentor", "responsible_agencies": ["skola"]}')


def _said(client, users, case_id: str) -> str:
    """Everything the case answers its caseworker and the school, as text."""
    return "".join(str(ok(client.get(f"/api/v1/cases/{case_id}{path}", headers=headers)))
                   for path in ("", "/contributions") for headers in (users.social, users.school))


def test_a_key_given_twice_in_a_body_is_refused_not_the_last_one_taken(client, users, tick, postgres):
    """Python's reader keeps the last "text"; a gateway or an audit proxy in front of Sigill that keeps the first
    logged one text while Sigill recorded the other."""
    from tests.integration.api.flows import events_of

    case_id, _ = school_consented_case(client, users, tick)
    before, said = events_of(postgres, case_id), _said(client, users, case_id)
    tick()
    body = '{"category": "school", "text": "Närvaro 80 %.", "text": "Hotat lärare."}'.encode()
    response = client.post(f"/api/v1/cases/{case_id}/contributions", content=body, headers={**users.school, **JSON})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == "body.text"
    assert error["message"] == "body.text: given more than once; send it once"
    assert error["problems"] == [{"field": "body.text", "rule": "repeated",
                                  "message": "given more than once; send it once"}]
    assert events_of(postgres, case_id) == before and _said(client, users, case_id) == said
    assert "Närvaro 80" not in said and "Hotat" not in said
    # Sent once, it is recorded.
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Närvaro 80 %."},
                   headers=users.school), 201)
    assert "Närvaro 80" in _said(client, users, case_id)


@pytest.mark.parametrize("path, body, field", [
    ("/plan/revisions", '{"main_goal": "Skola.", "rows": [%s, {"area": "Fritid", "goal": "Fotboll.", "how": "Lag.",'
     ' "goal": "Inga nya brott.", "responsible": "Tränare"}]}' % ROW, "body.rows.1.goal"),
    ("/consents", '{"consenter": "young_person", "purpose": "Samverkan", "valid_from": "2026-02-02", "form": "written",'
     ' "scope": [{"agency": "skola", "categories": ["school"], "agency": "polis"}]}', "body.scope.0.agency"),
    ("/plan/revisions", '{"main_goal": "Skola.", "rows": [%s], "main_goal": "Annat."}' % ROW, "body.main_goal"),
])
def test_a_key_given_twice_deeper_in_a_body_is_refused_naming_where(client, users, tick, postgres, path, body, field):
    from tests.integration.api.flows import events_of

    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    tick()
    response = client.post(f"/api/v1/cases/{case_id}{path}", content=body.encode(), headers={**users.social, **JSON})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["problems"][0]["rule"] == "repeated"
    assert events_of(postgres, case_id) == before


@pytest.mark.parametrize("key", ["20090314-2388", "Peter Exempel"])
def test_a_key_given_twice_that_is_not_ours_is_not_said_back(client, users, tick, key):
    """An error answer is kept by clients' and gateways' logs: the path stops before the client's own key."""
    case_id, _ = school_consented_case(client, users, tick)
    for path, body, field in (
            ("/contributions", '{"category": "school", "text": "x", "%s": 1, "%s": 2}' % (key, key), "body"),
            ("/plan/revisions", '{"main_goal": "x", "rows": [{"%s": {"goal": 1, "goal": 2}}]}' % key, "body.rows.0"),
            ("/plan/revisions", '{"main_goal": "x", "rows": [{"%s": 1, "%s": 2}]}' % (key, key), "body.rows.0")):
        response = client.post(f"/api/v1/cases/{case_id}{path}", content=body.encode(),
                               headers={**users.social, **JSON})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["field"] == field and error["problems"][0]["rule"] == "repeated"
        assert key.split()[0].split("-")[0] not in response.text


def test_a_path_of_the_clients_own_keys_is_said_back_only_to_the_first_of_them(client, users, tick):
    """Lower-case keys of the client's own were said back one after another: a first and a last name, as a path."""
    case_id, _ = school_consented_case(client, users, tick)
    body = '{"main_goal": "x", "rows": [{"elias": {"svensson": 1, "svensson": 2}}]}'
    response = client.post(f"/api/v1/cases/{case_id}/plan/revisions", content=body.encode(),
                           headers={**users.social, **JSON})
    assert response.status_code == 422 and response.json()["error"]["field"] == "body.rows.0.elias", response.text
    assert "svensson" not in response.text


@pytest.mark.parametrize("probe", ["/api/v1/health", "/api/v1/ready"])
def test_a_probe_is_answered_whatever_query_it_sends(client, probe):
    """A load balancer's probe with a cache-buster would have seen every node as down."""
    assert client.get(f"{probe}?_=1700000000").status_code == 200
    assert client.head(f"{probe}?x=1").status_code == 200


def test_a_body_naming_each_key_once_is_still_taken_and_one_not_json_answered_as_before(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    # The same key in two objects is no repetition: each row has its "goal".
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", content=('{"main_goal": "Skola.", "rows": [%s, %s]}' % (
        ROW, ROW.replace("Skola", "Fritid"))).encode(), headers={**users.social, **JSON}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", json={"category": "school", "text": "Närvaro 80 %."},
                   headers=users.school), 201)
    # Not JSON at all, with a key given twice before its fault: "body", the JSON reader's error, as before.
    broken = client.post(f"/api/v1/cases/{case_id}/contributions", content=b'{"text": "a", "text": "b", ',
                         headers={**users.school, **JSON})
    assert broken.status_code == 422, broken.text
    error = broken.json()["error"]
    assert error["field"] == "body" and error["problems"][0]["rule"] == "json_invalid"


def test_a_feed_of_no_agency_does_not_say_back_a_personnummer_typed_in_its_place(client, users):
    response = client.get("/api/v1/feeds/20090314-2388", headers=users.school)
    assert response.status_code == 404
    assert "2009" not in response.text and response.json()["error"]["code"] == "feed_not_found"
    assert "'nope'" in client.get("/api/v1/feeds/nope", headers=users.school).json()["error"]["message"]


# Every route, every role, and malformed input of every kind: never a server error, never a stack trace, always
# the one error shape (the routes' own tests pin each status; this sweep pins that none of them is a 500).
BODIES = {
    "array": dict(json=[{}]), "null": dict(json=None), "number": dict(json=1), "empty": dict(content=b""),
    "not UTF-8": dict(content=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}),
    "nested": dict(content=b"[" * 100_000 + b"]" * 100_000, headers={"content-type": "application/json"}),
    "text": dict(content=b"{}", headers={"content-type": "text/plain"}),
    "duplicate keys": dict(content=b'{"a": 1, "a": 2}', headers={"content-type": "application/json"}),
    "huge number": dict(content=b'{"expected_version": 1' + b"0" * 5000 + b"}",
                        headers={"content-type": "application/json"}),
    "NaN": dict(content=b'{"expected_version": NaN}', headers={"content-type": "application/json"}),
}
IDS = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00", "%ff%fe", "a" * 3000, "x%0Ay"]


def test_no_route_answers_a_server_error_for_any_role_id_or_malformed_body(client, users, tick):
    client.app.state.stream_seconds = 0.05
    case_id, consents = school_consented_case(client, users, tick)
    roles = [users.social, users.school, users.police, users.auditor, users.headers("socialtjanst", "administrator"),
             users.headers("socialtjanst", "caseworker", municipality="1480"),
             users.headers("socialtjanst", "caseworker", municipality=None), users.headers("nope", "member"), {}]
    real = {"case_id": case_id, "consent_id": consents[0], "agency": "skola", "case_number": "0180-2026-0001"}
    failures = []

    def check(what: str, response) -> None:
        if response.status_code >= 500 and response.status_code != 503 or "Traceback" in response.text \
                or response.status_code >= 400 and "error" not in response.json():
            failures.append(f"{what}: {response.status_code} {response.text[:200]}")

    for path, item in client.get("/api/v1/openapi.json").json()["paths"].items():
        for method in item:
            for label, ids in [("real", real), *((bad, dict.fromkeys(real, bad)) for bad in IDS)]:
                url = path
                for name, value in ids.items():
                    url = url.replace("{" + name + "}", value)
                for headers in roles if label == "real" else roles[:1]:
                    check(f"{method} {url[:80]} {label}", client.request(method.upper(), url, json={}, headers=headers))
            if method == "post":
                url = path.format(**real)
                for label, body in BODIES.items():
                    body = dict(body)
                    headers = {**users.social, **body.pop("headers", {})}
                    check(f"{method} {url} {label}", client.request("POST", url, headers=headers, **body))
    assert not failures, "\n".join(failures)


def test_an_attendee_named_twice_is_not_said_back_unless_shaped_like_an_agency_id(client, users, tick):
    """A meeting's attendees are agency ids: a name or personnummer typed there by mistake, twice (a client mapping
    the young person into the wrong list), was said back in the refusal, which clients' and gateways' logs keep."""
    case_id, _ = school_consented_case(client, users, tick)
    meeting = lambda attendees: client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social,  # noqa: E731
                                            json={"held_on": "2026-02-03", "attendees": attendees})
    typed = meeting(["20090314-2388", "20090314-2388"])
    assert typed.status_code == 422, typed.text
    assert "2009" not in typed.text and typed.json()["error"]["field"] == "body.attendees.1"
    named = meeting(["skola", "skola"]).json()["error"]
    assert named["field"] == "body.attendees.1" and "'skola'" in named["message"]   # an agency id is still named
