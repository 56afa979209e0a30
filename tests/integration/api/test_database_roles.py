"""The tables' owner kept apart from the role the application runs as (`sigill database setup`): the application
works as before, and its role cannot disable the append-only triggers nor change a stored event."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import ProgrammingError
from psycopg import sql

from gateways.view_batch_rows import SMALL_BATCH_ROWS
from services.bootstrap import build_application, build_erasures, set_up_database
from services.erasure import erase_case
from services.settings import ConfigurationError
from tests.builders import POLICE, SCHOOL
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.test_cli import sigill
from tests.integration.test_disclosure_log_append_only import AS_THE_LOG_STANDS
from tests.service_behaviour import consenting_school

APPEND_ONLY = {"sigill_events": "append_only", "sigill_ledger": "append_only", "sigill_access_log": "append_only",
               "disclosure_log": "append_only", "sigill_erasures": "append_only",
               "sigill_published_statistics": "append_only"}


@pytest.fixture
def postgres(roles, settings):
    """The database every fixture of the API's tests uses (the application, its context, the client): set up by
    the owner, then reached as the application's role."""
    owner, app_role = roles
    set_up_database(settings, owner, app_role.user)
    return app_role


def test_the_application_works_as_a_role_that_owns_no_table(client, users, tick, context, runner):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron ökar."}), 201)
    assert any(f["kind"] == "contribution" for f in ok(client.get(f"/api/v1/cases/{case_id}",
                                                                  headers=users.school))["facts"])
    assert [c["case_id"] for c in ok(client.get("/api/v1/cases", headers=users.school))["cases"]] == [case_id]
    assert ok(client.get("/api/v1/feeds/skola", headers=users.school))["messages"]
    runner.catch_up()   # as `sigill views catch-up` and the follower do
    runner.rebuild()    # and `sigill views rebuild`: the log replaced, the views emptied and written anew
    assert runner.store.disclosure_log(agency="skola")
    context.seal_ledger()
    ledger, access_log = context.verify_ledger()
    assert ledger.intact and ledger.checked > 10
    assert ok(client.get(f"/api/v1/audit/cases/{case_id}/disclosures", headers=users.auditor))["changes"]
    assert client.get("/api/v1/ready").status_code == 200


def test_the_applications_role_cannot_disable_a_trigger_nor_change_what_is_stored(client, users, tick, postgres,
                                                                                  context, runner, settings):
    case_id, _ = school_consented_case(client, users, tick)
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))   # a read: a row in the access log
    runner.catch_up()
    context.seal_ledger()
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        stored = conn.execute("SELECT count(*) FROM sigill_events").fetchone()[0]
        for table, trigger in APPEND_ONLY.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(sql.Identifier(table),
                                                                                sql.Identifier(trigger)))
        for statement in ("UPDATE sigill_events SET state = state", "DELETE FROM sigill_events",
                          "TRUNCATE sigill_events", "DELETE FROM sigill_ledger", "DELETE FROM disclosure_log",
                          "UPDATE sigill_access_log SET what = what"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM sigill_events").fetchone()[0] == stored > 0
        # A case's key: neither replaced (the case would read as damaged) nor removed (as erased, with no erasure).
        for statement in ("UPDATE sigill_data_keys SET wrapped_key = wrapped_key", "DELETE FROM sigill_data_keys",
                          "TRUNCATE sigill_data_keys"):
            with pytest.raises(psycopg.errors.RaiseException, match="kept until destroyed"):
                conn.execute(statement)
        # Nor may the event store's positions be set back (its next events would collide with stored ones).
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT setval(pg_get_serial_sequence('sigill_events', 'notification_id'), 1)")
    application = client.app.state.context.cases.app
    # A key destroyed with no erasure decision on record is refused: data culled with no one having decided it.
    with pytest.raises(Exception, match="decision on record"):
        application.keystore.destroy(UUID(case_id))
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
    erasures = build_erasures(settings, postgres)
    erase_case(application, erasures, UUID(case_id), "SN 2026/45", "cli:uid0@test")   # the one change allowed
    application.keystore.destroy(UUID(case_id))   # and again, changing nothing
    assert erasures.of(UUID(case_id))["decision"] == "SN 2026/45" and erasures.destroyed_unrecorded() == []
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        for statement in ("UPDATE sigill_data_keys SET destroyed_at = '2000-01-01' WHERE wrapped_key IS NULL",
                          "UPDATE sigill_data_keys SET wrapped_key = NULL, destroyed_at = '2000-01-01'"
                          " WHERE wrapped_key IS NOT NULL"):   # an erasure's moment is a record: never back-dated
            with pytest.raises(psycopg.errors.RaiseException, match="kept until destroyed"):
                conn.execute(statement)
    assert client.get(f"/api/v1/cases/{case_id}", headers=users.school).status_code == 404


def test_the_applications_role_publishes_an_evaluators_year_and_may_neither_change_nor_remove_it(client, users,
                                                                                                  app, postgres):
    """An ended year's statistics as first answered to an evaluator (``services.statistics``): the application adds
    and reads the row, and may not ask to rewrite it — not even to run into the trigger."""
    from datetime import datetime

    from domain.calendar import STOCKHOLM

    app.clock.set(datetime(2027, 1, 3, 9, 0, tzinfo=STOCKHOLM))
    evaluator = users.headers("socialstyrelsen", "evaluator", municipality=None)
    period = {"municipality": "0180", "from": "2026-01-01", "to": "2026-12-31"}
    first = client.get("/api/v1/statistics", params=period, headers=evaluator)
    assert first.status_code == 200 and first.json()["fixed_at"], first.text
    assert client.get("/api/v1/statistics", params=period, headers=evaluator).content == first.content
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        for statement in ("UPDATE sigill_published_statistics SET answer = '{}'",
                          "DELETE FROM sigill_published_statistics", "TRUNCATE sigill_published_statistics"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM sigill_published_statistics").fetchone()[0] == 1


def test_a_version_started_before_the_setup_made_its_published_statistics_serves_an_evaluator_none(
        client, users, app, roles):
    """An upgrade started without the setup: the table is not there and the application's role may not make it.
    An evaluator's year is 503 until the setup has run — never made anew and served unkept."""
    from datetime import datetime

    from domain.calendar import STOCKHOLM

    owner, _ = roles
    with psycopg.connect(owner.conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE sigill_published_statistics")
    app.clock.set(datetime(2027, 1, 3, 9, 0, tzinfo=STOCKHOLM))
    period = {"municipality": "0180", "from": "2026-01-01", "to": "2026-12-31"}
    refused = client.get("/api/v1/statistics", params=period,
                         headers=users.headers("socialstyrelsen", "evaluator", municipality=None))
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "database_unavailable", refused.text
    assert ok(client.get("/api/v1/statistics", params=period, headers=users.auditor))["fixed_at"] is None


def test_a_role_the_tables_were_not_set_up_for_is_told_what_to_run(roles, settings):
    _, app_role = roles
    with pytest.raises(ConfigurationError) as refused:
        build_application(settings, location=app_role)
    assert str(refused.value).startswith(f"the database role '{app_role.user}' may not create Sigill's tables")
    assert f"run `sigill database setup --app-role {app_role.user}` as the role that is to own them" in str(
        refused.value)


def test_the_setup_refuses_an_application_role_with_the_owners_rights(roles, settings, postgres_server):
    owner, _ = roles
    for role, said in ((owner.user, "has the rights of"), (postgres_server.user, "has the rights of"),
                       ("nobody_here", "no database role 'nobody_here'")):
        with pytest.raises(ConfigurationError, match=said):
            set_up_database(settings, owner, role)


def test_the_command_sets_up_again_after_an_upgrade_and_refuses_bad_input_in_one_line(roles, tmp_path, master_key):
    owner, app_role = roles
    env = {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_MASTER_KEY": master_key, "SIGILL_DATABASE_URL": owner.url()}
    for _ in range(2):   # the first makes the tables; the second, as after an upgrade, finds them and grants again
        done = sigill("database", "setup", "--app-role", app_role.user, env=env)
        assert done.returncode == 0 and f"rollen {app_role.user} får läsa och skriva" in done.stdout, done.stderr
    # It signs no one in: run as deploy/README.md shows it (no SIGILL_ENVIRONMENT), it made a development signing key
    # in the data directory — the owner's home, on a production database.
    assert not (tmp_path / "dev-token-key.pem").exists()
    for args, extra, said, exit_code in (   # 2: the caller's input; 1: what the database or the settings refuse
            (["--app-role", "Robert'); DROP TABLE"], {}, "--app-role: a role name of lower-case letters", 2),
            (["--app-role", app_role.user], {"SIGILL_DATABASE_URL": ""}, "SIGILL_DATABASE_URL", 1),
            (["--app-role", owner.user], {}, "has the rights of", 1)):
        refused = sigill("database", "setup", *args, env={**env, **extra})
        assert refused.returncode == exit_code and refused.stderr.count("\n") == 1 and said in refused.stderr, (
            refused.stderr)


def test_the_command_without_the_master_key_makes_nothing_and_says_to_set_it(roles, tmp_path, monkeypatch):
    """deploy/README.md's command with the URL alone: it made a development master key in the owner's data
    directory and stored its check value, and production then refused to start on the tables ("check
    SIGILL_MASTER_KEY")."""
    owner, app_role = roles
    monkeypatch.delenv("SIGILL_MASTER_KEY", raising=False)
    refused = sigill("database", "setup", "--app-role", app_role.user,
                     env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": owner.url()})
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("sigill: SIGILL_MASTER_KEY: set it to the master key Sigill is to run with")
    assert not (tmp_path / "master.key").exists()
    with psycopg.connect(owner.conninfo()) as conn:
        assert conn.execute("SELECT to_regclass('sigill_data_keys')").fetchone()[0] is None


def test_a_backup_restored_by_the_owner_and_set_up_again_runs_as_the_applications_role(
        client, users, tick, runner, roles, settings, postgres_server, tmp_path):
    """deploy/README.md section 7 with the roles kept apart: pg_restore as the owner, then the setup again."""
    from tests.integration.test_backup_restore import PG_BIN, pg_dump

    owner, app_role = roles
    case_id, _ = school_consented_case(client, users, tick)
    runner.catch_up()
    pg_dump(owner, tmp_path / "sigill.dump")
    restored = f"restored_{uuid4().hex[:10]}"
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(restored), sql.Identifier(owner.user)))
    try:
        done = subprocess.run([str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", "--host", owner.host,
                               "--port", str(owner.port), "--username", owner.user, "--dbname", restored,
                               str(tmp_path / "sigill.dump")], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        set_up_database(settings, replace(owner, dbname=restored), app_role.user)
        application = build_application(settings, location=replace(app_role, dbname=restored))
        try:
            assert str(application.get_case(UUID(case_id)).id) == case_id
        finally:
            application.close()
        with psycopg.connect(replace(app_role, dbname=restored).conninfo(), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
                conn.execute("ALTER TABLE sigill_events DISABLE TRIGGER append_only")
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("DELETE FROM sigill_events")
    finally:
        with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(restored)))


def _as_superuser(server, database, *statements: sql.Composable) -> None:
    with psycopg.connect(replace(server, dbname=database.dbname).conninfo(), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.parametrize("grant, said", [
    # PostgreSQL 14's default: its operators, first on its own search path, would decide the triggers' checks
    ("GRANT CREATE ON SCHEMA public TO PUBLIC", r"it may create objects in schema public \(CREATE\)"),
    ("ALTER DATABASE {db} OWNER TO {app}", "it owns the database"),   # and so schema public: it may drop any table
    ("ALTER ROLE {app} NOINHERIT; GRANT {owner} TO {app}", "has the rights of"),   # SET ROLE, then anything
])
def test_the_setup_refuses_an_application_role_that_could_still_change_the_tables(roles, settings, postgres_server,
                                                                                   grant, said):
    owner, app_role = roles
    names = {"db": sql.Identifier(owner.dbname), "app": sql.Identifier(app_role.user),
             "owner": sql.Identifier(owner.user)}
    _as_superuser(postgres_server, owner, *(sql.SQL(s).format(**names) for s in grant.split("; ")))
    with pytest.raises(ConfigurationError, match=said):
        set_up_database(settings, owner, app_role.user)


def test_an_installation_whose_one_role_made_the_tables_is_set_up_once_they_are_handed_over(roles, settings,
                                                                                           postgres_server):
    owner, app_role = roles
    app, owner_id, db = sql.Identifier(app_role.user), sql.Identifier(owner.user), sql.Identifier(owner.dbname)
    # Before the split: the application's role owned the database and made every table.  The owner, a member of
    # it (as a CREATEROLE administrator's roles often are), could alter them all — and the setup said it owned them.
    _as_superuser(postgres_server, owner, sql.SQL("ALTER DATABASE {} OWNER TO {}").format(db, app),
                  sql.SQL("GRANT {} TO {}").format(app, owner_id))
    build_application(settings, location=app_role).close()
    with pytest.raises(ConfigurationError, match=f"it owns the database .*it owns public.sigill_data_keys.*REASSIGN OWNED BY {app_role.user} "):
        set_up_database(settings, owner, app_role.user)
    # Run where a DBA's psql opens (the postgres database), it hands over the database and none of its tables.
    with pytest.raises(ConfigurationError, match=f"connected to the database {owner.dbname} itself"):
        set_up_database(settings, owner, app_role.user)
    _as_superuser(postgres_server, owner, sql.SQL("REASSIGN OWNED BY {} TO {}").format(app, owner_id),
                  sql.SQL("REVOKE {} FROM {}").format(app, owner_id))
    set_up_database(settings, owner, app_role.user)
    with psycopg.connect(app_role.conninfo(), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            conn.execute("ALTER TABLE sigill_events DISABLE TRIGGER append_only")


def test_the_triggers_checks_are_not_the_writers_operators(client, users, tick, postgres, runner, roles,
                                                          postgres_server):
    school_consented_case(client, users, tick)
    runner.catch_up()
    # Granted after the setup (which would refuse it): operators of the application's own, first on its search path.
    _as_superuser(postgres_server, postgres, sql.SQL("GRANT CREATE ON SCHEMA public TO PUBLIC"))
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        for t in ("int8", "uuid", "text", "jsonb", "timestamptz"):
            conn.execute(f"CREATE FUNCTION public.same_{t}({t}, {t}) RETURNS boolean LANGUAGE sql AS 'SELECT true'")
            conn.execute(f"CREATE OPERATOR public.= (LEFTARG = {t}, RIGHTARG = {t}, FUNCTION = public.same_{t})")
        conn.execute("SET search_path = public, pg_catalog")
        with pytest.raises(psycopg.errors.RaiseException, match="emptied only by a rebuild"), conn.transaction():
            conn.execute(AS_THE_LOG_STANDS)   # and then one row kept, as though it were all of them
            conn.execute("INSERT INTO replaced_disclosure_log SELECT (SELECT max(replacement) FROM"
                         " disclosure_log_replacements), id, case_id, agency, fact_id, kind, category, change, basis,"
                         " at, notification_id, event_id, cause, feed, seq FROM disclosure_log LIMIT 1")
            conn.execute("TRUNCATE disclosure_log")
        with pytest.raises(psycopg.errors.RaiseException, match="kept until destroyed"):
            conn.execute("UPDATE sigill_data_keys SET aggregate_id = gen_random_uuid(), wrapped_key = NULL,"
                         " destroyed_at = now()")
        assert conn.execute("SELECT count(*) FROM disclosure_log").fetchone()[0] > 1


def test_a_schema_of_its_own_in_a_database_whose_public_the_owner_may_not_create_in(roles, settings,
                                                                                    postgres_server):
    owner, app_role = roles
    # The DBA's database, and a schema in it for Sigill's owner (PostgreSQL 15 on: no one else creates in public).
    _as_superuser(postgres_server, owner,
                  sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(sql.Identifier(owner.dbname)),
                  sql.SQL("CREATE SCHEMA sigill AUTHORIZATION {}").format(sql.Identifier(owner.user)))
    in_schema = settings.model_copy(update={"db_schema": "sigill"})
    set_up_database(in_schema, owner, app_role.user)
    with psycopg.connect(app_role.conninfo(), autocommit=True) as conn:
        for table in ("sigill_ledger", "sigill_access_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier("sigill", table)))


def _no_temporary_tables_but_by_name(server, database) -> None:
    """A hardened database, as production guides have it: PUBLIC may not make temporary tables there.  Nothing to
    give back afterwards: the database is the test's own (``roles`` drops it)."""
    _as_superuser(server, database, sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(
        sql.Identifier(database.dbname)))


def test_a_database_where_public_may_not_make_temporary_tables_has_its_views_caught_up_once_set_up(
        app, runner, roles, settings, postgres_server, monkeypatch):
    owner, app_role = roles
    _no_temporary_tables_but_by_name(postgres_server, owner)
    # The application's role as a setup that granted it nothing for temporary tables left it (this one's grant taken
    # back): a large batch's facts are staged in one (view_tables.STAGE), and no session has made it yet.
    _as_superuser(postgres_server, owner, sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM {}").format(
        sql.Identifier(owner.dbname), sql.Identifier(app_role.user)))
    cases = [consenting_school(app) for _ in range(20)]   # some 40 fact and log rows each: one batch
    for case_id in cases:
        app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
        app.record_contribution(case_id, by=SCHOOL, category="school", text="Närvaro 80 %.")
    copied = []   # each batch written by COPY: its fact and log rows
    write = runner.store._write_copying
    monkeypatch.setattr(runner.store, "_write_copying",
                        lambda batch, *a: copied.append(len(batch.facts) + len(batch.log)) or write(batch, *a))
    with pytest.raises(ProgrammingError, match="permission denied to create temporary tables"):
        runner.catch_up()
    assert runner.position == 0 and copied[0] > SMALL_BATCH_ROWS
    set_up_database(settings, owner, app_role.user)   # the setup grants it by name
    assert runner.catch_up() and runner.position == app.recorder.max_notification_id()
    assert len(copied) == 2 and copied[1] == copied[0]
    assert all(runner.store.facts("skola", case_id) for case_id in cases)


def test_the_setup_says_what_to_run_when_it_may_not_grant_temporary_tables(roles, postgres_server, tmp_path,
                                                                          master_key):
    owner, app_role = roles
    # The DBA's database, whose public may not make temporary tables, with a schema in it for Sigill's owner: the
    # owner may not grant the application's role what the views need.
    _as_superuser(postgres_server, owner,
                  sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(sql.Identifier(owner.dbname)),
                  sql.SQL("CREATE SCHEMA sigill AUTHORIZATION {}").format(sql.Identifier(owner.user)))
    _no_temporary_tables_but_by_name(postgres_server, owner)
    env = {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_MASTER_KEY": master_key, "SIGILL_DATABASE_URL": owner.url(),
           "SIGILL_DB_SCHEMA": "sigill"}
    refused = sigill("database", "setup", "--app-role", app_role.user, env=env)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert (f"run GRANT TEMPORARY ON DATABASE {owner.dbname} TO {app_role.user}, then run this again"
            in refused.stderr), refused.stderr
    with psycopg.connect(owner.conninfo()) as conn:   # refused before any table was made
        assert conn.execute("SELECT to_regclass('sigill.sigill_events')").fetchone()[0] is None
    _as_superuser(postgres_server, owner, sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(
        sql.Identifier(owner.dbname), sql.Identifier(app_role.user)))
    done = sigill("database", "setup", "--app-role", app_role.user, env=env)
    assert done.returncode == 0, done.stderr


def test_every_table_the_setup_makes_is_named_in_the_deployment_guide(postgres):
    """deploy/README.md §1 names Sigill's tables for the DBA who backs them up and grants a supervisor its reads: the
    published statistics and the schema stamps were missing from it."""
    guide = (Path(__file__).resolve().parents[3] / "deploy" / "README.md").read_text()
    listed = guide[guide.index("Sigill's tables:"):guide.index("Back\nthe database up as a whole")]
    with psycopg.connect(postgres.conninfo()) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    assert len(tables) > 20
    assert not [table for table in tables if f"`{table}`" not in listed]


def test_guard_the_applications_role_records_a_kafka_delivery_and_can_neither_change_nor_unguard_the_record(
        runner, postgres):
    """Guard (passed as the change landed): `sigill database setup` makes and grants ``feed_deliveries`` — the
    publisher's role appends to it (its id from the table's sequence), cannot disable its trigger nor remove a row."""
    from datetime import datetime, timezone

    from services.feed_publisher import Delivery, Receipt

    epoch, _ = runner.store.feed_heads()
    receipt = Receipt("sigill.skola.0180", 0, 7, datetime.now(timezone.utc))
    runner.store.advance_publications(epoch, {"skola.0180": 1},
                                      [Delivery("skola.0180", epoch, 1, uuid4(), uuid4(), "f-1", receipt)])
    assert [(d["agency"], d["kafka_offset"]) for d in runner.store.deliveries()] == [("skola", 7)]
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            conn.execute("ALTER TABLE feed_deliveries DISABLE TRIGGER append_only")
        for statement in ("UPDATE feed_deliveries SET seq = 0", "DELETE FROM feed_deliveries",
                          "TRUNCATE feed_deliveries"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
