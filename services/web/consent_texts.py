"""The texts of a case's consents: who sees what now, the consents given, granting, narrowing and withdrawing
one.  Part of ``texts.T``, which the templates read."""

from __future__ import annotations


CONSENT_PAGES: dict[str, str] = {
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
}
