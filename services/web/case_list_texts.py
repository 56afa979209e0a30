"""The texts of the case lists, their filters and the search by case number, and of a new referral (ny
aktualisering) with the duplicate it may find.  Part of ``texts.T``, which the templates read."""

from __future__ import annotations


CASE_LISTS: dict[str, str] = {
    "cases_title": "Ärenden", "cases_mine": "Mina ärenden", "cases_municipality": "Kommunens ärenden",
    "cases_member": "Ärenden där ni är med",
    "cases_none": "Inga ärenden att visa.", "cases_none_open": "Registrera en ny aktualisering",
    "filter_phase": "Fas", "filter_all": "Alla faser", "filter_all_agencies": "Alla aktörer",
    "filter": "Filtrera", "find_number": "Ärendenummer", "find": "Sök", "find_hint": "t.ex. 0180-2026-0001",
    "category_from_area": "Efter området (listans områden)",
    "category_hint": ("Kategorin avgör vilka aktörer som får se raden. Ett område utanför listan måste få en"
                      " kategori."),
    # An agency of the catalogue, a voluntary organisation too (no "myndighet"), or a reader outside it (JO, IVO).
    "choose_actor": "Välj en aktör.",
    "find_not_a_number": "Skriv ett ärendenummer, till exempel 0180-2026-0001 (sök inte på personnummer).",
    "col_number": "Ärende", "col_phase": "Fas", "col_next_meeting": "Planerat möte", "col_plan": "Planrevision",
    "col_facts": "Uppgifter", "col_consents": "Samtycken i kraft", "col_consent_end": "Första samtycke upphör",
    "cases_consents_closed": "– (ärendet är avslutat)",
    "new_title": "Ny aktualisering", "new_intro": "Ett ärende öppnas när den unge blir aktuell hos socialtjänsten.",
    "new_submit": "Öppna ärendet",
    "duplicate_found": "Det finns redan ett öppet ärende för den här personen:",
    "duplicate_next": "Öppna det ärendet, eller kryssa i ”Registrera ändå” nedan och skicka igen om den unge ska få"
                      " ett ärende till.",
    "duplicate_confirm": "Registrera ändå: öppna ett nytt ärende vid sidan av det som redan finns",
}
