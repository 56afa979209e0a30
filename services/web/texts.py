"""Every Swedish text of the web client, in one place, so that a translation can follow.

Templates read ``T`` (page texts), ``LABELS`` (form fields) and the choice
lists; error messages come from ``error_text``.  Facts and bases are
described by ``services.presentation`` and ``services.basis_text`` (shared with the CLI and the report).
"""

from __future__ import annotations

import re
import unicodedata

from services import presentation, protection_text
from services.audit_text import BEYOND_HOLDING
from services.wording import swedish_number

T: dict[str, str] = {
    "app": "Sigill", "tagline": "Samverkan i sociala insatsgrupper",
    "skip": "Hoppa till innehållet", "signed_in_as": "Inloggad som", "sign_out": "Logga ut",
    "sign_in": "Logga in", "sign_in_title": "Logga in i Sigill",
    "sign_in_dev": "Utvecklingsläge: välj en användare. Inloggningen signeras med utvecklingsnyckeln "
                   "i datakatalogen och fungerar inte i produktion.",
    "sign_in_user": "Användare", "sign_in_name": "Ditt namn (visas i åtkomstloggen)",
    "sign_in_oidc": "Logga in med organisationens inloggning",
    "sign_in_oidc_missing": "Produktionsläge: inloggning sker via organisationens identitetsleverantör (OIDC). "
                            "Ange SIGILL_OIDC_ISSUER, SIGILL_OIDC_CLIENT_ID och SIGILL_OIDC_CLIENT_SECRET "
                            "och starta om servern.",
    "signed_out": "Du är utloggad.", "sign_in_again": "Logga in igen", "session_ended_title": "Inloggningen har gått ut", "sign_in_failed": "Inloggningen misslyckades",
    "signed_in_title": "Du är inloggad", "signed_in_continue": "Fortsätt till Sigill",
    "sign_in_or": "Eller, i utvecklingsläge:",
    "nav_cases": "Ärenden", "nav_new": "Ny aktualisering", "nav_audit": "Granskning",
    "nav_access_log": "Åtkomstlogg", "nav_ledger": "Verifiera liggaren", "nav_statistics": "Statistik",
    "statistics_title": "Statistik – uppföljning av kommunens ärenden",
    "statistics_intro": "Avidentifierad statistik över ärenden som aktualiserats under ett kalenderår: bara antal"
                        " och medianer, inga ärenden, namn eller datum. Varje körning skrivs i åtkomstloggen (en rad,"
                        " inte en rad per ärende).",
    "nav_retention": "Gallring", "retention_title": "Gallringsbara ärenden",
    "retention_rule": "Avslutade ärenden i {municipality} där den gallringsfrist som kommunen har beslutat har gått"
                      " ut: {years} år efter ärendets sista anteckning (som för socialtjänstens personakter enligt"
                      " SoL). Ett öppet ärende gallras aldrig; ett ärende som avslutats efter ett beslut om att den"
                      " unge inte är aktuell räknas som avslutat. Läget {day}.",
    "retention_operator": "Gallringen görs inte här. Den görs av Sigills driftansvarige, ett ärende i taget och under"
                          " ett registrerat gallringsbeslut (kommandot sigill erase med beslutets diarienummer). Listan"
                          " visar vilka ärenden ett sådant beslut kan gälla.",
    "retention_none": "Inga ärenden är gallringsbara just nu.",
    # {unreadable}: "1 avslutat ärende kunde inte läsas …, så om det är gallringsbart kan inte sägas"
    # (services.wording.closed_cases_unreadable, as `sigill erase --due` says it).
    "retention_unreadable": "{unreadable}. Kontakta Sigills driftansvarige.",
    "col_closed": "Avslutat", "col_last_event": "Sista anteckning", "col_due_from": "Gallringsbart från",
    "col_closure_reason": "Avslutsskäl",
    "statistics_municipality": "Kommun", "statistics_year": "År",
    "statistics_submit": "Visa statistik",
    "statistics_csv": "Ladda ner som CSV (en rad per uppgift, samma tal som här)",
    "statistics_count": "Antal", "statistics_what": "Uppgift",
    "cases_title": "Ärenden", "cases_mine": "Mina ärenden", "cases_municipality": "Kommunens ärenden",
    "cases_member": "Ärenden där ni är med",
    "cases_none": "Inga ärenden att visa.", "filter_phase": "Fas", "filter_all": "Alla faser", "filter_all_agencies": "Alla aktörer",
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
    # {n}, {only_stored}, {rows} below are counted rows with their noun ("1 rad jämförd", "5 rader": the templates'
    # rows_compared and rows filters, services.wording); a text that wrote "{n} rader" said "1 rader".
    "stored_log_agrees": "Den lagrade utlämnandeloggen – det som aktörernas flöden fick – stämmer med ärendets "
                         "händelser ({n}).",
    "unknown_agency": "Ingen aktör heter ”{agency}”: välj en i listan.",
    "unknown_agency_unsaid": "Ingen aktör har det id som adressen anger: välj en i listan.",
    "stored_log_without_cause": "{n} av raderna skrevs före 2026-12-03, saknar orsak och jämfördes utan den.",
    "stored_log_differs": "Den lagrade utlämnandeloggen skiljer sig från ärendets händelser: {only_stored} finns bara "
                          "i den, {only_replayed} saknas i den.",
    # What a web auditor can do about it here (it named a command only an operator of the host can run): the links
    # go between these parts (disclosures.html).
    "stored_log_differs_table": "Tabellen nedan är loggen återskapad ur ärendets händelser.",
    "stored_log_differs_ledger": "visar om händelserna är de som förseglades – är de det, är det den lagrade loggen"
                                 " (det aktörernas flöden fick) som skiljer sig;",
    "stored_log_differs_report": "har samma kontroll för ärendet och loggen ur händelserna.",
    "stored_log_differs_operator": "Vilka rader som skiljer sig kan Sigills driftansvariga lista med kommandot"
                                   " sigill views log --case {number}.",
    "report_link": "granskningsrapporten",
    "audit_extract_intro": "Det är samma utdrag som den unge kan få; din läsning av det står själv i det, med syftet"
                           " du angett ovan.",
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
    "guardian_n": "Förälder eller vårdnadshavare", "has_custody": "har vårdnaden", "guardians_submit": "Spara vårdnadshavare", "guardians_none": "Inga registrerade.",
    "consents_title": "Samtycken", "consents_picture": "Vem får se vad just nu",
    "consents_picture_intro": "Varje ruta visar om aktören får ta del av kategorin nu enligt de samtycken "
                              "som gäller (under 18: den unges och varje vårdnadshavares), och när det upphör.",
    "consents_list": "Lämnade samtycken", "consents_none": "Inga samtycken.", "consent_grant": "Registrera samtycke",
    "consent_submit": "Registrera samtycke", "consent_narrow": "Begränsa", "consent_narrow_submit": "Begränsa samtycket",
    "consent_withdraw": "Återkalla samtycket", "consent_withdraw_submit": "Registrera återkallelsen",
    "consent_withdraw_intro": "Från det ögonblick återkallelsen registreras lämnas inget mer ut under samtycket. "
                              "Det går inte att ångra: ett nytt samtycke måste i så fall registreras.",
    "consent_withdraw_confirm": "Jag bekräftar att samtycket har återkallats av {who}",
    "consent_withdraw_unconfirmed": "Bekräfta att samtycket har återkallats: inget registrerades.",
    # A narrowing cannot be undone either, and takes what it stops covering out of the views at once: it was one
    # click.  Said generically on the form (it cannot know what will be unticked), specifically when it comes back.
    "consent_narrow_intro": "En begränsning går inte att ångra. Från det ögonblick den registreras lämnas det du "
                            "kryssar ur inte längre ut under samtycket, och aktörerna slutar se det direkt (om inget "
                            "annat samtycke från samma person täcker det). Ska det lämnas ut igen måste ett nytt "
                            "samtycke registreras.",
    "consent_narrow_effect": "Med begränsningen slutar samtycket lämna ut: {parts}.",
    "consent_narrow_ends": "Samtycket gäller då till och med {day}.",
    "consent_narrow_confirm": "Jag bekräftar att samtycket har begränsats av {who} och förstår att det inte kan "
                              "ångras",
    "consent_narrow_unconfirmed": "Bekräfta att samtycket har begränsats: inget registrerades.",
    # Begränsa sent as shown said "En begränsning får bara ta bort …", as if something had been added.
    "narrowing_unchanged": "Inget ändrades. Kryssa ur det som inte längre ska lämnas ut, eller ange ett tidigare "
                           "slutdatum.",
    # A narrowing with every box unticked said "Välj minst ett alternativ." — not that nothing left is a withdrawal.
    "narrowing_left_empty": "Lämna minst en mottagare och kategori kvar. Ska samtycket inte lämna ut något alls, "
                            "återkalla det i stället (Återkalla samtycket).",
    "consent_withdrawn": "återkallat", "consent_in_force": "gäller", "consent_not_yet": "börjar gälla senare",
    "consent_expired": "har upphört",
    "consent_missing": "samtycke saknas från",
    "consent_idle_all": "Samtycket gäller men lämnar inte ut något just nu:",
    "consent_idle_some": "Samtycket gäller men lämnar inte ut något för {n} av sina {of} delar just nu:",
    # The consents' cards (consents.html): a closed case's, the consent's form, a new consent with the same scope.
    "consent_closed_case": "lämnar inte ut något sedan ärendet avslutades {day}",
    "consent_same_scope": "Nytt samtycke med samma omfattning",
    "consent_same_scope_as": "som samtycke {id}",
    "consent_copied": "Omfattning, ändamål och giltighet är ifyllda från samtycke {id}. Välj vem som lämnar"
                      " samtycket och i vilken form, och kontrollera resten innan du registrerar.",
    "consents_count_note": "Samtycken i kraft räknar samtycken inom sin giltighetstid. De lämnar ut något först när "
                           "alla som behövs har samtyckt (under 18: den unge och varje vårdnadshavare med vårdnad) "
                           "– fliken Samtycken visar vem som saknas.", "scope": "Omfattning (mottagare och kategorier)",
    "col_consenter": "Givet av", "col_scope": "Omfattning", "col_valid": "Giltigt", "col_state": "Status",
    "col_agency": "Aktör", "yes_until": "ja, t.o.m.", "yes": "ja", "no": "nej", "not_member": "ej i gruppen", "consent_pending": "när den är med i gruppen",
    "until_further": "tills vidare", "turns_18": "{young_person} fyller 18 år",
    "turns_18_note": "då upphör vårdnadshavarnas samtycken att räknas",
    "not_bound_by_secrecy": "omfattas inte av sekretess",
    "not_bound_by_secrecy_hint": "Mottagare som inte omfattas av sekretess, som en frivilligorganisation, är inga"
                                 " myndigheter: offentlighets- och sekretesslagen gäller inte där, så det som samtycket"
                                 " lämnar ut till dem skyddas inte av sekretess hos mottagaren. Berätta det för den"
                                 " unge och vårdnadshavarna innan de samtycker.",
    "consents_closed": "Ärendet är avslutat och gruppens arbete har upphört: samtyckena ger inte längre någon"
                       " aktör i gruppen del av något. Varje aktör ser bara det den själv har registrerat.",
    "consents_declined": "Den unge är bedömd som inte aktuell för en insatsgrupp: ingen grupp bildas, så inga nya"
                         " samtycken registreras i ärendet och ingen aktör får del av något under dem. Lämnade"
                         " samtycken kan fortfarande begränsas eller återkallas. Ändras läget är vägen tillbaka en ny"
                         " aktualisering.",
    # The free-text "Ansvarig" reaches every reader of the row as written; the agencies named as responsible are
    # shown only to readers that may know they take part (rules version 5).
    "responsible_hint": "Visas för alla som ser raden. Ange aktörer under Ansvariga aktörer, inte här.",
    "group_title": "Gruppen", "group_members": "Medlemmar", "group_none": "Inga medlemmar ännu.",
    "group_add": "Lägg till aktör", "group_add_submit": "Lägg till", "group_remove": "Aktör lämnar gruppen",
    "group_remove_submit": "Registrera att aktören lämnar", "col_contact": "Kontaktperson", "col_role": "Roll",
    "plan_title": "Åtgärdsplan", "plan_none": "Ingen plan ännu.", "plan_current": "Gällande plan",
    # A member's page says what it is shown, the same whether there is a plan (or a row) or not: "Ingen plan ännu."
    # told a school whose consent had been withdrawn that the case had no plan; a plan has at least one row, so a
    # member shown none saw a table of headings only.
    "plan_none_member": "Ingen åtgärdsplan att visa för er.",
    "plan_rows_none_member": "Inga rader i planen att visa för er.",
    "plan_revision": "Revision", "plan_main_goal": "Huvudmål", "plan_edit": "Ny revision av planen",
    "plan_edit_intro": "Planen sparas som en hel ny revision. Lämna en rad helt tom för att ta bort den.",
    "participation_title": "Vilka upprättade planen",
    "participation_hint": "Gäller den här revisionen: planen upprättas i samråd med den unge och berörda parter."
                          " Lämnas frågan obesvarad registreras det som ej angivet.",
    "participation_young_person": "Upprättad i samråd med {young_person}", "participation_guardians": "Vårdnadshavare som"
    " deltog", "participation_reason": "Skäl till att den unge inte deltog", "participation_not_recorded": "Ej angivet",
    # The reason travels with the plan's goal (`case`): every member seeing the goal reads it as written.
    "participation_reason_hint": "Krävs när svaret är Nej. Visas för alla som ser planens huvudmål: skriv inget om"
                                 " hälsa, brott, placering eller annat som bara vissa myndigheter får se.",
    "participation_none_guardians": "Ingen vårdnadshavare registrerad som deltagande.",
    # Guardians whose names the reader does not see (a `family` fact), counted: "vårdnadshavare" alone in the list
    # read as a name, and two read "vårdnadshavare, vårdnadshavare".
    "participation_unnamed": "{n} vårdnadshavare",
    "participation_yes": "Ja", "participation_no": "Nej",
    "plan_row": "Rad", "more_rows": "Fler rader", "more_outcomes": "Fler resultat", "plan_submit": "Spara ny revision", "plan_history": "Revisioner och ändringar",
    "diff_added": "Ny rad", "diff_removed": "Borttagen rad", "diff_changed": "Ändrad rad", "diff_goal": "Nytt huvudmål",
    # A member's row gone from its view: removed, or moved to a category it may not see — one wording for both
    # (plan.html says why).
    "diff_gone_from_view": "Inte längre bland raderna ni ser –",
    "diff_none": "Inga ändringar ni kan se.", "diff_first": "Första revisionen.",
    "col_area": "Område", "col_goal": "Mål", "col_how": "Genomförande", "col_responsible": "Ansvarig",
    "col_follow_up": "Uppföljning",
    # Social services' plan page only: a responsible agency that cannot see its row now (``domain.row_reach``).
    "row_unseen": "{agency} är ansvarig men kan inte se raden: {why}.",
    "row_unseen_no_consent": "inget samtycke täcker {category}",
    "row_unseen_consent_missing": "samtycke saknas från {who} för {category}",
    "row_unseen_no_custody": "ingen vårdnadshavare med vårdnad är registrerad, så inget samtycke lämnar ut något",
    "row_unseen_not_a_member": "inte längre med i gruppen",
    "row_unseen_not_covered": "samtyckena lämnar inte ut {category}",
    # An agency that left the group is not helped by a consent, and an *aktör* may be no authority (a voluntary
    # organisation): it said "myndigheten kan se … först när samtycke täcker radens kategori".
    "row_unseen_intro": "Raden sparades ändå. En ansvarig aktör kan se och följa upp en rad först när den är med i"
                        " gruppen och samtycke täcker radens kategori. Se flikarna Gruppen och Samtycken.",
    "meetings_title": "Nätverksmöten", "meetings_none": "Inga möten.",
    # A member is not told there are none, only that none is shown to it, as its plan page says.
    "meetings_none_member": "Inga möten att visa för er.", "meeting_new": "Registrera möte",
    "meeting_heading": "Nätverksmöte", "meeting_recorded_at": "registrerat", "meeting_next": "Nästa möte",
    "meeting_attended": "Deltog", "meeting_others": "Andra deltagare", "meeting_outcomes": "Resultat",
    "meeting_decisions": "Beslut", "meeting_category": "kategori", "meeting_basis": "Grund",
    "meeting_submit": "Spara mötet", "outcome_n": "Resultat", "meeting_decisions_hint": "Ett beslut per rad.",
    "decisions_category_hint": "Kategorin avgör vilka aktörer som får se besluten: välj den när du skriver beslut.",
    "meeting_member_hint": "Ni registrerar er egen närvaro och era egna resultat från mötet; "
                           "socialtjänsten registrerar de andra aktörernas.",
    "meeting_others_hint": "Andra deltagare, kommaseparerade (t.ex. den unge, förälder).",
    # The form Planera nästa möte (social services), and the planned meeting every reader allowed to see it is shown.
    "meeting_plan_title": "Planera nästa möte", "meeting_plan_submit": "Spara planerat möte",
    "meeting_plan_hint": "Planera gruppens nästa möte, till exempel en ny grupps första nätverksmöte, eller flytta"
                         " det planerade till en annan dag. Aktörer som får se ärendet ser det planerade mötet.",
    "meeting_call_off": "Ställ in nästa möte", "meeting_planned": "Planerat möte",
    "meeting_planned_none": presentation.NO_NEXT_MEETING,
    # A member is told in words the same whether a meeting is planned that it may not see, or none is.
    "meeting_planned_none_member": presentation.NO_NEXT_MEETING_SHOWN,
    "followups_title": "Uppföljning", "followups_rows": "Rader ni kan följa upp", "followups_none": "Inga rader att följa upp.",
    "followup_submit": "Spara uppföljning", "followups_done": "Gjorda uppföljningar",
    "contribution_title": "Lämna uppgift", "contribution_intro": "Uppgiften syns för andra endast så långt "
                                                               "samtycke eller lag tillåter.",
    "contribution_submit": "Spara uppgiften", "contribution_own": "Era egna uppgifter",
    "closure_title": "Avsluta ärendet", "closure_submit": "Avsluta ärendet", "closed": "Ärendet är avslutat.",
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
    "extract_times": "gånger samma dag", "pager": "Sidor", "pager_page": "Sida", "pager_of": "av",
    "pager_previous": "Föregående sida", "pager_next": "Nästa sida", "col_reader": "Läsare", "col_read": "Läste", "col_purpose": "Syfte", "generated": "Framtaget",
    "audit_title": "Granskning (JO, IVO)", "audit_cases": "Ärenden att granska", "audit_replay": "Återspela",
    "replay_title": "Återspela: vad kunde en aktör se", "replay_agency": "Aktör",
    # The last Sundays of March and October: a clock time of 02:00–03:00 names no instant, or two.
    "moment_changed_clocks": "Klockan visade den tiden två gånger eller inte alls (sommartiden slutade eller "
                             "började): välj en annan tidpunkt, eller ange den med tidsskillnad i adressen, t.ex. "
                             "2026-10-25T02:30+01:00.",
    "replay_at": "Tidpunkt (svensk tid)", "replay_submit": "Återspela", "replay_result": "Synligt för",
    "replay_at_time": "vid",
    "disclosures_title": "Utlämnandelogg", "disclosures_submit": "Visa", "col_change": "Ändring",
    "disclosures_basis_note": "För en uppgift som upphörde är grunden den som gällde till dess; orsaken säger vad som "
                              "fick den att upphöra.",
    "replaced_log": "Utlämnandeloggen byggdes om {when}. Den ersatta loggen – det flödena fick fram till dess, "
                    "byggd under reglernas version {version} och komplett till och med position {up_to} i hela "
                    "installationens händelselogg (inte ärendets händelsenummer) – finns kvar: {rows} om "
                    "ärendet{to}, {only_old} som dagens logg inte har och {only_now} som bara dagens har.",
    "replaced_to": " till {agency}",
    "stored_log_agrees_rebuilt": "Dagens utlämnandelogg – skriven på nytt ur händelserna vid den senaste "
                                 "ombyggnaden, och det flödena fått sedan dess – stämmer med ärendets händelser "
                                 "({n}).",
    "replaced_differences": "Skillnader mot den ersatta loggen",
    "col_only_in": "Finns bara i", "replaced_only_old": "den ersatta loggen", "replaced_only_now": "dagens logg",
    "replaced_erased": "gallrat: nyckeln förstörd", "cause_not_stored": "(ej sparad)",
    # A replaced log built under today's rules is held to the events as today's log is (``stored_log.not_given``):
    # rows the events do not give were added to the live log before a rebuild kept them.  As the report says it.
    "replaced_not_given": "Varning: en utlämnandelogg som byggdes om under dagens regler hade {n} om ärendet som "
                          "ärendets händelser inte ger. Varje sådan rad fanns i loggen vid ombyggnaden och kan ha lästs "
                          "i aktörernas flöden, men inga regler skrev den: den kan ha lagts in i loggen i efterhand. Den "
                          "står nedan under den ersatta loggen.",
    "replaced_other_rules": BEYOND_HOLDING["other_rules"],
    "replaced_other_catalogue": BEYOND_HOLDING["other_catalogue"],
    "replaced_mixed_catalogue": BEYOND_HOLDING["mixed_catalogue"],
    "replaced_held_unread": "Den byggdes under dagens regler, men ärendets händelser läses inte här, så den hålls inte "
                            "mot dem.",
    "replaced_held_later": "Den byggdes under dagens regler, men hålls mot händelserna först när dagens logg stämmer "
                           "med dem.",
    "replaced_held_agrees": "Den byggdes under dagens regler och stämmer med händelserna.",
    "replaced_held_not_given": "Den byggdes under dagens regler, och {n} av dess rader ger händelserna inte ({marked} "
                               "”händelserna ger den inte” nedan).",
    "replaced_not_given_old": "den ersatta loggen – händelserna ger den inte",
    "replaced_not_given_both": "båda loggarna – händelserna ger den inte (ingen tidigare logg visade uppgiften)",
    "erased_case": "(gallrat)",
    "no_single_case": "inget enskilt ärende",
    "erased_title": "Gallrade ärenden",
    "erased_intro": "Ärenden vars nyckel är förstörd: deras händelser går inte längre att läsa, men utlämnandeloggen "
                    "– vilka aktörer som fick vilka slags uppgifter, när och på vilken grund, utan innehåll – "
                    "finns kvar.",
    "col_case_id": "Ärende-id", "col_municipality": "Kommun", "col_erased_at": "Gallrat",
    "col_erasure_decision": "Gallringsbeslut",
    "erasure_undecided": "Inget registrerat beslut: nyckeln förstördes utan kommandot sigill erase",
    "erased_notice": "Ärendet är gallrat: dess nyckel är förstörd och dess händelser går inte längre att läsa, så "
                     "loggen kan inte jämföras med dem. Här står utlämnandeloggen som den är lagrad – det "
                     "aktörernas flöden fick, utan innehåll.",
    "stored_rows": "Lagrad utlämnandelogg",
    "report": "Utskrivbar rapport", "report_back": "Tillbaka till granskningen av ärendet",
    "report_print_hint": "Skriv ut med webbläsarens utskrift (Ctrl+P); den här raden skrivs inte ut.",
    "ledger_title": "Verifiering av liggaren", "ledger_intact": "Liggaren är intakt.",
    # The counts' words for one and for many (the templates' counted filter): "1 kontrollerade händelser" read wrong.
    "ledger_broken": "Liggaren har ändrats!", "ledger_checked_one": "kontrollerad händelse",
    "ledger_checked": "kontrollerade händelser", "ledger_unsealed_one": "ännu inte förseglad",
    "ledger_unsealed": "ännu inte förseglade",
    "ledger_case_is": "Ärendet är", "ledger_case_id": "ärende-id {case_id}; numret ur ärendelistan",
    "ledger_case_unlisted": "Ärendet {case_id} finns inte i ärendelistan (gallrat, eller vyerna ligger efter); dess"
                            " nummer står i dess första händelse, förseglad under ärendets nyckel.",
    # The installation's own checkpoints prove nothing against whoever can rewrite the ledger and them (as the command
    # line and the report say): what proves more is a supervisor's exported copy.
    "ledger_own_checkpoints": "Kontrollen gjordes mot installationens egna kontrollpunkter. Som bevis mot den som kan "
                              "skriva om både liggaren och dem: kontrollera mot kontrollpunkter som "
                              "tillsynsmyndigheten sparat tidigare (formuläret nedan, eller sigill audit verify --checkpoints FIL).",
    "ledger_download": "Ladda ned kontrollpunkter",
    "ledger_download_hint": "Spara filen utanför installationen. En senare kontroll mot den visar att inget före "
                            "kontrollpunkterna har ändrats sedan dess.",
    "checkpoints_title": "Kontrollera mot sparade kontrollpunkter", "kept_file": "Fil med kontrollpunkter",
    "kept_keys": "Betrodda publika nycklar (valfritt, base64, en per rad – från driften, inte ur filen)",
    "checkpoints_submit": "Kontrollera",
    # {checkpoints}: "Den enda kontrollpunkten", "Alla 5 kontrollpunkter" (the all_of filter; a first export holds one).
    "kept_confirmed": "{checkpoints} i filen stämmer med liggaren.",
    "kept_checkpoint_one": "kontrollpunkten", "kept_checkpoints": "kontrollpunkter",
    "kept_confirmed_gone": "Varav {count} inte längre finns bland installationens egna kontrollpunkter.",
    "kept_broken": "Liggaren stämmer inte med den sparade filen.",
    "kept_none": "Välj en fil med kontrollpunkter.",
    "kept_not_a_file": "Filen är inte en fil med kontrollpunkter som Sigill har exporterat.",
    "kept_unreadable_checkpoint": "Kontrollpunkt {number} i filen kan inte läsas ({field}): filen är inte som Sigill "
                                  "exporterade den.",
    "kept_untrusted": "Kontrollpunkt {number} i filen är signerad med en nyckel som inte är betrodd här: ange "
                      "installationens publika nyckel, som du fått från driften. Liggaren har inte befunnits ändrad.",
    "kept_forged": "Kontrollpunkt {number} i filen har en signatur som inte stämmer: filen är inte som Sigill "
                   "exporterade den. Liggaren har inte befunnits ändrad av den.",
    "kept_bad_key": "En nyckel är inte en publik nyckel i base64 (32 byte).",
    # The access log's checkpoint of the file (``access_log``), refused as the ledger's are.
    "kept_access_unreadable_checkpoint": "Åtkomstloggens kontrollpunkt {number} i filen kan inte läsas ({field}): "
                                         "filen är inte som Sigill exporterade den.",
    "kept_access_untrusted": "Åtkomstloggens kontrollpunkt {number} i filen är signerad med en nyckel som inte är "
                             "betrodd här: ange installationens publika nyckel, som du fått från driften. "
                             "Åtkomstloggen har inte befunnits ändrad.",
    "kept_access_forged": "Åtkomstloggens kontrollpunkt {number} i filen har en signatur som inte stämmer: filen är "
                          "inte som Sigill exporterade den. Åtkomstloggen har inte befunnits ändrad av den.",
    "kept_access_not_a_list": "Filens åtkomstlogg (access_log) är inte en lista med kontrollpunkter: filen är inte "
                              "som Sigill exporterade den.",
    "kept_access_confirmed": "Åtkomstloggens kontrollpunkt i filen stämmer med loggen.",
    "access_intact": "Åtkomstloggen är intakt.", "access_broken": "Åtkomstloggen har ändrats!",
    "access_checked_one": "kontrollerad läsning", "access_checked": "kontrollerade läsningar",
    "access_title": "Åtkomstlogg", "access_case": "Ärendenummer", "access_agency": "Aktör",
    "access_since": "Från (datum)", "access_until": "Till (datum)", "access_submit": "Sök", "access_none": "Inga träffar.",
    "access_reversed": "Till-datumet ligger före från-datumet: perioden är omvänd. Byt plats på datumen.",
    "access_bad_after": "Länkens värde för efter (läsningen i loggen som sidan börjar efter) är inget löpnummer:"
                        " sök igen i formuläret.",
    "errors_title": "Formuläret innehåller fel", "error_title": "Något gick fel", "not_shown": "Kunde inte visas", "back": "Tillbaka till ärendena",
    "not_found": "Sidan eller ärendet finns inte (eller så har ni inte tillgång till det).",
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
    "group_waits_referred": "Den unge är inte bedömd som aktuell ännu: gruppen, åtgärdsplanen och möten registreras"
                            " efter ett beslut att den unge är aktuell (fliken Beslut).",
    "group_waits_declined": "Den unge är bedömd som inte aktuell för social insatsgrupp: ärendet får ingen grupp,"
                            " åtgärdsplan eller möten.",
    "internal": "Ett oväntat fel inträffade. Det är loggat.", "csrf": "Formuläret har gått ut. Ladda om sidan och "
                "försök igen.", "choose": "– välj –", "none_choice": "– ingen –", "optional": "(valfritt)",
    # A refused form's page title begins so (WCAG 3.3.1): the title is the first thing a screen reader reads.
    "title_error": "Fel",
}

# Query parameters of the pages that no form label names (LABELS first: ``query_field``).
QUERY_NAMES: dict[str, str] = {"sida": "Sida", "fas": T["filter_phase"], "nummer": "Ärendenummer",
                               "myndighet": "Aktör", "tid": "Tidpunkt", "efter": "Nästa sida",
                               "fel": "Sökrutans meddelande"}


def query_field(name: str) -> str:
    """A query parameter as a refusal names it: its Swedish label and, for whoever edited the link, its name in the
    address — ``Sida (sida)``; a name not shaped like a page's (a personnummer typed as a parameter) is not said
    back."""
    if not re.fullmatch(r"[a-z_]{1,40}", name):
        return "adressen"
    label = query_label(name)
    return f"{label} ({name})" if label else name


def query_label(name: str) -> str | None:
    return LABELS.get(name) or QUERY_NAMES.get(name)


def query_refused(names: list[str]) -> str:
    """The message for a page's query parameters it cannot use, each named once, in the order given."""
    return refused(names, "query_refused")


def refused(names: list[str], message: str) -> str:
    """``message`` (``query_refused``, ``form_refused``) naming the fields refused, each once, in the order given."""
    shown = list(dict.fromkeys(query_field(n) for n in names)) or ["adressen"]
    fields = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " och " + shown[-1]
    return T[message].format(fields=fields)


LABELS: dict[str, str] = {
    "kommun": "Kommun", "ar": "År",   # the Statistik form's, by their names
    "fran": "Från och med", "till": "Till och med",   # the access log's
    "confirm": "Bekräftelse",
    "municipality": "Kommun", "personnummer": "Personnummer eller samordningsnummer", "name": "Den unges namn",
    "entry_route": "Hur ärendet kom in", "referring_agency": "Aktualiserad av", "referral_date": "Datum för aktualisering",
    "summary": "Sammanfattning", "summary_category": "Kategori för sammanfattningen",
    "accepted": "Beslut", "reasons": "Skäl", "instruments": "Bedömningsinstrument", "decided_on": "Beslutsdatum",
    "outside_target_group_reason": "Skäl om den unge är utanför målgruppen 15–25 år",
    "guardians": "Föräldrar och vårdnadshavare", "guardians.name": "Namn",
    # A "vårdnadshavare" has custody by definition: "Vårdnadshavare 1 … ☐ Har vårdnad" read as a contradiction.
    "guardians.has_custody": "Har vårdnaden om den unge (då krävs hens samtycke medan den unge är under 18)",
    "consenter": "Vem lämnar samtycket", "purpose": "Ändamål", "valid_from": "Gäller från",
    "valid_until": "Gäller till och med", "form": "Form", "scope": "Omfattning",
    "agency": "Aktör", "contact_person": "Kontaktperson", "role": "Roll", "reason": "Skäl",
    "main_goal": "Huvudmål", "rows": "Planens rader", "rows.area": "Område", "rows.goal": "Mål", "rows.how": "Genomförande",
    "rows.responsible": "Ansvarig", "rows.responsible_agencies": "Ansvariga aktörer", "rows.category": "Kategori",
    "rows.follow_up": "Uppföljning (hur och när)",
    "young_person_took_part": "Upprättad i samråd med den unge", "guardians_took_part": "Vårdnadshavare som deltog",
    "not_taking_part_reason": "Skäl till att den unge inte deltog",
    "held_on": "Mötesdatum", "attendees": "Deltagande aktörer", "other_attendees": "Andra deltagare",
    "outcomes.category": "Kategori", "outcomes.origin_agency": "Uppgiften kommer från", "outcomes.text": "Resultat",
    "decisions": "Beslut", "decisions.category": "Besluten gäller kategori", "next_meeting": "Nästa möte",
    "category": "Kategori", "text": "Uppgift", "legal_basis": "Lagstöd (om annat än samtycke)",
    "row_id": "Planrad", "status": "Status", "note": "Kommentar", "outcome": "Utfall",
    "expected_version": "Version",
    "kind": "Skydd hos Skatteverket", "since": "Gäller från",
    "planned_on": "Datum för nästa möte", "planned_kind": "Typ av möte",
    "myndighet": "Aktör", "tid": "Tidpunkt",   # the replay's, in its error summary (as QUERY_NAMES says them)
}

# What a saved form says on the page it leads to (``?sparat=<command>``: the command's name, never what was typed).
SAVED: dict[str, str] = {
    "open_case": "Ärendet är öppnat. Nästa steg är att bedöma om den unge är aktuell (fliken Beslut).",
    "decide_eligibility": "Beslutet om aktualitet är sparat. Nästa steg är samtycke från den unge, och från"
                          " vårdnadshavarna medan den unge är under 18 (flikarna Vårdnadshavare och Samtycken).",
    "record_guardians": "Vårdnadshavarna är sparade. Registrera den unges och vårdnadshavarnas samtycken nedan.",
    "grant_consent": "Samtycket är registrerat.",
    "narrow_consent": "Begränsningen av samtycket är registrerad.",
    "withdraw_consent": "Återkallelsen är registrerad: från och med nu lämnas inget mer ut under samtycket.",
    "add_member": "Aktören är tillagd i gruppen. Nästa steg, när gruppen är bildad, är åtgärdsplanen (fliken"
                  " Åtgärdsplan).",
    "remove_member": "Det är registrerat att aktören har lämnat gruppen.",
    "revise_plan": "Den nya revisionen av åtgärdsplanen är sparad. Nästa steg är att följa upp den: på"
                   " nätverksmöten (fliken Möten) och rad för rad (fliken Uppföljning).",
    "record_meeting": "Mötet är registrerat.",
    # An outcome minuted in another agency's name that social services' own view may not show: said by the rule alone,
    # never which outcome or agency (the command answered so: ``Written.attributed_unseen``).
    "record_meeting_attributed": "Mötet är registrerat. Resultat som du angav i en annan aktörs namn är registrerade"
                                 " i den aktörens namn och visas för er bara i den mån samtycket medger: de syns"
                                 " därför inte här nu.",
    "purpose": "Syftet är sparat: det skrivs i åtkomstloggen med varje läsning av ärendet härifrån.",
    "purpose_cleared": "Inget syfte anges längre med läsningarna av ärendet.",
    "record_follow_up": "Uppföljningen är sparad.",
    "record_contribution": "Uppgiften är sparad.",
    "close_case": "Avslutet är registrerat.",
    "record_protection": "Uppgiften om skyddade personuppgifter är sparad.",
    "plan_next_meeting": "Planeringen av nästa möte är sparad.",
}
# The command's saved notice when some of what it recorded in another agency's name is not shown to the writer.
ATTRIBUTED_UNSEEN = {"record_meeting": "record_meeting_attributed"}
# A decision that the young person is not eligible leads to the closure, not to consents.
SAVED_DECLINED = ("Beslutet om aktualitet är sparat: den unge är inte aktuell. Nästa steg är att avsluta ärendet"
                  f" med skälet ”{presentation.CLOSURE_REASONS['not_eligible']}” (fliken Avslut).")


# Guardians saved, one given custody while the young person is under 18: what consent let out stops until they
# consent too (``consent_views.custody_stopped_sharing``, judged by the page, never taken from the address).
SAVED_CUSTODY_ADDED = ("Vårdnadshavarna är sparade. Den unge är under 18, så från och med nu lämnas inget ut till de"
                       " andra aktörerna med stöd av samtycke: uppgifterna delas med dem igen när den nya"
                       " vårdnadshavaren också har samtyckt. Registrera hens samtycke nedan.")


def saved_notice(command: str, declined: bool, custody_added: bool = False) -> str | None:
    """What the page a saved form led to says (``?sparat=<command>``), with the next step; ``declined``: the case
    was found not eligible (its head's ``waiting``), whose next step is its closure."""
    if command == "decide_eligibility" and declined:
        return SAVED_DECLINED
    if command == "record_guardians" and custody_added:
        return SAVED_CUSTODY_ADDED
    return SAVED.get(command)

ENTRY_ROUTES = {"known": "Känd hos socialtjänsten", "sol14": "SoL 14-anmälan (orosanmälan)",
                "lul6": "LUL 6 §-underrättelse från polisen", "other": "Annan väg"}
CONSENT_FORMS = {"written": "Skriftligt", "oral_documented": "Muntligt, dokumenterat"}
FOLLOW_UP_STATUSES = {"ongoing": "Pågår", "partly": "Delvis uppnått", "achieved": "Uppnått",
                      "not_achieved": "Inte uppnått"}
CLOSURE_REASONS = presentation.CLOSURE_REASONS
PROTECTION_KINDS = protection_text.PROTECTION_KINDS
MEETING_KINDS = presentation.MEETING_KINDS
# An auditor's replay's words for skyddade personuppgifter at its moment: the command line's too.
protection_then, marker_seen = protection_text.protection_then, protection_text.marker_seen
NO_PROTECTION_THEN = protection_text.NO_PROTECTION_THEN
INSTRUMENTS = {"SAVRY": "SAVRY", "ESTER": "ESTER", "BBIC": "BBIC", "other": "Annat"}
ROLES = {"caseworker": "Handläggare", "coordinator": "Samordnare", "member": "Kontaktperson",
         "auditor": "Granskare", "administrator": "Administratör", "feed_reader": "System (flödesläsning)",
         "evaluator": "Utvärderare"}

# Users offered by the development sign-in: (key, label, agency, role, municipality).
DEV_USERS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("soc-0180", "Handläggare, socialtjänsten Stockholm (0180)", "socialtjanst", "caseworker", "0180"),
    ("sam-0180", "Samordnare, socialtjänsten Stockholm (0180)", "socialtjanst", "coordinator", "0180"),
    ("soc-1480", "Handläggare, socialtjänsten Göteborg (1480)", "socialtjanst", "caseworker", "1480"),
    ("skola", "Kurator, skolan (Stockholm)", "skola", "member", "0180"),
    ("polis", "Polis (kontaktperson, Stockholm)", "polis", "member", "0180"),
    ("bup", "Behandlare, BUP (Stockholm)", "bup", "member", "0180"),
    ("af", "Handläggare, Arbetsförmedlingen (Stockholm)", "arbetsformedlingen", "member", "0180"),
    ("ivo", "IVO-granskare", "ivo", "auditor", None),
    ("jo", "JO-granskare", "jo", "auditor", None),
    ("socialstyrelsen", "Utvärderare, Socialstyrelsen", "socialstyrelsen", "evaluator", None),
)

DEV_USER_CHOICES = {key: (label, agency, role, municipality) for key, label, agency, role, municipality in DEV_USERS}

# The title of an error page, by its status.
ERROR_TITLES: dict[int, str] = {
    400: "Felaktig förfrågan", 401: "Inte inloggad", 403: "Åtkomst nekad", 404: "Sidan finns inte",
    405: "Otillåten metod", 409: "Ärendet har ändrats", 413: "För mycket på en gång", 422: "Kunde inte sparas",
    503: "Tillfälligt otillgänglig",
}

SESSION_ENDED_UNSAVED = ("Din inloggning hade gått ut, så det du skickade sparades inte. Kopiera det du skrev nedan,"
                         " logga in igen och skicka formuläret på nytt.")

# Why an OIDC sign-in failed (services/web/routes_auth.py), as the user reads it.
# Why the sign-in page was shown instead of the page asked for (session.REASON_FIELD).
SESSION_ENDED: dict[str, str] = {
    "utgangen": "Din inloggning har gått ut. Logga in igen, så kommer du tillbaka till sidan du var på.",
    "fornyelse": "Din inloggning kunde inte förnyas hos identitetsleverantören och har avslutats. "
                 "Logga in igen, så kommer du tillbaka till sidan du var på.",
}
SIGN_IN_FAILED: dict[str, str] = {
    "denied": "Inloggningen avbröts eller nekades hos identitetsleverantören. Du är inte inloggad.",
    "state": "Inloggningen kunde inte slutföras: svaret från identitetsleverantören hör inte till en inloggning "
             "som påbörjats i den här webbläsaren (den kan ha gått ut efter tio minuter). Försök igen.",
    "refused": "Identitetsleverantören godtog inte inloggningen (koden kan redan ha använts eller ha gått ut). "
               "Försök igen.",
    "token": "Inloggningsbeviset (ID-token) från identitetsleverantören kunde inte verifieras, så du är inte "
             "inloggad. Försök igen; kontakta supporten om felet kvarstår.",
    "claims": "Ditt konto saknar uppgift om aktör (myndighet eller organisation) i Sigill. Kontakta den som administrerar inloggningen.",
    "unreachable": "Identitetsleverantören (inloggningstjänsten) svarar inte just nu. Försök igen om en stund.",
}

PYDANTIC_ERRORS = {
    "missing": "Fältet måste fyllas i.", "string_too_short": "Fältet måste fyllas i.",
    "string_too_long": "Texten är för lång.", "too_short": "Välj minst ett alternativ.",
    "too_long": "För många val.", "date_from_datetime_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "date_parsing": "Ange ett datum som ÅÅÅÅ-MM-DD.", "date_type": "Ange ett datum som ÅÅÅÅ-MM-DD.",
    "enum": "Välj ett av alternativen.", "literal_error": "Välj ett av alternativen.",
    "string_pattern_mismatch": "Värdet har fel form.", "bool_parsing": "Välj ett av alternativen.",
    "bool_type": "Välj ett av alternativen.",   # a StrictBool's radios given another value
    "int_parsing": "Ange ett heltal.", "extra_forbidden": "Okänt fält.",
}

# A list left empty, said for what the list holds: "Välj minst ett alternativ." fits checkboxes, not a plan's rows.
FIELD_ERRORS = {
    ("rows", "too_short"): "Fyll i minst en rad: planen sparas som en hel revision.",
    ("guardians", "too_short"): "Ange minst en förälder eller vårdnadshavare.",
    # The meeting's decisions written with no category chosen read "Besluten gäller kategori: Fältet måste fyllas i.".
    ("decisions.0.category", "missing"): "Välj vilken kategori besluten gäller: den avgör vilka aktörer som får"
                                         " se dem.",
}

# A new row with custody ticked (as a fresh form's are) and no name, when no row has one: it was "Ange minst en
# förälder eller vårdnadshavare." of the whole list, though the row to fill in was there.
GUARDIAN_NAME_NONE = "Skriv namnet: en rad utan namn hoppas över, så ingen förälder eller vårdnadshavare skulle sparas."

GUARDIAN_NAME_KEPT = ("En registrerad förälder eller vårdnadshavare finns kvar i ärendet: skriv namnet. Har hen inte"
                      " längre vårdnaden, kryssa ur rutan under namnet.")

DOMAIN_ERRORS = {
    "invalid_personal_identity_number": "Personnumret är inte giltigt (kontrollera siffrorna).",
    "date_in_future": "Datumet får inte ligga i framtiden.",
    "date_before_birth": "Datumet ligger före den unges födelse.",
    "date_before_referral": "Datumet ligger före datumet för aktualiseringen.",
    "closure_reason_not_fitting": "Skälet ”Inte aktuell för en insatsgrupp” kan bara väljas när den unge är bedömd"
                                  " som inte aktuell (fliken Beslut). Välj ett annat skäl.",
    "goals_met_without_plan": "Skälet ”Målen är nådda” kan bara väljas när ärendet har haft en åtgärdsplan (fliken"
                              " Åtgärdsplan): utan plan fanns inga mål att nå. Välj ett annat skäl.",
    "empty_meeting": "Ange vilka som deltog, eller ett resultat eller beslut från mötet: ett tomt möte registreras"
                     " inte.",
    "not_lead_agency": "Endast socialtjänsten får göra detta.",
    "eligibility_not_accepted": "Den unge är inte bedömd som aktuell ännu.",
    "eligibility_already_decided": "Beslut om aktualitet är redan fattat.",
    "case_closed": "Ärendet är avslutat.",
    "case_declined": "Den unge är bedömd som inte aktuell för en insatsgrupp, så inget nytt samtycke registreras i"
                     " ärendet. Lämnade samtycken kan fortfarande begränsas eller återkallas; vägen tillbaka är en ny"
                     " aktualisering.",
    "outside_target_group": "Den unge är utanför målgruppen 15–25 år: ange ett skäl för att ändå besluta aktuell.",
    "guardian_cannot_consent_for_adult": "Den unge har fyllt 18: en vårdnadshavare kan inte lämna samtycke.",
    "extract_recipient_refused": "Loggutdraget lämnas till den unge, eller till en vårdnadshavare med vårdnad så"
                                 " länge den unge är under 18.",
    "guardian_consent_from_18": "En vårdnadshavares samtycke räknas bara till dagen före den unges 18-årsdag: det kan"
                                " inte börja gälla då eller senare.",
    "not_a_custodial_guardian": "Samtycket måste lämnas av den unge eller en vårdnadshavare med vårdnad.",
    "not_the_consenter": "Endast den som lämnade samtycket kan ändra det.",
    "unknown_consent": "Samtycket finns inte i ärendet.",
    "consent_not_in_force": "Samtycket är redan återkallat.",
    "narrowing_must_shrink": "En begränsning får bara ta bort mottagare eller kategorier, eller sluta tidigare.",
    "narrowing_ends_before_its_day": "En begränsning kan inte sluta före i dag: det som lämnats ut hittills står"
                                     " kvar. Återkalla samtycket för att avsluta det nu.",
    "already_a_group_member": "Aktören är redan med i gruppen.",
    "guardians_unchanged": "Vårdnadshavarna är redan registrerade så: inget ändrades. Ändra ett namn eller vem"
                           " som har vårdnaden, eller lägg till en förälder eller vårdnadshavare, för att spara.",
    "protection_unchanged": "Det är redan registrerat så: inget ändrades.",
    "next_meeting_unchanged": "Nästa möte är redan planerat så, eller inget möte är planerat att ställa in: inget"
                              " ändrades.",
    "plan_unchanged": "Planen är redan sparad så: inget ändrades. Ändra huvudmålet, en rad eller vilka som deltog"
                      " för att spara en ny revision.",
    "not_a_group_member": "Aktören är inte med i gruppen.",
    "responsible_not_a_member": "Aktören är inte med i gruppen och kan inte vara ansvarig för raden. Lägg till"
                                " den i gruppen först, eller ta bort den som ansvarig.",
    "outcome_origin_not_a_member": "Aktören är inte med i gruppen, så resultatet kan inte komma från den. Lägg"
                                   " till den i gruppen först, eller välj en aktör som är med.",
    "no_plan_yet": "Det finns ingen åtgärdsplan att följa upp.",
    "unknown_plan_row": "Raden finns inte i den gällande planen.",
    "not_responsible_for_row": "Ni är inte ansvariga för raden.",
    "legal_basis_not_applicable": "Lagstödet gäller inte för denna uppgift.",
    "clock_went_backwards": "Serverns klocka går efter klockan där ärendets senaste händelse registrerades, så "
                            "inget sparades. Det är ett fel hos oss, inte i det du skrev: försök igen om en stund.",
    "concurrent_change": "Ärendet har ändrats sedan du öppnade sidan.",
}

INVALID_INPUT = (  # the domain's InvalidInput messages, by their wording
    ("say whether the young person took part", "Ange om den unge deltog när planen upprättades (Ja eller Nej)."),
    ("a reason is given only when", "Ett skäl anges bara när den unge inte deltog: töm fältet eller välj Nej."),
    ("names only itself", "Ni kan bara ange er själva (och socialtjänsten) som deltagare: socialtjänsten"
                          " registrerar de andra aktörernas närvaro."),
    ("records only its own outcomes", "Ni kan bara registrera era egna resultat från mötet:"
                                      " socialtjänsten registrerar de andra aktörernas."),
    ("must have attended the meeting", "Resultatet kan bara komma från socialtjänsten eller en aktör som"
                                       " deltog i mötet: markera aktören bland deltagarna."),
    ("twice among the attendees", "Aktören finns med två gånger bland deltagarna: ange varje aktör en gång."),
    ("twice as responsible", "Aktören finns med två gånger bland de ansvariga: ange varje aktör en gång."),
    ("carried forward twice", "Samma rad i planen finns med två gånger: behåll den en gång."),
    ("instrument '", "Bedömningsinstrumentet finns med två gånger: ange varje instrument en gång."),
    ("twice in the scope", "Aktören finns med två gånger i omfattningen: samla alla dess kategorier på ett ställe."),
    ("named twice for", "Kategorin finns med två gånger för samma aktör: ange varje kategori en gång."),
    ("tells of a suspected crime", "En LUL 6 §-underrättelse gäller misstanke om brott: välj kategorin Brottslighet."),
    ("concerns only someone under 18", "En LUL 6 §-underrättelse och en orosanmälan enligt SoL 14 kap. 1 § gäller den"
                                       " som inte har fyllt 18 år: den unge hade fyllt 18 på datumet för"
                                       " aktualiseringen. Välj Känd hos socialtjänsten eller Annan väg."),
    ("does not carry the category", "Lagrummet för hur ärendet kom in omfattar inte den kategorin: välj en annan"
                                    " kategori för sammanfattningen."),
    ("listed twice", "Vårdnadshavaren finns med två gånger."),
    ("control character", "Texten innehåller ett tecken som inte kan sparas."),
    ("no guardian with this id", "Ingen sådan vårdnadshavare finns registrerad i ärendet."),
    ("must not be empty", "Fältet måste fyllas i."), ("is longer than", "Texten är för lång."),
    ("must be one of", "Välj ett av alternativen."),
    ("kind is required", "Välj vilket slags skyddade personuppgifter den unge har."),
    ("leave kind out", "Välj inget slag när markeringen tas bort."),
    ("before the protection began", "Datumet ligger före den dag det registrerade skyddet gäller från."),
    ("before the referral date", "Beslutet kan inte vara fattat före datumet för aktualiseringen."),
    ("before the meeting itself", "Datumet ligger före mötesdatumet."),   # matched "before" below: "startdatumet"
    ("before", "Datumet ligger före startdatumet."),
    ("may only be responsible", "Aktören får bara vara ansvarig för rader i sin egen kategori "
                                "(annars röjs att den är med i gruppen)."),
    ("give the row's category", "Området finns inte i listan: välj vilken kategori raden gäller (den avgör vilka som"
                                " får se raden)."),
    ("at least one", "Ange minst en."), ("must have attended", "Aktören måste ha deltagit i mötet."),
    ("unknown", "Okänt värde."),
)


# A route backed by law from an agency that is not among its senders (the catalogue's legal bases name them): it was
# "Ogiltigt värde." at Aktualiserad av, and a caseworker typing a school's LUL 6 § could not tell what to change.
ROUTE_FROM_WRONG_SENDER = re.compile(r"^an? (?P<basis>.+) cannot come from '")


# A text over its limit: "Texten är för lång." alone left a caseworker guessing how much of a long note to cut.
TOO_LONG = re.compile(r"is longer than (?P<limit>\d+) characters")


def text_too_long(limit: int) -> str:
    return f"Texten är för lång: högst {swedish_number(limit)} tecken."


def error_text(code: str, message: str) -> str:
    """A domain error in Swedish: by its code, or for malformed input by the rule it names."""
    if code in DOMAIN_ERRORS:
        return DOMAIN_ERRORS[code]
    too_long = TOO_LONG.search(message)
    if too_long:
        return text_too_long(int(too_long["limit"]))
    wrong_sender = ROUTE_FROM_WRONG_SENDER.match(message)
    if wrong_sender:
        return (f"En {wrong_sender['basis']} kan inte komma från den aktören. Välj den aktör som skickade den, eller"
                " välj en annan väg under Hur ärendet kom in.")
    for wording, swedish in INVALID_INPUT:
        if wording in message:
            return swedish
    return "Ogiltigt värde."


STATISTICS_MUNICIPALITY_ERROR = "Välj en kommun i listan."
STATISTICS_YEAR_ERROR = "Välj ett år i listan, från {first} till {last}."
# A link saved when the form took two dates (fran, till) still works when they are one whole calendar year; any
# other period is refused, as it was (overlapping periods would give a month's or a day's cases by their difference).
STATISTICS_PERIOD_ERROR = ("Länken anger en period (fran, till) som inte är ett helt kalenderår. Statistiken tas"
                           " fram för ett helt kalenderår: välj ett år i listan.")


def swedish_order(text: str) -> tuple[str, str]:
    """A sort key putting names as a Swedish list does: å, ä, ö after z and in that order (Python's order of str
    puts Ä before Å, and capitals before every small letter), æ and ø as ä and ö, é and other marked letters as
    their base letter (ü as y), upper and lower case alike; the text itself last, so the order is total."""
    letters = []
    for char in unicodedata.normalize("NFC", text).casefold():
        if char in _SWEDISH_LETTERS:
            letters.append(_SWEDISH_LETTERS[char])
        else:
            letters.append("".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)))
    return "".join(letters), text


_SWEDISH_LETTERS = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}   # "{|}" follow "z" in code points
