"""The Swedish words all of Sigill's texts share: an agency by name, a list ("A, B och C"), categories by name, a
moment to the second or the minute, counts and numbers (``swedish_number``: "1 234", not "1,234"), names in a Swedish
list's order (``swedish_order``).

Apart because nearly every text (``presentation``, ``basis_text``, ``standing_text`` …) uses them: here, none of
those texts has to import another for them.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from domain.calendar import STOCKHOLM, local_date
from domain.catalogue import Catalogue


def agency_name(agency: str, catalogue: Catalogue) -> str:
    """The agency's name; an id the catalogue does not know (a stored row altered, or an agency since removed) as
    it is."""
    known = catalogue.agencies.get(agency)
    return known.name if known is not None else agency


def joined(names: list[str]) -> str:
    """"A", "A och B", "A, B och C": names as a Swedish sentence lists them."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def category_names(ids: Any, catalogue: Catalogue) -> str:
    """The categories by their Swedish names, in lower case, without their explanations; "ingenting" for none."""
    return ", ".join(catalogue.category(c).name.split(" (")[0].lower() for c in ids) or "ingenting"


def to_the_second(at: datetime) -> str:
    """Swedish time to the second, with its zone (CET or CEST), as the command line and the web client's replay say
    a moment: two answers a minute apart can differ, and without the zone the hour the clocks go back reads twice."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S %Z")


def to_the_minute(at: datetime) -> str:
    """Swedish time to the minute, with its zone, as the printable report and the auditors' web pages show a row's
    time (the access log, the loggutdrag, the disclosure log)."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")


def swedish_number(value: Any) -> str:
    """A count or a median as a Swedish sentence writes it: 1 234 (a narrow no-break space), 18,5, and "<5" or ".."
    as they are.  Python's ``:,`` wrote "1,234", which a Swedish reader takes for one point two three four."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    return str(value)


def one_or_many(count: int, one: str, many: str) -> str:
    """``one`` for a count of one, ``many`` for 0 or 5: the words that agree with a count said elsewhere in the
    sentence ("… och lämnades orörd", "om det är gallringsbart")."""
    return one if count == 1 else many


def counted(count: int, one: str, many: str) -> str:
    """A count and its words in the number Swedish gives them: ``counted(1, "ny händelse", "nya händelser")`` is
    "1 ny händelse", and 0 or 5 take ``many``.  Texts wrote "{n} rader" whatever n was, and said "1 rader"."""
    return f"{swedish_number(count)} {one_or_many(count, one, many)}"


def all_of(count: int, one: str = "", many: str = "") -> str:
    """All of a set, of one as of many: "den enda kontrollpunkten", "alla 5 kontrollpunkter" (``one`` in the
    definite form "den enda" takes); without words "den enda", "alla 5".  A first export holds one checkpoint, and
    texts said "alla 1"."""
    said = "den enda" if count == 1 else f"alla {swedish_number(count)}"
    words = one_or_many(count, one, many)
    return f"{said} {words}" if words else said


def facts_count(n: int) -> str:
    """"1 uppgift", "3 uppgifter"."""
    return counted(n, "uppgift", "uppgifter")


def unnumbered_row(row: dict[str, Any]) -> str:
    """What tells apart a case list's rows without the case's number (the web's list, `sigill views cases`): how
    many facts the agency sees, and the day of the first of them — the first row of its own timeline of the case
    ("3 uppgifter, den första 2026-02-01").  Several such rows were told apart by a count alone.  Only what the
    agency's view holds: never the number, the phase, nor when the case or the group began."""
    count = facts_count(row["facts"])
    first = row.get("first_fact_at")
    return f"{count}, den första {local_date(first).isoformat()}" if first is not None else count


def checkpoints_confirmed(n: int) -> str:
    """"1 signerad kontrollpunkt bekräftad", "12 signerade kontrollpunkter bekräftade" (it read "1 signerade
    kontrollpunkter bekräftade")."""
    return counted(n, "signerad kontrollpunkt bekräftad", "signerade kontrollpunkter bekräftade")


def reads_counted(count: int) -> str:
    """"1 läsning", "5 läsningar" (it said "1 läsningar stämmer"): the access log's reads, by `sigill audit verify`
    and the report alike."""
    return counted(count, "läsning", "läsningar")


def rows_counted(count: int) -> str:
    """"1 rad", "5 rader": rows of a log or a plan, or that a check found, wherever a text counts them."""
    return counted(count, "rad", "rader")


def rows_compared(count: int) -> str:
    """"1 rad jämförd", "5 rader jämförda": the disclosure log held to the case's events, as every text says it."""
    return counted(count, "rad jämförd", "rader jämförda")


EVENTS = ("händelse", "händelser")   # a stored event, and many: every text's and progress line's word


def events_counted(count: int) -> str:
    """"1 händelse", "5 händelser": stored events, as the ledger's and the views' texts count them."""
    return counted(count, *EVENTS)


def cases_counted(count: int) -> str:
    """"1 ärende", "5 ärenden"."""
    return counted(count, "ärende", "ärenden")


def closed_cases_unreadable(count: int) -> str:
    """"1 avslutat ärende kunde inte läsas (…), så om det är gallringsbart kan inte sägas": the list of cases due for
    culling on the web and `sigill erase --due` alike (they said "1 avslutade ärenden … om de är")."""
    return (f"{counted(count, 'avslutat ärende', 'avslutade ärenden')} kunde inte läsas (ärendets nyckel är skadad),"
            f" så om {one_or_many(count, 'det är gallringsbart', 'de är gallringsbara')} kan inte sägas")


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
