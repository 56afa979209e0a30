"""The supervisor's report as a document to file, through the API and the web: who made it and why, under its
heading, and its secrecy marking — the same report the command line writes (tests/integration/test_cli_audit.py
has its print header, footer and page numbers)."""

from __future__ import annotations

import re

from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_audit_reads import _state_purpose


SECRECY = "Innehåller uppgifter som kan omfattas av sekretess enligt offentlighets- och sekretesslagen (2009:400)"


def _made(report: str) -> str:
    return report.split("<p id=made>", 1)[1].split("</p>", 1)[0]


def test_the_report_says_which_auditor_made_it_and_for_what_purpose(client, users, tick, context, settings):
    """The report said neither who made it nor why; a supervisor filing it had to write that by hand.  The API's
    purpose header and the web's purpose for the case are the ones the read was logged with."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    api = client.get(f"/api/v1/audit/cases/{case_id}/report",
                     headers={**users.auditor, "Sigill-Purpose": "Tillsyn 17/2026"})
    assert api.status_code == 200
    made = _made(api.text)
    assert made.startswith("Upprättad 20") and made.endswith(
        " av Inspektionen för vård och omsorg (IVO), granskare. Syfte: Tillsyn 17/2026"), made
    assert f"<tbody><tr><td><main id=main>\n<p class=secrecy id=secrecy>{SECRECY}</p>" in api.text   # the top of the page
    unstated = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor)
    assert _made(unstated.text).endswith("(IVO), granskare."), _made(unstated.text)
    # The web: its purpose for the case, stated on the report's own line.
    ivo = web_as(context, settings, "ivo")
    stated = _state_purpose(ivo, f"/granskning/arenden/{case_id}/rapport", case_id, "Tillsyn 18/2026")
    assert stated.status_code == 303
    web = ivo.get(f"/granskning/arenden/{case_id}/rapport")
    assert web.status_code == 200
    assert _made(web.text).endswith("(IVO), granskare. Syfte: Tillsyn 18/2026"), _made(web.text)
    assert f"<p class=secrecy id=secrecy>{SECRECY}</p>" in web.text
    number = re.search(r"<h1>Granskningsrapport – ärende (\d{4}-\d{4}-\d{4})</h1>", web.text)[1]
    assert (f"<thead class=running aria-hidden=true><tr><td><p class=running-head>Granskningsrapport – ärende {number}</p>"
            f"<p class=secrecy>{SECRECY}</p></td></tr></thead>") in web.text   # each printed page's head
