"""``prepared_batch.cases_in``: every case a batch writes a row of, however its rows' ids come (guard: it adds each
run's id once, and must still find every case — the erasure check under the log's lock reads it)."""

from uuid import UUID, uuid4

from gateways.prepared_batch import PreparedBatch, cases_in
from projections.agency_views import ViewUpdate


def _batch(log: list[list], facts: list[tuple], listed: list[tuple]) -> PreparedBatch:
    return PreparedBatch(ViewUpdate(), facts, [], log, listed, [], [None] * len(log), frozenset(), False)


def test_every_case_of_the_log_the_facts_and_the_lists_is_found():
    a, b, c, d = (uuid4() for _ in range(4))
    a_again = UUID(str(a))   # an equal id, another object: a run of its own, the same case
    log = [[a, "skola"], [a, "polis"], [b, "skola"], [a_again, "bup"], [a, "skola"]]
    facts = [("skola", c, "1"), ("skola", c, "2"), ("polis", b, "3")]
    listed = [("skola", d), ("polis", a)]
    assert cases_in(_batch(log, facts, listed)) == {a, b, c, d}


def test_an_empty_batch_has_no_case():
    assert cases_in(_batch([], [], [])) == set()
