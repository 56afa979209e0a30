"""The texts of a case's group work: the group's members, the plan (åtgärdsplan) and its revisions, and the
network meetings.  Part of ``texts.T``, which the templates read."""

from __future__ import annotations

from services import presentation


GROUP_PAGES: dict[str, str] = {
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
    "group_waits_referred": "Den unge är inte bedömd som aktuell ännu: gruppen, åtgärdsplanen och möten registreras"
                            " efter ett beslut att den unge är aktuell (fliken Beslut).",
    "group_waits_declined": "Den unge är bedömd som inte aktuell för social insatsgrupp: ärendet får ingen grupp,"
                            " åtgärdsplan eller möten.",
}
