"""Bad arguments to `sigill`: a non-zero exit and one readable line on stderr, never a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from tests.integration.test_cli import sigill


@pytest.mark.parametrize("option, value", [("--subject", "a\nb"), ("--name", "x" * 300), ("--name", "Kim\x1b[2J")])
def test_a_development_token_the_api_would_refuse_is_not_issued(tmp_path, option, value):
    """It was printed, and every request with it answered 401 ("the token's sub claim holds a control character")."""
    result = sigill("dev-token", "--agency", "skola", "--role", "member", option, value,
                    env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and result.stdout == ""   # the caller's input (sigill.cli.BAD_INPUT)
    assert result.stderr == f"sigill: {option} must be at most 256 characters, with no control character\n"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("sigill")
    assert sigill("demo", env={"SIGILL_DATA_DIR": str(data)}).returncode == 0
    return data


BAD = [
    (["views", "show", "--agency", "skola", "--case", "0180-2026-9999"],
     "no case has that number (the cases' numbers and ids, no case read: `sigill audit cases`)"),
    (["stats", "--municipality", "Stockholm", "--from", "2026-01-01", "--to", "2026-12-31"],
     "sigill: unknown municipality (give its code: 0180 for Stockholm)"),
    (["erase", "--due", "--municipality", "9999"], "unknown municipality '9999' (the codes: 0123, 0127, "),
    (["erase", "--due", "--municipality", "180"], "sigill: unknown municipality (give its code: 0180 for Stockholm)"),
    (["views", "show", "--agency", "nope", "--case", "0180-2026-0001"], "unknown agency 'nope'"),
    (["views", "show", "--agency", "skola", "--case", "20090314-2388"], "a case number looks like"),
    (["views", "show", "--agency", "skola", "--case", "00000000-0000-0000-0000-000000000000"], "no such case"),
    (["views", "cases", "--agency", "Peter Exempel"], "unknown agency"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-02-31"], "is not a date"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "9999-12-31"], "is not between"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "20260203"], "is not a date"),
    (["audit", "disclosures", "--case", "0180-2026-0001", "--agency", "nope"], "unknown agency 'nope'"),
    (["audit", "access-log", "--agency", "Peter Exempel"], "unknown agency (the agencies: "),
    (["audit", "access-log", "--case", "20090314-2388"], "a case number looks like"),
    (["audit", "access-log", "--from", "2026-02-31"], "is not a date"),
    (["audit", "report", "--case", "0180-2026-0001", "--out", "/nonexistent/r.html"], "cannot write the report"),
    (["audit", "export", "--out", "/nonexistent/x"], "cannot write the checkpoints"),
    (["audit", "verify", "--checkpoints", "/nonexistent"], "cannot read /nonexistent"),
    (["audit", "verify", "--trust-key", "abc"], "is not a base64 Ed25519 public key"),
    (["views", "show"], "the following arguments are required"),
]


@pytest.mark.parametrize("args, said", BAD, ids=[" ".join(a[:2]) + f" {i}" for i, (a, _) in enumerate(BAD)])
def test_a_bad_argument_is_one_line_and_a_non_zero_exit(demo_dir, args, said):
    result = sigill(*args, env={"SIGILL_DATA_DIR": str(demo_dir)})
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Peter Exempel" not in result.stderr and "2009" not in result.stderr


@pytest.mark.parametrize("args", [["views", "cases", "--agency", "skola"], ["audit", "seal"], ["calendar"],
                                  ["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis",
                                   "--as-of", "2026-03-01"]])
def test_a_database_that_is_not_there_is_one_line(tmp_path, args):
    for env in ({"SIGILL_DATA_DIR": str(tmp_path / "nothing")},
                {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}):
        result = sigill(*args, env=env)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr


READS = [["views", "show", "--agency", "skola", "--case", "0180-2026-0001"],
         ["views", "log", "--case", "0180-2026-0001"],
         ["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-01"],
         ["audit", "disclosures", "--case", "0180-2026-0001"],
         ["audit", "report", "--case", "0180-2026-0001", "--out", "/nonexistent/r.html"],
         ["audit", "access-log", "--case", "0180-2026-0001"]]


@pytest.mark.parametrize("purpose, said", [
    ("x" * 501, "is 501 characters long: a purpose is at most 500"),
    ("Möte\nPeter Exempel", "holds a control character (U+000A, character 5 of 18): a purpose is one line of text"),
    ("Möte\x1b[2J", "holds a control character (U+001B, character 5 of 8): a purpose is one line of text"),
    ("Möte\x85", "holds a control character (U+0085, character 5 of 5): a purpose is one line of text")],
                         ids=["501-characters", "new-line", "escape", "c1-next-line"])
@pytest.mark.parametrize("args", READS, ids=[" ".join(a[:2]) for a in READS])
def test_a_purpose_the_api_would_refuse_is_one_line_and_exit_2_before_anything_is_read(demo_dir, args, purpose,
                                                                                       said):
    """`--purpose` had no bound and took control characters, kept sealed in the access log as given; the API
    refuses the same in its header (one rule, ``services.access_entry.stated_purpose``), saying which rule and where
    (since 2026-12-07; one line for all of them before), never the purpose."""
    result = sigill(*args, "--purpose", purpose, env={"SIGILL_DATA_DIR": str(demo_dir)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"sigill: --purpose {said}\n"


def test_a_purpose_given_as_a_dash_is_read_from_standard_input_under_the_same_rule(demo_dir):
    """A purpose often names the young person, and a command's arguments show to every user of the host (ps)."""
    env = {**os.environ, "SIGILL_DATA_DIR": str(demo_dir)}
    run = lambda text: subprocess.run([sys.executable, "-m", "services.cli", *READS[0], "--purpose", "-"],  # noqa: E731
                                      input=text, capture_output=True, text=True, timeout=120, env=env)
    assert run("Uppföljning av Peter Exempel\n").returncode == 0
    result = run("x" * 501 + "\n")   # too long: as on the command line
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "sigill: --purpose is 501 characters long: a purpose is at most 500\n"
    # Two lines were told as too long or with a control character, which sent the auditor looking for either.
    for refused in ("Möte\nPeter Exempel\n", "Tillsyn\n\n", "Möte\rPeter\n"):
        result = run(refused)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == ("sigill: --purpose -: standard input holds more than one line; the purpose must be"
                                 " one line\n"), refused


@pytest.mark.parametrize("given, read", [("Tillsyn\n", "Tillsyn"), ("Tillsyn\r\n", "Tillsyn"), ("Tillsyn", "Tillsyn"),
                                         ("", ""), ("Tillsyn\n\n", "Tillsyn\n")])
def test_only_the_line_break_ending_the_input_is_dropped(monkeypatch, given, read):
    from services import cli

    monkeypatch.setattr(sys, "stdin", io.StringIO(given))
    assert cli._purpose_given("-") == read
    assert cli._purpose_given("Tillsyn 17/2026") == "Tillsyn 17/2026"   # anything but a dash is the purpose itself


@pytest.mark.parametrize("stdin", [None, io.TextIOWrapper(io.BytesIO(b"Tillsyn \xff\n"), encoding="utf-8"),
                                   io.TextIOWrapper(io.BytesIO(b"Tillsyn \xff\n"), encoding="utf-8",
                                                    errors="surrogateescape")])
def test_a_dash_with_no_readable_standard_input_is_refused_in_a_line(monkeypatch, capsys, stdin):
    """Standard input closed (`<&-`), or not UTF-8 (strictly read, or let through as a C locale does): one line, exit
    2 — it was a traceback (AttributeError, UnicodeDecodeError)."""
    from services import cli

    monkeypatch.setattr(sys, "stdin", stdin)
    assert cli.main(["views", "show", "--agency", "skola", "--case", "0180-2026-0001", "--purpose", "-"]) == 2
    assert capsys.readouterr().err == "sigill: --purpose -: standard input holds no UTF-8 text to read the purpose from\n"


def test_a_purpose_of_500_characters_is_read_with(demo_dir):
    result = sigill(*READS[0], "--purpose", "å" * 500, env={"SIGILL_DATA_DIR": str(demo_dir)})
    assert result.returncode == 0, result.stderr


AGENCY_ASKED = [["views", "cases", "--agency", "Skolan"],
                ["views", "show", "--agency", "Skolan", "--case", "0180-2026-0001"],
                ["views", "log", "--case", "0180-2026-0001", "--agency", "Skolan"],
                ["dev-token", "--agency", "Skolan", "--role", "member"],
                ["feed", "consume", "--agency", "Skolan", "--municipality", "0180"]]


@pytest.mark.parametrize("args", AGENCY_ASKED, ids=[" ".join(a[:2]) for a in AGENCY_ASKED])
def test_an_unknown_agency_is_one_line_that_lists_the_agencies_in_every_command(demo_dir, args):
    """`sigill audit …` listed them; `views`, `dev-token` and `feed consume` said only "unknown agency",
    and the ids are in no --help: the user was left to guess "skola" (a value not shaped like an id is not said
    back: it may be a name)."""
    result = sigill(*args, env={"SIGILL_DATA_DIR": str(demo_dir)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("sigill: unknown agency (the agencies: arbetsformedlingen, bup, fritid,"
                             " frivilligorganisation, missbruksvard, polis, sis, skola, socialtjanst)\n")


@pytest.mark.parametrize("args, said", [
    (["--workers", "0"], "sigill: --workers must be 1–{max} (each worker holds about 20 database connections; one per"
                         " core is the rule)\n"),
    (["--port", "99999"], "sigill: --port must be 1–65535\n"),
])
def test_serve_names_the_one_option_at_fault(tmp_path, args, said):
    """It said "--port must be 1–65535 and --workers 1–8" whichever was wrong."""
    result = sigill("serve", *args, env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == said.format(max=4 * (os.cpu_count() or 1))


@pytest.mark.parametrize("args", [["dev-token", "--agency", "skola", "--role", "member", "--municipality", ""],
                                  ["feed", "consume", "--agency", "skola", "--municipality", ""]],
                         ids=["dev-token", "feed consume"])
def test_an_empty_municipality_is_the_callers_input_one_line_and_exit_2(tmp_path, args):
    """dev-token printed a member's token with no municipality, refused (403) at every read it was made for; the
    consumer exited 1, as for a fault typing again cannot mend."""
    result = sigill(*args, env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("sigill: unknown municipality (the codes: 0123, ") and "0180, " in result.stderr
