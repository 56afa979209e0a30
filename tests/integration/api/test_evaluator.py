"""A national evaluator (role evaluator, utvärderare: Socialstyrelsen, or a researcher it has given access): the
de-identified follow-up statistics of any municipality — the API's, the web page's and its CSV — and nothing else.

The government ordered an evaluation of the results for the young people and of the collaboration form (seed
``000_…``); the figures are what it may have, and no case, case list, feed, access log or audit page is.
"""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

from services.access_entry import AccessQuery
from services.statistics import STATISTICS_RUN
from tests.integration.api.flows import REFERRAL, ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_authorisation_matrix import endpoints
from tests.integration.api.test_feed_reader import web_pages

PERIOD = {"municipality": "0180", "from": "2026-01-01", "to": "2026-12-31"}
BOY = "20090314-2396"   # the ninth digit odd


def evaluator(users, municipality: str | None = None) -> dict[str, str]:
    return users.headers("socialstyrelsen", "evaluator", municipality=municipality, subject="sos-utvarderare")


def test_an_evaluator_reads_the_statistics_of_any_municipality_and_each_run_is_logged_as_its_own(
        client, users, tick, context, app):
    for _ in range(5):
        school_consented_case(client, users, tick)
    app.clock.advance(timedelta(days=340))   # 2027: an evaluator reads a year once it has ended
    stockholm = ok(client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users)))
    social = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    # The same figures; the evaluator's kept as first made (``fixed_at``), social services' made now.
    assert stockholm["cases"] == 5 and {**stockholm, "fixed_at": None} == social and stockholm["fixed_at"]
    # Its sign-in's municipality, if it names one, does not bound it: a national evaluation reads every one.
    assert ok(client.get("/api/v1/statistics", params={**PERIOD, "municipality": "1480"},
                         headers=evaluator(users, "1280")))["cases"] == 0
    runs = context.cases.access_log.search(AccessQuery(case_id=STATISTICS_RUN, agency="socialstyrelsen", limit=100))
    assert [(r.entry.subject, r.entry.roles, r.entry.what) for r in runs] == [
        ("sos-utvarderare", "evaluator", "statistics:0180:2026-01-01:2026-12-31"),
        ("sos-utvarderare", "evaluator", "statistics:1480:2026-01-01:2026-12-31")]


def test_an_evaluators_bad_input_is_422_naming_the_field(client, users):
    refused = client.get("/api/v1/statistics", params={**PERIOD, "municipality": "9999"}, headers=evaluator(users))
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "query.municipality"


def test_an_evaluator_is_refused_every_other_route_of_the_api_and_learns_no_case(client, users, tick, app):
    case_id, consents = school_consented_case(client, users, tick)
    number = app.get_case(UUID(case_id)).case_number
    for headers in (evaluator(users), evaluator(users, "0180"),
                    users.headers("skola", "evaluator"), users.headers("socialtjanst", "evaluator")):
        routes = [(m, p, b) for kind, m, p, b in endpoints(case_id, number, consents[1], "x")
                  if kind not in ("statistics", "public")]
        assert len(routes) > 40
        answers = {(m, p): client.request(m, p, json=b, headers=headers) for m, p, b in routes}
        assert {k: r.status_code for k, r in answers.items() if r.status_code not in (403, 404)} == {}
        assert not any(case_id in r.text or number in r.text for r in answers.values())
    read = client.get(f"/api/v1/cases/{case_id}", headers=evaluator(users)).json()["error"]
    assert read["code"] == "forbidden" and "/api/v1/statistics" in read["message"]


def test_an_evaluator_beside_a_persons_role_keeps_that_roles_rights(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    token = users.tokens.issue(subject="soc-both", name="Handläggare och utvärderare", agency="socialtjanst",
                               roles=["caseworker", "evaluator"], municipality="0180")
    both = {"Authorization": f"Bearer {token}"}
    ok(client.get(f"/api/v1/cases/{case_id}", headers=both))
    assert ok(client.get("/api/v1/statistics", params={**PERIOD, "municipality": "0180"}, headers=both))["cases"] == "<5"
    # Of another municipality it reads as an evaluator: a year once it has ended.
    other = {"municipality": "1480", "from": "2025-01-01", "to": "2025-12-31"}
    assert ok(client.get("/api/v1/statistics", params=other, headers=both))["cases"] == 0
    refused = client.get("/api/v1/statistics", params={**PERIOD, "municipality": "1480"}, headers=both)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "year_not_ended"


# ----------------------------------------------------------------------------------------------- the web client

# The pages an evaluator opens: the statistics, and the home page that leads there.
OPEN_TO_IT = {("GET", "/statistik"), ("GET", "/statistik.csv"), ("GET", "/")}


def test_the_web_client_shows_an_evaluator_the_statistics_of_the_municipality_it_chooses(client, users, tick,
                                                                                         context, settings, app):
    for _ in range(5):
        school_consented_case(client, users, tick)
    web = web_as(context, settings, "socialstyrelsen")
    # In 2026 it is offered the years that have ended, 2025 the latest; 2026 asked for is said at the year.
    assert 'value="2026"' not in web.get("/statistik").text and 'value="2025"' in web.get("/statistik").text
    assert web.get("/statistik", params={"kommun": "0180", "ar": "2026"}).status_code == 422
    app.clock.advance(timedelta(days=340))   # 2027
    web = web_as(context, settings, "socialstyrelsen")
    home = web.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/statistik"
    form = web.get("/statistik")
    assert form.status_code == 200 and 'name="kommun"' in form.text
    assert "Utvärderare" in form.text and "Socialstyrelsen" in form.text   # who is signed in, as the header says
    menu = form.text.split("Huvudmeny", 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', menu) == ["/statistik"]   # no case list, no audit page to lead to
    page = web.get("/statistik", params={"kommun": "0180", "ar": "2026"})
    assert page.status_code == 200 and "Ärenden aktualiserade under perioden: 5" in page.text
    assert web.get("/statistik", params={"ar": "2026"}).status_code == 422   # a municipality to choose
    csv = web.get("/statistik.csv", params={"kommun": "1480", "ar": "2026"})
    assert csv.status_code == 200 and csv.text.splitlines()[1].startswith("1480,2026-01-01,2026-12-31,")
    # Its runs are in the auditors' access log, said as Socialstyrelsen's.
    log = web_as(context, settings, "ivo").get("/granskning/atkomstlogg", params={"myndighet": "socialstyrelsen"})
    assert log.status_code == 200 and log.text.count("uppföljningsstatistik (avidentifierad") == 2


def test_the_web_client_refuses_an_evaluator_every_other_page(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    signed = web_as(context, settings, "socialstyrelsen")
    csrf = re.search(r'name="csrf" value="([^"]+)"', signed.get("/statistik").text).group(1)
    pages = [p for p in web_pages(signed, case_id) if p not in OPEN_TO_IT]
    assert ("GET", "/arenden") in pages and ("GET", "/granskning/atkomstlogg") in pages and len(pages) > 30
    failures = []
    for method, path in pages:
        response = signed.request(method, path, data={"csrf": csrf} if method == "POST" else None,
                                  follow_redirects=False)
        if response.status_code not in (403, 404):
            failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        elif case_id in response.text:
            failures.append(f"{method} {path}: names the case")
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------- two runs of one year (red team 2026-12-05)

def test_an_evaluators_two_runs_of_a_year_give_no_case_back_by_their_difference(client, users, tick, app):
    """Social services and auditors see the cases, so the difference of two runs of a year tells them nothing they
    may not read; an evaluator may read no case, yet ran the year at will.  Two runs either side of one young
    person's decision (or of a referral typed in late) differed by exactly that case: 5 girls and 5 boys aktuella,
    then a sixth boy's "aktuell" made it 6 — his kön and decision, with his age band and route.  An evaluator reads
    a year once it has ended, as its cases stood at its end: every run of it the same."""
    def referred(personnummer: str, referral_date: str = "2026-02-01", accept: bool = True) -> str:
        case_id = ok(client.post("/api/v1/cases", json={**REFERRAL, "personnummer": personnummer,
                                                        "referral_date": referral_date},
                                 headers=users.social), 201)["case_id"]
        tick()
        if accept:
            decide(case_id)
        return case_id

    def decide(case_id: str) -> None:
        day = app.clock.now().date().isoformat()
        ok(client.post(f"/api/v1/cases/{case_id}/eligibility", headers=users.social, json={
            "accepted": True, "reasons": "Hög risk.", "instruments": ["SAVRY"], "decided_on": day}))
        tick()

    for _ in range(5):
        referred(REFERRAL["personnummer"])                   # a girl (20090314-2388)
        referred(BOY)
    pending = referred(BOY, accept=False)
    # The current year: an evaluator's runs of it would differ day by day.
    refused = client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users))
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == {**refused.json()["error"], "code": "year_not_ended", "field": "query.to"}
    app.clock.advance(timedelta(days=340))                   # 2027-01-09
    before = ok(client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users)))
    decide(pending)                                          # the sixth boy found aktuell, in 2027
    referred(BOY, referral_date="2026-12-30")                # a 2026 referral typed in late
    after = ok(client.get("/api/v1/statistics", params=PERIOD, headers=evaluator(users)))
    assert after == before, (before["breakdowns"]["accepted_by_sex"], after["breakdowns"]["accepted_by_sex"])
    # Social services, who read the cases themselves, still see the year as its cases stand now.
    now = ok(client.get("/api/v1/statistics", params=PERIOD, headers=users.social))
    assert now["cases"] == 12 and now["breakdowns"]["accepted_by_sex"]["cells"] == {"girls": 5, "boys": 7}
