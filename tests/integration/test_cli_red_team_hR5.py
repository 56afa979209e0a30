"""Red team hR5 (2026-12-07), the command line: a personnummer or a name typed where a case, an agency or a
municipality goes — refused after argparse took it, by our own checks against the data — is said back nowhere."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import sigill

PERSONNUMMER, NAME = "20090314-2388", "Peter Exempel"
REFUSED_AFTER_PARSING = [
    (["audit", "replay", "--case", NAME, "--agency", "polis", "--as-of", "2026-03-05"], "a case number looks like"),
    (["audit", "replay", "--case", "0180-2026-0001", "--agency", PERSONNUMMER, "--as-of", "2026-03-05"],
     "unknown agency (the agencies: "),
    (["audit", "access-log", "--case", PERSONNUMMER], "a case number looks like"),
    (["audit", "access-log", "--agency", NAME], "unknown agency (the agencies: "),
    (["stats", "--municipality", PERSONNUMMER, "--from", "2026-01-01", "--to", "2026-12-31"],
     "unknown municipality (the codes: "),
]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("sigill")
    assert sigill("demo", env={"SIGILL_DATA_DIR": str(data)}).returncode == 0
    return data


@pytest.mark.parametrize("args, said", REFUSED_AFTER_PARSING, ids=[" ".join(a[:4]) for a, _ in REFUSED_AFTER_PARSING])
def test_guard_a_case_agency_or_municipality_refused_against_the_data_says_nothing_typed_back(demo_dir, args, said):
    """Guard (held): one line, exit 2, naming what is wrong and never the value."""
    done = sigill(*args, env={"SIGILL_DATA_DIR": str(demo_dir)})
    assert done.returncode == 2 and said in done.stderr, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1
    for piece in ("2388", "090314", "Peter", "Exempel"):
        assert piece not in done.stdout + done.stderr
