"""A build of the views from the first event judged by worker processes (``services/build_workers.py``): the same
rows, to the byte and the number, as one process writes; a worker that stops leaves the views at the last span
written, and a catch-up goes on from there; a worker under another catalogue judges nothing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import psycopg
import pytest

from gateways.build_reads import build_lock_key
from gateways.prepared_batch import PreparedBatch, joined
from projections.agency_views import ViewUpdate
from services.bootstrap import BUILD_WORKER_CONNECTIONS, ViewWorkerRecipe, build_view_runner
from services.build_workers import BuildWorkers, spans
from services.ports import ViewsMovedOn
from tests.builders import CATALOGUE, POLICE, SOCIAL
from tests.concurrency import eventually
from tests.integration.feed_history import interleaved_history
from tests.integration.test_cli import sigill
from tests.integration.test_agency_views import busy_case
from tests.integration.test_feed_store import withdrawn_long_ago
from tests.service_behaviour import consenting_school, contributed_case

AGENCIES = tuple(CATALOGUE.agencies)


def many_histories(app) -> None:
    """Cases of every kind the views tell apart, their events interleaved: consents withdrawn and lapsing, hidden
    police facts, two municipalities, a case closed, a case erased (its events tombstones to the build)."""
    interleaved_history(app, rounds=4)
    busy = [busy_case(app) for _ in range(3)]
    withdrawn_long_ago(app)
    school = consenting_school(app)
    app.clock.advance(timedelta(days=2))
    app.record_contribution(school, by=POLICE, category="crime", text="Dold uppgift.", legal_basis="lul6")
    erased = contributed_case(app)
    app.keystore.destroy(erased)
    app.close_case(busy[0], by=SOCIAL, reason="other", outcome="Arbetet är avslutat.")


def everything(postgres) -> tuple:
    """Every row the views and the feeds' bookkeeping hold, in the order written (the log by its id, whose values
    a rebuild moves on; each row's feed, number and event id kept), sealed content left out (its nonces differ)."""
    with psycopg.connect(postgres.conninfo()) as conn:
        facts = conn.execute("SELECT agency, case_id, fact_id, version, kind, category, origin, recorded_at,"
                             " visible_since, basis FROM view_facts ORDER BY agency, case_id, fact_id").fetchall()
        log = conn.execute("SELECT case_id, agency, fact_id, kind, category, change, basis, at, notification_id,"
                           " event_id, feed, seq, cause FROM disclosure_log ORDER BY id").fetchall()
        cases = conn.execute("SELECT agency, case_id, case_number, phase, next_meeting, plan_revision, facts,"
                             " consents_in_force, next_consent_end, next_calendar_moment, plan_follow_up,"
                             " protected_personal_data, calendar_sealed IS NULL FROM view_cases"
                             " ORDER BY agency, case_id").fetchall()
        counters = conn.execute("SELECT * FROM feed_sequence ORDER BY feed").fetchall()
        places = conn.execute("SELECT * FROM case_municipality ORDER BY case_id").fetchall()
    return facts, log, cases, counters, places


def in_parallel(runner, workers: int = 2, batch: int = 7) -> None:
    """Every build of this runner judged by ``workers`` processes, in spans of ``batch`` notification ids."""
    runner.parallel_from, runner.build_workers, runner.batch_size = 0, workers, batch


def test_a_rebuild_judged_by_workers_writes_what_one_process_writes(app, runner, postgres):
    many_histories(app)
    runner.batch_size = 7
    runner.rebuild()
    alone = everything(postgres)
    in_parallel(runner)
    processed = runner.rebuild()
    assert processed == app.recorder.max_notification_id()
    assert everything(postgres) == alone
    assert len(alone[1]) > 100 and not runner.store.feeds_building()
    in_parallel(runner, workers=3, batch=1_000)   # one span, three shares (one of them empty, most likely)
    runner.rebuild()
    assert everything(postgres) == alone


def test_the_first_build_over_stored_events_is_judged_by_workers_too(app, runner, settings, postgres):
    many_histories(app)
    runner.batch_size = 5
    runner.catch_up()
    alone = everything(postgres)
    runner.rebuild()   # a replaced log kept: the rows of today's log are the same again
    in_parallel(runner)
    runner.rebuild()
    assert everything(postgres) == alone


def test_a_worker_that_stops_leaves_the_rest_of_the_build_to_the_runner_alone(app, runner, postgres, caplog,
                                                                              monkeypatch):
    """What stops a worker would stop the next ones too (in the follower, at every round, the feeds closed): the
    runner goes on alone from the last span written, and says so."""
    many_histories(app)
    runner.batch_size = 4
    runner.rebuild()
    alone = everything(postgres)
    in_parallel(runner, batch=4)
    killed, positions, started = [], [], []
    monkeypatch.setattr(BuildWorkers, "__enter__", lambda self, enter=BuildWorkers.__enter__: started.append(self)
                        or enter(self))

    def kill_a_worker(done: int) -> None:
        positions.append(runner.known_position)
        if not killed:
            worker = next(p for p in multiprocessing.active_children() if p.name == "sigill-views-build-1")
            os.kill(worker.pid, signal.SIGKILL)
            killed.append(worker.pid)
    processed = runner.rebuild(kill_a_worker)
    assert everything(postgres) == alone and not runner.store.feeds_building()
    assert processed >= app.recorder.max_notification_id()
    assert ("a worker of the views' build stopped (exit code -9) before its cases were judged; the build goes on"
            " judged by this process alone") in caplog.text
    assert 0 < positions[0] < app.recorder.max_notification_id()   # the workers' spans were written before it
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("sigill-views-build")]
    assert len(started) == 1   # the rest of that build judged alone: no workers started again for it
    runner.rebuild()   # the next rebuild tries workers again: the failure was the build before's
    assert len(started) == 2 and everything(postgres) == alone


def test_a_worker_under_another_agency_catalogue_judges_nothing(app, runner, postgres, caplog):
    many_histories(app)
    runner.catch_up()
    before = everything(postgres)
    in_parallel(runner)
    runner.worker_recipe = replace(runner.worker_recipe, catalogue="0" * 32)
    runner.rebuild()   # by the runner alone, under its own catalogue
    assert everything(postgres) == before
    assert "ConfigurationError: the views' build worker reads another agency catalogue" in caplog.text


def test_a_worker_s_error_is_said_by_its_class_alone_unless_it_is_a_configuration_error():
    from services.build_workers import _said
    from services.settings import ConfigurationError

    assert _said(ValueError("Kalle Anka 20090314-2388")) == "ValueError"
    assert _said(ConfigurationError("SIGILL_CATALOGUE names no file")) == (
        "ConfigurationError: SIGILL_CATALOGUE names no file")


def test_a_short_build_is_judged_by_the_runner_alone(app, runner, monkeypatch):
    many_histories(app)
    runner.build_workers = 2   # parallel_from as shipped: far more than this history
    monkeypatch.setattr("services.view_runner.BuildWorkers", None)   # started, it would fail
    runner.rebuild()
    assert runner.position == app.recorder.max_notification_id()


def test_the_runner_as_bootstrap_builds_it_has_a_recipe_of_its_own_settings(runner, settings, postgres):
    assert runner.worker_recipe == ViewWorkerRecipe(settings, postgres, runner.app.catalogue.digest)


def test_while_another_process_builds_in_parallel_a_runner_judges_alone(app, runner, postgres, monkeypatch):
    """The follower, each API worker and a command all finish a build under way: one of them starts workers."""
    many_histories(app)
    runner.batch_size = 7
    runner.rebuild()
    alone = everything(postgres)
    in_parallel(runner)
    monkeypatch.setattr("services.view_runner.BuildWorkers", None)   # started, it would fail
    with psycopg.connect(postgres.conninfo(), autocommit=True) as builder:
        builder.execute("SELECT pg_advisory_lock(%s)", (build_lock_key(runner.store.datastore.schema),))
        runner.rebuild()
    assert everything(postgres) == alone


def test_a_number_of_workers_out_of_range_is_refused_in_one_line(tmp_path):
    result = sigill("views", "catch-up", env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_VIEW_BUILD_WORKERS": "0"})
    assert result.returncode == 1 and result.stderr.strip() == (
        "sigill: SIGILL_VIEW_BUILD_WORKERS: must be a number of processes from 1 to 64"), result.stderr


def test_the_setting_is_the_runner_s_number_of_workers(app, settings, postgres):
    runner = build_view_runner(app, settings.model_copy(update={"view_build_workers": 3}), postgres)
    try:
        assert runner.build_workers == 3
    finally:
        runner.store.close()


def test_spans_cover_the_build_in_ranges_of_the_batch_size():
    assert spans(0, 10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert spans(5, 6, 4) == [(5, 6)] and spans(6, 6, 4) == []


def _batch(log_positions: list[int], generation: str | None = "g1", building: bool = True) -> PreparedBatch:
    case = uuid4()
    update = ViewUpdate(erased={case} if not log_positions else set(), municipalities={case: "0180"})
    log = [[case, "polis", f"f{p}", "k", "c", "disclosed", b"", None, p, b"", None, b"", None, None]
           for p in log_positions]
    return PreparedBatch(update, [("polis", case)], [], log, [], [], [None] * len(log), frozenset(), True,
                         generation if log else None, building=building)


def test_joined_batches_keep_notification_order_and_every_row():
    first, second = _batch([1, 1, 4, 9]), _batch([2, 4 + 0, 5])
    batch = joined([first, second])
    assert [row[8] for row in batch.log] == [1, 1, 2, 4, 4, 5, 9]
    assert [row[2] for row in batch.log if row[8] == 4] == ["f4", "f4"]
    assert batch.log[3][0] == first.log[2][0]   # at one position, the first worker's rows first (its case)
    assert len(batch.facts) == 2 and batch.plains == [None] * 7 and batch.building
    assert batch.update.municipalities.keys() == first.update.municipalities.keys() | second.update.municipalities.keys()
    assert batch.generation == "g1"
    empty = _batch([])
    assert joined([empty, first]).update.erased == empty.update.erased


def test_batches_of_two_id_generations_or_not_of_a_build_are_not_joined():
    with pytest.raises(ViewsMovedOn):
        joined([_batch([1]), _batch([2], generation="g2")])
    with pytest.raises(ValueError):
        joined([_batch([1]), _batch([2], building=False)])


def test_a_worker_that_cannot_be_started_leaves_none_of_the_others_running(app, runner, monkeypatch):
    many_histories(app)
    in_parallel(runner, workers=3)
    spawning = multiprocessing.get_context("spawn").Process
    start, started = spawning.start, []

    def second_refused(process) -> None:
        if started:
            raise OSError("no more processes")
        handed = process._args[5]   # the worker's queue, held here: the runner's is let go as the start fails
        start(process)
        started.append((process, handed, handed.get(timeout=60)))   # the first worker runs: it handed a span on
    monkeypatch.setattr(spawning, "start", second_refused)
    with pytest.raises(OSError, match="no more processes"):
        runner.rebuild()
    first = started[0][0]
    first.join(timeout=10)
    assert not first.is_alive()


def test_a_worker_holds_few_connections(app, runner, postgres):
    """Each worker reads in one thread: pools of the library's size (five each, more while busy) took 14 a worker, so
    the default eight used up a stock PostgreSQL's hundred on their own, and a worker that cannot connect stops
    the build.  The workers' connections are counted by their name in this database alone: the cluster is shared,
    and another test's connections closing meanwhile once made a count of the whole cluster fail."""
    many_histories(app)
    in_parallel(runner, workers=2, batch=4)
    counted: list[int] = []

    runner.rebuild(lambda done: counted.append(_worker_connections(postgres)))
    assert 2 <= max(counted) <= 2 * 4, counted   # a pool of the application, the views, the keys; the listener


def _build_and_hang(settings, location, told) -> None:
    """A building process (spawned): a build judged by two workers, which tells their pids at its first span
    written and then waits to be killed."""
    from services.bootstrap import build_application   # noqa: PLC0415 - in the spawned process
    runner = build_view_runner(build_application(settings, location=location), settings, location)
    in_parallel(runner, batch=4)

    def hang(done: int) -> None:
        told.put([p.pid for p in multiprocessing.active_children() if p.name.startswith("sigill-views-build")])
        time.sleep(120)
    runner.rebuild(hang)


def _ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")   # a zombie has ended; only not reaped
    except FileNotFoundError:
        return True


def test_the_workers_end_with_a_building_process_that_is_killed(app, settings, postgres):
    """Killed mid-build, the building process reads nothing more: its workers, their queues full, would otherwise
    wait for ever, each holding its connections (a watcher thread ends each with the process that started it)."""
    many_histories(app)
    spawning = multiprocessing.get_context("spawn")
    told = spawning.Queue()
    building = spawning.Process(target=_build_and_hang, args=(settings, postgres, told))   # not daemonic: it starts
    building.start()                                                                       # processes of its own
    try:
        workers = told.get(timeout=60)
        assert len(workers) == 2 and not any(_ended(pid) for pid in workers)
        assert _worker_connections(postgres) > 0
    finally:
        os.kill(building.pid, signal.SIGKILL)
        building.join(timeout=10)
    ended = eventually(lambda: all(_ended(pid) for pid in workers), seconds=20)
    for pid in workers:   # failing, the test leaves no process behind holding its connections
        if not _ended(pid):
            os.kill(pid, signal.SIGKILL)
    assert ended   # and a backend leaves as its client ends:
    assert eventually(lambda: _worker_connections(postgres) == 0, seconds=20)


def _worker_connections(postgres) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND application_name = %s", (BUILD_WORKER_CONNECTIONS,)).fetchone()[0]


@pytest.mark.parametrize("small", [False, True], ids=["by COPY", "in one call"])
def test_a_batch_of_a_case_erased_since_it_was_judged_writes_none_of_its_rows(app, runner, postgres, monkeypatch,
                                                                              small):
    """A build's spans are judged and sealed while those before them are written: a case erased meanwhile, and its
    erasure told to the feeds (``record_erasures``, which deletes its view rows), was followed by the case's rows —
    its plaintext case list (number, next calendar moment) kept for good, messages after the agency was told the
    case is gone.  Found under the log's lock, they are left out; the other cases' rows are written.  A small batch
    too (``sigill_apply_views``): an API worker's, or `sigill views catch-up`'s, judged before an erasure that the
    follower (or `sigill views calendar`) told the feeds before it was written."""
    from eventsourcing.persistence import Tracking

    from gateways import view_batch_rows
    from services.view_runner import CASE_TOPICS

    if not small:
        monkeypatch.setattr(view_batch_rows, "SMALL_BATCH_ROWS", -1)   # by COPY, as a build's spans go
    kept, erased = busy_case(app), consenting_school(app)
    runner.catch_up()
    position = runner.position
    for case_id in (kept, erased):
        app.clock.advance(timedelta(minutes=5))
        app.record_contribution(case_id, by=POLICE, category="crime", text="Ny uppgift.", legal_basis="lul6")
    page = app.recorder.select_notifications(start=position, limit=100, inclusive_of_start=False)
    update = runner.views.process([(n.id, app.mapper.to_domain_event(n)) for n in page if n.topic in CASE_TOPICS])
    prepared = runner.store.prepare(update)
    assert {r[0] for r in prepared.log} == {kept, erased} and prepared.small is small
    app.keystore.destroy(erased)
    assert runner.store.record_erasures() > 0
    written = runner.store.write(prepared, Tracking(app.name, page[-1].id), position)
    assert {r[0] for r in written.rows} == {kept} and len(written.plains) == len(written.rows)
    with psycopg.connect(postgres.conninfo()) as conn:
        left = [conn.execute(f"SELECT count(*) FROM {t} WHERE case_id = %s", (erased,)).fetchone()[0]
                for t in ("view_facts", "view_cases")]
        after = conn.execute("SELECT change FROM disclosure_log WHERE case_id = %s AND id > (SELECT min(id)"
                             " FROM disclosure_log WHERE case_id = %s AND change = 'erased')", (erased, erased)).fetchall()
        kept_rows = conn.execute("SELECT count(*) FROM disclosure_log WHERE case_id = %s AND notification_id > %s",
                                 (kept, position)).fetchone()[0]
    assert left == [0, 0] and all(change == "erased" for (change,) in after) and kept_rows > 0
    assert runner.position == page[-1].id
