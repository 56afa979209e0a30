"""The supervisor's printable report (services/report.py: the web's, the API's and `sigill audit report`'s one
document) held to the web client's accessibility rules (``test_web_accessibility.problems``): its content in a
``<main>`` landmark, every table named by the heading or finding it stands under, every header cell scoped and every
body row headed by the cell that names what the row is about, in each form the report takes — a case's, with the
stored disclosure log differing from the events, with logs a rebuild replaced, and a history that no longer reads.
tests/e2e/test_report_printed.py prints it."""

from __future__ import annotations

import re

import psycopg

from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_web_accessibility import Element, Page, _text, problems

LOG = ["När", "Myndighet", "Ändring", "Uppgifts-id", "Uppgift", "Grund", "Orsak"]


def _tables(html: str) -> list[tuple[str, list[str], set[str | None]]]:
    """Each data table as a screen reader's list of tables names it — its caption, or the text of the elements its
    aria-labelledby names, joined — with its column heads (a layout table is none), and the columns its body rows'
    header cells (scope=row) stand in: one a row; None for a row without one."""
    page = Page(html)
    ids = {key: found[0] for key, found in page.by_id().items()}
    tables = []
    for table in page.all("table"):
        if table.attrs.get("role") == "presentation":
            continue
        caption = [c for c in table.children if c.tag == "caption"]
        name = _text(caption[0]) if caption else " ".join(
            _text(ids[i]) for i in table.attrs.get("aria-labelledby", "").split() if i in ids)
        heads = [_text(th) for th in page.all("th") if th.within("table") is table and th.attrs.get("scope") == "col"]
        tables.append((name, heads, _row_heads(page, table, heads)))
    return tables


def _row_heads(page: Page, table: Element, heads: list[str]) -> set[str | None]:
    """The column heads under which ``table``'s body rows have their row header — the only header cell of the row,
    scoped to it — and None for a row with none, or more than one."""
    found: set[str | None] = set()
    for row in (tr for tr in page.all("tr") if tr.within("table") is table and tr.within("thead") is None):
        cells = [c for c in row.children if c.tag in ("td", "th")]
        at = [i for i, c in enumerate(cells) if c.tag == "th" and c.attrs.get("scope") == "row" and _text(c)]
        found.add(heads[at[0]] if len(at) == 1 and len(cells) == len(heads)
                  and sum(c.tag == "th" for c in cells) == 1 else None)
    return found


def test_every_table_of_the_report_is_named_and_its_content_is_in_main(client, users, tick, context, postgres,
                                                                       settings):
    """Before: the report's tables had no name (a screen reader's list of tables: "tabell" three to five times) and
    their header cells no scope, and nothing of it was in a landmark — the web's way back and purpose form neither,
    with no skip link past them."""
    case_id, _ = school_consented_case(client, users, tick)
    path = f"/api/v1/audit/cases/{case_id}/report"
    report = client.get(path, headers=users.auditor).text
    assert problems(report, document=True) == []
    # Each body row headed by what it is about, named in its cell: the consent by its id, a timeline's or a log's
    # row by its moment — a screen reader says it with each other cell of the row.
    assert _tables(report) == [
        ("Samtycken", ["Id", "Lämnat av", "Ändamål (form)", "Mottagare och kategorier", "Giltigt", "Historik"],
         {"Id"}),
        ("Tidslinje", ["Registrerat", "Händelse", "Uppgifts-id", "Ursprung", "Kategori", "Uppgift"], {"Registrerat"}),
        ("Vem kunde se vad, när och varför", LOG, {"När"})]
    web = web_as(context, settings, "ivo").get(f"/granskning/arenden/{case_id}/rapport").text
    assert problems(web, document=True) == []   # the way back and the purpose form: a header, a skip link first

    with psycopg.connect(postgres.conninfo()) as conn:   # one stored row says the school saw a fact by law
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")   # as its owner may: the trigger off
        conn.execute("UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE id ="
                     " (SELECT min(id) FROM disclosure_log WHERE case_id = %s AND agency = 'skola')", (case_id,))
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    differing = client.get(path, headers=users.auditor).text
    assert problems(differing, document=True) == []
    assert ("Den lagrade utlämnandeloggen skiljer sig från ärendets händelser", [*LOG, "Bara i"], {"När"}) \
        in _tables(differing)

    context.cases.lists.runner.rebuild()   # the altered log kept as the one the rebuild replaced
    rebuilt = client.get(path, headers=users.auditor).text
    assert problems(rebuilt, document=True) == []
    [(name, heads, row_heads)] = [table for table in _tables(rebuilt) if table[0].startswith("Ersatta")]
    assert re.fullmatch(r"Ersatta utlämnandeloggar Ombyggd \d{4}-\d\d-\d\d \d\d:\d\d CES?T", name), name
    assert heads == [*LOG, "Bara i"] and row_heads == {"När"}


def test_the_report_of_a_history_that_no_longer_reads_is_in_main_too(client, users, tick, postgres):
    case_id, _ = school_consented_case(client, users, tick)
    with psycopg.connect(postgres.conninfo()) as conn:   # an event altered past the ledger's end: it no longer decrypts
        version = conn.execute("SELECT max(originator_version) FROM sigill_events WHERE originator_id = %s",
                               (case_id,)).fetchone()[0]
        conn.execute("ALTER TABLE sigill_events DISABLE TRIGGER USER")
        conn.execute("UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE originator_id = %s"
                     " AND originator_version = %s", (case_id, version))
    report = client.get(f"/api/v1/audit/cases/{case_id}/report", headers=users.auditor).text
    assert "<h2>Ärendets historik kan inte läsas</h2>" in report
    assert problems(report, document=True) == []
