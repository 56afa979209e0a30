"""The texts of a municipality's overview pages: its de-identified statistics and its cases due for retention
(gallring).  Part of ``texts.T``, which the templates read."""

from __future__ import annotations


MUNICIPALITY_PAGES: dict[str, str] = {
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
}
