"""`sigill stats`: a municipality's de-identified follow-up statistics, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys

from services.cli_context import known_municipality, opened
from services.cli_progress import shown

NAMES = ("--municipality", "--from", "--to")   # how a refusal names the option typed
SUMMARY = ("de-identified follow-up statistics of a municipality's cases referred in a calendar year (counts and"
           " medians; 1–4 shown as <5)")
# Who the command reads as: the host's auditor, as `sigill audit` does (``cli_audit.command_line_reader``) — not an
# evaluator, whose own sign-in the API and the web page log (the evaluator role, 2026-12-05).
READS_AS = (" It reads as this host's auditor (whoever holds its master key): any municipality, one access-log entry"
            " a run under cli:uid<N>@<host>. An evaluator (utvärderare, Socialstyrelsen) does not use it: the API"
            " (GET /api/v1/statistics) or the web page Statistik and its CSV, which gives the same figures as --csv.")


def register(sub: argparse._SubParsersAction) -> None:
    stats = sub.add_parser("stats", help=SUMMARY, description=SUMMARY[0].upper() + SUMMARY[1:] + "." + READS_AS)
    stats.add_argument("--municipality", required=True, help="the municipality's code, e.g. 0180")
    stats.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD",
                       help="the period's first day: cases whose referral is dated from it; a calendar"
                       " year's first (YYYY-01-01)")
    stats.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD",
                       help="the period's last day: the same year's last (YYYY-12-31)")
    shape = stats.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="the API's answer, as JSON")
    shape.add_argument("--csv", action="store_true", help="one CSV row a figure (municipality, from, to, table,"
                       " cell, label, value), for an analyst's tools")
    stats.set_defaults(handler=_stats)


def _stats(args: argparse.Namespace) -> int:
    from services.api.routes_statistics import statistics_out
    from services.bootstrap import build_case_service, build_view_runner
    from services.cli_audit import command_line_reader
    from services.catalogue_loader import load_catalogue
    from services.settings import Settings
    from services.statistics import period_of

    # A mistyped date or municipality is one line before the database is even started.
    catalogue = load_catalogue(Settings().catalogue)
    known_municipality(catalogue, args.municipality.strip())
    period_of(catalogue, args.municipality, args.start, args.end, NAMES)
    with opened(existing=True) as (app, settings, location):
        runner = build_view_runner(app, settings, location)
        service = build_case_service(app, settings, location, runner=runner)
        try:
            runner.catch_up()   # the cases referred up to now, for the progress line's total
            total = len(runner.store.municipality_cases(args.municipality.strip()))
            found = service.statistics(command_line_reader(), args.municipality, args.start, args.end,
                                       progress=shown("läst", total, unit=("ärende", "ärenden"), about=False), names=NAMES)
        finally:
            service.access_log.store.close()
            runner.close()
            runner.store.close()
    if total:
        print(file=sys.stderr)   # ends the progress line
    if args.json:
        print(json.dumps(statistics_out(found), default=str, ensure_ascii=False, indent=2))
    elif args.csv:
        from services.statistics_text import csv_text

        sys.stdout.write(csv_text(statistics_out(found), app.catalogue))
    else:
        _print(found, app.catalogue)
    return 0


def _print(found, catalogue) -> None:  # noqa: ANN001 - a Statistics, the catalogue
    from services import statistics_text as t

    p = found.period
    name = catalogue.municipalities[p.municipality].name
    print(f"{t.TITLE} – {name} ({p.municipality}), {p.start}–{p.end}")
    print(t.PERIOD_RULE)
    print(t.LEGEND)
    print(f"\n{t.CASES}: {t.swedish_number(found.figures['cases'])}")
    for section in t.sections(found.figures, catalogue):
        print(f"\n{section.title}" + ("" if section.total is None else f" ({t.TOTAL.lower()}: "
                                                                        f"{t.swedish_number(section.total)})"))
        width = max(len(label) for label, _ in section.rows) if section.rows else 0
        for label, value in section.rows:
            print(f"  {label:<{width}}  {t.swedish_number(value):>6}")
    print(f"\n{t.MEDIAN}")
    for label, value in t.medians(found.figures):
        print(f"  {label}: {t.median_text(value)}")
    print(f"\n{t.ERASED}: {t.swedish_number(found.erased)}")
    if found.unreadable:
        print(f"{t.UNREADABLE}: {t.swedish_number(found.unreadable)}")
