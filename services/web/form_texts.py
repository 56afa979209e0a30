"""What the web's forms say in Swedish: their fields' labels (``LABELS``) and choice lists, what a saved form says on
the page it leads to (``saved_notice``), a query or form the page cannot use named by its fields, the development
sign-in's users."""

from __future__ import annotations

import re

from services import presentation, protection_text
from services.web.texts import T


# Query parameters of the pages that no form label names (LABELS first: ``query_field``).
QUERY_NAMES: dict[str, str] = {"sida": "Sida", "fas": T["filter_phase"], "nummer": "Ärendenummer",
                               "myndighet": "Aktör", "tid": "Tidpunkt", "efter": "Nästa sida",
                               "fore": "Föregående sida", "fel": "Sökrutans meddelande"}


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
    "fran": "Från (datum)", "till": "Till (datum)",   # the access log's, as its boxes are labelled
    "fil": T["kept_file"], "nycklar": T["kept_keys"],   # the ledger's upload, as its boxes are labelled
    "confirm": "Bekräftelse",
    "municipality": "Kommun", "personnummer": "Personnummer eller samordningsnummer", "name": "Den unges namn",
    "entry_route": "Hur ärendet kom in", "referring_agency": "Aktualiserad av", "referral_date": "Datum för aktualisering",
    "summary": "Sammanfattning", "summary_category": "Kategori för sammanfattningen",
    "accepted": "Beslut", "reasons": "Skäl", "instruments": "Bedömningsinstrument", "decided_on": "Beslutsdatum",
    "outside_target_group_reason": "Skäl om den unge är utanför målgruppen 15–25 år",
    "guardians": "Föräldrar och vårdnadshavare", "guardians.name": "Namn",
    # A "vårdnadshavare" has custody by definition: "Vårdnadshavare 1 … ☐ Har vårdnad" read as a contradiction.
    "guardians.has_custody": "Har vårdnaden om den unge (då krävs hens samtycke medan den unge är under 18)",
    # The same box from the 18th birthday: custody has ended there, and a guardian's consent no longer counts.
    "guardians.has_custody_18": "Hade vårdnaden om den unge (den unge har fyllt 18 år: vårdnaden har upphört och hens"
                                " samtycke behövs inte)",
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


SAVED_GUARDIANS_TURNED_18 = ("Vårdnadshavarna är sparade. Den unge har fyllt 18 år: bara den unges eget samtycke"
                             " behövs. Registrera det nedan.")


def saved_notice(command: str, declined: bool, custody_added: bool = False, turned_18: bool = False) -> str | None:
    """What the page a saved form led to says (``?sparat=<command>``), with the next step; ``declined``: the case
    was found not eligible (its head's ``waiting``), whose next step is its closure."""
    if command == "decide_eligibility" and declined:
        return SAVED_DECLINED
    if command == "record_guardians" and custody_added:
        return SAVED_CUSTODY_ADDED
    if command == "record_guardians" and turned_18:   # the form below offers the young person alone
        return SAVED_GUARDIANS_TURNED_18
    return SAVED.get(command)

ENTRY_ROUTES = {"known": "Känd hos socialtjänsten", "sol14": "SoL 14-anmälan (orosanmälan)",
                "lul6": "LUL 6 §-underrättelse från polisen", "other": "Annan väg"}
CONSENT_FORMS = {"written": "Skriftligt", "oral_documented": "Muntligt, dokumenterat"}
FOLLOW_UP_STATUSES = {"ongoing": "Pågår", "partly": "Delvis uppnått", "achieved": "Uppnått",
                      "not_achieved": "Inte uppnått"}
CLOSURE_REASONS = presentation.CLOSURE_REASONS
PROTECTION_KINDS = protection_text.PROTECTION_KINDS
MEETING_KINDS = presentation.MEETING_KINDS


def as_choice(text: str) -> str:
    """A select's choice begins with a capital, as every select's do; the same words in a sentence or a cell do not."""
    return text[:1].upper() + text[1:]


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
