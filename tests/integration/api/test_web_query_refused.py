"""A web page's query parameter it cannot use (a link edited by hand) is a 4xx naming the parameter in the page's
words — never a 500, never the generic page, never the value said back in the refusal (it may be a personnummer).
Every GET route of the web client is walked, its parameters found by introspection, so that a page added later is
walked too."""

from __future__ import annotations

import html
import re

from fastapi.routing import APIRoute

from services.web import form_texts
from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as

PERSONNUMMER = "19121212-1212"
GARBAGE = ("abc", "\x00", "9" * 5000, "²", "-1", PERSONNUMMER)
# The error texts of a page: the error page's alert, a form field's error (``id="f-…-error"``), the form's summary.
ERROR_TEXTS = re.compile(r'<p class="notice bad" role="alert">(.*?)</p>|<p class="error" id="[^"]*">(.*?)</p>', re.S)


def _query_names(dependant) -> list[str]:  # noqa: ANN001 - FastAPI's Dependant
    return [p.alias for p in dependant.query_params] + [n for d in dependant.dependencies for n in _query_names(d)]


def _web_gets(app) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    return [(r.path, _query_names(r.dependant)) for r in app.routes
            if isinstance(r, APIRoute) and "GET" in r.methods and not r.path.startswith("/api")]


def _every_page_parameter(client, users, tick, context, settings):  # noqa: ANN001, ANN202 - the fixtures
    """Each GET page of the web client with each query parameter it reads, found by introspection: the client to ask
    it as, its path and its address on a case the school has consented to.  The auditors' pages as an auditor; the
    statistics too: an auditor chooses the municipality (social services' own is fixed, and what they send for it
    is not read)."""
    case_id, _ = school_consented_case(client, users, tick)
    social, auditor = web_as(context, settings, "soc-0180"), web_as(context, settings, "ivo")
    for path, names in _web_gets(social.app):
        web = auditor if path.startswith(("/granskning", "/statistik")) else social
        for name in names:
            yield web, path, path.replace("{case_id}", case_id), name


def _errors(page: str) -> str:
    return " ".join(html.unescape(a or b) for a, b in ERROR_TEXTS.findall(page))


def _names(page: str, name: str) -> bool:
    """The page names the parameter: the form's error at its field, or an error text saying its Swedish name or
    its name in the address."""
    said = _errors(page)
    label = form_texts.query_label(name)
    return (f'id="f-{name}-error"' in page or bool(label and label.lower() in said.lower())
            or re.search(rf"\b{name}\b", said) is not None)


def test_every_web_page_refuses_a_garbage_query_value_naming_the_parameter(client, users, tick, context, settings):
    walked = 0
    for web, path, address, name in _every_page_parameter(client, users, tick, context, settings):
        for value in GARBAGE:
            page = web.get(address, params={name: value}, follow_redirects=False)
            assert 400 <= page.status_code < 500, (path, name, value[:20], page.status_code)
            assert _names(page.text, name), (path, name, value[:20], _errors(page.text) or page.text[-1500:])
            assert PERSONNUMMER not in _errors(page.text), (path, name)
            walked += 1
    assert walked >= 15 * len(GARBAGE)   # the pages' parameters were found: /arenden's, the auditors', Statistik's


def test_a_hand_edited_page_number_or_phase_is_a_422_naming_it(context, settings):
    social = web_as(context, settings, "soc-0180")
    for query, named in (({"sida": "x"}, "Sida (sida)"), ({"sida": "0"}, "Sida (sida)"),
                         ({"fas": "ingen"}, "Fas (fas)")):
        page = social.get("/arenden", params=query)
        assert page.status_code == 422 and named in _errors(page.text), (query, page.text[-1500:])
        assert 'href="/arenden"' in page.text   # the list without the value
    assert social.get("/arenden", params={"sida": "1", "fas": "active"}).status_code == 200
    assert social.get("/arenden", params={"sida": ""}).status_code == 200   # an empty box is the first page
    # A number past the end, however large, is the last page, as 999 is.
    last = social.get("/arenden", params={"sida": "9" * 19}, follow_redirects=False)
    assert last.status_code in (200, 303), last.status_code


def test_a_query_value_a_page_declares_typed_is_a_422_naming_it_without_saying_it_back(context, settings, users):
    """FastAPI's own refusal of a query parameter on a web page (a page that declares it typed): the generic 400
    page, "Förfrågan kunde inte tolkas", said nothing of which; now the 422 names it in the pages' words."""
    web = web_as(context, settings, "soc-0180")

    def year_page(ar: int, sida: int = 1) -> str:   # a page as the routes declare one
        return "ok"
    web.app.add_api_route("/prov-for-falt", year_page, methods=["GET"])
    page = web.get("/prov-for-falt", params={"ar": PERSONNUMMER, "sida": "x"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    said = _errors(page.text)
    assert "År (ar)" in said and "Sida (sida)" in said and PERSONNUMMER not in page.text, said
    missing = web.get("/prov-for-falt")
    assert missing.status_code == 422 and "År (ar)" in _errors(missing.text)
    # A parameter's name shaped like no page's (a personnummer typed as one) is not said back either.
    assert form_texts.query_field(PERSONNUMMER) == "adressen"
    # /api/… keeps the API's JSON.
    answer = web.get("/api/v1/audit/access-log", params={"limit": "x"}, headers=users.auditor)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "query.limit"


def _refused_twice(page, name: str) -> bool:   # noqa: ANN001 - httpx's Response
    said = _errors(page.text)
    return (page.status_code == 422 and page.headers["content-type"].startswith("text/html")
            and "mer än en gång" in said and form_texts.query_field(name) in said)


def test_a_query_parameter_given_twice_on_a_web_page_is_a_422_naming_it_not_the_last_one_read(
        client, users, tick, context, settings):
    """A page took the last value silently: ``/statistik?kommun=0180&kommun=1480`` counted Gothenburg's, while a proxy
    logging the first logged Stockholm's; the access log recorded a search other than the one a log of the address
    says.  Refused as the API's are (``OneValueEach``), by the Swedish page naming the parameter."""
    case_id, _ = school_consented_case(client, users, tick)
    social, ivo = web_as(context, settings, "soc-0180"), web_as(context, settings, "ivo")
    for web, path, query, name in (
            (ivo, "/statistik", [("kommun", "0180"), ("kommun", "1480")], "kommun"),
            (social, "/arenden", [("fas", "active"), ("sida", "1"), ("fas", "closed")], "fas"),
            (ivo, "/granskning/atkomstlogg", [("myndighet", "skola"), ("myndighet", "polis")], "myndighet"),
            (ivo, f"/granskning/arenden/{case_id}", [("myndighet", "skola"), ("tid", "2026-03-10T14:00"),
                                                     ("myndighet", "polis")], "myndighet"),
            (ivo, f"/granskning/arenden/{case_id}", [("myndighet", "skola"), ("tid", "2026-03-10T14:00"),
                                                     ("tid", "2026-03-11T14:00")], "tid"),
            (social, "/logga-in", [("tillbaka", "/arenden"), ("tillbaka", "/statistik")], "tillbaka")):
        page = web.get(path, params=query, follow_redirects=False)
        assert _refused_twice(page, name), (path, name, page.status_code, _errors(page.text) or page.text[-1500:])
        assert f'href="{path}"' in page.text   # the page without the values
    # The same pages asked once each are answered as ever; an empty value and another parameter are no repeat.
    assert ivo.get("/statistik", params={"kommun": "0180"}).status_code == 200
    assert social.get("/arenden", params={"fas": "active", "sida": "1"}).status_code == 200
    assert ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": "2026-03-10T14:00"}
                   ).status_code == 200
    # The access log's ``fel`` is the one parameter a page takes more than once: a code for each field refused.
    told = ivo.get("/granskning/atkomstlogg", params=[("fel", "inte_nummer"), ("fel", "okand_aktor")])
    assert told.status_code == 200, _errors(told.text)


def test_every_web_page_refuses_each_of_its_query_parameters_given_twice(client, users, tick, context, settings):
    """Walked as the garbage values are: a page added later, or a parameter, is refused twice over too — unless it
    is one a page takes more than once (``errors.TAKEN_MORE_THAN_ONCE``): the access log's ``fel`` alone."""
    walked = 0
    for web, path, address, name in _every_page_parameter(client, users, tick, context, settings):
        page = web.get(address, params=[(name, ""), (name, "")], follow_redirects=False)
        if (path, name) == ("/granskning/atkomstlogg", "fel"):
            assert page.status_code != 422, (path, name)
            continue
        assert _refused_twice(page, name), (path, name, page.status_code, _errors(page.text))
        walked += 1
    assert walked >= 15


def test_a_repeated_query_parameter_on_the_api_keeps_the_api_s_json(client, users):
    answer = client.get("/api/v1/audit/access-log", params=[("limit", "1"), ("limit", "2")], headers=users.auditor)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "query.limit"
