"""One case's stored data key damaged (a bit flipped in its row): the API and the web say that this case's key is
damaged, with a 409 and what the operator does — not a 500, not "the access log is down" (the reader's name is
sealed under the case's key, so the access log's write is where it is first found) — and every other case reads."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.web.app import mount_web
from tests.integration.api.flows import ok, open_case, school_consented_case
from tests.integration.api.skew import signed_in


def _damage_key(postgres, app, case_id: str) -> None:
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = set_byte(wrapped_key, 5, get_byte(wrapped_key, 5) # 1)"
                     " WHERE aggregate_id = %s", (case_id,))
    app.keystore._cache.forget_keys()   # as a restarted server: the key is read from its row again


def test_a_damaged_data_key_is_named_as_that_case_s_by_the_api_and_the_web(client, users, tick, app, context,
                                                                             postgres, settings):
    damaged, _ = school_consented_case(client, users, tick)
    other, _ = school_consented_case(client, users, tick)
    _damage_key(postgres, app, damaged)
    for path in (f"/api/v1/cases/{damaged}", f"/api/v1/audit/cases/{damaged}/disclosures"):
        headers = users.auditor if "/audit/" in path else users.social
        answer = client.get(path, headers=headers)
        assert answer.status_code == 409, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "data_key_damaged" and "restores the key from a backup" in error["message"]
    assert client.get(f"/api/v1/cases/{other}", headers=users.social).status_code == 200
    web = create_api(context)
    mount_web(web, context, settings)
    caseworker = signed_in(TestClient(web, raise_server_exceptions=False), "soc-0180")
    page = caseworker.get(f"/arenden/{damaged}")
    assert page.status_code == 409 and "Ärendets lagrade nyckel är skadad" in page.text
    assert caseworker.get(f"/arenden/{other}").status_code == 200


def test_a_damaged_key_of_a_case_the_views_have_not_taken_in_leaves_the_lists_answering(client, users, app, postgres,
                                                                                          caplog):
    """A case list is caught up before it answers; the views may skip no event, so they wait at the damaged case's
    — and the list of every case answered 409 "this case's key is damaged".  Now the list answers as the views
    stand (behind, as while the follower is slow), and the log says which case holds them."""
    listed = open_case(client, users)
    assert any(c["case_id"] == listed for c in ok(client.get("/api/v1/cases", headers=users.social))["cases"])
    damaged = open_case(client, users)   # not yet in the views: no list has been read since
    _damage_key(postgres, app, damaged)
    answer = client.get("/api/v1/cases", headers=users.social)
    assert answer.status_code == 200 and any(c["case_id"] == listed for c in answer.json()["cases"])
    assert f"the data key of case {damaged} is damaged" in caplog.text


def test_a_list_showing_a_case_with_a_damaged_key_answers_and_logs_its_read_without_the_readers_name(
        client, users, tick, app, context, postgres, settings):
    """A case list is a read of every case it shows, and the reader's name is sealed under each case's key: one
    damaged key failed the municipality's list — and every read committed in the same batch.  Now the list answers
    (the case's row is in the views, plaintext), its read logged with who, agency, what and when, without the
    reader's name and purpose; opening the case still says its key is damaged."""
    damaged, _ = school_consented_case(client, users, tick)
    other, _ = school_consented_case(client, users, tick)
    ok(client.get("/api/v1/cases", headers=users.social))   # both in the views
    _damage_key(postgres, app, damaged)
    listed = ok(client.get("/api/v1/cases", headers=users.social))
    assert {c["case_id"] for c in listed["cases"]} == {damaged, other}
    with psycopg.connect(postgres.conninfo()) as conn:
        logged = conn.execute("SELECT case_id::text, what, details FROM sigill_access_log ORDER BY seq DESC LIMIT 2"
                              ).fetchall()
    by_case = {case_id: (what, bytes(details)) for case_id, what, details in logged}
    assert by_case[damaged] == ("case_list", b"") and by_case[other][0] == "case_list" and by_case[other][1]
    web = create_api(context)
    mount_web(web, context, settings)
    caseworker = signed_in(TestClient(web, raise_server_exceptions=False), "soc-0180")
    assert caseworker.get("/arenden").status_code == 200
    assert client.get(f"/api/v1/cases/{damaged}", headers=users.social).status_code == 409


def test_the_auditors_access_log_shows_a_damaged_key_cases_reads_without_their_sealed_details(
        client, users, tick, app, postgres):
    """The reader's name and purpose of each entry are sealed under its case's key: one entry of a case whose key was
    damaged after it was read failed the auditor's whole page of the access log (every case's reads on it)."""
    damaged, _ = school_consented_case(client, users, tick)
    other, _ = school_consented_case(client, users, tick)
    for case_id in (damaged, other):
        ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    _damage_key(postgres, app, damaged)
    page = ok(client.get("/api/v1/audit/access-log", headers=users.auditor))
    names = {(r["case_id"], r["what"]): r["reader_name"] for r in page["records"]}
    assert names[(damaged, "timeline")] == "(nyckeln skadad)"
    assert names[(other, "timeline")] not in ("", "(nyckeln skadad)")


def test_a_damaged_key_is_told_only_to_those_who_may_know_of_the_case_and_is_no_such_case_to_anyone_else(
        client, users, tick, app, postgres):
    """The key is met before anyone is placed in the case (placing needs its events), so "this case's key is damaged"
    went to whoever asked: a school of Malmö trying Stockholm's case numbers one by one was told which of them are
    taken and damaged, where every other number it tried, and every case it is not in, is no such case (a red team,
    2026-12-05).  It is told to an auditor, social services of the case's municipality and a member whose case list
    shows the case; to anyone else the case answers as one never opened."""
    damaged, _ = school_consented_case(client, users, tick)   # the school and the police in the group
    ok(client.get("/api/v1/cases", headers=users.social))      # the views take the case in
    number = "0180-2026-0001"
    assert ok(client.get(f"/api/v1/cases/by-number/{number}", headers=users.social))["case_id"] == damaged
    _damage_key(postgres, app, damaged)
    never = "00000000-0000-4000-8000-000000000000"
    outsiders = {"a school of another municipality": users.headers("skola", "member", municipality="1280"),
                 "an agency not in the group": users.headers("bup", "member"),
                 "social services of another municipality": users.headers("socialtjanst", "caseworker",
                                                                          municipality="1280")}
    for who, headers in outsiders.items():
        for taken, unknown in ((f"/api/v1/cases/by-number/{number}", "/api/v1/cases/by-number/0180-2026-0099"),
                               (f"/api/v1/cases/{damaged}", f"/api/v1/cases/{never}"),
                               (f"/api/v1/cases/{damaged}/plan", f"/api/v1/cases/{never}/plan")):
            answer, reference = client.get(taken, headers=headers), client.get(unknown, headers=headers)
            assert (answer.status_code, answer.json()) == (reference.status_code, reference.json()) == (
                404, reference.json()), (who, taken, answer.text)
        note = {"category": "school", "text": "Närvaro."}
        written = client.post(f"/api/v1/cases/{damaged}/contributions", headers=headers, json=note)
        reference = client.post(f"/api/v1/cases/{never}/contributions", headers=headers, json=note)
        assert (written.status_code, written.json()) == (reference.status_code, reference.json()), (who, written.text)
    for who, headers in {"social services": users.social, "the school, a member": users.school}.items():
        answer = client.get(f"/api/v1/cases/{damaged}", headers=headers)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "data_key_damaged", (who, answer.text)
    assert client.get(f"/api/v1/cases/by-number/{number}", headers=users.social).status_code == 409
    assert client.get(f"/api/v1/audit/cases/{damaged}/facts", headers=users.auditor).status_code == 409
