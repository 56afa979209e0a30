"""A caseworker's forms refused in the browser: each says what is missing in Swedish, where it is missing, puts the
focus on the summary of what to mend, and records nothing that says nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import seed, ui
from tests.e2e.test_accessibility import assert_errors_are_tied_to_their_fields

FOCUSED_ID = "document.activeElement && document.activeElement.id"


def test_a_plan_left_without_rows_is_refused_in_swedish_beside_its_rows(server, signed_in_page):
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.accepted_case(page)
    ui.tab(page, case_id, "plan")
    page.get_by_label("Huvudmål").fill("Gå i skolan varje dag.")
    page.locator("#f-young_person_took_part input[value=true]").check()   # the rows alone refused
    page.get_by_role("button", name="Spara ny revision").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Planens rader: Fyll i minst en rad")
    expect(summary).not_to_contain_text("rows")                      # the model's field name, in English
    assert page.locator(summary.locator("a").first.get_attribute("href")).count() == 1   # leads somewhere
    assert [e["owner"] for e in assert_errors_are_tied_to_their_fields(page, "plan")] == ["f-rows"]
    expect(page.get_by_label("Huvudmål")).to_have_value("Gå i skolan varje dag.")


def test_a_guardian_list_left_empty_asks_the_first_rows_name_in_swedish_beside_it(server, signed_in_page):
    """Its rows' custody is ticked as a fresh form's are: it said "Ange minst en förälder eller vårdnadshavare." of
    the whole list, not which name to write."""
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.open_referral(page, ui.sixteen_year_old())
    ui.tab(page, case_id, "vardnadshavare")
    page.get_by_role("button", name="Spara vårdnadshavare").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Förälder eller vårdnadshavare 1 – Namn: Skriv namnet")
    expect(summary).not_to_contain_text("guardians")
    assert summary.locator("a").first.get_attribute("href") == "#f-guardians-0-name"
    assert page.locator("#f-guardians-0-name").count() == 1
    assert [e["owner"] for e in assert_errors_are_tied_to_their_fields(page, "guardians")] == ["guardians.0.name"]


def test_a_refused_form_puts_the_focus_on_its_summary_of_errors(server, signed_in_page):
    page = signed_in_page(ui.SOCIAL)
    page.goto("/arenden/nytt")
    page.get_by_label("Den unges namn").fill("Kim Fokus")
    page.get_by_role("button", name="Öppna ärendet").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert page.evaluate(FOCUSED_ID) == "error-summary"
    page.keyboard.press("Tab")                           # and from there on to the first field to mend
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#f-personnummer"


def test_an_empty_meeting_is_not_recorded(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    for recorded, user in enumerate((ui.SOCIAL, ui.SCHOOL)):
        page = signed_in_page(user)
        ui.tab(page, str(group.case_id), "moten")
        page.get_by_role("button", name="Spara mötet").click()     # the date is filled in; nothing else
        expect(page.locator("#error-summary")).to_contain_text("Deltagande aktörer: Ange vilka som deltog")
        assert_errors_are_tied_to_their_fields(page, f"{user} meeting")
        expect(page.locator("section.meeting")).to_have_count(recorded)   # none more
        page.locator("#f-attendees input[value=skola]").check()   # who attended is a meeting's record
        page.get_by_role("button", name="Spara mötet").click()
        expect(page.locator("#saved")).to_contain_text("Mötet är registrerat.")
    expect(page.locator("section.meeting")).to_have_count(2)


def test_a_recorded_guardians_name_is_not_optional_and_emptying_it_says_how_custody_ends(server, signed_in_page):
    """The name field read "Namn (valfritt)" and the page "Tomma rader hoppas över", yet a recorded guardian's name
    emptied was refused with "Fältet måste fyllas i.": the caseworker could not tell how to record that a parent no
    longer has custody."""
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "vardnadshavare")
    recorded, new = page.locator("label[for=f-guardians-1-name]"), page.locator("label[for=f-guardians-2-name]")
    expect(recorded).not_to_contain_text("valfritt")
    expect(new).to_contain_text("valfritt")
    page.locator("#f-guardians-1-name").fill("")
    page.get_by_role("button", name="Spara vårdnadshavare").click()
    expect(page.locator("#f-guardians-1-name-error")).to_contain_text("kryssa ur rutan")
    assert_errors_are_tied_to_their_fields(page, "guardians")
    expect(page.locator("#f-guardians-0-name")).to_have_value("Maria Exempelsson")


def test_a_form_refused_right_after_a_save_does_not_say_it_was_saved(server, signed_in_page):
    """A form without an action posts to the page's own address, which after a save carries ?sparat=: the next
    consent refused came back saying "Samtycket är registrerat." above "Formuläret innehåller fel" — a caseworker
    registering the guardians' consents one after another could take the second for registered."""
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.SOCIAL)
    ui.tab(page, str(group.case_id), "moten")
    page.locator("#f-attendees input[value=skola]").check()
    page.get_by_role("button", name="Spara mötet").click()
    expect(page.locator("#saved")).to_contain_text("Mötet är registrerat.")
    page.get_by_label("Mötesdatum").fill("")                                   # the next one, with a mistake
    page.locator("#f-attendees input[value=skola]").check()
    page.get_by_role("button", name="Spara mötet").click()
    expect(page.locator("#error-summary")).to_contain_text("Mötesdatum")
    expect(page.locator("#saved")).to_have_count(0)
    expect(page.locator("section.meeting")).to_have_count(1)


def test_a_referral_for_a_young_person_with_an_open_case_names_it_and_opens_another_only_when_ticked(server,
                                                                                                    signed_in_page):
    page = signed_in_page(ui.SOCIAL)
    person = ui.sixteen_year_old()
    first = ui.open_referral(page, person)
    ui.send_referral(page, person, name="Kim Andra")
    warning = page.locator("#duplicate")
    expect(warning).to_contain_text("Det finns redan ett öppet ärende för den här personen: 0180-")
    assert warning.get_by_role("link", name="0180-").get_attribute("href") == f"/arenden/{first}"
    assert page.evaluate(FOCUSED_ID) == "duplicate"                       # read first, as an error summary is
    warning.get_by_role("link", name="Öppna det ärendet, eller kryssa i").click()   # what to do, led to the box
    expect(page.get_by_label("Registrera ändå")).to_be_in_viewport()
    expect(page.get_by_label("Den unges namn")).to_have_value("Kim Andra")   # what was typed, given back
    expect(page.get_by_label("Personnummer eller samordningsnummer")).to_have_value(person)
    page.get_by_role("button", name="Öppna ärendet").click()                 # not ticked: asked again
    expect(page.locator("#duplicate")).to_be_visible()
    page.get_by_label("Registrera ändå").check()
    page.get_by_role("button", name="Öppna ärendet").click()
    page.wait_for_load_state()
    assert ui.case_id_of(page) != first
    expect(page.locator("#saved")).to_be_visible()


def test_a_new_revision_not_saying_whether_the_young_person_took_part_is_refused_beside_the_question(
        server, signed_in_page):
    """Left blank, a revision that only edited a row recorded "Ej angivet": each new revision says Ja or Nej."""
    page = signed_in_page(ui.SOCIAL)
    case_id = ui.accepted_case(page)
    ui.tab(page, case_id, "plan")
    page.get_by_label("Huvudmål").fill("Gå i skolan varje dag.")
    page.locator("#f-rows-0-area").fill("Skola")
    page.locator("#f-rows-0-goal").fill("Komma i tid.")
    page.locator("#f-rows-0-how").fill("Väckarklocka.")
    page.locator("#f-rows-0-responsible").fill("Mentor")
    page.get_by_role("button", name="Spara ny revision").click()
    expect(page.locator("#f-young_person_took_part-error")).to_contain_text("Svara Ja eller Nej")
    assert [e["owner"] for e in assert_errors_are_tied_to_their_fields(page, "plan")] == ["f-young_person_took_part"]
    expect(page.get_by_label("Huvudmål")).to_have_value("Gå i skolan varje dag.")   # nothing lost
    expect(page.locator("#f-rows-0-goal")).to_have_value("Komma i tid.")
    page.locator("#f-young_person_took_part input[value=false]").check()
    page.get_by_label("Skäl till att den unge inte deltog").fill("Den unge var sjuk.")
    page.get_by_role("button", name="Spara ny revision").click()
    expect(page.locator("#revision-1 dl.participation")).to_contain_text("Den unge var sjuk.")
