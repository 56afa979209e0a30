"""A log's bases are told as the consents stood at each row's moment (``known_at``) from the log's consent facts
(``consent_facts``), sorted once for the whole log: each row sorted them all again, and a busy case's disclosure log
(~10,000 rows, ~230 consent facts among its changes) took 5 s to show, three quarters of it sorting
(bench/web_pages.py, 2026-12-05).  The consents told at each row are the same as before."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from services import basis_text
from services.basis_text import consent_facts, known_at

START = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
CONSENTERS = (("young_person", "den unge"), ("g-maria", "Maria"), ("g-johan", "Johan"))


def _log_facts() -> list[SimpleNamespace]:
    """A busy case's consent facts as its log's changes carry them: each granted, narrowed or given again over the
    weeks, many versions recorded at one moment, every fact repeated (once a row: each agency, each start and end),
    among other facts, in the log's order (not the facts')."""
    facts, version = [], 0
    for week in range(30):
        at = START + timedelta(days=7 * week)
        for n, (consenter, name) in enumerate(CONSENTERS):
            version += 1
            granted = week % 5 == 0 or n == 0
            facts.append(SimpleNamespace(
                kind="consent.granted" if granted else "consent.narrowed", version=version,
                fact_id=f"{version}.part.{n + 2}", recorded_at=at,
                content={"consent_id": f"c-{consenter}-{week // 5 if n else week}", "consenter": consenter,
                         "consenter_name": name, "valid_until": date(2027, 1, 1) - timedelta(days=week)}))
        version += 1
        facts.append(SimpleNamespace(kind="contribution", version=version, fact_id=f"{version}.owner",
                                     recorded_at=at, content={}))
    repeated = facts * 4
    random.Random(7).shuffle(repeated)
    return repeated


def _rows() -> list[tuple[str, datetime]]:
    """Rows at every week's moment and between, started and ended (an ended row is told just before it)."""
    return [(change, START + timedelta(days=7 * week, hours=hours))
            for week in range(31) for hours in (0, 30) for change in ("started", "ended")]


def test_the_consents_told_at_each_row_are_as_the_facts_sorted_anew_at_that_row_tell_them():
    facts = _log_facts()
    consents = consent_facts(c for c in facts)
    for change, at in _rows():
        assert known_at(consents, change, at) == known_at(list(facts), change, at), (change, at)


def test_a_logs_consent_facts_are_sorted_once_however_many_rows_it_tells(monkeypatch):
    facts = _log_facts()
    consents = consent_facts(facts)
    ordered = []
    counting = basis_text.fact_order

    def fact_order(fact):  # noqa: ANN001, ANN202
        ordered.append(fact)
        return counting(fact)

    monkeypatch.setattr(basis_text, "fact_order", fact_order)
    rows = _rows()
    for change, at in rows:
        known_at(consents, change, at)
    assert len(rows) == 124 and len(consents) == 360
    assert len(ordered) <= len(consents)   # it was once a row: 124 × 360
