"""The texts of an error page and of a form refused as a whole: a page not found or not allowed, a link or form
the page cannot use, the database or the identity provider away, a history altered, an erased case.  Part of
``texts.T``, which the templates read; a field's or a domain error's message is ``error_texts``'s."""

from __future__ import annotations


ERROR_PAGES: dict[str, str] = {
    "errors_title": "Formuläret innehåller fel", "error_title": "Något gick fel", "not_shown": "Kunde inte visas", "back": "Tillbaka till ärendena",
    "not_found": "Sidan eller ärendet finns inte (eller så har ni inte tillgång till det).",
    # An auditor opening an erased case (services.web.error_pages._erased): culled, and where what outlives it is.
    "erased_case_title": "Ärendet är gallrat",
    "erased_case_page": "Ärendet är gallrat: dess nyckel är förstörd och dess händelser går inte längre att läsa."
                        " Utlämnandeloggen – vilka aktörer som fick vilka slags uppgifter, när och på vilken grund,"
                        " utan innehåll – finns kvar, liksom åtkomstloggens läsningar av ärendet.",
    "erased_case_log": "Ärendets utlämnandelogg", "erased_case_back": "Till granskningens ärenden",
    # What a case search finds is the agency's access, as the pages say "det ni får se": "ni", not "du".
    "case_number_not_found": "Inget ärende med numret {number} som ni har tillgång till.",
    "written_not_saved": "Det du skrev sparades inte",
    "written_not_saved_hint": "Kopiera texten innan du lämnar sidan, om du vill använda den igen.",
    "not_found_page": "Sidan finns inte. Kontrollera adressen, eller gå tillbaka till startsidan.",
    "method_not_allowed": "Sidan kan inte användas på det sättet (till exempel ett formulär som skickats till "
                          "fel adress). Gå tillbaka och försök igen.",
    "bad_request": "Förfrågan kunde inte tolkas. Gå tillbaka och försök igen.",
    # A query the page cannot use (a link edited by hand): the fields named, never the value (it may be a personnummer).
    "query_refused": "Adressen har ett värde för {fields} som sidan inte kan använda (en länk som ändrats för"
                     " hand?). Värdet visas inte här. Öppna sidan utan det, eller gå tillbaka och försök igen.",
    "query_refused_open": "Öppna sidan utan värdena i adressen",
    "query_repeated": "Adressen anger {fields} mer än en gång (en länk som ändrats för hand?), och sidan läser bara"
                      " ett värde. Öppna sidan utan värdena i adressen, eller gå tillbaka och försök igen.",
    # A posted form's field its page only ever fills with a value it can use (a hidden field altered): the form named.
    "form_refused": "Formuläret skickade ett värde för {fields} som sidan inte kan använda (ett fält som ändrats"
                    " för hand?). Värdet visas inte här. Öppna sidan igen och försök på nytt.",
    "form_refused_open": "Öppna sidan igen",
    "too_large": ("Det du skickade är större än servern tar emot ({limit}), och inget av det sparades. Gå tillbaka,"
                  " kopiera texten och dela upp den i flera delar."),
    "forbidden": "Din roll får inte göra detta.",
    "system_sign_in_title": "Inloggningen är ett systems",
    "system_sign_in": "Den här inloggningen är till för ett system som läser sin aktörs flöde (rollen"
                      " feed_reader), inte för en person. Ett sådant system hämtar flödet via Sigills API och kan"
                      " inte använda webbklienten: här visas inga ärenden. Logga ut och logga in med ditt personliga"
                      " konto.",
    "sign_in_as_a_person": "Logga in med ett personligt konto",
    "no_municipality": "Din inloggning anger ingen kommun. Handläggare och kontaktpersoner arbetar i en kommuns "
                       "insatsgrupper – be den som administrerar inloggningen att lägga till kommunen.",
    "conflict": "Ärendet har ändrats sedan du öppnade sidan. "
                 "Det du skrev finns kvar – kontrollera och skicka igen.",
    "unavailable": "Databasen eller åtkomstloggen kan inte nås just nu. Försök igen om en stund.",
    # The provider's keys cannot be fetched, so the session cannot be checked: it is kept, not signed out.
    "identity_provider_away": "Inloggningstjänsten (identitetsleverantören) kan inte nås just nu, så din inloggning"
                              " kan inte kontrolleras. Du är fortfarande inloggad – försök igen om en stund.",
    # A form that could not be saved because the database was away: shown again as typed, with a 503.
    "unsaved_unavailable": "Tjänsten kunde inte nå databasen. Det du skrev finns kvar nedan – försök spara igen om"
                           " en stund.",
    "referral_numbers_busy": "Många ärenden öppnades samtidigt, så ärendet fick inget ärendenummer och sparades inte."
                             " Det du skrev finns kvar nedan – skicka igen.",
    # The heading over a refusal of the whole form (a conflict, the database away), not of a field of it.
    "form_not_saved": "Formuläret sparades inte",
    "kept_title": "Det du skrev är inte sparat",
    "kept_hint": "Ärendets sida kan inte visas medan databasen inte nås. Här är fälten som du fyllde i, som du "
                 "skickade dem: ändra om du vill och spara igen.",
    "form_gone": "Ärendet ändrades medan du skrev (se ovan), så formuläret kan inte längre sparas här. Det du"
                 " skrev finns kvar nedan: kopiera det om du vill använda det.",
    "kept_submit": "Spara igen", "kept_submit_more": "Försök igen (sparar inget)", "kept_row": "rad {n}", "kept_back": "Till ärendena (det du skrev sparas inte)",
    "master_key_replaced": "Servern körs med en huvudnyckel som har bytts ut och kan inte läsa ärenden förrän den"
                           " startats om. Försök igen om en stund.",
    # What is wrong with a purpose, its length and where — never its words (it may name the young person).
    "purpose_too_long": "Syftet är {length} tecken långt och får vara högst 500 tecken. Gå tillbaka och korta det.",
    "purpose_control_character": "Syftet innehåller ett styrtecken ({code_point}, tecken {at} av {length}) och ska"
                                 " vara en rad text. Gå tillbaka och skriv om det.",
    "purpose_bidirectional_control": "Syftet innehåller ett tecken som vänder skrivriktningen ({code_point}, tecken"
                                     " {at} av {length}) och kastar om texten efter det där syftet skrivs ut. Gå"
                                     " tillbaka och skriv om det.",
    "data_key_damaged": "Ärendets lagrade nyckel är skadad, så inget av ärendet kan läsas. Kontakta driften: nyckeln"
                        " återställs från en säkerhetskopia.",
    "history_altered": "Ärendets lagrade historik är inte den som liggaren förseglade, så inget visas ur"
                       " den. Granskningsrapporten och kontrollen av liggaren visar var ändringen gjordes.",
    "event_unreadable": "En lagrad händelse i ärendet går inte längre att läsa som den skrevs (den går inte att"
                        " dekryptera, eller passar inte sin händelsetyp): den har ändrats, flyttats eller skrivits med"
                        " en annan nyckel. Inget visas ur ärendet; granskningsrapporten anger händelsen.",
    "history_altered_ledger": "Verifiera liggaren", "history_altered_report": "Granskningsrapporten",
    "history_altered_stored_log": "Den lagrade utlämnandeloggen",
    "stored_log_unheld": "Ärendets lagrade historik är inte den som liggaren förseglade – {where} – så "
                         "utlämnandeloggen kan inte återskapas ur händelserna eller jämföras med dem. Här står den "
                         "lagrade utlämnandeloggen, som aldrig skrivs om: det aktörernas flöden fick, utan innehåll.",
    "internal": "Ett oväntat fel inträffade. Det är loggat.", "csrf": "Formuläret har gått ut. Ladda om sidan och "
                "försök igen.", "choose": "– välj –", "none_choice": "– ingen –", "optional": "(valfritt)",
    # A refused form's page title begins so (WCAG 3.3.1): the title is the first thing a screen reader reads.
    "title_error": "Fel",
}
