"""Every endpoint × every kind of user × member or not × consent state: the status, and no secret in the body.

The most important test we have.  Statuses come from one table below; the
body check is generic: for the user's agency, every fact the pure disclosure
rules hide must leave no trace (none of its text values) in any answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

import pytest

from tests.integration.api.flows import REFERRAL, ok, school_consented_case

STALE = 999_999  # an expected version no case has: an authorised command stops at 409 and records nothing


@dataclass(frozen=True)
class User:
    name: str
    agency: str
    role: str                 # the token's roles, space-separated (roles add up)
    municipality: str | None
    kind: str  # lead | member | outsider | auditor | administrator | nobody | system | evaluator


USERS = (
    User("handläggare 0180", "socialtjanst", "caseworker", "0180", "lead"),
    User("samordnare 0180", "socialtjanst", "coordinator", "0180", "lead"),
    User("handläggare 1280", "socialtjanst", "caseworker", "1280", "outsider"),
    User("skolan", "skola", "member", "0180", "member"),
    User("polisen", "polis", "member", "0180", "member"),
    User("skolan i Malmö", "skola", "member", "1280", "outsider"),   # the school is in the group: Stockholm's
    User("polisen utan kommun", "polis", "member", None, "nobody"),   # a sign-in that names no municipality
    User("bup (ej medlem)", "bup", "member", "0180", "outsider"),
    User("polisen som handläggare", "polis", "caseworker", "0180", "outsider"),
    User("socialtjänsten som medlem", "socialtjanst", "member", "0180", "outsider"),  # no such role there
    User("IVO", "ivo", "auditor", None, "auditor"),
    User("administratör", "socialtjanst", "administrator", "0180", "administrator"),
    User("utan roll", "skola", "janitor", None, "nobody"),
    # An agency's integrating system (feed_reader): its own agency's feed in its own municipality, nothing else.
    User("skolans system", "skola", "feed_reader", "0180", "system"),
    User("polisens system", "polis", "feed_reader", "0180", "system"),
    User("socialtjänstens system", "socialtjanst", "feed_reader", "0180", "system"),
    User("socialtjänstens system i Malmö", "socialtjanst", "feed_reader", "1280", "system"),
    User("skolans system utan kommun", "skola", "feed_reader", None, "system"),
    User("IVO:s system", "ivo", "feed_reader", None, "system"),
    # Roles add up: a person's role beside feed_reader keeps that role's rights.
    User("handläggare med systemroll", "socialtjanst", "caseworker feed_reader", "0180", "lead"),
    User("polisen med systemroll", "polis", "member feed_reader", "0180", "member"),
    # A national evaluator (Socialstyrelsen, a researcher): the de-identified statistics of any municipality, whatever
    # its sign-in names, and nothing else — not even as a catalogue agency's user in the case's municipality.
    User("Socialstyrelsen (utvärderare)", "socialstyrelsen", "evaluator", None, "evaluator"),
    User("utvärderare i Malmö", "socialstyrelsen", "evaluator", "1280", "evaluator"),
    User("utvärderare som skolan", "skola", "evaluator", "0180", "evaluator"),
    User("utvärderare som socialtjänsten", "socialtjanst", "evaluator", "0180", "evaluator"),
)

# endpoint kind -> expected status per user kind
STATUS = {
    "read":       dict(lead=200, member=200, outsider=404, auditor=403, administrator=403, nobody=403),
    "extract":    dict(lead=200, member=403, outsider=404, auditor=200, administrator=403, nobody=403),
    "find":       dict(lead=200, member=200, outsider=404, auditor=200, administrator=403, nobody=403),
    "list":       dict(lead=200, member=200, outsider=200, auditor=200, administrator=403, nobody=403),
    "audit":      dict(lead=403, member=403, outsider=403, auditor=200, administrator=403, nobody=403),
    "verify":     dict(lead=403, member=403, outsider=403, auditor=200, administrator=200, nobody=403),
    "seal":       dict(lead=403, member=403, outsider=403, auditor=403, administrator=200, nobody=403),
    "administer": dict(lead=409, member=403, outsider=404, auditor=403, administrator=403, nobody=403),
    "group_work": dict(lead=409, member=409, outsider=404, auditor=403, administrator=403, nobody=403),
    "open":       dict(lead=201, member=403, outsider=403, auditor=403, administrator=403, nobody=403),
    # De-identified statistics of the municipality: its social services and auditors (another municipality's
    # social services is refused 0180's).
    "statistics": dict(lead=200, member=403, outsider=403, auditor=200, administrator=403, nobody=403),
    # The municipality's cases due for culling: likewise.
    "retention":  dict(lead=200, member=403, outsider=403, auditor=200, administrator=403, nobody=403),
}
for _statuses in STATUS.values():
    _statuses["system"] = 403   # a feed_reader alone reads its agency's feed (``feed_status``), and nothing else
    _statuses["evaluator"] = 403   # an evaluator reads the statistics, and nothing else
STATUS["statistics"]["evaluator"] = 200
# The feed messages' JSON Schema and AsyncAPI document: anyone's, as the OpenAPI document (they hold no case data).
STATUS["public"] = dict(lead=200, member=200, outsider=200, auditor=200, administrator=200, nobody=200, system=200,
                        evaluator=200)


def endpoints(case_id: str, number: str, consent_id: str, row_id: str) -> list[tuple[str, str, str, dict | None]]:
    """(kind, method, path, body) for every endpoint of the API."""
    c = f"/api/v1/cases/{case_id}"
    stale = {"expected_version": STALE}
    scope = [{"agency": "skola", "categories": ["case"]}]
    return [
        ("list", "GET", "/api/v1/cases", None),
        ("find", "GET", f"/api/v1/cases/by-number/{number}", None),
        ("read", "GET", c, None), ("read", "GET", f"{c}/plan", None), ("read", "GET", f"{c}/meetings", None),
        ("read", "GET", f"{c}/contributions", None), ("extract", "GET", f"{c}/extract", None),
        ("audit", "GET", f"/api/v1/audit/cases/{case_id}/facts", None),
        ("audit", "GET", f"/api/v1/audit/cases/{case_id}/replay?agency=skola&as_of=2026-12-01T00:00:00Z", None),
        ("audit", "GET", f"/api/v1/audit/cases/{case_id}/disclosures", None),
        ("audit", "GET", f"/api/v1/audit/cases/{case_id}/stored-log", None),
        ("audit", "GET", f"/api/v1/audit/cases/{case_id}/report", None),
        ("audit", "GET", f"/api/v1/audit/access-log?case_id={case_id}", None),
        ("verify", "GET", "/api/v1/audit/ledger/verification", None),
        ("verify", "POST", "/api/v1/audit/ledger/verification",
         {"format": "sigill-ledger-checkpoints/1", "checkpoints": []}),
        ("audit", "GET", "/api/v1/audit/ledger/checkpoints", None),
        ("seal", "POST", "/api/v1/admin/ledger/seal", None),
        ("open", "POST", "/api/v1/cases", REFERRAL),
        ("statistics", "GET", "/api/v1/statistics?municipality=0180&from=2025-01-01&to=2025-12-31", None),
        ("retention", "GET", "/api/v1/retention/due?municipality=0180", None),
        ("administer", "POST", f"{c}/eligibility", {**stale, "accepted": True, "reasons": "x",
                                                     "decided_on": "2026-02-02"}),
        ("administer", "POST", f"{c}/guardians", {**stale, "guardians": [{"name": "Ny"}]}),
        ("administer", "POST", f"{c}/consents", {**stale, "consenter": "young_person", "scope": scope,
                                                  "purpose": "x", "valid_from": "2026-02-02", "form": "written"}),
        ("administer", "POST", f"{c}/consents/{consent_id}/narrowings", {**stale, "consenter": "young_person",
                                                                          "scope": scope}),
        ("administer", "POST", f"{c}/consents/{consent_id}/withdrawal", {**stale, "consenter": "young_person"}),
        ("administer", "POST", f"{c}/members", {**stale, "agency": "bup", "contact_person": "x", "role": "x"}),
        ("administer", "POST", f"{c}/members/polis/departure", {**stale, "reason": "x"}),
        ("administer", "POST", f"{c}/plan/revisions", {**stale, "main_goal": "x", "rows": [
            {"area": "Skolgång", "category": "case", "goal": "x", "how": "x", "responsible": "x"}]}),
        ("administer", "POST", f"{c}/closure", {**stale, "reason": "goals_met", "outcome": "x"}),
        ("administer", "POST", f"{c}/protection", {**stale, "protected": True, "kind": "sekretessmarkering"}),
        ("administer", "POST", f"{c}/meetings/next", {**stale, "next_meeting": "2026-03-10"}),
        ("group_work", "POST", f"{c}/meetings", {**stale, "held_on": "2026-02-03"}),
        ("group_work", "POST", f"{c}/contributions", {**stale, "category": "school", "text": "x"}),
        ("group_work", "POST", f"{c}/follow-ups", {**stale, "row_id": row_id, "status": "ongoing", "note": "x"}),
        ("public", "GET", "/api/v1/feeds/disclosure-message.schema.json", None),
        ("public", "GET", "/api/v1/feeds/asyncapi.yaml", None),
        *(("feed", "GET", f"/api/v1/feeds/{agency}{tail}{query}", None)
          for agency in FEED_AGENCIES for tail in ("", "/stream") for query in ("", "?municipality=0180")),
    ]


FEED_AGENCIES = ("socialtjanst", "skola", "polis", "bup")


def feed_status(user: User, path: str) -> int:
    """An agency's feed in one municipality: its own users there (social services: caseworkers, coordinators;
    others: members) and its own systems there (feed_reader), auditors."""
    agency, named = path.split("?")[0].split("/")[4], "?municipality=" in path
    lead, roles = agency == "socialtjanst", set(user.role.split())
    if "auditor" in roles:
        return 200 if named else 422  # every feed is one per municipality: an auditor names it
    if not roles & {"caseworker", "coordinator", "member", "feed_reader"} or user.agency != agency \
            or not user.municipality:
        return 403
    if named and user.municipality != "0180":
        return 403  # another municipality's feed
    if "feed_reader" in roles:
        return 200  # the agency's own system, whichever agency it is
    return 200 if bool(roles & {"caseworker", "coordinator"}) == lead else 403


def signed_in_as(users, user: User) -> dict[str, str]:
    token = users.tokens.issue(subject=f"{user.agency}-{user.role.replace(' ', '+')}", name=f"Namn {user.name}",
                               agency=user.agency, roles=user.role.split(), municipality=user.municipality)
    return {"Authorization": f"Bearer {token}"}


def secret_texts(app, case_id: UUID, agency: str) -> set[str]:
    """Text values of the facts the pure rules hide from ``agency`` now (and appear in no visible fact)."""
    visible = app.view(case_id, agency)
    shown = {t for d in visible for t in _texts(d.fact.content)}
    seen_ids = {d.fact.fact_id for d in visible}
    hidden = {t for f in app.all_facts(case_id) if f.fact_id not in seen_ids for t in _texts(f.content)}
    return {t for t in hidden - shown if len(t) >= 6}


def feed_secrets(app, case_id: UUID, agency: str) -> set[str]:
    """For a feed, whose messages may name what was disclosed earlier (ended facts carry no content): text values of facts never disclosed to ``agency``."""
    if agency not in app.catalogue.agencies:
        return set()
    ever = {c.fact.fact_id for c in app.disclosures(case_id, [agency]) if c.change == "disclosed"}
    shown = {t for f in app.all_facts(case_id) if f.fact_id in ever for t in _texts(f.content)}
    never = {t for f in app.all_facts(case_id) if f.fact_id not in ever for t in _texts(f.content)}
    return {t for t in never - shown if len(t) >= 6}


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []


def a_busy_case(client, users, tick, app):
    """The school consented; the police, which may see that the case exists (`case`), records crime information no
    one else may see; a plan with a school row.  (A member no consent lets see the case is an outsider to it.)"""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.police,
                   json={"category": "crime", "text": "POLISENS HEMLIGA BROTTSUPPGIFT"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Skolans närvaronotering"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Fullföljd skolgång", "rows": [
            {"area": "Skolgång", "category": "case", "goal": "Närvaro över 90 %", "how": "Mentor",
             "responsible": "Skolan",
             "responsible_agencies": ["skola"]},
            {"area": "Fritid", "goal": "Ny fritidsaktivitet", "how": "Fältassistent", "responsible": "Soc"}]}), 201)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))
    number = app.get_case(UUID(case_id)).case_number
    return case_id, consents, number, plan["rows"][0]["content"]["row_id"]


def withdraw_young_persons_consent(client, users, tick, case_id, consents):
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))


def school_leaves(client, users, tick, case_id, consents):
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members/skola/departure", headers=users.social,
                   json={"reason": "Bytt skola"}))


STATES = {"consent in force": None, "consent withdrawn": withdraw_young_persons_consent,
          "school left the group": school_leaves}


@pytest.mark.parametrize("state", STATES)
def test_every_endpoint_answers_every_user_as_the_table_says_and_reveals_nothing_more(
        state, client, users, tick, app):
    client.app.state.stream_seconds = 0.2  # an answered stream ends, so the test client can read it whole
    case_id, consents, number, row_id = a_busy_case(client, users, tick, app)
    if STATES[state]:
        STATES[state](client, users, tick, case_id, consents)
    failures, public = [], {}
    for user in USERS:
        kind = "outsider" if (state == "school left the group" and user.name == "skolan") else user.kind
        headers = signed_in_as(users, user)
        secrets = secret_texts(app, UUID(case_id), user.agency) if user.agency in app.catalogue.agencies else set()
        for endpoint_kind, method, path, body in endpoints(case_id, number, consents[1], row_id):
            response = client.request(method, path, json=body, headers=headers)
            expected = feed_status(user, path) if endpoint_kind == "feed" else STATUS[endpoint_kind][kind]
            if endpoint_kind == "find" and kind == "member" and state == "consent withdrawn":
                expected = 404  # it sees only what it recorded itself: not the case number (`case.opened`)
            where = f"{user.name} {method} {path}"
            if response.status_code != expected:
                failures.append(f"{where}: {response.status_code}, expected {expected}: {response.text[:200]}")
                continue
            if endpoint_kind in ("audit", "feed") and kind == "auditor":
                continue  # auditors read everything
            if endpoint_kind == "public":   # names every kind and category: one answer to anyone, whatever the cases
                if public.setdefault(path, response.content) != response.content:
                    failures.append(f"{where}: answers differently from the first user asked")
                continue
            hidden = feed_secrets(app, UUID(case_id), user.agency) if endpoint_kind == "feed" else secrets
            leaked = [s for s in hidden if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", response.text)]
            if leaked:
                failures.append(f"{where}: reveals {leaked}")
            outside = kind in ("outsider", "nobody", "administrator", "system", "evaluator") and not (
                endpoint_kind == "feed" and user.name in ("skolan", "skolans system")  # what it received stays
                or endpoint_kind == "feed" and kind == "system" and user.municipality == "0180")  # its own feed
            if outside and case_id in response.text and endpoint_kind not in ("open",):
                failures.append(f"{where}: reveals the case exists")
    assert not failures, "\n".join(failures)


def test_the_table_covers_every_route_of_the_api(client):
    """A new endpoint must be added to the matrix above."""
    routes = {(m, r.path) for r in client.app.routes for m in getattr(r, "methods", ()) if r.path.startswith("/api/")}
    covered = {(m, p.split("?")[0]) for _, m, p, _ in endpoints("{case_id}", "{case_number}", "{consent_id}", "x")}
    normalised = {(m, p.replace("/polis/", "/{agency}/")) for m, p in covered}
    normalised = {(m, re.sub(r"^/api/v1/feeds/[a-z]+(?=/|$)", "/api/v1/feeds/{agency}", p)) for m, p in normalised}
    meta = {("GET", "/api/v1/health"), ("HEAD", "/api/v1/health"), ("GET", "/api/v1/ready"),
            ("HEAD", "/api/v1/ready"), ("GET", "/api/v1/me"), ("GET", "/api/v1/catalogue"),
            ("GET", "/api/v1/openapi.json"), ("HEAD", "/api/v1/openapi.json")}
    assert routes - normalised - meta == set()
