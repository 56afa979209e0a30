"""`sigill audit …` as an auditor runs it, on the demo's data."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import psycopg
import pytest

from domain.disclosure import RULES_VERSION
from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import demo_data, sigill


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return demo_data(tmp_path_factory.mktemp("audit"))


def test_verify_reports_an_intact_ledger(env):
    result = sigill("audit", "verify", env=env)
    assert result.returncode == 0 and re.search(r"Oförändrad: \d+ händelser", result.stdout)


def test_replay_shows_what_the_police_could_see_before_the_withdrawal_and_why(env):
    before = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-10",
                    env=env)
    after = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-21",
                   env=env)
    assert before.returncode == 0 and "Planrad Skola" in before.stdout and "samtycke" in before.stdout
    assert "Planrad Hälsa" not in before.stdout
    assert "Planrad Skola" not in after.stdout and "snatteri" in after.stdout  # only its own remains
    facts = before.stdout.split("\n\n")[0].splitlines()[1:]   # the agency's standing follows, after a blank line
    assert facts and all(re.match(r"  v\d+ [a-z2-7]{24}  ", line) for line in facts)  # event version, public id
    # Who consented and until when — the guardians by role, never by name — with the consents' ids beside it.
    row = next(line for line in facts if "Planrad Skola" in line)
    assert re.search(r"\[samtycke från den unge och vårdnadshavare 1 och 2, t\.o\.m\. 2027-02-11 "
                     r"\([0-9a-f]{8}, [0-9a-f]{8}, [0-9a-f]{8}\)\]$", row), row
    assert not any(re.search(r"\[[^]]*(Maria|Johan)", line) for line in facts)


def test_replay_says_why_the_police_saw_nothing_and_its_standing_by_the_rules(env):
    """The police joined the group on 13 February: on the 12th it saw nothing, and the replay says why (it used to
    end at "se 0 uppgifter … :").  After the mother's withdrawal, whose consent is missing for each category."""
    early = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-02-12",
                   env=env)
    head, why = early.stdout.splitlines()[:2]
    assert early.returncode == 0 and head.endswith("se 0 uppgifter i ärendet (återskapat ur händelserna).")
    assert re.fullmatch(r"Polisen var inte medlem i gruppen vid tidpunkten: den gick med först 2026-02-13 "
                        r"\d\d:\d\d:\d\d CET\.", why), why
    assert "Ställning vid tidpunkten (ur händelserna, enligt utlämnandereglerna):" in early.stdout
    # The categories as a consent's facts and the report's consents list them (the catalogue's order, "ärendet, skola,
    # brottslighet", before 2026-12-07).
    assert re.search(r"^    den unge: ärendet, brottslighet, skola, t\.o\.m\. 2027-02-11 \([0-9a-f]{8}\)$",
                     early.stdout, re.M)
    later = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-21",
                   env=env)
    standing = later.stdout.split("\n\n")[1]
    assert "Aktiv medlem i gruppen sedan 2026-02-13" in standing
    assert "samtycke krävs från den unge och från varje vårdnadshavare med vårdnad – vårdnadshavare 1 och" in standing
    for category in ("ärendet", "skola", "brottslighet"):
        assert re.search(rf"^    {category}: inte täckt – samtycke saknas från vårdnadshavare 1 \(samtycke [0-9a-f]{{8}}"
                         r" återkallades 2026-03-20 \d\d:\d\d:\d\d CET\)$", standing, re.M), standing
    assert "vårdnadshavare 1:" not in standing   # her consent is no longer in force
    assert not re.search(r"Maria|Johan", later.stdout.split("\n\n", 1)[1])   # guardians by role, never by name


def test_disclosures_name_each_fact_as_the_replay_does(env):
    replay = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "skola", "--as-of", "2026-03-10",
                    env=env)
    listed = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    # Each fact it was given (its own, no disclosure to it, are not listed: ``is_disclosure``).
    given = [line for line in replay.stdout.splitlines() if "[egen uppgift" not in line]
    handles = set(re.findall(r"v\d+ [a-z2-7]{24}", "\n".join(given)))
    assert handles and handles <= set(re.findall(r"v\d+ [a-z2-7]{24}", listed.stdout))  # two processes, one id


def test_disclosures_list_each_change_with_its_basis(env):
    result = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and any("lämnades ut" in l and "samtycke" in l for l in lines)
    assert any("upphörde" in l for l in lines)
    # Each change says what caused it: what the mother's withdrawal ended says so, naming her consent.
    ended = [l for l in lines if "upphörde" in l]
    assert ended and all(re.search(r"orsak: samtycke [0-9a-f]{8} återkallades$", l) for l in ended)
    assert any(l.endswith("orsak: uppgiften registrerades") for l in lines if "lämnades ut" in l)
    # The basis says who consented (by role) and until when, the ids beside it; an ended row the basis it had.
    consented = [l for l in lines if "[samtycke" in l]
    assert consented and all(re.search(r"\[samtycke från den unge och vårdnadshavare 1 och 2, t\.o\.m\. 2027-02-11 "
                                       r"\([0-9a-f]{8}, [0-9a-f]{8}, [0-9a-f]{8}\)\]", l) for l in consented)
    assert any("upphörde" in l for l in consented)
    assert not any(re.search(r"\[[^]]*(Maria|Johan)", l) for l in lines)



def _in_process(env: dict[str, str], monkeypatch, capsys, case: str, *args: str) -> tuple[int, str, str, list[str]]:
    """`sigill …` run in this process: its exit, its output and errors, and each statement that read the events table
    for the case (``_reads_of``: the ledger's check's read, the application's, the repository's; its number's series
    is another aggregate's, and not counted)."""
    from services import cli
    from tests.integration.api.test_audit_replay_reads import _reads_of

    monkeypatch.setenv("SIGILL_DATA_DIR", env["SIGILL_DATA_DIR"])
    with _reads_of(monkeypatch, case) as reads:
        code = cli.main(list(args))
    told = capsys.readouterr()
    return code, told.out, told.err, reads


COMMANDS = {"disclosures": ("disclosures",), "replay": ("replay", "--agency", "polis", "--as-of", "2026-03-10"),
            "report": ("report", "--out", "-")}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_auditors_command_reads_the_case_once_the_rows_the_ledger_checked(env, monkeypatch, capsys, command):
    """Named by its number or its id, the case is read once: the rows the ledger's check read, of which the answer
    is made.  `disclosures` read the case again for its guardians (who consented, by role), and an id was read
    once more to see that the case is there (`replay`, `report` too): reads the ledger did not check."""
    location = start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:   # the demo's one case
        case_id = str(conn.execute("SELECT originator_id FROM sigill_events WHERE topic LIKE '%%ReferralReceived'"
                                   ).fetchone()[0])
    answers = []
    for reference in ("0180-2026-0001", case_id):
        code, out, _, reads = _in_process(env, monkeypatch, capsys, case_id, "audit", *COMMANDS[command][:1],
                                       "--case", reference, *COMMANDS[command][1:])
        assert code == 0 and len(reads) == 1 and "uuid_send(originator_id)" in reads[0], (reference, reads)
        answers.append(out if command != "report" else out.split("<h2 id=timeline-heading>Tidslinje</h2>")[1].split("<h2")[0])
    assert answers[0] == answers[1] and "Skola" in answers[0]   # the report's other parts tell of its own reads
    if command == "disclosures":   # who consented, the guardians by role, from the case the log's read folded
        assert "[samtycke från den unge och vårdnadshavare 1 och 2, t.o.m. 2027-02-11 (" in answers[0]


def test_an_erased_cases_report_is_refused_from_its_one_read_before_anything_is_logged(tmp_path, monkeypatch,
                                                                                       capsys):
    """The report resolved the case first, a read of its own (unchecked), and an id was refused there, as erased;
    named by its number the case was not read first: the read was logged, the whole ledger verified, and only the
    report's own read refused it.  Either way it is now refused from the report's one read — the rows the ledger's
    check read — before anything is logged, in the same one line and exit."""
    from services.bootstrap import build_application
    from services.settings import Settings
    from tests.builders import SOCIAL

    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    app = build_application(Settings(data_dir=tmp_path))
    try:
        case_id = app.find_case("0180-2026-0001")
        app.close_case(case_id, by=SOCIAL, reason="other", outcome="Arbetet är avslutat.")
    finally:
        app.close()
    assert sigill("erase", "--case", "0180-2026-0001", "--decision", "SN 2026/45", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")

    def logged() -> int:   # the log is made by the first read logged: none yet is none
        with psycopg.connect(location.conninfo()) as conn:
            if conn.execute("SELECT to_regclass('sigill_access_log')").fetchone()[0] is None:
                return 0
            return conn.execute("SELECT count(*) FROM sigill_access_log").fetchone()[0]

    before = logged()
    for reference in ("0180-2026-0001", str(case_id)):
        code, out, err, reads = _in_process(env, monkeypatch, capsys, str(case_id), "audit", "report", "--case",
                                            reference, "--out", "-")
        assert code == 1 and out == "" and logged() == before, (reference, out[:300])
        assert re.fullmatch(rf"sigill: case {case_id} was erased 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d CES?T under the"
                            rf" decision SN 2026/45 \(its data key is destroyed\): nothing of it can be replayed or"
                            rf" reported; what the agencies were told of it is kept:"
                            rf" sigill views log --case {case_id}\n", err), err
        assert len(reads) == 1 and "uuid_send(originator_id)" in reads[0], (reference, reads)
    nothing = "00000000-0000-0000-0000-000000000000"   # no such case: as it was refused, and where the cases are
    assert _in_process(env, monkeypatch, capsys, nothing, "audit", "report", "--case", nothing, "--out", "-")[:3] == (
        2, "", "sigill: no such case (the cases' numbers and ids, no case read: `sigill audit cases`)\n")
    assert logged() == before


def test_an_auditor_is_told_who_recorded_the_police_referral_in_its_name(env):
    """Social services registered the police's LUL 6 § notification: the auditor's replay of the police's view says so
    beside the referral, and nothing else is said to be recorded in another's name."""
    result = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "socialtjanst", "--as-of",
                    "2026-03-10", env=env)
    recorded = [line for line in result.stdout.splitlines() if "(registrerad av Socialtjänsten)" in line]
    assert result.returncode == 0 and len(recorded) == 1 and "Aktualisering" in recorded[0], result.stdout


def test_replay_says_when_the_case_did_not_exist_yet_or_the_moment_is_to_come(env):
    before = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2020-01-01",
                    env=env)
    assert before.returncode == 0 and "se 0 uppgifter" in before.stdout
    assert "ärendet registrerades först 2026-" in before.stdout and "fanns det inte" in before.stdout
    future = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2099-01-01",
                    env=env)
    assert future.returncode == 0 and "tidpunkten ligger i framtiden" in future.stdout
    assert re.search(r"den 2099-01-01 23:59:59 CET se \d+ uppgift", future.stdout)   # to the second, with the zone


def test_disclosures_to_an_agency_that_never_had_any_say_so(env):
    result = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "sis", env=env)
    assert result.returncode == 0 and result.stdout.strip() == "Inga utlämnanden till Statens institutionsstyrelse (SiS)."


def test_an_agencys_own_facts_are_no_disclosures_in_audit_disclosures_as_in_the_report(env):
    """`audit disclosures` listed social services' own facts as "lämnades ut" to it (basis "egen uppgift"), while the
    report's "Vem kunde se vad" left them out as no disclosures: an agency's own contribution is not disclosed to it.
    Both leave them out, and say how many rows they left out (an omission an auditor can tell from a gap); a fact
    recorded in another's name reaches that agency under consent like anyone's, and stays listed."""
    listed = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "socialtjanst", env=env)
    lines = listed.stdout.splitlines()
    assert listed.returncode == 0 and lines, listed.stderr
    assert not any("[egen uppgift" in line for line in lines), listed.stdout
    assert re.fullmatch(r"\d+ rader om myndigheternas egna uppgifter \(det myndigheten själv registrerade\) visas"
                        r" inte: en egen uppgift lämnas inte ut till den som registrerade den\. Vad en myndighet kunde"
                        r" se, egna uppgifter medräknade, visar återspelningen\.", lines[-1]), lines[-1]
    police = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "polis", env=env).stdout
    assert "från Polisen" in police and "(registrerad av Socialtjänsten)" in police   # recorded in its name
    report = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    table = report.split("<h2 id=log-heading>Vem kunde se vad, när och varför</h2>")[1].split("</table>")[0]
    assert "egen uppgift (myndigheten är ursprung)" not in table and "<p id=own-facts>" in report


def test_report_is_one_self_contained_html_file(env, tmp_path):
    out = tmp_path / "rapport.html"
    result = sigill("audit", "report", "--case", "0180-2026-0001", "--out", str(out), env=env)
    html = out.read_text("utf-8")
    assert result.returncode == 0 and html.startswith("<!doctype html>")
    assert out.stat().st_mode & 0o777 == 0o600
    assert "Oförändrad" in html and "Samtycken" in html and "Vem kunde se vad" in html
    assert "src=" not in html and "href=" not in html  # nothing fetched from elsewhere
    # Each consent's history, not only its state now: the mother's withdrawal, with when she gave it first.
    consents = html.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("<h2")[0]
    assert consents.count("lämnat 2026-") == 3   # history
    assert consents.count("<br>återkallat 2026-") == 1 and consents.count("<strong>återkallat 2026-") == 1   # validity
    assert "Samverkan" in consents or "skriftligt" in consents
    assert "20090314-2396" not in html and "200903142396" not in html  # masked only
    log = html.split("Vem kunde se vad")[1]
    assert "<th scope=col>Orsak</th>" in log and "återkallades</td>" in log and "gick med i gruppen</td>" in log


def test_the_report_says_who_consented_and_until_when_with_the_consents_ids_beside(env):
    """The log's basis read "samtycke c65eb72b, 5dd39a44, 5e8d9cee": a supervisor had to look each id up in the
    consents' table.  It says who consented (the auditor sees the names: the consents' table shows them) and until
    when, as the web client's disclosure log does; the ids stay beside it, in small print, for cross-reference."""
    html = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    consents = html.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("<h2")[0]
    ids = re.findall(r"<tr><th scope=row>([0-9a-f]{8})</th>", consents)
    log = html.split("Vem kunde se vad")[1]
    readable = ("samtycke från den unge och vårdnadshavarna Maria Exempel och Johan Exempel, t.o.m. 2027-02-11"
                f" <small class=ids>({', '.join(ids)})</small></td>")
    assert len(ids) == 3 and readable in log
    assert "<td class=basis>lag: LUL 6 § underrättelse</td>" in log
    assert not re.search(r"<td class=basis>samtycke [0-9a-f]{8}", log)   # no basis left told by ids alone


def test_export_writes_checkpoints_that_verify_accepts(env, tmp_path):
    out = tmp_path / "kontrollpunkter.json"
    assert sigill("audit", "export", "--out", str(out), env=env).returncode == 0
    result = sigill("audit", "verify", "--checkpoints", str(out), env=env)
    assert result.returncode == 0
    alone = sigill("audit", "verify", env=env)
    confirmed = re.compile(r"(\d+) signerade? kontrollpunkt")   # "1 signerad kontrollpunkt"
    assert confirmed.search(result.stdout)[1] == confirmed.search(alone.stdout)[1]   # each checkpoint counted once


@pytest.mark.parametrize("args,message", [
    (("--case", "0180-2026-0999", "--agency", "polis", "--as-of", "2026-03-01"), "no case has that number"),
    (("--case", "0180-2026-0001", "--agency", "nasa", "--as-of", "2026-03-01"), "unknown agency 'nasa'"),
    # Capitalised, or empty: the agencies were not named in the line, nor in --help.
    (("--case", "0180-2026-0001", "--agency", "Polis", "--as-of", "2026-03-01"),
     "unknown agency (the agencies: arbetsformedlingen, bup, fritid, frivilligorganisation, missbruksvard, polis,"),
    (("--case", "0180-2026-0001", "--agency", "", "--as-of", "2026-03-01"), "(the agencies: arbetsformedlingen, "),
    (("--case", "0180-2026-0001", "--agency", "polis", "--as-of", "igår"), "is not a date or time"),
    (("--case", "0180-2026-0001", "--agency", "polis", "--as-of", "9999-12-31"), "is not between 1900-01-01"),
    (("--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2199-12-31T23:59:59-23:59"), "in Swedish time"),
    (("--case", "0180-2026-0001", "--agency", "polis", "--as-of", "20260310"), "is not a date or time"),
    (("--case", "not-a-case", "--agency", "polis", "--as-of", "2026-03-01"), "a case number looks like"),
])
def test_bad_arguments_give_one_readable_line_and_a_non_zero_exit(env, args, message):
    result = sigill("audit", "replay", *args, env=env)
    assert result.returncode == 2 and message in result.stderr   # the caller's input; 1 is a finding, 3 unverified
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_files_that_cannot_be_written_or_read_are_one_line_naming_the_file(env, tmp_path):
    unwritable = sigill("audit", "export", "--out", str(tmp_path / "saknas" / "k.json"), env=env)
    assert unwritable.returncode == 2 and "cannot write the checkpoints to" in unwritable.stderr
    binary, listed = tmp_path / "binary.json", tmp_path / "listed.json"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    listed.write_text('{"format": "sigill-ledger-checkpoints/1", "checkpoints": [{"notification_id": [1],'
                      ' "link": "00", "signed_at": "2026-03-01T00:00:00+00:00", "public_key": "", "signature": ""}]}')
    a_list, nested, lacking, a_number = (tmp_path / f"{name}.json" for name in ("list", "nested", "lacking", "number"))
    a_list.write_text("[]")
    nested.write_text("[" * 100_000)   # a traceback (RecursionError) and exit 1, "the ledger changed", before
    lacking.write_text('{"format": "sigill-ledger-checkpoints/1", "checkpoints": [{}]}')
    a_number.write_text('{"format": "sigill-ledger-checkpoints/1", "checkpoints": [1]}')
    for path, message in ((binary, "is not a checkpoint file"), (listed, "checkpoint 1 of the file cannot be read"),
                          (a_list, "not a sigill-ledger-checkpoints/1 file"), (nested, "nested too deep"),
                          (lacking, "checkpoint 1 of the file lacks notification_id, link, signed_at"),
                          (a_number, "checkpoint 1 of the file is not an object")):
        result = sigill("audit", "verify", "--checkpoints", str(path), env=env)
        assert result.returncode == 3 and message in result.stderr, result.stderr   # not verified: not a change
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_report_that_cannot_be_written_is_refused_before_the_case_is_read(env, tmp_path):
    """`--out` in a directory that is not there, or naming a directory: the report was made — the whole ledger
    verified, the case read and the read logged (the young person's extract showing a report no one got) — and only
    then refused.  The file is opened first: one line, exit 2, nothing read, logged or left behind."""
    location = start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")

    def reads() -> int:
        with psycopg.connect(location.conninfo()) as conn:
            return conn.execute("SELECT count(*) FROM sigill_access_log").fetchone()[0]

    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env).returncode == 0   # the log exists
    before = reads()
    for out, why in ((tmp_path / "saknas" / "r.html", "No such file or directory"), (tmp_path, "Is a directory")):
        result = sigill("audit", "report", "--case", "0180-2026-0001", "--out", str(out), env=env)
        assert result.returncode == 2 and result.stdout == "", result.stdout
        assert result.stderr.strip().splitlines() == [f"sigill: cannot write the report to {out}: {why}"]
    assert reads() == before
    # An unknown case leaves no empty file behind either; a report written over an earlier one (--force) replaces it
    # whole.
    out = tmp_path / "rapport.html"
    assert sigill("audit", "report", "--case", "0180-2026-0999", "--out", str(out), env=env).returncode == 2
    assert not out.exists()
    out.write_text("x" * 1_000_000)
    assert sigill("audit", "report", "--case", "0180-2026-0001", "--out", str(out), "--force", env=env).returncode == 0
    html = out.read_text("utf-8")
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>") and reads() == before + 1
    assert out.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("command", [("report", "--case", "0180-2026-0001"), ("export",)])
def test_an_existing_file_is_not_written_over_without_force(env, tmp_path, command):
    """An auditor's report or a supervisor's exported checkpoints, kept as evidence, were replaced without a word when
    the same --out was given again: refused in one line (exit 2, a bad argument), nothing read or logged, the file
    whole; --force replaces it."""
    location = start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")

    def reads() -> int:
        with psycopg.connect(location.conninfo()) as conn:
            return conn.execute("SELECT count(*) FROM sigill_access_log").fetchone()[0]

    kept = tmp_path / "bevis"
    kept.write_text("evidence kept since March")
    kept.chmod(0o640)
    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env).returncode == 0   # the log exists
    before = reads()
    refused = sigill("audit", *command, "--out", str(kept), env=env)
    what = "the report" if command[0] == "report" else "the checkpoints"
    assert refused.returncode == 2 and refused.stdout == "", refused.stdout
    assert refused.stderr.strip().splitlines() == [
        f"sigill: {kept} already exists: give another file name for {what}, or --force to replace it"]
    assert kept.read_text() == "evidence kept since March" and kept.stat().st_mode & 0o777 == 0o640
    assert reads() == before
    assert sigill("audit", *command, "--out", str(kept), "--force", env=env).returncode == 0
    assert kept.read_text("utf-8") != "evidence kept since March" and kept.stat().st_mode & 0o777 == 0o600
    assert sigill("audit", *command, "--out", os.devnull, env=env).returncode == 0   # no file of evidence: as before


def test_verify_exits_non_zero_and_names_the_event_when_one_was_altered(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:
        nid = conn.execute("SELECT max(notification_id) FROM sigill_events").fetchone()[0]
        conn.execute("UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE notification_id = %s", (nid,))
    result = sigill("audit", "verify", env=env)
    assert result.returncode == 1 and f"ÄNDRAD vid position {nid} i händelseloggen (ärende " in result.stdout
    # The altered case can no longer be read: one line that says what to run, not a traceback …
    unreadable = sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env)
    assert unreadable.returncode == 1 and "sigill audit verify" in unreadable.stderr, unreadable.stderr
    assert len(unreadable.stderr.strip().splitlines()) == 1
    # … and the supervisor's report says so, with where the verification found the change.
    report = tmp_path / "rapport.html"
    made = sigill("audit", "report", "--case", "0180-2026-0001", "--out", str(report), env=env)
    assert made.returncode == 1 and f"ÄNDRAD vid position {nid} i händelseloggen" in made.stderr, made.stderr
    html = report.read_text()
    assert "Ärendets historik kan inte läsas" in html and f"ÄNDRAD vid position {nid} i händelseloggen" in html


def test_one_altered_wrapped_key_is_named_as_that_case_s_not_blamed_on_the_master_key(tmp_path):
    """A red team's finding: one bit flipped in one case's wrapped key, and `replay` said "check SIGILL_MASTER_KEY"
    (the master key is right), `report` died with a traceback (its read could not be logged: the reader's name is
    sealed under that key), and had the start-up check's arbitrary row been that one, every command would have
    refused to start.  Now each command that needs the key says in one line that this case's key is damaged, naming
    the case by id, and every other command starts — with or without the key table's check value."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        case_id = conn.execute("SELECT originator_id FROM sigill_events WHERE topic LIKE '%%ReferralReceived'"
                               ).fetchone()[0]
        conn.execute("UPDATE sigill_data_keys SET wrapped_key = set_byte(wrapped_key, 5, get_byte(wrapped_key, 5) # 1)"
                     " WHERE aggregate_id = %s", (case_id,))
    for check_value in ("kept", "removed"):   # removed: a database from before it, checked against the keys
        if check_value == "removed":
            with psycopg.connect(location.conninfo(), autocommit=True) as conn:
                conn.execute("DELETE FROM sigill_data_keys WHERE aggregate_id = '00000000-0000-0000-0000-000000000000'")
        for command in (("replay", "--agency", "polis", "--as-of", "2026-03-10"), ("disclosures",),
                        ("report", "--out", str(tmp_path / "r.html"))):
            result = sigill("audit", command[0], "--case", "0180-2026-0001", *command[1:], env=env)
            assert result.returncode == 1 and result.stdout == "", (command, result.stdout)
            assert result.stderr.strip().splitlines() == [
                f"sigill: the data key of case {case_id} is damaged (it does not unwrap under the master key, which"
                " unwraps the others): that case's events cannot be read; restore its row of sigill_data_keys from a"
                " backup"], (check_value, command, result.stderr[-600:])
        # The school's list shows that case, as it did: its read is logged without the reader's name and purpose
        # (sealed under a case's key, which this one's is not), where it failed the list and every read logged with
        # it; the rest starts and runs.
        listed = sigill("views", "cases", "--agency", "skola", "--purpose", "Tillsyn", env=env)
        assert listed.returncode == 0 and listed.stdout.startswith("Skolan: 1 ärende\n"), listed.stderr
        with psycopg.connect(location.conninfo()) as conn:
            logged = conn.execute("SELECT case_id, what, details FROM sigill_access_log ORDER BY seq DESC LIMIT 1"
                                  ).fetchone()
        assert logged[:2] == (case_id, "views.cases:skola") and bytes(logged[2]) == b""
        assert sigill("views", "catch-up", env=env).returncode == 0
        assert sigill("audit", "verify", env=env).returncode == 0


def test_a_case_cut_short_at_its_end_is_not_replayed_or_reported_as_if_whole(tmp_path):
    """Removing a case's last events (here the mother's withdrawal) leaves a history that still reads; only the
    ledger knows it is short, so every command that shows the case asks the ledger first."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0 and sigill("audit", "seal", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:
        case_id, version, nid = conn.execute(
            "SELECT originator_id, originator_version, notification_id FROM sigill_events"
            " WHERE topic LIKE '%%ConsentWithdrawn' ORDER BY notification_id DESC LIMIT 1").fetchone()
        assert version == conn.execute("SELECT max(originator_version) FROM sigill_events"
                                       " WHERE originator_id = %s", (case_id,)).fetchone()[0]  # the case's last
        conn.execute("DELETE FROM sigill_events WHERE notification_id = %s", (nid,))
    for command in (("replay", "--agency", "polis", "--as-of", "2026-03-21"), ("disclosures",)):
        result = sigill("audit", command[0], "--case", "0180-2026-0001", *command[1:], env=env)
        assert result.returncode == 1 and result.stdout == "", result.stdout   # nothing shown of it
        assert f"version {version}: removed" in result.stderr and "sigill audit verify" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    report = tmp_path / "rapport.html"
    made = sigill("audit", "report", "--case", "0180-2026-0001", "--out", str(report), env=env)
    # Written, and a finding: exit 1, as verify's, with one line saying so (it exited 0 before 2026-12-04).
    assert made.returncode == 1 and made.stdout == f"Rapporten skriven till {report}.\n", made.stdout
    assert made.stderr.startswith(f"Historiken har ändrats: ÄNDRAD vid position {nid} i händelseloggen")
    assert len(made.stderr.strip().splitlines()) == 1
    html = report.read_text("utf-8")
    assert f"inte den som liggaren förseglade: händelse {version} i ärendets historik" in html and "<h2 id=timeline-heading>Tidslinje</h2>" not in html
    assert f"ÄNDRAD vid position {nid} i händelseloggen" in html and "inte längre finns lagrad" in html
    # Under the number it was asked for (and is filed under), from the case list: it read "ärende-id <uuid>" alone.
    assert "<h1>Granskningsrapport – ärende 0180-2026-0001</h1>" in html and f"ärende-id {case_id} · " in html
    assert report.stat().st_mode & 0o077 == 0   # names, health and crime details: its owner's only


def test_reads_through_the_command_line_are_in_the_access_log_with_their_purpose_sealed(tmp_path):
    """The young person's extract must show that the case was read here too, as for any reader."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    case = ("--case", "0180-2026-0001")
    for command in (("replay", *case, "--agency", "polis", "--as-of", "2026-03-10", "--purpose", "Tillsyn 17/2026"),
                    ("disclosures", *case), ("report", *case, "--out", str(tmp_path / "r.html"))):
        assert sigill("audit", *command, env=env).returncode == 0, command
    # An agency's stored view shown on the command line is a read too (its contributions' texts, say).
    shown = sigill("views", "show", *case, "--agency", "skola", "--purpose", "Tillsyn 17/2026", env=env)
    assert shown.returncode == 0 and "Närvaro" in shown.stdout
    # So is the stored disclosure log: which agency got which kind of fact, on what basis.
    assert sigill("views", "log", *case, "--purpose", "Tillsyn 17/2026", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:
        rows = conn.execute("SELECT what, agency, roles, subject, details FROM sigill_access_log ORDER BY seq"
                            ).fetchall()
    assert [r[0].split(":")[0] for r in rows] == ["audit.replay", "audit.disclosures", "audit.report", "views.show",
                                                  "views.log"]
    assert rows[-2][0] == "views.show:skola"
    assert all(r[1] == "sigill" and r[2] == "auditor" and r[3].startswith("cli:uid") for r in rows)
    assert all(b"Tillsyn" not in bytes(r[4]) for r in rows)   # the purpose is sealed, as the reader's name
    verified = sigill("audit", "verify", env=env)
    assert verified.returncode == 0 and re.search(
        r"Åtkomstloggen oförändrad: 5 läsningar stämmer, [1-9]\d* signerade kontrollpunkter bekräftade\.", verified.stdout)
    # Read back in another session time zone (PGTZ, a role's setting): the same instants, other text — the chain
    # covers them in UTC, or every entry would read as altered (a review's finding).
    assert sigill("audit", "verify", env={**env, "PGTZ": "Europe/Stockholm"}).returncode == 0
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # a superuser's tampering
        conn.execute("ALTER TABLE sigill_access_log DISABLE TRIGGER append_only")
        conn.execute("UPDATE sigill_access_log SET what = 'audit.report' WHERE seq = 2")
    altered = sigill("audit", "verify", env=env)
    assert altered.returncode == 1 and "Oförändrad: " in altered.stdout   # the ledger is whole; the reads are not
    assert "Åtkomstloggen ÄNDRAD: läsning 2 har ändrats. 1 läsning före stämmer." in altered.stdout   # not "1 läsningar"
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # its signed checkpoints, gone
        conn.execute("DROP TABLE sigill_access_log_checkpoints")
    gone = sigill("audit", "verify", env=env)
    assert gone.returncode == 1 and "Åtkomstloggen ÄNDRAD: en av åtkomstloggens två tabeller saknas." in gone.stdout


def test_views_list_the_cases_and_show_what_an_agency_sees_now(env):
    cases = sigill("views", "cases", "--agency", "socialtjanst", env=env)
    assert cases.returncode == 0 and "0180-2026-0001" in cases.stdout and "pågående insats" in cases.stdout
    assert cases.stdout.splitlines()[0] == "Socialtjänsten: 1 ärende"   # it read "1 ärenden"
    lead = sigill("views", "show", "--agency", "socialtjanst", "--case", "0180-2026-0001", env=env).stdout
    # Every fact said what it is, as the demo says it: all but texts and goals read as bare kinds ("möte", "medlem").
    for said in ("ärende         Ärende 0180-2026-0001 (Stockholm)", "den unge       Den unge: Peter Exempel, 20090314-****",
                 "medlem         Polisen med i gruppen (Sam Polis, kontaktperson)",
                 "möte           Mötet 2026-03-05: Polisen deltog",
                 # the guardians by role, as the bases name them: this output ends up in tickets and chats
                 "vårdnadshavare Vårdnadshavare: vårdnadshavare 1 (vårdnad), vårdnadshavare 2 (vårdnad)",
                 "samtycke       Samtycke från vårdnadshavare 1 återkallat"):
        assert said in lead, lead
    assert "Maria" not in lead and "Johan" not in lead
    shown = sigill("views", "show", "--agency", "skola", "--case", "0180-2026-0001", env=env)
    assert shown.returncode == 0 and "Skolan ser 1 uppgift i ärendet" in shown.stdout  # after the withdrawal: its own
    assert sigill("views", "rebuild", env=env).returncode == 0
    again = sigill("views", "show", "--agency", "skola", "--case", "0180-2026-0001", env=env)
    assert again.stdout == shown.stdout
    assert sigill("calendar", env=env).returncode == 0


def test_views_show_and_log_say_who_consented_by_role_and_until_when(tmp_path):
    """`views show` and `views log` read "[samtycke c65eb72b, 5dd39a44, 5e8d9cee]".  After the mother's withdrawal she
    consents again, until 2026-12-31: the school's basis says whose consents (the guardians by role: the output ends
    up in tickets and chats) and the first end among them, the ids beside it."""
    import os
    import subprocess
    import sys

    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    again = ("from datetime import date, datetime, timezone\n"
             "from services.cli_context import opened\n"
             "from services.clock import ManualClock\n"
             "from services.demo import PURPOSE, SCOPE, SOCIAL\n"
             "with opened(ManualClock(datetime(2026, 3, 25, 9, tzinfo=timezone.utc)), existing=True) as (app, _, _):\n"
             "    case_id = app.resolve_case('0180-2026-0001')\n"
             "    mother = next(iter(app.get_case(case_id).known_guardians))\n"
             "    app.grant_consent(case_id, by=SOCIAL, consenter=mother, scope=SCOPE, purpose=PURPOSE,\n"
             "                      valid_from=date(2026, 3, 25), valid_until=date(2026, 12, 31), form='written')\n")
    done = subprocess.run([sys.executable, "-c", again], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    readable = re.compile(r"\[samtycke från den unge och vårdnadshavare 1 och 2, t\.o\.m\. 2026-12-31 "
                          r"\([0-9a-f]{8}, [0-9a-f]{8}, [0-9a-f]{8}\)\]")
    shown = sigill("views", "show", "--agency", "skola", "--case", "0180-2026-0001", env=env)
    rows = shown.stdout.splitlines()[1:]
    assert shown.returncode == 0 and any("Närvaro" in r and "[egen uppgift" in r for r in rows), shown.stdout
    assert any(readable.search(r) for r in rows) and not any("[samtycke " in r and not readable.search(r) for r in rows)
    assert "Maria" not in shown.stdout and "Johan" not in shown.stdout
    log = sigill("views", "log", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    lines = log.stdout.splitlines()
    assert log.returncode == 0 and "Maria" not in log.stdout and "Johan" not in log.stdout
    assert any("lämnades ut" in l and readable.search(l) and l.startswith("  2026-03-25") for l in lines)
    # Before the new consent the school's basis ended as it was then: until 2027-02-11, not the new end.
    assert any(l.startswith("  2026-03-20") and "upphörde" in l and "t.o.m. 2027-02-11 (" in l for l in lines)


def test_an_outside_party_verifies_with_a_read_only_role_and_no_secret_but_the_public_key(env, tmp_path):
    """JO or IVO: SELECT on three tables, Sigill's public key from the operator, no master or signing key."""
    from dataclasses import replace

    location = start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'jo_granskare'").fetchone():
            conn.execute("CREATE ROLE jo_granskare LOGIN")
        conn.execute("GRANT SELECT ON sigill_events, sigill_ledger, sigill_ledger_checkpoints TO jo_granskare")
    exported = tmp_path / "kontrollpunkter.json"
    assert sigill("audit", "export", "--out", str(exported), env=env).returncode == 0
    told = sigill("audit", "public-key", env=env)          # what the operator hands over, beside the file
    public_key = told.stdout.strip()
    assert told.returncode == 0 and public_key == json.loads(exported.read_text())["checkpoints"][-1]["public_key"]
    nothing = sigill("audit", "public-key", env={"SIGILL_DATA_DIR": str(tmp_path / "tom")})
    assert nothing.returncode == 1 and "SIGILL_LEDGER_KEY" in nothing.stderr and nothing.stdout == ""
    outside = {"SIGILL_DATA_DIR": str(tmp_path / "jo"), "SIGILL_ENVIRONMENT": "production",
               "SIGILL_DATABASE_URL": replace(location, user="jo_granskare").url()}

    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env).returncode == 0   # a read, logged
    verified = sigill("audit", "verify", "--checkpoints", str(exported), "--trust-key", public_key, env=outside)
    assert verified.returncode == 0 and "Oförändrad" in verified.stdout, verified.stderr
    assert "Åtkomstloggen kontrollerades inte: databasrollen får inte läsa den" in verified.stdout
    # Nor the auditors' index, both ways: told, and counted as checked (exit 0 above).
    assert "Granskningens ärendeindex kontrollerades inte: databasrollen får inte läsa ärendelistan" in verified.stdout
    assert "Raderna i granskningens ärendeindex kontrollerades inte mot händelserna" in verified.stdout
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # the access log too: two tables more
        conn.execute("GRANT SELECT ON sigill_access_log, sigill_access_log_checkpoints TO jo_granskare")
    both = sigill("audit", "verify", "--trust-key", public_key, env=outside)
    assert both.returncode == 0 and "Åtkomstloggen oförändrad: " in both.stdout, both.stdout + both.stderr
    assert not (tmp_path / "jo").exists() or not any((tmp_path / "jo").iterdir())   # no key was made for it

    untrusting = sigill("audit", "verify", env=outside)
    assert untrusting.returncode == 3 and "--trust-key" in untrusting.stderr
    assert len(untrusting.stderr.strip().splitlines()) == 1
    stranger = base64.b64encode(bytes(32)).decode()
    refused = sigill("audit", "verify", "--trust-key", stranger, env=outside)
    assert refused.returncode == 1 and "ÄNDRAD" in refused.stdout      # checkpoints signed by a key it does not trust
    malformed = sigill("audit", "verify", "--trust-key", "inte-en-nyckel", env=outside)
    assert malformed.returncode == 2 and "--trust-key" in malformed.stderr
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # a role granted nothing
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'utan_behorighet'").fetchone():
            conn.execute("CREATE ROLE utan_behorighet LOGIN")
    denied = sigill("audit", "verify", "--trust-key", public_key,
                    env={**outside, "SIGILL_DATABASE_URL": replace(location, user="utan_behorighet").url()})
    assert denied.returncode == 3 and "the database role may not do this" in denied.stderr, denied.stderr
    assert len(denied.stderr.strip().splitlines()) == 1


def test_verify_on_a_database_without_a_ledger_says_so_in_one_line(postgres, tmp_path):
    result = sigill("audit", "verify", "--trust-key", base64.b64encode(bytes(32)).decode(),
                    env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": postgres.url()})
    assert result.returncode == 3 and "holds no Sigill ledger" in result.stderr
    assert "`sigill database setup`" in result.stderr   # the roles kept apart: `sigill serve` cannot make it
    assert len(result.stderr.strip().splitlines()) == 1
    mistyped = sigill("audit", "verify", "--trust-key", base64.b64encode(bytes(32)).decode(),
                      env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": postgres.url(),
                           "SIGILL_DB_SCHEMA": "nosuch"})
    assert mistyped.returncode == 3 and mistyped.stderr.strip().splitlines() == [
        'sigill: SIGILL_DB_SCHEMA: schema "nosuch" does not exist in the database: correct the name, leave the'
        " variable unset, or create the schema owned by the role that owns Sigill's tables (CREATE SCHEMA …"
        " AUTHORIZATION <that role>) and, in production, run `sigill database setup` as that role (deploy/README.md,"
        " section 1)"], mistyped.stderr   # `sigill serve`'s line (one text): it said "name the schema" alone


def test_verify_names_the_schema_the_ledger_is_in_when_sigill_db_schema_is_left_unset(postgres, tmp_path):
    """A supervisor given the URL alone, on an installation whose tables are in their own schema: verify looked in
    public and said the database held no Sigill ledger, as if it were the wrong database."""
    with psycopg.connect(postgres.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA sigill")
    installation = {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": postgres.url()}
    sealed = sigill("audit", "seal", env={**installation, "SIGILL_DB_SCHEMA": "sigill"})
    assert sealed.returncode == 0, sealed.stderr
    result = sigill("audit", "verify", "--trust-key", base64.b64encode(bytes(32)).decode(), env=installation)
    assert result.returncode == 3 and 'schema "sigill"' in result.stderr, result.stderr
    assert "set SIGILL_DB_SCHEMA=sigill" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_verify_makes_no_database_to_find_nothing_in(tmp_path):
    """Production without a URL, or a data directory with no embedded database: one line, exit 3, nothing made."""
    key = ["--trust-key", base64.b64encode(bytes(32)).decode()]
    production = sigill("audit", "verify", *key, env={"SIGILL_DATA_DIR": str(tmp_path / "p"),
                                                      "SIGILL_ENVIRONMENT": "production"})
    assert production.returncode == 3 and "production needs SIGILL_DATABASE_URL" in production.stderr
    empty = sigill("audit", "verify", *key, env={"SIGILL_DATA_DIR": str(tmp_path / "e")})
    assert empty.returncode == 3 and "no embedded database in" in empty.stderr
    # A newcomer's first command on a new machine meets it too: it says what makes the data, and only for that case.
    assert "(nothing has run here yet? `sigill serve` or `sigill demo` makes it)" in empty.stderr
    assert not (tmp_path / "p" / "postgres").exists() and not (tmp_path / "e" / "postgres").exists()


def test_public_key_names_every_key_the_checkpoints_may_be_signed_with(env, tmp_path):
    """After a rotation older checkpoints are signed by an earlier key: the supervisor must trust it too."""
    own = sigill("audit", "public-key", env=env).stdout.split()
    earlier = base64.b64encode(bytes(range(32))).decode()
    both = sigill("audit", "public-key", env={**env, "SIGILL_LEDGER_TRUSTED_KEYS": earlier})
    assert both.returncode == 0 and both.stdout.split() == [*own, earlier]
    development = sigill("audit", "public-key", env={**env, "SIGILL_ENVIRONMENT": "production"})
    assert development.returncode == 1 and "SIGILL_LEDGER_KEY" in development.stderr   # not the dev key


@pytest.mark.parametrize("command", [
    ("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-10"),
    ("audit", "disclosures", "--case", "0180-2026-0001"),
    ("views", "cases", "--agency", "skola"),
])
def test_reading_from_a_data_directory_named_by_mistake_makes_nothing_there(tmp_path, command):
    """No new embedded database, and above all no new master key, where an auditor mistyped the directory."""
    mistaken = tmp_path / "fel"
    result = sigill(*command, env={"SIGILL_DATA_DIR": str(mistaken)})
    assert result.returncode == 1 and result.stderr.strip() == (
        f"sigill: no Sigill data in {mistaken}: set SIGILL_DATA_DIR to the data directory Sigill runs with,"
        " or SIGILL_DATABASE_URL (nothing has run here yet? `sigill serve` or `sigill demo` makes it)")
    assert not mistaken.exists() or not any(mistaken.iterdir())


def test_the_stored_log_lists_each_change_with_its_cause_and_agrees_with_the_events(env):
    result = sigill("views", "log", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and lines[0].startswith("Utlämnandeloggen till Skolan: ")
    ended = [l for l in lines if "upphörde" in l]
    assert ended and all(re.search(r"orsak: samtycke [0-9a-f]{8} återkallades$", l) for l in ended)
    assert all("[samtycke från den unge och vårdnadshavare 1 och 2, t.o.m. 2027-02-11 (" in l for l in ended)
    assert re.fullmatch(r"Loggen stämmer med ärendets händelser: \d+ rader jämförda\.", lines[-1])
    assert not any(re.search(r"\d{8}-?\d{4}", l) for l in lines)   # no personnummer: the log holds no content


def test_a_stored_log_that_differs_from_the_events_is_named_and_fails(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    assert sigill("views", "log", "--case", "0180-2026-0001", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:   # a withdrawal's end of what the school saw, gone
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # as its owner may: the trigger off
        conn.execute("DELETE FROM disclosure_log WHERE id = (SELECT min(id) FROM disclosure_log"
                     " WHERE agency = 'skola' AND change = 'ended')")
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    result = sigill("views", "log", "--case", "0180-2026-0001", env=env)
    assert result.returncode == 1 and "Loggen skiljer sig från ärendets händelser: 0 rader finns bara i loggen, " \
        "1 saknas i den." in result.stderr
    assert re.search(r"saknas i loggen: 2026-03-20 \d\d:\d\d:\d\d CET Skolan upphörde", result.stderr)


def test_the_stored_log_of_an_erased_case_is_listed_and_says_it_can_no_longer_be_checked(tmp_path):
    """A reviewer's erased case: the rows were printed, then a traceback (an erased history has no timestamps)."""
    import subprocess
    import sys

    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    erase = ("from services.cli_context import opened\n"
             "with opened(existing=True) as (app, settings, location):\n"
             "    app.keystore.destroy(app.resolve_case('0180-2026-0001'))\n")
    done = subprocess.run([sys.executable, "-c", erase], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, **env})
    assert done.returncode == 0, done.stderr
    result = sigill("views", "log", "--case", "0180-2026-0001", "--agency", "skola", "--purpose", "Gallring", env=env)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.rstrip().endswith("loggen kan inte längre jämföras med händelserna.")
    assert "upphörde" in result.stdout   # its rows stay, without content
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:
        reads = [r[0] for r in conn.execute("SELECT what FROM sigill_access_log ORDER BY seq")]
    assert reads == []   # nothing of the case is read: its history no longer reads, and its key is gone


def test_a_rebuild_keeps_the_log_it_replaces_and_names_where_the_two_differ(tmp_path):
    """What the feeds carried stays on record: a rebuild (here after a rules change) keeps the replaced rows, and
    `views log` says where they differ from today's log over the same events."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:   # as older rules had it: the school's first end never came
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # as its owner may: the trigger off
        conn.execute("DELETE FROM disclosure_log WHERE id = (SELECT min(id) FROM disclosure_log"
                     " WHERE agency = 'skola' AND change = 'ended')")
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
        conn.execute("UPDATE view_rules SET version = 2")
        before = conn.execute("SELECT count(*) FROM disclosure_log").fetchone()[0]
        school = conn.execute("SELECT count(*) FROM disclosure_log d JOIN view_cases c USING (case_id)"
                              " WHERE d.agency = 'skola' AND c.agency = 'socialtjanst'"
                              " AND c.case_number = '0180-2026-0001'").fetchone()[0]
    rebuilt = sigill("views", "rebuild", env=env)
    assert rebuilt.returncode == 0 and f"Den ersatta utlämnandeloggen ({before:,} rader) finns kvar" in rebuilt.stdout
    # Out of how many, for an operator deciding whether to wait (every event stored, by notification id).
    assert re.search(r"bearbetat (\d+) av cirka \1 händelser \(100 %\) …", rebuilt.stderr), rebuilt.stderr

    result = sigill("views", "log", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stderr   # today's log agrees with the events
    assert re.fullmatch(r"Loggen stämmer med ärendets händelser: \d+ rader jämförda\.", lines[-1])
    summary = [l for l in lines if l.startswith("Ersatt logg")]
    assert len(summary) == 1 and re.fullmatch(
        r"Ersatt logg \(ombyggd \d{4}-\d\d-\d\d \d\d:\d\d:\d\d CET, byggd under reglernas version 2, till och med "
        rf"position \d+ i händelseloggen\): {school} rader; 0 som den nuvarande loggen inte har, 1 som bara den nuvarande har\."
        r" Den byggdes under andra regler än dagens och kan inte hållas mot händelserna\."   # as the report says it
        r" \(`--replaced` listar dess rader\.\)", summary[0]), summary
    assert [l for l in lines if "bara i den nuvarande" in l][0].startswith(
        "  bara i den nuvarande: 2026-03-20 ")   # the end the replaced log lacked, named
    full = sigill("views", "log", "--case", "0180-2026-0001", "--agency", "skola", "--replaced", env=env)
    assert full.returncode == 0 and len([l for l in full.stdout.splitlines() if l.startswith("    ")]) == school

    with psycopg.connect(location.conninfo()) as conn:   # append-only, as the ledger and the access log are
        for statement in ("UPDATE replaced_disclosure_log SET agency = 'polis'", "DELETE FROM replaced_disclosure_log",
                          "TRUNCATE replaced_disclosure_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
            conn.rollback()
    # The report and the replayed disclosures say so too: they are today's rules over the events.
    report = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    assert "<h2 id=replaced-heading>Ersatta utlämnandeloggar</h2>" in report and "1 som bara dagens har." in report
    assert report.count("<td>dagens</td>") == 1 and report.count("<td>den ersatta</td>") == 0
    replayed = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    assert replayed.stdout.splitlines()[-1] == (   # one log, told as one ("1 ersatta loggar … 1 av dem" before)
        "Obs: utlämnandeloggen har byggts om; den ersatta loggen – det flödena fick före ombyggnaden – finns kvar och"
        " skiljer sig från dagens. `sigill views log --case 0180-2026-0001 --agency skola --replaced` visar den.")

    assert sigill("views", "rebuild", env=env).returncode == 0   # a second rebuild: a second log, the same as today's
    again = sigill("views", "log", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    summaries = [l for l in again.stdout.splitlines() if l.startswith("Ersatt logg")]
    assert len(summaries) == 2 and f"reglernas version {RULES_VERSION}" in summaries[1]
    # The first rebuild's log, beside today's: the end the old log lacked, and the rules' end of the fact it had left
    # visible (written again today, as it was: no difference).
    assert f": {school + 2} rader; 0 som den nuvarande loggen inte har, 0 som bara den nuvarande har." in summaries[1]


def test_a_withdrawal_removed_with_its_ledger_entry_is_refused_and_verify_does_not_blame_the_next_event(tmp_path):
    """The insider (superuser, no ledger key) removes case 0001's withdrawal, its ledger entry and its checkpoint,
    with the next case's events after it.  Replay and the report refuse the case; verify names the first link that
    fails as that event *or one removed just before it*, and the event there — the case-number series' — as no
    case (it said "altered", of "ärende" the series, before)."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0 and sigill("demo", env=env).returncode == 0   # cases 0001, 0002
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        nid = conn.execute("SELECT notification_id FROM sigill_events WHERE topic LIKE '%%ConsentWithdrawn'"
                           " ORDER BY notification_id LIMIT 1").fetchone()[0]
        following = conn.execute("SELECT notification_id, topic FROM sigill_events WHERE notification_id > %s"
                                 " ORDER BY notification_id LIMIT 1", (nid,)).fetchone()
        for table in ("sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
        for table in ("sigill_events", "sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"DELETE FROM {table} WHERE notification_id = %s", (nid,))
        for table in ("sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")
    replay = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-21",
                    env=env)
    assert replay.returncode == 1 and replay.stdout == "" and "altered_or_removed_after" in replay.stderr
    report = tmp_path / "rapport.html"
    assert sigill("audit", "report", "--case", "0180-2026-0001", "--out", str(report), env=env).returncode == 1
    html = report.read_text("utf-8")
    assert "<h2 id=timeline-heading>Tidslinje</h2>" not in html and "liggarens kedja bryts efter ärendets sista förseglade" in html
    verified = sigill("audit", "verify", env=env)
    assert verified.returncode == 1 and f"ÄNDRAD vid position {following[0]} i händelseloggen" in verified.stdout
    assert f"eller en som tagits bort strax före den (mellan position {nid - 1} och {following[0]})" in verified.stdout
    assert following[1].startswith("domain.case_numbers:") and "(ärendenummerserie " in verified.stdout
    assert "(ärende " not in verified.stdout


def checkpoint_file(tmp_path, *checkpoints) -> str:
    path = tmp_path / "jo.json"
    path.write_text(json.dumps({"format": "sigill-ledger-checkpoints/1", "checkpoints": list(checkpoints)}))
    return str(path)


def genuine(env) -> dict:
    """The last checkpoint `export` writes, as the file holds it."""
    result = sigill("audit", "export", "--out", "-", env=env)
    return json.loads(result.stdout)["checkpoints"][-1]


@pytest.mark.parametrize("change,message", [
    ({"public_key": "!!!"}, "checkpoint 2 of the file cannot be read: '!!!' is not base64"),
    ({"public_key": "AAAA"}, "checkpoint 2 of the file cannot be read: public_key is 3 bytes, not 32"),
    ({"signature": "AAAA"}, "checkpoint 2 of the file cannot be read: signature is 3 bytes, not 64"),
    ({"link": "00"}, "checkpoint 2 of the file cannot be read: link is 1 bytes, not 32"),
    ({"public_key": base64.b64encode(bytes(32)).decode()}, "checkpoint 2 of the file is signed by a key not trusted"),
    ({"signature": base64.b64encode(bytes(64)).decode()}, "checkpoint 2 of the file has a signature that does not"),
    ({"notification_id": 99_999, "signature": base64.b64encode(bytes(64)).decode()},
     "checkpoint 2 of the file has a signature that does not verify"),
    # A position PostgreSQL cannot hold, nor the signed message's 8 bytes: a traceback ("int too big to convert").
    ({"notification_id": 10**30}, "checkpoint 2 of the file cannot be read: notification_id 1000000000000000000000000000000"
                                  " is not a position (a whole number from 1 to 9223372036854775807)"),
])
def test_a_checkpoint_file_that_is_not_as_export_wrote_it_is_exit_3_naming_the_checkpoint(env, tmp_path, change,
                                                                                         message):
    """A red team's finding: junk keys and signatures (base64 read loosely, lengths unchecked, signatures and keys
    checked only where the walk met them) made an intact ledger 'ÄNDRAD' — exit 1 — even cut short."""
    good = genuine(env)
    result = sigill("audit", "verify", "--checkpoints", checkpoint_file(tmp_path, good, {**good, **change}), env=env)
    assert result.returncode == 3 and message in result.stderr, (result.returncode, result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1 and "ÄNDRAD" not in result.stdout


def test_verify_says_which_checkpoints_it_checked_against(env, tmp_path):
    alone = sigill("audit", "verify", env=env)
    assert "(installationens egna; jämför med tidigare exporterade (--checkpoints)" in alone.stdout
    with_file = sigill("audit", "verify", "--checkpoints", checkpoint_file(tmp_path, genuine(env)), env=env)
    # A first export holds one checkpoint: "the only one", where it read "däribland alla 1".
    assert with_file.returncode == 0 and "däribland den enda i den exporterade filen" in with_file.stdout


def test_two_swapped_events_are_named_with_the_one_the_ledger_sealed_there(tmp_path):
    """Swapped, the event at position p is the one that stood at p + 1: verify named it and said "another event
    stands where the ledger sealed this one" — but the ledger sealed this one elsewhere.  It says which event the
    ledger sealed there, in verify and in the report."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        (first, v_first), (second, v_second) = conn.execute(
            "SELECT notification_id, originator_version FROM sigill_events WHERE topic LIKE '%%ContributionRecorded'"
            " ORDER BY notification_id LIMIT 2").fetchall()
        for old, new in ((first, -1), (second, first), (-1, second)):
            conn.execute("UPDATE sigill_events SET notification_id = %s WHERE notification_id = %s", (new, old))
    verified = sigill("audit", "verify", env=env)
    finding = f"ÄNDRAD vid position {first} i händelseloggen (ärende "
    assert verified.returncode == 1 and finding in verified.stdout, verified.stdout
    assert (f"händelse {v_second} i ärendets historik): händelsen står där liggaren förseglade en annan: händelse"
            f" {v_first} i samma ärendes historik") in verified.stdout, verified.stdout
    html = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    assert f"händelsen står där liggaren förseglade en annan: händelse {v_first} i samma ärendes historik" in html
    assert "förseglade denna" not in html


def test_a_version_removed_with_its_ledger_entry_is_not_placed_at_the_next_events_position(tmp_path):
    """An event in the middle of a case removed with its ledger entry (the triggers disabled): the report said
    "händelse 11 i ärendets historik (position 14 i händelseloggen)", where position 14 holds version 12 and
    version 11 stood between 12 and 14.  It says between which positions, and no position of its own."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        nid, version = conn.execute("SELECT notification_id, originator_version FROM sigill_events"
                                    " WHERE topic LIKE '%%MeetingHeld'").fetchone()
        conn.execute("ALTER TABLE sigill_ledger DISABLE TRIGGER append_only")
        for table in ("sigill_events", "sigill_ledger"):
            conn.execute(f"DELETE FROM {table} WHERE notification_id = %s", (nid,))
        conn.execute("ALTER TABLE sigill_ledger ENABLE TRIGGER append_only")
    html = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    finding = html.split("<h2>Ärendets historik kan inte läsas</h2>")[1]
    assert (f"händelse {version} i ärendets historik – en händelse i ärendet finns varken lagrad eller i liggaren:"
            f" den togs bort tillsammans med sin post, mellan position {nid - 1} och {nid + 1}") in finding, finding
    assert f"händelse {version} i ärendets historik (position" not in finding


def test_the_reports_consents_table_says_a_withdrawn_consent_no_longer_holds(env):
    """The table tells each consent "as it is now", and the mother's withdrawn consent read "Giltigt 2026-02-12 –
    2027-02-11" like the two in force: only the history column beside it said she withdrew it."""
    html = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    rows = html.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("</table>")[0].split("<tr>")[2:]
    validity = {row.split("<td>")[1].split("<")[0]: row.split("<td>")[4].split("</td>")[0] for row in rows}
    assert validity["Maria Exempel"] == "2026-02-12 – 2027-02-11<br><strong>återkallat 2026-03-20 09:00 CET</strong>"
    # The two in force are not said withdrawn (that they let nothing out without hers: the test after this one).
    for kept in (validity["den unge"], validity["Johan Exempel"]):
        assert kept.startswith("2026-02-12 – 2027-02-11") and "återkallat 2026" not in kept.split("(samtycke")[0]


def _validity(html: str) -> dict[str, str]:
    """The consents' table: who consented -> the Giltigt cell (its HTML)."""
    rows = html.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("</table>")[0].split("<tr>")[2:]
    return {row.split("<td>")[1].split("<")[0]: row.split("<td>")[4].split("</td>")[0] for row in rows}


def _eleven_year_old_with_two_guardians(app, social):  # noqa: ANN001, ANN202 - the application, an Actor
    """An accepted case referred 2026-04-01 of a girl born 2015 (years from 18, so that a report made today still
    finds the guardians' consents needed), with two custodial guardians: (referral result, Lena, Nils)."""
    from datetime import date, datetime, timezone

    from domain.values import Guardian

    app.clock.set(datetime(2026, 4, 1, 9, tzinfo=timezone.utc))
    opened = app.receive_referral(by=social, municipality="0180", personnummer="20150615-2386", name="Sara Prov",
                                  entry_route="known", referring_agency="socialtjanst", referral_date=date(2026, 4, 1),
                                  summary="Skolfrånvaro.", summary_category="school")
    app.decide_eligibility(opened.case_id, by=social, accepted=True, decided_on=date(2026, 4, 1), reasons="Hög risk.",
                           instruments=("ESTER",), outside_target_group_reason="Syskon i en pågående insats.")
    app.record_guardians(opened.case_id, by=social, guardians=(Guardian("", "Lena Prov"), Guardian("", "Nils Prov")))
    lena, nils = app.get_case(opened.case_id).guardians
    return opened, lena, nils


def test_the_reports_consents_table_says_a_consent_in_force_that_lets_nothing_out(app, settings, master_key, postgres):
    """Under 18 the young person's and every custodial guardian's consent must all cover a part.  The father
    withdrew his; the young person's and the mother's read "Giltigt 2026-05-01 – tills vidare" as consents that hold,
    while nothing went out under them.  The report says so, from the rules' own answer at the report's moment (as
    the web's consents page does), with whose consent is missing and since when; and, once he consents again for
    the school alone, for which parts it suffices and for which not."""
    from datetime import date, datetime, timezone

    from domain.values import YOUNG_PERSON, Actor, ScopeEntry

    social = Actor("socialtjanst", "handlaggare")
    at = lambda month, day: datetime(2026, month, day, 9, tzinfo=timezone.utc)  # noqa: E731
    opened, lena, nils = _eleven_year_old_with_two_guardians(app, social)
    case_id = opened.case_id
    scope = (ScopeEntry("polis", ("case", "crime")), ScopeEntry("skola", ("case", "school")))
    for consenter in (YOUNG_PERSON, lena, nils):
        app.grant_consent(case_id, by=social, consenter=consenter, scope=scope, purpose="Samverkan",
                          valid_from=date(2026, 5, 1), valid_until=None, form="written")
    ids = {c.consenter: c.consent_id for c in app.get_case(case_id).consents.values()}
    app.clock.set(at(5, 4))
    app.withdraw_consent(case_id, by=social, consent_id=ids[nils], consenter=nils)
    report = cli(settings, master_key, postgres, "audit", "report", "--case", opened.value, "--out", "-")
    assert report.returncode == 0, report.stderr
    validity = _validity(report.stdout)
    nothing = ("2026-05-01 – tills vidare<br><strong>I kraft tills vidare, men räcker inte sedan 2026-05-04: samtycke"
               f" saknas från vårdnadshavaren Nils Prov (samtycke {ids[nils][:8]} återkallat 2026-05-04 11:00 CEST) –"
               " inget lämnas ut under det till Polisen (ärendet, brottslighet) och Skolan (ärendet, skola)</strong>")
    assert validity["den unge"] == validity["Lena Prov"] == nothing, validity
    assert validity["Nils Prov"] == "2026-05-01 – tills vidare<br><strong>återkallat 2026-05-04 11:00 CEST</strong>"
    # He consents again, to the school alone: theirs now suffice for the school, not for the police.
    app.clock.set(at(5, 6))
    app.grant_consent(case_id, by=social, consenter=nils, scope=(ScopeEntry("skola", ("case", "school")),),
                      purpose="Samverkan", valid_from=date(2026, 5, 6), valid_until=None, form="written")
    report = cli(settings, master_key, postgres, "audit", "report", "--case", opened.value, "--out", "-")
    cells = report.stdout.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("</table>")[0]
    part = ("2026-05-01 – tills vidare<br><strong>I kraft tills vidare, men räcker sedan 2026-05-04 inte för allt:"
            f" samtycke saknas från vårdnadshavaren Nils Prov (samtycke {ids[nils][:8]} återkallat 2026-05-04 11:00"
            " CEST) – det räcker för Skolan (ärendet, skola), inte för Polisen (ärendet, brottslighet)</strong>")
    assert cells.count(f"<td>{part}</td>") == 2, cells   # the young person's and the mother's
    assert "<td>2026-05-06 – tills vidare</td>" in cells   # his new one: all of it carried


def test_the_reports_consents_table_says_whose_consent_is_missing_for_each_recipient(app, settings, master_key,
                                                                                        postgres):
    """The missing consenters were one list for every part a consent waits on: the mother withdrew hers for the police
    and the school, the father consented for the school alone, and the young person's consent read "samtycke saknas
    från Lena och Nils – inget till Polisen … och Skolan …", as if the father's were missing for the school too (a red
    team).  Each recipient's parts now name their own missing consents."""
    from datetime import date, datetime, timezone

    from domain.values import YOUNG_PERSON, Actor, ScopeEntry

    social = Actor("socialtjanst", "handlaggare")
    opened, lena, nils = _eleven_year_old_with_two_guardians(app, social)
    case_id = opened.case_id
    both = (ScopeEntry("polis", ("case", "crime")), ScopeEntry("skola", ("case", "school")))
    for consenter, scope in ((YOUNG_PERSON, both), (lena, both), (nils, (ScopeEntry("skola", ("case", "school")),))):
        app.grant_consent(case_id, by=social, consenter=consenter, scope=scope, purpose="Samverkan",
                          valid_from=date(2026, 5, 1), valid_until=None, form="written")
    ids = {c.consenter: c.consent_id for c in app.get_case(case_id).consents.values()}
    app.clock.set(datetime(2026, 5, 4, 9, tzinfo=timezone.utc))
    app.withdraw_consent(case_id, by=social, consent_id=ids[lena], consenter=lena)
    report = cli(settings, master_key, postgres, "audit", "report", "--case", opened.value, "--out", "-")
    assert report.returncode == 0, report.stderr
    young = _validity(report.stdout)["den unge"]
    mother = f"vårdnadshavaren Lena Prov (samtycke {ids[lena][:8]} återkallat 2026-05-04 11:00 CEST)"
    assert young.startswith("2026-05-01 – tills vidare<br><strong>I kraft tills vidare, men räcker inte"), young
    assert (f"för Polisen (ärendet, brottslighet) saknas samtycke från {mother} och vårdnadshavaren Nils Prov"
            in young), young
    assert f"för Skolan (ärendet, skola) saknas samtycke från {mother}</strong>" in young, young


def test_the_reports_disclosure_log_names_a_follow_ups_row_as_audit_disclosures_does(tmp_path):
    """The report named a follow-up's row from every plan row; the web's auditor log and `audit disclosures` name it
    only as the row's recipient was shown it then.  A follow-up recorded at the moment the mother withdrew her
    renewed consent is given to the police as their row ends: `audit disclosures` names no row for them, the report
    named it, as if the police had been shown it with the follow-up."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    _recorded_in_the_demo(env, """
maria = next(c for c in app.get_case(case_id).consents.values() if c.withdrawn_at is not None)
app.grant_consent(case_id, by=SOCIAL, consenter=maria.consenter, scope=maria.scope, purpose=maria.purpose,
                  valid_from=clock.now().date(), valid_until=maria.valid_until, form=maria.form)
again = next(c for c in app.get_case(case_id).consents.values() if c.consenter == maria.consenter and c.withdrawn_at is None)
clock.set(clock.now() + timedelta(minutes=1))
skola = next(r for r in app.get_case(case_id).plan_rows.values() if r.area == 'Skola')
app.record_follow_up(case_id, by=SOCIAL, row_id=skola.row_id, status='partly', note='Närvaron ökar.')
app.withdraw_consent(case_id, by=SOCIAL, consent_id=again.consent_id, consenter=maria.consenter)
""")
    police = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "polis", env=env)
    assert police.returncode == 0, police.stderr
    given = [line for line in police.stdout.splitlines() if "lämnades ut" in line and "Närvaron ökar." in line]
    assert len(given) == 1, police.stdout
    said = re.search(r"  v\d+ \S+  (Uppföljning.*?Närvaron ökar\.)  \[", given[0])[1]
    assert said == "Uppföljning (delvis uppnått) från Socialtjänsten: Närvaron ökar."   # no row: they saw none then
    report = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env)
    log = report.stdout.split("Vem kunde se vad")[1]
    cell = r"<(?:td|th scope=row)[^>]*>(.*?)</t[dh]>"   # the row's header (its moment) and its other cells
    rows = [re.findall(cell, r, re.S) for r in re.findall(r"<tr>(.*?)</tr>", log, re.S)]
    follow_ups = [r[4] for r in rows if r and r[1] == "Polisen" and r[2] == "lämnades ut" and "Närvaron ökar." in r[4]]
    assert follow_ups == [said], follow_ups
    # Its end names the row, as `audit disclosures` does: the police were shown it until that moment.
    ended = [r[4] for r in rows if r and r[1] == "Polisen" and r[2] == "upphörde" and "Närvaron ökar." in r[4]]
    assert ended and all("av raden ”Skola – Komma i tid till lektioner.”" in e for e in ended), ended


def test_the_report_counts_the_cases_events_and_says_the_ledger_check_covered_the_installation(
        app, settings, master_key, postgres):
    """"Oförändrad: 16 händelser stämmer med den hashkedjade liggaren" counted every case's events in the
    installation, said as if they were the case's.  The case's own are counted, and what the check covered said."""
    from datetime import date

    from domain.values import Actor

    social = Actor("socialtjanst", "handlaggare")
    numbers = []
    for personnummer in ("20150615-2386", "20160203-2383"):
        opened = app.receive_referral(by=social, municipality="0180", personnummer=personnummer, name="Sara Prov",
                                      entry_route="known", referring_agency="socialtjanst",
                                      referral_date=date(2026, 2, 3), summary="Skolfrånvaro.",
                                      summary_category="school")
        numbers.append(opened)
    app.decide_eligibility(numbers[0].case_id, by=social, accepted=True, decided_on=date(2026, 2, 3),
                           reasons="Hög risk.", instruments=("ESTER",),
                           outside_target_group_reason="Syskon i en pågående insats.")
    assert cli(settings, master_key, postgres, "audit", "seal").returncode == 0
    with psycopg.connect(postgres.conninfo()) as conn:
        stored = conn.execute("SELECT count(*) FROM sigill_events").fetchone()[0]
    events = len(app.history(numbers[0].case_id))
    assert stored > events
    report = cli(settings, master_key, postgres, "audit", "report", "--case", numbers[0].value, "--out", "-").stdout
    checked = report.split("<h2>Kontroll av att inget ändrats</h2>")[1].split("<h2")[0]
    assert f"<p class=ok>Oförändrad: ärendets {events} händelser stämmer med den hashkedjade liggaren.</p>" in checked
    assert (f"Kontrollen gick igenom hela installationens liggare, inte bara ärendets: {stored} lagrade händelser i alla"
            " ärenden") in checked, checked
    assert f"Oförändrad: {stored} händelser" not in checked


def test_the_printed_report_is_marked_numbered_and_says_which_case_who_made_it_and_why(env):
    """Printed, the report had no secrecy marking, no page numbers, nothing on a page to tell which case it belongs to
    once apart from the others, and did not say who made it or why.  Every printed page's head names the case by its
    number alone (never the young person's name or personnummer) over the marking, and its foot carries the marking:
    the head and foot of a table of one cell, which Firefox and Chromium repeat on each printed page (page-margin
    boxes, which carried them until 2026-12-05, Firefox does not print: its pages after the first were unmarked);
    page numbers come from a page-margin box where the browser has them; no script, and the one style its policy
    allows by hash; the purpose given with `--purpose` is said under the heading.  (tests/e2e/test_report_printed.py
    prints it.)"""
    import hashlib

    from services.report import CONTENT_SECURITY_POLICY, SECRECY

    made = sigill("audit", "report", "--case", "0180-2026-0001", "--purpose", "Tillsyn 17/2026", "--out", "-",
                  env=env)
    assert made.returncode == 0, made.stderr
    html = made.stdout
    assert SECRECY == ("Innehåller uppgifter som kan omfattas av sekretess enligt offentlighets- och sekretesslagen"
                       " (2009:400)")
    body = html.split("<body>", 1)[1].lstrip()
    sheet = ("<table class=sheet role=presentation><thead class=running aria-hidden=true><tr><td>"
             f"<p class=running-head>Granskningsrapport – ärende 0180-2026-0001</p><p class=secrecy>{SECRECY}</p>"
             f"</td></tr></thead><tfoot class=running aria-hidden=true><tr><td><p class=running-foot>{SECRECY}</p>"
             "</td></tr></tfoot><tbody><tr><td><main id=main>")
    assert body.startswith(sheet + f"\n<p class=secrecy id=secrecy>{SECRECY}</p>")   # on screen, its top
    assert body.rstrip().endswith("</main></td></tr></tbody></table>\n</body></html>")
    assert re.search(r"<p id=made>Upprättad 20\d\d-\d\d-\d\d \d\d:\d\d CE(S)?T med Sigills kommandorad \(<code>sigill"
                     r" audit report</code>\)\. Syfte: Tillsyn 17/2026</p>", html), html[:1500]
    # Every printed page: the sheet's head and foot repeated (hidden on screen, where the marking heads the page
    # once), and "Sida n av m" in its margin.
    style = re.search(r"<style>(.*?)</style>", html, re.S)[1]
    assert ".running{display:none}" in style and ".sheet{font-size:inherit;table-layout:fixed}" in style
    printed = style[style.index("@media print"):]
    assert ".sheet>thead.running{display:table-header-group}.sheet>tfoot.running{display:table-footer-group}" in printed
    assert ".sheet>tbody>tr{break-inside:auto}#secrecy{display:none}" in printed
    page = style[style.index("@page"):]
    assert '@bottom-right{content:"Sida " counter(page) " av " counter(pages)' in page
    assert "@top-left" not in page and "@bottom-left" not in page   # the sheet's head and foot say it
    # Nothing personal where every page shows it: the number only.
    head = html.split("<body>")[0]
    for personal in ("Peter", "Exempel", "20090314", "2396"):
        assert personal not in head
    # The one style is still the one the served report's policy allows; nothing else runs or loads.
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert html.count("<style>") == 1 and "<script" not in html and "src=" not in html
    # Without --purpose: who and when, no purpose.
    plain = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    assert "med Sigills kommandorad" in plain and "Syfte:" not in plain


def test_a_report_against_a_file_signed_by_a_key_not_trusted_stops_before_the_case_is_read(env, tmp_path):
    """A checkpoint signed by a key this installation does not trust (a supervisor's file from before a key was
    changed, say) was found only once the report's verification ran — after its read of the case was logged — and
    `report` took no `--trust-key`.  The file is checked first (exit 3, as verify's, nothing read or written), and
    the key can be given as to verify."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from services.ledger import checkpoint_message

    old_key = Ed25519PrivateKey.generate()   # the real position and link, signed by a key not trusted here
    checkpoint = genuine(env)
    message = checkpoint_message(checkpoint["notification_id"], bytes.fromhex(checkpoint["link"]))
    public = base64.b64encode(old_key.public_key().public_bytes_raw()).decode()
    signed = {**checkpoint, "public_key": public, "signature": base64.b64encode(old_key.sign(message)).decode()}
    path, out = checkpoint_file(tmp_path, signed), tmp_path / "r.html"
    location = start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")

    def reads() -> int:   # none before the first read logged (this test run alone: no table yet)
        with psycopg.connect(location.conninfo()) as conn:
            if conn.execute("SELECT to_regclass('sigill_access_log') IS NULL").fetchone()[0]:
                return 0
            return conn.execute("SELECT count(*) FROM sigill_access_log").fetchone()[0]

    before = reads()
    refused = sigill("audit", "report", "--case", "0180-2026-0001", "--checkpoints", path, "--out", str(out), env=env)
    assert refused.returncode == 3 and refused.stderr.strip().splitlines() == [
        "sigill: checkpoint 1 of the file is signed by a key not trusted here (give the installation's keys with"
        " --trust-key, or SIGILL_LEDGER_TRUSTED_KEYS): the file is not verified, the ledger not found changed"]
    assert reads() == before and not out.exists()   # nothing of the case read, nothing written
    trusted = sigill("audit", "report", "--case", "0180-2026-0001", "--checkpoints", path, "--trust-key", public,
                     "--out", str(out), env=env)
    assert trusted.returncode == 0, trusted.stderr
    assert "och mot den enda i den fil med exporterade kontrollpunkter som gavs" in out.read_text("utf-8")
    assert reads() == before + 1


def test_the_report_is_verified_against_a_supervisors_exported_checkpoints(tmp_path):
    """An insider removes the withdrawal and seals the whole ledger again: `verify --checkpoints` catches it, but the
    report — the document a supervisor files — could only be verified against the installation's own checkpoints
    and said "Oförändrad".  `report --checkpoints FILE` verifies against the file as well."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    exported, good = tmp_path / "ivo.json", tmp_path / "ok.html"
    assert sigill("audit", "export", "--out", str(exported), env=env).returncode == 0
    made = sigill("audit", "report", "--case", "0180-2026-0001", "--checkpoints", str(exported), "--out", str(good),
                  env=env)
    assert made.returncode == 0, made.stderr
    assert "och mot den enda i den fil med exporterade kontrollpunkter som gavs" in good.read_text("utf-8")
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        for table in ("sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
        conn.execute("DELETE FROM sigill_events WHERE topic LIKE '%%ConsentWithdrawn'")
        conn.execute("DELETE FROM sigill_ledger_checkpoints")
        conn.execute("DELETE FROM sigill_ledger")
        for table in ("sigill_ledger", "sigill_ledger_checkpoints"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")
    resealed = sigill("audit", "seal", env=env)
    assert resealed.returncode == 0 and re.search(r"förseglat (\d+) av cirka \1 händelser \(100 %\) …",
                                                  resealed.stderr), resealed.stderr   # out of how many
    alone = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env).stdout
    assert "<p class=ok>Oförändrad" in alone and "installationens egna kontrollpunkter" in alone
    told = sigill("audit", "report", "--case", "0180-2026-0001", "--checkpoints", str(exported), "--out", "-",
                  env=env)
    assert told.returncode == 1 and "den exporterade kontrollpunkten (ur filen)" in told.stderr, told.stderr
    against = told.stdout
    finding = against.split("<h2>Kontroll av att inget ändrats</h2>")[1].split("<h2")[0]
    assert "<p class=bad>ÄNDRAD" in finding and "den exporterade kontrollpunkten (ur filen)" in finding, finding
    missing = sigill("audit", "report", "--case", "0180-2026-0001", "--checkpoints", str(tmp_path / "saknas.json"),
                     "--out", str(tmp_path / "r.html"), env=env)
    assert missing.returncode == 3 and missing.stderr.strip().splitlines() == [   # not verified, as verify's
        f"sigill: cannot read {tmp_path / 'saknas.json'}: No such file or directory"]
    assert not (tmp_path / "r.html").exists()


def test_views_cases_is_a_read_of_each_case_it_lists_with_its_purpose_sealed(tmp_path):
    """`sigill views cases` prints each case's number, phase, next meeting and consents: it was in no access log."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    listed = sigill("views", "cases", "--agency", "socialtjanst", "--purpose", "Tillsyn 17/2026", env=env)
    assert listed.returncode == 0 and "0180-2026-0001" in listed.stdout
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:
        rows = conn.execute("SELECT what, agency, roles, subject, details FROM sigill_access_log ORDER BY seq"
                            ).fetchall()
    assert [r[:3] for r in rows] == [("views.cases:socialtjanst", "sigill", "auditor")]   # the demo's one case
    assert rows[0][3].startswith("cli:uid") and b"Tillsyn" not in bytes(rows[0][4])   # the purpose sealed
    assert sigill("audit", "verify", env=env).returncode == 0


def _recorded_in_the_demo(env: dict[str, str], commands: str) -> None:
    """Run ``commands`` (Python, with ``app``, ``case_id``, ``clock`` and the demo's actors at hand) on the demo's
    case, on 2026-03-25, after the mother's withdrawal: commands of the domain, past the case service's checks."""
    import os
    import subprocess
    import sys

    script = ("from datetime import datetime, timedelta, timezone\n"
              "from domain.group_commands import PlanRowDraft\n"
              "from services.cli_context import opened\n"
              "from services.clock import ManualClock\n"
              "from services.demo import POLICE, SCHOOL, SOCIAL\n"
              "clock = ManualClock(datetime(2026, 3, 25, 9, tzinfo=timezone.utc))\n"
              "with opened(clock, existing=True) as (app, _, _):\n"
              "    case_id = app.resolve_case('0180-2026-0001')\n"
              + "".join(f"    {line}\n" for line in commands.strip().splitlines()))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr


def test_a_follow_up_names_its_plan_row_in_views_show_replay_and_the_report(tmp_path):
    """The web client named the row a follow-up follows up; `views show`, `audit replay` and the report said only
    "Uppföljning (delvis uppnått) från Socialtjänsten: …", leaving the reader to guess which row."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    _recorded_in_the_demo(env, """
row_id = next(i for i, r in app.get_case(case_id).plan_rows.items() if r.area == 'Skola')
app.record_follow_up(case_id, by=SOCIAL, row_id=row_id, status='partly', note='Närvaron ökar.')
""")
    named = "Uppföljning av raden ”Skola – Komma i tid till lektioner.” (delvis uppnått) från Socialtjänsten"
    shown = sigill("views", "show", "--agency", "socialtjanst", "--case", "0180-2026-0001", env=env)
    assert shown.returncode == 0 and named in shown.stdout, shown.stdout
    replay = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "socialtjanst", "--as-of",
                    "2026-03-26", env=env)
    assert replay.returncode == 0 and named in replay.stdout, replay.stdout
    assert "; ansvariga aktörer: Skolan" in replay.stdout and "myndigheter" not in replay.stdout   # no agency alone
    report = sigill("audit", "report", "--case", "0180-2026-0001", "--out", "-", env=env)
    timeline = report.stdout.split("<h2 id=timeline-heading>Tidslinje</h2>")[1].split("</table>")[0]
    assert report.returncode == 0 and named in timeline, report.stdout


def test_views_show_meetings_tells_the_next_meeting_as_the_webs_meetings_page_does(tmp_path):
    """`views show --what meetings` listed the meetings' parts and never the next meeting — neither a meeting's nor
    one planned on its own (`meeting.scheduled`), which the web's Möten shows above the meetings: the day, its kind,
    from whom and on what basis; social services shown none is told none is planned, a member in the words used
    whether one is planned that it may not see or none is."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    own = "[egen uppgift (myndigheten är ursprung)]"

    def told(agency: str) -> str:
        shown = sigill("views", "show", "--agency", agency, "--case", "0180-2026-0001", "--what", "meetings", env=env)
        assert shown.returncode == 0, shown.stderr
        return shown.stdout.splitlines()[1]   # under the heading, above the meetings

    # The meeting held on 2026-03-05 planned the next for 2026-04-02, replacing the first one planned on its own.
    assert told("socialtjanst") == f"  Planerat möte: 2026-04-02 · Från Socialtjänsten  {own}"
    assert told("skola") == "  Inget planerat möte att visa för er."   # after the mother's withdrawal: its own only
    # The mother consents again; social services moves the next meeting, as its page judges it.
    _recorded_in_the_demo(env, """
from datetime import date
from services.case_commands import shown_next_meeting
from services.demo import PURPOSE, SCOPE
mother = next(iter(app.get_case(case_id).known_guardians))
app.grant_consent(case_id, by=SOCIAL, consenter=mother, scope=SCOPE, purpose=PURPOSE, valid_from=date(2026, 3, 25),
                  valid_until=date(2026, 12, 31), form='written')
clock.set(clock.now() + timedelta(minutes=1))
app.plan_next_meeting(case_id, by=SOCIAL, next_meeting=date(2026, 4, 9), kind='individmote',
                      shown=shown_next_meeting(app.view(case_id, SOCIAL.agency)))
""")
    assert told("socialtjanst") == f"  Planerat möte: 2026-04-09 (individmöte) · Från Socialtjänsten  {own}"
    ids = r"\([0-9a-f]{8}, [0-9a-f]{8}, [0-9a-f]{8}\)"
    assert re.fullmatch(r"  Planerat möte: 2026-04-09 \(individmöte\) · Från Socialtjänsten  \[samtycke från den unge"
                        rf" och vårdnadshavare 1 och 2, t\.o\.m\. 2026-12-31 {ids}\]", told("skola"))
    _recorded_in_the_demo(env, """
from services.case_commands import shown_next_meeting
app.plan_next_meeting(case_id, by=SOCIAL, next_meeting=None, shown=shown_next_meeting(app.view(case_id, SOCIAL.agency)))
""")
    assert told("socialtjanst") == "  Inget nästa möte är planerat."


def test_audit_disclosures_names_a_follow_ups_row_as_its_recipient_saw_it(tmp_path):
    """`audit disclosures` said only "Uppföljning (delvis uppnått) från Socialtjänsten: …".  A log row is what its
    recipient was given: the row is named when that agency saw it then (as `audit replay` of it names it); the
    police's follow-up of a row they were never shown (a `leisure` row, recorded in the domain as a history stored
    before the API refused a member a row it does not see holds it) says nothing of that row."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    _recorded_in_the_demo(env, """
skola = next(r for r in app.get_case(case_id).plan_rows.values() if r.area == 'Skola')
app.revise_plan(case_id, by=SOCIAL, main_goal='Peter ska sluta med sitt kriminella beteende', rows=(
    PlanRowDraft(area='Skola', goal=skola.goal, how=skola.how, responsible=skola.responsible,
                 responsible_agencies=('skola',), row_id=skola.row_id),
    PlanRowDraft(area='Föreningsliv', goal='En aktivitet i veckan.', how='Fritidsgården.', responsible='Peter',
                 responsible_agencies=('polis',), category='leisure')))
leisure = next(r.row_id for r in app.get_case(case_id).plan_rows.values() if r.area == 'Föreningsliv')
from datetime import date
from services.demo import PURPOSE, SCOPE
mother = next(iter(app.get_case(case_id).known_guardians))   # consents again: the school sees the follow-up
app.grant_consent(case_id, by=SOCIAL, consenter=mother, scope=SCOPE, purpose=PURPOSE, valid_from=date(2026, 3, 25),
                  valid_until=date(2026, 12, 31), form='written')
clock.set(clock.now() + timedelta(minutes=1))
app.record_follow_up(case_id, by=SOCIAL, row_id=skola.row_id, status='partly', note='Närvaron ökar.')
clock.set(clock.now() + timedelta(minutes=1))
app.record_follow_up(case_id, by=POLICE, row_id=leisure, status='ongoing', note='Inget nytt.')
""")
    named = "Uppföljning av raden ”Skola – Komma i tid till lektioner.” (delvis uppnått) från Socialtjänsten"
    school = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "skola", env=env)
    assert school.returncode == 0 and named in school.stdout, school.stdout + school.stderr
    # Each agency's own follow-up is no disclosure to it (``is_disclosure``): social services' is not listed as
    # given to social services, and the police's — of a row they were never shown, which no one else may see — is
    # listed nowhere, never naming that row.
    social = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "socialtjanst", env=env)
    assert social.returncode == 0 and named not in social.stdout, social.stdout
    police = sigill("audit", "disclosures", "--case", "0180-2026-0001", "--agency", "polis", env=env)
    assert police.returncode == 0, police.stderr
    for told in ("Inget nytt", "Föreningsliv", "En aktivitet i veckan"):
        assert told not in police.stdout, police.stdout
    every = sigill("audit", "disclosures", "--case", "0180-2026-0001", env=env)
    assert every.returncode == 0 and named in every.stdout, every.stdout
    assert "Inget nytt" not in every.stdout and "Föreningsliv" not in every.stdout, every.stdout


def test_the_reports_consents_table_says_a_guardians_consent_stopped_counting_at_the_18th_birthday(
        app, settings, master_key, postgres):
    """From the 18th birthday a guardian's consent no longer counts (DOMAIN.md), and the disclosure log says so ("ny
    grund", the young person's consent alone).  The consents' table, which tells each consent "as it is now", went on
    reading "Giltigt 2026-04-10 – 2027-04-09" for the mother's: a supervisor took it for a consent in force."""
    from datetime import date, datetime, timezone

    from domain.values import YOUNG_PERSON, Actor, Guardian, ScopeEntry

    social = Actor("socialtjanst", "handlaggare")
    at = lambda month, day: datetime(2026, month, day, 9, tzinfo=timezone.utc)  # noqa: E731
    app.clock.set(at(4, 1))
    opened = app.receive_referral(by=social, municipality="0180", personnummer="20080615-2385", name="Sara Prov",
                                  entry_route="known", referring_agency="socialtjanst", referral_date=date(2026, 4, 1),
                                  summary="Skolfrånvaro.",
                                  summary_category="school")
    case_id = opened.case_id
    app.clock.set(at(4, 7))
    app.decide_eligibility(case_id, by=social, accepted=True, decided_on=date(2026, 4, 7), reasons="Hög risk.",
                           instruments=("ESTER",))
    app.record_guardians(case_id, by=social, guardians=(Guardian("", "Lena Prov"), Guardian("", "Nils Prov")))
    lena, nils = app.get_case(case_id).guardians
    scope = (ScopeEntry("skola", ("case", "school")),)
    for consenter in (YOUNG_PERSON, lena, nils):
        app.grant_consent(case_id, by=social, consenter=consenter, scope=scope, purpose="Samverkan",
                          valid_from=date(2026, 4, 10), valid_until=date(2027, 4, 9), form="written")
    app.clock.set(at(5, 4))   # the father withdraws his before she turns 18, on 2026-06-15: that alone is said
    nils_consent = next(c.consent_id for c in app.get_case(case_id).consents.values() if c.consenter == nils)
    app.withdraw_consent(case_id, by=social, consent_id=nils_consent, consenter=nils)
    report = cli(settings, master_key, postgres, "audit", "report", "--case", opened.value, "--out", "-")
    assert report.returncode == 0, report.stderr
    rows = report.stdout.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("</table>")[0].split("<tr>")[2:]
    validity = {row.split("<td>")[1].split("<")[0]: row.split("<td>")[4].split("</td>")[0] for row in rows}
    assert validity["den unge"] == "2026-04-10 – 2027-04-09"
    assert validity["Lena Prov"] == ("2026-04-10 – 2027-04-09<br><strong>räknas inte sedan den unge fyllde 18 år"
                                     " 2026-06-15</strong>"), validity
    assert validity["Nils Prov"] == "2026-04-10 – 2027-04-09<br><strong>återkallat 2026-05-04 11:00 CEST</strong>"
    # Under 18, a guardian who no longer has custody: the consent is no longer asked for, nor counted.
    app.clock.set(at(5, 5))
    younger = app.receive_referral(by=social, municipality="0180", personnummer="20100915-2388", name="Kim Prov",
                                   entry_route="known", referring_agency="socialtjanst", referral_date=date(2026, 5, 5),
                                   summary="Skolfrånvaro.", summary_category="school")
    app.decide_eligibility(younger.case_id, by=social, accepted=True, decided_on=date(2026, 5, 5), reasons="Risk.",
                           instruments=("ESTER",))
    app.record_guardians(younger.case_id, by=social, guardians=(Guardian("", "Eva Prov"), Guardian("", "Ola Prov")))
    eva, ola = app.get_case(younger.case_id).guardians
    for consenter in (YOUNG_PERSON, eva, ola):
        app.grant_consent(younger.case_id, by=social, consenter=consenter, scope=scope, purpose="Samverkan",
                          valid_from=date(2026, 5, 5), valid_until=None, form="written")
    app.record_guardians(younger.case_id, by=social, guardians=(Guardian(eva, "Eva Prov"),
                                                                Guardian(ola, "Ola Prov", has_custody=False)))
    report = cli(settings, master_key, postgres, "audit", "report", "--case", younger.value, "--out", "-")
    rows = report.stdout.split("<h2 id=consents-heading>Samtycken</h2>")[1].split("</table>")[0].split("<tr>")[2:]
    validity = {row.split("<td>")[1].split("<")[0]: row.split("<td>")[4].split("</td>")[0] for row in rows}
    assert validity["Eva Prov"] == validity["den unge"] == "2026-05-05 – tills vidare", validity
    assert validity["Ola Prov"] == ("2026-05-05 – tills vidare<br><strong>räknas inte: lämnat av en vårdnadshavare"
                                    " som inte har vårdnaden nu</strong>")


def cli(settings, master_key: str, location, *args: str):
    """`sigill …` against the ``app`` fixture's database, with its keys."""
    return sigill(*args, env={"SIGILL_DATA_DIR": str(settings.data_dir), "SIGILL_DATABASE_URL": location.url(),
                              "SIGILL_MASTER_KEY": master_key})


def test_views_show_of_an_erased_case_is_one_line_saying_when_and_under_which_decision(tmp_path):
    """Before the follower's round empties its views: it printed "Skolan ser 0 uppgifter" (and then, telling the
    guardians by role, failed after that heading); `sigill audit` says when and under which decision, and where the
    log is."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    erased = sigill("erase", "--case", "0180-2026-0001", "--decision", "SN 2026/45", "--even-if-open", env=env)
    assert erased.returncode == 0, erased.stderr
    shown = sigill("views", "show", "--agency", "skola", "--case", "0180-2026-0001", env=env)
    assert shown.returncode == 1 and shown.stdout == ""
    assert shown.stderr.count("\n") == 1 and "under the decision SN 2026/45" in shown.stderr, shown.stderr
    assert "sigill views log --case " in shown.stderr


def test_sigill_calendar_does_the_followers_erasure_round_too(tmp_path):
    """The README's "without a follower, run `sigill calendar` from cron": it recorded the calendar moments only, so
    with no follower an erased case stayed in every agency's case list and views (number, phase, next meeting), and
    no agency's feed was told to delete it."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    assert sigill("erase", "--case", "0180-2026-0001", "--decision", "SN 2026/45", "--even-if-open",
                  env=env).returncode == 0
    listed = sigill("views", "cases", "--agency", "socialtjanst", env=env)
    assert "0180-2026-0001" in listed.stdout   # no follower yet: the views still hold it
    kept = sigill("calendar", env=env)
    assert kept.returncode == 0 and kept.stdout.splitlines() == [
        "0 kalenderhändelser registrerade.",
        # Social services, the police and the school, each holding a fact of its own; not BUP, whose every fact ended
        # with the mother's withdrawal (an erasure is told only to an agency that still holds something of the case).
        "3 raderingsmeddelanden lagda i aktörernas flöden (gallrade ärenden)."], kept.stdout
    listed = sigill("views", "cases", "--agency", "socialtjanst", env=env)
    assert listed.stdout.splitlines() == ["Socialtjänsten: 0 ärenden"], listed.stdout
    again = sigill("calendar", env=env)
    assert again.stdout.splitlines() == ["0 kalenderhändelser registrerade."]   # each agency told once


def test_a_rotation_in_development_says_that_the_data_directorys_key_file_still_holds_the_old_key(tmp_path):
    """There the master key is the data directory's master.key unless SIGILL_MASTER_KEY is set: after a rotation
    every command without the variable failed ("the configured master key cannot unwrap the stored data keys"),
    and nothing had said that the file was the key in use."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    old = (tmp_path / "master.key").read_text().strip()
    new = sigill("new-master-key", env=env).stdout.strip()
    rotated = sigill("database", "rotate-master-key",
                     env={**env, "SIGILL_MASTER_KEY": new, "SIGILL_PREVIOUS_MASTER_KEY": old})
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.splitlines()[-1] == (
        f"Utvecklingsläge: {tmp_path / 'master.key'} håller fortfarande den gamla nyckeln — skriv den nya dit, så"
        " gäller den även för kommandon utan SIGILL_MASTER_KEY.")
    (tmp_path / "master.key").write_text(new + "\n")
    assert sigill("views", "cases", "--agency", "socialtjanst", env=env).returncode == 0   # as it says


def test_replay_says_whether_the_young_person_had_protected_personal_data_then_and_whether_the_agency_saw_it(
        tmp_path):
    """The web client's replay said it (2026-12-05); `sigill audit replay` said nothing: an auditor asking what
    the school was told must learn that the young person's data was protected then, and whether the school knew."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    before = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", "socialtjanst", "--as-of",
                    "2026-03-26", env=env)
    assert before.returncode == 0 and "skyddade personuppgifter" not in before.stdout, before.stdout   # never any
    _recorded_in_the_demo(env, """
app.record_protection(case_id, by=SOCIAL, protected=True, kind='sekretessmarkering')
""")
    def replay(agency: str, at: str) -> str:
        done = sigill("audit", "replay", "--case", "0180-2026-0001", "--agency", agency, "--as-of", at, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    then = "Vid tidpunkten hade den unge skyddade personuppgifter (sekretessmarkering), gällande från 2026-03-25."
    assert then + " Socialtjänsten såg markeringen." in replay("socialtjanst", "2026-03-26")
    # The school's consent no longer covered `case` after the mother's withdrawal: not told.
    assert then + " Skolan såg inte markeringen" in replay("skola", "2026-03-26")
    assert "Vid tidpunkten var inga skyddade personuppgifter registrerade" in replay("socialtjanst", "2026-03-01")


def test_a_head_no_checkpoint_covers_counts_the_events_up_to_it_not_before_it(tmp_path):
    """The withdrawal cut from the ledger's end with its entry and every checkpoint: the ledger's new last entry,
    position 16, is the one no signature covers, and its own link is whole.  verify said "16 händelser före den
    stämmer" of position 16 (15 stand before it); the count is of the events up to and including it."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    location = start_embedded(tmp_path / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:   # the superuser, every trigger off
        conn.execute("SET session_replication_role = replica")
        last = conn.execute("SELECT max(notification_id) FROM sigill_events").fetchone()[0]
        for table in ("sigill_events", "sigill_ledger"):
            conn.execute(f"DELETE FROM {table} WHERE notification_id = %s", (last,))
        conn.execute("DELETE FROM sigill_ledger_checkpoints")
    result = sigill("audit", "verify", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"ÄNDRAD vid position {last - 1} i händelseloggen: ingen signerad kontrollpunkt täcker liggarens sista"
            f" post") in result.stdout
    assert f"{last - 1} händelser till och med den stämmer." in result.stdout, result.stdout
