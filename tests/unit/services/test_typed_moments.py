"""A moment an auditor types without a zone is Swedish time, and must name one instant: `sigill audit replay
--as-of` and the web client's replay form read it alike."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone

import pytest

from domain.calendar import STOCKHOLM, end_of_day
from services.cli_audit import instant
from services.typed_time import UnreadableMoment, through_typed_unit
from services.web.routes_audit import _moment


@pytest.mark.parametrize("text", [
    "2026-10-25T02:30",         # summer time ended at 03:00: the clocks showed 02:00–03:00 twice
    "2026-10-25 02:00",
    "2026-03-29T02:30",         # summer time began at 02:00: the clocks never showed 02:00–03:00
])
def test_a_swedish_time_the_clocks_showed_twice_or_never_is_refused_not_guessed(text):
    with pytest.raises(argparse.ArgumentTypeError, match="offset"):
        instant(text)
    assert _moment(text) is None


@pytest.mark.parametrize("text, utc", [
    ("2026-10-25T02:30+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)),   # the first 02:30
    ("2026-10-25T02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)),   # the second
    ("2026-10-25T01:59", datetime(2026, 10, 24, 23, 59, tzinfo=timezone.utc)),
    ("2026-10-25T03:00", datetime(2026, 10, 25, 2, 0, tzinfo=timezone.utc)),
    ("2026-03-29T01:59", datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc)),
    ("2026-03-29T03:00", datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)),
    ("2026-03-29T00:00", datetime(2026, 3, 28, 23, 0, tzinfo=timezone.utc)),          # a DST day's midnight
])
def test_a_time_with_its_offset_or_one_the_clocks_showed_once_is_that_instant(text, utc):
    """... to the end of the minute typed (below)."""
    whole_minute = utc + timedelta(seconds=59, microseconds=999_999)
    assert instant(text) == whole_minute and through_typed_unit(text, _moment(text)) == whole_minute


@pytest.mark.parametrize("text, last", [
    ("2026-03-10T23:37", datetime(2026, 3, 10, 22, 37, 59, 999_999, tzinfo=timezone.utc)),
    ("2026-03-10 23:37", datetime(2026, 3, 10, 22, 37, 59, 999_999, tzinfo=timezone.utc)),
    ("2026-03-10T23:37:12", datetime(2026, 3, 10, 22, 37, 12, 999_999, tzinfo=timezone.utc)),
    ("2026-03-10T23:37Z", datetime(2026, 3, 10, 23, 37, 59, 999_999, tzinfo=timezone.utc)),
    ("2026-03-10T23:37:12+01:00", datetime(2026, 3, 10, 22, 37, 12, 999_999, tzinfo=timezone.utc)),
    ("2026-03-10T23:37:12.250", datetime(2026, 3, 10, 22, 37, 12, 250_000, tzinfo=timezone.utc)),   # as typed
])
def test_a_time_typed_to_the_minute_or_second_is_the_end_of_it_as_a_date_is_of_its_day(text, last):
    """The disclosure log shows minutes (the web) or seconds (the command line), the events carry fractions: a
    replay as of "23:37", typed from a row saying "23:37 lämnades ut", did not show what was disclosed then."""
    assert instant(text) == last and through_typed_unit(text, _moment(text)) == last


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25", "2028-02-29"])
def test_a_date_alone_is_the_last_instant_of_that_swedish_day_on_a_dst_day_too(day):
    last = end_of_day(datetime.fromisoformat(day).date()) - timedelta(microseconds=1)
    assert instant(day) == last and _moment(day) == last
    assert instant(day).astimezone(STOCKHOLM).date().isoformat() == day


def test_the_web_form_says_why_a_time_the_clocks_showed_twice_is_refused():
    from services.web import texts
    from services.web.routes_audit import _clocks_changed

    assert _clocks_changed("2026-10-25T02:30") and _clocks_changed("2026-03-29T02:30:15")
    assert not _clocks_changed("2026-10-25T03:30") and not _clocks_changed("2026-10-25") \
        and not _clocks_changed("2026-10-25T02:30+01:00") and not _clocks_changed("igår")
    assert "två gånger" in texts.T["moment_changed_clocks"]


@pytest.mark.parametrize("text", ["20260310", "2026-W10", "2026-W10-2", "20260310T1400", "2026-03-10T14"])
def test_what_fromisoformat_reads_but_no_one_types_as_a_moment_is_refused_on_the_web_as_on_the_command_line(text):
    """The web's replay form took 20260310 as the start of 10 March and 2026-W10 as the Monday of week 10, where
    the command line refused both: one reader of typed moments now (``services.typed_time.typed_moment``)."""
    with pytest.raises(argparse.ArgumentTypeError, match="not a date or time"):
        instant(text)
    assert _moment(text) is None


@pytest.mark.parametrize("text", ["20260101", "2026-W01-1", "2026-02-30", "2026-01-01T00:00", "0001-01-01", ""])
def test_a_typed_day_is_yyyy_mm_dd_in_the_calendar_and_nothing_else(text):
    from datetime import date

    from services.typed_time import typed_day

    assert typed_day(" 2026-01-01 ") == date(2026, 1, 1)
    with pytest.raises(UnreadableMoment):
        typed_day(text)
