"""A review of 2026-12-06's changes: what `sigill audit verify --checkpoints` still missed or told with the wrong exit,
as an insider with the tables' owner (every trigger off) against a file a supervisor kept."""

from __future__ import annotations

import json

from tests.integration.test_cli import sigill
from tests.integration.test_tamper_red_team_2026_12_06 import installation, owner  # noqa: F401 - the fixture

__all__ = ["installation"]


def test_the_access_log_dropped_whole_is_caught_by_the_exported_file(installation):  # noqa: F811
    """Both of the access log's tables dropped: the database alone reads as one where no read was ever logged (its
    absence is exit 3 in production, and not told as a change elsewhere), but the file kept says 4 reads were signed
    for — it was "Åtkomstloggen finns inte i databasen …", exit 0.  Without the file, the tables' stamp is what
    tells (``test_cli_auditor_pointers``)."""
    env, location, kept = installation
    owner(location, "DROP TABLE sigill_access_log, sigill_access_log_checkpoints")
    against = sigill("audit", "verify", "--checkpoints", str(kept), env=env)
    assert against.returncode == 1, against.stdout + against.stderr
    assert ("Åtkomstloggen ÄNDRAD: läsningar till och med 4 signerades enligt den exporterade filen men finns inte"
            " längre: loggen har kortats eller skrivits om sedan filen skrevs.") in against.stdout
    # Without a file, the tables' stamp says the log was made here (until 2026-12-07 nothing did: exit 0).
    alone = sigill("audit", "verify", env=env)
    assert alone.returncode == 1 and "Åtkomstloggen ÄNDRAD: åtkomstloggens tabeller saknas, fast de har skapats" \
        in alone.stdout, alone.stdout


def test_a_changed_ledger_is_exit_1_even_where_the_files_access_log_checkpoint_is_bad(installation, tmp_path):  # noqa: F811
    """The README: "unless the ledger changed, which is always 1". The file's ledger checkpoints are checked before
    the ledger's walk; its access-log checkpoint was checked only after the ledger had been found changed (and said
    so), and a bad one then made the run exit 3."""
    env, location, kept = installation
    owner(location, "UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE notification_id ="
                    " (SELECT min(notification_id) FROM sigill_events)")
    document = json.loads(kept.read_text())
    document["access_log"][0]["seq"] = 3   # moved: its signature is of entry 4's
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    result = sigill("audit", "verify", "--checkpoints", str(bad), env=env)
    assert "händelser före den stämmer" in result.stdout, result.stdout + result.stderr   # the ledger told changed
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the access log's checkpoint 1 of the file has a signature that does not verify" in result.stderr
