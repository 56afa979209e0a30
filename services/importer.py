"""The batch path: importing many cases at once (migration from an older system).

Cases are built in memory through the same domain commands as interactive
use, then saved many per transaction; each municipality-year series
allocates its numbers in the same batch.

A referral for a young person who already has an open case opened by the same import (the same personnummer, as
twelve digits, in the same municipality; closed by ``then`` counts as closed) is refused, as the API refuses one
(``PossibleDuplicate``), unless it says ``duplicate_confirmed``: then its case records the open cases it was opened
beside, as a confirmed referral does.  A bulk import is where silent duplicates come in by the hundred (an input
listing a person twice, a file imported twice over).  The cases already stored are not looked at here, and the
municipalities' referral turns are not taken: the batch path has no views and no access log to record that read in
(``CaseService.open_case`` has both), so an import beside the API can open a second case for a young person the API
opened one for meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator
from uuid import UUID, uuid4

from domain.calendar import local_date
from domain.case import Case
from domain.case_numbers import CaseNumberSeries
from domain.values import Actor, OpenCase, Phase
from services.application import CaseApplication
from services.duplicate_check import digits_of
from services.errors import PossibleDuplicate


@dataclass(frozen=True)
class ImportedReferral:
    municipality: str
    personnummer: str
    name: str
    entry_route: str
    referring_agency: str
    referral_date: date
    summary: str
    summary_category: str
    duplicate_confirmed: bool = False   # a case beside the ones this import opened for the same young person


def import_cases(app: CaseApplication, referrals: Iterable[ImportedReferral], *, by: Actor,
                 then: Callable[[Case], None] = lambda case: None, batch_size: int = 100,
                 progress: Callable[[int, int], None] = lambda cases, events: None) -> int:
    """Open a case for each referral, let ``then`` record its further history; returns events saved."""
    saved_cases = saved_events = 0
    # The number series are kept across batches: re-reading a series' whole history every batch would make an
    # import quadratic.  A case opened elsewhere meanwhile makes the next save conflict: import again.
    series: dict[tuple[str, int], CaseNumberSeries] = {}
    # This import's cases by municipality and personnummer, each with whether it is open once ``then`` has run.
    opened: dict[tuple[str, str], list[_Opened]] = {}
    for batch in _chunks(referrals, batch_size):
        at = app.clock.now()
        cases = []
        for referral in batch:   # each case's history before the next referral is checked against it
            case = _open(app, referral, by, at, series, opened)
            then(case)
            cases.append(case)
            opened.setdefault((case.municipality, case.subject.personnummer), []).append(
                _Opened(case.id, case.case_number, case.phase is not Phase.CLOSED))
        app.keystore.create_keys([c.id for c in cases])  # one round trip, not one per case
        touched = [s for s in series.values() if s.pending_events]
        pending = sum(len(c.pending_events) for c in (*touched, *cases))
        app.save(*touched, *cases)
        saved_cases, saved_events = saved_cases + len(cases), saved_events + pending
        progress(saved_cases, saved_events)
    return saved_events


@dataclass(frozen=True)
class _Opened:
    case_id: UUID
    case_number: str
    open: bool


def _open(app: CaseApplication, referral: ImportedReferral, by: Actor, at, series: dict,
          opened: dict[tuple[str, str], list[_Opened]]) -> Case:
    """The referral's case; PossibleDuplicate, before a number is drawn, when this import has opened a case for the
    same young person that is still open and the referral does not confirm."""
    digits = digits_of(referral.personnummer, local_date(at))   # None: refused below, by the domain
    found = tuple((c.case_id, c.case_number) for c in opened.get((referral.municipality, digits or ""), ())
                  if c.open)
    if found and not referral.duplicate_confirmed:
        raise PossibleDuplicate(found)
    key = (referral.municipality, local_date(at).year)
    if key not in series:
        series[key] = app.case_number_series(*key)
    case_id = uuid4()
    number = series[key].allocate(case_id)
    fields = {name: value for name, value in vars(referral).items() if name != "duplicate_confirmed"}
    return Case.receive_referral(case_id=case_id, case_number=number, by=by, at=at, catalogue=app.catalogue,
                                 despite_open_cases=[OpenCase(str(i), n) for i, n in found], **fields)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
