"""The case lists' and the calendar keeper's queries on the views' ``view_cases`` table.

A mixin of ``PostgresAgencyViewStore`` (the same table and connection pool), beside ``gateways.feed_store``:
the views write the case lists, these read them.  The lead agency's list holds every case, so it is also
where the calendar keeper finds the cases whose next moment (a consent's end, an 18th birthday) has come.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from psycopg.sql import SQL


class CaseListQueries:
    """Reads of ``view_cases`` (needs ``_s``, ``_rows`` and ``_lead``)."""

    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]
    _lead: Callable[[], str]

    def cases(self, agency: str, now: datetime | None = None, municipality: str | None = None
              ) -> list[dict[str, Any]]:
        """The agency's case list; given ``municipality``, of that municipality's cases only (a user's list).

        Given ``now``, another agency's list leaves out a case whose calendar moment (a consent's end, an 18th
        birthday) has come but is not recorded yet: until the keeper has recorded it, whether the agency still
        sees the case cannot be told (the lead, which owns every case, keeps them)."""
        where, parameters = ["v.agency = %s"], [agency]
        if municipality is not None:
            where.append("EXISTS (SELECT 1 FROM {s}.case_municipality m WHERE m.case_id = v.case_id"
                         " AND m.municipality = %s)")
            parameters.append(municipality)
        if now is not None and agency != self._lead():
            where.append("NOT EXISTS (SELECT 1 FROM {s}.view_cases c WHERE c.agency = %s AND c.case_id = v.case_id"
                         " AND c.next_calendar_moment <= %s)")
            parameters += [self._lead(), now]
        return self._rows(SQL("SELECT v.* FROM {s}.view_cases v WHERE " + " AND ".join(where)
                              + " ORDER BY v.case_number, v.case_id").format(s=self._s), tuple(parameters))

    def next_calendar_moment(self, lead: str) -> datetime | None:
        """The earliest moment the calendar keeper is next due in any case (None: in none)."""
        rows = self._rows(SQL("SELECT min(next_calendar_moment) AS at FROM {}.view_cases WHERE agency = %s")
                          .format(self._s), (lead,))
        return rows[0]["at"] if rows else None

    def due_for_calendar(self, lead: str, now: datetime) -> list[UUID]:
        """Cases whose next calendar moment has come (the lead agency's list covers every case)."""
        rows = self._rows(SQL("SELECT case_id FROM {}.view_cases WHERE agency = %s AND next_calendar_moment <= %s"
                              " ORDER BY next_calendar_moment").format(self._s), (lead, now))
        return [r["case_id"] for r in rows]
