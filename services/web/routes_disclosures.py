"""A case's disclosure log for auditors (Utlämnanden): every moment a fact became, or stopped being, visible to an
agency and why — held to the stored log the feeds carried, and the logs rebuilds replaced; an erased case's (or an
altered history's) stored rows as stored.

Apart from the case's other audit pages (``routes_audit``) for the stored and replaced logs' rows it shapes.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from domain.facts import as_shown
from services.audit import CaseHistoryAltered
from services.audit_text import CHANGES, KINDS, describe_changes, describe_logged, is_disclosure, own_facts_left_out
from services.basis_text import (basis_ids, consent_facts, describe_basis, describe_basis_with_ids, describe_cause,
                                 known_at)
from services.ledger_texts import describe_divergence
from services.stored_log import Agreement, ReplacedLog, not_given, row_key, rows_not_given, standing
from services.web import session, texts
from services.web.audit_pages import agency_names, auditor, case_number, fact_handles, said_back
from services.web.case_pages import service
from services.web.error_pages import guarded
from services.web.pages import case_uuid, keep_in_way_back, render
from services.wording import agency_name, one_or_many, rows_counted, swedish_number

router = APIRouter(include_in_schema=False)


@router.get("/granskning/arenden/{case_id}/utlamnanden")
@guarded
def disclosures(request: Request, case_id: str, myndighet: str = "") -> Response:
    """Every moment a fact became, or stopped being, visible to an agency, and on what basis."""
    user, uuid = auditor(request), case_uuid(case_id)
    cases = service(request)
    agencies = agency_names(request)
    # The Syfte form's way back keeps the agency asked for: a purpose stated leads back to its rows, not every
    # agency's (a broader read than asked, and logged as one).
    keep_in_way_back(request, myndighet=myndighet if myndighet in agencies else "")
    if myndighet and myndighet not in agencies:   # a mistyped address: say so, rather than show every agency's
        return render(request, "disclosures.html", page="disclosures", user=user, case_id=uuid,
                      number=case_number(cases, user, uuid), rows=[], agencies=agencies, agency="", agreement=None,
                      unknown_agency=said_back(myndighet, agencies), unknown_agency_unsaid=True, replaced=[],
                      status=422)
    agency = myndighet or None
    if cases.app.keystore.is_destroyed(uuid):
        return _erased_disclosures(request, user, uuid, agency, agencies)
    try:
        # The log, the stored log held to it, skyddade personuppgifter and the case's facts: one read of the case's
        # history.
        changes, read, protection_now, facts = cases.audit_disclosures_and_stored_log(user, uuid, agency,
                                                                                      session.purpose(request, uuid))
    except CaseHistoryAltered:   # the stored log is evidence of its own: shown as stored, held to nothing
        return _erased_disclosures(request, user, uuid, agency, agencies)
    cat = cases.catalogue
    handles = fact_handles(request, uuid, [c.fact for c in changes])
    consents = consent_facts(c.fact for c in changes)
    # A follow-up names its plan row as each row's recipient saw it then (the log holds what each was shown): told
    # from the whole log, an agency's own rows among it, before those are left out as no disclosure.
    rows = [(c, agency_name(c.agency, cat), CHANGES[c.change], handle, described,
             _basis(c, consents, cat), basis_ids(c.basis), describe_cause(c.cause, cat))
            for c, handle, described in zip(changes, handles, describe_changes(changes, cat)) if is_disclosure(c)]
    own = len(changes) - len(rows)
    return render(request, "disclosures.html", page="disclosures", user=user, case_id=uuid,
                  number=case_number(cases, user, uuid), rows=rows, agencies=agencies, agency=agency or "",
                  own_left_out=own_facts_left_out(own) if own else "",
                  agreement=read.agreement, protection_now=protection_now,
                  replaced=_replaced(request, uuid, read.replaced, [c.fact for c in changes], facts, read.agreement),
                  not_given=_not_given(read.agreement, read.replaced))


def _basis(change, consents: list, cat) -> str:  # noqa: ANN001 - a VisibilityChange, the catalogue
    """A row's basis as the timeline says it: who consented and until when, as the consents stood at the row's
    moment (an ended row: just before it — the end its basis had), from the consent facts the log shows."""
    return describe_basis(change.basis, cat, known_at(consents, change.change, change.at), recipient=change.agency)


def _erased_disclosures(request: Request, user, case_id: UUID, agency: str | None,  # noqa: ANN001 - a Principal
                        agencies: dict[str, str]) -> Response:
    """An erased case: its events no longer read, so nothing is replayed; the log rows the agencies were sent —
    today's and the replaced logs', no content — are all that is left, and shown as stored."""
    read = service(request).audit_stored_log(user, case_id, agency, session.purpose(request, case_id))
    cat, ids = service(request).catalogue, request.app.state.context.fact_ids.of(case_id)
    stored = [_logged_row(row_key(r), cat, ids, {}, consents=()) for r in read.rows]   # no consent reads now
    # Or a case whose history is not what the ledger sealed: its events are not read, its log is shown as stored.
    altered = read.history_altered and describe_divergence(read.history_altered)
    return render(request, "disclosures.html", 409 if altered else 200, page="disclosures", user=user, case_id=case_id,
                  number=case_number(service(request), user, case_id) if altered else texts.T["erased_case"], rows=[],
                  agencies=agencies, agency=agency or "", agreement=None, erased=True, altered=altered,
                  stored=stored, replaced=_replaced(request, case_id, read.replaced, []))


def _replaced(request: Request, case_id: UUID, replaced: tuple, seen: list, every: tuple = (),
              agreement: Agreement | None = None) -> list[tuple]:
    """Each log a rebuild replaced, whether it was held to the events (``_held``), and the rows where it differs
    from today's (each with the log that alone holds it, or, of a held log, that the events do not give it — its
    rebuild's ends no log before it founds too, which today's log holds as well); each fact described, as in the
    table (the case's ``every`` fact — from the page's own read of its history, none when its events are not read —
    only when a difference names one the table does not show: the page read ``all_facts`` for them, a second read
    of the case, not the one checked against the ledger).  ``agreement``: today's log held to the events (None:
    they are not read)."""
    facts = {f.fact_id: f for f in seen}
    wanted = {k[2] for old in replaced for k in (*old.only_replaced, *old.unfounded, *old.only_current)
              if k[5] != "erased"}
    if wanted - facts.keys():
        facts.update((f.fact_id, f) for f in every)
    cat, ids = service(request).catalogue, request.app.state.context.fact_ids.of(case_id)
    found = not_given(agreement, replaced)
    consents = consent_facts(seen)   # the log's own consent facts, as its table tells its bases from
    return [(old, _held(old, agreement), old in found,
             [(*_logged_row(key, cat, ids, facts, consents), where)
              for where, keys in _differences(old, old in found) for key in keys])
            for old in replaced]


def _not_given(agreement: Agreement | None, replaced: tuple) -> str:
    """The warning at the top: the rows of replaced logs built under today's rules the events do not give ("": none,
    or not held)."""
    rows = rows_not_given(agreement, replaced)
    return texts.T["replaced_not_given"].format(n=rows_counted(rows)) if rows else ""


def _differences(old: ReplacedLog, found: bool) -> tuple[tuple[str, list], ...]:
    """A replaced log's rows beside today's, each group with what the page says of where it stands; ``found``: its
    rows the events do not give are a finding (``stored_log.not_given``), and said so."""
    if not found:
        return (texts.T["replaced_only_old"], old.only_replaced), (texts.T["replaced_only_now"], old.only_current)
    return ((texts.T["replaced_not_given_old"], old.only_replaced), (texts.T["replaced_not_given_both"], old.unfounded),
            (texts.T["replaced_only_now"], old.only_current))


def _held(old: ReplacedLog, agreement: Agreement | None) -> str:
    """Whether a replaced log could be held to the events, and what that found (``stored_log.standing``, as the
    report says it): only one built under today's rules and catalogue can, and only while today's log agrees."""
    n = len(old.not_given)
    return texts.T[_HELD[standing(old, agreement)]].format(n=swedish_number(n), marked=one_or_many(n, "märkt", "märkta"))


_HELD = {"other_rules": "replaced_other_rules", "other_catalogue": "replaced_other_catalogue",
         "mixed_catalogue": "replaced_mixed_catalogue",
         "unread": "replaced_held_unread", "later": "replaced_held_later",
         "agrees": "replaced_held_agrees", "not_given": "replaced_held_not_given"}


def _logged_row(key: tuple, cat, ids, facts: dict,  # noqa: ANN001 - catalogue, public ids
                consents: tuple) -> tuple:
    """A stored log row (``services.stored_log.row_key``) as a table row: its fact described where ``facts`` holds
    it (with its event version), else by its kind; a consent basis by who consented and until when as ``consents``
    (the log's consent facts) stood at the row's moment, its ids aside, as the log's own table tells it (told by ids
    alone where none of its consents is among them: an erased case's)."""
    at, agency, fact_id, kind, _, change, basis, cause = key
    erased = change == "erased"
    return (at, agency_name(agency, cat), CHANGES.get(change, change),
            fact_id if erased else _handle(as_shown(facts, fact_id), ids(fact_id)),
            describe_logged(fact_id, KINDS.get(kind, kind), facts, cat),
            texts.T["replaced_erased"] if erased else describe_basis_with_ids(
                basis, cat, known_at(consents, change, at), recipient=agency),
            describe_cause(cause, cat) if cause is not None else texts.T["cause_not_stored"])


def _handle(fact, public: str) -> str:  # noqa: ANN001 - a Fact, or None when the history no longer names it
    return public if fact is None else f"v{fact.version} · {public}"
