"""One fold of a case's history for the auditors' answers (``LogFold``): its disclosure log up to a moment, then on
to a later one, is the log made afresh up to each, and the case and the facts it hands back are those of a fold
through every stored event — whether or not the log reached them all."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from domain.disclosure import Replay
from domain.visibility import CaseVisibility, LogFold
from tests.builders import CATALOGUE
from tests.unit.domain.test_disclosure_properties import histories

AGENCIES = tuple(CATALOGUE.agencies)
END = datetime.max.replace(tzinfo=timezone.utc)


def _afresh(events, until) -> tuple:
    """The disclosure log as it was made before the fold was kept: every event up to the first stamped after
    ``until``, then the calendar's moments up to it."""
    engine, changes = CaseVisibility(CATALOGUE, AGENCIES), []
    for event in events:
        if event.timestamp > until:
            break
        changes.extend(engine.apply(event))
    changes.extend(engine.pass_time(until))
    return tuple(changes)


def _to_the_end(events) -> Replay:
    replay = Replay(events, CATALOGUE)
    replay.advance_to(END)
    return replay


@settings(max_examples=60, deadline=None)
@given(histories(), st.integers(0, 3), st.integers(-2, 400))
def test_the_log_folded_on_is_the_log_made_afresh_and_the_fold_is_the_whole_history(story, first, days):
    """From the latest event on to later (the stored log's comparison, then the answer's log up to now); from an
    earlier event (a history with events after the log's moment), or back to before the first moment (a clock
    behind an event's stamp: made afresh)."""
    events = story.events
    at_event = events[max(0, len(events) - 1 - first)].timestamp
    later = at_event + timedelta(days=days)
    fold = LogFold(events, AGENCIES, CATALOGUE)
    assert fold.log(at_event) == _afresh(events, at_event)
    assert fold.log(later) == _afresh(events, later)
    folded, whole = fold.folded(), _to_the_end(events)
    assert folded.case == whole.case and folded.facts == whole.facts
    assert fold.log(later) == _afresh(events, later)   # asked again after the fold went on: made afresh
