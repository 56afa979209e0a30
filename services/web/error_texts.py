"""The web's error messages in Swedish: a domain error's (``error_text``) and a form field's, an error page's title,
why a sign-in ended or failed, the statistics form's refusals."""

from __future__ import annotations

import re

from services.wording import swedish_number


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
    # The plan form's own rule (``forms.group``): a new revision is a new statement, never taken from the last.
    ("young_person_took_part", "missing"): "Svara Ja eller Nej: varje ny revision anger om den unge deltog när den"
                                           " upprättades.",
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
    # A year mistyped in a date field (2226) was "Ogiltigt värde.": the calendar's years (domain.calendar), said.
    ("must be a date from", "Ange ett datum från år 1900 till 2199."),
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
