"""The web names the young person ("Peter Exempel (den unge)") and the guardians ("Maria (vårdnadshavare)") in a
timeline's lines and bases, and a meeting's card only where the reader's own view already holds
the name: a property over random histories (consents granted, narrowed, withdrawn; members joining and leaving;
custody changing; the 18th birthday; closure), each agency's view at each moment — as its pages and an auditor's
replay of it show it."""

from __future__ import annotations

from hypothesis import given

from domain.disclosure import Replay
from services.audit_text import describe_for_auditor
from services.web import views
from tests.builders import CATALOGUE
from tests.unit.domain.test_disclosure_properties import AGENCIES, _probe_times, common, histories

NAMES = ("Peter", "Exempel", "Maria", "Johan")


def _held(seen) -> str:
    """Every text the reader's own facts hold (a consent part names its guardian consenter; the subject the young
    person; the guardians fact them all)."""
    return repr([dict(d.fact.content) for d in seen])


@common
@given(histories())
def test_no_page_names_anyone_the_readers_own_view_does_not(story):
    replay = Replay(story.events, CATALOGUE)
    for at in _probe_times(story)[::2]:
        replay.advance_to(at)
        for agency in AGENCIES:
            seen = views.in_order(replay.visible_to(agency, at))
            held = _held(seen)
            pages = [views.timeline(seen, CATALOGUE, recipient=agency),
                     views.timeline(seen, CATALOGUE, describe_for_auditor, recipient=agency),
                     [views.meeting_card([d], CATALOGUE, among=seen, recipient=agency)
                      for d in seen if d.fact.kind == "meeting"]]
            said = repr(pages)
            for name in NAMES:
                assert name not in said or name in held, (agency, at, name)
