"""Social services records contributions in the web client too: among them what OSL 10 kap. 18 a § lets it tell the
police about someone under 21, without consent.  The API took such a contribution; the web answered 403 (*Åtkomst
nekad*) and had no tab for it (a caseworker helper, 2026-12-05)."""

from __future__ import annotations

import re
from uuid import UUID

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

TOLD = "Rekryteras till ett nätverk i området."


def test_social_services_tells_the_police_under_osl_10_18a_from_its_contribution_tab(client, users, tick, context,
                                                                                    settings, app):
    case_id, _ = school_consented_case(client, users, tick, members=("skola",), others={})   # the police: not in it
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/uppgift")
    assert page.status_code == 200 and f'href="/arenden/{case_id}/uppgift"' in page.text
    assert "OSL 10 kap. 18 a § (uppgift till polisen om unga under 21)" in page.text
    fields = dict(re.findall(r'name="(csrf|form_key|expected_version)" value="([^"]*)"', page.text))
    tick()
    sent = social.post(f"/arenden/{case_id}/uppgift", follow_redirects=False,
                       data={**fields, "category": "crime", "text": TOLD, "legal_basis": "osl10_18a"})
    assert sent.status_code == 303, sent.text[:300]
    assert TOLD in social.get(f"/arenden/{case_id}/uppgift").text          # among its own contributions
    told = [c for c in app.disclosures(UUID(case_id), ["polis"]) if c.fact.content.get("text") == TOLD]
    assert [(c.change, c.basis.kind, c.basis.legal_basis) for c in told] == [("disclosed", "law", "osl10_18a")]
    school = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    assert TOLD not in str(school)
