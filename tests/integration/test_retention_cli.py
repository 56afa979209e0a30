"""`sigill erase --due` on the embedded PostgreSQL: the closed cases whose retention period has run out, listed by
number, id, municipality, dates and closure reason — never whom they concern; open, recent and erased cases not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.identity import luhn_check_digit
from services.bootstrap import build_application, build_erasures
from services.bootstrap.database import database_location
from services.clock import ManualClock
from services.erasure import erase_case
from services.settings import Settings
from tests.builders import SOCIAL, utc
from tests.integration.test_cli import sigill

YOUNG_ADULT = f"19990102-238{luhn_check_digit('990102238')}"   # 20 in 2019: no 18th birthday after the referral
NAME = "Adam Gallringsson"


def closed_case(app, clock: ManualClock, at: datetime, reason: str = "moved", close: bool = True):
    """A case referred a month before ``at``, accepted, and (``close``) closed at ``at``; its number."""
    clock.set(at - timedelta(days=30))
    result = app.receive_referral(by=SOCIAL, municipality="0180", personnummer=YOUNG_ADULT, name=NAME,
                                  entry_route="known", referring_agency="socialtjanst",
                                  referral_date=(at - timedelta(days=31)).date(), summary="Känd sedan tidigare.",
                                  summary_category="case")
    clock.set(at - timedelta(days=29))
    app.decide_eligibility(result.case_id, by=SOCIAL, accepted=True, reasons="Risk.", instruments=(),
                           decided_on=clock.now().date(), outside_target_group_reason="Fortsatt stöd.")
    if close:
        clock.set(at)
        app.close_case(result.case_id, by=SOCIAL, reason=reason, outcome="Avslutat.")
    return result.case_id, result.value


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A data directory with, in 0180: a case closed in 2019 (due), one closed 300 days ago (not yet), one opened in
    2019 and never closed, and one closed in 2019 and erased."""
    directory = tmp_path_factory.mktemp("retention")
    clock = ManualClock(utc(2019, 5, 2))
    settings = Settings(data_dir=directory)
    location = database_location(settings)
    app = build_application(settings, clock=clock, location=location)
    try:
        due = closed_case(app, clock, utc(2019, 6, 3))
        still_open = closed_case(app, clock, utc(2019, 7, 1), close=False)
        erased = closed_case(app, clock, utc(2019, 8, 1), reason="other")
        recent = closed_case(app, clock, datetime.now(timezone.utc) - timedelta(days=300))
        erase_case(app, build_erasures(settings, location), erased[0], "SN 2026/45", "cli:test")
    finally:
        app.close()
    return {"env": {"SIGILL_DATA_DIR": str(directory)}, "due": due, "open": still_open, "erased": erased,
            "recent": recent}


def test_the_due_list_names_the_old_closed_case_and_no_other(data):
    result = sigill("erase", "--due", env=data["env"])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    (case_id, number) = data["due"]
    assert out.startswith("Gallringsbara ärenden i alla kommuner per ")
    assert "(gallringsfrist 5 år efter ärendets sista anteckning, SIGILL_RETENTION_YEARS): 1 ärende\n" in out
    header, row = out.splitlines()[1:3]
    assert header.split() == ["ärende", "ärende-id", "kommun", "avslutat", "sista", "anteckning", "gallringsbart",
                              "från", "avslutsskäl"]
    assert row.split() == [number, str(case_id), "0180", "2019-06-03", "2019-06-03", "2024-06-03", "moved"]
    for other in ("open", "erased", "recent"):
        assert data[other][1] not in out and str(data[other][0]) not in out
    assert 'sigill erase --case ÄRENDE --decision "DIARIENUMMER"' in out
    for secret in (NAME, "Adam", YOUNG_ADULT, YOUNG_ADULT.replace("-", ""), "990102"):
        assert secret not in out and secret not in result.stderr
    assert "läst 1 av 1 avslutat ärende (100 %)" in result.stderr   # only the one past its period is read


def test_the_period_is_the_setting_and_a_municipality_narrows_the_list(data):
    longer = sigill("erase", "--due", "--municipality", "0180", env={**data["env"], "SIGILL_RETENTION_YEARS": "10"})
    assert longer.returncode == 0, longer.stderr
    assert longer.stdout.startswith("Gallringsbara ärenden i 0180 per ") and ": 0 ärenden\n" in longer.stdout
    assert data["due"][1] not in longer.stdout
    shorter = sigill("erase", "--due", "--municipality", "0180", env={**data["env"], "SIGILL_RETENTION_YEARS": "1"})
    assert data["due"][1] in shorter.stdout and data["recent"][1] not in shorter.stdout   # 300 days ago
    other = sigill("erase", "--due", "--municipality", "1280", env=data["env"])
    assert other.returncode == 0 and ": 0 ärenden" in other.stdout


@pytest.mark.parametrize("args, said", [
    (("--due", "--municipality", "9999"), "unknown municipality '9999'"),
    (("--due", "--case", "0180-2019-0001"), "--due lists and erases nothing: leave out --case"),
    (("--due", "--even-if-open"), "leave out --even-if-open"),
    (("--decision", "SN 2026/45"), "--case is required to erase a case"),
    (("--case", "0180-2019-0001"), "--decision is required to erase a case"),
    (("--case", "0180-2019-0001", "--decision", "SN 1", "--municipality", "0180"), "--municipality goes with --due"),
])
def test_a_mixed_or_mistyped_command_is_one_line_and_exit_2(data, args, said):
    result = sigill("erase", *args, env=data["env"])
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr


def test_a_period_that_is_no_whole_number_of_years_is_refused_in_one_line(data):
    result = sigill("erase", "--due", env={**data["env"], "SIGILL_RETENTION_YEARS": "0"})
    assert result.returncode == 1 and result.stderr.strip() == (
        "sigill: SIGILL_RETENTION_YEARS: must be a whole number of years from 1 to 100"), result.stderr
