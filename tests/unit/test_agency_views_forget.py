"""An erased case's fold leaves the views' memory (``AgencyViews.forget``, called from the key listener's thread),
also when the erasure is heard while that fold is being made."""

from __future__ import annotations

from projections.agency_views import AgencyViews
from tests.builders import CATALOGUE, CaseStory


def _story() -> CaseStory:
    story = CaseStory()
    story.accept()
    story.guardians("Maria")
    story.join("skola")
    return story


def test_a_fold_is_kept_and_forgotten_with_its_key():
    story = _story()
    events = story.events
    views = AgencyViews(CATALOGUE, lambda case_id, version: events[:version])
    views.process([(n, e) for n, e in enumerate(events, start=1)])
    case_id = events[0].originator_id
    assert case_id in views._cases
    views.forget(case_id)
    assert case_id not in views._cases


def test_an_erasure_heard_while_the_fold_is_made_leaves_it_unkept():
    """The fold is made outside the lock (its history is read from the store): forgotten meanwhile, it was put back
    and kept until 5,000 other cases pushed it out — names and personnummer in a running process (a reviewer)."""
    story = _story()
    events = story.events
    case_id = events[0].originator_id

    def history_heard_erased(case, version):
        views.forget(case)   # the listener's thread, told of the erasure just now
        return events[:version]

    views = AgencyViews(CATALOGUE, history_heard_erased)
    views.process([(len(events), events[-1])])   # a case met mid-history: its fold made from the stored events
    assert case_id not in views._cases
