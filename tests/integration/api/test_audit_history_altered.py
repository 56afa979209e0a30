"""An auditor is never shown a case's history as whole when the ledger says it is not (events removed from its
end still leave a history that reads): the API refuses with 409, the report says what was found."""

from __future__ import annotations

import re

import psycopg
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import signed_in


def test_a_case_cut_short_at_its_end_is_refused_to_auditors_and_reported_as_such(client, users, tick, context,
                                                                                  postgres, settings):
    case_id, _ = school_consented_case(client, users, tick)
    replay = f"/api/v1/audit/cases/{case_id}/replay"
    params = {"agency": "skola", "as_of": "2026-12-31T00:00:00Z"}
    context.seal_ledger()
    assert ok(client.get(replay, params=params, headers=users.auditor))["facts"]   # whole: answered
    with psycopg.connect(postgres.conninfo()) as conn:
        version = conn.execute("SELECT max(originator_version) FROM sigill_events WHERE originator_id = %s",
                               (case_id,)).fetchone()[0]
        conn.execute("DELETE FROM sigill_events WHERE originator_id = %s AND originator_version = %s",
                     (case_id, version))
    for path, query in ((replay, params), (f"/api/v1/audit/cases/{case_id}/disclosures", {}),
                        (f"/api/v1/audit/cases/{case_id}/facts", {})):
        answer = client.get(path, params=query, headers=users.auditor)
        assert answer.status_code == 409, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "history_altered" and f"version {version}: removed" in error["message"]
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200 and f"liggaren förseglade: händelse {version} i ärendets historik" in report.text
    assert "<h2 id=timeline-heading>Tidslinje</h2>" not in report.text
    # Named by the case's number, as the supervisor files it (from the case list: the events cannot tell it).
    assert re.search(r"<h1>Granskningsrapport – ärende 0180-2026-\d{4}</h1>", report.text), report.text[:600]
    web = create_api(context)
    mount_web(web, context, settings)
    auditor = signed_in(TestClient(web, raise_server_exceptions=False), "ivo")
    for path, query in ((f"/granskning/arenden/{case_id}", {"myndighet": "skola", "tid": "2026-12-31T00:00"}),
                        (f"/granskning/arenden/{case_id}/utlamnanden", {"myndighet": "skola"})):
        page = auditor.get(path, params=query)
        assert page.status_code == 409 and "inte den som liggaren förseglade" in page.text, path
    page = auditor.get(f"/granskning/arenden/{case_id}/rapport").text
    assert "liggaren förseglade: händelse" in page and re.search(r"<h1>Granskningsrapport – ärende 0180-2026-", page)
    # The ledger's page says it in Swedish, with both numbers told apart (it showed "removed · 41 · the ledger…").
    ledger = auditor.get("/granskning/liggaren").text
    assert f"händelseloggen (ärende {case_id}, händelse {version} i ärendets historik): liggaren förseglade en" \
        " händelse som inte längre finns lagrad." in ledger and "removed" not in ledger


def test_a_report_on_an_event_that_no_longer_decrypts_says_so_in_swedish(client, users, tick, postgres):
    """An event altered after the ledger's end (not yet sealed: the ledger cannot tell) no longer decrypts; the
    supervisor's report said why in the operators' English ("stored event 7 of aggregate … does not decrypt")."""
    case_id, _ = school_consented_case(client, users, tick)
    with psycopg.connect(postgres.conninfo()) as conn:
        version = conn.execute("SELECT max(originator_version) FROM sigill_events WHERE originator_id = %s",
                               (case_id,)).fetchone()[0]
        conn.execute("ALTER TABLE sigill_events DISABLE TRIGGER USER")   # whoever may: the owner, a superuser
        conn.execute("UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE originator_id = %s"
                     " AND originator_version = %s", (case_id, version))
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert report.status_code == 200 and "<h2>Ärendets historik kan inte läsas</h2>" in report.text
    assert f"lagrad händelse {version} i ärende {case_id} går inte att dekryptera" in report.text, report.text
    assert "does not decrypt" not in report.text
