"""A history whose events interleave across cases, agencies and municipalities: what feed numbers must hide.

The school's case (Stockholm, 0180) gets school facts the school may see, between which the police record
crime facts the school's consent does not cover, and a Stockholm case and a Gothenburg (1280) case the school
is not in get police facts that reach social services by law (LUL 6 §).  So every feed's messages have other
events — and other feeds' disclosures — between them in the global order.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator
from uuid import UUID, uuid5

import psycopg

from projections.agency_feed import EVENT_IDS
from services.bootstrap import build_application, build_view_runner
from tests.builders import POLICE, SCHOOL, SOCIAL
from tests.service_behaviour import consenting_school, open_case

STOCKHOLM, GOTHENBURG = "0180", "1280"


@contextmanager
def another_process(app, settings, postgres) -> Iterator:
    """A second application instance on the same database, with its own views' runner (its own store, pool and
    cached feed secret): another process, such as `sigill views rebuild --after-restore` run beside a server."""
    other = build_application(settings, clock=app.clock, location=postgres)
    runner = build_view_runner(other, settings, postgres)
    try:
        yield runner
    finally:
        runner.close()
        runner.store.close()
        other.close()


def police_case(app, municipality: str) -> UUID:
    """A case the police are in and the school is not: its facts reach social services by law."""
    case_id, _ = open_case(app, municipality=municipality)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=True, reasons="Hög risk.", instruments=("SAVRY",),
                           decided_on=date(2026, 2, 2))
    app.add_member(case_id, by=SOCIAL, agency="polis", contact_person="Sam", role="kontaktperson")
    return case_id


def interleaved_history(app, rounds: int = 3) -> dict[str, UUID]:
    hidden = police_case(app, STOCKHOLM)
    school = consenting_school(app)
    other = police_case(app, GOTHENBURG)
    for i in range(rounds):
        app.clock.advance(timedelta(minutes=5))
        app.record_contribution(school, by=SCHOOL, category="school", text=f"Närvaro vecka {i}.")
        app.record_contribution(hidden, by=POLICE, category="crime", text=f"Misstanke {i}.", legal_basis="lul6")
        app.record_contribution(school, by=POLICE, category="crime", text=f"Dold uppgift {i}.", legal_basis="lul6")
        app.record_contribution(other, by=POLICE, category="crime", text=f"Göteborg {i}.", legal_basis="lul6")
    return {"school": school, "hidden": hidden, "other": other}


def global_positions(postgres, event_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Each feed message's global notification id — read from the event store itself, not the log's copy —
    and its row's id in the disclosure log every agency shares."""
    with psycopg.connect(postgres.conninfo()) as conn:
        rows = conn.execute("SELECT d.event_id::text, (e.notification_id, d.id) FROM disclosure_log d"
                            " JOIN sigill_events e ON e.notification_id = d.notification_id"
                            " AND e.originator_id = d.case_id WHERE d.event_id::text = ANY(%s)",
                            (event_ids,)).fetchall()
    return {event_id: (int(nid), int(log_id)) for event_id, (nid, log_id) in rows}


def carries(value, number: int) -> bool:
    """Whether a body value, a header or any part of them is the number (as a number or as text)."""
    if isinstance(value, dict):
        return any(carries(v, number) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(carries(v, number) for v in value)
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return value == number
    return str(number) in str(value).split(",")  # a header's list of ids is comma-separated


def unkeyed_event_id(case_id, notification_id: int, agency: str, fact_id: str, change: str) -> UUID:
    """What a public formula over the notification id would give: searchable for the notification id."""
    return uuid5(EVENT_IDS, f"{case_id}:{notification_id}:{agency}:{fact_id}:{change}:0")


def all_published(store) -> bool:
    """Every feed has something, and the broker has acknowledged all of it."""
    _, heads = store.feed_heads()
    positions = store.publication_positions()
    return bool(heads) and all(positions.get(feed, 0) >= head for feed, head in heads.items())
