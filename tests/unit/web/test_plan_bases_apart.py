"""The plan page's bases: the main goal's told apart from the rows', so that no row id can stand for the goal (it
was kept under the key "goal" among the row ids: a row with that id would have been told as the goal, or the goal
as it)."""

from __future__ import annotations

from datetime import datetime, timezone

from domain.judge import Basis
from services.web import plan_views
from tests.builders import CATALOGUE

READER = "socialtjanst"   # the plan page's reader


def test_a_row_whose_id_reads_goal_keeps_its_own_basis_beside_the_goals():
    revision = plan_views.Revision(1, datetime(2026, 2, 2, tzinfo=timezone.utc), "Gå i skolan.", [],
                                   goal_basis=Basis("owner"), row_bases={"goal": Basis("origin"), "r2": Basis("owner")})
    told = plan_views.told_bases(revision, (), CATALOGUE, recipient=READER)
    assert told.goal == plan_views.Told(plan_views.own_basis((), CATALOGUE, recipient=READER)(Basis("owner")))
    assert told.rows["goal"] != told.goal and set(told.rows) == {"goal", "r2"}


def test_a_goal_the_reader_does_not_see_is_told_no_basis():
    revision = plan_views.Revision(1, datetime(2026, 2, 2, tzinfo=timezone.utc), None, [], row_bases={})
    assert plan_views.told_bases(revision, (), CATALOGUE, recipient=READER) == plan_views.ToldBases()
