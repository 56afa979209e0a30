"""The stored disclosure log — what the agencies' feeds carried — is held to the log the events give, for auditors:
the API's disclosures answer and the web client's utlämnandelogg say whether the two agree."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import signed_in


def test_auditors_see_whether_the_stored_log_says_what_the_events_say(client, users, tick, context, postgres,
                                                                     settings):
    case_id, _ = school_consented_case(client, users, tick)
    path = f"/api/v1/audit/cases/{case_id}/disclosures"
    whole = ok(client.get(path, headers=users.auditor))["stored_log"]
    assert whole["agrees"] and whole["compared"] > 0 and whole["without_cause"] == 0
    school = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))
    assert school["stored_log"]["agrees"] and school["stored_log"]["compared"] == len(school["changes"])
    web = create_api(context)
    mount_web(web, context, settings)
    auditor = signed_in(TestClient(web, raise_server_exceptions=False), "ivo")
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"})
    assert page.status_code == 200 and "stämmer med ärendets händelser" in page.text
    mistyped = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skolan"})
    assert mistyped.status_code == 422 and "Ingen myndighet heter «skolan»" in mistyped.text
    assert "lämnades ut" not in mistyped.text   # not every agency's log instead

    with psycopg.connect(postgres.conninfo()) as conn:   # one stored row says the school saw a fact by law
        conn.execute("UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE id ="
                     " (SELECT min(id) FROM disclosure_log WHERE case_id = %s AND agency = 'skola')", (case_id,))
    altered = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))["stored_log"]
    assert not altered["agrees"] and altered["only_stored"] == 1 and altered["only_replayed"] == 1
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"})
    assert page.status_code == 200 and "skiljer sig från ärendets händelser: 1 rader finns bara i den" in page.text

    # A rebuild writes the log again from the events, and keeps the one it replaces: the altered row is still on
    # record as what the school's feed carried, and named as a difference from today's log.
    client.app.state.context.cases.lists.runner.rebuild()
    answer = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))
    assert answer["stored_log"]["agrees"]
    [replaced] = answer["replaced_logs"]
    assert replaced["rules_version"] == 3 and len(replaced["rows"]) == answer["stored_log"]["compared"]
    assert replaced["replacement"] >= 1 and replaced["epoch"] and all(
        r["feed"].startswith("skola") and r["seq"] >= 1 for r in replaced["rows"])   # as the school's feed numbered them
    [then], [now] = replaced["only_replaced"], replaced["only_current"]
    assert then["basis"]["kind"] == "law" and now["basis"]["kind"] == "consent"
    assert then["fact_id"] == now["fact_id"] and then["agency"] == now["agency"] == "skola"
    assert ok(client.get(path, headers=users.auditor, params={"agency": "polis"}))["replaced_logs"][0][
        "only_replaced"] == []
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"})
    assert page.status_code == 200 and "Utlämnandeloggen byggdes om" in page.text
    assert "1 som dagens logg inte har och 1 som bara dagens har" in page.text
    assert page.text.count("den ersatta loggen</td>") == 1 and page.text.count("dagens logg</td>") == 1
    differences = page.text.split("Skillnader mot den ersatta loggen")[1].split("</table>")[0]
    assert differences.count("<code>v") == 2   # each fact by its event version and public id, as in the table
    assert then["fact_id"] in differences
