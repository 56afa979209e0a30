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
        " jämfördes utan den; `sigill views rebuild` fyller i den)\n")


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


def _page(name: str, **context) -> str:
    """A page as its template writes it, with no one signed in (the counts are all it is read for)."""
    from types import SimpleNamespace
    return env.get_template(name).render(user=None, csrf="x", kept_errors={}, request=SimpleNamespace(), **context)


def test_one_closed_case_that_cannot_be_read_is_one_on_the_web_and_in_erase_due(capsys):
    """It said "1 avslutade ärenden kunde inte läsas …, så om de är gallringsbara" (the pronoun too)."""
    from datetime import datetime, timezone

    from services.cli_erase import _print_due
    from services.retention import DueList

    one = "1 avslutat ärende kunde inte läsas (ärendets nyckel är skadad), så om det är gallringsbart kan inte sägas"
    assert one in _page("retention.html", rows=[], rule="", unreadable=1)
    assert "2 avslutade ärenden kunde inte läsas (ärendets nyckel är skadad), så om de är gallringsbara" in _page(
        "retention.html", rows=[], rule="", unreadable=2)
    _print_due(DueList(10, datetime(2026, 12, 6, tzinfo=timezone.utc), None, [], unreadable=1))
    assert capsys.readouterr().out.splitlines()[1:] == [f"{one}."]


def _ledger_page(checked: int, unsealed: int, kept_count: int | None = None) -> str:
    from types import SimpleNamespace
    ledger = SimpleNamespace(intact=True, checked=checked, unsealed=unsealed, exported=0)
    access = SimpleNamespace(intact=True, checked=checked, exported=False, divergence=None)
    return _page("ledger.html", ledger=ledger, access=access, kept_count=kept_count, checkpoints="1 signerad"
                 " kontrollpunkt bekräftad", ledger_finding=None, diverging=None)


def test_the_ledgers_page_counts_one_checked_event_one_unsealed_and_one_read():
    one = _ledger_page(1, 1)
    assert "1 kontrollerad händelse, 1 ännu inte förseglad, 1 signerad kontrollpunkt bekräftad." in one
    assert "Åtkomstloggen är intakt. 1 kontrollerad läsning." in one
    many = _ledger_page(2, 0)
    assert "2 kontrollerade händelser, 0 ännu inte förseglade," in many
    assert "2 kontrollerade läsningar." in many


def test_a_kept_file_of_one_checkpoint_is_its_only_one_not_all_1():
    assert "Den enda kontrollpunkten i filen stämmer med liggaren." in _ledger_page(3, 0, kept_count=1)
    assert "Alla 1\u202f234 kontrollpunkter i filen stämmer med liggaren." in _ledger_page(3, 0, kept_count=1234)


def test_the_reports_verdict_against_a_file_of_one_checkpoint_says_the_only_one():
    said = report_checks.ledger_verdict(Verification(checked=3, unsealed=0, checkpoints=1, divergence=None), exported=1)
    assert "och mot den enda i den fil med exporterade kontrollpunkter" in said


def test_the_master_keys_rotation_and_status_count_one_data_key_and_one_feed_message(capsys):
    from uuid import UUID

    from services.cli_database import _damaged_keys, _print_status
    from services.ports import Readiness

    case = UUID(int=7)
    assert _damaged_keys([case]) == (
        f"sigill: 1 datanyckel går inte att packa upp med någon av nycklarna och lämnades orörd (skadad rad; ärende"
        f" {case}): återställ den ur en säkerhetskopia och kör kommandot igen med den nyckel den omslöts med som"
        " SIGILL_PREVIOUS_MASTER_KEY")
    assert "sigill: 2 datanycklar går inte att packa upp med någon av nycklarna och lämnades orörda (skadade rader;" \
           f" ärenden {case}, {case}): återställ dem ur en säkerhetskopia och kör kommandot igen med den nyckel de" \
           " omslöts med" in _damaged_keys([case, case])
    _print_status(Readiness(follower=True, views_behind=0, kafka_unsent=1), None)
    assert "Kafka: 1 flödesmeddelande ännu inte kvitterat" in capsys.readouterr().out


def test_the_feeds_consumer_counts_one_message_one_repeat_one_unreadable():
    from services.cli_feed import Tally

    assert str(Tally(handled=1, repeats=1, unreadable=1, dropped_records=1)) == (
        "1 meddelande, 1 dubblett överhoppad, 1 oläsbart överhoppat, 1 med förnyade id:n överhoppat.")
    assert str(Tally(handled=0, repeats=2)) == "0 meddelanden, 2 dubbletter överhoppade."


def test_a_progress_line_of_one_says_one_event_and_of_a_total_of_one_one_case():
    from services.cli_progress import progress_line

    assert progress_line("bearbetat", 1, None, 0.0) == "bearbetat 1 händelse …"
    assert progress_line("läst", 0, 1, 0.0, ("ärende", "ärenden"), about=False) == "läst 0 av 1 ärende (0 %) …"
    assert progress_line("läst", 1, 2, 0.0, ("ärende", "ärenden"), about=False) == "läst 1 av 2 ärenden (50 %) …"


def test_a_replaced_log_with_one_row_the_events_do_not_give_calls_it_marked_in_the_singular():
    """The report said "1 av dess rader ger händelserna inte. De är märkta", the web "(märkta …)"."""
    from services.stored_log import ReplacedLog
    from services.web.routes_disclosures import _held as web_held

    def old(rows: int) -> ReplacedLog:
        return ReplacedLog(1, "e", 3, None, 10, [], [KEY] * rows, [], held=True)

    agrees = Agreement(1, [], [], 0)
    assert "och 1 av dess rader ger händelserna inte. Den är märkt ”den ersatta” nedan" in report_checks._held(
        old(1), agrees)
    assert "och 2 av dess rader ger händelserna inte. De är märkta ”den ersatta” nedan" in report_checks._held(
        old(2), agrees)
    assert "och 1 av dess rader ger händelserna inte (märkt ”händelserna ger den inte” nedan)" in web_held(
        old(1), agrees)


def test_the_web_says_one_row_without_cause_as_it_says_many():
    said = T["stored_log_without_cause"].format(n=1)
    assert said == "1 av raderna skrevs före 2026-12-03, saknar orsak och jämfördes utan den."
