"""Human-readable case numbers, one series per municipality and year: 0180-2026-0042.

A series is its own small aggregate so that two caseworkers opening cases at
once cannot get the same number: the second save conflicts and retries.
Its id is derived from the municipality code and year — never from anyone's
personal data.
"""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.calendar import EARLIEST_DAY, LATEST_DAY
from domain.errors import InvalidInput

# [0-9], not \d: \d matches any script's digits ("٠180-2026-0001", fullwidth ones), which int() reads, and a number
# so typed was looked up (a 404) instead of refused as malformed.
CASE_NUMBER = re.compile(r"^([0-9]{4})-([0-9]{4})-([0-9]{4,})$")


class CaseNumberSeries(Aggregate):
    class Started(Aggregate.Created):
        municipality: str
        year: int

    class Allocated(Aggregate.Event):
        number: str
        case_id: UUID

        def apply(self, series: CaseNumberSeries) -> None:
            series.case_ids[self.number] = self.case_id

    def __init__(self, municipality: str, year: int) -> None:
        self.municipality = municipality
        self.year = year
        self.case_ids: dict[str, UUID] = {}

    @staticmethod
    def series_id(municipality: str, year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"sigill:case-number-series:{municipality}:{year}")

    @classmethod
    def start(cls, municipality: str, year: int) -> CaseNumberSeries:
        return cls._create(cls.Started, id=cls.series_id(municipality, year), municipality=municipality, year=year)

    def allocate(self, case_id: UUID) -> str:
        number = f"{self.municipality}-{self.year}-{len(self.case_ids) + 1:04d}"
        self.trigger_event(self.Allocated, number=number, case_id=case_id)
        return number


def parse_case_number(text: str) -> tuple[str, int]:
    """The municipality code and year of a case number, or a clear error.  Its year is one the calendar counts
    (1900–2199): a personnummer typed in groups of four (2009-0314-2388) has its month and day there, and such a
    "number" was looked up, and answered as one not given, where the web's search box says it is none."""
    match = CASE_NUMBER.match(text.strip())
    if not match or not EARLIEST_DAY.year <= int(match.group(2)) <= LATEST_DAY.year:
        raise InvalidInput("a case number looks like 0180-2026-0042", field="case_number")
    return match.group(1), int(match.group(2))


def is_case_number(text: str) -> bool:
    """Whether ``text`` (stripped) is shaped like a case number, as ``parse_case_number`` takes one."""
    try:
        parse_case_number(text)
    except InvalidInput:
        return False
    return True


def as_written(value: object) -> bool:
    """Whether a stored value is a case number exactly as Sigill writes one (no space, no other character around
    it): one read back from a table that is not (the views' index, altered) is not said as a number."""
    return isinstance(value, str) and CASE_NUMBER.fullmatch(value) is not None
