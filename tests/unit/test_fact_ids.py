"""Public fact ids: opaque, stable, per installation, and separate from the feed's event ids."""

from __future__ import annotations

import re
from hashlib import blake2b
from uuid import UUID, uuid4

from projections.agency_feed import event_id
from projections.fact_ids import PublicFactIds, fact_id_key, public_fact_id
from projections.shown_facts import shown_content

SECRET = bytes(range(32))
CASE = UUID("3f0b6a52-9c1d-4e7a-b2f8-5d6c0a1e9b47")


def test_an_id_is_24_lowercase_base32_characters():
    assert re.fullmatch(r"[a-z2-7]{24}", PublicFactIds(SECRET)(CASE, "12.outcome.3"))


def test_the_same_fact_gets_the_same_id_under_the_same_secret():
    assert PublicFactIds(SECRET)(CASE, "7") == PublicFactIds(bytes(SECRET))(CASE, "7")
    assert PublicFactIds(SECRET).of(CASE)("7") == PublicFactIds(SECRET)(CASE, "7")


def test_another_fact_another_case_or_another_installation_gets_another_id():
    ids = PublicFactIds(SECRET)
    made = {ids(CASE, f) for f in ("1", "2", "2.row.0", "2.row.1", "12")}
    assert len(made) == 5
    assert ids(uuid4(), "7") != ids(CASE, "7")
    assert PublicFactIds(bytes(31) + b"\x01")(CASE, "7") != ids(CASE, "7")


def test_the_formula_never_changes_ids_already_handed_out():
    # A consumer keys what it holds by these ids: a change of formula would change them all.
    assert PublicFactIds(SECRET)(CASE, "12.outcome.3") == "gbdcmhytmxdwahr2eohksmlu"


def test_the_key_is_derived_with_its_own_personalisation_not_the_raw_secret():
    key = fact_id_key(SECRET)
    assert key != SECRET and len(key) == 32
    unkeyed_by_secret = blake2b(f"{CASE}:7".encode(), key=SECRET, digest_size=15).digest()
    assert public_fact_id(key, CASE, "7") != public_fact_id(SECRET, CASE, "7")
    assert unkeyed_by_secret.hex() not in public_fact_id(key, CASE, "7")


def test_an_id_is_no_event_id_of_the_same_secret():
    eid = event_id(SECRET, CASE, 7, "skola", "7", "disclosed", 0)
    assert PublicFactIds(SECRET)(CASE, "7") not in (str(eid), eid.hex)


def test_a_plan_rows_position_stays_inside_and_other_content_goes_out_whole():
    row = {"row_id": "r", "area": "Skola", "position": 1, "revision": 2}
    assert shown_content("plan.row", row, lead=True) == {"row_id": "r", "area": "Skola", "revision": 2}
    for lead in (True, False):
        assert shown_content("contribution", {"text": "Närvaro.", "position": 3}, lead=lead) == {
            "text": "Närvaro.", "position": 3}


def test_a_plan_rows_revision_counts_the_plans_revisions_and_only_the_lead_is_shown_it():
    row = {"row_id": "r", "area": "Skola", "position": 1, "revision": 3}
    assert shown_content("plan.row", row, lead=False) == {"row_id": "r", "area": "Skola"}
    assert shown_content("plan.goal", {"revision": 3, "main_goal": "Mål."}, lead=False) == {
        "revision": 3, "main_goal": "Mål."}   # whoever sees one goal sees every revision's
