"""Red team hR4 (2026-12-07): the agency feeds at calendar moments and at erasure.

Found: when a closed case's key was destroyed (gallring), every agency that had ever received a message of it got an
``erased`` message — also a school whose every fact had ended years before with the young person's withdrawal.  The
message's ``at`` is the moment of the erasure, which follows the case's last entry by the retention period: the
school learnt that the case lived on after the consent it had was withdrawn, and until when, and re-reading its feed
it found every old message of the case turned ``erased: true``.  Nothing may be disclosed under a consent after it
ends; an agency that holds nothing of the case needs no instruction to delete it.  Now only an agency that still sees
a fact of the case (its own, what a law carries to it, or what a consent in force still covers) is told, and to the
others the case's old messages read as they did before the erasure.
"""

from __future__ import annotations

from uuid import UUID

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.test_feed_http import everything

CASES = "/api/v1/cases"


def _of(items: list[dict], case_id: str) -> list[dict]:
    return [i["body"] for i in items if i["body"]["case_id"] == case_id]


def _store(client):
    return client.app.state.context.cases.lists.runner.store


def test_an_agency_that_holds_nothing_of_an_erased_case_reads_its_feed_as_before_the_erasure(client, users, tick,
                                                                                               app):
    """The school's facts all ended at the young person's withdrawal; the case went on a year and was closed, then
    culled.  The school's feed, read from the start or from its cursor, is exactly what it was before the erasure;
    the police, which recorded a note of its own, and social services are told to delete the case."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/contributions", headers=users.police,
                   json={"category": "crime", "text": "Polisens egen notering"}), 201)
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    before, last = everything(client, users.school, "skola")
    assert _of(before, case_id) and all(b["content"] is None for b in _of(before, case_id))
    police_before, police_last = everything(client, users.police, "polis")
    tick(60 * 24 * 365)   # the case lives on a year without the school
    ok(client.post(f"{CASES}/{case_id}/closure", headers=users.social, json={"reason": "other", "outcome": "Klart."}))
    app.keystore.destroy(UUID(case_id))
    _store(client).record_erasures()
    assert everything(client, users.school, "skola", after=last)[0] == []
    assert everything(client, users.school, "skola")[0] == before
    told, _ = everything(client, users.police, "polis", after=police_last)
    assert [b["change"] for b in _of(told, case_id)] == ["erased"]
    assert "erased" in {b["change"] for b in _of(everything(client, users.social, "socialtjanst")[0], case_id)}

