"""The access log's wording: its readers that are no agency of the catalogue (JO, IVO, Sigill's command line) by
name, what each entry read, and its check of the reads an answer shows, in one line.

Apart because the access log is its own record (``services.access_log``), told alike by the web's Åtkomstlogg, the
young person's extract, `sigill audit access-log` and the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.catalogue import Catalogue
from domain.errors import InvalidInput
from services.principals import COMMAND_LINE
from services.wording import swedish_number, to_the_minute

# Readers in the access log that are no agency of the catalogue: auditors' bodies, the national evaluator (role
# evaluator: its statistics runs), and Sigill's command line itself (`sigill audit`, `sigill views show`;
# ``services.principals.COMMAND_LINE``).  The web's Åtkomstlogg and `sigill audit access-log` take and name them alike.
READERS_OUTSIDE = {"jo": "JO", "ivo": "IVO", "socialstyrelsen": "Socialstyrelsen", "sigill": "Sigills kommandorad"}


def reader_agency_name(agency: str, catalogue: Catalogue) -> str:
    """An access-log reader's agency by name: a catalogue agency's, JO, IVO, Socialstyrelsen or Sigill's command line;
    an id known to neither as it is."""
    known = catalogue.agencies.get(agency)
    return known.name if known is not None else READERS_OUTSIDE.get(agency, agency)


def reader_agency(catalogue: Catalogue, agency: str, field: str) -> str:
    """A reader's agency a search of the log takes: the catalogue's, or a reader outside it (``READERS_OUTSIDE``);
    any other is refused, listing them — a typo found no read, and an empty answer read as no one having read."""
    if agency in READERS_OUTSIDE:
        return agency
    try:
        return catalogue.agency(agency, field=field).id
    except InvalidInput as error:
        readers = ", ".join(sorted({*catalogue.agencies, *READERS_OUTSIDE}))
        raise InvalidInput(f"{error} (the agencies: {readers})", field=field) from None


# What an access-log entry read (its ``what``'s kind, before any ":"), in Swedish.
READS = {"statistics": "uppföljningsstatistik (avidentifierad, inget enskilt ärende)",
         "retention_due": "listan över gallringsbara ärenden",
         "audit.retention_due": "listan över gallringsbara ärenden (granskning)",
         "case_list": "ärendelistan", "audit.case_list": "ärendelistan (granskning)",
         "audit.case_index": "förteckningen över ärenden (granskning)",
         "duplicate_check": "kontrollen av öppna ärenden vid en ny aktualisering",
         "timeline": "tidslinjen", "plan": "åtgärdsplanen", "meetings": "mötena", "contributions": "egna uppgifter",
         # The Beslut tab's words (its heading "Beslut om aktualitet"): "målgruppen" is the age span 15–25 alone.
         "eligibility": "beslutet om aktualitet", "guardians": "vårdnadshavarna", "closure": "avslutet",
         "protection": "skyddade personuppgifter",
         "case": "ärendet",   # a read of the protection in a guardian's limited extract (services.guardian_extract)
         "extract": "loggutdraget", "extract.guardian": "loggutdraget till en vårdnadshavare", "consents": "samtyckena", "group": "gruppen", "follow_ups": "uppföljningen",
         "audit.facts": "alla uppgifter (granskning)", "audit.disclosures": "utlämnandeloggen (granskning)",
         "audit.replay": "återspelning (granskning)", "audit.report": "granskningsrapporten",
         "audit.access_log": "åtkomstloggen (granskning)",
         "audit.deliveries": "Kafka-leveranserna (granskning)",
         "feed": "aktörens flöde", "audit.feed": "en aktörs flöde (granskning)",
         "views.show": "en aktörs vy (kommandoraden)", "views.cases": "en aktörs ärendelista (kommandoraden)",
         "views.log": "den lagrade utlämnandeloggen (kommandoraden)"}
# `views.log` read by anyone but the command line: an auditor through the API (`/audit/cases/{id}/stored-log`).
STORED_LOG_THROUGH_API = "den lagrade utlämnandeloggen (API)"


def read_label(catalogue: Catalogue, what: str, reader: str = "") -> str:
    """What an access-log entry read, as the auditors' search (web and command line) and the extract say it: an
    auditor's replay with whose view, as of when ("återspelning (granskning): Polisen, 2026-03-10 14:00 CET"), a
    disclosure log, feed or view with its agency; other reads by their name alone (an extract's guardian is a random
    id).  ``reader``: the entry's agency — the stored log is read as ``views.log`` by the command line and by the API
    alike, told apart by who read (older entries too: nothing stored says more)."""
    kind, _, detail = what.partition(":")
    label = READS.get(kind, what)
    if kind == "views.log" and reader and reader != COMMAND_LINE:
        label = STORED_LOG_THROUGH_API
    if kind == "statistics" and detail:   # statistics:0180:2026-01-01:2026-12-31
        municipality, _, period = detail.partition(":")
        return f"{label}: {municipality}, {period.replace(':', '–')}"
    if kind == "audit.case_index" and detail.count(":") == 3:   # audit.case_index:1:50:<first>:<last>
        page, shown, first, last = detail.split(":")
        numbers = first if first == last else f"{first} – {last}"
        return f"{label}: sida {page}, {shown} ärende{'' if shown == '1' else 'n'}, {numbers}"
    if not detail or not (kind.startswith("views.") or kind in ("audit.feed", "audit.replay", "audit.disclosures",
                                                                    "audit.deliveries")):
        return label
    agency, _, at = detail.partition("@")
    try:
        moment = f", {to_the_minute(datetime.fromisoformat(at))}" if at else ""
    except ValueError:
        moment = f", {at}"
    return f"{label}: {_agency_label(catalogue, agency)}{moment}"


def _agency_label(catalogue: Catalogue, agency: str) -> str:
    """An agency a read names (whose view, feed or log): as the web has always said one it does not know, in capitals."""
    known = catalogue.agencies.get(agency)
    return known.name if known is not None else READERS_OUTSIDE.get(agency, agency.upper())


def access_log_checked(verdict: Any, *, numbered: bool = True) -> str:
    """The access log's check of the reads an answer shows (``services.access_chain.ShownVerdict``), in one line:
    whether the answer can be trusted to hold every read.  ``numbered``: name the log's own numbers (an auditor's
    answers); the young person's extract names none (they count the reads of every case in the installation)."""
    if verdict.intact:
        return f"Åtkomstloggen kontrollerad: ingen läsning saknas i loggen, och {_shown_as_written(verdict.shown)}."
    if verdict.missing and not numbered:
        # The count is the whole installation's (the log is one chain): the young person's extract told social
        # services how many reads were removed across every case.  It speaks of the case's reads only — and which
        # case a removed read was of cannot be seen, so it says that, not whether one was this case's.
        found = ("läsningar har tagits bort ur loggen i efterhand, och om någon av dem gällde detta ärende går inte"
                 " att se")
    elif verdict.missing:
        n = verdict.missing
        missing = "en läsning saknas" if n == 1 else f"{swedish_number(n)} läsningar saknas"
        found = (f"{missing} i loggen (den första: läsning {verdict.seq}) – borttagna i efterhand; vilket ärende de"
                 " gällde går inte att se")
    elif numbered:
        found = verdict.swedish
    elif verdict.finding == "gone":
        found = "de senast skrivna läsningarna har tagits bort"
    else:
        found = "en läsning som visas här är inte den som skrevs"
    return f"Åtkomstloggen har ändrats: {found}. Det som visas här kan vara ofullständigt."


def _shown_as_written(shown: int) -> str:
    """What the check says of the reads shown, for their number: none shown read "de 0 läsningar som visas här är de
    som skrevs", one "de 1 läsningar"."""
    if shown == 0:
        return "här visas ingen läsning"
    if shown == 1:
        return "den läsning som visas här är den som skrevs"
    return f"de {swedish_number(shown)} läsningar som visas här är de som skrevs"
