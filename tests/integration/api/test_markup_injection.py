"""Markup typed into a case is shown as text: every free-text field, the reader's stated purpose and the user's name
carry a script, an attribute break-out and an event handler, and no page the web client or the supervisor's report
makes — for social services, members and auditors — holds them as markup. (A red team, 2026-12-05: nothing tested
this; a script in the report a supervisor opens, or in a caseworker's case page, would run with their session.)"""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.integration.api.flows import REFERRAL, ok
from tests.integration.api.skew import web_as
from tests.integration.test_cli import sigill

MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>\'><svg onload=alert(3)>'
# What a browser would take as markup: a tag opened by the payload (escaped, it reads &lt;script&gt;…).
RAW = re.compile(r"<(script>alert|img src=x|svg onload)")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def x(text: str) -> str:
    return f"{text} {MARKUP}"


def _case(client, users, tick) -> tuple[str, str]:
    """A case in which every field a person types holds the markup; returns its id and number."""
    case_id = ok(client.post("/api/v1/cases", json={**REFERRAL, "name": x("Peter"), "summary": x("Rån.")},
                             headers=users.social), 201)["case_id"]
    c = f"/api/v1/cases/{case_id}"

    def post(path: str, body: dict, headers=None, status: int = 200) -> dict:
        tick()
        return ok(client.post(f"{c}{path}", json=body, headers=headers or users.social), status)

    post("/eligibility", {"accepted": True, "reasons": x("Hög risk."), "instruments": ["SAVRY"],
                          "decided_on": "2026-02-02"})
    post("/guardians", {"guardians": [{"name": x("Maria")}]})
    facts = ok(client.get(c, headers=users.social))["facts"]
    guardian = next(f for f in facts if f["kind"] == "guardians")["content"]["guardians"][0]["guardian_id"]
    scope = [{"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case", "crime"]},
             {"agency": "bup", "categories": ["case", "health"]}]
    consents = [post("/consents", {"consenter": consenter, "scope": scope, "purpose": x("Samverkan"),
                                   "valid_from": "2026-02-02", "form": "written"}, status=201)["created"]
                for consenter in ("young_person", guardian)]
    for agency in ("skola", "polis", "bup"):
        post("/members", {"agency": agency, "contact_person": x("Kim"), "role": x("kurator")}, status=201)
    post("/plan/revisions", {"main_goal": x("Fullföljd skolgång."), "rows": [
        {"area": x("Skola"), "category": "school", "goal": x("Närvaro."), "how": x("Mentor."),
         "responsible": x("Mentor"), "responsible_agencies": ["skola"]},
        {"area": "Brottslighet", "goal": x("Inga brott."), "how": x("Samtal."), "responsible": x("Polisen"),
         "responsible_agencies": ["polis"]}]}, status=201)
    post("/meetings", {"held_on": "2026-02-03", "attendees": ["skola", "polis"],
                       "outcomes": [{"category": "school", "origin_agency": "skola", "text": x("Närvaron ökar.")}],
                       "decisions": [{"text": x("Mentorn ringer hem."), "category": "school"}],
                       "next_meeting": "2026-03-10"}, status=201)
    post("/contributions", {"category": "school", "text": x("Närvaro 85 %.")}, headers=users.school, status=201)
    post("/contributions", {"category": "crime", "text": x("Ny anmälan.")}, headers=users.police, status=201)
    row = next(r["content"]["row_id"] for r in ok(client.get(f"{c}/plan", headers=users.school))["rows"]
               if r["category"] == "school")
    post("/follow-ups", {"row_id": row, "status": "ongoing", "note": x("Bättre.")}, headers=users.school, status=201)
    post(f"/consents/{consents[0]}/narrowings", {"consenter": "young_person", "scope": scope[:2]})
    post("/members/bup/departure", {"reason": x("Klart.")})
    # A read whose stated purpose, and whose reader's name, hold the markup too: the access log shows both.
    named = users.tokens.issue(subject="skola-x", name=x("Kurator"), agency="skola", roles=["member"],
                               municipality="0180")
    ok(client.get(c, headers={"Authorization": f"Bearer {named}", "sigill-purpose": quote(x("Uppföljning"))}))
    listed = ok(client.get("/api/v1/cases", headers=users.social))["cases"]
    return case_id, next(r["case_number"] for r in listed if r["case_id"] == case_id)


def _markup_in(pages: dict[str, str]) -> list[str]:
    return [f"{where}: {RAW.search(text).group(0)}…" for where, text in pages.items() if RAW.search(text)]


def test_markup_typed_into_a_case_is_text_on_every_page_and_in_the_supervisor_s_report(
        client, users, tick, context, settings, postgres, master_key):
    case_id, number = _case(client, users, tick)
    pages: dict[str, str] = {}
    case_tabs = ("", "/plan", "/moten", "/uppfoljning", "/uppgift", "/registerutdrag")
    lead_tabs = ("/grupp", "/samtycken", "/beslut", "/vardnadshavare", "/avslut")
    for user, tabs in (("soc-0180", case_tabs + lead_tabs), ("skola", case_tabs), ("polis", case_tabs)):
        web = web_as(context, settings, user)
        for tab in ("/arenden", *(f"/arenden/{case_id}{t}" for t in tabs)):
            answer = web.get(tab)
            assert answer.status_code in (200, 403), (user, tab, answer.status_code)
            pages[f"{user} {tab}"] = answer.text
    named = web_as(context, settings, "skola")   # signed in again, under a name holding the markup
    csrf = re.search(r'name="csrf" value="([^"]+)"', named.get("/logga-in").text).group(1)
    assert named.post("/logga-in/utveckling", data={"csrf": csrf, "user": "skola", "name": x("Kurator")},
                      follow_redirects=False).status_code == 303
    pages["skola named /arenden"] = named.get("/arenden").text
    ivo = web_as(context, settings, "ivo")
    for path in ("/granskning", f"/granskning/arenden/{case_id}", f"/granskning/arenden/{case_id}?myndighet=skola&tid=2026-02-04T00:00",
                 f"/granskning/arenden/{case_id}/utlamnanden", f"/granskning/arenden/{case_id}/rapport",
                 f"/granskning/atkomstlogg?nummer={number}", "/granskning/atkomstlogg?myndighet=skola"):
        answer = ivo.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        pages[f"ivo {path}"] = answer.text
    pages["api report"] = ok_text(client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor))
    cli = sigill("audit", "report", "--case", number, "--out", "-", "--purpose", x("Tillsyn"),
                 env={"SIGILL_DATA_DIR": str(settings.data_dir), "SIGILL_DATABASE_URL": postgres.url(),
                      "SIGILL_MASTER_KEY": master_key})
    assert cli.returncode == 0, cli.stderr
    pages["sigill audit report"] = cli.stdout
    assert not _markup_in(pages), _markup_in(pages)
    # The markup reached each kind of page (as text): a test of pages that never showed it would prove nothing.
    for where in ("soc-0180 /arenden/{id}", "skola /arenden/{id}/uppgift", "skola named /arenden", "polis /arenden/{id}",
                  "ivo /granskning/atkomstlogg?myndighet=skola", "api report", "sigill audit report"):
        key = where.replace("{id}", case_id)
        assert ESCAPED in pages[key], where
    for where in ("api report", "sigill audit report", f"ivo /granskning/arenden/{case_id}/rapport"):
        assert pages[where].count(ESCAPED) >= 10, where   # names, purposes, goals, outcomes, notes, reasons


def ok_text(answer) -> str:
    assert answer.status_code == 200, answer.text
    return answer.text


AUDIT_PAGES = ("/granskning", "/granskning/liggaren", "/granskning/arenden/{id}",
               "/granskning/arenden/{id}?myndighet=skola&tid=2026-02-04T00:00", "/granskning/arenden/{id}/utlamnanden",
               "/granskning/arenden/{id}/rapport", "/granskning/atkomstlogg", "/granskning/atkomstlogg?nummer={nr}")


def test_no_one_but_an_auditor_opens_the_audit_pages(client, users, tick, context, settings):
    """The API's audit endpoints are in the authorisation matrix; the web client's audit pages, and the report it
    serves, were tried only as social services: every other development user is refused them too, the same way,
    and shown nothing of the case (its number, a name in it)."""
    case_id, number = _case(client, users, tick)
    for user in ("soc-0180", "sam-0180", "soc-1480", "skola", "polis", "bup", "af"):
        web = web_as(context, settings, user)
        for page in AUDIT_PAGES:
            answer = web.get(page.format(id=case_id, nr=number), follow_redirects=False)
            assert answer.status_code == 403, (user, page, answer.status_code)
            assert number not in answer.text and "Peter" not in answer.text and "Maria" not in answer.text, (user, page)
