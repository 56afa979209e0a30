"""A new master key taken into use (`sigill database rotate-master-key`): every case's data key wrapped anew, in one
transaction, and nothing else changed — the cases read as before, the ledger verifies, a retried write from before
the rotation is still recognised; refused while a follower works, and, where the tables' owner is kept apart, to
any role but the owner."""

from __future__ import annotations

import base64
import os
import re
import threading
from contextlib import contextmanager
from typing import Iterator
from uuid import uuid4

import psycopg
from psycopg import sql
import pytest
from fastapi.testclient import TestClient

from gateways.embedded_postgres import start_embedded
from gateways.follower_lock import lock_key
from gateways.jwt_tokens import DevTokens
from gateways.key_rotation import RotationRefused, rotate
from gateways.keystore import CHECK_ID, PostgresKeyStore, WrongMasterKey
from services.api.app import create_api
from services.bootstrap import build_api_context, build_application, set_up_database
from services.clock import ManualClock
from services.settings import Settings
from services.web.app import mount_web
from tests.builders import utc
from tests.integration.api.conftest import Users
from tests.integration.api.flows import REFERRAL
from tests.integration.api.skew import signed_in
from tests.integration.api.test_referral_turn_unavailable import TYPED
from tests.integration.api.test_web_forms_kept import hidden_of
from tests.integration.test_cli import sigill


def new_key() -> bytes:
    return os.urandom(32)


def text(key: bytes) -> str:
    return base64.b64encode(key).decode()


def keys_of(location) -> dict:
    with psycopg.connect(location.conninfo()) as conn:
        return {a: None if w is None else bytes(w)
                for a, w in conn.execute("SELECT aggregate_id, wrapped_key FROM sigill_data_keys")}


def test_the_command_rotates_every_key_and_the_cases_read_as_before(tmp_path):
    old, new = new_key(), new_key()
    env = {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_MASTER_KEY": text(old)}
    assert sigill("demo", env=env).returncode == 0
    read = ("audit", "disclosures", "--case", "0180-2026-0001")
    before = sigill(*read, env=env).stdout
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    stored = keys_of(location)
    cases = len(stored) - 1   # the master key's check value is wrapped anew too, and not counted as a case's key

    rotated = {**env, "SIGILL_MASTER_KEY": text(new), "SIGILL_PREVIOUS_MASTER_KEY": text(old)}
    done = sigill("database", "rotate-master-key", env=rotated)
    assert done.returncode == 0, done.stderr
    assert cases == 2 and done.stdout.startswith(
        "Huvudnyckeln bytt: 2 datanycklar omslutna med den nya (0 var det redan, 0 förstörda vid gallring).")
    assert "omslutit 2 av 2 datanycklar (100 %)" in done.stderr
    # The sessions' tokens are not the master key's: they go on, only their renewal (a sealed cookie) ends.
    assert "Webbsessionerna pågår men förnyas inte" in done.stdout
    after = keys_of(location)
    assert after.keys() == stored.keys() and all(after[a] != stored[a] for a in stored)   # each wrapped anew

    with_new = {**env, "SIGILL_MASTER_KEY": text(new)}
    assert sigill(*read, env=with_new).stdout == before   # the same keys under the new wrapping
    refused = sigill(*read, env=env)   # the old master key no longer opens anything
    assert refused.returncode == 1 and "rotate-master-key" in refused.stderr and refused.stdout == ""
    assert sigill("audit", "verify", env=with_new).returncode == 0   # the events and the ledger untouched

    again = sigill("database", "rotate-master-key", env=rotated)   # run twice: nothing more to do
    assert again.returncode == 0 and again.stdout.startswith(
        f"Ingenting bytt: alla {cases} datanycklar var redan omslutna med SIGILL_MASTER_KEY")
    assert keys_of(location) == after
    # The keys the wrong way round (the new one as the previous) change nothing either, and say so: this said
    # "Huvudnyckeln bytt", and the operator went on to start Sigill with the key that wraps nothing.
    newer = new_key()
    swapped = sigill("database", "rotate-master-key",
                     env={**env, "SIGILL_MASTER_KEY": text(new), "SIGILL_PREVIOUS_MASTER_KEY": text(newer)})
    assert swapped.returncode == 0 and "Huvudnyckeln bytt" not in swapped.stdout
    assert "eller är SIGILL_MASTER_KEY den nyckel som används: sätt den då till den nya" in swapped.stdout
    assert keys_of(location) == after


@pytest.mark.parametrize("previous,master,message", [
    (None, "new", "set SIGILL_MASTER_KEY to the new master key (`sigill new-master-key`) and"
                  " SIGILL_PREVIOUS_MASTER_KEY to the one in use"),
    ("old", None, "set SIGILL_MASTER_KEY to the new master key"),
    ("old", "old", "SIGILL_PREVIOUS_MASTER_KEY is SIGILL_MASTER_KEY"),
    ("other", "new", "neither SIGILL_PREVIOUS_MASTER_KEY nor SIGILL_MASTER_KEY unwraps any stored data key"),
    ("not base64!", "new", "SIGILL_PREVIOUS_MASTER_KEY is not valid base64"),
])
def test_a_rotation_that_cannot_be_made_is_one_line_and_changes_nothing(tmp_path, previous, master, message):
    keys = {"old": text(new_key()), "new": text(new_key()), "other": text(new_key())}
    env = {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_MASTER_KEY": keys["old"]}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    stored = keys_of(location)
    given = {"SIGILL_DATA_DIR": str(tmp_path)}
    for variable, which in (("SIGILL_PREVIOUS_MASTER_KEY", previous), ("SIGILL_MASTER_KEY", master)):
        if which is not None:
            given[variable] = keys.get(which, which)
    result = sigill("database", "rotate-master-key", env=given)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert keys_of(location) == stored


def test_destroyed_keys_stay_destroyed_and_a_damaged_row_is_left_and_named(postgres, settings):
    old, new = base64.b64decode(settings.master_key.get_secret_value()), new_key()
    with PostgresKeyStore(postgres.conninfo(), old) as keystore:
        kept, destroyed, damaged = uuid4(), uuid4(), uuid4()
        keystore.create_keys([kept, destroyed, damaged])
        keystore.destroy(destroyed)
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = %s WHERE aggregate_id = %s", (os.urandom(40), damaged))
    before = keys_of(postgres)
    steps = []
    done = rotate(postgres.conninfo(), "public", old, new, lambda n, total: steps.append((n, total)))
    assert (done.rewrapped, done.already, done.destroyed, done.damaged) == (1, 0, 1, [damaged])   # the check row apart
    after = keys_of(postgres)
    assert after[destroyed] is None and after[damaged] == before[damaged] and after[kept] != before[kept]
    assert steps == [(2, 2)] and done.check_opened
    with PostgresKeyStore(postgres.conninfo(), new) as keystore:   # opens under the new master key
        assert keystore.data_key(kept, create=False) is not None and keystore.data_key(destroyed, create=False) is None
    with pytest.raises(WrongMasterKey):
        PostgresKeyStore(postgres.conninfo(), old)


def test_refused_while_a_follower_works(postgres, settings):
    old = base64.b64decode(settings.master_key.get_secret_value())
    PostgresKeyStore(postgres.conninfo(), old).close()   # the table and its check value
    before = keys_of(postgres)
    with psycopg.connect(postgres.conninfo(), autocommit=True) as follower:
        follower.execute("SELECT pg_advisory_lock(%s)", (lock_key("public"),))   # as a running follower holds it
        with pytest.raises(RotationRefused, match="a Sigill follower works on this database"):
            rotate(postgres.conninfo(), "public", old, new_key())
    assert keys_of(postgres) == before


def test_a_retried_write_from_before_the_rotation_is_answered_not_recorded_again(postgres, settings):
    """Idempotency-Keys are stored hashed under the master key: after a rotation, a client retrying a referral it
    sent before would have found nothing and opened the case a second time.  With the old key kept as
    SIGILL_PREVIOUS_MASTER_KEY for a day, the retry gets the first answer."""
    old, new = settings.master_key.get_secret_value(), text(new_key())
    users = Users(DevTokens(settings.data_dir))
    headers = {**users.social, "Idempotency-Key": "remiss-2026-17"}

    def post(with_settings):
        app = build_application(with_settings, clock=ManualClock(utc(2026, 2, 3)), location=postgres)
        context = build_api_context(app, with_settings, postgres)
        try:
            with TestClient(create_api(context), raise_server_exceptions=False) as client:
                return client.post("/api/v1/cases", json=REFERRAL, headers=headers)
        finally:
            context.close()
            app.close()

    first = post(settings)
    assert first.status_code == 201, first.text
    rotate(postgres.conninfo(), "public", base64.b64decode(old), base64.b64decode(new))
    retried = post(replace_keys(settings, master=new, previous=old))
    assert retried.status_code == 201 and retried.json() == first.json(), retried.text
    assert retried.headers["Idempotent-Replayed"] == "true" and count_cases(postgres) == 1
    # Without the old key the retry is not recognised (so the test above can fail): it opens a second case.
    assert post(replace_keys(settings, master=new, previous=None)).status_code == 201 and count_cases(postgres) == 2


def replace_keys(settings: Settings, *, master: str, previous: str | None) -> Settings:
    return Settings(data_dir=settings.data_dir, master_key=master, previous_master_key=previous)


def count_cases(postgres) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT count(DISTINCT originator_id) FROM sigill_events"
                            " WHERE topic LIKE '%%ReferralReceived'").fetchone()[0]


def test_where_the_owner_is_kept_apart_only_the_owner_rotates_and_the_keys_stay_kept(roles, settings):
    """The trigger that keeps a data key until its erasure refuses a rewrap too (the database cannot tell a key
    wrapped anew from one replaced): the owner sets it aside for the rotation's transaction alone."""
    owner, app_role = roles
    set_up_database(settings, owner, app_role.user)
    old = base64.b64decode(settings.master_key.get_secret_value())
    with PostgresKeyStore(app_role.conninfo(), old) as keystore:
        keystore.create_keys([uuid4()])
    before = keys_of(owner)
    with pytest.raises(RotationRefused, match="does not own the data keys' table: run this as the role that owns"):
        rotate(app_role.conninfo(), "public", old, new_key())
    assert keys_of(owner) == before
    done = rotate(owner.conninfo(), "public", old, new_key())
    assert done.rewrapped == 1 and done.check_opened and keys_of(owner).keys() == before.keys()
    with psycopg.connect(app_role.conninfo()) as conn, pytest.raises(psycopg.errors.RaiseException,
                                                                     match="a case's data key is kept"):
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = %s", (os.urandom(40),))   # the trigger is back


def test_a_process_starting_during_the_rotation_waits_and_then_refuses_the_old_key(postgres, settings):
    """Its key store's check reads the key table: had it read the rows from before the rotation's commit, it would
    start with the old master key and, after the commit, make new cases' keys under it (they would read as
    damaged under the new one)."""
    old = base64.b64decode(settings.master_key.get_secret_value())
    with PostgresKeyStore(postgres.conninfo(), old) as keystore:
        keystore.create_keys([uuid4()])
    opened: list = []

    def start_a_process() -> None:
        try:
            PostgresKeyStore(postgres.conninfo(), old).close()
            opened.append("started with the old key")
        except WrongMasterKey as refused:
            opened.append(refused)

    def meanwhile(done: int, total: int) -> None:   # within the rotation's transaction
        process = threading.Thread(target=start_a_process)
        process.start()
        process.join(1.0)
        assert process.is_alive() and not opened   # it waits for the rotation
        waiting.append(process)

    waiting: list[threading.Thread] = []
    rotate(postgres.conninfo(), "public", old, new_key(), meanwhile)
    waiting[0].join(10)
    assert len(opened) == 1 and isinstance(opened[0], WrongMasterKey)


def test_a_role_that_may_not_change_the_keys_is_told_to_run_it_as_the_owner(roles, settings):
    """Not "cannot reach the database", as the command said of any error of the database's."""
    owner, app_role = roles
    old = base64.b64decode(settings.master_key.get_secret_value())
    PostgresKeyStore(owner.conninfo(), old).close()
    with psycopg.connect(owner.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON sigill_data_keys TO {}").format(sql.Identifier(app_role.user)))
    before = keys_of(owner)
    with pytest.raises(RotationRefused, match=f"'{app_role.user}' may not change the data keys' table: run this as"
                                              " the role that owns Sigill's tables"):
        rotate(app_role.conninfo(), "public", old, new_key())
    assert keys_of(owner) == before


def test_a_server_left_running_with_the_old_key_answers_503_and_records_nothing(postgres, settings):
    """Its key store refuses to make or read keys with the old master key: the API says so (503, for the operator
    to restart it), never a 500, and no case is opened under a key the new master key cannot unwrap."""
    users = Users(DevTokens(settings.data_dir))
    app = build_application(settings, clock=ManualClock(utc(2026, 2, 3)), location=postgres)
    context = build_api_context(app, settings, postgres)
    try:
        with TestClient(create_api(context), raise_server_exceptions=False) as client:
            rotate(postgres.conninfo(), "public", base64.b64decode(settings.master_key.get_secret_value()), new_key())
            answer = client.post("/api/v1/cases", json=REFERRAL, headers=users.social)
    finally:
        context.close()
        app.close()
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "master_key_replaced", answer.text
    assert count_cases(postgres) == 0


def test_a_damaged_check_value_is_counted_apart_not_named_as_a_cases_key(postgres, settings, monkeypatch, capsys):
    """The master key's check value (the key table's row 0) is no case's key: damaged, it was put among the damaged
    data keys, and the operator read "1 datanycklar … (skadade rader; ärenden 00000000-…)" and was sent to restore
    a case that does not exist."""
    from services import cli_database, settings as settings_module
    from services.bootstrap import database as wired_database

    old, new = base64.b64decode(settings.master_key.get_secret_value()), new_key()
    with PostgresKeyStore(postgres.conninfo(), old) as keystore:
        case = uuid4()
        keystore.create_keys([case])
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = %s WHERE aggregate_id = %s", (os.urandom(40), CHECK_ID))
    done = rotate(postgres.conninfo(), "public", old, new)
    assert (done.rewrapped, done.damaged, done.check_opened, done.check_damaged) == (1, [], False, True)

    class Configured:
        def check(self) -> None:
            pass

        def previous_master_key_bytes(self) -> None:   # production-like: no development key file to speak of
            return None

    monkeypatch.setattr(settings_module, "Settings", Configured)
    monkeypatch.setattr(wired_database, "rotate_master_key", lambda settings, progress: done)
    assert cli_database._rotate_master_key(None) == 1
    said = capsys.readouterr()
    assert said.out.startswith("Huvudnyckeln bytt: 1 datanyckel omsluten med den nya")
    assert str(CHECK_ID) not in said.err and "datanyckel går inte" not in said.err, said.err
    assert len(said.err.strip().splitlines()) == 1 and "kontrollvärde" in said.err, said.err


def test_a_rotation_held_off_by_an_open_transaction_gives_up_in_time_and_says_why(postgres, settings):
    """The key table's lock waited, without a word and for as long as it took, behind any open transaction that had
    read the table (a backup running, a session left open)."""
    old = base64.b64decode(settings.master_key.get_secret_value())
    with PostgresKeyStore(postgres.conninfo(), old) as keystore:
        keystore.create_keys([uuid4()])
    before = keys_of(postgres)
    with psycopg.connect(postgres.conninfo()) as reader:
        reader.execute("SELECT count(*) FROM sigill_data_keys").fetchone()   # its transaction stays open
        with pytest.raises(RotationRefused, match="another transaction has held the data keys' table for 0.3 s"):
            rotate(postgres.conninfo(), "public", old, new_key(), lock_wait=0.3)
        assert keys_of(postgres) == before
    done = rotate(postgres.conninfo(), "public", old, new_key(), lock_wait=0.3)   # the reader has ended
    assert done.rewrapped == 1 and keys_of(postgres) != before



def test_web_forms_sent_again_after_the_rotation_are_answered_as_saved_not_saved_twice(postgres, settings):
    """A form's key is stored as an Idempotency-Key is, hashed (with its owner, the sign-in) under the master key,
    and its CSRF token is a MAC under a key from it: a form shown before the rotation and sent again after it — its
    first copy's answer lost as the server was stopped for the rotation — was "Formuläret har gått ut", and typed
    again it was saved twice.  With the old key kept as SIGILL_PREVIOUS_MASTER_KEY it is answered as saved."""
    old, new = settings.master_key.get_secret_value(), text(new_key())
    rotated = replace_keys(settings, master=new, previous=old)
    with web_server(settings, postgres) as web:
        signed_in(web, "soc-0180")
        referral = {**hidden_of(web.get(NEW_REFERRAL).text), **TYPED}
        opened = web.post(NEW_REFERRAL, data=referral, follow_redirects=False)
        assert opened.status_code == 303, opened.text[:400]
        decisions = opened.headers["location"].split("?")[0] + "/beslut"
        decision = {**form_of(web.get(decisions).text), "accepted": "true", "reasons": "Hög risk enligt SAVRY.",
                    "instruments": "SAVRY", "decided_on": "2026-02-02"}
        decided = web.post(decisions, data=decision, follow_redirects=False)
        assert decided.status_code == 303, decided.text[:400]
        # A second case for the same young person, confirmed: sent again, nothing asks before it opens a third.
        second = {**hidden_of(web.get(NEW_REFERRAL).text), **TYPED, "duplicate_confirmed": "on"}
        opened_second = web.post(NEW_REFERRAL, data=second, follow_redirects=False)
        assert opened_second.status_code == 303, opened_second.text[:400]
        cookies = dict(web.cookies)
    assert count_cases(postgres) == 2 and count_events(postgres, "EligibilityDecided") == 1
    rotate(postgres.conninfo(), "public", base64.b64decode(old), base64.b64decode(new))
    with web_server(rotated, postgres) as web:
        web.cookies.update(cookies)
        for path, form, first in ((NEW_REFERRAL, referral, opened), (decisions, decision, decided),
                                  (NEW_REFERRAL, second, opened_second)):
            again = web.post(path, data=form, follow_redirects=False)
            assert again.status_code == 303, again.text[:400]
            assert again.headers["location"] == first.headers["location"]
        # The same key with other content, or from another sign-in, is a command of its own, as before the
        # rotation: a second referral of the same young person, asked about (409), not answered with the first's case.
        changed = web.post(NEW_REFERRAL, data={**referral, "summary": "Ny uppgift."}, follow_redirects=False)
        other = signed_in(TestClient(web.app, raise_server_exceptions=False), "sam-0180")
        theirs = other.post(NEW_REFERRAL, data={**referral, "csrf": hidden_of(other.get(NEW_REFERRAL).text)["csrf"]},
                            follow_redirects=False)
        for answer in (changed, theirs):
            assert answer.status_code == 409 and ALREADY_OPEN in answer.text, answer.text[:400]
    assert count_cases(postgres) == 2 and count_events(postgres, "EligibilityDecided") == 1
    # A day on, without the old key, a form shown before the rotation is refused: nothing more is kept of it.
    with web_server(replace_keys(settings, master=new, previous=None), postgres) as web:
        web.cookies.update(cookies)
        assert web.post(decisions, data=decision, follow_redirects=False).status_code == 403
    assert count_events(postgres, "EligibilityDecided") == 1


NEW_REFERRAL = "/arenden/nytt"
ALREADY_OPEN = "Det finns redan ett öppet ärende för den här personen"


@contextmanager
def web_server(with_settings: Settings, postgres) -> Iterator[TestClient]:
    """The API and the web client on the database, as a server started with these settings mounts them."""
    app = build_application(with_settings, clock=ManualClock(utc(2026, 2, 3)), location=postgres)
    context = build_api_context(app, with_settings, postgres)
    try:
        api = create_api(context)
        mount_web(api, context, with_settings)
        with TestClient(api, raise_server_exceptions=False) as web:
            yield web
    finally:
        context.close()
        app.close()


def count_events(postgres, kind: str) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT count(*) FROM sigill_events WHERE topic LIKE %s", (f"%{kind}",)).fetchone()[0]


def form_of(html: str) -> dict[str, str]:
    """The hidden fields of the (first) form on a page: its CSRF token, key and the version it was shown at."""
    return dict(re.findall(r'<input type="hidden" name="(csrf|form_key|expected_version)" value="([^"]*)"', html))


def test_a_purpose_stated_before_the_rotation_is_still_the_cases_purpose_after_it(postgres, settings):
    """The purpose stated for a case's reads is sealed in a cookie under a key from the master key: after a rotation
    it no longer opened, and every read of the case was recorded without it until the caseworker noticed and said it
    again.  With the old key kept as SIGILL_PREVIOUS_MASTER_KEY it is read as before; a day on, it is gone."""
    old, new = settings.master_key.get_secret_value(), text(new_key())
    stated = "Förberedelse inför nätverksmöte"
    with web_server(settings, postgres) as web:
        signed_in(web, "soc-0180")
        opened = web.post(NEW_REFERRAL, data={**hidden_of(web.get(NEW_REFERRAL).text), **TYPED},
                          follow_redirects=False)
        case = opened.headers["location"].split("?")[0]
        said = web.post("/syfte", follow_redirects=False, data={
            "csrf": form_of(web.get(case).text)["csrf"], "purpose": stated, "back": case,
            "case": case.rsplit("/", 1)[1]})
        assert said.status_code == 303, said.text[:400]
        assert f'value="{stated}"' in web.get(case).text
        cookies = dict(web.cookies)
    rotate(postgres.conninfo(), "public", base64.b64decode(old), base64.b64decode(new))
    with web_server(replace_keys(settings, master=new, previous=old), postgres) as web:
        web.cookies.update(cookies)
        assert f'value="{stated}"' in web.get(case).text
    with web_server(replace_keys(settings, master=new, previous=None), postgres) as web:
        web.cookies.update(cookies)
        page = web.get(case)
        assert page.status_code == 200 and stated not in page.text
