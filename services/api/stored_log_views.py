"""Response shapes of a case's stored disclosure log: the rows the agencies' feeds carried, held to the case's
events, and the logs rebuilds replaced (``services.stored_log``).

Apart from the other audit shapes (``audit_views``) because they answer what was stored, not what the events
give: a row is shown as it is, any kind or cause (an altered row is evidence, not refused), and no content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Sequence
from uuid import UUID

from pydantic import BaseModel, Field

from domain.catalogue import Catalogue
from domain.facts import Fact
from services.api.views import FactIds
from services.basis_text import describe_basis, describe_cause, known_at
from services.stored_log import not_given, standing


class StoredLogOut(BaseModel):
    """The stored disclosure log (what the agencies' feeds carried) beside the log replayed from the events, up to
    the case's latest event: as multisets of time, agency, fact, change, basis and cause (erasures left out)."""
    agrees: bool
    compared: int = Field(description="stored rows compared")
    only_stored: int = Field(description="rows in the stored log that the events do not give")
    only_replayed: int = Field(description="changes the events give that the stored log lacks")
    without_cause: int = Field(description="stored rows from before causes were stored (compared without them)")


class StoredBasisOut(BaseModel):
    """A basis as a stored row holds it: any kind (an altered row is shown as it is, not refused)."""
    kind: str = Field(description="origin, owner, law or consent (anything else: the row was altered)")
    consent_ids: list[str] = Field(default_factory=list)
    legal_basis: str | None = None
    description: str = Field(description="the basis in Swedish")


class StoredCauseOut(BaseModel):
    """A cause as a stored row holds it (``CauseOut``'s fields; any ``what``: an altered row is shown as it is)."""
    what: str
    consent_ids: list[str] = Field(default_factory=list)
    agency: str | None = None


class LoggedRowOut(BaseModel):
    """A row of a stored disclosure log, as the feeds carried it (no content: the log holds none)."""
    at: datetime
    agency: str
    change: str = Field(description="disclosed, ended, basis_changed or erased (anything else: the row was altered)")
    fact_id: str = Field(description="the fact's public id (case.erased: the whole case, its key destroyed)")
    kind: str
    category: str
    basis: StoredBasisOut | None = Field(description="None for an erasure")
    cause: list[StoredCauseOut] | None = Field(description="None when not stored (rows from before 2026-12-03,"
                                                           " erasures)")
    cause_description: str | None
    feed: str | None = Field(None, description="the feed that carried it, and its number there (rows of a replaced"
                                               " log: in that log's epoch)")
    seq: int | None = None


class ReplacedLogOut(BaseModel):
    """A disclosure log a rebuild replaced — what the feeds carried until then — as far as this case (and agency)
    goes, beside the current log over the same events."""
    replacement: int = Field(description="the replacement's number (1 for the first rebuild that kept a log)")
    epoch: str = Field(description="the feeds' numbering it was carried in (a feed page's epoch)")
    replaced_at: datetime
    rules_version: int = Field(description="the disclosure rules' version it was built under")
    up_to: int = Field(description="its position in the whole installation's event log (not a case's event"
                                   " version): the log holds every change up to that event")
    rows: list[LoggedRowOut]
    only_replaced: list[LoggedRowOut] = Field(description="its rows the current log does not hold")
    only_current: list[LoggedRowOut] = Field(description="rows of the current log, up to the same notification, it"
                                                         " did not hold")
    held: bool = Field(False, description="built under today's rules and agency catalogue: held to the events as the"
                                          " current log is (a log built under other rules or another catalogue cannot"
                                          " be: beyond_holding says which)")
    catalogue: str | None = Field(None, description="the digest of the agency catalogue (SIGILL_CATALOGUE) it was built"
                                                    " under — of what decides the log's rows, not the names; 'mixed':"
                                                    " written under more than one; null: replaced before it was"
                                                    " recorded (2026-12-06), taken to be today's")
    beyond_holding: Literal["other_rules", "other_catalogue", "mixed_catalogue"] | None = Field(None, description=(
        "why it cannot be held to the events: built under other rules; under today's rules and another agency"
        " catalogue; or under today's rules and written under more than one catalogue (catalogue 'mixed': some rows"
        " perhaps under today's); null when held"))
    not_given: list[LoggedRowOut] = Field(default_factory=list, description=(
        "of a held log, its rows the events do not give under today's rules — only_replaced, and its rebuild's ends"
        " (cause rules_changed) no earlier replaced log founds: a finding, rows added to the log before a rebuild kept"
        " it. Given only while the current log agrees (stored_log.agrees): empty where it does not, or where the"
        " events are not read (an erased case, an altered history; stored_log is null)"))


class StoredLog(BaseModel):
    """A case's stored disclosure log — what the agencies' feeds carried, in the order written; no content — held to
    its events, and the logs rebuilds replaced.  Also of an erased case, whose rows stay."""
    case_id: UUID
    erased: bool = Field(description="the case's key is destroyed: its events no longer read, so the rows cannot be"
                                     " held to them (stored_log is null)")
    history_altered: str | None = Field(None, description="the case's stored history is not what the audit ledger"
                                        " sealed (where, as the 409 of its other audit reads says it): the rows are"
                                        " answered as stored — evidence of their own — but cannot be held to the"
                                        " events (stored_log is null)")
    rows: list[LoggedRowOut]
    stored_log: StoredLogOut | None
    replaced_logs: list[ReplacedLogOut] = Field(description="the logs rebuilds replaced, oldest first")


def logged_row_out(key: tuple, catalogue: Catalogue, ids: FactIds, consents: Sequence[Fact] | None = None
                   ) -> LoggedRowOut:
    """A stored row's key (``services.stored_log.row_key``) as the API shows it.  ``consents``: the consent facts of
    the log the rows were held to (``StoredLogRead.consents``); a consent basis then says who consented and until
    when, as the consents stood at the row's moment, as ``change_out`` does — without them (an erased case, an
    altered history), by the consents' ids."""
    at, agency, fact_id, kind, category, change, basis, cause = key
    erased = change == "erased"
    known = known_at(consents, change, at) if consents else None
    return LoggedRowOut(at=at, agency=agency, change=change, fact_id=fact_id if erased else ids(fact_id), kind=kind,
                        category=category, basis=None if erased else StoredBasisOut(
                            kind=basis.kind, consent_ids=list(basis.consent_ids), legal_basis=basis.legal_basis,
                            description=describe_basis(basis, catalogue, known, recipient=agency)),
                        cause=None if cause is None else [StoredCauseOut(what=x.what, consent_ids=list(x.consent_ids),
                                                                         agency=x.agency) for x in cause],
                        cause_description=None if cause is None else describe_cause(cause, catalogue))


def stored_row_out(row: dict[str, Any], catalogue: Catalogue, ids: FactIds, consents: Sequence[Fact] | None = None
                   ) -> LoggedRowOut:
    """A stored log row, with the feed and number it was carried under (``consents``: as ``logged_row_out``)."""
    from services.stored_log import row_key

    return logged_row_out(row_key(row), catalogue, ids, consents).model_copy(update={"feed": row["feed"],
                                                                                    "seq": row["seq"]})


def stored_log_out(agreement: Any) -> StoredLogOut:
    """A ``services.stored_log.Agreement``."""
    return StoredLogOut(agrees=agreement.agrees, compared=agreement.compared, only_stored=len(agreement.only_stored),
                        only_replayed=len(agreement.only_replayed), without_cause=agreement.without_cause)


def replaced_log_out(old: Any, catalogue: Catalogue, ids: FactIds, consents: Sequence[Fact] | None = None,
                     agreement: Any = None) -> ReplacedLogOut:
    """A ``services.stored_log.ReplacedLog`` (``consents``: as ``logged_row_out``); ``agreement``, the current log's
    (None: the events not read), says whether its rows not given are a finding (``stored_log.not_given``)."""
    rows = lambda keys: [logged_row_out(k, catalogue, ids, consents) for k in keys]  # noqa: E731
    stored = [stored_row_out(r, catalogue, ids, consents) for r in old.rows]
    return ReplacedLogOut(replacement=old.replacement, epoch=old.epoch, replaced_at=old.replaced_at,
                          rules_version=old.rules_version or 1, up_to=old.up_to, rows=stored,
                          only_replaced=rows(old.only_replaced), only_current=rows(old.only_current),
                          held=old.held, catalogue=old.catalogue, beyond_holding=_beyond_holding(old),
                          not_given=rows(old.not_given) if not_given(agreement, [old]) else [])


def _beyond_holding(old: Any) -> str | None:
    return None if old.held else standing(old, None)
