"""The index rows' judgement (``gateways.case_index_checks.judged``) over rows as the query returns them."""

from __future__ import annotations

from uuid import UUID, uuid4

from gateways.case_index_checks import judged

SERIES = uuid4()


def row(number: str, opened_at: int, **said) -> dict:
    return {"case_id": uuid4(), "case_number": number, "phase": "referred", "protected": False,
            "municipality": number[:4], "opened_at": opened_at, "a_case": True, "erased": False, "series_id": SERIES,
            "drawn_at": opened_at - 1, "drawn": True, "closed": False, "planned": False, "decided": False,
            "protected_by_events": False, **said}


def numbered(found) -> set[UUID]:
    return set(found.contradicted.get("number", []))


def test_a_series_numbers_in_the_order_their_referrals_were_stored_pass():
    assert judged([row("0180-2026-0001", 2), row("0180-2026-0002", 4), row("0180-2026-0003", 9)]).contradicted == {}


def test_two_rows_numbers_swapped_are_both_named():
    first, second = row("0180-2026-0002", 2), row("0180-2026-0001", 4)
    assert numbered(judged([first, second, row("0180-2026-0003", 9)])) == {first["case_id"], second["case_id"]}


def test_one_number_on_two_rows_is_named():
    first, second = row("0180-2026-0001", 2), row("0180-2026-0001", 4)
    assert numbered(judged([first, second])) == {first["case_id"], second["case_id"]}


def test_a_number_drawn_after_its_case_was_stored_is_named():
    late = row("0180-2026-0001", 2, drawn_at=3)
    assert numbered(judged([late])) == {late["case_id"]}


def test_a_decided_case_may_be_listed_accepted_or_declined_but_not_referred():
    accepted, declined, referred = (row(f"0180-2026-000{i}", 2 * i, decided=True, phase=p)
                                    for i, p in ((1, "accepted"), (2, "declined"), (3, "referred")))
    assert judged([accepted, declined, referred]).contradicted == {"phase": [referred["case_id"]]}
