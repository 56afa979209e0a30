"""`sigill views rebuild` while a follower works (`sigill serve`, `sigill follow`): the two build the views together,
and the command says so, rather than "Vyerna återuppbyggda ur 0 händelser" when the follower did the work."""

from __future__ import annotations

import threading

from services.bootstrap.feeds import build_follower
from tests.concurrency import eventually
from tests.integration.test_cli import sigill
from tests.service_behaviour import consenting_school


def test_a_rebuild_beside_a_working_follower_says_the_follower_built_with_it(app, settings, master_key, postgres,
                                                                           runner):
    consenting_school(app)
    follower = build_follower(app, settings, postgres)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert eventually(follower.working.is_set)
        rebuilt = sigill("views", "rebuild", env={"SIGILL_DATA_DIR": str(settings.data_dir),
                                                  "SIGILL_DATABASE_URL": postgres.url(),
                                                  "SIGILL_MASTER_KEY": master_key})
    finally:
        stop.set()
        thread.join(timeout=30)
    assert rebuilt.returncode == 0, rebuilt.stderr
    said = rebuilt.stdout.strip().splitlines()[-1]
    assert said.startswith("Vyerna återuppbyggda och à jour, tillsammans med följaren som arbetar på databasen"
                           " (`sigill serve` eller `sigill follow`); det här kommandot bearbetade själv "), said
    assert ", följaren resten." in said and "återuppbyggda ur" not in said, said
    assert runner.store.max_tracking_id(app.name) == app.recorder.max_notification_id()   # current, as it says


def test_a_rebuild_with_no_follower_at_work_counts_the_events_it_built_from(app, settings, master_key, postgres):
    consenting_school(app)
    events = app.recorder.max_notification_id()
    rebuilt = sigill("views", "rebuild", env={"SIGILL_DATA_DIR": str(settings.data_dir),
                                              "SIGILL_DATABASE_URL": postgres.url(), "SIGILL_MASTER_KEY": master_key})
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.strip().splitlines()[-1] == f"Vyerna återuppbyggda ur {events} händelser."
