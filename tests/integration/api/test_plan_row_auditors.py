"""Rules version 5's rows shown with names withheld (a fact of their own), as auditors are shown them: the report,
the web pages and the command line say which agencies the reader was shown (a review's tests, 2026-12-04: all
three rows of a narrowing read alike before), and the stored log and the case lists stay whole."""

from __future__ import annotations

import re
from html import unescape

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_feed_http import everything
from tests.integration.api.test_plan_row_names import narrow_away_case, plan_naming_police, shown_under_rules_4


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    cell = r"<(?:td|th scope=row)[^>]*>(.*?)</t[dh]>"   # a body row's header (the report's moment) is a cell too
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(cell, r, re.S)]
            for r in rows]


def test_the_report_tells_the_auditor_what_names_the_school_was_shown(client, users, tick):
    """After the narrowing the school's log has the row disclosed naming the police, the row disclosed without
    them, and the first one ended.  The report (and the web page and the command line, all describe_for_auditor)
    describes all three identically: 'Planrad Skola: Närvaro. (ansvarig: Mentor)' — the auditor cannot tell what the
    school was shown, nor why the row ended and was disclosed at the same moment."""
    case_id, consents = school_consented_case(client, users, tick)
    plan_naming_police(client, users, tick, case_id)
    narrow_away_case(client, users, tick, case_id, consents)
    tick()
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200
    rows = [c for c in _cells(report.text) if len(c) == 7 and c[1] == "Skolan" and c[4].startswith("Planrad")]
    assert len(rows) == 3, rows
    described = [r[4] for r in rows]
    assert described[0].endswith("ansvariga aktörer: Skolan, Polisen"), described
    assert described[1].endswith("ansvariga aktörer: Skolan (visad med övriga ansvariga aktörer undanhållna)")
    assert described[2] == described[0]


def test_the_web_disclosures_page_tells_the_auditor_what_names_the_school_was_shown(client, users, tick, context,
                                                                                     settings):
    case_id, consents = school_consented_case(client, users, tick)
    plan_naming_police(client, users, tick, case_id)
    narrow_away_case(client, users, tick, case_id, consents)
    tick()
    page = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/utlamnanden?myndighet=skola")
    assert page.status_code == 200, page.text[:500]
    rows = [c for c in _cells(page.text) if any(x.startswith("Planrad") for x in c)]
    assert len(rows) == 3, rows
    described = [next(x for x in r if x.startswith("Planrad")) for r in rows]
    assert [d.endswith("undanhållna)") for d in described] == [False, True, False], described
    assert all("ansvariga aktörer: Skolan" in d for d in described)


def test_the_report_describes_the_variant_a_rebuild_disclosed(client, users, tick, monkeypatch):
    """After the rebuild that brings version 5 in, the report's section on the replaced log lists the row as shown
    now (only in today's log).  Its fact id is the variant's, which ``app.all_facts`` does not hold: the report
    described it by its raw kind, 'plan.row', where every other row is described."""
    case_id, _ = shown_under_rules_4(client, users, tick, monkeypatch)
    client.app.state.context.cases.lists.runner.rebuild()
    everything(client, users.school, "skola")
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200
    replaced = report.text.split("Ersatta utlämnandeloggar", 1)
    assert len(replaced) == 2, "no replaced log in the report"
    rows = [c for c in _cells(replaced[1]) if len(c) == 8]
    assert rows, replaced[1][:2000]
    raw = [r for r in rows if r[4] == "plan.row"]
    assert not raw, rows


def test_the_stored_log_agrees_and_the_case_list_counts_once_after_a_narrowing(client, users, tick):
    case_id, consents = school_consented_case(client, users, tick)
    plan_naming_police(client, users, tick, case_id)
    before = next(c for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"]
                  if c["case_id"] == case_id)
    narrow_away_case(client, users, tick, case_id, consents)
    tick()
    everything(client, users.school, "skola")
    log = ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", params={"agency": "skola"},
                        headers=users.auditor))
    assert log["stored_log"]["agrees"], log["stored_log"]
    after = next(c for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"] if c["case_id"] == case_id)
    assert after["plan_follow_up"] == before["plan_follow_up"] == {"none": 1}
    view = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    assert after["facts"] == len(view["facts"])
