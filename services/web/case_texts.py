"""The texts of a case's own pages: its head and tabs, skyddade personuppgifter, the timeline, the eligibility
decision, the guardians, follow-ups, a member's contribution, the closure and the log extract.  Part of ``texts.T``,
which the templates read (the consents' in ``consent_texts``, the group's, plan's and meetings' in ``plan_texts``)."""

from __future__ import annotations


CASE_PAGES: dict[str, str] = {
    "case": "Ärende", "phase": "Fas", "last_change": "Senast ändrat",
    "last_change_hint": "När den senaste uppgiften ni ser registrerades. Ändras ärendet medan ett formulär fylls i "
                        "avvisas formuläret, så att ingen skriver över en ändring den inte har sett.",
    # A member whose consents no longer (or never) cover `case` sees neither the number nor the phase: say why,
    # never what (DOMAIN.md: not even a blank row may reveal more than the reader may see).
    "case_unnumbered": "Ärende utan nummer för er",
    "case_unnumbered_note": "Samtycke ger er just nu inte del av ärendets nummer och fas. Här visas bara det ni "
                            "får ta del av: det ni själva har lämnat och det som samtycke eller lag ger er.",
    "tab_overview": "Tidslinje", "tab_eligibility": "Beslut", "tab_guardians": "Vårdnadshavare",
    "tab_consents": "Samtycken", "tab_group": "Gruppen", "tab_plan": "Åtgärdsplan", "tab_meetings": "Möten",
    "tab_followups": "Uppföljning", "tab_contribution": "Lämna uppgift", "tab_closure": "Avslut",
    "tab_extract": "Loggutdrag", "tab_protection": "Skyddade personuppgifter",
    # Skyddade personuppgifter (Skatteverket's sekretessmarkering or skyddad folkbokföring): the banner on every page
    # of a case whose reader sees the fact case.protected, the case lists' marker, the lead's form.
    "protected_banner": "Skyddade personuppgifter ({kind}). Den unges uppgifter får inte lämnas ut utan särskild"
                        " sekretessprövning – uppge aldrig adress eller vistelseort.",
    "protected_banner_since": "Gäller från {since}.",
    # The auditors' pages of a case: the state now (every page's head; a replay's words for its moment:
    # protection_text).
    "audit_protected_now": "Den unge har skyddade personuppgifter ({kind}), gäller från {since}.",
    "protected_marker": "Skyddade personuppgifter",
    "protection_title": "Skyddade personuppgifter",
    "protection_intro": "Registrera om den unge har skyddade personuppgifter hos Skatteverket (sekretessmarkering"
                        " eller skyddad folkbokföring). Alla som ser att ärendet finns ser markeringen; vem som ser"
                        " vad ändras inte. Sigill sparar ingen adress – markeringen gäller det ni säger och lämnar ut"
                        " utanför Sigill.",
    "protection_now": "Nu registrerat:", "protection_none": "Inga skyddade personuppgifter är registrerade.",
    "protection_submit": "Spara",
    "protection_status_none": "Inga skyddade personuppgifter (ta bort markeringen)",
    "timeline_title": "Tidslinje – det ni får se", "timeline_none": "Inget att visa.",
    "col_fact": "Händelse · uppgifts-id",
    "col_when": "När", "col_from": "Från", "col_category": "Kategori", "col_what": "Uppgift",
    "col_basis": "Grund", "basis_as_above": "samma grund som ovan", "consent_ids": "Samtyckenas id", "col_cause": "Orsak",
    "purpose": "Syfte med läsningen (sparas i åtkomstloggen)", "purpose_set": "Spara syfte",
    "purpose_now": "Angivet syfte", "saved": "Sparat.", "case_parts": "Ärendets delar",
    "eligibility_title": "Beslut om aktualitet", "eligibility_done": "Beslut har fattats:",
    "eligibility_submit": "Spara beslut",
    "outside_reason_under_15": "Skäl att ändå besluta aktuell: den unge är under 15 år (krävs om den unge bedöms som"
                               " aktuell)",
    "outside_reason_over_25": "Skäl att ändå besluta aktuell: den unge är över 25 år (krävs om den unge bedöms som"
                              " aktuell)",
    "outside_reason_maybe": "Skäl om den unge var utanför målgruppen 15–25 år på beslutsdagen (krävs då, om den unge"
                            " bedöms som aktuell)", "accepted_yes": "Aktuell för social insatsgrupp",
    "accepted_no": "Inte aktuell",
    "guardians_title": "Vårdnadshavare", "guardians_intro": "Ange den unges föräldrar och andra vårdnadshavare, och vilka som har vårdnaden nu. "
                      "Tomma nya rader hoppas över.",
    # From the 18th birthday nobody has custody: who had it is what the record keeps (the box says so, too).
    "guardians_intro_18": "Ange den unges föräldrar och andra vårdnadshavare, och vilka som hade vårdnaden när den"
                          " unge fyllde 18 år: vårdnaden upphörde då. Tomma nya rader hoppas över.",
    "guardian_n": "Förälder eller vårdnadshavare", "has_custody": "har vårdnaden",
    "had_custody_18": "hade vårdnaden till den unges 18-årsdag",
    "guardians_submit": "Spara vårdnadshavare", "guardians_none": "Inga registrerade.",
    "followups_title": "Uppföljning", "followups_rows": "Rader ni kan följa upp", "followups_none": "Inga rader att följa upp.",
    "followup_submit": "Spara uppföljning", "followups_done": "Gjorda uppföljningar",
    "contribution_title": "Lämna uppgift", "contribution_intro": "Uppgiften syns för andra endast så långt "
                                                               "samtycke eller lag tillåter.",
    "contribution_submit": "Spara uppgiften", "contribution_own": "Era egna uppgifter",
    "closure_title": "Avsluta ärendet", "closure_submit": "Avsluta ärendet", "closed": "Ärendet är avslutat.",
    "closed_on": "Ärendet avslutades", "closed_reason": "Skäl:", "closed_outcome": "Utfall:",
    # Closing is for good (the domain has no reopening) and ends the group's work: it was one red click.
    "closure_intro": "Ett avslutat ärende kan inte öppnas igen: inget mer kan registreras i det, och gruppens arbete "
                     "upphör – aktörerna i gruppen har inte längre ärendet.",
    "closure_confirm": "Jag bekräftar att ärendet ska avslutas och förstår att det inte kan öppnas igen",
    "closure_unconfirmed": "Bekräfta att ärendet ska avslutas: inget registrerades.",
    "closed_no_forms": "Ärendet är avslutat: inget mer kan registreras i det, så här finns inga formulär.",
    "extract_title": "Loggutdrag – vem har läst vad", "extract_for": "Utdrag för", "extract_intro": "Utdraget visar varje läsning av "
                     "ärendets innehåll: vem, vilken aktör, vad och när. När ärendet visats i en ärendelista står"
                     " samma läsares visningar samma dag på en rad.", "print": "Skriv ut",
    # A guardian's extract while skyddade personuppgifter are recorded (services.guardian_extract): the printed
    # page says what is left out and not why; the caseworker is told why, on screen only.
    "extract_intro_left_out": "Utdraget visar varje läsning av ärendets innehåll: vilken aktör, vad och när. När"
                              " ärendet visats i en ärendelista står samma aktörs visningar samma dag på en rad.",
    "extract_left_out": "Namn på enskilda läsare och syften med läsningarna lämnas inte ut i detta utdrag.",
    "extract_limited_warning": "Den unge har skyddade personuppgifter. Utdraget till vårdnadshavaren är därför"
                               " begränsat: läsarnas namn, syftena och systemens namn är utelämnade, och en läsning"
                               " av skyddade personuppgifter står som en läsning av ärendet. Gör en särskild"
                               " sekretessprövning (sekretess mot vårdnadshavare, OSL 12 kap. 3 §) innan utdraget"
                               " lämnas ut. Den här rutan skrivs inte ut.",
    "extract_young_persons": "Den unges loggutdrag",   # the way on from a recipient refused (routes_cases)
    "extract_times": "gånger samma dag", "pager": "Sidor", "pager_page": "Sida", "pager_of": "av",
    "pager_previous": "Föregående sida", "pager_next": "Nästa sida", "col_reader": "Läsare", "col_read": "Läste", "col_purpose": "Syfte", "generated": "Framtaget",
}
