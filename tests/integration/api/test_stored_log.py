"""The stored disclosure log — what the agencies' feeds carried — is held to the log the events give, for auditors:
the API's disclosures answer and the web client's utlämnandelogg say whether the two agree."""

from __future__ import annotations

from uuid import UUID, uuid4

import psycopg
from fastapi.testclient import TestClient

from domain.disclosure import RULES_VERSION
from services.api.app import create_api
from services.bootstrap import build_application, build_view_runner
from services.web.app import mount_web
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import signed_in
from tests.integration.api.test_authorisation_matrix import withdraw_young_persons_consent
from tests.integration.test_replaced_log_held import SCHOOL_AS_SCHOOL, catch_up_under_another_catalogue


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
    assert mistyped.status_code == 422 and "Ingen aktör heter ”skolan”" in mistyped.text
    assert "lämnades ut" not in mistyped.text   # not every agency's log instead

    with psycopg.connect(postgres.conninfo()) as conn:   # one stored row says the school saw a fact by law
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # as its owner may: the trigger off
        conn.execute("UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE id ="
                     " (SELECT min(id) FROM disclosure_log WHERE case_id = %s AND agency = 'skola')", (case_id,))
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    altered = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))["stored_log"]
    assert not altered["agrees"] and altered["only_stored"] == 1 and altered["only_replayed"] == 1
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"})
    assert page.status_code == 200 and "skiljer sig från ärendets händelser: 1 rad finns bara i den" in page.text

    # A rebuild writes the log again from the events, and keeps the one it replaces: the altered row is still on
    # record as what the school's feed carried, and named as a difference from today's log.
    client.app.state.context.cases.lists.runner.rebuild()
    answer = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))
    assert answer["stored_log"]["agrees"]
    [replaced] = answer["replaced_logs"]
    assert replaced["rules_version"] == RULES_VERSION and len(replaced["rows"]) == answer["stored_log"]["compared"]
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
    # Built under today's rules, the replaced log is held to the events: the altered row is one they do not give.
    assert page.text.count("den ersatta loggen – händelserna ger den inte</td>") == 1
    assert page.text.count("dagens logg</td>") == 1
    assert "hade 1 rad om ärendet som ärendets händelser inte ger" in page.text
    differences = page.text.split("Skillnader mot den ersatta loggen")[1].split("</table>")[0]
    assert differences.count("<code>v") == 2   # each fact by its event version and public id, as in the table
    assert then["fact_id"] in differences


def test_auditors_read_the_stored_log_row_by_row_also_of_an_erased_case(client, users, tick, context, settings):
    """What the agencies' feeds carried, as stored — the command line's `views log` over HTTP — and, for an erased
    case, the only record left of it: its rows stay (no content), with nothing to hold them to."""
    case_id, _ = school_consented_case(client, users, tick)
    path = f"/api/v1/audit/cases/{case_id}/stored-log"
    read = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))
    assert not read["erased"] and read["stored_log"]["agrees"] and read["replaced_logs"] == []
    assert len(read["rows"]) == read["stored_log"]["compared"] > 0
    assert all(r["agency"] == "skola" and r["feed"].startswith("skola") and r["seq"] >= 1 for r in read["rows"])
    assert [r["seq"] for r in read["rows"]] == sorted(r["seq"] for r in read["rows"])   # in the order written
    assert client.get(path, headers=users.school).status_code == 403
    assert client.get(f"/api/v1/audit/cases/{uuid4()}/stored-log", headers=users.auditor).status_code == 404
    assert client.get(path, headers=users.auditor, params={"agency": "skolan"}).status_code == 422

    runner = client.app.state.context.cases.lists.runner
    runner.app.keystore.destroy(UUID(case_id))   # the views' own key store: a running worker's waits for its cache
    runner.rebuild()   # before the follower's round: the rebuilt log holds nothing of the case
    assert runner.store.record_erasures() > 0   # the follower's round: the school is told, from the replaced log
    erased = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))
    assert erased["erased"] and erased["stored_log"] is None
    assert [(r["change"], r["fact_id"]) for r in erased["rows"]] == [("erased", "case.erased")]
    [replaced] = erased["replaced_logs"]   # what the school was sent before, still on record
    assert [r["fact_id"] for r in replaced["rows"]] == [r["fact_id"] for r in read["rows"]]
    assert len(replaced["only_replaced"]) == len(read["rows"])
    # The key was destroyed before the rebuild, and the replaced log had not yet told the school: today's has.
    assert [r["change"] for r in replaced["only_current"]] == ["erased"]

    # The web client too: the auditor's start page lists the erased case, and its utlämnandelogg shows the rows.
    web = create_api(context)
    mount_web(web, context, settings)
    auditor = signed_in(TestClient(web, raise_server_exceptions=False), "ivo")
    home = auditor.get("/granskning").text
    assert "Gallrade ärenden" in home and f"/granskning/arenden/{case_id}/utlamnanden" in home
    page = auditor.get(f"/granskning/arenden/{case_id}/utlamnanden", params={"myndighet": "skola"})
    assert page.status_code == 200 and "Ärendet är gallrat" in page.text and "Ärende (gallrat)" in page.text
    assert "raderat" in page.text and "Utlämnandeloggen byggdes om" in page.text
    assert f'href="/granskning/arenden/{case_id}/rapport"' not in page.text   # nothing to report from its events


def test_a_rebuilds_end_of_what_older_rules_showed_is_held_to_the_replaced_log(client, users, tick, postgres):
    """The end a rebuild writes for what the replaced log left visible comes from no event: the stored-log check
    holds it to the replaced log, and names it when it is missing."""
    from tests.integration.test_agency_views import never_shown, shown_by_older_rules

    case_id, _ = school_consented_case(client, users, tick)
    runner = client.app.state.context.cases.lists.runner
    runner.catch_up()
    hidden = never_shown(runner, UUID(case_id), "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    runner.rebuild()
    assert runner.rules_ended == 1
    path = f"/api/v1/audit/cases/{case_id}/stored-log"
    read = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))
    assert read["stored_log"]["agrees"], read["stored_log"]
    [end] = [r for r in read["rows"] if r["cause"] == [{"what": "rules_changed", "consent_ids": [], "agency": None}]]
    assert end["change"] == "ended" and end["basis"]["consent_ids"] == ["c-old"]

    with psycopg.connect(postgres.conninfo()) as conn:   # the end taken away: the consumer would keep the fact
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # as its owner may: the trigger off
        conn.execute("DELETE FROM disclosure_log WHERE case_id = %s AND cause @> '[{\"what\": \"rules_changed\"}]'",
                     (case_id,))
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    check = ok(client.get(path, headers=users.auditor, params={"agency": "skola"}))["stored_log"]
    assert not check["agrees"] and check["only_replayed"] == 1 and check["only_stored"] == 0


# A log a rebuild replaced under today's rules is held to the events (``stored_log.not_given``): the auditor's page
# says which replaced logs were held, or built under other rules, and warns of rows the events do not give.

def _auditors_page(context, settings, case_id: str, **params: str) -> str:
    web = create_api(context)
    mount_web(web, context, settings)
    page = signed_in(TestClient(web, raise_server_exceptions=False), "ivo").get(
        f"/granskning/arenden/{case_id}/utlamnanden", params=params)
    assert page.status_code == 200, page.text
    return page.text


def test_the_page_warns_of_rows_the_application_role_added_before_a_rebuild_kept_them(client, users, tick, context,
                                                                                      postgres, settings):
    """A disclosure to the school never made, and a rebuild's end of a fact never shown to it, INSERTed into the live
    log (as the application's role may), then a rebuild: today's log agrees with the events, the replaced one —
    built under today's rules — does not, and the page says so at the top and at its rows."""
    from tests.integration.test_agency_views import never_shown, shown_by_older_rules
    from tests.integration.test_replaced_log_held import a_rules_end_made_up

    case_id, _ = school_consented_case(client, users, tick)
    runner = context.cases.lists.runner
    runner.catch_up()
    made_up = never_shown(runner, UUID(case_id), "skola")
    shown_by_older_rules(postgres, case_id, "skola", made_up)
    a_rules_end_made_up(postgres, case_id, "skola", never_shown(runner, UUID(case_id), "skola"))
    runner.rebuild()

    for params in ({}, {"myndighet": "skola"}):
        page = _auditors_page(context, settings, case_id, **params)
        assert "stämmer med ärendets händelser" in page   # today's log: the made-up end written again, founded
        assert ('id="replaced-not-given">Varning: en utlämnandelogg som byggdes om under dagens regler hade 2 rader'
                " om ärendet som ärendets händelser inte ger.") in page
        assert ("Den byggdes under dagens regler, och 2 av dess rader ger händelserna inte (märkta ”händelserna ger"
                " den inte” nedan).") in page
        assert page.count("<td>den ersatta loggen – händelserna ger den inte</td>") == 1   # the made-up disclosure
        assert page.count("<td>båda loggarna – händelserna ger den inte (ingen tidigare logg visade uppgiften)</td>") \
            == 1   # the made-up end, which the rebuild wrote again
        assert '<p class="notice bad">Utlämnandeloggen byggdes om' in page
    assert "Varning" not in _auditors_page(context, settings, case_id, myndighet="polis")   # not the police's rows


def test_the_page_says_which_replaced_logs_were_held_and_which_built_under_other_rules(client, users, tick, context,
                                                                                      postgres, settings):
    case_id, _ = school_consented_case(client, users, tick)
    runner = context.cases.lists.runner
    runner.catch_up()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE view_rules SET version = %s", (RULES_VERSION - 1,))
    runner.rebuild()   # replaces the log older rules built
    tick()
    runner.rebuild()   # replaces the one built under today's
    page = _auditors_page(context, settings, case_id)
    older, today = page.split("Utlämnandeloggen byggdes om")[1:3]
    assert "Den byggdes under andra regler än dagens och kan inte hållas mot händelserna." in older.split("</p>")[0]
    assert "Den byggdes under dagens regler och stämmer med händelserna." in today.split("</p>")[0]
    assert "Varning" not in page and 'class="notice bad"' not in page


def test_the_api_names_no_rows_not_given_of_an_erased_cases_replaced_log(client, users, tick):
    """A log replaced under today's rules of a case erased since has nothing to be held to — its rows are simply no
    longer in today's log — so `not_given` (a finding) is empty, as the web and `views log` say nothing of it."""
    case_id, _ = school_consented_case(client, users, tick)
    path = f"/api/v1/audit/cases/{case_id}/stored-log"
    runner = client.app.state.context.cases.lists.runner
    runner.catch_up()
    runner.app.keystore.destroy(UUID(case_id))
    runner.rebuild()   # the rebuilt log holds nothing of the case: the replaced one's rows are all its own
    erased = ok(client.get(path, headers=users.auditor))
    assert erased["erased"] and erased["stored_log"] is None
    [replaced] = erased["replaced_logs"]
    assert replaced["held"] and replaced["only_replaced"]
    assert replaced["not_given"] == []


def test_a_log_replaced_under_another_catalogue_is_beyond_holding_in_the_api_and_on_the_page(
        client, users, tick, context, postgres, settings, tmp_path):
    """Views built by a process under another agency catalogue (the school's membership told as `school`), then
    rebuilt under today's, the rules' version the same: the replaced log's rows are not what the events give under
    today's catalogue, and were a lasting finding (`not_given`, the page's warning).  Now beyond holding, and said so;
    the log replaced before, built under today's catalogue, is held."""
    case_id, _ = school_consented_case(client, users, tick)
    runner = context.cases.lists.runner
    runner.catch_up()
    other = tmp_path / "other-catalogue.toml"
    other.write_text(SCHOOL_AS_SCHOOL)
    elsewhere = settings.model_copy(update={"catalogue": other})
    app = build_application(elsewhere, clock=runner.app.clock, location=postgres)
    built = build_view_runner(app, elsewhere, postgres)
    try:
        built.rebuild()   # replaces the log built under today's catalogue, and builds one under the other
    finally:
        built.close()
        built.store.close()
        app.close()
    tick()
    runner.rebuild()   # replaces the log the other catalogue built
    answer = ok(client.get(f"/api/v1/audit/cases/{case_id}/stored-log", headers=users.auditor))
    assert answer["stored_log"]["agrees"]
    first, second = answer["replaced_logs"]
    assert second["only_replaced"]   # the rows the other catalogue gave: no finding
    assert second["not_given"] == [] and not second["held"] and first["held"]
    assert second["beyond_holding"] == "other_catalogue" and first["beyond_holding"] is None
    assert second["catalogue"] == app.catalogue.digest != runner.app.catalogue.digest == first["catalogue"]
    assert ok(client.get("/api/v1/catalogue", headers=users.auditor))["digest"] == first["catalogue"]
    page = _auditors_page(context, settings, case_id)
    assert "Varning" not in page and 'class="notice bad"' not in page
    older, later = page.split("Utlämnandeloggen byggdes om")[1:3]
    assert "Den byggdes under dagens regler och stämmer med händelserna." in older.split("</p>")[0]
    assert ("Den byggdes under dagens regler men under en annan aktörskatalog än dagens och kan inte hållas mot"
            " händelserna.") in later.split("</p>")[0]


def test_a_log_written_under_two_catalogues_is_said_to_be_so_in_the_api_and_on_the_page(
        client, users, tick, context, postgres, settings, tmp_path):
    """Views caught up under today's catalogue, then written too by a process under another (`mixed`), then rebuilt:
    the replaced log is beyond holding as written under more than one catalogue — not as built under another than
    today's, which some of its rows were not (the API and the page said `other_catalogue`)."""
    case_id, consents = school_consented_case(client, users, tick)
    runner = context.cases.lists.runner
    runner.catch_up()
    withdraw_young_persons_consent(client, users, tick, case_id, consents)   # something for the other to write
    catch_up_under_another_catalogue(runner.app, settings, postgres, tmp_path)
    tick()
    runner.rebuild()
    answer = ok(client.get(f"/api/v1/audit/cases/{case_id}/stored-log", headers=users.auditor))
    [replaced] = answer["replaced_logs"]
    assert replaced["catalogue"] == "mixed" and not replaced["held"] and replaced["not_given"] == []
    assert replaced["beyond_holding"] == "mixed_catalogue"
    page = _auditors_page(context, settings, case_id)
    said = page.split("Utlämnandeloggen byggdes om")[1].split("</p>")[0]
    assert ("Den skrevs under dagens regler men under mer än en aktörskatalog och kan inte hållas mot händelserna."
            in said)
    assert "en annan aktörskatalog än dagens" not in page
