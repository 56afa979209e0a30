"""A page a member is refused leaves nothing in the access log: the young person's extract lists reads, not refusals."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

# The case's administration: social services' pages alone (and what each is logged as when the lead reads it).
LEAD_PAGES = {"beslut": "eligibility", "vardnadshavare": "guardians", "samtycken": "consents", "grupp": "group",
              "avslut": "closure", "registerutdrag": "timeline"}


@pytest.mark.parametrize("tab", sorted(LEAD_PAGES))
def test_a_school_refused_an_administration_page_is_not_in_the_extract_as_having_read_it(
        client, users, tick, context, settings, tab):
    """A school that opened /arenden/{id}/vardnadshavare got 403 and saw nothing, yet the extract said
    "Skolan läste vårdnadshavarna" (the read was logged before the page asked whether the reader is the lead)."""
    case_id, _ = school_consented_case(client, users, tick)
    school = web_as(context, settings, "skola")
    assert school.get(f"/arenden/{case_id}").status_code == 200   # a member of the group: it reads its timeline
    before = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"]
    assert school.get(f"/arenden/{case_id}/{tab}").status_code == 403
    reads = ok(client.get(f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"]
    school_reads = lambda rs: [r["what"] for r in rs if r["agency"] == "skola"]  # noqa: E731
    assert school_reads(reads) == school_reads(before)
    lead = web_as(context, settings, "soc-0180")
    assert lead.get(f"/arenden/{case_id}/{tab}").status_code == 200   # the lead's read is logged as before
    assert LEAD_PAGES[tab] in [r["what"] for r in ok(client.get(
        f"/api/v1/cases/{case_id}/extract", headers=users.social))["reads"] if r["agency"] == "socialtjanst"]
