"""`sigill audit verify` reads its checks — the ledger, the access log, the auditors' index both ways, the erasures —
in one read-only snapshot: two connections to Sigill's database (the ledger's walk reads a second scan beside the
first, in the same snapshot), where it opened nine; and a role refused one check still has the others made."""

from __future__ import annotations

import time
from dataclasses import replace

import psycopg

from tests.integration.test_cli import sigill
from tests.integration.test_tamper_follow_up_2026_12_06 import installation  # noqa: F401 - a fixture

OTHER_CLIENTS = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                 " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")


def sessions(location) -> int:
    """The sessions established to the database so far (``pg_stat_database``), read once every other client's has
    ended: a backend counts its session in before it leaves ``pg_stat_activity``."""
    deadline = time.monotonic() + 10
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        while conn.execute(OTHER_CLIENTS).fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.05)
        return conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]


def test_verify_opens_two_connections_to_the_database_for_all_its_checks(installation):  # noqa: F811
    env, location, _ = installation
    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env).returncode == 0  # an access log
    before = sessions(location)
    idle = sessions(location) - before   # what reading the count adds itself
    before = sessions(location)
    result = sigill("audit", "verify", env=env)
    opened = sessions(location) - before - idle
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Åtkomstloggen oförändrad" in result.stdout and "har ingen rad som händelserna motsäger" in result.stdout
    assert opened == 2, opened


def test_a_role_refused_the_access_log_still_has_the_index_and_the_erasures_checked(installation, tmp_path):  # noqa: F811
    """The refused check's error rolls back to its savepoint: the checks after it read the same snapshot, not a
    transaction aborted by it."""
    env, location, _ = installation
    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env).returncode == 0
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS ivo_granskare")
        conn.execute("CREATE ROLE ivo_granskare LOGIN")
        conn.execute("GRANT SELECT ON sigill_events, sigill_ledger, sigill_ledger_checkpoints, view_cases,"
                     " case_municipality, agency_views_tracking, sigill_data_keys, sigill_erasures TO ivo_granskare")
    key = sigill("audit", "public-key", env=env).stdout.strip()
    outside = {"SIGILL_DATA_DIR": str(tmp_path / "ivo"), "SIGILL_ENVIRONMENT": "production",
               "SIGILL_DATABASE_URL": replace(location, user="ivo_granskare").url()}
    result = sigill("audit", "verify", "--trust-key", key, env=outside)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Åtkomstloggen kontrollerades inte: databasrollen får inte läsa den" in result.stdout
    assert "Granskningens ärendeindex saknar inget ärende som händelserna har." in result.stdout
    assert "Granskningens ärendeindex har ingen rad som händelserna motsäger" in result.stdout
    assert "Gallrade ärenden med registrerat beslut: 0." in result.stdout
