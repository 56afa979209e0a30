"""`sigill audit verify` names a diverging case by its number beside its id: the id alone sent a supervisor
elsewhere to learn which case it is.  The number is sealed in the case's referral, under its key, which verify does
without; the case lists hold it in plaintext, and a role that may not read them is told where to find it."""

from __future__ import annotations

import re
from dataclasses import replace

import psycopg

from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import demo_data, sigill


def test_verify_names_the_altered_case_by_its_number_or_says_where_to_find_it(tmp_path):
    env = demo_data(tmp_path)
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    public_key = sigill("audit", "public-key", env=env).stdout.split()[0]
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        nid, case_id = conn.execute("SELECT notification_id, originator_id FROM sigill_events WHERE topic NOT LIKE"
                                    " 'domain.case_numbers:%' ORDER BY notification_id DESC LIMIT 1").fetchone()
        conn.execute("UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE notification_id = %s", (nid,))
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'jo_granskare'").fetchone():
            conn.execute("CREATE ROLE jo_granskare LOGIN")
        conn.execute("GRANT SELECT ON sigill_events, sigill_ledger, sigill_ledger_checkpoints TO jo_granskare")
    found = sigill("audit", "verify", env=env)
    assert found.returncode == 1 and f"(ärende {case_id}, händelse " in found.stdout, found.stdout
    assert f"Ärendet är 0180-2026-0001 (ärende-id {case_id}; numret ur ärendelistan)." in found.stdout.splitlines()
    # An outside party's role, granted the ledger alone: the id, and where the number is.
    outside = {"SIGILL_DATA_DIR": str(tmp_path / "jo"), "SIGILL_ENVIRONMENT": "production",
               "SIGILL_DATABASE_URL": replace(location, user="jo_granskare").url()}
    told = sigill("audit", "verify", "--trust-key", public_key, env=outside)
    assert told.returncode == 1 and f"(ärende {case_id}, händelse " in told.stdout, told.stdout + told.stderr
    assert "0180-2026-0001" not in told.stdout and told.stderr == ""
    assert re.search(rf"^Ärendets nummer slogs inte upp: databasrollen får inte läsa ärendelistan \(GRANT SELECT ON"
                     rf" view_cases\); installationens granskningssida /granskning/arenden/{case_id} visar det\.$",
                     told.stdout, re.M), told.stdout
