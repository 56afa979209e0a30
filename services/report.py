"""The supervisor's report on one case: one self-contained, printable HTML page, in Swedish."""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from hashlib import sha256
from html import escape
from typing import Any, Callable, Iterable, Sequence
from uuid import UUID

from eventsourcing.domain import EventSourcingError
from eventsourcing.persistence import PersistenceError

from domain import case_events as ev
from domain.calendar import STOCKHOLM, end_of_day, local_date
from domain.consent_parts import scope_parts, waiting_parts
from domain.judge import CUSTODY_UNKNOWN
from domain.standing import EXPIRED, NOT_STARTED, WITHDRAWN, Cover, Lapse, standing_at
from domain.values import YOUNG_PERSON, Phase
from services.access_log_text import access_log_checked
from services.application import CaseApplication
from services.audit_text import CHANGES, describe_changes, describe_for_auditor, describe_logged
from services.basis_text import basis_ids, consent_facts, describe_basis, describe_cause, known_at, readable
from services.ledger import Divergence, Verification, describe_divergence, swedish_detail
from services.presentation import PHASES, plan_rows
from services.principals import COMMAND_LINE
from services.protection_text import PROTECTION_KINDS, protection_history
from services.wording import agency_name, checkpoints_confirmed
from projections.agency_queries import protected_personal_data
from services.stored_log import Agreement, ReplacedLog

# Every printed page is marked: the report mixes social services', the police's, schools' and health care's
# information, so the marking is the law's generic one, not one secrecy provision's.
SECRECY = "Innehåller uppgifter som kan omfattas av sekretess enligt offentlighets- och sekretesslagen (2009:400)"
# Printed, each page's margin says which case it belongs to — its number: a page lying apart from the others must not
# show anyone's name or personnummer — and carries the marking and its page number (page-margin boxes; a browser
# without them prints its own header, the title with the number, and page numbers instead).  The number comes from
# the page's data-case attribute, so that the one style stays one, allowed by its hash: no script, no other style.
STYLE = """
body{font:11pt/1.45 system-ui,sans-serif;color:#111;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;font-size:10pt}th,td{text-align:left;vertical-align:top;
padding:.25rem .4rem;border-bottom:1px solid #ddd}th{background:#eee}
.ok{color:#0a5c0a;font-weight:600}.bad{color:#a00;font-weight:600}.basis{color:#444}.ids{color:#666}
.secrecy{border:2px solid #111;padding:.3rem .6rem;font-weight:600}
html{--case:attr(data-case)}
@page{margin:18mm 15mm 20mm;
@top-left{content:"Granskningsrapport – ärende " var(--case,"");font:9pt system-ui,sans-serif;color:#333}
@bottom-left{content:"SECRECY";font:8pt system-ui,sans-serif;color:#333}
@bottom-right{content:"Sida " counter(page) " av " counter(pages);font:8pt system-ui,sans-serif;color:#333}}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}.noprint{display:none}}
""".replace("SECRECY", SECRECY)
# Served, the report is a page whose one style is inline: its policy allows that style, by its hash, and nothing else.
_STYLE_HASH = b64encode(sha256(STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; frame-ancestors 'none';"
                           " base-uri 'none'; form-action 'none'")


def case_report(app: CaseApplication, case_id: UUID, verification: Verification, generated_at: datetime,
                fact_ids: Callable[[str], str], case_divergence: Divergence | None = None,
                replaced: Sequence[ReplacedLog] = (), exported: int = 0,
                number_of: Callable[[], str | None] = lambda: None, *, agreement: Agreement | None = None,
                stored_rows: int | None = None, access_checked: Any = None, made_by: Preparer | None = None) -> str:
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
    reads (``services.access_chain.ShownVerdict``).  ``made_by``: who made it and for what purpose, said under its
    heading with ``generated_at``."""
    others = _stored_log_unheld(stored_rows) + _access_log(access_checked)
    if case_divergence is not None:
        return _unreadable(case_id, verification, generated_at, _altered(case_divergence), exported, _number(number_of),
                           others, made_by)
    try:
        case, cat = app.get_case(case_id), app.catalogue
        facts = app.all_facts(case_id)
        log = app.disclosures(case_id)
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
        f"<tr><td>{_when(f.recorded_at)}</td><td>{f.version}</td><td><code>{fact_ids(f.fact_id)}</code></td>"
        f"<td>{escape(agency_name(f.origin, cat))}</td>"
        f"<td>{escape(_category(f.category, cat))}</td><td>{escape(describe_for_auditor(f, cat, rows))}</td></tr>"
        for f in facts if f.audience is None or cat.lead_agency in f.audience)
    history = app.history(case_id)
    changes = _consent_changes(history, cat)
    consents = consent_facts(facts)
    standings = _Standings(history, cat)
    rows_consents = "".join(
        f"<tr><td>{escape(c.consent_id[:8])}</td><td>{escape(_consenter(case, c.consenter))}</td>"
        f"<td>{escape(c.purpose)} ({escape(FORMS.get(c.form, c.form))})</td>"
        f"<td>{escape(_scope(c.scope, cat))}</td>"
        f"<td>{_validity(c, case, generated_at, standings)}</td>"
        f"<td>{'<br>'.join(escape(line) for line in changes.get(c.consent_id, []))}</td></tr>"
        for c in case.consents.values())
    # A follow-up names its plan row as the row's recipient was shown it then, as the web's auditor log and `sigill
    # audit disclosures` say it (one pass over the whole log): not from every row, which read as if the police knew
    # a row they were never shown.
    rows_log = "".join(
        f"<tr><td>{_when(c.at)}</td><td>{escape(agency_name(c.agency, cat))}</td><td>{CHANGES[c.change]}</td>"
        f"<td><code>{fact_ids(c.fact.fact_id)}</code></td><td>{escape(described)}</td>"
        f"<td class=basis>{_basis(c.basis, c.change, c.at, consents, cat)}</td><td>{escape(describe_cause(c.cause, cat))}</td>"
        "</tr>" for c, described in zip(log, describe_changes(log, cat))
        if c.agency != c.fact.origin or c.fact.attributed)  # its own: no disclosure
    return f"""<!doctype html>
<html lang="sv" data-case="{escape(case.case_number)}"><head><meta charset="utf-8">
<title>Granskningsrapport {escape(case.case_number)}</title>
<style>{STYLE}</style></head><body>
<p class=secrecy id=secrecy>{SECRECY}</p>
<h1>Granskningsrapport – ärende {escape(case.case_number)}</h1>
<p>{escape(cat.municipality(case.municipality).name)} · fas: {PHASES[case.phase.value]} ·
ärende-id {case_id}</p>
<p id=made>{_made(made_by, generated_at, cat)}</p>
{_warnings(agreement, access_checked)}{_protection(facts)}
<p>Alla tider är svensk tid: CET (vintertid) eller CEST (sommartid).</p>
<h2>Kontroll av att inget ändrats</h2>{_verification(verification, exported, len(history))}
{_agreement(agreement, {f.fact_id: f for f in facts}, fact_ids, cat, consents)}{_access_log(access_checked)}
<h2>Samtycken</h2>
<p>Mottagare, kategorier och giltighet som de var när rapporten upprättades; historiken visar vad samtycket först
omfattade och varje ändring. Under 18 år lämnas en uppgift ut med samtycke bara om den unges och varje
vårdnadshavares med vårdnad samtycke omfattar den: ett samtycke som gäller kan därför ändå inte räcka.</p>
<table><thead><tr><th>Id</th><th>Lämnat av</th><th>Ändamål (form)</th><th>Mottagare och kategorier</th><th>Giltigt</th>
<th>Historik</th></tr></thead>
{rows_consents}</table>
<h2>Tidslinje</h2>
<p>Händelse: händelsens nummer i ärendets historik. Uppgifts-id: det id myndigheterna fick uppgiften under
(i API:t och flödena).</p>
<table><thead><tr><th>Registrerat</th><th>Händelse</th><th>Uppgifts-id</th><th>Ursprung</th><th>Kategori</th><th>Uppgift</th></tr></thead>
{rows_timeline}</table>
<h2>Vem kunde se vad, när och varför</h2>
<p>Varje tillfälle en uppgift lämnades ut till en annan myndighet än den som registrerade den, eller slutade
vara synlig för den, med grunden (samtycke eller lag) och orsaken: uppgiftens registrering, ett samtycke som
lämnades, begränsades eller återkallades, ändrad vårdnad, en myndighet som gick med i eller lämnade gruppen, eller ett datum (ett
samtycke som började gälla eller löpte ut, den unges 18-årsdag). För en uppgift som upphörde är grunden den som
gällde till dess.</p>
<table><thead><tr><th>När</th><th>Myndighet</th><th>Ändring</th><th>Uppgifts-id</th><th>Uppgift</th><th>Grund</th><th>Orsak</th></tr></thead>
{rows_log}</table>
{_replaced(replaced, {f.fact_id: f for f in facts}, fact_ids, cat, consents)}
</body></html>
"""


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
        return f"Upprättad {_when(at)}."
    if made_by.agency == COMMAND_LINE:
        who = "med Sigills kommandorad (<code>sigill audit report</code>)"
    else:
        known = AUDITORS.get(made_by.agency) or (agency_name(made_by.agency, cat) if cat is not None else made_by.agency)
        who = f"av {escape(known)}{', granskare' if made_by.auditor else ''}"
    purpose = f" Syfte: {escape(made_by.purpose)}" if made_by.purpose.strip() else ""
    return f"Upprättad {_when(at)} {who}.{purpose}"


def _warnings(agreement: Agreement | None, access_checked: Any) -> str:
    """At the top, where a supervisor filing the report reads first: what other checks than the ledger's found.  The
    ledger cannot see events cut from the end of the whole log together with their entries and the checkpoints after
    them; the stored disclosure log still holds what they caused."""
    warnings = []
    if agreement is not None and not agreement.agrees:
        warnings.append(
            f"Varning: den lagrade utlämnandeloggen – det som aktörernas flöden fick – skiljer sig från ärendets "
            f"händelser: {len(agreement.only_stored):,} rader finns bara i den, {len(agreement.only_replayed):,} saknas "
            "i den. Tidslinjen, samtyckena och vem som kunde se vad nedan är återskapade ur händelserna och kan vara "
            "ofullständiga: händelser kan ha tagits bort eller ändrats. Se Kontroll av att inget ändrats.")
    if access_checked is not None and not access_checked.intact:
        warnings.append(f"Varning: {access_log_checked(access_checked)}")
    return "".join(f"<p class=bad id=warning-{i}>{escape(w)}</p>\n" for i, w in enumerate(warnings, 1))


def _agreement(agreement: Agreement | None, facts: dict[str, Any], fact_ids: Callable[[str], str], cat: Any,
               consents: Sequence[Any]) -> str:
    """The stored disclosure log held to the events, as the web client's disclosures page says it; the rows that
    differ listed."""
    if agreement is None:
        return ""
    if agreement.agrees:
        return (f"<p class=ok id=stored-log>Den lagrade utlämnandeloggen – det som aktörernas flöden fick – stämmer "
                f"med ärendets händelser ({agreement.compared:,} rader jämförda).</p>")
    rows = "".join(_replaced_row(key, where, facts, fact_ids, cat, consents)
                   for where, keys in (("den lagrade loggen", agreement.only_stored),
                                       ("händelserna", agreement.only_replayed)) for key in keys)
    return (f"<p class=bad id=stored-log>Den lagrade utlämnandeloggen skiljer sig från ärendets händelser: "
            f"{len(agreement.only_stored):,} rader finns bara i den, {len(agreement.only_replayed):,} saknas i den. "
            "Rader som bara finns i den lagrade loggen kan komma från händelser som tagits bort; loggen kan också ha "
            "byggts under andra regler (<code>sigill views log</code> visar den).</p>"
            "<table><thead><tr><th>När</th><th>Myndighet</th><th>Ändring</th><th>Uppgifts-id</th><th>Uppgift</th>"
            f"<th>Grund</th><th>Orsak</th><th>Bara i</th></tr></thead>{rows}</table>")


def _stored_log_unheld(rows: int | None) -> str:
    if rows is None:
        return ""
    return (f"<p id=stored-log>Den lagrade utlämnandeloggen har {rows:,} rader om ärendet. De kan inte jämföras med "
            "händelserna, eftersom historiken har ändrats; <code>sigill views log</code> visar dem.</p>")


def _access_log(checked: Any) -> str:
    if checked is None:
        return ""
    return (f"<p class={'ok' if checked.intact else 'bad'} id=access-log>{escape(access_log_checked(checked))} "
            "Hela åtkomstloggens kedja och signaturer kontrolleras med <code>sigill audit verify</code>.</p>")


def _protection(facts: Sequence[Any]) -> str:
    """The report's head on skyddade personuppgifter, for a case that ever had them: the state now, and every
    recording and end (a disclosure is judged by whether the young person was protected then)."""
    history = protection_history(facts, _when)
    if not history:
        return ""
    now = protected_personal_data(facts)
    state = (f"{escape(PROTECTION_KINDS.get(now['kind'], now['kind']))} nu, gäller från {now['since']}" if now else
             "inga registrerade nu")
    return (f"<p{' class=bad' if now else ''} id=protected>Skyddade personuppgifter: {state}.</p>"
            f"<ul id=protected-history>{''.join(f'<li>{escape(line)}</li>' for line in history)}</ul>\n")


def _replaced(replaced: Sequence[ReplacedLog], facts: dict[str, Any], fact_ids: Callable[[str], str], cat: Any,
              consents: Sequence[Any]) -> str:
    """The logs rebuilds replaced — what the feeds carried until each rebuild — where they differ from the above."""
    if not replaced:
        return ""
    parts = ["<h2>Ersatta utlämnandeloggar</h2><p>Tabellen ovan är återskapad ur händelserna med dagens regler. "
             "Utlämnandeloggen har byggts om; det myndigheternas flöden fick före varje ombyggnad finns kvar "
             "oförändrat, och här står var det skiljer sig från dagens logg över samma händelser.</p>"]
    for old in replaced:
        parts.append(f"<p>Ombyggd {_when(old.replaced_at)} (loggen byggdes under reglernas version "
                     f"{old.rules_version or 1}, komplett till och med position {old.up_to} i händelseloggen): "
                     f"{len(old.rows)} rader om ärendet, {len(old.only_replaced)} som dagens logg inte har och "
                     f"{len(old.only_current)} som bara dagens har.</p>")
        rows = "".join(_replaced_row(key, where, facts, fact_ids, cat, consents)
                       for where, keys in (("den ersatta", old.only_replaced), ("dagens", old.only_current))
                       for key in keys)
        if rows:
            parts.append("<table><thead><tr><th>När</th><th>Myndighet</th><th>Ändring</th><th>Uppgifts-id</th>"
                         f"<th>Uppgift</th><th>Grund</th><th>Orsak</th><th>Bara i</th></tr></thead>{rows}</table>")
    return "\n".join(parts)


def _replaced_row(key: tuple, where: str, facts: dict[str, Any], fact_ids: Callable[[str], str], cat: Any,
                  consents: Sequence[Any]) -> str:
    at, agency, fact_id, kind, _, change, basis, cause = key
    erased = change == "erased"
    what = "hela ärendet (nyckeln förstörd)" if erased else describe_logged(fact_id, kind, facts, cat)
    return (f"<tr><td>{_when(at)}</td><td>{escape(agency_name(agency, cat))}</td>"
            f"<td>{escape(CHANGES.get(change, change))}</td><td><code>{escape(fact_id if erased else fact_ids(fact_id))}"
            f"</code></td><td>{escape(what)}</td><td class=basis>{'' if erased else _basis(basis, change, at, consents, cat)}"
            f"</td><td>{escape(describe_cause(cause, cat)) if cause is not None else '(ej sparad)'}</td>"
            f"<td>{where}</td></tr>")


def _basis(basis: Any, change: str, at: datetime, consents: Sequence[Any], cat: Any) -> str:
    """A log row's basis as the web client's disclosure log says it: who consented (by name: the auditor sees the
    whole consents) and until when, as the consents stood at the row's moment (an ended row: just before it — the
    end its basis had); the consents' ids after it in small print, for cross-reference with the consents above and
    the feeds.  HTML."""
    known = known_at(consents, change, at)
    text = escape(describe_basis(basis, cat, known))
    return f"{text} <small class=ids>({escape(basis_ids(basis))})</small>" if readable(basis, known) else text


def _number(number_of: Callable[[], str | None]) -> str | None:
    """The case's number from the case list, or None: the list is caught up from the events first, and an event
    that no longer reads stops that too — the report is made all the same, under the case's id."""
    try:
        return number_of()
    except EventSourcingError:
        return None


def _altered(d: Divergence) -> str:
    # A version removed with its ledger entry stood somewhere between two positions, not at the later one (which
    # holds another event): the detail says between which.
    where = ("" if d.kind == "removed" and d.between is not None else
             f" (position {d.notification_id} i händelseloggen)")
    return (f"Ärendets lagrade historik är inte den som liggaren förseglade: händelse {d.version} i ärendets historik"
            f"{where} – {swedish_detail(d)}")


def _unreadable(case_id: UUID, verification: Verification, generated_at: datetime, reason: str,
                exported: int = 0, number: str | None = None, others: str = "", made_by: Preparer | None = None) -> str:
    # The number the supervisor asked for and files the report under, from the case list (the events cannot say).
    named = f"ärende {escape(number)}" if number else f"ärende-id {case_id}"
    return f"""<!doctype html>
<html lang="sv" data-case="{escape(number or str(case_id))}"><head><meta charset="utf-8">
<title>Granskningsrapport {escape(number or str(case_id))}</title>
<style>{STYLE}</style></head><body>
<p class=secrecy id=secrecy>{SECRECY}</p>
<h1>Granskningsrapport – {named}</h1>
<p id=made>{f"ärende-id {case_id} · " if number else ""}{_made(made_by, generated_at, None)}</p>
<h2>Kontroll av att inget ändrats</h2>{_verification(verification, exported)}
{others}
<h2>Ärendets historik kan inte läsas</h2>
<p class=bad>{escape(reason)}.</p>
<p>Någon har ändrat eller tagit bort lagrade händelser. Tidslinje, samtycken och vem som kunde se vad kan därför
inte återskapas ur händelserna. Kontrollen ovan (och kontrollpunkter som tillsynsmyndigheten sparat) visar var
ändringen gjordes; en återläst säkerhetskopia kan kontrolleras mot dem.</p>
</body></html>
"""


def _verification(result: Verification, exported: int = 0, case_events: int | None = None) -> str:
    """The ledger's verdict.  The ledger chains the whole installation's events, every case's: its count is not the
    case's (a report said "16 händelser" of a case with 14), so the case's own events are counted apart
    (``case_events``; None for a history that does not read) and the installation's said as what the check covered."""
    if result.intact:
        covered = (f"Kontrollen gick igenom hela installationens liggare, inte bara ärendets: {result.checked:,} "
                   "lagrade händelser i alla ärenden, var och en mot den föregående, så att en händelse som ändrats, "
                   f"tagits bort eller lagts till i efterhand i något ärende hade synts; {checkpoints_confirmed(result.checkpoints)}.")
        unsealed = (f" {result.unsealed:,} senare händelser i installationen är ännu inte förseglade och därför inte "
                    "kontrollerade" + ("; ärendets senaste händelser kan vara bland dem." if case_events else ".")
                    if result.unsealed else "")
        if not case_events:
            verdict = "Oförändrad: händelserna stämmer med den hashkedjade liggaren."
        elif result.unsealed:
            verdict = (f"Oförändrad: ärendets händelser ({case_events:,}) stämmer med den hashkedjade liggaren så långt "
                       "den är förseglad.")
        else:
            verdict = f"Oförändrad: ärendets {case_events:,} händelser stämmer med den hashkedjade liggaren."
        against = (f"<p>Kontrollen gjordes mot installationens egna kontrollpunkter och mot alla {exported:,} i den "
                   "fil med exporterade kontrollpunkter som gavs (<code>--checkpoints</code>).</p>" if exported else
                   "<p>Kontrollen gjordes mot installationens egna kontrollpunkter. Som bevis mot den som kan skriva om "
                   "både liggaren och dem: kontrollera mot kontrollpunkter som tillsynsmyndigheten exporterat tidigare "
                   "(<code>sigill audit report --checkpoints FIL</code>, <code>sigill audit verify --checkpoints FIL"
                   "</code>).</p>")
        return f"<p class=ok>{verdict}</p><p>{covered}{unsealed}</p>{against}"
    return f"<p class=bad>{escape(describe_divergence(result.divergence))}.</p>"


FORMS = {"written": "skriftligt", "oral_documented": "muntligt, dokumenterat"}


def _consent_changes(history: Sequence[Any], cat: Any) -> dict[str, list[str]]:
    """Each consent's history in the events: what it first covered, every narrowing, its withdrawal — the table
    shows the consent as it is now, which alone would hide that a fact was once disclosed under a wider one."""
    changes: dict[str, list[str]] = {}
    for event in history:
        if isinstance(event, ev.ConsentGranted):
            changes.setdefault(event.consent_id, []).append(
                f"lämnat {_when(event.timestamp)}: {_scope(event.scope, cat)}; {event.valid_from} –"
                f" {event.valid_until or 'tills vidare'}")
        elif isinstance(event, ev.ConsentNarrowed):
            changes.setdefault(event.consent_id, []).append(
                f"begränsat {_when(event.timestamp)}: {_scope(event.scope, cat)}; till"
                f" {event.valid_until or 'tills vidare'}")
        elif isinstance(event, ev.ConsentWithdrawn):
            changes.setdefault(event.consent_id, []).append(f"återkallat {_when(event.timestamp)}")
    return changes


def _validity(consent: Any, case: Any, now: datetime, standing: _Standings) -> str:
    """A consent's dates, and — as the column tells the consent as it is at the report's moment ``now`` — that it no
    longer holds once withdrawn (the dates alone read as a consent in force until its last day), or, a guardian's, no
    longer counts: from the young person's 18th birthday (DOMAIN.md), or without custody now; or, in force and
    counting, that it does not suffice — parts of it, or all, wait for another consenter's consent (``_waiting``)."""
    notes = []
    eighteen = case.eighteenth_birthday
    if consent.consenter != YOUNG_PERSON:
        if local_date(now) >= eighteen and (consent.withdrawn_at is None
                                            or local_date(consent.withdrawn_at) >= eighteen):
            notes.append(f"räknas inte sedan den unge fyllde 18 år {eighteen}")
        elif consent.withdrawn_at is None and not getattr(case.guardians.get(consent.consenter), "has_custody", False):
            notes.append("räknas inte: lämnat av en vårdnadshavare som inte har vårdnaden nu")
    if consent.withdrawn_at is not None:
        notes.append(f"återkallat {_when(consent.withdrawn_at)}")
    if not notes:
        notes.extend(note for note in (_waiting(consent, case, now, standing),) if note)
    dates = f"{consent.valid_from} – {consent.valid_until or 'tills vidare'}"
    return dates + "".join(f"<br><strong>{escape(note)}</strong>" for note in notes)


class _Standings:
    """Each recipient's standing at an instant (``domain.standing``: the disclosure rules' own answer, from the
    case's events), asked once: which of a consent's parts its consents carry, whose are missing and how each one's
    lapsed."""

    def __init__(self, history: Sequence[Any], cat: Any) -> None:
        self.history, self.cat = history, cat
        self._asked: dict[tuple[str, datetime], Any] = {}

    def cover(self, agency: str, category: str, at: datetime) -> Cover | None:
        if (agency, at) not in self._asked:
            self._asked[agency, at] = standing_at(self.history, agency, at, self.cat)
        standing = self._asked[agency, at]
        return next((c for c in standing.covers if c.category == category), None) if standing is not None else None

    def missing(self, agency: str, category: str, at: datetime) -> tuple[str, ...]:
        cover = self.cover(agency, category, at)
        return cover.missing if cover is not None and not cover.covered else ()


def _waiting(consent: Any, case: Any, now: datetime, standing: _Standings) -> str | None:
    """A consent in force that does not suffice at ``now``: "I kraft t.o.m. 2027-02-11, men räcker inte sedan
    2026-03-20: samtycke saknas från vårdnadshavaren Maria Exempel (samtycke a3271655 återkallat 2026-03-20 09:00
    CET) – inget lämnas ut under det till Polisen (ärendet, brottslighet)", or "… det räcker för Skolan (skola), inte
    för Polisen (…)" when only some of its parts wait (``domain.consent_parts``, as the web's consents page says it).
    None when it suffices, is not in force, or the case is closed or declined: then no consent lets anything out,
    and none is "missing" (as the web says)."""
    if case.phase in (Phase.CLOSED, Phase.DECLINED) or not consent.in_force_at(now):
        return None
    waiting = waiting_parts(consent.scope, lambda agency, category: standing.missing(agency, category, now))
    if waiting is None:
        return None
    lapses: dict[str, dict[Lapse, None]] = {}
    # The parts by whose consents they wait for: the father's may cover the school and not the police, and one
    # list of every missing consenter read as if his were missing for the school too (a red team).
    by_missing: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for agency, category in waiting.parts:
        for consenter, found in standing.cover(agency, category, now).lapses:
            lapses.setdefault(consenter, {}).update(dict.fromkeys(found))
        by_missing.setdefault(tuple(standing.missing(agency, category, now)), []).append((agency, category))

    def who(missing: Sequence[str]) -> str:
        return _and_list([_missing_consenter(m, case, list(lapses.get(m, ()))) for m in missing])

    since = _waiting_since(consent, waiting.parts, now, standing)
    when = f" sedan {since}" if since is not None else ""
    head = f"I kraft {f't.o.m. {consent.valid_until}' if consent.valid_until else 'tills vidare'}, men räcker"
    cat = standing.cat
    enough = [part for part in scope_parts(consent.scope) if part not in waiting.parts]
    if len(by_missing) == 1:
        if waiting.whole:
            return (f"{head} inte{when}: samtycke saknas från {who(waiting.missing)} – inget lämnas ut under det till "
                    f"{_parts(waiting.parts, cat)}")
        return (f"{head}{when} inte för allt: samtycke saknas från {who(waiting.missing)} – det räcker för "
                f"{_parts(enough, cat)}, inte för {_parts(waiting.parts, cat)}")
    each = "; ".join(f"för {_parts(parts, cat)} saknas samtycke från {who(missing)}"
                     for missing, parts in by_missing.items())
    if waiting.whole:
        return f"{head} inte{when}: inget lämnas ut under det – {each}"
    return f"{head}{when} inte för allt: det räcker för {_parts(enough, cat)}, inte {each}"


def _waiting_since(consent: Any, parts: Sequence[tuple[str, str]], now: datetime,
                   standing: _Standings) -> date | None:
    """Since when the consent has not sufficed for ``parts``, when the events say it: each part's missing consents
    all lapsed (withdrawn or ended), and just before the first of them lapsed this consent carried the part (asked of
    the rules at that instant).  None when a missing consenter never gave one, or it was narrowed or has not begun,
    or the consent did not carry the part before: then the note says only that it does not suffice."""
    moments = []
    for agency, category in parts:
        cover = standing.cover(agency, category, now)
        lapsed = dict(cover.lapses)
        if not all(lapsed.get(m) for m in cover.missing):
            return None
        instants = [_lapsed_at(lapse) for m in cover.missing for lapse in lapsed[m]]
        if None in instants:
            return None
        first = min(instants)
        before = standing.cover(agency, category, first - timedelta(microseconds=1))
        if before is None or consent.consent_id not in before.consent_ids:
            return None
        moments.append(first)
    return local_date(max(moments))


def _lapsed_at(lapse: Lapse) -> datetime | None:
    if lapse.how == WITHDRAWN:
        return lapse.when
    if lapse.how == EXPIRED:
        return end_of_day(lapse.when)   # it holds through its last day
    return None


def _missing_consenter(consenter: str, case: Any, lapses: list[Lapse]) -> str:
    """Whose consent is missing, and what became of theirs: "vårdnadshavaren Maria Exempel (samtycke a3271655
    återkallat 2026-03-20 09:00 CET)"."""
    if consenter == CUSTODY_UNKNOWN:
        return "en vårdnadshavare med vårdnad (ingen är registrerad)"
    known = case.known_guardians.get(consenter)
    name = "den unge" if consenter == YOUNG_PERSON else (f"vårdnadshavaren {known.name}" if known else consenter)
    told = "; ".join(_lapse(lapse) for lapse in lapses) or "har inte lämnat något samtycke som omfattar det"
    return f"{name} ({told})"


def _lapse(lapse: Lapse) -> str:
    consent = f"samtycke {lapse.consent_id[:8]}"
    if lapse.how == WITHDRAWN:
        return f"{consent} återkallat {_when(lapse.when)}"
    if lapse.how == EXPIRED:
        return f"{consent} gällde t.o.m. {lapse.when}"
    if lapse.how == NOT_STARTED:
        return f"{consent} gäller först från {lapse.when}"
    return f"{consent} har begränsats och omfattar det inte längre"


def _parts(parts: Iterable[tuple[str, str]], cat: Any) -> str:
    """"Polisen (ärendet, brottslighet) och Skolan (skola)": the agencies in the scope's order."""
    by_agency: dict[str, list[str]] = {}
    for agency, category in parts:
        by_agency.setdefault(agency, []).append(_category(category, cat).lower())
    return _and_list([f"{agency_name(a, cat)} ({', '.join(cs)})" for a, cs in by_agency.items()])


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _scope(scope, cat) -> str:
    return "; ".join(f"{agency_name(s.agency, cat)}: {', '.join(_category(c, cat) for c in s.categories)}"
                     for s in scope)


def _category(category: str, cat) -> str:
    return cat.category(category).name.split(" (")[0]


def _consenter(case, consenter: str) -> str:
    return "den unge" if consenter == "young_person" else case.known_guardians[consenter].name


def _when(at: datetime) -> str:
    """Swedish time to the minute, as the web client prints it, with its zone: without it the hour the clocks go
    back read the same twice (a replay of the minute shown sees what happened in it: ``services.typed_time``)."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")
