"""The Swedish texts of the web client, kept apart from the code so that a translation can follow.

Templates read ``T`` (page texts; the auditors' pages' in ``audit_texts``), ``LABELS`` (form fields) and the choice
lists (``form_texts``, with what a saved form says); error messages come from ``error_texts.error_text``.  Facts and
bases are described by ``services.presentation`` and ``services.basis_text`` (shared with the CLI and the report).
"""

from __future__ import annotations

import unicodedata

from services import presentation
from services.web.audit_texts import AUDIT_PAGES


def _joined(*parts: dict[str, str]) -> dict[str, str]:
    """The page texts' parts as one.  A key two parts name would leave one page with another's text unsaid (each
    literal's own repeated keys are found by tests/unit/test_dict_literals.py, a key repeated across parts not)."""
    whole: dict[str, str] = {}
    for part in parts:
        repeated = whole.keys() & part.keys()
        if repeated:
            raise ValueError(f"page texts named twice: {sorted(repeated)}")
        whole.update(part)
    return whole


T: dict[str, str] = _joined({
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
    # From the 18th birthday nobody has custody: who had it is what the record keeps (the box says so, too).
    "guardians_intro_18": "Ange den unges föräldrar och andra vårdnadshavare, och vilka som hade vårdnaden när den"
                          " unge fyllde 18 år: vårdnaden upphörde då. Tomma nya rader hoppas över.",
    "guardian_n": "Förälder eller vårdnadshavare", "has_custody": "har vårdnaden",
    "had_custody_18": "hade vårdnaden till den unges 18-årsdag",
    "guardians_submit": "Spara vårdnadshavare", "guardians_none": "Inga registrerade.",
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
    "consent_named": "samtycke {id}",   # each card's Begränsa, to a screen reader: every card's said the same
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
    # A member seeing no main goal (`case`): the same words whether or not a later revision hides its rows.
    "plan_latest_seen": "Den senaste revision där ni ser rader",
    "plan_latest_seen_note": "Ni ser inte planens huvudmål, och därför inte om planen har reviderats senare utan"
                             " rader som ni får se.",
    "plan_rows_none_member": "Inga rader i planen att visa för er.",
    "plan_revision": "Revision", "plan_main_goal": "Huvudmål", "plan_edit": "Ny revision av planen",
    "plan_edit_intro": "Planen sparas som en hel ny revision. Lämna en rad helt tom för att ta bort den.",
    "participation_title": "Vilka upprättade planen",
    "participation_hint": "Gäller den här revisionen: planen upprättas i samråd med den unge och berörda parter."
                          " Svara Ja eller Nej för varje ny revision.",
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
    # A member's row gone from its view: removed, or moved to a category it may not see — one wording for both; and
    # a row come into it: new, or moved from a category it may not see — one wording for both (plan.html says why).
    "diff_gone_from_view": "Inte längre bland raderna ni ser –",
    "diff_come_into_view": "Nu bland raderna ni ser –",
    "diff_category": "från {before} till {after}",
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
    "group_waits_referred": "Den unge är inte bedömd som aktuell ännu: gruppen, åtgärdsplanen och möten registreras"
                            " efter ett beslut att den unge är aktuell (fliken Beslut).",
    "group_waits_declined": "Den unge är bedömd som inte aktuell för social insatsgrupp: ärendet får ingen grupp,"
                            " åtgärdsplan eller möten.",
    "internal": "Ett oväntat fel inträffade. Det är loggat.", "csrf": "Formuläret har gått ut. Ladda om sidan och "
                "försök igen.", "choose": "– välj –", "none_choice": "– ingen –", "optional": "(valfritt)",
    # A refused form's page title begins so (WCAG 3.3.1): the title is the first thing a screen reader reads.
    "title_error": "Fel",
}, AUDIT_PAGES)


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
