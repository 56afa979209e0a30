"""The supervisor's report on one case: one self-contained, printable HTML page, in Swedish — its head, timeline and
log here; its checks in ``services.report_checks``, its consents in ``services.report_consents``."""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from html import escape
from typing import Any, Callable, Sequence
from uuid import UUID

from eventsourcing.domain import EventSourcingError
from eventsourcing.persistence import PersistenceError

from domain.case import Case
from domain.disclosure import VisibilityChange
from domain.facts import Fact
from domain.visibility import LogFold
from projections.agency_queries import protected_personal_data
from services.access_log_text import access_log_checked
from services.application import CaseApplication
from services.audit_text import CHANGES, describe_changes, describe_for_auditor, is_disclosure, own_facts_left_out
from services.basis_text import consent_facts, describe_cause
from services.ledger import Divergence, Verification
from services.presentation import PHASES, plan_rows
from services.principals import COMMAND_LINE
from services.protection_text import PROTECTION_KINDS, protection_history
from services.report_checks import (LOG_COLUMNS, access_log_changed, access_log_note, agreement_checked, altered,
                                    basis_cell, ledger_verdict, replaced_logs, replaced_not_given,
                                    stored_log_unheld)
from services.report_consents import consent_rows
from services.report_text import category_name, column_heads, row_head, swedish_minute
from services.stored_log import Agreement, ReplacedLog, rows_not_given
from services.wording import agency_name, rows_counted, swedish_number

# Every printed page is marked: the report mixes social services', the police's, schools' and health care's
# information, so the marking is the law's generic one, not one secrecy provision's.
SECRECY = "Innehåller uppgifter som kan omfattas av sekretess enligt offentlighets- och sekretesslagen (2009:400)"
# Printed, each page says which case it belongs to — its number: a page lying apart from the others must not show
# anyone's name or personnummer — and carries the marking, at its head and its foot: the document is one table whose
# head and foot every browser repeats on each printed page (``_sheet``; Firefox prints no page-margin boxes, and
# marked only the first page).  Page numbers come from a page-margin box where the browser has them (Chromium 131+;
# Firefox prints its own).  One style, allowed by its hash: no script, no other style.
STYLE = """
body{font:11pt/1.45 system-ui,sans-serif;color:#111;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:10pt}th,td{text-align:left;vertical-align:top;
padding:.25rem .4rem;border-bottom:1px solid #ddd}th{background:#eee}th[scope=row]{background:none;font-weight:inherit}
.ok{color:#0a5c0a;font-weight:600}.bad{color:#a00;font-weight:600}.basis{color:#444}.ids{color:#666}
.secrecy{border:2px solid #111;padding:.3rem .6rem;font-weight:600}
.sheet{font-size:inherit;table-layout:fixed}.sheet>*>tr>td{padding:0;border:0}.running{display:none}
.running-head{font-size:9pt;color:#333;margin:0 0 .4rem}.running-foot{font-size:8pt;margin:.6rem 0 0}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}.skip:focus{left:0}
@page{margin:15mm 15mm 18mm;
@bottom-right{content:"Sida " counter(page) " av " counter(pages);font:8pt system-ui,sans-serif;color:#333}}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}.noprint{display:none}
.sheet>thead.running{display:table-header-group}.sheet>tfoot.running{display:table-footer-group}
.sheet>tbody>tr{break-inside:auto}#secrecy{display:none}}
""".replace("SECRECY", SECRECY)
CONSENT_COLUMNS = column_heads("Id", "Lämnat av", "Ändamål (form)", "Mottagare och kategorier", "Giltigt",
                               "Historik")
TIMELINE_COLUMNS = column_heads("Registrerat", "Händelse", "Uppgifts-id", "Ursprung", "Kategori", "Uppgift")
# Served, the report is a page whose one style is inline: its policy allows that style, by its hash, and nothing else.
_STYLE_HASH = b64encode(sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; frame-ancestors 'none';"
                           " base-uri 'none'; form-action 'none'")


def case_report(app: CaseApplication, case_id: UUID, verification: Verification, generated_at: datetime,
                fact_ids: Callable[[str], str], case_divergence: Divergence | None = None,
                replaced: Sequence[ReplacedLog] = (), exported: int = 0,
                number_of: Callable[[], str | None] = lambda: None, *, agreement: Agreement | None = None,
                stored_rows: int | None = None, access_checked: Any = None, made_by: Preparer | None = None,
                history: Callable[[], Sequence[Any]], fold: Callable[[], LogFold] | None = None,
                access_kept: Any = None) -> str:
    """The report; each fact under its public id (what the agencies were given) and its event's version.  A
    case whose stored history is not what the ledger sealed (``case_divergence``: events removed from its end
    still leave a history that reads), or no longer reads at all, gets the report of that: what the
    verification found, and why nothing else can be said.  ``exported``: how many checkpoints of a supervisor's
    exported file the verification was made against as well.  ``number_of``: the case's number, asked only for a
    case whose history does not read (from the case list: the events cannot tell it).  ``agreement``: the stored
    disclosure log held to the case's events (``services.stored_log.compare``) — a cut-off tail the ledger alone
    cannot see (the closure removed with its ledger entry and the checkpoints after it) still leaves the rows it
    caused in the stored log, so a difference is warned of at the top; ``stored_rows``: how many rows the stored log
    holds of a case whose history cannot be held to it.  ``access_checked``: the access log's check of the case's
    reads (``services.access_chain.ShownVerdict``); ``access_kept``: the whole access log held to the exported file's
    checkpoint of it (``ChainVerdict``; None without one), a change it finds warned of at the top.  ``made_by``: who
    made it and for what purpose, said under its heading with ``generated_at``.  ``history``: the case's events,
    decoded from the rows the ledger's check read (``CaseService.report_read``: raising as decoding them does) — the
    report is made of what was verified, and reads nothing of the case itself; ``fold``: those events' fold
    (``ReportRead.fold``), which the stored log's check has folded up to the latest event — the report folds it on
    (otherwise folded here)."""
    others = stored_log_unheld(stored_rows) + access_log_note(access_checked, access_kept)
    if case_divergence is not None:
        return _unreadable(case_id, verification, generated_at, altered(case_divergence), exported, _number(number_of),
                           others, made_by)
    cat = app.catalogue
    try:
        events = history()
        case, facts, log = as_it_stands(app, case_id, events) if fold is None else of_the_fold(app, fold())
    except PersistenceError:
        raise   # the database, not the case: nothing to report yet
    except EventSourcingError as error:
        reason = getattr(error, "swedish", None) or next((line for line in str(error).splitlines() if line.strip()),
                                                          type(error).__name__)
        return _unreadable(case_id, verification, generated_at, f"De lagrade händelserna går inte att läsa som de"
                                                                f" skrevs: {reason}", exported, _number(number_of),
                           others, made_by)
    rows = plan_rows(facts)   # the auditor sees every row: a follow-up names the row it follows up
    rows_timeline = "".join(
        f"<tr>{row_head(swedish_minute(f.recorded_at))}<td>{f.version}</td><td><code>{fact_ids(f.fact_id)}</code></td>"
        f"<td>{escape(agency_name(f.origin, cat))}</td>"
        f"<td>{escape(category_name(f.category, cat))}</td><td>{escape(describe_for_auditor(f, cat, rows))}</td></tr>"
        for f in facts if f.audience is None or cat.lead_agency in f.audience)
    consents = consent_facts(facts)
    rows_consents = consent_rows(case, events, cat, generated_at)
    # A follow-up names its plan row as the row's recipient was shown it then, as the web's auditor log and `sigill
    # audit disclosures` say it (one pass over the whole log): not from every row, which read as if the police knew
    # a row they were never shown.
    rows_log = "".join(
        f"<tr>{row_head(swedish_minute(c.at))}<td>{escape(agency_name(c.agency, cat))}</td><td>{CHANGES[c.change]}</td>"
        f"<td><code>{fact_ids(c.fact.fact_id)}</code></td><td>{escape(described)}</td>"
        f"<td class=basis>{basis_cell(c.basis, c.change, c.at, consents, cat, recipient=c.agency)}</td>"
        f"<td>{escape(describe_cause(c.cause, cat))}</td>"
        "</tr>" for c, described in zip(log, describe_changes(log, cat)) if is_disclosure(c))
    own = sum(1 for c in log if not is_disclosure(c))
    own_note = f"<p id=own-facts>{escape(own_facts_left_out(own))}</p>" if own else ""
    return f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8">
<title>Granskningsrapport {escape(case.case_number)}</title>
<style>{STYLE}</style></head><body>
{_sheet(f"ärende {escape(case.case_number)}")}
<p class=secrecy id=secrecy>{SECRECY}</p>
<h1>Granskningsrapport – ärende {escape(case.case_number)}</h1>
<p>{escape(cat.municipality(case.municipality).name)} · fas: {PHASES[case.phase.value]} ·
ärende-id {case_id}</p>
<p id=made>{_made(made_by, generated_at, cat)}</p>
{_warnings(agreement, access_checked, access_kept, replaced)}{_protection(facts)}
<p>Alla tider är svensk tid: CET (vintertid) eller CEST (sommartid).</p>
<h2>Kontroll av att inget ändrats</h2>{ledger_verdict(verification, exported, len(events))}
{agreement_checked(agreement, {f.fact_id: f for f in facts}, fact_ids, cat, consents)}{access_log_note(access_checked, access_kept)}
<h2 id=consents-heading>Samtycken</h2>
<p>Mottagare, kategorier och giltighet som de var när rapporten upprättades; historiken visar vad samtycket först
omfattade och varje ändring. Under 18 år lämnas en uppgift ut med samtycke bara om den unges och varje
vårdnadshavares med vårdnad samtycke omfattar den: ett samtycke som gäller kan därför ändå inte räcka.</p>
<table aria-labelledby=consents-heading>{CONSENT_COLUMNS}
{rows_consents}</table>
<h2 id=timeline-heading>Tidslinje</h2>
<p>Händelse: händelsens nummer i ärendets historik. Uppgifts-id: det id myndigheterna fick uppgiften under
(i API:t och flödena).</p>
<table aria-labelledby=timeline-heading>{TIMELINE_COLUMNS}
{rows_timeline}</table>
<h2 id=log-heading>Vem kunde se vad, när och varför</h2>
<p>Varje tillfälle en uppgift lämnades ut till en annan myndighet än den som registrerade den, eller slutade
vara synlig för den, med grunden (samtycke eller lag) och orsaken: uppgiftens registrering, ett samtycke som
lämnades, begränsades eller återkallades, ändrad vårdnad, en myndighet som gick med i eller lämnade gruppen, eller ett datum (ett
samtycke som började gälla eller löpte ut, den unges 18-årsdag). För en uppgift som upphörde är grunden den som
gällde till dess.</p>
<table aria-labelledby=log-heading>{LOG_COLUMNS}
{rows_log}</table>
{own_note}
{replaced_logs(replaced, {f.fact_id: f for f in facts}, fact_ids, cat, consents, agreement)}
{SHEET_END}
</body></html>
"""


def as_it_stands(app: CaseApplication, case_id: UUID, history: Sequence[Any]
                 ) -> tuple[Case, tuple[Fact, ...], tuple[VisibilityChange, ...]]:
    """The case as it stands, every fact of it and its disclosure log up to now, from its history already read — one
    fold (``LogFold``): the log's, folded on through every stored event whatever its stamp, as ``get_case`` and
    ``all_facts`` fold it (the report read the case's history for each, then folded it twice)."""
    return of_the_fold(app, app.disclosure_fold(history))


def of_the_fold(app: CaseApplication, fold: LogFold) -> tuple[Case, tuple[Fact, ...], tuple[VisibilityChange, ...]]:
    """``as_it_stands`` of a fold of the case's history (``CaseApplication.disclosure_fold``, every agency's), folded
    on from wherever it was: its log up to now, then every stored event."""
    log = app.disclosures_of(fold)
    folded = fold.folded()
    return folded.case, tuple(folded.facts), log


def _sheet(named: str) -> str:
    """The document's opening: a table of one cell whose head — the case (``named``, HTML: its number, or its id) and
    the marking — and foot — the marking — each printed page repeats (hidden on screen, where the marking heads the
    page once).  A layout table, said so to assistive technology, and its head and foot — the print's repetitions of
    what the page says once — hidden from it in the markup too, not only by the screen's style.  Its cell
    holds the document's ``<main>`` landmark, closed by ``SHEET_END``: the report is its main content (the web's
    report has its way back and purpose form before it, in a ``<header>``: services/web/templates/report_head.html)."""
    return (f"<table class=sheet role=presentation><thead class=running aria-hidden=true><tr><td>"
            f"<p class=running-head>Granskningsrapport – {named}</p><p class=secrecy>{SECRECY}</p></td></tr></thead>"
            f"<tfoot class=running aria-hidden=true><tr><td><p class=running-foot>{SECRECY}</p></td></tr></tfoot>"
            f"<tbody><tr><td><main id=main>")


SHEET_END = "</main></td></tr></tbody></table>"


@dataclass(frozen=True)
class Preparer:
    """Who made the report and why: its reader, as the read was authorised and logged (``CaseService.audit_report``),
    and the purpose they gave (the command line's ``--purpose``, the API's header, the web's purpose for the case)."""

    agency: str            # the reader's agency: "jo", "ivo"; ``COMMAND_LINE`` for `sigill audit report`
    auditor: bool = True   # read as an auditor (the report is for no one else)
    purpose: str = ""


# Auditors' bodies are no agency of the catalogue.
AUDITORS = {"jo": "Justitieombudsmannen (JO)", "ivo": "Inspektionen för vård och omsorg (IVO)"}


def _made(made_by: Preparer | None, at: datetime, cat: Any) -> str:
    """"Upprättad 2026-12-05 13:14 CET av Inspektionen för vård och omsorg (IVO), granskare. Syfte: …" — the
    purpose only when one was given.  HTML."""
    if made_by is None:
        return f"Upprättad {swedish_minute(at)}."
    if made_by.agency == COMMAND_LINE:
        who = "med Sigills kommandorad (<code>sigill audit report</code>)"
    else:
        known = AUDITORS.get(made_by.agency) or (agency_name(made_by.agency, cat) if cat is not None else made_by.agency)
        who = f"av {escape(known)}{', granskare' if made_by.auditor else ''}"
    purpose = f" Syfte: {escape(made_by.purpose)}" if made_by.purpose.strip() else ""
    return f"Upprättad {swedish_minute(at)} {who}.{purpose}"


def _warnings(agreement: Agreement | None, access_checked: Any, access_kept: Any = None,
              replaced: Sequence[ReplacedLog] = ()) -> str:
    """At the top, where a supervisor filing the report reads first: what other checks than the ledger's found.  The
    ledger cannot see events cut from the end of the whole log together with their entries and the checkpoints after
    them; the stored disclosure log still holds what they caused.  A log a rebuild replaced under today's rules
    holding rows the events do not give (``not_given``): rows added to the log before a rebuild kept them."""
    warnings = []
    if agreement is not None and not agreement.agrees:
        warnings.append(
            f"Varning: den lagrade utlämnandeloggen – det som aktörernas flöden fick – skiljer sig från ärendets "
            f"händelser: {rows_counted(len(agreement.only_stored))} finns bara i den, "
            f"{swedish_number(len(agreement.only_replayed))} saknas i den. Tidslinjen, samtyckena och vem som kunde "
            "se vad nedan är återskapade ur händelserna och kan vara "
            "ofullständiga: händelser kan ha tagits bort eller ändrats. Se Kontroll av att inget ändrats.")
    not_given_rows = rows_not_given(agreement, replaced)
    if not_given_rows:
        warnings.append(replaced_not_given(not_given_rows))
    if access_kept is not None and not access_kept.intact:   # what the file finds, not the case's "as written"
        warnings.append(f"Varning: {access_log_changed(access_kept)}")
    elif access_checked is not None and not access_checked.intact:
        warnings.append(f"Varning: {access_log_checked(access_checked)}")
    return "".join(f"<p class=bad id=warning-{i}>{escape(w)}</p>\n" for i, w in enumerate(warnings, 1))


def _protection(facts: Sequence[Any]) -> str:
    """The report's head on skyddade personuppgifter, for a case that ever had them: the state now, and every
    recording and end (a disclosure is judged by whether the young person was protected then)."""
    history = protection_history(facts, swedish_minute)
    if not history:
        return ""
    now = protected_personal_data(facts)
    state = (f"{escape(PROTECTION_KINDS.get(now['kind'], now['kind']))} nu, gäller från {now['since']}" if now else
             "inga registrerade nu")
    return (f"<p{' class=bad' if now else ''} id=protected>Skyddade personuppgifter: {state}.</p>"
            f"<ul id=protected-history>{''.join(f'<li>{escape(line)}</li>' for line in history)}</ul>\n")


def _number(number_of: Callable[[], str | None]) -> str | None:
    """The case's number from the case list, or None: the list is caught up from the events first, and an event
    that no longer reads stops that too — the report is made all the same, under the case's id."""
    try:
        return number_of()
    except EventSourcingError:
        return None


def _unreadable(case_id: UUID, verification: Verification, generated_at: datetime, reason: str,
                exported: int = 0, number: str | None = None, others: str = "", made_by: Preparer | None = None) -> str:
    # The number the supervisor asked for and files the report under, from the case list (the events cannot say).
    named = f"ärende {escape(number)}" if number else f"ärende-id {case_id}"
    return f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8">
<title>Granskningsrapport {escape(number or str(case_id))}</title>
<style>{STYLE}</style></head><body>
{_sheet(named)}
<p class=secrecy id=secrecy>{SECRECY}</p>
<h1>Granskningsrapport – {named}</h1>
<p id=made>{f"ärende-id {case_id} · " if number else ""}{_made(made_by, generated_at, None)}</p>
<h2>Kontroll av att inget ändrats</h2>{ledger_verdict(verification, exported)}
{others}
<h2>Ärendets historik kan inte läsas</h2>
<p class=bad>{escape(reason)}.</p>
<p>Någon har ändrat eller tagit bort lagrade händelser. Tidslinje, samtycken och vem som kunde se vad kan därför
inte återskapas ur händelserna. Kontrollen ovan (och kontrollpunkter som tillsynsmyndigheten sparat) visar var
ändringen gjordes; en återläst säkerhetskopia kan kontrolleras mot dem.</p>
{SHEET_END}
</body></html>
"""
