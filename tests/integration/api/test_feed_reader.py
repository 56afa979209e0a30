"""An agency's integrating system (role feed_reader): its own agency's feed in its own municipality, nothing else.

It reads exactly what the agency's people read from the feed — the same pages and stream, logged the same way —
and is refused every other route of the API and every page of the web client.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web import oidc, session
from services.web.app import mount_web
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.test_authorisation_matrix import endpoints
from tests.integration.api.test_feed_http import busy, everything

# What the young person's extract says of a system's read that stated no purpose (services.feeds.SYSTEM_PURPOSE).
SYSTEM_PURPOSE = "systemintegration: flödesläsning (inget syfte angivet)"


def system(users, agency: str, municipality: str | None = "0180") -> dict[str, str]:
    token = users.tokens.issue(subject=f"{agency}-integration", name=f"{agency} elevsystem (automatisk hämtning)",
                               agency=agency, roles=["feed_reader"], municipality=municipality)
    return {"Authorization": f"Bearer {token}"}


def bodies(items: list[dict]) -> list[dict]:
    return [i["body"] for i in items]


@pytest.mark.parametrize("agency, person", [("skola", "member"), ("polis", "member"), ("socialtjanst", "caseworker")])
def test_a_system_reads_the_same_feed_as_its_agencys_people(client, users, tick, agency, person):
    busy(client, users, tick)
    read_by_system, _ = everything(client, system(users, agency), agency)
    read_by_person, _ = everything(client, users.headers(agency, person), agency)
    assert read_by_system and bodies(read_by_system) == bodies(read_by_person)
    assert [i["headers"] for i in read_by_system] == [i["headers"] for i in read_by_person]


def test_a_system_of_social_services_reads_its_own_municipalitys_feed_only(client, users, tick):
    case_id, _ = busy(client, users, tick)
    stockholm, _ = everything(client, system(users, "socialtjanst"), "socialtjanst")
    assert {i["body"]["case_id"] for i in stockholm} == {case_id}
    malmo = system(users, "socialtjanst", "1280")
    theirs, _ = everything(client, malmo, "socialtjanst")
    assert theirs == []
    for path in ("/api/v1/feeds/socialtjanst", "/api/v1/feeds/socialtjanst/stream"):
        refused = client.get(path, params={"municipality": "0180"}, headers=malmo)
        assert refused.status_code == 403 and refused.json()["error"]["field"] == "query.municipality"
        assert case_id not in refused.text


def test_a_system_reads_no_other_agencys_feed_and_needs_a_municipality(client, users, tick):
    busy(client, users, tick)
    for headers, agency in ((system(users, "skola"), "polis"), (system(users, "skola"), "socialtjanst"),
                            (system(users, "polis"), "skola"), (system(users, "socialtjanst"), "skola")):
        refused = client.get(f"/api/v1/feeds/{agency}", headers=headers)
        assert refused.status_code == 403 and refused.json()["error"]["field"] == "path.agency", refused.text
    nowhere = client.get("/api/v1/feeds/skola", headers=system(users, "skola", None))
    assert nowhere.status_code == 403 and nowhere.json()["error"]["code"] == "no_municipality"


def stream_items(client, headers, agency: str) -> list[dict]:
    """The stream read whole (it ends after ``stream_seconds``): its events' data."""
    client.app.state.stream_seconds = 0.3
    response = client.get(f"/api/v1/feeds/{agency}/stream", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]


@pytest.mark.parametrize("agency, person", [("skola", "member"), ("socialtjanst", "caseworker")])
def test_a_systems_stream_carries_what_the_agencys_pages_do(client, users, tick, agency, person):
    busy(client, users, tick)
    streamed = stream_items(client, system(users, agency), agency)
    paged, _ = everything(client, users.headers(agency, person), agency)
    assert streamed and bodies(streamed) == bodies(paged)


def reads_of(client, users, case_id: str, agency: str) -> list[dict]:
    extract = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))
    return [r for r in extract["reads"] if r["agency"] == agency and r["what"] == f"feed:{agency}"]


def test_a_systems_feed_read_is_logged_as_the_agencys_with_a_default_purpose_when_none_is_sent(
        client, users, tick):
    case_id, _ = busy(client, users, tick)
    everything(client, system(users, "skola"), "skola")
    [read] = reads_of(client, users, case_id, "skola")
    assert (read["subject"], read["roles"], read["reader_name"]) == (
        "skola-integration", "feed_reader", "skola elevsystem (automatisk hämtning)")
    assert read["purpose"] == SYSTEM_PURPOSE


def test_a_systems_stated_purpose_is_kept_as_it_was_sent(client, users, tick):
    case_id, _ = busy(client, users, tick)
    stated = "Elevhälsans ärendeöversikt"
    everything(client, {**system(users, "skola"), "Sigill-Purpose": quote(stated)}, "skola")
    assert [r["purpose"] for r in reads_of(client, users, case_id, "skola")] == [stated]


def test_a_systems_stream_is_logged_with_the_default_purpose_too(client, users, tick):
    case_id, _ = busy(client, users, tick)
    stream_items(client, system(users, "socialtjanst"), "socialtjanst")
    reads = reads_of(client, users, case_id, "socialtjanst")
    assert reads and {r["purpose"] for r in reads} == {SYSTEM_PURPOSE}


def test_a_persons_feed_read_without_a_purpose_still_logs_none(client, users, tick):
    case_id, _ = busy(client, users, tick)
    everything(client, users.school, "skola")
    assert [r["purpose"] for r in reads_of(client, users, case_id, "skola")] == [""]


def test_a_system_is_refused_every_route_but_its_feed(client, users, tick, app):
    """Reads of cases, commands, the case list, statistics, audit, the ledger: 403, whatever the case (the feed
    messages' JSON Schema and AsyncAPI document are anyone's)."""
    case_id, consents = school_consented_case(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    headers = system(users, "skola")
    routes = [(m, p, b) for kind, m, p, b in endpoints(case_id, number, consents[1], "x")
              if kind not in ("feed", "public")]
    assert len(routes) > 25
    answers = {(m, p): client.request(m, p, json=b, headers=headers) for m, p, b in routes}
    assert {k: r.status_code for k, r in answers.items() if r.status_code != 403} == {}
    read = answers["GET", f"/api/v1/cases/{case_id}"].json()["error"]
    assert read["code"] == "forbidden" and "feed_reader" in read["message"] and "/api/v1/feeds/" in read["message"]
    assert not any(case_id in r.text for r in answers.values())


def test_a_system_beside_a_persons_role_keeps_that_roles_rights(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    token = users.tokens.issue(subject="skola-both", name="Skolan", agency="skola", roles=["member", "feed_reader"],
                               municipality="0180")
    both = {"Authorization": f"Bearer {token}"}
    ok(client.get(f"/api/v1/cases/{case_id}", headers=both))
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=both,
                   json={"category": "school", "text": "Från en kombinerad inloggning"}), 201)
    items, _ = everything(client, both, "skola")
    assert any(i["body"]["content"] and i["body"]["content"].get("text") == "Från en kombinerad inloggning"
               for i in items)


# ----------------------------------------------------------------------------------------------- the web client

# Sign-in and sign-out, and the way there: the pages a system's sign-in still reaches.
SIGN_IN_PAGES = {"/logga-in", "/logga-in/utveckling", "/logga-in/oidc", oidc.CALLBACK, "/logga-ut", oidc.SIGNED_OUT,
                 "/favicon.ico", "/syfte"}


@pytest.fixture
def web(context, settings):
    api = create_api(context)
    mount_web(api, context, settings)
    with TestClient(api, raise_server_exceptions=False) as client:
        yield client


def web_pages(web, case_id: str) -> list[tuple[str, str]]:
    """(method, path) of every route of the web client but sign-in and sign-out, with the case's id in it."""
    found = []
    for route in web.app.routes:
        path = getattr(route, "path", "")
        if path.startswith(("/api/", "/static")) or path in SIGN_IN_PAGES or not getattr(route, "methods", None):
            continue
        path = path.replace("{case_id}", case_id).replace("{consent_id}", case_id).replace("{agency}", "skola")
        found.extend((method, path) for method in route.methods if method in ("GET", "POST"))
    return found


def test_the_web_client_refuses_a_system_on_every_page_in_swedish(web, client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    token = users.tokens.issue(subject="skola-integration", name="Skolans system", agency="skola",
                               roles=["feed_reader"], municipality="0180")
    web.cookies.set(session.TOKEN_COOKIE, token)
    csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/logga-in").text).group(1)
    pages = web_pages(web, case_id)
    assert ("GET", "/arenden") in pages and ("GET", f"/arenden/{case_id}") in pages and len(pages) > 30
    failures = []
    for method, path in pages:
        response = web.request(method, path, data={"csrf": csrf} if method == "POST" else None,
                               follow_redirects=False)
        text = response.text
        if response.status_code != 403 or "system som läser sin aktörs flöde" not in text:
            failures.append(f"{method} {path}: {response.status_code} {text[:200]}")
        elif case_id in text or "/arenden" in text:
            failures.append(f"{method} {path}: names a case or leads to the cases")
    assert not failures, "\n".join(failures)
    page = web.get("/")
    assert page.status_code == 403 and "Inloggningen är ett systems" in page.text
    assert 'action="/logga-ut"' in page.text and "Logga in med ett personligt konto" in page.text
    assert "System (flödesläsning)" in page.text   # who is signed in, as the header says it
    assert "Huvudmeny" not in page.text   # no menu of pages it may not open


def test_the_web_client_takes_a_system_with_a_persons_role_as_that_person(web, client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    token = users.tokens.issue(subject="skola-both", name="Skolan", agency="skola", roles=["member", "feed_reader"],
                               municipality="0180")
    web.cookies.set(session.TOKEN_COOKIE, token)
    assert web.get(f"/arenden/{case_id}").status_code == 200
