"""The new referral form, for a young person with an open case in the municipality: it names the case as a link,
gives back what was typed with a box to tick, and, ticked, opens the case once however often it is sent; the
young person's extract words the read the warning was."""

from __future__ import annotations

import re

from tests.integration.api.flows import FIRST_REFERRAL, ok
from tests.integration.api.skew import web_as

CASES = "/api/v1/cases"


def test_the_extract_says_the_check_read_the_case_in_swedish(client, users, context, settings):
    first = ok(client.post(CASES, json=FIRST_REFERRAL, headers=users.social), 201)["case_id"]
    assert client.post(CASES, json=FIRST_REFERRAL, headers=users.social).status_code == 409
    extract = web_as(context, settings, "soc-0180").get(f"/arenden/{first}/registerutdrag")
    assert "kontrollen av öppna ärenden vid en ny aktualisering" in extract.text


def test_the_web_form_names_the_case_as_a_link_keeps_what_was_typed_and_registers_when_ticked(client, users, context,
                                                                                             settings):
    first = ok(client.post(CASES, json=FIRST_REFERRAL, headers=users.social), 201)
    web = web_as(context, settings, "soc-0180")

    def form(page: str) -> dict[str, str]:
        return dict(re.findall(r'<input type="hidden" name="(csrf|form_key)" value="([^"]*)"', page))

    typed = {"personnummer": "20090314-2388", "name": "Peter Exempel", "entry_route": "lul6",
             "referring_agency": "polis", "referral_date": "2026-02-01", "summary": "Ny misstanke om rån.",
             "summary_category": "crime"}
    asked = web.post("/arenden/nytt", data={**form(web.get("/arenden/nytt").text), **typed}, follow_redirects=False)
    assert asked.status_code == 409, asked.text[:500]
    assert re.search(r"Det finns redan ett öppet ärende för den här personen:\s*<a href=\"/arenden/"
                     + first["case_id"] + "\">" + first["created"] + "</a>", asked.text)
    assert re.search(r'<input type="checkbox" id="f-duplicate_confirmed" name="duplicate_confirmed" value="on">',
                     asked.text)
    # What to do next, linked to the box (a caseworker's walk: the warning said what was found, not what to do).
    assert re.search(r'<a href="#f-duplicate_confirmed">Öppna det ärendet, eller kryssa i ”Registrera ändå”', asked.text)
    assert "Ny misstanke om rån.</textarea>" in asked.text and 'value="20090314-2388"' in asked.text
    assert "200903142388" not in asked.text.replace("-", "").replace('value="200903142388"', "")  # only in its field
    confirmed = {**form(asked.text), **typed, "duplicate_confirmed": "on"}
    # Ticked, and refused for another field: the box comes back ticked, not asked about again.
    unnamed = web.post("/arenden/nytt", data={**confirmed, "name": ""}, follow_redirects=False)
    assert unnamed.status_code == 422 and 'name="duplicate_confirmed" value="on" checked' in unnamed.text
    assert "Det finns redan" not in unnamed.text
    once, twice = (web.post("/arenden/nytt", data=confirmed, follow_redirects=False) for _ in range(2))
    assert once.status_code == twice.status_code == 303 and once.headers["location"] == twice.headers["location"]
    listed = ok(client.get(CASES, headers=users.social))["cases"]
    assert len(listed) == 2   # the confirmed form, sent twice, opened one case
    opened = web.get(once.headers["location"]).text
    assert "Nästa steg är att bedöma om den unge är aktuell (fliken Beslut)." in opened


def test_a_route_its_referrer_cannot_send_says_what_to_change(context, settings):
    """A LUL 6 § notification "from" the school was refused with "Ogiltigt värde." at Aktualiserad av: the form
    names the route's basis and the two ways out, and keeps what was typed."""
    web = web_as(context, settings, "soc-0180")
    page = web.get("/arenden/nytt").text
    sent = dict(re.findall(r'<input type="hidden" name="(csrf|form_key)" value="([^"]*)"', page))
    typed = {"personnummer": "20090314-2388", "name": "Peter Exempel", "entry_route": "lul6",
             "referring_agency": "skola", "referral_date": "2026-02-01", "summary": "Misstänkt för rån.",
             "summary_category": "crime"}
    refused = web.post("/arenden/nytt", data={**sent, **typed}, follow_redirects=False)
    assert refused.status_code == 422, refused.text[:300]
    said = re.search(r'<p class="error" id="f-referring_agency-error">(.*?)</p>', refused.text).group(1)
    assert ("En LUL 6 § underrättelse kan inte komma från den aktören. Välj den aktör som skickade den, eller välj en"
            " annan väg under Hur ärendet kom in.") in said
    assert "Ogiltigt värde." not in refused.text
    assert '<option value="skola" selected>' in refused.text and "Misstänkt för rån.</textarea>" in refused.text
