"""`sigill audit verify` holds the auditors' index's rows (the lead agency's case list) to the events: a made-up row,
a row's number, phase or marker altered, each a change (exit 1, ids only); an erased case's row a note."""

from __future__ import annotations

from tests.integration.test_cli import sigill
from tests.integration.test_tamper_follow_up_2026_12_06 import app_role, installation  # noqa: F401 - a fixture

LEAD = "socialtjanst"
REBUILD = "`sigill views rebuild` skriver ärendelistorna på nytt ur händelserna."


def verify(env) -> tuple[int, str]:
    result = sigill("audit", "verify", env=env)
    return result.returncode, result.stdout + result.stderr


def changed(env, location, statement: str, *params) -> str:
    """The index altered as the application's role may alter it; verify finds a change (exit 1): its output."""
    app_role(location, statement, params=params)
    code, out = verify(env)
    assert code == 1, out
    return out


def test_an_honest_index_has_no_row_the_events_contradict(installation):  # noqa: F811
    env, _, _ = installation
    code, out = verify(env)
    assert code == 0, out
    assert "Granskningens ärendeindex har ingen rad som händelserna motsäger" in out


def test_a_made_up_row_in_the_index_is_a_change(installation):  # noqa: F811
    env, location, case_id = installation
    out = changed(env, location, "INSERT INTO view_cases (agency, case_id, case_number, phase, facts) VALUES"
                  " (%s, '00000000-0000-4000-8000-000000000001', '0180-2026-0002', 'active', 3)", LEAD)
    assert ("Granskningens ärendeindex ÄNDRAT: 1 rad i ärendelistan som indexet läser hör inte till något ärende som"
            f" händelserna har: 00000000-0000-4000-8000-000000000001. {REBUILD}") in out
    assert str(case_id) not in out.split("hör inte till")[1].split("\n")[0]


def test_a_rows_number_altered_to_one_never_drawn_is_a_change(installation):  # noqa: F811
    env, location, case_id = installation
    out = changed(env, location, "UPDATE view_cases SET case_number = '0180-2026-0007' WHERE agency = %s", LEAD)
    assert ("Granskningens ärendeindex ÄNDRAT: 1 rad i ärendelistan som indexet läser säger om sitt ärende det som"
            f" händelserna motsäger (ärendenummer: {case_id}). {REBUILD}") in out
    assert "0180-2026-0007" not in out   # ids only


def test_a_rows_number_of_another_municipality_phase_and_marker_altered_are_each_named(installation):  # noqa: F811
    env, location, case_id = installation
    out = changed(env, location, "UPDATE view_cases SET case_number = '0181-2026-0001', phase = 'referred',"
                  " protected_personal_data = '{\"kind\": \"sekretessmarkering\"}' WHERE agency = %s", LEAD)
    assert (f"(ärendenummer: {case_id}; kommun: {case_id}; fas: {case_id}; skyddsmarkering: {case_id})") in out


def test_an_erased_cases_row_still_listed_is_told_not_counted(installation):  # noqa: F811
    env, location, case_id = installation
    app_role(location, "UPDATE sigill_data_keys SET wrapped_key = NULL, destroyed_at = now() WHERE aggregate_id = %s",
             params=(case_id,))
    code, out = verify(env)
    assert code == 0, out
    assert (f"Obs: 1 ärende som gallrats står kvar i granskningens ärendeindex – gallringen är ännu inte införd i"
            f" vyerna (en följare gör det inom en minut, `sigill calendar` utan en): {case_id}.") in out


def test_each_index_check_is_not_made_where_a_table_it_reads_is_absent(app, runner, settings, postgres):
    """Each of the index's two checks answers None (views with no tables in this database: nothing to check) when
    any one of the tables it reads is absent, asked for all in one round trip, and reads the index when all are."""
    import psycopg

    from gateways.case_index_checks import IndexRows
    from services.bootstrap.audit import build_ledger, verifier_reads
    from tests.integration.test_agency_views import busy_case

    def checks() -> tuple:
        with verifier_reads(settings, postgres) as (_, reads):
            return reads.unlisted(), reads.listed_rows()

    def dropped(table: str) -> None:
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP TABLE {table} CASCADE")

    busy_case(app)
    runner.catch_up()
    build_ledger(app, settings, postgres)   # verify reads no database without a ledger
    unlisted, rows = checks()
    assert unlisted == ([], []) and rows == IndexRows()   # an honest index: nothing found
    dropped("case_municipality")   # the rows' check reads it, the unlisted check does not
    unlisted, rows = checks()
    assert unlisted == ([], []) and rows is None
    dropped("sigill_data_keys")    # both read the keys, last of the tables they name
    assert checks() == (None, None)
