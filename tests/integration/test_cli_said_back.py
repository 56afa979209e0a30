"""A command line refused says which argument and why in one line, exit 2 — and says back nothing typed that could
be a personnummer or a name: argparse's own refusals quoted the value ("invalid choice: '20090314-2388'",
"unrecognized arguments: Peter Exempel", "invalid int value: …"), as did some of ours, and a command line's error
lands in shell histories' neighbours, terminals shared on screen and cron mails."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import sigill

PERSONNUMMER, NAME = "20090314-2388", "Peter Exempel"

REFUSED = [
    ([PERSONNUMMER], "argument COMMAND: invalid choice (choose from 'demo', "),
    (["audit", NAME], "argument AUDIT_COMMAND: invalid choice (choose from 'seal', "),
    (["demo", PERSONNUMMER], "unrecognized arguments: 1 value, not said back"),
    (["audit", "seal", "--bogus", NAME], "unrecognized arguments: --bogus and 1 value, not said back"),
    (["serve", "--port", PERSONNUMMER], "argument --port: invalid int value"),
    (["views", "show", "--agency", "skola", "--case", "0180-2026-0001", "--what", NAME],
     "argument --what: invalid choice (choose from 'timeline', 'plan', 'meetings', 'own')"),
    (["dev-token", "--agency", "skola", "--role", "member", "--hours", PERSONNUMMER],
     "argument --hours: not a number of hours"),
    (["feed", "consume", "--agency", "skola", "--municipality", "0180", "--max-messages", PERSONNUMMER],
     "argument --max-messages: expected a positive whole number"),
    (["audit", "verify", "--trust-key", NAME],
     "argument --trust-key: the value given is not a base64 Ed25519 public key (32 bytes)"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", PERSONNUMMER],
     "argument --as-of: the value given is not a date or time like 2026-03-05 or 2026-03-05T14:00"),
    *[(["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", written],
       "argument --as-of: the value given is not a date or time like 2026-03-05 or 2026-03-05T14:00")
      for written in ("2009-03-14-2388", "09-03-14-2388", "0314-2388")],   # a personnummer written with dashes
    (["dev-token", "--agency", "skola", "--role", "member", "--hours", "0314-2388"],
     "argument --hours: not a number of hours: the value given"),
    (["audit", "access-log", "--from", NAME], "argument --from: the value given is not a date or time like 2026-03-05"),
    (["dev-token", "--agency", "skola", "--role", "member", "--hours", "200903142388"],
     "the value given: a token is valid for more than 0 and at most 168 hours"),
    (["feed", "consume", "--agency", "skola", "--municipality", "0180", "--max-messages", "200903142388"],
     "expected at most 1,000,000,000 messages, got the value given"),
]


@pytest.mark.parametrize("args, said", REFUSED, ids=[" ".join(a[:3] + a[-1:]) for a, _ in REFUSED])
def test_a_refused_argument_is_named_and_nothing_typed_said_back(tmp_path, args, said):
    done = sigill(*args, env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and said in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    for piece in ("2388", "090314", "Peter", "Exempel"):
        assert piece not in done.stderr, done.stderr


@pytest.mark.parametrize("args, said", [
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-02-30"],
     "argument --as-of: '2026-02-30' is not a date or time like"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "9999-12-31"],
     "'9999-12-31' is not between"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-29T02:30"],
     "argument --as-of: '2026-03-29T02:30' is no single moment in Swedish time (the clocks were changed then): give"
     " its offset after it, e.g. +02:00 or +01:00"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", "polis", "--as-of", "2026-03-29T02:30:00.5"],
     "argument --as-of: the value given is no single moment in Swedish time"),   # why, though not said back
    (["demo", "--verbose"], "unrecognized arguments: --verbose (see `sigill --help`)"),
    (["feed", "consume", "--agency", "skola", "--municipality", "0180", "--max-messages", "-3"],
     "expected a positive whole number, got '-3'")])
def test_guard_a_date_an_option_or_a_number_typed_is_said_back(tmp_path, args, said):
    """What cannot be a personnummer or a name (a date, an option's name, a short number) is still said back."""
    done = sigill(*args, env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2 and said in done.stderr, done.stderr
