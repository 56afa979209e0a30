"""Where the young person's data must not rest, and what erasure must leave behind (a privacy review's findings):
the Idempotency-Key, a refused field's value, the agencies' views of an erased case — and a plan row's category,
which decides who sees the row."""

from __future__ import annotations

from uuid import UUID

import psycopg

from services.bootstrap import build_view_runner
from tests.integration.api.flows import REFERRAL, events_of, ok, school_consented_case

NAME, PNR = "Zyxwvu Qwertz", "201003142385"          # a valid personnummer: born 2010-03-14
ME = {**REFERRAL, "name": NAME, "personnummer": PNR, "summary": f"{NAME} misstänkt för rån."}


def _rows_with(postgres, needle: str) -> list[tuple[str, str]]:
    """(table, row) of every row of every table of the database that holds ``needle`` as plain text."""
    found = []
    with psycopg.connect(postgres.conninfo()) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        for table in tables:
            for (text,) in conn.execute(f'SELECT t::text FROM "{table}" t'):
                if needle.lower() in text.lower():
                    found.append((table, text[:200]))
    return found


def test_an_idempotency_key_naming_the_young_person_is_not_stored_readable(client, users, app, postgres):
    key = f"referral-{PNR}-{NAME.replace(' ', '_')}"     # a natural client choice: one referral per person
    headers = {**users.social, "Idempotency-Key": key}
    first = client.post("/api/v1/cases", json=ME, headers=headers)
    assert first.status_code == 201 and _rows_with(postgres, PNR) == []
    again = client.post("/api/v1/cases", json=ME, headers=headers)   # the retry still finds its answer
    assert again.status_code == 201 and again.json()["case_id"] == first.json()["case_id"]
    assert again.headers["idempotent-replayed"] == "true"
    app.keystore.destroy(UUID(first.json()["case_id"]))               # erasure: nothing readable either
    assert _rows_with(postgres, PNR) == []


def test_a_refused_field_is_not_said_back(client, users, tick):
    """A 422 body is kept by clients' and gateways' logs: a value that is no catalogue id is not repeated."""
    case_id, _ = school_consented_case(client, users, tick)
    refused = [
        client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
            "consenter": "young_person", "scope": [{"agency": "skola", "categories": [PNR]}], "purpose": "x",
            "valid_from": "2026-02-03", "form": "written"}),
        client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.social, json={
            "category": "case", "text": "x", "legal_basis": NAME}),
        client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
            "held_on": "2026-02-10", "attendees": [NAME]}),
    ]
    for answer in refused:
        assert answer.status_code == 422 and answer.json()["error"]["field"], answer.text
        assert PNR not in answer.text and NAME not in answer.text, answer.text
    unknown = client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.social, json={
        "category": "case", "text": "x", "legal_basis": "sol_99"})
    assert "unknown legal basis 'sol_99'" in unknown.json()["error"]["message"]   # an id's shape: said back


def test_an_erased_case_leaves_the_agencies_views_and_case_lists(client, users, tick, app, settings, postgres):
    """Erasure is no event: no batch of the views' removed the case, and its facts' kinds and times, its number,
    phase and next calendar moment (the 18th birthday: the birth date) stayed until a rebuild."""
    runner = build_view_runner(app, settings, postgres)
    try:
        case_id, _ = school_consented_case(client, users, tick)
        runner.catch_up()
        with psycopg.connect(postgres.conninfo()) as conn:
            listed = conn.execute("SELECT agency FROM view_cases WHERE case_id = %s", (case_id,)).fetchall()
        assert {"socialtjanst", "skola"} <= {r[0] for r in listed}
        assert UUID(case_id) in runner.views._cases   # the follower's fold of the case: names, personnummer
        app.keystore.destroy(UUID(case_id))
        assert UUID(case_id) not in runner.views._cases   # gone with the key, not when 5,000 other cases push it out
        assert runner.store.record_erasures() > 0
        runner.catch_up()
        with psycopg.connect(postgres.conninfo()) as conn:
            left = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE case_id = %s", (case_id,)).fetchone()[0]
                    for t in ("view_cases", "view_facts")}
            logged = conn.execute("SELECT count(*) FROM disclosure_log WHERE case_id = %s", (case_id,)).fetchone()[0]
        assert left == {"view_cases": 0, "view_facts": 0}
        assert logged > 0   # the audit record outlives erasure (README): only the views forget
        assert case_id not in {c["case_id"] for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"]}
    finally:
        runner.close()
        runner.store.close()


def test_a_plan_row_whose_area_the_catalogue_does_not_know_must_be_given_its_category(client, users, tick):
    """A row about "Psykisk hälsa" was filed under `case` and shown to every member seeing `case` (the school and
    the police saw a health row; a caseworker's review)."""
    case_id, _ = school_consented_case(client, users, tick)
    row = {"area": "Psykisk hälsa", "goal": "Utredning av ADHD.", "how": "BUP utreder.", "responsible": "BUP"}
    refused = client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social,
                          json={"main_goal": "Sluta med brott", "rows": [row]})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "body.rows.0.category"
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Sluta med brott", "rows": [{**row, "category": "health"},
                                                 {**row, "area": " skola ", "goal": "I tid."}]}), 201)
    plan = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school))
    # " skola " is the catalogue's Skola (`school`), whatever its case and spacing; the health row is not shown.
    assert [r["content"]["goal"] for r in plan["rows"]] == ["I tid."] and "ADHD" not in str(plan)


def test_a_meetings_decision_must_be_given_its_category(client, users, tick, postgres):
    """A decision sent without a category was filed under `case`, which every member seeing the case sees: "BUP
    prövar medicinering" reached the school and the police.  The web form had asked for it since 2026-12-03; the
    API defaulted.  Now the API asks too, and saves nothing until it is given."""
    case_id, _ = school_consented_case(client, users, tick)
    before = events_of(postgres, case_id)
    meeting = {"held_on": "2026-02-02", "attendees": ["skola"], "decisions": [{"text": "Nästa möte i mars."},
                                                                             {"text": "BUP prövar medicinering."}]}
    tick()
    refused = client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json=meeting)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "body.decisions.0.category"
    assert events_of(postgres, case_id) == before
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={**meeting, "decisions": [
        {"text": "Nästa möte i mars.", "category": "case"},
        {"text": "BUP prövar medicinering.", "category": "health"}]}), 201)
    seen = str(ok(client.get(f"/api/v1/cases/{case_id}/meetings", headers=users.school)))
    assert "Nästa möte i mars." in seen and "medicinering" not in seen


def test_an_erased_case_leaves_a_running_workers_memory_as_its_key_is_destroyed(client, users, tick, app, context):
    """Erasure is the key's destruction: a worker's decrypted fold of the case and its answers shaped into JSON (the
    young person's name and personnummer in the timeline) stayed in its memory — served to no one, but there for a
    core dump or a swap file — until 2,000 other cases or 4,000 other answers pushed them out (a red team,
    2026-12-04).  They go as the destruction is heard, whether anyone reads the case again or not."""
    import time

    case_id = ok(client.post("/api/v1/cases", json=ME, headers=users.social), 201)["case_id"]
    assert NAME in client.get(f"/api/v1/cases/{case_id}", headers=users.social).text
    kept = lambda: ([c for c in context.cases.judged._kept if str(c) == case_id],   # noqa: E731
                    [k for k, (*_, body) in context.answers._kept.items() if str(k[0]) == case_id or
                     NAME.encode() in body])
    assert kept() != ([], [])
    app.keystore.destroy(UUID(case_id))   # `sigill erase`: in another process, told by the key store's NOTIFY
    deadline = time.monotonic() + 2
    while kept() != ([], []) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert kept() == ([], [])
