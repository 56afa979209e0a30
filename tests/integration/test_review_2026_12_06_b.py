"""Review 2026-12-06 (b): the replaced log's trigger (``gateways.replaced_log._AS_THE_LOG_STANDS``) still takes every
honest rebuild's copy — of a log with rows from before causes and feeds, twice in a row, after a restore (ids
renewed), as the application's role in a schema of its own, and from two processes at once."""

from __future__ import annotations

import threading
from dataclasses import replace

import psycopg
from psycopg import sql

from services.bootstrap import build_application, build_view_runner, set_up_database
from services.clock import ManualClock
from tests.builders import POLICE, SCHOOL, utc
from tests.integration.test_cli import sigill
from tests.integration.test_tamper_follow_up_2026_12_06 import app_role, installation, owner  # noqa: F401
from tests.service_behaviour import consenting_school


def test_rebuilds_of_a_log_with_old_rows_again_and_after_restore(installation):  # noqa: F811
    env, location, _ = installation
    # Rows as an older version left them (the owner past the triggers): no cause, not numbered.
    owner(location, "UPDATE disclosure_log SET cause = NULL, feed = NULL, seq = NULL WHERE id % 2 = 0")
    assert app_role(location, "SELECT count(*) FROM disclosure_log WHERE seq IS NULL AND cause IS NULL")[0][0] > 0
    for args in (("views", "rebuild"), ("views", "rebuild"), ("views", "rebuild", "--after-restore")):
        done = sigill(*args, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    assert app_role(location, "SELECT count(*) FROM disclosure_log_replacements")[0][0] == 3


def test_a_rebuild_as_the_applications_role_in_a_schema_of_its_own(roles, settings, postgres_server):
    owner_loc, app_loc = roles
    with psycopg.connect(replace(postgres_server, dbname=owner_loc.dbname).conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA sigill AUTHORIZATION {}").format(sql.Identifier(owner_loc.user)))
    in_schema = settings.model_copy(update={"db_schema": "sigill"})
    set_up_database(in_schema, owner_loc, app_loc.user)
    app = build_application(in_schema, clock=ManualClock(utc(2026, 2, 3)), location=app_loc)
    runner = build_view_runner(app, in_schema, app_loc)
    try:
        case_id = consenting_school(app)
        app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
        runner.catch_up()
        assert runner.rebuild() >= 0 and runner.replaced_rows > 0
        assert runner.rebuild() >= 0 and runner.replaced_rows > 0
        runner.rebuild(renew_ids=True)
        assert runner.replaced_rows > 0
    finally:
        runner.close()
        runner.store.close()
        app.close()


def test_two_runners_rebuilding_at_once(app, settings, postgres):
    for _ in range(5):
        case_id = consenting_school(app)
        app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 80 %.")
    runners = [build_view_runner(app, settings, postgres) for _ in range(2)]
    try:
        runners[0].catch_up()
        errors = []

        def rebuild(r):
            try:
                for _ in range(3):
                    r.rebuild()
            except Exception as error:  # noqa: BLE001 - any refusal fails the test below
                errors.append(error)

        threads = [threading.Thread(target=rebuild, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    finally:
        for r in runners:
            r.close()
            r.store.close()
