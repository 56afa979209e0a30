"""A start against tables already as this version makes them runs no DDL and takes no table lock (the stamps of
``gateways.schema_lock``); a creator whose DDL changed runs it once, and stamps it.

Run again, ``ALTER TABLE … ADD COLUMN IF NOT EXISTS`` and ``CREATE TRIGGER`` lock their table (ACCESS EXCLUSIVE)
even when they change nothing: a start waited behind any long read of the views, and an audit run beside the server
was seen to deadlock with the follower."""

from __future__ import annotations

import psycopg
from psycopg import sql

from gateways.schema_lock import STAMPS, create_schema, ddl_stamp, forcing_ddl
from services.bootstrap import (build_api_context, build_application, build_shared_renewals, build_signed_out,
                                build_view_runner, set_up_database)
from tests.integration.test_cli import sigill
from tests.service_behaviour import open_case


def start(settings, postgres) -> None:
    """Everything a process makes tables for, as a start builds it (the server's workers, a CLI run)."""
    app = build_application(settings, location=postgres)
    try:
        context = build_api_context(app, settings, postgres)
        build_shared_renewals(settings, postgres, context).close()
        build_signed_out(settings, postgres, context).close()
        context.close()
        build_view_runner(app, settings, postgres).store.close()
    finally:
        app.close()


def test_a_start_on_a_current_schema_does_not_wait_for_a_long_read_of_the_tables(settings, postgres, monkeypatch):
    start(settings, postgres)
    app = build_application(settings, location=postgres)
    runner = build_view_runner(app, settings, postgres)
    open_case(app)
    runner.catch_up()   # rows in the views and the disclosure log
    runner.store.close()
    app.close()
    with psycopg.connect(postgres.conninfo()) as reader:
        tables = [r[0] for r in reader.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert {"disclosure_log", "view_cases", "sigill_ledger", "sigill_access_log", STAMPS} <= set(tables)
        # An auditor's long read, its transaction still open: each table held in ACCESS SHARE mode.
        for table in tables:
            reader.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(table)))
        # A lock the start would wait for fails it within the second instead (the start used to wait till the end).
        monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=1000")
        start(settings, postgres)
        reader.rollback()


def test_a_changed_ddl_is_run_once_and_stamped(postgres):
    conninfo = postgres.conninfo()
    # Each run of the list adds a row: how many times it ran.
    first = ["CREATE TABLE IF NOT EXISTS stamped_here (a integer)", "INSERT INTO stamped_here (a) VALUES (1)"]
    create_schema(conninfo, first, "public", creator="stamped_here")
    create_schema(conninfo, first, "public", creator="stamped_here")   # current: nothing run
    upgraded = [*first, "ALTER TABLE stamped_here ADD COLUMN IF NOT EXISTS b integer"]   # a new version's DDL
    create_schema(conninfo, upgraded, "public", creator="stamped_here")
    create_schema(conninfo, upgraded, "public", creator="stamped_here")
    with psycopg.connect(conninfo) as conn:
        columns = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns"
                                              " WHERE table_name = 'stamped_here' ORDER BY ordinal_position")]
        runs = conn.execute("SELECT count(*) FROM stamped_here").fetchone()[0]
        stamp = conn.execute(sql.SQL("SELECT ddl_sha256 FROM {} WHERE creator = 'stamped_here'")
                             .format(sql.Identifier(STAMPS))).fetchone()
    assert columns == ["a", "b"] and runs == 2 and stamp == (ddl_stamp(upgraded),)


def test_the_setup_runs_the_ddl_whatever_the_stamp_says(postgres):
    conninfo = postgres.conninfo()
    ddl = ["CREATE TABLE IF NOT EXISTS forced_here (a integer)", "COMMENT ON TABLE forced_here IS 'as made'"]
    create_schema(conninfo, ddl, "public", creator="forced_here")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("COMMENT ON TABLE forced_here IS 'changed by hand'")
    create_schema(conninfo, ddl, "public", creator="forced_here")   # the stamp matches: left as it is
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT obj_description('forced_here'::regclass)").fetchone() == ("changed by hand",)
    with forcing_ddl():   # what `sigill database setup` runs in
        create_schema(conninfo, ddl, "public", creator="forced_here")
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT obj_description('forced_here'::regclass)").fetchone() == ("as made",)


def test_a_start_with_a_current_schema_still_runs_what_every_start_must(postgres):
    conninfo = postgres.conninfo()
    create_schema(conninfo, ["CREATE TABLE IF NOT EXISTS every_start (a integer)"], "public", creator="every_start",
                  every_start=["INSERT INTO every_start VALUES (1)"])
    create_schema(conninfo, ["CREATE TABLE IF NOT EXISTS every_start (a integer)"], "public", creator="every_start",
                  every_start=["INSERT INTO every_start VALUES (1)"])
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM every_start").fetchone() == (2,)



def test_as_the_app_role_of_a_set_up_database_a_start_waits_for_no_read_and_still_empties_plaintext_calendars(
        roles, settings, monkeypatch):
    owner, app_role = roles
    set_up_database(settings, owner, app_role.user)   # makes and stamps every table, the stamps readable to the app
    with psycopg.connect(owner.conninfo(), autocommit=True) as conn:   # a process of the version before wrote one
        conn.execute("INSERT INTO view_cases (agency, case_id, facts, calendar_by_agency)"
                     " VALUES ('skola', gen_random_uuid(), 1, '{}')")
    with psycopg.connect(owner.conninfo()) as reader:
        for table in ("disclosure_log", "view_cases", "sigill_events", "sigill_ledger"):
            reader.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(table)))
        monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=1000")
        start(settings, app_role)
        reader.rollback()
    with psycopg.connect(owner.conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM view_cases WHERE calendar_by_agency IS NOT NULL").fetchone() == (0,)


def test_a_command_that_meets_a_held_lock_says_so_and_to_run_it_again_not_that_the_database_is_away(
        settings, postgres, master_key):
    start(settings, postgres)
    env = {"SIGILL_DATA_DIR": str(settings.data_dir), "SIGILL_MASTER_KEY": master_key,
           "SIGILL_DATABASE_URL": postgres.url(), "PGOPTIONS": "-c lock_timeout=500"}
    with psycopg.connect(postgres.conninfo()) as holder:
        holder.execute("LOCK TABLE view_cases IN ACCESS EXCLUSIVE MODE")   # a rebuild's, say
        refused = sigill("views", "cases", "--agency", "skola", env=env)
        holder.rollback()
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "another session held a lock this command needed (lock not available, SQLSTATE 55P03)" in refused.stderr
    assert "run the command again" in refused.stderr and "cannot reach" not in refused.stderr
