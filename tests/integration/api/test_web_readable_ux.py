"""A caseworker's review of the web client: what the pages say must be understandable, and say no more than the
reader may see (each reads through CaseService as the user, as the API does)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.api.flows import ok, page_text, school_consented_case
from tests.integration.api.skew import web_as

ROW = {"area": "Skola", "category": "school", "goal": "Närvaro varje dag.", "how": "Mentor.",
       "responsible": "Mentor", "responsible_agencies": ["skola"]}


def _planned(client, users, tick, case_id: str) -> None:
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", json={"main_goal": "Gå i skolan.", "rows": [ROW]},
                   headers=users.social), 201)


def test_a_members_basis_says_who_consented_and_until_when_from_its_own_parts(client, users, tick, context,
                                                                             settings):
    """The basis read "samtycke f81622ed, c341a1ce, 818fbd4e": a school could not tell whose consent it was."""
    case_id, consents = school_consented_case(client, users, tick)
    _planned(client, users, tick, case_id)
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    # The young person by name, as the school sees the subject (since 2026-12-05: "den unge" alone).
    assert "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan, tills vidare" in page
    assert f"{consents[0][:8]}" in page   # the ids stay, in small print, for an auditor's precision
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/narrowings", headers=users.social, json={
        "consenter": _guardian_ids(client, users, case_id)[1], "valid_until": "2026-12-31",
        "scope": [{"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case"]}]}))
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    assert "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31" in page


def test_a_consent_basis_is_said_in_full_once_and_the_rows_after_point_to_it(client, users, tick, context, settings):
    """Every row of the school's timeline repeated "samtycke från den unge och vårdnadshavarna Maria och Johan,
    tills vidare (3 ids)": said in full on its first row, the rows after say "samma grund som ovan", a link to that
    row's basis with the whole basis, ids and all, in its title."""
    case_id, consents = school_consented_case(client, users, tick)
    _planned(client, users, tick, case_id)
    html = web_as(context, settings, "skola").get(f"/arenden/{case_id}").text
    full = "samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan, tills vidare"
    assert page_text(html).count(full) == 1
    links = re.findall(r'<a href="#([\w-]+)" title="([^"]+)">samma grund som ovan</a>', html)
    assert len(links) >= 2, html
    for target, title in links:
        assert f'id="{target}">{full}' in html and title.startswith(full + " (") and consents[0][:8] in title


def _guardian_ids(client, users, case_id: str) -> list[str]:
    timeline = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))
    return [g["guardian_id"] for g in next(f for f in timeline["facts"] if f["kind"] == "guardians")["content"]["guardians"]]


def test_a_member_not_seeing_the_consents_is_shown_their_ids_only(client, users, tick, context, settings):
    """Consent facts are `case`: a school that may see `school` only does not see who consented — not named."""
    case_id, consents = school_consented_case(client, users, tick, categories=("school",))
    _planned(client, users, tick, case_id)
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    timeline = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    assert "Närvaro varje dag." in page
    assert "Maria" not in timeline and "Johan" not in timeline and "den unge" not in timeline


def test_a_basis_told_by_its_ids_does_not_repeat_them_beside_it(client, users, tick, context, settings):
    """A school not seeing the consents read "samtycke f81622ed, c341a1ce, 818fbd4e (f81622ed, c341a1ce, 818fbd4e)":
    the ids in small print are for a basis told by who consented, not one told by the ids already."""
    case_id, consents = school_consented_case(client, users, tick, categories=("school",))
    _planned(client, users, tick, case_id)
    ids = ", ".join(c[:8] for c in consents)
    html = web_as(context, settings, "skola").get(f"/arenden/{case_id}").text
    assert f"samtycke {ids}" in page_text(html)
    assert f"({ids})" not in html, html


def test_after_the_consent_lapses_a_members_case_is_explained_not_a_blank_row(client, users, tick, context,
                                                                             settings):
    """A member whose consents no longer cover `case` keeps its own facts: its list showed "Ärende –" and the case
    page "Ärende" and its version number, with no word of why.  Now it says why — and still not the number or phase."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron har ökat."}), 201)
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[1]}/withdrawal", headers=users.social,
                   json={"consenter": _guardian_ids(client, users, case_id)[0]}))
    assert [r["case_number"] for r in ok(client.get("/api/v1/cases", headers=users.school))["cases"]] == [None]
    school = web_as(context, settings, "skola")
    listed = page_text(school.get("/arenden").text)
    assert "Ärende utan nummer för er (1 uppgift, den första " in listed
    assert "Samtycke ger er just nu inte del av ärendets nummer och fas" in listed
    page = page_text(school.get(f"/arenden/{case_id}").text)
    assert "Ärende utan nummer för er" in page and "Samtycke ger er just nu inte del av ärendets nummer" in page
    assert "Närvaron har ökat." in page
    for hidden in (number, "Maria", "Johan"):
        assert hidden not in listed and hidden not in page, hidden
    assert "Fas:" not in page   # the phase is the case's (`case`): the list's phase filter names them all
    # Social services, which sees the case, is told nothing of the kind.
    social = page_text(web_as(context, settings, "soc-0180").get("/arenden").text)
    assert number in social and "utan nummer" not in social
    school_list = school.get("/arenden").text
    assert "Samtycken i kraft" not in school_list and "Första samtycke upphör" not in school_list  # lead's columns


def test_a_withdrawal_is_recorded_only_when_confirmed(client, users, tick, context, settings):
    """Withdrawing a consent was one red click; now the form asks the caseworker to confirm it was withdrawn."""
    case_id, consents = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/samtycken").text
    assert "Jag bekräftar att samtycket har återkallats av Peter Exempel (den unge)" in page_text(page)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    path = f"/arenden/{case_id}/samtycken/{consents[0]}/aterkallelse"
    refused = social.post(path, data={"csrf": csrf, "consenter": "young_person"}, follow_redirects=False)
    assert refused.status_code == 422
    assert "Bekräfta att samtycket har återkallats: inget registrerades." in page_text(refused.text)
    assert f'id="f-confirm-{consents[0][:8]}"' in refused.text and 'aria-invalid="true"' in refused.text
    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
    assert not [f for f in facts if f["kind"] == "consent.withdrawn"]
    # Without the CSRF token the unconfirmed form is refused as any other, before anything is shown.
    assert social.post(path, data={"consenter": "young_person"}, follow_redirects=False).status_code == 403
    done = social.post(path, data={"csrf": csrf, "consenter": "young_person", "confirm": "on"},
                       follow_redirects=False)
    assert done.status_code == 303
    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
    assert [f["content"]["consent_id"] for f in facts if f["kind"] == "consent.withdrawn"] == [consents[0]]


def test_the_consent_picture_says_whose_consent_is_missing(client, users, tick, context, settings):
    """A guardian's consent withdrawn: the other two still "gäller" and the list counted 2 in force, while nothing
    was disclosed.  Each "–" now says whose consent is missing, and each card that its consent lets nothing out."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/withdrawal", headers=users.social,
                   json={"consenter": _guardian_ids(client, users, case_id)[1]}))
    social = web_as(context, settings, "soc-0180")
    html = social.get(f"/arenden/{case_id}/samtycken").text
    cell = re.search(r'<tr data-agency="skola">.*?<td data-category="school"[^>]*>(.*?)</td>', html, re.S).group(1)
    assert page_text(cell).strip() == "– samtycke saknas från Johan (vårdnadshavare)"
    untouched = re.search(r'<tr data-agency="skola">.*?<td data-category="health"[^>]*>(.*?)</td>', html, re.S)
    assert page_text(untouched.group(1)).strip() == "–"   # nobody's consent covers it: nothing "missing" to name
    for given in consents[:2]:
        card = page_text(re.search(rf'<section class="consent" id="consent-{given[:8]}">(.*?)</section>', html,
                               re.S).group(1))
        assert ("Samtycket gäller men lämnar inte ut något just nu: samtycke saknas från Johan (vårdnadshavare)."
                in card), card
    listed = page_text(social.get("/arenden").text)
    assert "De lämnar ut något först när alla som behövs har samtyckt" in listed


def test_the_consent_picture_says_yes_where_a_consent_without_case_lets_a_category_out(client, users, tick, context,
                                                                                       settings):
    """Everyone let the school see `school` but not `case`: the school read the plan's school row under those
    consents, while social services' table said "–" at Skolan – Skola, with no consent named as missing. Its probe
    came from no agency, which the rules took for a member whose part in the case is `case`."""
    case_id, consents = school_consented_case(client, users, tick, categories=("school",))
    _planned(client, users, tick, case_id)
    assert "Närvaro varje dag." in page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}/plan").text)
    html = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/samtycken").text
    cell = re.search(r'<tr data-agency="skola">.*?<td data-category="school"[^>]*>(.*?)</td>', html, re.S).group(1)
    assert page_text(cell).strip() == "ja", cell
    case_cell = re.search(r'<tr data-agency="skola">.*?<td data-category="case"[^>]*>(.*?)</td>', html, re.S)
    assert page_text(case_cell.group(1)).strip() == "–"   # nobody's consent covers it


def test_the_consent_form_says_which_recipient_no_secrecy_binds(client, users, tick, context, settings):
    """A voluntary organisation is no public authority: what a consent lets out to it is not protected by secrecy
    there, and the young person and guardians are to be told so before they consent (a domain review)."""
    case_id, _ = school_consented_case(client, users, tick)
    html = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/samtycken").text
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)(.*?)</th>', html[html.index('id="f-scope"'):], re.S))
    marked = [name for name, rest in rows.items() if "omfattas inte av sekretess" in rest]
    assert marked == ["Frivilligorganisation"] and "Skolan" in rows
    assert "skyddas inte av sekretess hos mottagaren" in page_text(html)


def test_each_box_of_a_recipient_no_secrecy_binds_is_described_by_the_warning(client, users, tick, context, settings):
    """The warning under the table was tied to nothing: a screen reader ticking "Frivilligorganisation: Ärendet"
    never heard that secrecy does not protect there what the consent lets out."""
    case_id, _ = school_consented_case(client, users, tick)
    html = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/samtycken").text
    assert 'id="f-scope-secrecy"' in html
    boxes = re.findall(r'<input type="checkbox" name="scope" value="([^":]+):[^"]*"([^>]*)>', html)
    described = {agency for agency, rest in boxes if 'aria-describedby="f-scope-secrecy"' in rest}
    assert described == {"frivilligorganisation"}, described


def test_a_closed_case_offers_no_forms_but_says_why(client, users, tick, context, settings):
    """A closed case's tabs offered every form, and refused what was typed in them only on sending."""
    case_id, _ = school_consented_case(client, users, tick)
    guardians_before = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/vardnadshavare").text)
    assert "Förälder eller vårdnadshavare 1" in guardians_before and "Har vårdnaden om den unge" in guardians_before
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
    social, school = web_as(context, settings, "soc-0180"), web_as(context, settings, "skola")
    for slug in ("beslut", "vardnadshavare", "samtycken", "grupp", "plan", "moten", "uppfoljning"):
        html = social.get(f"/arenden/{case_id}/{slug}").text
        assert "Ärendet är avslutat: inget mer kan registreras i det" in html, slug
        posting = re.findall(r'<form method="post"[^>]*>', html)
        assert all('action="/syfte"' in f or 'action="/logga-ut"' in f for f in posting), (slug, posting)
    assert "Maria (har vårdnaden)" in page_text(social.get(f"/arenden/{case_id}/vardnadshavare").text)
    # The consents no longer show the group anything (rules version 7), and the picture says so.
    assert "gruppens arbete har upphört" in page_text(social.get(f"/arenden/{case_id}/samtycken").text)
    # The school recorded nothing of its own: the group's work over, the case is no longer there for it.
    assert school.get(f"/arenden/{case_id}/plan").status_code == 404


READABLE = "samtycke från den unge och vårdnadshavarna Maria och Johan, tills vidare"
# An agency's own pages name the young person where it sees the name (the auditors' log keeps the role word).
READABLE_NAMED = READABLE.replace("den unge", "Peter Exempel (den unge)")


def test_the_meetings_and_follow_ups_say_who_consented_as_the_timeline_does(client, users, tick, context, settings):
    """The meetings and follow-up pages still read "samtycke f81622ed, c341a1ce, 818fbd4e": they were given the
    meeting's or the follow-ups' facts alone, among which the reader's consent facts are not."""
    case_id, consents = school_consented_case(client, users, tick,
                                              others={"polis": ["case"], "socialtjanst": ["school"]})
    _planned(client, users, tick, case_id)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-03", "attendees": ["skola"],
        "outcomes": [{"origin_agency": "socialtjanst", "category": "school", "text": "Mentor ordnas."}]}), 201)
    row_id = ok(client.get(f"/api/v1/cases/{case_id}/plan", headers=users.social))["rows"][0]["content"]["row_id"]
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/follow-ups", headers=users.school,
                   json={"row_id": row_id, "status": "ongoing", "note": "Närvaron ökar."}), 201)
    school, social = web_as(context, settings, "skola"), web_as(context, settings, "soc-0180")
    meetings = page_text(school.get(f"/arenden/{case_id}/moten").text)
    assert "Mentor ordnas." in meetings and READABLE_NAMED in meetings
    assert f"({consents[0][:8]}, " in meetings   # the ids stay, in small print, as on the timeline
    follow_ups = page_text(social.get(f"/arenden/{case_id}/uppfoljning").text)
    assert "Närvaron ökar." in follow_ups and READABLE_NAMED in follow_ups
    # The auditor's disclosure log says it too, as the consents stood at each row's moment: a later end date is
    # not told of the rows before it.
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/narrowings", headers=users.social, json={
        "consenter": _guardian_ids(client, users, case_id)[1], "valid_until": "2026-12-31",
        "scope": [{"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case"]},
                  {"agency": "socialtjanst", "categories": ["school"]}]}))
    log = page_text(web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/utlamnanden",
                                                     params={"myndighet": "skola"}).text)
    assert "Mentor ordnas. " + READABLE in log
    for page in (meetings, follow_ups, log):
        assert not re.search(r"samtycke [0-9a-f]{8}, [0-9a-f]{8}", page.replace("samtycke från", "")), page


def test_a_basis_by_law_names_the_law(client, users, tick, context, settings):
    """A notification under SoL 14 kap. reaches social services by law: its basis names the law, not an id."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school, json={
        "category": "school", "text": "Oroande frånvaro.", "legal_basis": "sol14"}), 201)
    timeline = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}").text)
    assert "lag: SoL 14 kap. 1 § orosanmälan" in timeline and "sol14" not in timeline
    log = page_text(web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/utlamnanden",
                                                     params={"myndighet": "socialtjanst"}).text)
    assert "lag: SoL 14 kap. 1 § orosanmälan" in log


def test_a_members_case_list_is_not_headed_as_the_municipalitys(client, users, tick, context, settings):
    """The school's and the police's lists were headed "Kommunens ärenden": they hold only the cases the agency
    takes part in.  Social services keeps its heading."""
    school_consented_case(client, users, tick)
    for user in ("skola", "polis"):
        listed = web_as(context, settings, user).get("/arenden").text
        assert "<h1 id=\"cases-heading\">Ärenden där ni är med</h1>" in listed and "Kommunens ärenden" not in listed, user
    assert "<h1 id=\"cases-heading\">Kommunens ärenden</h1>" in web_as(context, settings, "soc-0180").get("/arenden").text


_NOT_SWEDISH_QUOTES = re.compile(r'["“„«»]')


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def test_user_facing_swedish_quotes_with_the_swedish_marks():
    """Swedish typography quotes ”so”: the texts mixed «…» (an unknown agency, a plan's main goal, an unknown basis
    or cause) with none at all.  Every text, every template's text and the text modules' wordings of the unknown."""
    from pathlib import Path

    from domain.disclosure import Cause
    from domain.judge import Basis
    from services import (access_log_text, audit_text, basis_text, presentation, protection_text, standing_text,
                          wording)
    from services.catalogue_loader import load_catalogue
    from services.web import audit_texts, error_texts, form_texts, texts

    found = [s for module in (texts, audit_texts, form_texts, error_texts)
             for name in dir(module) if name.isupper() for s in _strings(getattr(module, name))
             if _NOT_SWEDISH_QUOTES.search(s)]
    found += [s for module in (presentation, basis_text, audit_text, standing_text, protection_text,
                               access_log_text, wording)
              for name in dir(module) if name.lstrip("_").isupper()
              for s in _strings(getattr(module, name)) if _NOT_SWEDISH_QUOTES.search(s)]
    for template in sorted(Path(texts.__file__).parent.joinpath("templates").glob("*.html")):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", template.read_text(), flags=re.S)
        text = re.sub(r"<[^>]*>", " ", re.sub(r'\s[\w-]+="[^"]*"', "", text))   # attributes, cut by a tag too
        found += [f"{template.name}: {m}" for m in _NOT_SWEDISH_QUOTES.findall(text)]
    catalogue = load_catalogue()
    worded = [basis_text.describe_basis(Basis("altered"), catalogue, recipient="socialtjanst"),
              basis_text.describe_basis(Basis("law", legal_basis="lag_99"), catalogue, recipient="socialtjanst"),
              basis_text.describe_cause([Cause("altered")], catalogue),
              presentation.describe_fact(_goal(), catalogue)]
    assert worded[-1] == ("Åtgärdsplan, revision 1: huvudmål ”Gå i skolan.”; upprättad i samråd med den unge:"
                          " ej angivet")
    assert worded[0] == "okänd grund ”altered”"
    found += [w for w in worded if _NOT_SWEDISH_QUOTES.search(w)]
    assert not found, found


def _goal():
    from datetime import timedelta, datetime, timezone

    from domain.facts import Fact
    return Fact("f", 1, "plan.goal", "case", "socialtjanst", datetime(2026, 2, 2, tzinfo=timezone.utc),
                {"revision": 1, "main_goal": "Gå i skolan."})


def test_every_page_links_the_icon_and_favicon_ico_answers_with_it(context, settings):
    """Browsers asked for /favicon.ico on every page and got a 404 (a line in every log, an empty tab icon)."""
    web = web_as(context, settings, "soc-0180")
    for path in ("/arenden", "/logga-in", "/finns-inte"):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in web.get(path).text, path
    icon = web.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert "<script" not in icon.text and "style=" not in icon.text   # nothing the CSP would have to allow
    moved = web.get("/favicon.ico", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/static/favicon.svg"
    assert web.get("/favicon.ico").status_code == 200
    signed_out = TestClient(web.app)   # no session: a browser asks before anyone signs in
    assert signed_out.get("/favicon.ico", follow_redirects=False).status_code == 301


def test_a_meeting_reads_as_minutes_not_a_table_of_facts(client, users, tick, context, settings):
    """The meetings page was the timeline's table, a row per part: "Mötet 2026-02-03, beslut: …" under "När",
    "Från", "Kategori" columns.  Now: the date, who took part, the outcomes by agency and the decisions, each in
    Swedish with its category by name and its basis."""
    case_id, _ = school_consented_case(client, users, tick, others={"polis": ["case"], "socialtjanst": ["school"]})
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social, json={
        "held_on": "2026-02-03", "attendees": ["skola", "polis"], "other_attendees": ["den unge"],
        "outcomes": [{"category": "school", "origin_agency": "skola", "text": "Närvaron har ökat."}],
        "decisions": [{"text": "Nytt möte om fyra veckor.", "category": "school"}], "next_meeting": "2026-03-10"}), 201)
    for user in ("soc-0180", "skola"):
        html = web_as(context, settings, user).get(f"/arenden/{case_id}/moten").text
        section = html[html.index('<section class="meeting">'):html.index("</section>")]
        page = page_text(section)
        assert "<table" not in section, user
        assert "Nätverksmöte 2026-02-03" in page and "Nästa möte: 2026-03-10" in page, user
        assert "Deltog Polisen, Skolan" in page and "Andra deltagare den unge" in page, user
        assert "Resultat Skolan (kategori Skola): Närvaron har ökat. Grund: samtycke från Peter Exempel (den unge)" in page, user
        assert "Beslut Nytt möte om fyra veckor. (kategori Skola) Grund:" in page, user
        # Its own meeting to social services, which recorded it: "er egen uppgift" (it read "egen uppgift
        # (myndigheten är ursprung)", as if it had to find out which agency).
        assert ("registrerat" in page and "Grund: er egen uppgift" in page) == (user == "soc-0180"), user
        assert "myndigheten är ursprung" not in page, user
        for raw in ("skola", "polis", "school", "meeting_id", "{", "held_on", "Mötet 2026-02-03,"):
            assert raw not in page, (user, raw)


def _latest_seen(client, headers, case_id: str) -> str:
    """When the latest fact the reader sees was recorded, as the web shows times (Stockholm, to the minute)."""
    from datetime import datetime
    from services.web.pages import _when

    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=headers))["facts"]
    return _when(max(datetime.fromisoformat(f["recorded_at"]) for f in facts))


def test_the_case_head_says_when_what_the_reader_sees_last_changed_and_an_unseen_change_does_not_move_it(
        client, users, tick, context, settings):
    """The head said "Din version: 7", a number that told a caseworker nothing.  It says when the latest fact the
    reader sees was recorded — and a fact the reader may not see leaves it as it was: its time would tell that
    something happened in the case."""
    case_id, _ = school_consented_case(client, users, tick)
    tick(60)
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron har ökat."}), 201)
    seen = _latest_seen(client, users.school, case_id)
    page = page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    assert f"Senast ändrat: {seen}" in page and "Din version" not in page
    tick(60)
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.social,
                   json={"category": "health", "text": "Samtal hos BUP."}), 201)   # the school may not see `health`
    assert _latest_seen(client, users.school, case_id) == seen
    assert f"Senast ändrat: {seen}" in page_text(web_as(context, settings, "skola").get(f"/arenden/{case_id}").text)
    social = page_text(web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}").text)
    assert f"Senast ändrat: {_latest_seen(client, users.social, case_id)}" in social
    assert _latest_seen(client, users.social, case_id) != seen


def test_an_auditors_replay_says_when_the_case_did_not_exist_yet_or_the_moment_is_to_come(app, client, users, tick,
                                                                                          context, settings):
    """The web client's replay said "Inget att visa." before the case existed, and for a moment to come showed
    today's answer as if it were that day's; `sigill audit replay` says both, and so does the page now."""
    case_id, _ = school_consented_case(client, users, tick)
    auditor = web_as(context, settings, "ivo")
    page = lambda tid: page_text(auditor.get(f"/granskning/arenden/{case_id}",  # noqa: E731
                                         params={"myndighet": "skola", "tid": tid}).text)
    before = page("2020-01-01T00:00")
    assert "Obs: ärendet registrerades först 20" in before and "vid tidpunkten fanns det inte." in before
    assert "Obs: tidpunkten ligger i framtiden" in page("2199-01-01T00:00")
    # A time names its whole second (or minute): the one before this one is past, this one not wholly yet.
    now = page((app.clock.now() - timedelta(seconds=1)).isoformat(timespec="seconds"))
    assert "Synligt för Skolan vid" in now and "Obs:" not in now


def test_the_ledger_page_counts_its_checkpoints_in_swedish_and_says_they_are_the_installations_own(
        client, users, tick, context, settings):
    """It read "1 signerade kontrollpunkter" and "Liggaren är intakt." with no word that the installation's own
    checkpoints prove nothing against whoever can rewrite the ledger and them, as the command line and the report
    say."""
    from services.wording import checkpoints_confirmed

    school_consented_case(client, users, tick)
    ok(client.post("/api/v1/admin/ledger/seal", headers=users.headers("socialtjanst", "administrator")))
    page = page_text(web_as(context, settings, "ivo").get("/granskning/liggaren").text)
    assert "Liggaren är intakt." in page and "installationens egna kontrollpunkter" in page
    assert "--checkpoints" in page
    assert checkpoints_confirmed(1) == "1 signerad kontrollpunkt bekräftad"
    assert checkpoints_confirmed(1234) == "1\u202f234 signerade kontrollpunkter bekräftade"
    ledger, _ = context.verify_ledger()
    assert f"{checkpoints_confirmed(ledger.checkpoints)}." in page, page


def test_a_members_phase_filter_offers_the_phases_its_cases_can_have(client, users, tick, context, settings):
    """A member is in the group only of a case found eligible (decided once): "aktualiserad" and "inte aktuell" in
    its filter could only ever list nothing, nor can "avslutad" since the group's work ends with the case (rules
    version 7).  Social services is offered every phase."""
    school_consented_case(client, users, tick)

    def offered(who: str) -> list[str]:
        page = web_as(context, settings, who).get("/arenden").text
        select = page[page.index('<select id="f-fas"'):]
        return re.findall(r'<option value="([a-z]*)"', select[:select.index("</select>")])

    assert offered("skola") == ["", "accepted", "active"]
    assert offered("soc-0180") == ["", "referred", "accepted", "declined", "active", "closed"]


def test_the_catalogue_tells_an_integrator_which_agency_no_secrecy_binds(client, users):
    agencies = ok(client.get("/api/v1/catalogue", headers=users.social))["agencies"]
    assert {a["id"]: a["bound_by_secrecy"] for a in agencies if not a["bound_by_secrecy"]} == {
        "frivilligorganisation": False}
    assert all(isinstance(a["bound_by_secrecy"], bool) for a in agencies)
    bases = ok(client.get("/api/v1/catalogue", headers=users.social))["legal_bases"]
    assert {b["id"]: b["under_age"] for b in bases} == {"lul6": 18, "sol14": 18, "osl10_18a": 21}


def test_a_closed_cases_picture_names_no_missing_consent(client, users, tick, context, settings):
    """After the closure nothing is disclosed whoever consents, yet each "–" still said "samtycke saknas från Johan
    (vårdnadshavare)" and the page that the guardians' consents stop counting at 18: as if a consent would open it."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[2]}/withdrawal", headers=users.social,
                   json={"consenter": _guardian_ids(client, users, case_id)[1]}))
    social = web_as(context, settings, "soc-0180")
    before = page_text(social.get(f"/arenden/{case_id}/samtycken").text)
    assert "samtycke saknas från Johan" in before
    assert "Peter Exempel (den unge) fyller 18 år 2027-03-14: då upphör" in before   # named, as social services may
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "other", "outcome": "Arbetet är avslutat."}))
    html = social.get(f"/arenden/{case_id}/samtycken").text
    page = page_text(html)
    assert "samtyckena ger inte längre någon aktör i gruppen del av något" in page
    assert "samtycke saknas" not in page.split("Lämnade samtycken")[0]
    assert "fyller 18 år" not in page
    # Nor do the cards: they said "gäller" and "samtycke saknas från Johan", as if a consent could still open
    # something.  A consent in its days reads as disclosing nothing since the closure; the withdrawn one as before.
    assert "samtycke saknas" not in page
    for given in consents[:2]:
        assert _heading(html, given).endswith(" · lämnar inte ut något sedan ärendet avslutades 2026-02-03"), given
    assert _heading(html, consents[2]).endswith(" · återkallat")
    # The domain records nothing more on a closed case, a withdrawal neither: no form, and no new consent offered.
    assert "/aterkallelse" not in html and "samma_som" not in html and "Nytt samtycke med samma" not in page


def _card(html: str, consent_id: str) -> str:
    return re.search(rf'<section class="consent" id="consent-{consent_id[:8]}">(.*?)</section>', html,
                     re.S).group(1)


def _heading(html: str, consent_id: str) -> str:
    return page_text(re.search(r"<h3>(.*?)</h3>", _card(html, consent_id), re.S).group(1)).strip()


def test_each_consent_card_says_its_form(client, users, tick, context, settings):
    """Written or oral (documented) was recorded with each consent and shown nowhere."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    oral = ok(client.post(f"/api/v1/cases/{case_id}/consents", headers=users.social, json={
        "consenter": "young_person", "scope": [{"agency": "polis", "categories": ["school"]}],
        "purpose": "Samverkan", "valid_from": "2026-02-03", "form": "oral_documented"}), 201)["created"]
    html = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/samtycken").text
    assert "Form: Skriftligt" in page_text(_card(html, consents[0]))
    assert "Form: Muntligt, dokumenterat" in page_text(_card(html, oral))
    assert "Skriftligt" not in page_text(_card(html, oral))


def _grant_form(html: str) -> str:
    after = html[html.index('<h2 id="grant">'):]
    return after[:after.index("</form>")]


def _ticked(form: str) -> set[str]:
    return set(re.findall(r'name="scope" value="([^"]+)"[^>]*\bchecked\b', form))


def _value(form: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', form).group(1)


def test_a_new_consent_starts_from_another_ones_scope(client, users, tick, context, settings):
    """Three consents of the same scope were 99 boxes to tick each time.  Each card links to the form filled from
    its consent (by the id the card shows), scope, purpose and end; who consents, and how, are still chosen."""
    case_id, consents = school_consented_case(client, users, tick, others={"polis": ["case"],
                                                                           "frivilligorganisation": ["health"]})
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[0]}/narrowings", headers=users.social, json={
        "consenter": "young_person", "valid_until": "2026-12-31",
        "scope": [{"agency": "skola", "categories": ["case", "school"]}, {"agency": "polis", "categories": ["case"]}]}))
    social = web_as(context, settings, "soc-0180")
    page = social.get(f"/arenden/{case_id}/samtycken").text
    short = consents[0][:8]
    link = f"/arenden/{case_id}/samtycken?samma_som={short}#grant"
    assert f'href="{link}"' in _card(page, consents[0])
    assert f"Nytt samtycke med samma omfattning som samtycke {short}" in page_text(_card(page, consents[0]))
    empty = _grant_form(page)
    assert _ticked(empty) == set() and "consent-copied" not in page
    filled_page = social.get(link.split("#")[0]).text
    filled = _grant_form(filled_page)
    # As narrowed: the voluntary organisation's part is no longer in it.
    assert _ticked(filled) == {"skola:case", "skola:school", "polis:case"}
    assert _value(filled, "purpose") == "Samverkan"
    assert _value(filled, "valid_from") == "2026-02-03"   # it started 2026-02-02: a consent given now starts today
    assert _value(filled, "valid_until") == "2026-12-31"
    assert re.search(r'<option value="[^"]*" selected>', filled.split('name="consenter"')[1].split("</select>")[0]) \
        is None   # the caseworker chooses who consents
    assert f"ifyllda från samtycke {short}" in page_text(filled_page)
    assert 'action="/arenden/' + case_id + '/samtycken"' in filled   # no query: sent as any consent form
    # A bad or unknown id is the empty form, never an error.
    for bad in ("ffffffff", consents[0], "x" * 300, "", "%00"):
        shown = social.get(f"/arenden/{case_id}/samtycken?samma_som={bad}")
        assert shown.status_code == 200, bad
        assert _ticked(_grant_form(shown.text)) == set() and "consent-copied" not in shown.text, bad
    # Sent with a consenter chosen, it is recorded once, however often it is sent.
    data = {name: _value(filled, name) for name in ("csrf", "form_key", "expected_version", "purpose", "valid_from",
                                                     "valid_until")}
    data.update(consenter="young_person", scope=sorted(_ticked(filled)), form="written")
    tick()
    for _ in range(2):
        sent = social.post(f"/arenden/{case_id}/samtycken", data=data, follow_redirects=False)
        assert sent.status_code == 303, sent.text
    facts = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"]
    granted = [f["content"] for f in facts if f["kind"] == "consent.granted"]
    assert len(granted) == 4
    assert sorted((a, tuple(c)) for a, c in granted[-1]["scope"]) == [("polis", ("case",)),
                                                                      ("skola", ("case", "school"))]
    assert (granted[-1]["valid_from"], granted[-1]["valid_until"]) == ("2026-02-03", "2026-12-31")


def test_each_tab_of_a_case_has_a_title_of_its_own(client, users, tick, context, settings):
    """Every tab of a case was titled "Ärende 0180-2026-0001 – Sigill": a screen reader announcing the page, the
    browser's history and its tabs could not tell the consents from the plan (WCAG 2.4.2)."""
    case_id, _ = school_consented_case(client, users, tick)
    titles = {}
    for user, slugs in (("soc-0180", ["", "beslut", "samtycken", "plan"]), ("skola", ["plan", "moten"])):
        web = web_as(context, settings, user)
        for slug in slugs:
            page = web.get(f"/arenden/{case_id}" + (f"/{slug}" if slug else ""))
            assert page.status_code == 200
            titles[(user, slug)] = re.search(r"<title>(.*?)</title>", page.text).group(1)
    number = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"][0]["content"]["case_number"]
    assert titles[("soc-0180", "samtycken")] == f"Samtycken – Ärende {number} – Sigill"
    assert titles[("soc-0180", "")] == f"Tidslinje – Ärende {number} – Sigill"
    assert titles[("skola", "moten")] == f"Möten – Ärende {number} – Sigill"
    assert len(set(titles.values())) == len(titles) - 1   # the plan is the plan, whoever reads it


def _unnumbered_case(client, users, tick) -> tuple[str, str]:
    """A case whose consents no longer cover `case` for the school, which keeps its own contribution; its id and
    number (which the school must not be told)."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron har ökat."}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/consents/{consents[1]}/withdrawal", headers=users.social,
                   json={"consenter": _guardian_ids(client, users, case_id)[0]}))
    number = next(r["case_number"] for r in ok(client.get("/api/v1/cases", headers=users.social))["cases"]
                  if r["case_id"] == case_id)
    return case_id, number


def _row(page: str, case_id: str) -> str:
    return page_text(re.search(rf'<tr[^>]*><td[^>]*><a href="/arenden/{case_id}">.*?</tr>', page, re.S).group(0)
                     ).strip()


def test_a_members_rows_without_a_number_are_told_apart_by_what_it_sees_and_nothing_more(client, users, tick, app,
                                                                                          context, settings):
    """Two cases whose number the school may not see read "Ärende utan nummer för er (1 uppgift)" both: which was
    which, it could not tell without opening them.  Each row now says the day of the first fact the school sees —
    its timeline's first row — and nothing else of the case: not its number, phase, referral or the day it began."""
    first, first_number = _unnumbered_case(client, users, tick)
    app.clock.advance(timedelta(days=3))
    second, second_number = _unnumbered_case(client, users, tick)
    school = web_as(context, settings, "skola")
    listed = school.get("/arenden").text
    rows = {case_id: _row(listed, case_id) for case_id in (first, second)}
    assert rows[first] != rows[second], rows
    for case_id in (first, second):
        timeline = school.get(f"/arenden/{case_id}").text
        days = re.findall(r'<td[^>]* class="when">(\d{4}-\d{2}-\d{2})', timeline)
        assert days, "the school's timeline shows its own contribution"
        # Exactly the count and the timeline's first day beside the words, and the phase's "–": nothing more.
        assert rows[case_id] == f"Ärende utan nummer för er (1 uppgift, den första {min(days)}) –", rows[case_id]
    for hidden in (first_number, second_number, "2026-02-01", "2026-02-02", "Maria", "Johan", "Peter"):
        assert hidden not in page_text(listed), hidden
    # Social services' list, which has the numbers, is as it was.
    social = page_text(web_as(context, settings, "soc-0180").get("/arenden").text)
    assert first_number in social and "den första" not in social
