"""Deadlines a caseworker should not miss: a consent about to end, a planned meeting whose date has passed.

Built only from what the reading agency itself sees — its case list row (``next_consent_end`` is social services'
alone; a member's row has none) or the facts of its ``Look`` — and judged by the application's clock, never the
wall clock.  A member is never shown a consent's end it cannot see: its markers come from no consent at all.

A plan row has no due date (its ``follow_up`` is free text, "varje månad"), so no row is marked overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Sequence

from domain.judge import Disclosure
from projections.agency_queries import next_meeting
from services.web import consent_views, views

SOON = timedelta(days=30)   # a consent ending within this many days is marked


@dataclass(frozen=True)
class Marker:
    text: str
    kind: str   # the CSS class: "soon" (coming up) or "overdue" (already passed)


def consent_ends(end: date, today: date) -> Marker | None:
    """A consent in force whose last day is within 30 days (today included)."""
    if today <= end <= today + SOON:
        return Marker(f"Samtycke upphör {end.isoformat()}", "soon")
    return None


def meeting_passed(next_meeting: date, today: date) -> Marker | None:
    """The planned next meeting's day is over, and no meeting was recorded on or after it (the latest meeting's
    "next meeting" would otherwise be that one's)."""
    if next_meeting < today:
        # "Planerat möte", as the list's column and the Möten tab call the day: "Mötet …" beside "Nästa möte …" read
        # as a next meeting in the past.
        return Marker(f"Planerat möte {next_meeting.isoformat()} har passerat – inget möte registrerat", "overdue")
    return None


def of_row(row: dict[str, Any], today: date) -> list[Marker]:
    """A case list row's markers: from the row the agency's own view holds, nothing else."""
    if row.get("phase") == "closed":
        return []
    found = [meeting_passed(row["next_meeting"], today) if row.get("next_meeting") else None,
             consent_ends(row["next_consent_end"], today) if row.get("next_consent_end") else None]
    return [m for m in found if m is not None]


def of_case(disclosures: Sequence[Disclosure], lead: bool, now: Any, today: date) -> list[Marker]:
    """A case page's markers, from the facts the reader sees: the latest meeting it sees and — social services
    only, which sees every consent whole — the first end among the consents in force now."""
    if views.phase_of(disclosures) == "closed":
        return []
    found: list[Marker | None] = []
    planned = next_meeting(d.fact for d in disclosures)   # a meeting's, or a scheduling's recorded after it
    if planned is not None:
        found.append(meeting_passed(planned.on, today))
    if lead:
        ends = [r.record.valid_until for r in consent_views.consents(disclosures, now)
                if r.state == "in_force" and r.record.valid_until is not None]
        if ends:
            found.append(consent_ends(min(ends), today))
    return [m for m in found if m is not None]
