"""The printable extract gathers a case list's reads of the case by reader, purpose and Swedish day; every other read
keeps its row, and the rows keep the order of their first reads."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from services.access_entry import AccessEntry, AccessRecord
from services.web.extract_rows import extract_rows

CASE = uuid4()


def read(seq: int, hour: int, what: str, subject: str = "anna", purpose: str = "", day: int = 2) -> AccessRecord:
    at = datetime(2026, 3, day, hour, 30, tzinfo=timezone.utc)
    return AccessRecord(seq, AccessEntry(at, CASE, subject, "socialtjanst", "caseworker", what, "Anna", purpose))


def test_a_readers_list_reads_of_one_day_are_one_row_and_content_reads_keep_theirs():
    records = [read(1, 7, "case_list"), read(2, 8, "timeline"), read(3, 9, "case_list"), read(4, 10, "case_list"),
               read(5, 11, "case_list", subject="bo"), read(6, 12, "timeline")]
    rows = extract_rows(records)
    assert [(r.entry.what, r.entry.subject, r.count) for r in rows] == [
        ("case_list", "anna", 3), ("timeline", "anna", 1), ("case_list", "bo", 1), ("timeline", "anna", 1)]
    assert rows[0].entry.at.hour == 7 and rows[0].last.hour == 10 and rows[1].last is None


def test_another_day_in_sweden_or_another_purpose_is_another_row():
    # 22:30 UTC on 2 March is 23:30 in Stockholm, the same day; 23:30 UTC is past midnight there.
    records = [read(1, 22, "case_list"), read(2, 23, "case_list"), read(3, 9, "case_list", purpose="Möte"),
               read(4, 10, "audit.case_list")]
    assert [(r.entry.at.hour, r.count) for r in extract_rows(records)] == [(22, 1), (23, 1), (9, 1), (10, 1)]


def test_a_readers_feed_reads_of_one_day_are_one_row_for_each_feed():
    """A system polling its agency's feed logs a read of the case for each page that carried it."""
    records = [read(n, 7 + n // 10, "feed:skola", subject="skolsystem", purpose="Systemets hämtning")
               for n in range(1, 40)]
    records += [read(40, 12, "audit.feed:polis", subject="granskare"), read(41, 13, "timeline"),
                read(42, 14, "audit.feed:polis", subject="granskare"), read(43, 15, "feed:polis", subject="polissystem")]
    rows = extract_rows(records)
    assert [(r.entry.what, r.entry.subject, r.count) for r in rows] == [
        ("feed:skola", "skolsystem", 39), ("audit.feed:polis", "granskare", 2), ("timeline", "anna", 1),
        ("feed:polis", "polissystem", 1)]
    assert rows[0].entry.at.hour == 7 and rows[0].last.hour == 10 and rows[0].entry.purpose == "Systemets hämtning"


def test_a_gathered_row_read_within_one_minute_says_its_minute_once():
    """Two list reads in the same minute read "2026-12-05 19:17–19:17 CET"; the span is kept where the ends differ,
    and in the hour the clocks go back, where the same minute is told by its zone."""
    from datetime import timedelta

    from services.web.pages import _when_span

    first = datetime(2026, 12, 5, 18, 17, 5, tzinfo=timezone.utc)
    assert _when_span(first, first + timedelta(seconds=40)) == "2026-12-05 19:17 CET"
    assert _when_span(first, first + timedelta(minutes=3)) == "2026-12-05 19:17–19:20 CET"
    repeated = datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)   # 02:30 CEST, and an hour later 02:30 CET
    assert _when_span(repeated, repeated + timedelta(hours=1)) == "2026-10-25 02:30 CEST–02:30 CET"
