"""A batch's rows as the agency views' store writes them: a small batch in one call of a function in the database, a
larger one by binary COPY (``copy_rows``, with its columns' types); the case lists' rows, each agency's calendar
sealed."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from psycopg import adapters
from psycopg.adapt import PyFormat
from psycopg.types.uuid import UUIDBinaryDumper

from gateways.batch_sealing import BatchSealing
from gateways.case_list_queries import calendar_where
from projections.agency_views import CaseSummary


# A small batch (the follower's usual one) goes in one call of a function in the database, its rows as JSON; a
# larger one goes by binary COPY, which PostgreSQL reads faster row for row.  Small: at most this many fact and
# log rows, and this many bytes of sealed content (twice that in hex).
SMALL_BATCH_ROWS = 500
SMALL_BATCH_BYTES = 48 * 1024
# Binary COPY column types.  A basis goes as jsonb's binary form (version byte 1, then the JSON text), passed
# as bytes: psycopg's jsonb dumper would encode the already-made JSON text again, as a string.
FACT_TYPES = ["text", "uuid", "text", "int4", "text", "text", "text", "timestamptz", "timestamptz", "bytea", "bytea"]
# The same goes for a feed event id: uuid's binary form is its 16 bytes, made without a UUID object.
LOG_TYPES = ["uuid", "text", "text", "text", "text", "text", "bytea", "timestamptz", "int8", "bytea", "bytea", "bytea",
             "text", "int8"]
# A log row's feed and number are always its last two fields (rows[-2], rows[-1]): erasure rows have no cause.
LOG_COLUMNS = ("case_id, agency, fact_id, kind, category, change, basis, at, notification_id, event_id, content, cause,"
               " feed, seq")
# A case-list row's columns as a summary names them; then ``calendar_sealed`` (``case_list_rows``).
SUMMARY_COLUMNS = ("case_number", "phase", "next_meeting", "plan_revision", "facts", "consents_in_force",
                   "next_consent_end", "next_calendar_moment", "plan_follow_up")
# After ``calendar_sealed``: a process of the version before (2026-12-05) sends rows without it, read as NULL.
LATER_SUMMARY_COLUMNS = ("protected_personal_data",)


def case_list_rows(summaries: dict[tuple[str, UUID], CaseSummary | None], sealing: BatchSealing
                   ) -> tuple[list[tuple], list[tuple]]:
    """The case lists' rows to write, and the (agency, case) keys of those to delete (nothing left to list).
    A row's calendar per agency goes sealed, in hex (``calendar_sealed``)."""
    rows = [(agency, case_id, *(getattr(s, c) for c in SUMMARY_COLUMNS), _sealed_calendar(s, agency, case_id, sealing),
             *(getattr(s, c) for c in LATER_SUMMARY_COLUMNS))
            for (agency, case_id), s in summaries.items() if s is not None]
    return rows, [key for key, s in summaries.items() if s is None]


def _sealed_calendar(summary: CaseSummary, agency: str, case_id: UUID, sealing: BatchSealing) -> str | None:
    """The lead's row's moments per agency, sealed under the case's key: they hold the 18th birthday, so the
    birth date, from the referral on (``calendar_where``).  None without moments, or for a case whose key is gone
    (then every agency waits for the case's next moment, as for a row from before moments were kept per agency)."""
    sealer = sealing.case(case_id).sealer if summary.calendar_by_agency is not None else None
    if sealer is None:
        return None
    return sealer.seal(json.dumps(summary.calendar_by_agency).encode(), calendar_where(case_id, agency)).hex()


def small_batch(facts: list[tuple], log: list[list], erased: set[UUID]) -> bool:
    """Whether a batch goes in one call of ``sigill_apply_views`` (``SMALL_BATCH_ROWS``), not by COPY."""
    return (len(facts) + len(log) <= SMALL_BATCH_ROWS and not erased
            and sum(len(r[10] or b"") for r in (*facts, *log)) <= SMALL_BATCH_BYTES)


def copy_rows(curs: Any, statement: Any, types: list[str], rows: list[tuple]) -> None:
    """Binary COPY: about twice as fast as text for psycopg to write and for PostgreSQL to read."""
    # For the type "bytea" psycopg picks its DB-API dumper, written in Python; bytes need no more than the
    # plain (compiled) bytes dumper, which registering it for bytes makes the one for bytea too.
    curs.adapters.register_dumper(bytes, _BYTES_DUMPER)
    curs.adapters.register_dumper(UUID, _CaseIdDumper)
    with curs.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


_BYTES_DUMPER = adapters.get_dumper(bytes, PyFormat.BINARY)


class _CaseIdDumper(UUIDBinaryDumper):
    """A case id's binary form (its 16 bytes, as psycopg's dumper makes them), made once a run of rows of one case
    (its one id object in the batch: ``AgencyViews.process``), not for every row, in Python."""

    _last: UUID | None = None
    _bytes = b""

    def dump(self, obj: UUID) -> bytes:
        if obj is not self._last:
            self._last, self._bytes = obj, obj.bytes
        return self._bytes
