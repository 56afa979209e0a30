"""The application's behaviour on PostgreSQL: the same suite as in memory, on the real store."""

from __future__ import annotations

import psycopg
import pytest

from services.bootstrap import build_application
from services.clock import ManualClock
from services.settings import Settings
from tests.builders import BORN_2009_03_14, utc
from tests.service_behaviour import CaseApplicationBehaviour, open_case


class TestOnPostgreSQL(CaseApplicationBehaviour):
    pass


def test_no_column_holds_personal_data_in_plaintext(app, postgres):
    open_case(app)
    with psycopg.connect(postgres.conninfo()) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        for table in tables:
            dump = "\n".join(repr(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
            for secret in ("Peter", BORN_2009_03_14.replace("-", "")[2:], "rån"):
                assert secret not in dump, f"{table} holds personal data in plaintext"


def test_a_new_application_instance_reads_what_another_wrote(app, postgres, tmp_path, master_key):
    case_id, number = open_case(app)
    again = build_application(Settings(data_dir=tmp_path, master_key=master_key), location=postgres)
    try:
        assert again.find_case(number) == case_id and again.get_case(case_id).subject.name == "Peter Exempel"
    finally:
        again.close()


@pytest.fixture
def other(postgres, tmp_path, master_key):
    """A second application on the same database, as another process would be."""
    application = build_application(Settings(data_dir=tmp_path, master_key=master_key),
                                     clock=ManualClock(utc(2026, 2, 3)), location=postgres)
    yield application
    application.close()


class TestTwoProcessesWritingOneCase:
    """Each application keeps the cases it saved last in memory; another writer makes that copy stale."""

    def test_a_stale_copy_is_replaced_by_the_stored_case(self, app, other):
        from datetime import date

        from tests.builders import SOCIAL

        case_id, _ = open_case(app)
        app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(),
                               decided_on=date(2026, 2, 2))                       # app keeps version 2
        other.add_member(case_id, by=SOCIAL, agency="skola", contact_person="Kim", role="kurator")  # version 3
        result = app.add_member(case_id, by=SOCIAL, agency="polis", contact_person="Sam", role="kontakt",
                                expected_version=3)
        assert result.version == 4
        assert set(other.get_case(case_id).members) == {"skola", "polis"}

    def test_a_stale_copy_never_turns_a_valid_command_into_an_error(self, app, other):
        from datetime import date

        from domain.values import Guardian, ScopeEntry
        from tests.builders import SOCIAL

        case_id, _ = open_case(app)
        app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(),
                               decided_on=date(2026, 2, 2))
        other.record_guardians(case_id, by=SOCIAL, guardians=(Guardian("", "Maria"),))
        mother = next(iter(other.get_case(case_id).guardians))
        app.grant_consent(case_id, by=SOCIAL, consenter=mother, scope=(ScopeEntry("skola", ("case",)),),
                          purpose="Samverkan", valid_from=date(2026, 2, 3), valid_until=None, form="written")
        assert app.get_case(case_id).version == 4


class TestCaseNumbersDrawnByTwoProcesses:
    """Each process keeps the year's case-number series it last used and reads only the numbers drawn since: a
    referral read the whole series, one event a case of the year, so the thousandth case read a thousand events."""

    def test_numbers_drawn_in_turns_follow_on_and_each_process_finds_every_one(self, app, other):
        opened = [open_case(writer) for writer in (app, other, other, app, app, other)]
        assert [number for _, number in opened] == [f"0180-2026-{n:04d}" for n in range(1, 7)]
        for reader in (app, other):
            assert [reader.find_case(number) for _, number in opened] == [case_id for case_id, _ in opened]

    def test_a_kept_series_reads_only_the_numbers_drawn_since(self, app, other, monkeypatch):
        for _ in range(5):
            open_case(app)
        open_case(other)                        # a number app has not seen
        asked = []
        get = app.events.get
        monkeypatch.setattr(app.events, "get", lambda originator_id, **kw: asked.append(kw) or get(originator_id, **kw))
        assert open_case(app)[1] == "0180-2026-0007"
        assert asked == [{"gt": 5}]   # app's copy (begun, five numbers): its fifth again, to check it, and the sixth

    def test_a_kept_series_ahead_of_a_restored_database_is_read_again(self, app, postgres):
        """A database restored from an older backup under a running process: the copy it kept is ahead of what is
        stored, and drew the numbers of cases that no longer exist (at a version leaving a gap in the series)."""
        for _ in range(3):
            open_case(app)
        series_id = _series_id(app)
        with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:   # as a restore would leave it
            conn.execute("SET session_replication_role = replica")           # past the append-only triggers
            conn.execute("DELETE FROM sigill_events WHERE originator_id = %s AND originator_version > 2", (series_id,))
        case_id, number = open_case(app)
        assert number == "0180-2026-0002" and app.find_case(number) == case_id


def _series_id(app):
    from domain.case_numbers import CaseNumberSeries
    return CaseNumberSeries.series_id("0180", 2026)


def test_a_large_action_plan_is_saved_without_hanging(app):
    """eventsourcing's pipelined insert deadlocked on saves this large (see gateways/postgres_recorder.py)."""
    import threading
    from datetime import date

    from domain.group_commands import PlanRowDraft
    from tests.builders import SOCIAL

    case_id, _ = open_case(app)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(),
                           decided_on=date(2026, 2, 2))
    long = "Ett långt stycke text om vad som ska göras och hur. " * 75  # ~3,900 characters
    rows = [PlanRowDraft(area="Skola", goal=long, how=long, responsible="Den unge", follow_up=long)
            for _ in range(80)]                                             # ~1 MB of plan
    done: list = []
    worker = threading.Thread(target=lambda: done.append(app.revise_plan(case_id, by=SOCIAL, main_goal="Mål",
                                                                         rows=rows)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert done, "saving a large plan hung"
    assert len(app.get_case(case_id).plan_rows) == 80
