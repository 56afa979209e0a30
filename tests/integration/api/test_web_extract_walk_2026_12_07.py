"""A caseworker producing the young person's loggutdrag on 2026-12-07 (helper hQ): what the walk stumbled on."""

from __future__ import annotations

import re
from uuid import UUID

from tests.builders import utc
from tests.integration.api.flows import page_text, school_consented_case
from tests.integration.api.skew import web_as


def test_a_guardian_s_extract_asked_for_after_the_18th_birthday_leads_to_the_young_person_s(client, users, tick,
                                                                                           app, context, settings):
    """A guardian's extract bookmarked while the young person was 17, opened after the 18th birthday, said that the
    extract is the young person's (or a custodial guardian's while under 18) and led only back to the case list: the
    caseworker had to find the case again for the extract that may be handed out now."""
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/registerutdrag").text
    guardian = next(g for g in re.findall(r'href="\?till=([^"]+)"', page) if g != "young_person")
    app.clock.set(utc(2027, 3, 15, 9))   # the 18th birthday was 2027-03-14
    app.note_calendar(UUID(case_id))
    refused = social.get(f"/arenden/{case_id}/registerutdrag?till={guardian}")
    assert refused.status_code == 422
    said = page_text(refused.text)
    assert "Loggutdraget lämnas till den unge, eller till en vårdnadshavare med vårdnad så länge" in said
    assert f'href="/arenden/{case_id}/registerutdrag"' in refused.text and "Den unges loggutdrag" in said
    assert guardian not in said   # the refused id is not said back


def test_an_auditor_s_loggutdrag_says_whether_the_access_log_holds_every_read(client, users, tick, context,
                                                                              settings):
    """Social services' loggutdrag says whether the reads it lists are all of them as written (*Åtkomstloggen
    kontrollerad …*), as the API's extract does to both; the auditor's loggutdrag — the page that answers "who read
    what" in a supervision — listed the same rows and said nothing of it."""
    case_id, _ = school_consented_case(client, users, tick)
    client.get(f"/api/v1/cases/{case_id}/plan", headers=users.school)
    page = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/loggutdrag")
    assert page.status_code == 200
    (checked,) = re.findall(r'<p id="access-checked" class="notice ok">(.*?)</p>', page.text)
    assert checked.startswith("Åtkomstloggen kontrollerad: ingen läsning saknas i loggen"), checked
