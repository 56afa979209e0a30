"""The red team of 2026-12-06 (``test_tamper_red_team_2026_12_06``) followed up: what it left open and what the
checks now see — a case hidden from the auditors' index, a made-up replaced log, every cause of the log blanked."""

from __future__ import annotations

import psycopg
import pytest

from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import sigill
from tests.integration.test_tamper_red_team_2026_12_06 import CASE, owner


def app_role(location, *statements: str, params=None) -> list:
    """As the application's role may: every trigger in force.  The last statement's rows, if any."""
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        for statement in statements:
            cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def installation(tmp_path):
    """The demo's data: one case, its views caught up and its events sealed."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    case_id = app_role(location, "SELECT case_id FROM view_cases WHERE case_number = %s", params=(CASE,))[0][0]
    return env, location, case_id


def test_a_case_removed_from_the_auditors_index_is_told_by_verify_and_a_rebuild_lists_it_again(installation):
    """The lead agency's row of the case deleted (the application's role may): the auditors' index (Granskning)
    lists that list, and no longer showed the case, while verify said nothing."""
    env, location, case_id = installation
    healthy = sigill("audit", "verify", env=env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "Granskningens ärendeindex saknar inget ärende som händelserna har." in healthy.stdout
    app_role(location, "DELETE FROM view_cases WHERE case_id = %s AND agency = 'socialtjanst'", params=(case_id,))
    result = sigill("audit", "verify", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("Granskningens ärendeindex ÄNDRAT: 1 ärende som händelserna har och vyerna har bearbetat saknas i det –"
            f" raden i ärendelistan som indexet läser har tagits bort: {case_id}. Numret hittar ärendet ändå;"
            " `sigill views rebuild` skriver ärendelistorna på nytt ur händelserna.") in result.stdout
    assert "Oförändrad: " in result.stdout   # the ledger itself is intact: the views are what changed
    assert sigill("views", "rebuild", env=env).returncode == 0
    mended = sigill("audit", "verify", env=env)
    assert mended.returncode == 0, mended.stdout + mended.stderr
    assert "Granskningens ärendeindex saknar inget ärende som händelserna har." in mended.stdout


def test_a_case_the_views_have_not_reached_is_told_but_is_no_change(installation):
    """The views' position before the case's referral: not missing but behind (a follower catches it up)."""
    env, location, case_id = installation
    app_role(location, "DELETE FROM view_cases WHERE case_id = %s", params=(case_id,))
    app_role(location, "UPDATE agency_views_tracking SET notification_id = 2 WHERE application_name = 'Sigill'")
    result = sigill("audit", "verify", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("Obs: 1 ärende är ännu inte med i granskningens ärendeindex – vyerna har inte bearbetat deras remiss"
            f" (`sigill views catch-up`): {case_id}.") in result.stdout
    assert "ÄNDRAT" not in result.stdout


def test_every_cause_of_the_log_blanked_is_a_disagreement_in_a_log_built_under_rules_that_store_causes(
        installation):
    """Every row's cause set NULL as the tables' owner: no row of the log had one left, so none was compared with
    its cause (rows "from before 2026-12-03") and the log agreed.  The views were built under rules that store every
    cause: a row without one is now a disagreement."""
    env, location, _ = installation
    owner(location, "UPDATE disclosure_log SET cause = NULL")
    result = sigill("views", "log", "--case", CASE, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Loggen skiljer sig från ärendets händelser:" in result.stderr
    assert "Rader utan orsak i en logg som skrevs med orsaker" in result.stderr
    assert "saknar orsak och jämfördes utan den" not in result.stdout


KEPT = ("id, case_id, agency, fact_id, kind, category, change, basis, at, notification_id, event_id, cause, feed,"
        " seq")
DISCLOSED = "'disclosed'"   # every row kept as a disclosure: an end turned into one, as a made-up copy would


def test_a_made_up_replaced_log_is_refused_and_a_rebuild_still_keeps_the_log(installation):
    """The replaced logs refused UPDATE and DELETE, but the application's role could INSERT a replacement of its own
    (back-dated, rows never in the log) or add rows to one made before — and "found" a rebuild's end of a fact never
    shown.  Now a replacement is the log as it stands, now, and its rows the log's, in the transaction that recorded
    it: a rebuild's copy."""
    env, location, _ = installation
    with pytest.raises(psycopg.errors.RaiseException, match="recorded as the log stands"):
        app_role(location, "INSERT INTO disclosure_log_replacements (epoch, rules_version, replaced_at, up_to, rows,"
                 " caused_from, id_generation) SELECT epoch, (SELECT version FROM view_rules), now() - interval"
                 " '30 days', 5, 1, NULL, id_generation FROM feed_state")
    with pytest.raises(psycopg.errors.RaiseException, match="in the transaction that recorded it"):
        with psycopg.connect(location.conninfo()) as conn:   # as the log stands, but a row altered in the copy
            conn.execute("INSERT INTO disclosure_log_replacements (epoch, rules_version, replaced_at, up_to, rows,"
                         " caused_from, id_generation) SELECT f.epoch, (SELECT version FROM view_rules),"
                         " statement_timestamp(), 5, l.n, l.c, f.id_generation FROM feed_state f, (SELECT count(*)"
                         " AS n, min(id) FILTER (WHERE cause IS NOT NULL) AS c FROM disclosure_log) l")
            conn.execute(f"INSERT INTO replaced_disclosure_log (replacement, {KEPT}) SELECT (SELECT max(replacement)"
                         f" FROM disclosure_log_replacements), {KEPT.replace('change', DISCLOSED)}"
                         " FROM disclosure_log")
    in_log = app_role(location, "SELECT count(*) FROM disclosure_log")[0][0]
    assert sigill("views", "rebuild", env=env).returncode == 0   # the rebuild's own copy passes
    assert app_role(location, "SELECT count(*) FROM replaced_disclosure_log")[0][0] == in_log
    with pytest.raises(psycopg.errors.RaiseException, match="in the transaction that recorded it"):
        app_role(location, f"INSERT INTO replaced_disclosure_log (replacement, {KEPT}) SELECT (SELECT"
                 f" max(replacement) FROM disclosure_log_replacements), {KEPT} FROM disclosure_log LIMIT 1")
    agrees = sigill("views", "log", "--case", CASE, env=env)
    assert agrees.returncode == 0 and "Loggen stämmer med ärendets händelser" in agrees.stdout
