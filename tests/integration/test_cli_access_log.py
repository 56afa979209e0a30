"""`sigill audit access-log`: the access log's search on the command line, as the API's and the web's Åtkomstlogg —
its filters, whether the log is whole (exit 1 when not), and its own read logged as `sigill audit`'s others are."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from gateways.embedded_postgres import start_embedded
from tests.integration.test_cli import demo_data, sigill

# Four reads of the demo's case (0180-2026-0001) and a second one (0180-2026-0002), by IVO, social services and JO,
# at known moments (Swedish summer time): before any read of the command line's own.
READS = """
from datetime import date, datetime, timezone
from services.bootstrap import build_case_service
from services.cli_context import opened
from services.clock import ManualClock
from services.demo import SOCIAL
from services.principals import Principal, Role

ivo = Principal("ivo-7", "Ina Inspektör", "ivo", frozenset({Role.AUDITOR}))
jo = Principal("jo-3", "Jon Ombud", "jo", frozenset({Role.AUDITOR}))
social = Principal("soc-1", "Sara Handläggare", "socialtjanst", frozenset({Role.CASEWORKER}), municipality="0180")
clock = ManualClock(datetime(2026, 4, 1, 8, tzinfo=timezone.utc))
with opened(clock, existing=True) as (app, settings, location):
    first = app.resolve_case("0180-2026-0001")
    second = app.receive_referral(by=SOCIAL, municipality="0180", personnummer="20030610-2385", name="Lina Prov",
                                  entry_route="known", referring_agency="skola", referral_date=date(2026, 3, 30),
                                  summary="Oro för skolfrånvaro.", summary_category="school").case_id
    service = build_case_service(app, settings, location)
    service.audit_facts(ivo, first, "Tillsyn IVO 4/2026")                        # 2026-04-01 10:00 CEST
    clock.set(datetime(2026, 4, 1, 9, tzinfo=timezone.utc))
    service.audit_facts(ivo, second, "Tillsyn IVO 4/2026")                       # 2026-04-01 11:00 CEST
    clock.set(datetime(2026, 4, 2, 7, tzinfo=timezone.utc))
    service.extract(social, first, "Begäran om registerutdrag")                  # 2026-04-02 09:00 CEST
    clock.set(datetime(2026, 4, 3, 12, 30, tzinfo=timezone.utc))
    service.audit_facts(jo, first, "")                                           # 2026-04-03 14:30 CEST
    service.access_log.store.close()   # its owed checkpoint stored
    print(first, second)
"""


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> tuple[dict[str, str], str, str]:
    """The demo's data with the four reads above: (environment, the first case's id, the second's)."""
    env = demo_data(tmp_path_factory.mktemp("access"))
    done = subprocess.run([sys.executable, "-c", READS], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    return env, first, second


def listed(*args: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The command's run, and its lines of reads (without the count and the log's check after them)."""
    result = sigill("audit", "access-log", *args, env=env)
    return result, result.stdout.splitlines()[:-2]


def seqs(lines: list[str]) -> list[int]:
    return [int(line.split()[0]) for line in lines]


def test_every_read_is_listed_with_its_number_time_reader_case_what_and_purpose(logged):
    """As the web's Åtkomstlogg shows them: each case by its number (it was by id alone) and what was read in the
    web's words (it printed the raw codes, `audit.facts`), from the one wording both use (``read_label``)."""
    env, first, second = logged
    result, lines = listed("--to", "2026-04-30", env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert lines == [
        f"     1  2026-04-01 10:00:00 CEST  {'IVO':<35} ärende 0180-2026-0001  alla uppgifter (granskning)  läsare:"
        " ivo-7 (Ina Inspektör), auditor  syfte: Tillsyn IVO 4/2026",
        f"     2  2026-04-01 11:00:00 CEST  {'IVO':<35} ärende 0180-2026-0002  alla uppgifter (granskning)  läsare:"
        " ivo-7 (Ina Inspektör), auditor  syfte: Tillsyn IVO 4/2026",
        f"     3  2026-04-02 09:00:00 CEST  {'Socialtjänsten':<35} ärende 0180-2026-0001  loggutdraget  läsare: soc-1"
        " (Sara Handläggare), caseworker  syfte: Begäran om registerutdrag",
        f"     4  2026-04-03 14:30:00 CEST  {'JO':<35} ärende 0180-2026-0001  alla uppgifter (granskning)  läsare: jo-3"
        " (Jon Ombud), auditor",
    ], result.stdout
    assert result.stdout.splitlines()[-2:] == [
        "4 läsningar.",
        "Åtkomstloggen kontrollerad: ingen läsning saknas i loggen, och de 4 läsningar som visas här är de som"
        " skrevs."]
    # What the API's search answers an auditor, no more: the young people are named nowhere.
    for personal in ("Peter Exempel", "Lina Prov", "20090314", "20030610"):
        assert personal not in result.stdout


def test_a_replay_read_names_whose_view_and_when_in_the_webs_words(logged):
    """`audit.replay:polis@2026-…` was printed as stored: said as the web's Åtkomstlogg says it."""
    env, _, _ = logged
    assert sigill("audit", "replay", "--case", "0180-2026-0002", "--agency", "polis", "--as-of", "2026-04-01T12:00",
                  env=env).returncode == 0
    result, lines = listed("--agency", "sigill", "--case", "0180-2026-0002", env=env)
    assert result.returncode == 0, result.stderr
    assert "ärende 0180-2026-0002  återspelning (granskning): Polisen, 2026-04-01 12:00 CEST  läsare: cli:uid" \
        in lines[-1], lines
    assert "audit.replay" not in result.stdout


@pytest.mark.parametrize("args, expected", [
    (("--case", "0180-2026-0002"), [2]),
    (("--agency", "ivo"), [1, 2]),
    (("--agency", "socialtjanst"), [3]),
    (("--agency", "jo"), [4]),
    (("--reader", "jo-3"), [4]),
    (("--reader", "ivo-7", "--case", "0180-2026-0001"), [1]),
    (("--from", "2026-04-02", "--to", "2026-04-02"), [3]),                     # a date is the whole day
    (("--from", "2026-04-01T11:00", "--to", "2026-04-03T14:30"), [2, 3, 4]),    # a minute is the whole minute
    (("--from", "2026-04-01T08:00Z", "--to", "2026-04-03T14:29:59"), [1, 2, 3]),   # a zone; a second
    (("--agency", "bup"), []),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else None)
def test_each_filter_lists_the_reads_it_names(logged, args, expected):
    env, _, _ = logged
    result, lines = listed(*args, "--to", "2026-04-30", env=env) if "--to" not in args else listed(*args, env=env)
    assert result.returncode == 0 and seqs(lines) == expected, result.stdout
    said = "Inga träffar." if not expected else f"{len(expected)} läsning{'' if len(expected) == 1 else 'ar'}."
    # Said for the number shown: "de 0 läsningar som visas här är de som skrevs" for none, "de 1 läsningar" for one.
    shown = {0: "här visas ingen läsning", 1: "den läsning som visas här är den som skrevs"}.get(
        len(expected), f"de {len(expected)} läsningar som visas här är de som skrevs")
    assert result.stdout.splitlines()[-2:] == [said, "Åtkomstloggen kontrollerad: ingen läsning saknas i loggen, och"
                                               f" {shown}."]


def test_a_case_is_taken_by_its_id_as_by_its_number(logged):
    env, first, _ = logged
    by_number, by_id = listed("--case", "0180-2026-0001", env=env), listed("--case", first, env=env)
    assert by_number[0].returncode == by_id[0].returncode == 0
    assert seqs(by_number[1])[:3] == seqs(by_id[1])[:3] == [1, 3, 4]


def _entries(env: dict[str, str]) -> list[tuple]:
    location = start_embedded(Path(env["SIGILL_DATA_DIR"]) / "postgres").with_database("sigill")
    with psycopg.connect(location.conninfo()) as conn:
        return conn.execute("SELECT seq, case_id::text, what, agency, roles, subject, details FROM sigill_access_log"
                            " ORDER BY seq").fetchall()


def test_its_own_read_is_logged_for_each_case_it_shows_as_the_other_audit_reads_are(logged):
    """Who read whose reads, and why, is a read of those cases (the readers' names and purposes unsealed): in the
    log as `audit replay`'s is — the reader `sigill`, auditor, the account and host, the purpose sealed — once for
    each case a page shows, before it is shown; and not listed by the search that made it."""
    env, first, second = logged
    before = _entries(env)
    result, lines = listed("--agency", "ivo", "--purpose", "Tillsyn 9/2026", env=env)
    assert result.returncode == 0 and seqs(lines) == [1, 2]
    assert sigill("audit", "replay", "--case", "0180-2026-0002", "--agency", "skola", "--as-of", "2026-04-01",
                  "--purpose", "Tillsyn 9/2026", env=env).returncode == 0
    new = _entries(env)[len(before):]
    assert [(r[1], r[2]) for r in new] == [(first, "audit.access_log"), (second, "audit.access_log"),
                                           (second, "audit.replay:skola@2026-04-01T23:59:59.999999+02:00")]
    searched, replayed = new[0], new[-1]
    assert searched[3:6] == replayed[3:6] and searched[3:5] == ("sigill", "auditor")
    assert searched[5].startswith("cli:uid")
    assert all(b"Tillsyn" not in bytes(r[6]) for r in new)   # sealed under the case's key, as the reader's name
    # Read back (its purpose unsealed), and a search that shows nothing logs nothing.
    again, lines = listed("--agency", "sigill", "--case", "0180-2026-0002", env=env)   # earlier tests' reads first
    assert seqs(lines)[-2:] == [new[1][0], new[2][0]] and lines[-2].endswith("  syfte: Tillsyn 9/2026")
    assert "ärende 0180-2026-0002  åtkomstloggen (granskning)  läsare: cli:uid" in lines[-2]
    count = len(_entries(env))
    assert listed("--agency", "bup", env=env)[0].returncode == 0 and len(_entries(env)) == count


@pytest.mark.parametrize("args, said", [
    (("--case", "0180-2026-0099"), "sigill: no case has that number"),
    (("--case", "20090314-2388"), "a case number looks like"),
    (("--case", "00000000-0000-0000-0000-000000000000"), "sigill: no such case"),
    (("--agency", "nope"), "sigill: unknown agency 'nope' (the agencies: arbetsformedlingen, bup, fritid,"
                           " frivilligorganisation, ivo, jo, missbruksvard, polis, sigill, sis, skola, socialstyrelsen,"
                           " socialtjanst)"),
    (("--from", "2026-02-30"), "argument --from: '2026-02-30' is not a date or time like 2026-03-05"),
    # Eight digits, as a personnummer's date: not said back (test_cli_said_back).
    (("--to", "20260203"), "argument --to: the value given is not a date or time"),
    (("--to", "2026-03-29T02:30"), "argument --to: '2026-03-29T02:30' is no single moment in Swedish time"),
    (("--from", "9999-12-31"), "is not between"),
    (("--reader", "x" * 201), "sigill: --reader must be at most 200 characters"),
    # `--reader "$READER"` with the variable unset: "Inga träffar", as if no one had read (the web takes an empty
    # field as no filter).
    (("--reader", ""), "sigill: --reader is empty: give a reader's user id"),
    # A range that is no range: it answered "Inga träffar", as if no one had read then.
    (("--from", "2026-04-03", "--to", "2026-04-02"), "sigill: --from 2026-04-03 00:00:00 CEST is after --to"
                                                     " 2026-04-02 23:59:59 CEST: the range is reversed"),
    # A start in the future (2062 for 2026): "Inga träffar" read as no one having read since then.
    (("--from", "2062-01-01"), "sigill: --from 2062-01-01 00:00:00 CET is after this command's start ("),
])
def test_a_bad_argument_is_one_line_and_exit_2_and_nothing_is_read(logged, args, said):
    env, _, _ = logged
    before = len(_entries(env))
    result = sigill("audit", "access-log", *args, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "2388" not in result.stderr
    assert len(_entries(env)) == before


def test_a_read_removed_from_the_log_is_said_and_the_exit_is_1(tmp_path):
    """As the API's search and the web's Åtkomstlogg say it, in the same words: a read removed by a superuser is
    found by no search, and a listing without it read as complete — a search that finds nothing too."""
    env = demo_data(tmp_path)
    for command in (("replay", "--agency", "polis", "--as-of", "2026-03-10"), ("disclosures",)):
        assert sigill("audit", command[0], "--case", "0180-2026-0001", *command[1:], env=env).returncode == 0
    whole, lines = listed(env=env)
    assert whole.returncode == 0 and seqs(lines) == [1, 2]
    location = start_embedded(tmp_path / "postgres").with_database("sigill")

    def superuser(statement: str) -> None:   # the insider, past the append-only trigger
        with psycopg.connect(location.conninfo(), autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.execute(statement)

    superuser("UPDATE sigill_access_log SET what = 'audit.report' WHERE seq = 2")   # an altered read: by its number
    result, lines = listed("--case", "0180-2026-0001", env=env)
    assert result.returncode == 1 and seqs(lines) == [1, 2, 3]
    assert result.stdout.splitlines()[-1] == ("Åtkomstloggen har ändrats: läsning 2 har ändrats. Det som visas här"
                                              " kan vara ofullständigt.")
    superuser("DELETE FROM sigill_access_log WHERE seq = 1")
    found = ("Åtkomstloggen har ändrats: en läsning saknas i loggen (den första: läsning 1) – borttagna i"
             " efterhand; vilket ärende de gällde går inte att se. Det som visas här kan vara ofullständigt.")
    for args, shown in (((), [2, 3, 4]), (("--agency", "ivo"), [])):
        result, lines = listed(*args, env=env)
        assert result.returncode == 1 and seqs(lines) == shown, result.stdout
        assert result.stdout.splitlines()[-1] == found


def test_an_erased_case_s_reads_are_still_searched(tmp_path):
    """Its reads outlive its key (without the readers' names and purposes, sealed under it): searched as `views log`
    reads its stored log, where the other audit commands refuse an erased case."""
    env = demo_data(tmp_path)
    assert sigill("audit", "disclosures", "--case", "0180-2026-0001", "--purpose", "Tillsyn", env=env).returncode == 0
    erase = ("from services.cli_context import opened\n"
             "with opened(existing=True) as (app, settings, location):\n"
             "    case_id = app.resolve_case('0180-2026-0001')\n"
             "    app.keystore.destroy(case_id)\n"
             "    print(case_id)\n")
    done = subprocess.run([sys.executable, "-c", erase], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    case_id = done.stdout.strip()
    result, lines = listed("--case", case_id, env=env)
    assert result.returncode == 0 and len(lines) == 1, result.stderr
    # Named by the number the case lists still hold for it (as the web's Åtkomstlogg names it).
    assert re.fullmatch(r"\s+1  \S+ \S+ CET  Sigills kommandorad\s+ ärende 0180-2026-0001  utlämnandeloggen"
                        r" \(granskning\)  läsare:"
                        r" cli:uid\d+@\S+, auditor", lines[0]), lines[0]
    by_number, lines = listed("--case", "0180-2026-0001", env=env)   # while the number series still names it
    assert by_number.returncode == 0 and seqs(lines)[0] == 1


def test_the_agency_help_names_every_reader_outside_the_catalogue_it_accepts():
    """The help named "jo, ivo, sigill" by hand, and missed socialstyrelsen (the evaluator's agency), which --agency
    takes: it is made from the list the command accepts."""
    from services.access_log_text import READERS_OUTSIDE

    told = " ".join(sigill("audit", "access-log", "--help", env={}).stdout.split())
    assert all(f"{reader} ({name})" in told for reader, name in READERS_OUTSIDE.items()), told
    assert "socialstyrelsen (Socialstyrelsen)" in told
