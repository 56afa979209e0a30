"""The application's behaviour on PostgreSQL: the same suite as in memory, on the real store."""

from __future__ import annotations

import base64
import os

import psycopg
import pytest

from services.bootstrap import build_application
from services.clock import ManualClock
from services.settings import Settings
from tests.builders import BORN_2009_03_14, utc
from tests.service_behaviour import CaseApplicationBehaviour, open_case


@pytest.fixture
def master_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def app(postgres, tmp_path, master_key):
    settings = Settings(data_dir=tmp_path, master_key=master_key)
    application = build_application(settings, clock=ManualClock(utc(2026, 2, 3)), location=postgres)
    yield application
    application.close()


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
