"""A disclosure log a rebuild replaced under today's rules, held to the events as today's log is.

The application's role writes the live log: rows it INSERTs there, kept by a rebuild of its own into the replaced
log, were "what the feeds carried" — a made-up disclosure, or a rebuild's end of a fact never shown, which the next
rebuild writes again and so "founds" — while the rebuilt log agreed with the events and no check saw them.  A
replaced log built under the rules of today is what the events give up to its position, so such rows are a finding;
an honest rebuild (again, after calendar moments, an erasure, renewed ids, a change of the rules) raises none."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg

from domain.disclosure import RULES_VERSION
from services.stored_log import not_given, replaced_logs
from tests.integration.test_agency_views import busy_case, never_shown, shown_by_older_rules
from tests.integration.test_backup_restore import cli
from tests.integration.test_build_finish import agreement
from tests.integration.test_cli import sigill
from tests.integration.test_tamper_follow_up_2026_12_06 import app_role, installation  # noqa: F401 - a fixture
from tests.integration.test_tamper_red_team_2026_12_06 import CASE
from tests.builders import utc
from tests.service_behaviour import school_consented_until


def held(app, store, case_id):
    """The case's stored log held to its events, and its replaced logs that hold rows the events do not give."""
    checked = agreement(app, store, case_id)
    rows = store.disclosure_log(case_id)
    logs = replaced_logs(store.replacements(), store.replaced_log(case_id), rows)
    return checked, logs, not_given(checked, logs)


def a_rules_end_made_up(location, case_id, agency: str, fact, event_id: str = "gen_random_uuid()") -> None:
    """A rebuild's end (cause ``rules_changed``) of a fact the agency was never shown, as the application's role
    may INSERT it into the live log (``event_id``: SQL for its id)."""
    app_role(location,
             "INSERT INTO disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at,"
             " notification_id, event_id, cause, feed, seq) SELECT %s, %s, %s, %s, %s, 'ended', '{\"kind\":"
             " \"consent\", \"consent_ids\": [\"c-old\"], \"legal_basis\": null}', %s, max(notification_id),"
             f" {event_id},"
             " '[{\"what\": \"rules_changed\"}]', %s, max(seq) + 1 FROM disclosure_log WHERE feed = %s",
             params=(case_id, agency, fact.fact_id, fact.kind, fact.category, fact.recorded_at, f"{agency}.0180",
                     f"{agency}.0180"))


def a_school_row_made_up(location, case_id, fact, change: str, cause: str) -> None:
    """A row for the school the rules never wrote (``fact``: another agency's row's fact id, kind, category and
    moment), INSERTed at the end of its feed as the application's role may."""
    app_role(location,
             "INSERT INTO disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at,"
             " notification_id, event_id, cause, feed, seq) SELECT %s, 'skola', %s, %s, %s, %s, '{\"kind\":"
             " \"consent\", \"consent_ids\": [\"c-old\"], \"legal_basis\": null}', %s, max(notification_id),"
             " gen_random_uuid(), jsonb_build_array(jsonb_build_object('what', %s::text)), feed, max(seq) + 1"
             " FROM disclosure_log WHERE agency = 'skola' GROUP BY feed",
             params=(case_id, *fact[:3], change, fact[3], cause))


def test_honest_rebuilds_keep_replaced_logs_the_events_give(app, runner, postgres):
    """Twice in a row, after calendar moments, with an erased case, with renewed ids: every replaced log of a live
    case is built under today's rules, and equals today's log up to its position — nothing to find."""
    busy, dated = busy_case(app), school_consented_until(app, date(2026, 2, 28))
    erased = busy_case(app)
    runner.catch_up()
    app.clock.set(utc(2026, 3, 1, 7))
    assert runner.keep_calendar() >= 2   # the consents' ends, recorded as facts
    app.keystore.destroy(erased)
    for renew in (False, False, True):
        app.clock.advance(timedelta(days=1))
        runner.rebuild(renew_ids=renew)
        for case_id in (busy, dated):
            checked, logs, found = held(app, runner.store, case_id)
            assert checked.agrees and found == []
            assert logs and all(log.held and not log.only_replaced and not log.only_current and not log.unfounded
                                for log in logs)
    assert runner.store.disclosure_log(erased) == []   # the erased case's log: in the replaced ones only


def test_a_rebuild_under_new_rules_and_its_ends_raise_nothing_after_another_rebuild(app, runner, postgres):
    """A log older rules wrote (a fact shown that today's rules do not show) is replaced under its own version: not
    held.  The rebuild's end of that fact, kept by the next rebuild under today's rules, is founded by it."""
    case_id = busy_case(app)
    runner.catch_up()
    hidden = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", hidden)
    app_role(postgres, "UPDATE view_rules SET version = %s", params=(RULES_VERSION - 1,))
    runner.rebuild()
    assert runner.rules_ended == 1
    app.clock.advance(timedelta(days=1))
    runner.rebuild()
    checked, (older, today), found = held(app, runner.store, case_id)
    assert checked.agrees and found == []
    assert not older.held and older.only_replaced and older.not_given == []   # what older rules showed: no finding
    assert today.held and not today.unfounded and not today.only_replaced


def test_rows_the_application_role_added_to_the_log_before_a_rebuild_are_found_in_the_replaced_log(
        app, runner, postgres):
    """A disclosure never made, and a rebuild's end of a fact never shown, INSERTed into the live log: the rebuild
    keeps them, writes the made-up end again (and ends the made-up disclosure), and today's log agrees with the
    events — the replaced log, built under today's rules, does not, and says which rows; so does the next."""
    case_id = busy_case(app)
    runner.catch_up()
    shown, ended = never_shown(runner, case_id, "skola"), never_shown(runner, case_id, "socialtjanst")
    shown_by_older_rules(postgres, case_id, "skola", shown)
    a_rules_end_made_up(postgres, case_id, "socialtjanst", ended)
    assert not agreement(app, runner.store, case_id).agrees   # in the live log, the check sees them
    runner.rebuild()
    checked, [replaced], found = held(app, runner.store, case_id)
    assert checked.agrees   # the rebuilt log: the made-up end written again, founded by the copy
    assert found == [replaced] and replaced.held
    assert sorted((k[2], k[5]) for k in replaced.not_given) == sorted([(shown.fact_id, "disclosed"),
                                                                      (ended.fact_id, "ended")])
    app.clock.advance(timedelta(days=1))
    runner.rebuild()   # kept again: the first copy still tells, the second holds only founded ends
    checked, [first, second], found = held(app, runner.store, case_id)
    assert checked.agrees and found == [first] and len(first.not_given) == 2 and second.not_given == []


def test_a_made_up_end_without_an_event_id_stops_no_build_and_is_found(app, runner, postgres):
    """Such an end added with no event id, kept by a rebuild: the build's end writes it again under an id made anew
    (it stopped every later build with an AttributeError), and the replaced log says it is not the events'."""
    case_id = busy_case(app)
    runner.catch_up()
    ended = never_shown(runner, case_id, "socialtjanst")
    a_rules_end_made_up(postgres, case_id, "socialtjanst", ended, event_id="NULL")
    runner.rebuild()
    app.clock.advance(timedelta(days=1))
    runner.rebuild()   # the first replaced log's end, in the same generation, written again by this build's end
    checked, [first, second], found = held(app, runner.store, case_id)
    assert checked.agrees and found == [first] and [(k[2], k[5]) for k in first.not_given] == [(ended.fact_id, "ended")]
    ends = [r for r in runner.store.disclosure_log(case_id) if r["fact_id"] == ended.fact_id]
    assert ends and all(r["event_id"] is not None for r in ends)


def test_the_insiders_rows_are_a_finding_of_the_report_and_views_log(installation):  # noqa: F811 - the fixture
    """As the application's role: rows INSERTed into the live log, then `sigill views rebuild`. The supervisor's
    report warns at the top and exits 1; `views log` exits 1.  Before, after an honest rebuild, both said nothing."""
    env, location, case_id = installation
    assert sigill("views", "rebuild", env=env).returncode == 0
    honest = sigill("audit", "report", "--case", CASE, "--out", "-", env=env)
    assert honest.returncode == 0, honest.stderr
    assert "Varning" not in honest.stdout and "Den byggdes under dagens regler och stämmer med händelserna." in honest.stdout
    assert sigill("views", "log", "--case", CASE, env=env).returncode == 0

    with psycopg.connect(location.conninfo()) as conn:
        skola = {r[0] for r in conn.execute("SELECT fact_id FROM disclosure_log WHERE case_id = %s AND agency ="
                                             " 'skola'", (case_id,))}
        fact = conn.execute("SELECT fact_id, kind, category, at FROM disclosure_log WHERE case_id = %s AND agency ="
                            " 'polis' AND change = 'disclosed' AND NOT (fact_id = ANY(%s)) LIMIT 1",
                            (case_id, list(skola))).fetchone()
    assert fact is not None
    a_school_row_made_up(location, case_id, fact, "ended", "rules_changed")
    assert sigill("views", "rebuild", env=env).returncode == 0

    log = sigill("views", "log", "--case", CASE, env=env)
    assert log.returncode == 1, log.stdout + log.stderr
    assert "Loggen stämmer med ärendets händelser" in log.stdout   # today's log: the end written again, founded
    assert "  i båda, ogrundat slut: " in log.stdout   # in both logs, not "only in the replaced one"
    assert "En ersatt logg byggd under dagens regler har 1 rad som ärendets händelser inte ger" in log.stderr
    report = sigill("audit", "report", "--case", CASE, "--out", "-", env=env)
    assert report.returncode == 1, report.stderr
    assert ("Varning: en utlämnandelogg som byggdes om under dagens regler hade 1 rad om ärendet som ärendets"
            " händelser inte ger.") in report.stdout
    assert "en ersatt utlämnandelogg byggd under dagens regler har 1 rad som" in report.stderr
    assert "<td>båda loggarna (ett slut efter en ombyggnad som ingen tidigare logg grundar)</td>" in report.stdout
    assert ("1 av dess rader ger händelserna inte. Den är märkt ”den ersatta” nedan, utom en ombyggnads slut av en"
            " uppgift som ingen tidigare logg visade: ombyggnaden efter skrev det på nytt, så det är märkt ”båda"
            " loggarna (ett slut efter en ombyggnad som ingen tidigare logg grundar)”.") in report.stdout


# The school's membership told as `school`, not the case's administration: a catalogue that changes the log's rows
# (the membership facts' category) under the same rules' version.
SCHOOL_AS_SCHOOL = '[[agencies]]\nid = "skola"\nname = "Skolan"\nmembership_category = "school"\n'


def test_a_log_replaced_under_another_catalogue_is_beyond_holding_and_one_under_the_same_is_held(installation,
                                                                                               tmp_path):  # noqa: F811
    """The installation's catalogue changed (`SIGILL_CATALOGUE`) and the views rebuilt, the rules' version the same:
    the replaced log holds rows the events no longer give under today's catalogue, as the catalogue then gave them —
    no finding (it was a lasting one), said to be beyond holding.  Rebuilt again under the same catalogue, the log
    it replaces is held: a row made up in it is still a finding."""
    env, location, case_id = installation
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(SCHOOL_AS_SCHOOL)
    changed = {**env, "SIGILL_CATALOGUE": str(catalogue)}
    assert sigill("views", "rebuild", env=changed).returncode == 0

    report = sigill("audit", "report", "--case", CASE, "--out", "-", env=changed)
    assert report.returncode == 0, report.stderr
    assert "Varning" not in report.stdout
    assert ("Den byggdes under dagens regler men under en annan aktörskatalog än dagens och kan inte hållas mot"
            " händelserna.") in report.stdout
    assert "<td>den ersatta</td>" in report.stdout   # the rows the catalogue then gave: a difference, no finding
    log = sigill("views", "log", "--case", CASE, env=changed)
    assert log.returncode == 0, log.stdout + log.stderr
    assert "Loggen stämmer med ärendets händelser" in log.stdout
    assert ("Den byggdes under dagens regler men under en annan aktörskatalog än dagens och kan inte hållas mot"
            " händelserna.") in log.stdout and "  bara i den ersatta: " in log.stdout

    with psycopg.connect(location.conninfo()) as conn:
        fact = conn.execute("SELECT fact_id, kind, category, at FROM disclosure_log WHERE case_id = %s AND agency ="
                            " 'polis' AND change = 'disclosed' AND NOT (fact_id = ANY(SELECT fact_id FROM"
                            " disclosure_log WHERE case_id = %s AND agency = 'skola')) LIMIT 1",
                            (case_id, case_id)).fetchone()
    assert fact is not None
    a_school_row_made_up(location, case_id, fact, "disclosed", "consent_granted")   # a disclosure never made
    assert sigill("views", "rebuild", env=changed).returncode == 0
    report = sigill("audit", "report", "--case", CASE, "--out", "-", env=changed)
    assert report.returncode == 1, report.stderr
    assert ("Varning: en utlämnandelogg som byggdes om under dagens regler hade 1 rad om ärendet som ärendets"
            " händelser inte ger.") in report.stdout
    assert "en annan aktörskatalog" in report.stdout   # the first replaced log still
    log = sigill("views", "log", "--case", CASE, env=changed)
    assert log.returncode == 1, log.stdout + log.stderr
    assert "En ersatt logg byggd under dagens regler har 1 rad som ärendets händelser inte ger" in log.stderr


def test_views_written_under_two_catalogues_are_recorded_so_and_their_log_is_beyond_holding(app, runner, postgres,
                                                                                          settings, tmp_path,
                                                                                          master_key):
    """Views recorded under no catalogue (built before it was recorded) take the first writer's; a process under
    another catalogue that writes them too marks them as of more than one, and the log a rebuild replaces from them is
    beyond holding — though the catalogue is today's again, some of its rows were written under the other.  Said as
    what it is: written under more than one catalogue, not built under another than today's (it said that)."""
    from services.stored_log import standing

    case_id = busy_case(app)
    runner.catch_up()
    app_role(postgres, "UPDATE view_rules SET catalogue = NULL")   # as views built before 2026-12-06
    school_consented_until(app, date(2026, 6, 30))   # something to write
    runner.catch_up()
    assert app_role(postgres, "SELECT catalogue FROM view_rules") == [(app.catalogue.digest,)]
    school_consented_until(app, date(2026, 6, 30))
    catch_up_under_another_catalogue(app, settings, postgres, tmp_path)
    assert app_role(postgres, "SELECT catalogue FROM view_rules") == [("mixed",)]
    runner.rebuild()
    assert app_role(postgres, "SELECT catalogue FROM view_rules") == [(app.catalogue.digest,)]
    rows = runner.store.disclosure_log(case_id)
    [replaced] = replaced_logs(runner.store.replacements(), runner.store.replaced_log(case_id), rows,
                               app.catalogue.digest)
    assert replaced.catalogue == "mixed" and not replaced.held and standing(replaced, None) == "mixed_catalogue"
    log = cli(settings, master_key, postgres, "views", "log", "--case", str(case_id))
    assert log.returncode == 0, log.stdout + log.stderr
    assert ("Den skrevs under dagens regler men under mer än en aktörskatalog och kan inte hållas mot händelserna."
            in log.stdout) and "en annan aktörskatalog än dagens" not in log.stdout
    report = cli(settings, master_key, postgres, "audit", "report", "--case", str(case_id), "--out", "-")
    assert report.returncode == 0, report.stderr
    assert ("Den skrevs under dagens regler men under mer än en aktörskatalog och kan inte hållas mot händelserna."
            in report.stdout) and "en annan aktörskatalog än dagens" not in report.stdout


def catch_up_under_another_catalogue(app, settings, postgres, tmp_path) -> None:
    """A process beside ``app``'s, its catalogue another (the school's membership told as `school`), catches up."""
    from services.bootstrap import build_application, build_view_runner

    other = tmp_path / "other.toml"
    other.write_text(SCHOOL_AS_SCHOOL)
    elsewhere = settings.model_copy(update={"catalogue": other})
    changed = build_application(elsewhere, clock=app.clock, location=postgres)
    writer = build_view_runner(changed, elsewhere, postgres)
    try:
        writer.catch_up()
    finally:
        writer.close()
        writer.store.close()
        changed.close()


def test_a_process_under_another_catalogue_that_writes_nothing_leaves_the_views_catalogue_as_it_was(
        app, runner, postgres, settings, tmp_path):
    """A command's catch-up beside the server, its SIGILL_CATALOGUE another, that finds nothing new writes no row
    under that catalogue: the views are not marked as of more than one, and the log the next rebuild replaces is
    held to the events (it marked them 'mixed', and the log was beyond holding — a made-up row in it no finding)."""
    case_id = busy_case(app)
    runner.catch_up()
    catch_up_under_another_catalogue(app, settings, postgres, tmp_path)
    assert app_role(postgres, "SELECT catalogue FROM view_rules") == [(app.catalogue.digest,)]
    shown = never_shown(runner, case_id, "skola")
    shown_by_older_rules(postgres, case_id, "skola", shown)   # the insider's row, before a rebuild keeps it
    runner.rebuild()
    rows = runner.store.disclosure_log(case_id)
    [replaced] = replaced_logs(runner.store.replacements(), runner.store.replaced_log(case_id), rows,
                               app.catalogue.digest)
    assert replaced.held and [(k[2], k[5]) for k in replaced.not_given] == [(shown.fact_id, "disclosed")]


def test_two_first_builds_under_two_catalogues_are_recorded_as_mixed(app, runner, postgres):
    """Two processes starting the first build at once under two catalogues each recorded theirs, and the last won:
    a log they wrote together was then held to one catalogue, a false finding waiting (a review)."""
    def recorded():
        with psycopg.connect(postgres.conninfo()) as conn:
            return conn.execute("SELECT catalogue FROM view_rules").fetchone()[0]

    runner.store.set_rules_version(RULES_VERSION, building_to=1, catalogue="a" * 32)
    runner.store.set_rules_version(RULES_VERSION, building_to=1, catalogue="a" * 32)
    assert recorded() == "a" * 32   # the same catalogue twice: as it was
    runner.store.set_rules_version(RULES_VERSION)
    assert recorded() == "a" * 32   # none given: kept
    runner.store.set_rules_version(RULES_VERSION, building_to=1, catalogue="b" * 32)
    assert recorded() == "mixed"
