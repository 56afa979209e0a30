"""The supervisor's report reads the case's history once: the rows the ledger's check read (``Ledger.checked_events``)
are what the report is made of — its verdict on the case, its timeline, consents and disclosure log.  It read the
history seven times: whether the case exists, the ledger's check of the case twice (its divergence, the stored log's
check), and the case, its facts, its disclosure log and its history once each."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from domain.group_commands import PlanRowDraft
from services import report
from services.report import Preparer, case_report
from tests.builders import POLICE, SCHOOL, SOCIAL
from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as
from tests.service_behaviour import contributed_case
from tests.integration.api.test_audit_replay_reads import _reads_of


def test_a_report_reads_the_cases_history_once_the_events_the_ledger_checked(client, users, tick, context, settings,
                                                                            monkeypatch):
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    api = f"/api/v1/audit/cases/{case_id}/report"
    assert client.get(api, headers=users.auditor).status_code == 200   # the first read of a case warms what it may
    with _reads_of(monkeypatch, case_id) as reads:
        report = client.get(api, headers=users.auditor)
    assert report.status_code == 200 and "<h2 id=timeline-heading>Tidslinje</h2>" in report.text and "Skolan" in report.text
    assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], reads

    ivo = web_as(context, settings, "ivo")
    page = f"/granskning/arenden/{case_id}/rapport"
    assert ivo.get(page).status_code == 200
    with _reads_of(monkeypatch, case_id) as reads:
        shown = ivo.get(page)
    assert shown.status_code == 200 and "<h2 id=timeline-heading>Tidslinje</h2>" in shown.text
    assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], reads


def _realistic_case(app):
    """Consents of the young person and both guardians, the school and the police in the group, contributions
    (one under LUL 6 §), the young person's consent withdrawn, then narrowed and protected again: a plan with rows
    and follow-ups, and skyddade personuppgifter recorded and lifted."""
    case_id = contributed_case(app)
    case = app.get_case(case_id)
    young = next(c for c in case.consents.values() if c.consenter == "young_person")
    app.clock.advance(timedelta(hours=1))
    app.withdraw_consent(case_id, by=SOCIAL, consent_id=young.consent_id, consenter="young_person")
    app.clock.advance(timedelta(hours=1))
    app.revise_plan(case_id, by=SOCIAL, main_goal="Mål", rows=[
        PlanRowDraft("Skola", "I tid", "Väckarklocka", "Den unge", ("skola",), category="school"),
        PlanRowDraft("Hälsa", "Sova", "Rutiner", "Den unge", category="health")])
    rows = {r.category: r.row_id for r in app.get_case(case_id).plan_rows.values()}
    app.clock.advance(timedelta(days=2))
    app.record_follow_up(case_id, by=SCHOOL, row_id=rows["school"], status="achieved", note="Klart.")
    app.record_protection(case_id, by=SOCIAL, protected=True, kind="skyddad_folkbokforing", since=date(2026, 2, 3))
    app.clock.advance(timedelta(days=40))   # past the end of a consent, and the report's moment later still
    app.record_contribution(case_id, by=POLICE, category="school", text="Ny uppgift.")
    app.record_protection(case_id, by=SOCIAL, protected=False)
    app.clock.advance(timedelta(days=3))
    return case_id


def test_the_report_made_of_the_checked_rows_is_the_report_the_applications_reads_made(app, context, monkeypatch):
    """Byte for byte: the report folded once from the rows the ledger's check read, and the report as it was made
    of the application's four reads of the case (the case as it stands, its facts, its disclosure log, its history)."""
    case_id = _realistic_case(app)
    context.seal_ledger()
    cases = context.cases
    read = cases.report_read(case_id)
    stored, access_checked = cases.report_checks(read)
    verification = context.verify_ledger()[0]
    made = dict(agreement=stored.agreement, stored_rows=len(stored.rows), access_checked=access_checked,
                made_by=Preparer("ivo", True, "Tillsyn 17/2026"))
    arguments = (app, case_id, verification, app.clock.now(), context.fact_ids.of(case_id), None, stored.replaced)
    once = case_report(*arguments, **made, history=read.history)
    monkeypatch.setattr(report, "as_it_stands", lambda app, case_id, history: (
        app.get_case(case_id), app.all_facts(case_id), app.disclosures(case_id)))
    assert case_report(*arguments, **made, history=lambda: app.history(case_id)) == once
    assert stored.agreement.agrees and "<h2 id=timeline-heading>Tidslinje</h2>" in once and "Ny uppgift." in once
    assert "återkallat" in once and "Skyddade personuppgifter" in once, once


def test_an_erased_cases_report_is_refused_from_its_one_read_before_it_is_logged(client, users, tick, context,
                                                                                   settings, app, monkeypatch):
    """The report's one read decoded after the read was logged: the API's and the web's report of an erased case
    logged a read of it and then answered 404 (the replay and the disclosures refuse it before logging, and
    `sigill audit report` refused it from a read of its own before).  Refused from the same read, before it is
    logged: nothing of the case is read to an auditor, and the young person's record says nothing was."""
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    app.keystore.destroy(UUID(case_id))
    access_log = context.cases.access_log
    before = len(access_log.extract(UUID(case_id)))
    with _reads_of(monkeypatch, case_id) as reads:
        answered = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert answered.status_code == 404 and answered.json()["error"]["code"] == "case_erased", answered.text
    assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], reads
    shown = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/rapport")
    assert shown.status_code == 404 and "<h2 id=timeline-heading>Tidslinje</h2>" not in shown.text
    assert len(access_log.extract(UUID(case_id))) == before
