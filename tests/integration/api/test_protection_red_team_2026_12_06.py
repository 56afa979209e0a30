"""A red team of skyddade personuppgifter (2026-12-06): where Sigill could tell someone more than it should about a
case whose young person has protected personal data — the marker reaching an agency that may not know the case
exists, the marker surviving a withdrawal, a protection recorded after a withdrawal, ending and recording it again,
and personal data in log lines — over the API, the web client and the feeds, with the real PostgreSQL.

Found safe, kept as regressions: below.  Found and since fixed (the report of 2026-12-06): a guardian's extract
(loggutdrag) of a protected case named every reader, purpose and agency system, and its printed page carried the
case head with the banner — the marker itself and where the young person goes to school, to a guardian the
protection may be against: ``test_guardian_extract_protected.py``."""

from __future__ import annotations

import logging
import re

from tests.builders import BORN_2009_03_14
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_feed_http import everything

CASES = "/api/v1/cases"
PROTECT = {"protected": True, "kind": "skyddad_folkbokforing", "since": "2026-02-02"}


def _protect(client, users, case_id: str, body: dict | None = None) -> dict:
    return ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=body or PROTECT))


def _listed(client, headers, case_id: str) -> dict | None:
    """The case's row of the reader's case list, or None when the list has no row of it."""
    return next((r for r in ok(client.get(CASES, headers=headers))["cases"] if r["case_id"] == case_id), None)


def _protected_messages(client, headers, agency: str, case_id: str) -> list[dict]:
    items, _ = everything(client, headers, agency)
    return [i["body"] for i in items if i["body"]["case_id"] == case_id and i["body"]["kind"] == "case.protected"]


def test_an_agency_that_does_not_see_the_case_gets_the_marker_nowhere(client, users, tick, context, settings):
    """The police, in the group with consent to `crime` only, does not see that the case exists: neither its feed,
    its web list and case page, nor a refused administration page tells it of the marker."""
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    tick()
    _protect(client, users, case_id)
    assert _protected_messages(client, users.police, "polis", case_id) == []
    police = web_as(context, settings, "polis")
    for path in ("/arenden", f"/arenden/{case_id}", f"/arenden/{case_id}/plan", f"/arenden/{case_id}/skydd",
                 f"/arenden/{case_id}/registerutdrag"):
        page = police.get(path)
        assert "Skyddade personuppgifter" not in page.text and "skyddad folkbokföring" not in page.text, path
    # The school, whose consents cover `case`, is told on its feed — the fact, and nothing typed.
    told = _protected_messages(client, users.school, "skola", case_id)
    assert [m["content"] for m in told] == [{"protected": True, "kind": "skyddad_folkbokforing",
                                             "since": "2026-02-02"}]


def test_a_protection_recorded_after_the_schools_consent_was_withdrawn_reaches_it_nowhere(client, users, tick):
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    tick()
    _protect(client, users, case_id)
    row = _listed(client, users.school, case_id)
    assert row is None or row["protected_personal_data"] is None
    read = client.get(f"{CASES}/{case_id}", headers=users.school)
    assert read.status_code in (200, 404), read.text
    if read.status_code == 200:
        assert read.json()["protected_personal_data"] is None
        assert "case.protected" not in {f["kind"] for f in read.json()["facts"]}
    assert _protected_messages(client, users.school, "skola", case_id) == []


def test_a_withdrawal_after_the_protection_takes_the_marker_away(client, users, tick):
    """The school was told; once the young person withdraws its consent, its list and its read no longer carry the
    marker (a fact consent no longer covers), and its feed ends the message as it ends every other."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    _protect(client, users, case_id)
    assert _listed(client, users.school, case_id)["protected_personal_data"] is not None
    fact_ids = {m["fact_id"] for m in _protected_messages(client, users.school, "skola", case_id)}
    assert len(fact_ids) == 1
    tick()
    ok(client.post(f"{CASES}/{case_id}/consents/{consents[0]}/withdrawal", headers=users.social,
                   json={"consenter": "young_person"}))
    row = _listed(client, users.school, case_id)
    assert row is None or row["protected_personal_data"] is None
    read = client.get(f"{CASES}/{case_id}", headers=users.school)
    assert read.status_code == 404 or read.json()["protected_personal_data"] is None
    # Read again from the start, the feed withholds the marker's message (kind, content) and then ends it.
    assert _protected_messages(client, users.school, "skola", case_id) == []
    items, _ = everything(client, users.school, "skola")
    told = [i["body"] for i in items if i["body"]["fact_id"] in fact_ids]
    assert told[-1]["change"] == "ended"
    assert all(m["kind"] is None and m["content"] is None for m in told)


def test_ending_it_and_recording_it_again_tells_the_latest(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    _protect(client, users, case_id, {"protected": True, "kind": "sekretessmarkering", "since": "2026-02-02"})
    tick()
    _protect(client, users, case_id, {"protected": False, "since": "2026-02-03"})
    tick()
    _protect(client, users, case_id)
    told = {"kind": "skyddad_folkbokforing", "since": "2026-02-02"}
    for who in (users.social, users.school):
        assert ok(client.get(f"{CASES}/{case_id}", headers=who))["protected_personal_data"] == told
        assert _listed(client, who, case_id)["protected_personal_data"] == told
    assert [m["content"]["protected"] for m in _protected_messages(client, users.school, "skola", case_id)] == [
        True, False, True]
    page = web_as(context, settings, "skola").get(f"/arenden/{case_id}").text
    assert "protected-banner" in page and "skyddad folkbokföring" in page


def test_recording_it_and_making_a_guardians_extract_log_no_personal_data(client, users, tick, caplog):
    case_id, _ = school_consented_case(client, users, tick)
    guardian = next(f for f in ok(client.get(f"{CASES}/{case_id}", headers=users.social))["facts"]
                    if f["kind"] == "guardians")["content"]["guardians"][0]
    guardian_id = guardian[0] if isinstance(guardian, list) else guardian["guardian_id"]
    caplog.set_level(logging.DEBUG)
    tick()
    _protect(client, users, case_id)
    ok(client.get(f"{CASES}/{case_id}/extract", params={"recipient": guardian_id}, headers=users.social))
    ok(client.get(f"{CASES}/{case_id}", headers=users.school))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for personal in ("Peter", "Exempel", "Maria", BORN_2009_03_14, BORN_2009_03_14.replace("-", "")[2:]):
        assert personal not in logged, personal


def test_bad_input_to_the_protection_is_a_422_naming_the_field(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    for since in ("2026-02-30", "igår", "", "1999-01-01"):
        refused = client.post(f"{CASES}/{case_id}/protection", headers=users.social,
                              json={"protected": True, "kind": "sekretessmarkering", "since": since})
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "body.since", (since, refused.text)
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/skydd").text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    for data in ({"kind": "skyddad_folkbokforing", "since": "2026-13-01"}, {"kind": "hemlig", "since": ""},
                 {"kind": "none", "since": "2026-02-02"}):
        answer = social.post(f"/arenden/{case_id}/skydd", follow_redirects=False, data={
            "csrf": hidden["csrf"], "form_key": hidden["form_key"], "expected_version": hidden["expected_version"],
            **data})
        assert answer.status_code == 422, (data, answer.status_code)


def test_recording_it_changes_nothing_an_agency_that_does_not_see_the_case_receives(client, users, tick):
    """Not even by the by: the police's case read (body and validators), its list row and its whole feed are the
    same before and after the marker is recorded and lifted — no count, no time, no version tells that something of
    the case happened that it may not see."""
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["crime"]})
    tick()

    def seen() -> tuple:
        read = client.get(f"{CASES}/{case_id}", headers=users.police)
        assert read.status_code == 200, read.text
        validators = {k: v for k, v in read.headers.items() if k.lower() in ("etag", "last-modified")}
        items, _ = everything(client, users.police, "polis")
        return read.json(), validators, _listed(client, users.police, case_id), [i["body"] for i in items]

    before = seen()
    _protect(client, users, case_id)
    tick()
    assert seen() == before
    _protect(client, users, case_id, {"protected": False})
    assert seen() == before


def test_an_agency_outside_the_case_is_told_nothing_of_it(client, users, tick, context, settings):
    """BUP, in no group, a school and social services of another municipality (where the young person may have
    come from): the case is no case to them, the marker nowhere."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    _protect(client, users, case_id)
    for headers in (users.headers("bup", "member"), users.headers("skola", "member", municipality="1280"),
                    users.headers("socialtjanst", "caseworker", municipality="1480")):
        read = client.get(f"{CASES}/{case_id}", headers=headers)
        assert read.status_code == 404, read.text
        assert "skydd" not in read.text.lower() and "protect" not in read.text.lower()
        assert _listed(client, headers, case_id) is None
    for user in ("bup", "soc-1480"):
        web = web_as(context, settings, user)
        for path in (f"/arenden/{case_id}", f"/arenden/{case_id}/skydd", f"/arenden/{case_id}/registerutdrag"):
            page = web.get(path)
            assert page.status_code == 404 and "Skyddade personuppgifter" not in page.text, (user, path)
        assert case_id not in web.get("/arenden").text
