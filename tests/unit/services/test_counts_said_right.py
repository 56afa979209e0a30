"""A count of one takes the singular wherever a text counts rows, events or cases: texts wrote "{n} rader" whatever
n was, and the web's disclosure log, the report and `sigill views log` said "1 rader" ("1 rader jämförda")."""

from __future__ import annotations

from services import report_checks
from services.cli_views_log import _report_agreement as report_agreement
from services.ledger import Verification
from services.presentation import describe_plan_status
from services.stored_log import Agreement
from services.web.pages import env
from services.web.texts import T
from services.wording import cases_counted, counted, events_counted, rows_compared, rows_counted

KEY = ("2026-02-01", "skola", "f1", "plan.row", None, "disclosed", {"kind": "law"}, None)


def test_one_row_one_event_one_case_are_singular_and_none_plural():
    assert [rows_counted(n) for n in (0, 1, 2)] == ["0 rader", "1 rad", "2 rader"]
    assert (rows_compared(1), rows_compared(1234)) == ("1 rad jämförd", "1\u202f234 rader jämförda")
    assert (events_counted(1), events_counted(3), cases_counted(1), cases_counted(3)) == (
        "1 händelse", "3 händelser", "1 ärende", "3 ärenden")
    assert counted(1, "ny händelse", "nya händelser") == "1 ny händelse"


def test_the_web_pages_count_rows_as_the_report_does():
    assert env.from_string("{{ 1|rows }}, {{ 2|rows }}, {{ 1|rows_compared }}").render() == (
        "1 rad, 2 rader, 1 rad jämförd")


def test_the_reports_stored_log_with_one_row_says_one_rad():
    agrees = report_checks.agreement_checked(Agreement(1, [], [], 0), {}, str, None, ())
    assert "(1 rad jämförd)" in agrees
    assert "har 1 rad om ärendet. Loggen kan inte" in report_checks.stored_log_unheld(1)


def test_views_log_says_one_row_compared_and_one_without_cause(capsys):
    assert report_agreement(Agreement(1, [], [], 1), None, str, None, None) == 0
    assert capsys.readouterr().out == (
        "Loggen stämmer med ärendets händelser: 1 rad jämförd. (1 rad från före 2026-12-03 saknar orsak och"
        " jämfördes utan den; `sigill views rebuild` fyller i dem)\n")


def test_the_ledgers_verdict_counts_one_event_of_the_case_as_one():
    said = report_checks.ledger_verdict(Verification(checked=1, unsealed=1, checkpoints=0, divergence=None),
                                        case_events=1)
    assert "1 lagrad händelse i alla ärenden" in said and "1 senare händelse i installationen har ännu inte" in said


def test_a_plan_of_one_row_in_the_case_list():
    assert describe_plan_status(2, {"none": 1}) == "rev. 2, 1 rad – ej uppföljd: 1"


def test_the_replaced_logs_warning_says_the_same_on_the_web_and_in_the_report():
    """The web said the rows may have been read in "aktörernas flöden", the report in "myndigheternas flöden": a
    voluntary organisation in the group has a feed too, and is no myndighet (DOMAIN.md's participants)."""
    web = T["replaced_not_given"].format(n=rows_counted(1))
    report = report_checks.replaced_not_given(1)
    shared = "hade 1 rad om ärendet som ärendets händelser inte ger. Varje sådan rad fanns i loggen vid ombyggnaden"
    assert shared in web and shared in report
    assert "kan ha lästs i aktörernas flöden, men inga regler skrev den" in web
    assert "kan ha lästs i aktörernas flöden, men inga regler skrev den" in report
