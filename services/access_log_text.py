"""The access log's wording: its readers that are no agency of the catalogue (JO, IVO, Sigill's command line) by
name, and its check of the reads an answer shows, in one line.

Apart because the access log is its own record (``services.access_log``), told alike by the web's Åtkomstlogg, the
young person's extract, `sigill audit access-log` and the report.
"""

from __future__ import annotations

from typing import Any

from domain.catalogue import Catalogue

# Readers in the access log that are no agency of the catalogue: auditors' bodies, the national evaluator (role
# evaluator: its statistics runs), and Sigill's command line itself (`sigill audit`, `sigill views show`;
# ``services.principals.COMMAND_LINE``).  The web's Åtkomstlogg and `sigill audit access-log` take and name them alike.
READERS_OUTSIDE = {"jo": "JO", "ivo": "IVO", "socialstyrelsen": "Socialstyrelsen", "sigill": "Sigills kommandorad"}


def reader_agency_name(agency: str, catalogue: Catalogue) -> str:
    """An access-log reader's agency by name: a catalogue agency's, JO, IVO, Socialstyrelsen or Sigill's command line;
    an id known to neither as it is."""
    known = catalogue.agencies.get(agency)
    return known.name if known is not None else READERS_OUTSIDE.get(agency, agency)


def access_log_checked(verdict: Any, *, numbered: bool = True) -> str:
    """The access log's check of the reads an answer shows (``services.access_chain.ShownVerdict``), in one line:
    whether the answer can be trusted to hold every read.  ``numbered``: name the log's own numbers (an auditor's
    answers); the young person's extract names none (they count the reads of every case in the installation)."""
    if verdict.intact:
        return (f"Åtkomstloggen kontrollerad: ingen läsning saknas i loggen, och de {verdict.shown:,} läsningar som"
                " visas här är de som skrevs.")
    if verdict.missing and not numbered:
        # The count is the whole installation's (the log is one chain): the young person's extract told social
        # services how many reads were removed across every case.  It speaks of the case's reads only — and which
        # case a removed read was of cannot be seen, so it says that, not whether one was this case's.
        found = ("läsningar har tagits bort ur loggen i efterhand, och om någon av dem gällde detta ärende går inte"
                 " att se")
    elif verdict.missing:
        n = verdict.missing
        found = (f"{'en läsning saknas' if n == 1 else f'{n:,} läsningar saknas'} i loggen (den första: läsning"
                 f" {verdict.seq}) – borttagna i efterhand; vilket ärende de gällde går inte att se")
    elif numbered:
        found = verdict.swedish
    elif verdict.finding == "gone":
        found = "de senast skrivna läsningarna har tagits bort"
    else:
        found = "en läsning som visas här är inte den som skrevs"
    return f"Åtkomstloggen har ändrats: {found}. Det som visas här kan vara ofullständigt."
