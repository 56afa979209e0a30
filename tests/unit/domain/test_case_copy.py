"""A case's copy (taken before every write and every fold of a cached case) is independent of the original:
folding any event into the copy leaves the original exactly as it was."""

from __future__ import annotations

import pickle
from copy import deepcopy

from hypothesis import given, settings

from tests.unit.domain.test_disclosure_properties import histories


def _state(case) -> bytes:
    return pickle.dumps(vars(case))


@settings(max_examples=60, deadline=None)
@given(histories())
def test_folding_an_event_into_a_copy_never_changes_the_original(story):
    case = None
    for event in story.events:
        if case is not None:
            before = _state(case)
            twin = event.mutate(deepcopy(case))
            assert _state(case) == before, type(event).__name__
            assert twin is not case
        case = event.mutate(case)


@settings(max_examples=30, deadline=None)
@given(histories())
def test_a_copy_holds_the_same_state(story):
    case = None
    for event in story.events:
        case = event.mutate(case)
        twin = deepcopy(case)
        assert _state(twin) == _state(case)
        assert all(getattr(twin, k) is not v for k, v in vars(case).items() if isinstance(v, (dict, list, set)))
