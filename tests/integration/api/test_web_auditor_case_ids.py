"""An auditor's address or form names a case by its id: only a case's is one.  The case-number series' aggregate is
stored beside the cases (its id derived from the municipality and year, not secret), and the auditor's /syfte kept a
purpose for it as for a case; the audit pages answered it as no such case (a guard, here, that they still do)."""

from __future__ import annotations

from uuid import UUID

from domain.case_numbers import CaseNumberSeries
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_hardening import csrf_of

NO_SUCH_CASE = "Sidan eller ärendet finns inte (eller så har ni inte tillgång till det)."


def _series_of(client, users, case_id: str) -> UUID:
    """The aggregate id of the series the case's number was drawn from."""
    number = next(c["case_number"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]
                  if c["case_id"] == case_id)
    return CaseNumberSeries.series_id(number[:4], int(number[5:9]))


def test_an_auditors_purpose_for_a_case_number_series_id_is_no_such_case(client, users, tick, context, settings,
                                                                         app):
    case_id, _ = school_consented_case(client, users, tick)
    series = _series_of(client, users, case_id)
    assert app.recorder.select_events(series, limit=1)   # stored, and no case
    ivo = web_as(context, settings, "ivo")
    said = ivo.post("/syfte", follow_redirects=False, data={
        "csrf": csrf_of(ivo, "/granskning"), "purpose": "Tillsyn", "back": "/granskning", "case": str(series)})
    assert said.status_code == 404 and NO_SUCH_CASE in said.text
    assert str(series) not in said.text and "sigill_purpose" not in said.headers.get("set-cookie", "")
    # A real case's, as before: kept.
    kept = ivo.post("/syfte", follow_redirects=False, data={
        "csrf": csrf_of(ivo, "/granskning"), "purpose": "Tillsyn", "back": "/granskning", "case": case_id})
    assert kept.status_code == 303


def test_guard_the_audit_pages_answer_a_case_number_series_id_as_no_such_case_and_log_nothing(
        client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    series = _series_of(client, users, case_id)
    ivo = web_as(context, settings, "ivo")
    for path in ("", "?myndighet=skola&tid=2026-03-10", "/loggutdrag", "/rapport", "/utlamnanden",
                 "/utlamnanden?myndighet=skola"):
        page = ivo.get(f"/granskning/arenden/{series}{path}")
        assert page.status_code == 404 and NO_SUCH_CASE in page.text, (path, page.status_code)
    for path in ("facts", "replay?agency=skola&as_of=2026-03-10T12:00:00Z", "disclosures", "stored-log", "report"):
        answer = client.get(f"/api/v1/audit/cases/{series}/{path}", headers=users.auditor)
        assert answer.status_code == 404 and answer.json()["error"]["field"] == "path.case_id", (path, answer.text)
    assert list(context.cases.access_log.extract(series)) == []   # refused before any read was logged
