"""The batch path: importing many cases at once (migration from an older system).

Cases are built in memory through the same domain commands as interactive
use, then saved many per transaction; each municipality-year series
allocates its numbers in the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator
from uuid import uuid4

from domain.calendar import local_date
from domain.case import Case
from domain.case_numbers import CaseNumberSeries
from domain.values import Actor
from services.application import CaseApplication


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


def import_cases(app: CaseApplication, referrals: Iterable[ImportedReferral], *, by: Actor,
                 then: Callable[[Case], None] = lambda case: None, batch_size: int = 100,
                 progress: Callable[[int, int], None] = lambda cases, events: None) -> int:
    """Open a case for each referral, let ``then`` record its further history; returns events saved."""
    saved_cases = saved_events = 0
    # The number series are kept across batches: re-reading a series' whole history every batch would make an
    # import quadratic.  A case opened elsewhere meanwhile makes the next save conflict: import again.
    series: dict[tuple[str, int], CaseNumberSeries] = {}
    for batch in _chunks(referrals, batch_size):
        at = app.clock.now()
        cases = [_open(app, r, by, at, series) for r in batch]
        app.keystore.create_keys([c.id for c in cases])  # one round trip, not one per case
        for case in cases:
            then(case)
        touched = [s for s in series.values() if s.pending_events]
        pending = sum(len(c.pending_events) for c in (*touched, *cases))
        app.save(*touched, *cases)
        saved_cases, saved_events = saved_cases + len(cases), saved_events + pending
        progress(saved_cases, saved_events)
    return saved_events


def _open(app: CaseApplication, referral: ImportedReferral, by: Actor, at, series: dict) -> Case:
    key = (referral.municipality, local_date(at).year)
    if key not in series:
        series[key] = app.case_number_series(*key)
    case_id = uuid4()
    number = series[key].allocate(case_id)
    return Case.receive_referral(case_id=case_id, case_number=number, by=by, at=at, catalogue=app.catalogue,
                                 **vars(referral))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
