"""How fast the caseworker's, a member's and the auditor's web pages answer at a municipality's scale, and how many
SQL statements each request issues.

Sets up, through the product's own paths (the importer, the application's commands, the access log's writer, the
views' runner — no SQL): --cases cases in 0180, each with bench/projections.py's ``realistic_history`` (~40
events); one busy case of ~--busy events (contributions by the school and the police, meetings, plan revisions
with follow-ups, consents granted, narrowed and withdrawn, an hour or two apart over the past weeks); an access
log of --reads entries (reads of every case by social services, the members and the auditors over the past months,
a few thousand of them of the busy case); the views caught up and the ledger sealed.  Then serves the whole HTTP
application (API + web client, as ``sigill serve`` mounts them) with uvicorn in a thread on a loopback port, signs
in through the development sign-in as social services' caseworker (soc-0180), the police (polis) and an auditor
(ivo), and times --repeats GET requests of each page (after two unrecorded ones), one at a time, from this process.
Prints each page's first request (the first of those two: what it costs before the process has kept anything of
it, e.g. the statistics' per-case figures) and its statements, each page's median and p95 in milliseconds, the bytes of its answer, and the SQL statements per request:
every ``execute``/``executemany`` of a psycopg cursor in this process while the request ran (the server, its
access-log writer, its pools — all in this process; the bench sends one request at a time, so what ran meanwhile
is the request's).  ``/api/v1/health`` is timed in the same rounds as the noise reference: this 2-core machine is
shared, and a page's time means something only beside it.

    .venv/bin/python bench/web_pages.py [--cases 2000] [--busy 500] [--reads 40000] [--repeats 20] [--only PREFIX …]
"""

from __future__ import annotations

import bench_support  # noqa: F401  first: it keeps bench/http.py from shadowing the standard library's http

import argparse
import importlib.util
import itertools
import os
import re
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote
from uuid import UUID

import httpx
import psycopg

from bench_support import bench_application, views_caught_up, young_people  # noqa: E402
from domain.group_commands import PlanRowDraft  # noqa: E402
from domain.values import YOUNG_PERSON, Actor, Decision, Guardian, Outcome  # noqa: E402
from services.access_entry import AccessEntry  # noqa: E402
from services.api.app import create_api  # noqa: E402
from services.bootstrap import build_api_context, build_application  # noqa: E402
from services.bootstrap.audit import build_ledger  # noqa: E402
from services.clock import ManualClock  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402
from services.web.app import mount_web  # noqa: E402
from tests.servers import free_port, serve_in_thread  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_projections", Path(__file__).with_name("projections.py"))
bench_projections = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_projections)  # type: ignore[union-attr]

SOCIAL, POLICE, SCHOOL = Actor("socialtjanst", "bench"), Actor("polis", "bench"), Actor("skola", "bench")
SCOPE = bench_projections.SCOPE
READERS = (("socialtjanst", "caseworker", "timeline"), ("socialtjanst", "caseworker", "case_list"),
           ("skola", "member", "timeline"), ("polis", "member", "plan"), ("bup", "member", "meetings"),
           ("ivo", "auditor", "audit.replay"))

# ------------------------------------------------------------------------------------------------ statements


class Statements:
    """Every statement a psycopg cursor of this process executes, counted (the bench's own hook: a wrapper on the
    cursors' execute methods, sync and async, server-side too)."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._seen = 0

    def install(self) -> None:
        for cls in (psycopg.Cursor, psycopg.ServerCursor):
            for name in ("execute", "executemany"):
                self._wrap(cls, name, asynchronous=False)
        for name in ("execute", "executemany"):
            self._wrap(psycopg.AsyncCursor, name, asynchronous=True)

    def _wrap(self, cls, name: str, asynchronous: bool) -> None:  # noqa: ANN001
        original, counter = cls.__dict__[name], self._counter
        if asynchronous:
            async def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                next(counter)
                return await original(*args, **kwargs)
        else:
            def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                next(counter)
                return original(*args, **kwargs)
        setattr(cls, name, counted)

    def since_last(self) -> int:
        """Statements since the previous call (itertools.count's next is atomic under the GIL; reading its repr is
        the one way to look without counting)."""
        now = int(re.search(r"\d+", repr(self._counter)).group())
        seen, self._seen = now - self._seen, now
        return seen


# ------------------------------------------------------------------------------------------------ the busy case


def busy_history(events: int, made: list[UUID], cat, start: datetime):  # noqa: ANN001
    """A case of about ``events`` events, the last of them about now: many contributions, meetings, plan
    revisions (with follow-ups), consents granted, narrowed and withdrawn, an hour or two apart."""
    def history(case) -> None:  # noqa: ANN001
        at = [start]

        def then() -> datetime:
            at[0] += step
            return at[0]
        step = (datetime.now(timezone.utc) - timedelta(hours=1) - start) / max(events, 1)
        day = lambda: then().astimezone(timezone.utc).date()  # noqa: E731
        case.decide_eligibility(accepted=True, reasons="Risk.", instruments=("SAVRY",), decided_on=start.date(),
                                by=SOCIAL, at=then(), catalogue=cat)
        case.record_guardians(guardians=[Guardian("", "Vårdnadshavare A"), Guardian("", "Vårdnadshavare B")],
                              by=SOCIAL, at=then(), catalogue=cat)
        for consenter in (YOUNG_PERSON, *case.guardians):
            case.grant_consent(consenter=consenter, scope=SCOPE, purpose="Samverkan", valid_from=start.date(),
                               valid_until=date(2027, 6, 30), form="written", by=SOCIAL, at=then(), catalogue=cat)
        for agency in ("skola", "polis", "bup"):
            case.add_member(agency=agency, contact_person="Kontakt", role="kontakt", by=SOCIAL, at=then(),
                            catalogue=cat)
        round_ = 0
        while len(case.pending_events) < events - 20:
            round_ += 1
            rows = [PlanRowDraft("Hälsa", f"Inga droger ({round_})", "Samtal", "Den unge", ("bup",)),
                    PlanRowDraft("Skola", f"I tid ({round_})", "Väckarklocka", "Föräldrarna", ("skola",)),
                    PlanRowDraft("Fritid", f"Meningsfull fritid ({round_})", "Fritidsgård", "Socialtjänsten", ())]
            case.revise_plan(main_goal=f"Sluta med brott ({round_})", rows=rows, by=SOCIAL, at=then(),
                             catalogue=cat, young_person_took_part=True,
                             guardians_took_part=tuple(case.guardians)[:1])
            case.record_meeting(held_on=day(), attendees=("socialtjanst", "skola", "polis", "bup"),
                                other_attendees=("Den unge",), outcomes=(
                                    Outcome("school", "skola", "Närvaron har ökat."),
                                    Outcome("health", "bup", "Samtalen fortsätter."),
                                    Outcome("crime", "polis", "Inga nya misstankar.")),
                                decisions=(Decision("Följ upp skolan.", "case"),),
                                next_meeting=day() + timedelta(days=14), by=SOCIAL, at=then(), catalogue=cat)
            for i in range(6):
                case.record_contribution(category="school", text=f"Närvaro vecka {round_}.{i}.", by=SCHOOL,
                                         at=then(), catalogue=cat)
                case.record_contribution(category="crime", text=f"Iakttagelse {round_}.{i}.", by=POLICE,
                                         at=then(), catalogue=cat)
            for row in list(case.plan_rows)[:3]:
                case.record_follow_up(row_id=row, status="ongoing", note=f"Pågår ({round_}).", by=SOCIAL,
                                      at=then(), catalogue=cat)
            if round_ % 4 == 0:   # a guardian's consent ends and is given again: the members' views change
                guardian_consent = next(cid for cid, c in case.consents.items()
                                        if c.consenter != YOUNG_PERSON and c.withdrawn_at is None)
                consenter = case.consents[guardian_consent].consenter
                case.withdraw_consent(consent_id=guardian_consent, consenter=consenter, by=SOCIAL, at=then(),
                                      catalogue=cat)
                case.grant_consent(consenter=consenter, scope=SCOPE, purpose="Samverkan", valid_from=day(),
                                   valid_until=date(2027, 6, 30), form="written", by=SOCIAL, at=then(),
                                   catalogue=cat)
        made.append(case.id)
    return history


# ------------------------------------------------------------------------------------------------ the access log


def fill_access_log(service, case_ids: list[UUID], busy: UUID, reads: int) -> None:  # noqa: ANN001
    """``reads`` entries over the past 120 days, in batches of 1,000 (the log's writer, one commit each): every
    case read in turn by the readers above, and one read in ten of the busy case."""
    start = datetime.now(timezone.utc) - timedelta(days=120)
    step = timedelta(days=119) / max(reads, 1)
    cases = itertools.cycle(case_ids)
    for first in range(0, reads, 1_000):
        batch = []
        for n in range(first, min(first + 1_000, reads)):
            agency, role, what = READERS[n % len(READERS)]
            case_id = busy if n % 10 == 0 else next(cases)
            batch.append(AccessEntry(at=start + step * n, case_id=case_id, subject=f"bench-{agency}-{n % 7}",
                                     agency=agency, roles=role, what=what, reader_name="Bänk Läsare",
                                     purpose="Veckogenomgång" if n % 3 == 0 else ""))
        service.access_log.record_all(batch)
        print(f"\r  access log: {first + len(batch):,} entries", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


# ------------------------------------------------------------------------------------------------ the requests


def signed_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/logga-in").text).group(1)
    answer = client.post("/logga-in/utveckling", data={"csrf": csrf, "user": user})
    assert answer.status_code == 303, answer.status_code
    return client


def pages(busy: UUID, busy_number: str, middle: int, now: str) -> list[tuple[str, str, str]]:
    """(who, label, path) of every page timed."""
    b = f"/arenden/{busy}"
    return [
        ("soc", "health (API, noise reference)", "/api/v1/health"),
        ("soc", "case list, page 1", "/arenden"),
        ("soc", f"case list, page {middle}", f"/arenden?sida={middle}"),
        ("soc", "case list, phase filter", "/arenden?fas=active"),
        ("soc", "case list, number search (303)", f"/arenden?nummer={busy_number}"),
        ("soc", "busy case: timeline", b),
        ("soc", "busy case: plan", f"{b}/plan"),
        ("soc", "busy case: consents", f"{b}/samtycken"),
        ("soc", "busy case: meetings", f"{b}/moten"),
        ("soc", "busy case: follow-ups", f"{b}/uppfoljning"),
        ("soc", "busy case: group", f"{b}/grupp"),
        ("soc", "busy case: registerutdrag", f"{b}/registerutdrag"),
        ("soc", "statistics 2026", "/statistik?ar=2026"),
        ("polis", "police: case list", "/arenden"),
        ("polis", "police: busy timeline", b),
        ("polis", "police: busy plan", f"{b}/plan"),
        ("polis", "police: busy meetings", f"{b}/moten"),
        ("ivo", "auditor: home (case index)", "/granskning"),
        ("ivo", f"auditor: home, page {middle}", f"/granskning?sida={middle}"),
        ("ivo", "auditor: disclosures (busy)", f"/granskning/arenden/{busy}/utlamnanden"),
        ("ivo", "auditor: replay busy as polis", f"/granskning/arenden/{busy}?myndighet=polis&tid={quote(now)}"),
        ("ivo", "auditor: replay form (busy)", f"/granskning/arenden/{busy}"),
        ("ivo", "auditor: loggutdrag (busy)", f"/granskning/arenden/{busy}/loggutdrag"),
        ("ivo", "auditor: access log, all", "/granskning/atkomstlogg"),
        ("ivo", "auditor: access log, polis", "/granskning/atkomstlogg?myndighet=polis"),
        ("ivo", "auditor: access log, busy case", f"/granskning/atkomstlogg?nummer={busy_number}"),
        ("ivo", "auditor: statistics 0180", "/statistik?ar=2026&kommun=0180"),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_pages(base: str, todo: list[tuple[str, str, str]], repeats: int, counted: Statements) -> list[tuple]:
    clients = {who: signed_in(base, user) for who, user in (("soc", "soc-0180"), ("polis", "polis"),
                                                            ("ivo", "ivo"))}
    results = []
    for who, label, path in todo:
        client = clients[who]
        counted.since_last()
        started = time.perf_counter()
        client.get(path)   # the first request: what a page costs before this process has kept anything of it
        first = (time.perf_counter() - started) * 1000
        time.sleep(0.02)
        first_statements = counted.since_last()
        client.get(path)   # warm-up: caches, the first read of the case
        times, statements, size, status = [], [], 0, 0
        for _ in range(repeats):
            counted.since_last()
            started = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.02)   # the access log's writer commits after the answer: let it, and count it here
            statements.append(counted.since_last())
            size, status = len(answer.content), answer.status_code
        results.append((who, label, status, size, statistics_of(times), sorted(statements)[len(statements) // 2],
                        (first, first_statements)))
        med, p95 = results[-1][4]
        print(f"  {label:<36} {status}  first {first:7.1f} ms ({first_statements} statements)  median {med:7.1f} ms"
              f"  p95 {p95:7.1f} ms  {results[-1][5]:>4} statements  {size / 1024:7.1f} KiB", file=sys.stderr,
              flush=True)
    for client in clients.values():
        client.close()
    return results


def statistics_of(times: list[float]) -> tuple[float, float]:
    return percentile(times, 0.5), percentile(times, 0.95)


# ------------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--busy", type=int, default=500, help="events of the busy case (about)")
    parser.add_argument("--reads", type=int, default=40_000, help="access-log entries")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=[""],
                        help="time only the pages whose label starts with one of these (and the health reference)")
    args = parser.parse_args()
    counted = Statements()
    with bench_application() as (app, settings, location):
        started = time.monotonic()
        people = young_people()
        referrals = (ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis", date(2026, 1, 1),
                                      "Misstanke.", "crime") for _ in range(args.cases))
        events = import_cases(app, referrals, by=SOCIAL, then=bench_projections.realistic_history(app),
                              batch_size=50, progress=lambda c, e: print(f"\r  importing: {c:,} cases, {e:,} events",
                                                                         end="", file=sys.stderr, flush=True))
        print(file=sys.stderr)
        made: list[UUID] = []
        start = datetime.now(timezone.utc) - timedelta(days=60)
        seeding = build_application(settings, location=location, clock=ManualClock(start))  # its referral then
        try:
            events += import_cases(seeding, [ImportedReferral("0180", next(people), "Bänk Upptagen", "lul6",
                                                              "polis", start.date(), "Misstanke.", "crime")],
                                   by=SOCIAL, then=busy_history(args.busy, made, seeding.catalogue, start))
        finally:
            seeding.close()
        busy = made[0]
        busy_events = len(list(app.history(busy)))
        print(f"  views catch-up …", file=sys.stderr, flush=True)
        views_caught_up(app, settings, location)
        build_ledger(app, settings, location).seal()
        context = build_api_context(app, settings, location)
        try:
            all_ids = [r["case_id"] for r in context.cases.lists.cases(app.catalogue.lead_agency, "0180")]
            busy_number = app.get_case(busy).case_number
            fill_access_log(context.cases, [UUID(str(i)) for i in all_ids], busy, args.reads)
            print(f"set up in {time.monotonic() - started:.0f} s: {args.cases + 1:,} cases, {events:,} events"
                  f" (the busy case {busy_events:,}), {args.reads:,} access-log entries", flush=True)
            api = create_api(context)
            mount_web(api, context, settings)
            port = free_port()
            server, thread = serve_in_thread(api, port, "bench-web")
            counted.install()
            try:
                middle = max(1, (args.cases + 1) // 50 // 2)
                now = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
                todo = [p for p in pages(busy, busy_number, middle, now) if p[1].startswith((*args.only, "health"))]
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"{args.repeats} requests a page, one at a time; load average before {load}", flush=True)
                results = time_pages(f"http://127.0.0.1:{port}", todo, args.repeats, counted)
            finally:
                server.should_exit = True
                thread.join(10)
        finally:
            context.close()
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{'page':<38} {'who':<6} {'status':>6} {'first':>9} {'SQL':>5} {'median':>8} {'p95':>8} {'SQL':>5}"
              f" {'KiB':>7}")
        for who, label, status, size, (med, p95), statements, (first, first_sql) in results:
            print(f"{label:<38} {who:<6} {status:>6} {first:>7.1f}ms {first_sql:>5} {med:>6.1f}ms {p95:>6.1f}ms"
                  f" {statements:>5} {size / 1024:>7.1f}")
        print(f"load average after {load}", flush=True)


if __name__ == "__main__":
    main()
