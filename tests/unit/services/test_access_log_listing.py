"""`sigill audit access-log` lists a search of many pages and checks what it listed once: the check counts the whole
log, so a check a page made a listing of the log's millions of reads quadratic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import uuid4

from services import cli_access_log
from services.access_chain import ShownVerdict
from services.access_entry import AccessEntry, AccessQuery, AccessRecord
from services.access_log_text import read_label
from services.catalogue_loader import load_catalogue


@dataclass
class Searched:
    """The service's two calls the listing makes, over reads held in a list: the search pages by number, as the
    store's does; the check says what it was asked."""

    records: list[AccessRecord]
    catalogue: object = field(default_factory=load_catalogue)
    checks: list[list[int]] = field(default_factory=list)
    searches: int = 0

    def access_log_search(self, reader, query: AccessQuery, purpose: str) -> list[AccessRecord]:
        self.searches += 1
        return [r for r in self.records if r.seq > query.after][:query.limit]

    def erased_cases(self, reader) -> list:
        return []

    def case_numbers(self, reader, case_ids) -> dict:
        return {}   # no list holds these cases: each is named by its id

    def access_log_check(self, case_id=None, seqs=()) -> ShownVerdict:
        self.checks.append(list(seqs))
        return ShownVerdict(len(self.records), len(list(seqs)), None)


def reads(n: int) -> list[AccessRecord]:
    case = uuid4()
    at = datetime(2026, 4, 1, 8, tzinfo=timezone.utc)
    return [AccessRecord(seq, AccessEntry(at, case, "ivo-7", "ivo", "auditor", "audit.facts"))
            for seq in range(1, n + 1)]


def test_a_search_of_many_pages_lists_every_read_and_checks_them_once(capsys):
    service = Searched(reads(25))
    listed, verdict = cli_access_log._list_reads(service, None, AccessQuery(limit=10), "")
    lines = capsys.readouterr().out.splitlines()
    assert listed == 25 and [int(line.split()[0]) for line in lines] == list(range(1, 26))
    assert service.searches == 3
    # One check of everything listed (and, with the lines going to a file, one count for the progress line).
    assert service.checks[-1] == list(range(1, 26)) and all(c == [] for c in service.checks[:-1])
    assert len(service.checks) <= 2 and verdict.intact and verdict.shown == 25


def test_a_read_of_no_one_case_is_said_so_not_as_a_case_id(capsys):
    """A statistics run and a page of the auditors' index of cases are logged under ids no case has: the line said
    "ärende <that id>", as if it were a case's."""
    from services.case_audit import CASE_INDEX
    from services.statistics import STATISTICS_RUN

    at = datetime(2026, 4, 1, 8, tzinfo=timezone.utc)
    case = uuid4()
    records = [AccessRecord(1, AccessEntry(at, CASE_INDEX, "ivo-7", "ivo", "auditor",
                                           "audit.case_index:1:2:0180-2026-0002:0180-2026-0001")),
               AccessRecord(2, AccessEntry(at, STATISTICS_RUN, "ivo-7", "ivo", "auditor", "statistics:0180")),
               AccessRecord(3, AccessEntry(at, case, "ivo-7", "ivo", "auditor", "audit.facts"))]
    catalogue = load_catalogue()
    lines = [cli_access_log._read_line(r, catalogue, {}, set()) for r in records]
    said = [read_label(catalogue, r.entry.what, r.entry.agency) for r in records]   # in the web's words
    assert f"inget enskilt ärende  {said[0]}" in lines[0] and str(CASE_INDEX) not in lines[0]
    assert f"inget enskilt ärende  {said[1]}" in lines[1] and str(STATISTICS_RUN) not in lines[1]
    assert f"ärende {case}  {said[2]}" in lines[2]
    assert f"ärende 0180-2026-0009  {said[2]}" in cli_access_log._read_line(records[2], catalogue,
                                                                            {str(case): "0180-2026-0009"}, set())
