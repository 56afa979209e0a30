"""`sigill follow`'s loop: a command's effect reaches the views and the ledger by itself, soon after."""

from __future__ import annotations

import threading

from services.bootstrap import build_ledger, build_view_runner
from services.follower import Follower
from tests.builders import POLICE
from tests.concurrency import eventually
from tests.service_behaviour import consenting_school


def test_a_new_contribution_reaches_the_schools_view_and_the_ledger_without_anyone_asking(app, settings, postgres):
    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    stop = threading.Event()
    follower = threading.Thread(target=Follower(runner, ledger, interval=0.05).run, args=(stop,), daemon=True)
    follower.start()
    try:
        case_id = consenting_school(app)
        app.record_contribution(case_id, by=POLICE, category="school", text="Skolk observerat.")
        assert eventually(lambda: any(f.content.get("text") == "Skolk observerat."
                                      for f in runner.store.facts("skola", case_id)))
        assert eventually(lambda: ledger.verify().unsealed == 0)
    finally:
        stop.set()
        follower.join(timeout=10)
    assert not follower.is_alive()


def test_the_follower_rides_out_an_unreachable_database(app, settings, postgres, caplog):
    runner, ledger = build_view_runner(app, settings, postgres), build_ledger(app, settings, postgres)
    calls = {"n": 0}
    real = runner.catch_up

    def flaky():
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OSError("connection refused")
        return real()

    runner.catch_up = flaky
    stop = threading.Event()
    thread = threading.Thread(target=Follower(runner, ledger, interval=0.01).run, args=(stop,), daemon=True)
    thread.start()
    assert eventually(lambda: calls["n"] > 3)
    stop.set()
    thread.join(timeout=10)
    assert "cannot be reached" in caplog.text
