"""The follow-up statistics in Swedish, for the command line and the web page alike: each breakdown's heading and
its cells' names, each median's, in the order shown (``sections``).  The web client's ``texts`` takes its words
from here, as it takes the closure reasons from ``presentation``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.calendar import local_date

from services import presentation
from services.wording import swedish_number

BREAKDOWNS = {
    "entry_route": "Aktualiseringar efter väg in",
    "age_at_referral": "Ålder vid aktualiseringen",
    "sex": "Aktualiseringar efter kön (enligt personnumret)",
    "eligibility": "Beslut om aktualitet",
    "accepted_by_sex": "Bedömda som aktuella efter kön",
    "target_group": "Bedömda som aktuella: inom eller utanför målgruppen 15–25 år",
    "action_plan": "Bedömda som aktuella: åtgärdsplan upprättad",
    "plan_participation": "Med åtgärdsplan: den senaste planen upprättad i samråd med den unge",
    "closure_reason": "Avslutade ärenden efter skäl",
    "plan_rows_by_category": "Rader i den senaste åtgärdsplanen efter kategori",
    "plan_rows_by_follow_up": "Rader i den senaste åtgärdsplanen efter socialtjänstens senaste uppföljning",
    "member_agencies": "Ärenden där myndigheten varit med i gruppen",
    "consents": "Samtycken",
}
# Each breakdown's first column: what its rows are (every table's said "Uppgift").
COLUMNS = {
    "entry_route": "Väg in", "age_at_referral": "Ålder", "sex": "Kön", "eligibility": "Beslut",
    "accepted_by_sex": "Kön", "target_group": "Målgrupp",
    "action_plan": "Åtgärdsplan", "plan_participation": "Den unge deltog", "closure_reason": "Skäl",
    "plan_rows_by_category": "Kategori", "plan_rows_by_follow_up": "Socialtjänstens senaste uppföljning",
    "member_agencies": "Myndighet", "consents": "Samtycken",
}
MEASURE = "Mått"   # the medians' first column
CELLS = {
    "accepted": "Aktuell", "declined": "Inte aktuell", "pending": "Inte beslutat ännu",
    "inside": "Inom målgruppen", "outside": "Utanför målgruppen (med skäl)",
    "with_plan": "Med åtgärdsplan", "without_plan": "Utan åtgärdsplan ännu",
    "with_young_person": "Ja", "without_young_person": "Nej", "not_recorded": "Ej angivet",
    # Socialstyrelsen's words in its statistics on children and young people; the legal sex the personnummer gives.
    "girls": "Flickor", "boys": "Pojkar",
    "under_15": "Under 15 år", "15_17": "15–17 år", "18_20": "18–20 år", "21_over": "21 år och äldre",
    # Social services' follow-ups only (domain.statistics.figures_of): a row only a member followed up is this one.
    "not_followed_up": "Inte uppföljd av socialtjänsten",
    "granted": "Lämnade samtycken", "withdrawn": "Återkallade samtycken",
    "cases_with_a_withdrawal": "Ärenden med minst ett återkallat samtycke",
}
MEDIANS = {
    "referral_to_decision": "Dagar från aktualisering till beslut om aktualitet",
    "referral_to_group": "Dagar från aktualisering till att gruppen bildades (första myndigheten med)",
    "referral_to_first_plan": "Dagar från aktualisering till första åtgärdsplanen",
    "decision_to_first_plan": "Dagar från beslut (aktuell) till första åtgärdsplanen",
    "referral_to_closure": "Dagar från aktualisering till avslut (avslutade ärenden)",
    "agencies_per_group": "Myndigheter i gruppen per ärende med en grupp",
    "meetings_per_accepted_case": "Nätverksmöten som socialtjänsten registrerat, per ärende bedömt som aktuellt",
}
TITLE = "Uppföljningsstatistik"
CASES = "Ärenden aktualiserade under perioden"
TOTAL = "Totalt"
MEDIAN = "Median"
# Not "färre än 5 ärenden" alone: a median over 5 or more is hidden too where showing it would give a hidden count
# back (domain.statistics_reader), and which of the two it was must not be said — "5 or more" is what it hides.
NOT_SHOWN = "visas inte (färre än 5 ärenden, eller för att ett dolt antal annars skulle kunna räknas fram)"
ERASED = "Gallrade ärenden i kommunen (alla perioder; ingår inte i något annat tal)"
UNREADABLE = "Ärenden som inte kunde läsas (skadad nyckel; ingår inte)"
FIXED = ("Fastställd {day}: ett avslutat års siffror tas fram första gången en utvärderare läser dem och ändras"
         " inte sedan, inte heller när ett ärende gallras.")


def fixed_text(at: datetime) -> str:
    """When an evaluator's year was made and kept, as a Swedish day."""
    return FIXED.format(day=local_date(at).isoformat())


PERIOD_RULE = ("Ett ärende räknas till perioden om datumet på aktualiseringen ligger inom den (båda dagarna"
               " medräknade). Det som hänt ärendena sedan – beslut, planer, avslut – räknas som det står i dag.")
# An evaluator's year: its cases as they stood when it ended (``services.statistics``: events before 1 January).
PERIOD_RULE_AT_YEAR_END = ("Ett ärende räknas till perioden om datumet på aktualiseringen ligger inom den (båda"
                           " dagarna medräknade). Det som hänt ärendena – beslut, planer, avslut – räknas som det stod"
                           " när året var slut.")
LEGEND = ("”<5”: 1–4 ärenden (eller rader). ”..”: dolt för att ett ”<5” inte ska kunna räknas fram ur totalen"
          " eller ur en annan tabell. En median visas bara över minst 5 ärenden, och inte där den skulle avslöja ett dolt"
          " antal.")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[tuple[str, Any]]   # (the cell's name, its count as shown)
    total: Any                    # None: the cells add up to nothing


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def cell_name(breakdown: str, key: str, catalogue: Any) -> str:
    """A cell's name in its breakdown ("other" is another route in one, another reason for closing in another)."""
    if breakdown == "entry_route":
        return _capital(presentation.ROUTES.get(key, key))
    if breakdown == "closure_reason":
        return presentation.CLOSURE_REASONS.get(key, key)
    if breakdown == "plan_rows_by_follow_up" and key in presentation.STATUSES:
        return _capital(presentation.STATUSES[key])
    if breakdown == "member_agencies" and key in catalogue.agencies:
        return catalogue.agencies[key].name
    if breakdown == "plan_rows_by_category" and key in catalogue.categories:
        return catalogue.categories[key].name.split(" (")[0]
    return CELLS.get(key, key)


def sections(figures: dict[str, Any], catalogue: Any) -> list[Section]:
    return [Section(key, BREAKDOWNS.get(key, key), [(cell_name(key, c, catalogue), v) for c, v in b["cells"].items()],
                    b["total"]) for key, b in figures["breakdowns"].items()]


def medians(figures: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(MEDIANS.get(key, key), value) for key, value in figures["medians"].items()]


def median_text(value: float | None) -> str:
    """A median as shown, in Swedish ("18,5"), or why not (``NOT_SHOWN``, the same words whichever reason hid it)."""
    return NOT_SHOWN if value is None else swedish_number(value)


CSV_COLUMNS = ("municipality", "from", "to", "table", "cell", "label", "value")


def csv_text(answer: dict[str, Any], catalogue: Any) -> str:
    """The API's answer (``statistics_out``) as one CSV row a figure, for an analyst's tools: the JSON's keys
    (``table``, ``cell``) beside the Swedish label, each value as shown ("<5", "..", a median's dot, empty where not
    shown).  Every row carries the municipality and period, so that several municipalities' files can be stacked."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    head = (answer["municipality"], str(answer["from"]), str(answer["to"]))
    writer.writerow((*head, "cases", "total", CASES, answer["cases"]))
    for key, b in answer["breakdowns"].items():
        for cell, value in b["cells"].items():
            writer.writerow((*head, key, cell, cell_name(key, cell, catalogue), value))
        if b["total"] is not None:
            writer.writerow((*head, key, "total", TOTAL, b["total"]))
    for key, value in answer["medians"].items():
        writer.writerow((*head, "medians", key, MEDIANS.get(key, key), "" if value is None else value))
    writer.writerow((*head, "erased_cases", "total", ERASED, answer["erased_cases"]))
    if answer["unreadable_cases"]:
        writer.writerow((*head, "unreadable_cases", "total", UNREADABLE, answer["unreadable_cases"]))
    return out.getvalue()
