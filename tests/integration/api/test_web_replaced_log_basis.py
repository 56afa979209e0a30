"""The utlämnandelogg's table of differences from a log a rebuild replaced tells each row's basis as the log's own
table does — who consented and until when, as the consents stood at the row's moment, its ids aside — where it
told a consent basis by bare ids ("samtycke (1a2b3c4d, …)"), which no caseworker or auditor reads without a lookup."""

from __future__ import annotations

import re

import psycopg
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import accepted_with_guardians, ok, page_text
from tests.integration.api.skew import signed_in

READABLE = "samtycke från den unge och vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31"


def _case_whose_school_consents_end(client, users, tick) -> str:
    """Accepted; two guardians; the young person and both let the school see `case` and `school` until
    2026-12-31; the school in the group."""
    case_id, guardians = accepted_with_guardians(client, users, tick)
    for consenter in ["young_person", *guardians]:
        tick()
        ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": consenter, "scope": [{"agency": "skola", "categories": ["case", "school"]}],
            "purpose": "Samverkan", "valid_from": "2026-02-02", "valid_until": "2026-12-31", "form": "written"}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", headers=users.social,
                   json={"agency": "skola", "contact_person": "Kim", "role": "kurator"}), 201)
    return case_id


def _basis_cells(table: str) -> list[str]:
    return [page_text(cell).strip() for cell in re.findall(r'<td class="basis">(.*?)</td>', table, re.S)]


def test_a_replaced_log_s_difference_tells_its_consent_basis_as_the_log_s_own_table_does(
        client, users, tick, context, postgres, settings):
    case_id = _case_whose_school_consents_end(client, users, tick)
    path = f"/api/v1/audit/cases/{case_id}/disclosures"
    assert ok(client.get(path, headers=users.auditor))["stored_log"]["agrees"]   # the log stored, as the feeds
    with psycopg.connect(postgres.conninfo()) as conn:   # one stored row says the school saw a fact by law
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")
        conn.execute("UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE id ="
                     " (SELECT min(id) FROM disclosure_log WHERE case_id = %s AND agency = 'skola')", (case_id,))
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    assert not ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))["stored_log"]["agrees"]
    client.app.state.context.cases.lists.runner.rebuild()   # keeps the altered log as a replaced one
    web = create_api(context)
    mount_web(web, context, settings)
    auditor = signed_in(TestClient(web, raise_server_exceptions=False), "ivo")
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"}).text
    differences = page.split("Skillnader mot den ersatta loggen")[1].split("</table>")[0]
    today = page.split('aria-labelledby="disclosures-heading"')[1].split("</table>")[0]
    assert all(READABLE in cell for cell in _basis_cells(today))   # the log's own table, as it was
    [_law, consent] = sorted(_basis_cells(differences))   # the row only the replaced log has, the one only today's
    assert consent.startswith(READABLE), consent
    assert re.fullmatch(re.escape(READABLE) + r" \([0-9a-f]{8}(, [0-9a-f]{8}){2}\)", consent), consent
