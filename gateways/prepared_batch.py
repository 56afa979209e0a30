"""A batch's rows as the view store prepares them for writing (``PostgresAgencyViewStore.prepare``), and how the
batches of several processes judging one span of notifications become one (a build in parallel:
``services.build_workers``).

A worker judges a share of the cases; the span is still written as one batch, by one process, with its tracking
position (exactly once, as any batch).  What crosses between the processes is the rows alone (``portable``): the
judged facts themselves stay in the worker that folded them.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from uuid import UUID

from domain.disclosure import RULES_VERSION
from projections.agency_views import ViewUpdate
from services.ports import ViewsMovedOn


@dataclass(frozen=True)
class PreparedBatch:
    """A batch's rows as ``PostgresAgencyViewStore.prepare`` made them, for its ``write``."""

    update: ViewUpdate
    facts: list[tuple]
    gone: list[tuple]
    log: list[list]             # each row's feed and number are filled in as it is written
    listed: list[tuple]         # the case lists' rows (``view_batch_rows.case_list_rows``),
    unlisted: list[tuple]       # and the keys of those to delete
    plains: list[bytes | None]  # all None while building: nothing of a build is published from them
    keyless: frozenset[UUID]
    small: bool                 # written in one call of a function in the database, not by COPY
    # The ids' generation the log rows' event ids were made under (None: no log rows).  Checked under the log's lock
    # (``_check_batch``): a renewal committed after they were made would otherwise let them be written.
    generation: str | None = None
    # The disclosure rules it was judged under: views recorded as built under others refuse it (``_check_batch``).
    rules_version: int = RULES_VERSION
    building: bool = False      # judged while the views are built from the first event (``WrittenLog.building``)


def portable(batch: PreparedBatch) -> PreparedBatch:
    """The batch as another process writes it: its rows, and of its judgement only what the writing reads (the
    cases erased, the municipalities of the cases referred).  The judged changes and summaries — each fact's content
    in plaintext among them — are left behind: they are not needed, and cost the most to send."""
    update = ViewUpdate(erased=batch.update.erased, municipalities=batch.update.municipalities)
    return replace(batch, update=update)


def _position(row: list) -> int:
    return row[8]   # a log row's notification id (``view_batch_rows.LOG_COLUMNS``)


def joined(batches: list[PreparedBatch]) -> PreparedBatch:
    """One batch of the batches several processes prepared for the same span of notifications, each for cases of
    its own.  The log's rows in notification order — the order one process judging every case writes them in, so
    that the rows' ids and each feed's numbers follow it as they would — and a notification's rows as its batch
    has them (a notification is one case's, so one batch's).  Every other row is keyed by case, and no case is in
    two batches.  ``small`` is left to the store to decide (``PostgresAgencyViewStore.merged``)."""
    if not batches:
        raise ValueError("no batch to join")
    generations = {b.generation for b in batches if b.generation is not None}
    if len(generations) > 1:   # a renewal of the ids between two workers' reads of the secret: judged anew
        raise ViewsMovedOn(f"the ids were renewed while the build's workers judged ({len(generations)} generations)")
    if len({b.rules_version for b in batches}) > 1 or not all(b.building for b in batches):
        raise ValueError("batches judged under other rules, or not for a build, are not joined")
    update = ViewUpdate(erased=set().union(*(b.update.erased for b in batches)),
                        municipalities={case: m for b in batches for case, m in b.update.municipalities.items()})
    log = list(heapq.merge(*(b.log for b in batches), key=_position))
    return PreparedBatch(update, [r for b in batches for r in b.facts], [r for b in batches for r in b.gone], log,
                         [r for b in batches for r in b.listed], [r for b in batches for r in b.unlisted],
                         [None] * len(log), frozenset().union(*(b.keyless for b in batches)), False,
                         next(iter(generations), None), batches[0].rules_version, building=True)


def cases_in(batch: PreparedBatch) -> set[UUID]:
    """Every case the batch writes a row of (its log, its views' facts, its case lists).  Rows come in runs of one
    case, its one id object in the batch (``AgencyViews.process``; a pickle keeps it one): each run's id is added
    once, not every row's — a UUID's hash is computed in Python, and a build's batch has ~17,000 log rows, hashed
    in the writer's thread under the log's lock."""
    cases: set[UUID] = set()
    for rows, column in ((batch.log, 0), (batch.facts, 1), (batch.listed, 1)):
        last = None
        for row in rows:
            if row[column] is not last:
                last = row[column]
                cases.add(last)
    return cases


def drop_cases(batch: PreparedBatch, cases: set[UUID]) -> None:
    """Leave ``cases``' rows out of the batch, in place (the lists ``write`` hands the publisher are these): each
    log row with the plaintext beside it, each fact, each case-list row and each key to delete."""
    kept = [i for i, row in enumerate(batch.log) if row[0] not in cases]
    batch.log[:], batch.plains[:] = [batch.log[i] for i in kept], [batch.plains[i] for i in kept]
    for rows in (batch.facts, batch.gone, batch.listed, batch.unlisted):
        rows[:] = [r for r in rows if r[1] not in cases]
