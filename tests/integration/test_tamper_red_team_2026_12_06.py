"""A red team of the tamper evidence (2026-12-06), as an insider with the tables' owner (every trigger off) but not
the ledger's signing key: what `sigill audit verify` and an auditor holding an exported file can still see."""

from __future__ import annotations

import json

import psycopg
import pytest

from gateways.embedded_postgres import start_embedded
from services.access_chain import GENESIS, entry_link
from services.access_entry import AccessEntry
from tests.integration.test_cli import sigill

CASE = "0180-2026-0001"


def owner(location, *statements: str, params=None) -> None:
    """The tables' owner (here the superuser) past every append-only trigger."""
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement, params)


@pytest.fixture
def installation(tmp_path):
    """The demo's data, its case replayed four times (four reads in the access log, each batch signed), and the
    checkpoints exported as a supervisor keeps them."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    for agency in ("polis", "skola", "bup", "polis"):
        assert sigill("audit", "replay", "--case", CASE, "--agency", agency, "--as-of", "2026-03-10",
                      env=env).returncode == 0
    kept = tmp_path / "kept.json"
    assert sigill("audit", "export", "--out", str(kept), env=env).returncode == 0
    return env, start_embedded(tmp_path / "postgres").with_database("sigill"), kept


def rechain(location, drop: int | None = None, what: tuple[int, str] | None = None) -> None:
    """The access log written again from entry 2 on — entry ``drop`` left out, or entry ``what[0]``'s ``what``
    changed — renumbered and chained again (no key needed), and every checkpoint from entry 2 on deleted."""
    with psycopg.connect(location.conninfo()) as conn:
        rows = conn.execute("SELECT seq, at, case_id, subject, agency, roles, what, details FROM sigill_access_log"
                            " ORDER BY seq").fetchall()
    rows = [r if what is None or r[0] != what[0] else (*r[:6], what[1], r[7]) for r in rows if r[0] != drop]
    owner(location, "DELETE FROM sigill_access_log WHERE seq >= 2",
          "DELETE FROM sigill_access_log_checkpoints WHERE seq >= 2")
    link = GENESIS
    for seq, row in enumerate(rows, start=1):
        link = entry_link(link, seq, AccessEntry(*row[1:7], "", ""), bytes(row[7]))
        if seq >= 2:
            owner(location, "INSERT INTO sigill_access_log VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                  params=(seq, *row[1:], link))


def test_a_read_removed_and_the_log_chained_again_is_caught_by_the_exported_file(installation):
    """Read 2 removed, the reads after it renumbered and chained again and the checkpoints after read 1 deleted: the
    installation's own checkpoints cannot tell (inherent: the chain needs no key), the file kept outside can."""
    env, location, kept = installation
    rechain(location, drop=2)
    alone = sigill("audit", "verify", env=env)
    assert alone.returncode == 0 and "Åtkomstloggen oförändrad: 3 läsningar stämmer" in alone.stdout
    against = sigill("audit", "verify", "--checkpoints", str(kept), env=env)
    assert against.returncode == 1, against.stdout + against.stderr
    assert ("Åtkomstloggen ÄNDRAD: läsningar till och med 4 signerades enligt den exporterade filen men finns inte"
            " längre: loggen har kortats eller skrivits om sedan filen skrevs.") in against.stdout


def test_a_read_altered_and_the_log_chained_again_is_caught_by_the_exported_file(installation):
    env, location, kept = installation
    rechain(location, what=(2, "case"))
    against = sigill("audit", "verify", "--checkpoints", str(kept), env=env)
    assert against.returncode == 1, against.stdout + against.stderr
    assert ("Åtkomstloggen ÄNDRAD: den exporterade kontrollpunkten (ur filen) vid läsning 4 stämmer inte med loggen:"
            " den har skrivits om sedan filen skrevs.") in against.stdout
    assert "före stämmer" not in against.stdout   # chained again consistently: no read can be said to be as written


def test_an_unchanged_log_is_confirmed_against_the_file_and_a_file_that_does_not_verify_is_a_bad_one(installation,
                                                                                                     tmp_path):
    env, _, kept = installation
    assert [c["seq"] for c in json.loads(kept.read_text())["access_log"]] == [4]   # the last one: it commits to all
    against = sigill("audit", "verify", "--checkpoints", str(kept), env=env)
    assert against.returncode == 0, against.stdout + against.stderr
    assert ("Åtkomstloggen oförändrad: 4 läsningar stämmer, 4 signerade kontrollpunkter bekräftade (däribland den i"
            " den exporterade filen).") in against.stdout
    older = tmp_path / "older.json"   # as export wrote it before 2026-12-06
    older.write_text(json.dumps({k: v for k, v in json.loads(kept.read_text()).items() if k != "access_log"}))
    assert sigill("audit", "verify", "--checkpoints", str(older), env=env).returncode == 0
    document = json.loads(kept.read_text())
    document["access_log"][0]["seq"] = 3   # moved: its signature is of entry 4's
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    result = sigill("audit", "verify", "--checkpoints", str(forged), env=env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "the access log's checkpoint 1 of the file has a signature that does not verify" in result.stderr


def test_an_open_case_whose_key_was_destroyed_past_sigill_erase_with_a_decision_recorded_is_told(installation):
    """No trigger stands in the way (the application's role writes the key table and the record of erasures): an
    open case — the demo's ends at a withdrawal — looked culled under a decision, as a routine gallring would."""
    env, location, _ = installation
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        case_id = conn.execute("SELECT case_id FROM view_cases WHERE case_number = %s LIMIT 1", (CASE,)).fetchone()[0]
        conn.execute("INSERT INTO sigill_erasures (case_id, municipality, decision, erased_by) VALUES"
                     " (%s, '0180', 'SN 2026/17', 'cli:uid1000@host')", (case_id,))
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = NULL, destroyed_at = now() WHERE aggregate_id = %s",
                     (case_id,))
    result = sigill("audit", "verify", env=env)
    assert "Gallrade ärenden med registrerat beslut: 1." in result.stdout
    assert ("Obs: 1 gallrat ärende saknar avslut bland sina lagrade händelser – nyckeln förstördes medan ärendet var"
            " öppet: efter en återställning (`sigill erase --even-if-open`), ett avböjt ärende gallrat före 2026-12-05"
            " (då gallrades sådana utan avslut), eller förbi `sigill erase` av någon med databasens rättigheter:"
            f" {case_id}.") in result.stdout


def test_the_report_made_against_the_file_holds_the_access_log_to_it_as_verify_does(installation, tmp_path):
    """`sigill audit report --checkpoints` said the case's reads were as written (its check of the case's reads alone
    cannot see a log chained again) while verify against the same file found the log rewritten."""
    env, location, kept = installation
    report = tmp_path / "rapport.html"
    made = sigill("audit", "report", "--case", CASE, "--out", str(report), "--checkpoints", str(kept), env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    assert ("Hela åtkomstloggen kontrollerades också, mot installationens kontrollpunkter och åtkomstloggens"
            " kontrollpunkt i filen") in report.read_text()
    document = json.loads(kept.read_text())
    document["access_log"][0]["seq"] = 3   # moved: its signature is of entry 4's
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    refused = sigill("audit", "report", "--case", CASE, "--out", str(report), "--checkpoints", str(forged), env=env)
    assert refused.returncode == 3 and "the access log's checkpoint 1 of the file has a signature" in refused.stderr

    rechain(location, drop=2)
    made = sigill("audit", "report", "--case", CASE, "--out", str(report), "--force", "--checkpoints", str(kept),
                  env=env)
    assert made.returncode == 1, made.stdout + made.stderr
    # The report's own read is logged first, as read 4 of the log chained again: the file's read 4 is not it.
    finding = ("den exporterade kontrollpunkten (ur filen) vid läsning 4 stämmer inte med loggen: den har skrivits om"
               " sedan filen skrevs")
    assert f"Historiken har ändrats: åtkomstloggen har ändrats: {finding}" in made.stderr
    text = report.read_text()
    assert f"Varning: Åtkomstloggen har ändrats: {finding}" in text
    assert "som visas här är de som skrevs" not in text   # never beside the finding
    older = tmp_path / "older.json"   # a file without the access log's checkpoint: the report as before
    older.write_text(json.dumps({k: v for k, v in json.loads(kept.read_text()).items() if k != "access_log"}))
    made = sigill("audit", "report", "--case", CASE, "--out", str(report), "--force", "--checkpoints", str(older),
                  env=env)
    assert made.returncode == 0 and "kontrolleras med <code>sigill audit verify</code>" in report.read_text()
