"""What the sign-in's way back keeps of a signed-out page's address, and what a refused moment box shows again
(``services.web.way_back``): each parameter only in the shape of what its field takes (red team 2026-12-07: a
personnummer written with dashes or spaces had the shape of "no six digits together" and was carried)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.web.way_back import kept, may_say_back

DASHED = ["2009-03-14-2388", "0314-2388", "2009-03-14 1234", "20090314-2388", "090314 2388", "Anna Svensson"]


@pytest.mark.parametrize("typed", DASHED)
def test_a_personnummer_in_groups_is_never_said_back_in_a_moment_box(typed):
    assert not may_say_back(typed)


@pytest.mark.parametrize("typed", ["2026-03-03", "2026-03-03 12:00", "2026-13-01 12:00", "2026-03-03T12:00:00+01:00"])
def test_a_moment_or_a_mistyped_one_is_said_back_to_be_corrected(typed):
    assert may_say_back(typed)


@pytest.mark.parametrize("name", ["tid", "fran", "till", "sida", "nummer", "ar", "kommun", "efter", "fore"])
@pytest.mark.parametrize("typed", DASHED)
def test_no_field_carries_a_personnummer_in_groups(name, typed):
    assert kept(None, [(name, typed)]) == []


@pytest.mark.parametrize("name, typed", [("tid", "2026-03-03 12:00"), ("fran", "2026-03-01"), ("sida", "3"),
                                         ("ar", "2026"), ("kommun", "0180"), ("nummer", "0180-2026-0042"),
                                         ("efter", "0180-2026-0042"), ("fore", str(uuid4())),
                                         ("efter", f"tomt-{uuid4()}")])
def test_a_value_in_its_fields_shape_is_kept(name, typed):
    assert kept(None, [(name, typed)]) == [(name, typed)]


@pytest.mark.parametrize("name, typed", [("sida", "2026-03-03"), ("kommun", "018"), ("ar", "123456"),
                                         ("nummer", "2009-0314-2388"), ("efter", "2026-03-03"), ("tid", "12")])
def test_a_value_in_another_fields_shape_is_left_out(name, typed):
    assert kept(None, [(name, typed)]) == []
