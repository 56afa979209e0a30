"""The report's checks that nothing changed, in Swedish HTML: the ledger's verdict, the stored disclosure log held to
the case's events, the access log's check of the case's reads, and the disclosure logs rebuilds replaced."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any, Callable, Sequence

from services.access_log_text import access_log_checked
from services.audit_text import BEYOND_HOLDING, CHANGES, describe_logged
from services.basis_text import basis_ids, describe_basis, describe_cause, known_at, readable
from services.ledger import Divergence, Verification
from services.ledger_texts import describe_divergence, swedish_detail
from services.report_text import column_heads, row_head, swedish_minute
from services.stored_log import Agreement, ReplacedLog, not_given, standing
from services.wording import (agency_name, all_of, checkpoints_confirmed, counted, events_counted, reads_counted, rows_compared,
                              one_or_many, rows_counted, swedish_number)

# The disclosure log's columns (the report's "Vem kunde se vad"), and a row's log where two logs differ.
_LOG_HEADS = ("När", "Myndighet", "Ändring", "Uppgifts-id", "Uppgift", "Grund", "Orsak")
LOG_COLUMNS = column_heads(*_LOG_HEADS)
DIFFERENCE_COLUMNS = column_heads(*_LOG_HEADS, "Bara i")
# A rebuild's end that no log before it founds: written again by the rebuild after it, so in today's log too.
UNFOUNDED_WHERE = "båda loggarna (ett slut efter en ombyggnad som ingen tidigare logg grundar)"


def agreement_checked(agreement: Agreement | None, facts: dict[str, Any], fact_ids: Callable[[str], str], cat: Any,
               consents: Sequence[Any]) -> str:
    """The stored disclosure log held to the events, as the web client's disclosures page says it; the rows that
    differ listed."""
    if agreement is None:
        return ""
    if agreement.agrees:
        return (f"<p class=ok id=stored-log>Den lagrade utlämnandeloggen – det som aktörernas flöden fick – stämmer "
                f"med ärendets händelser ({rows_compared(agreement.compared)}).</p>")
    rows = "".join(_replaced_row(key, where, facts, fact_ids, cat, consents)
                   for where, keys in (("den lagrade loggen", agreement.only_stored),
                                       ("händelserna", agreement.only_replayed)) for key in keys)
    # The table below is named by the finding's first words (its whole paragraph is too long for a name).
    return (f"<p class=bad id=stored-log><span id=stored-log-differs>Den lagrade utlämnandeloggen skiljer sig från "
            f"ärendets händelser</span>: "
            f"{rows_counted(len(agreement.only_stored))} finns bara i den, "
            f"{swedish_number(len(agreement.only_replayed))} saknas i den. "
            "Rader som bara finns i den lagrade loggen kan komma från händelser som tagits bort; loggen kan också ha "
            "byggts under andra regler (<code>sigill views log</code> visar den).</p>"
            f"<table aria-labelledby=stored-log-differs>{DIFFERENCE_COLUMNS}{rows}</table>")


def stored_log_unheld(rows: int | None) -> str:
    if rows is None:
        return ""
    return (f"<p id=stored-log>Den lagrade utlämnandeloggen har {rows_counted(rows)} om ärendet. Loggen kan inte "
            "jämföras med händelserna, eftersom historiken har ändrats; <code>sigill views log</code> visar den.</p>")


def access_log_note(checked: Any, kept: Any = None) -> str:
    """The access log's check of the case's reads (``ShownVerdict``); and ``kept``, the whole log held to the access
    log's checkpoint of the exported file given (``ChainVerdict``; None: no file, or one written before 2026-12-06),
    as `sigill audit verify --checkpoints` holds it.  A log rewritten since and chained again reads as written to the
    case's check alone (the chain needs no key): what the file finds is said instead, never beside an "as written"."""
    if kept is not None and not kept.intact:
        return f"<p class=bad id=access-log>{escape(access_log_changed(kept))}</p>"
    if checked is None:
        return ""
    whole = ("Hela åtkomstloggen kontrollerades också, mot installationens kontrollpunkter och åtkomstloggens"
             " kontrollpunkt i filen med exporterade kontrollpunkter (<code>--checkpoints</code>): oförändrad,"
             f" {reads_counted(kept.checked)} stämmer." if kept is not None else
             "Hela åtkomstloggens kedja och signaturer kontrolleras med <code>sigill audit verify</code>.")
    return f"<p class={'ok' if checked.intact else 'bad'} id=access-log>{escape(access_log_checked(checked))} {whole}</p>"


def access_log_changed(kept: Any) -> str:
    """The access log found changed against the exported file's checkpoint (``ChainVerdict``), in Swedish."""
    return (f"Åtkomstloggen har ändrats: {kept.swedish} (mot filen med exporterade kontrollpunkter). Läsningarna av"
            " ärendet kan ha tagits bort eller ändrats.")


def replaced_logs(replaced: Sequence[ReplacedLog], facts: dict[str, Any], fact_ids: Callable[[str], str], cat: Any,
              consents: Sequence[Any], agreement: Agreement | None = None) -> str:
    """The logs rebuilds replaced — what the feeds carried until each rebuild — where they differ from the above; one
    built under today's rules held to the events (``stored_log.not_given``: a finding, warned of at the top)."""
    if not replaced:
        return ""
    parts = ["<h2 id=replaced-heading>Ersatta utlämnandeloggar</h2>"
             "<p>Tabellen ovan är återskapad ur händelserna med dagens regler. "
             "Utlämnandeloggen har byggts om; det aktörernas flöden fick före varje ombyggnad finns kvar som "
             "loggen stod vid ombyggnaden (databasen tar inte emot ändringar av det), och här står var det skiljer "
             "sig från dagens logg över samma händelser. En logg som byggdes under dagens regler hålls mot "
             "händelserna som dagens logg: en rad i den som händelserna inte ger är ett fynd. En logg som byggdes "
             "under andra regler, eller under en annan aktörskatalog (vilka aktörer, kategorier och lagrum som "
             "finns) eller fler än en, kan inte hållas mot händelserna.</p>"]
    held = not_given(agreement, replaced)
    # Each log's table named by the heading and its rebuild's moment: "Ersatta utlämnandeloggar Ombyggd 2026-…".
    for number, old in enumerate(replaced, 1):
        parts.append(f"<p{' class=bad' if old in held else ''}><span id=replaced-{number}>Ombyggd "
                     f"{swedish_minute(old.replaced_at)}</span> (loggen byggdes under reglernas version "
                     f"{old.rules_version or 1}, komplett till och med position {old.up_to} i händelseloggen): "
                     f"{rows_counted(len(old.rows))} om ärendet, {len(old.only_replaced)} som dagens logg inte har och "
                     f"{len(old.only_current)} som bara dagens har. {_held(old, agreement)}</p>")
        rows = "".join(_replaced_row(key, where, facts, fact_ids, cat, consents)
                       for where, keys in (("den ersatta", old.only_replaced), (UNFOUNDED_WHERE, old.unfounded),
                                           ("dagens", old.only_current))
                       for key in keys)
        if rows:
            parts.append(f"<table aria-labelledby='replaced-heading replaced-{number}'>{DIFFERENCE_COLUMNS}{rows}"
                         "</table>")
    return "\n".join(parts)


def replaced_not_given(rows: int) -> str:
    """The top's warning of rows of replaced logs built under today's rules that the events do not give."""
    return (f"Varning: en utlämnandelogg som byggdes om under dagens regler hade {rows_counted(rows)} om ärendet"
            " som ärendets händelser inte ger. Varje sådan rad fanns i loggen vid "
            "ombyggnaden och kan ha lästs i aktörernas flöden, men inga regler skrev den: den kan ha lagts in i "
            "loggen i efterhand. Se Ersatta utlämnandeloggar.")


# What a replaced log's standing (``stored_log.standing``) says in the report; the events of a case it is made for
# are always read, so "unread" is said as "later" (not yet held).
_HELD_LATER = "Den byggdes under dagens regler, men hålls mot händelserna först när dagens logg stämmer med dem."
_HELD = {**BEYOND_HOLDING,
         "unread": _HELD_LATER, "later": _HELD_LATER,
         "agrees": "Den byggdes under dagens regler och stämmer med händelserna.",
         # Both labels its rows go under below: a rebuild's unfounded end is in today's log too (``UNFOUNDED_WHERE``).
         "not_given": "Den byggdes under dagens regler, och {n} av dess rader ger händelserna inte. {marked}"
                      " ”den ersatta” nedan, utom en ombyggnads slut av en uppgift som ingen tidigare logg visade:"
                      f" ombyggnaden efter skrev det på nytt, så det är märkt ”{UNFOUNDED_WHERE}”."}


def _held(old: ReplacedLog, agreement: Agreement | None) -> str:
    """Whether a replaced log could be held to the events, and what that found."""
    n = len(old.not_given)
    return _HELD[standing(old, agreement)].format(n=swedish_number(n), marked=one_or_many(n, "Den är märkt", "De är märkta"))


def _replaced_row(key: tuple, where: str, facts: dict[str, Any], fact_ids: Callable[[str], str], cat: Any,
                  consents: Sequence[Any]) -> str:
    at, agency, fact_id, kind, _, change, basis, cause = key
    erased = change == "erased"
    what = "hela ärendet (nyckeln förstörd)" if erased else describe_logged(fact_id, kind, facts, cat)
    return (f"<tr>{row_head(swedish_minute(at))}<td>{escape(agency_name(agency, cat))}</td>"
            f"<td>{escape(CHANGES.get(change, change))}</td><td><code>{escape(fact_id if erased else fact_ids(fact_id))}"
            f"</code></td><td>{escape(what)}</td>"
            f"<td class=basis>{'' if erased else basis_cell(basis, change, at, consents, cat, recipient=agency)}"
            f"</td><td>{escape(describe_cause(cause, cat)) if cause is not None else '(ej sparad)'}</td>"
            f"<td>{where}</td></tr>")


def basis_cell(basis: Any, change: str, at: datetime, consents: Sequence[Any], cat: Any, *, recipient: str) -> str:
    """A log row's basis as the web client's disclosure log says it: who consented (by name: the auditor sees the
    whole consents) and until when, as the consents stood at the row's moment (an ended row: just before it — the
    end its basis had); the consents' ids after it in small print, for cross-reference with the consents above and
    the feeds.  HTML.  ``recipient``: the row's agency, whose sight's end is told."""
    known = known_at(consents, change, at)
    text = escape(describe_basis(basis, cat, known, recipient=recipient))
    return f"{text} <small class=ids>({escape(basis_ids(basis))})</small>" if readable(basis, known) else text


def altered(d: Divergence) -> str:
    # A version removed with its ledger entry stood somewhere between two positions, not at the later one (which
    # holds another event): the detail says between which.
    where = ("" if d.kind == "removed" and d.between is not None else
             f" (position {d.notification_id} i händelseloggen)")
    return (f"Ärendets lagrade historik är inte den som liggaren förseglade: händelse {d.version} i ärendets historik"
            f"{where} – {swedish_detail(d)}")


def ledger_verdict(result: Verification, exported: int = 0, case_events: int | None = None) -> str:
    """The ledger's verdict.  The ledger chains the whole installation's events, every case's: its count is not the
    case's (a report said "16 händelser" of a case with 14), so the case's own events are counted apart
    (``case_events``; None for a history that does not read) and the installation's said as what the check covered."""
    if result.intact:
        covered = ("Kontrollen gick igenom hela installationens liggare, inte bara ärendets: "
                   f"{counted(result.checked, 'lagrad händelse', 'lagrade händelser')} i alla ärenden, var och en mot "
                   "den föregående, "
                   "så att en händelse som ändrats, "
                   f"tagits bort eller lagts till i efterhand i något ärende hade synts; {checkpoints_confirmed(result.checkpoints)}.")
        unsealed = (f" {counted(result.unsealed, 'senare händelse', 'senare händelser')} i installationen har ännu inte"
                    " förseglats och därför inte kontrollerats"
                    + ("; ärendets senaste händelser kan vara bland dem." if case_events else ".")
                    if result.unsealed else "")
        if not case_events:
            verdict = "Oförändrad: händelserna stämmer med den hashkedjade liggaren."
        elif result.unsealed:
            verdict = (f"Oförändrad: ärendets händelser ({swedish_number(case_events)}) stämmer med den hashkedjade "
                       "liggaren så långt den är förseglad.")
        else:
            verdict = (f"Oförändrad: ärendets {events_counted(case_events)} stämmer med den hashkedjade "
                       "liggaren.")
        against = ("<p>Kontrollen gjordes mot installationens egna kontrollpunkter och mot "
                   f"{all_of(exported)} i den fil med exporterade kontrollpunkter som gavs "
                   "(<code>--checkpoints</code>).</p>" if exported else
                   "<p>Kontrollen gjordes mot installationens egna kontrollpunkter. Som bevis mot den som kan skriva om "
                   "både liggaren och dem: kontrollera mot kontrollpunkter som tillsynsmyndigheten exporterat tidigare "
                   "(<code>sigill audit report --checkpoints FIL</code>, <code>sigill audit verify --checkpoints FIL"
                   "</code>).</p>")
        return f"<p class=ok>{verdict}</p><p>{covered}{unsealed}</p>{against}"
    return f"<p class=bad>{escape(describe_divergence(result.divergence))}.</p>"
