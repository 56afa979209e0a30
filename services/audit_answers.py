"""What the case service's audit reads answer (``services.case_audit``), and the fold of a case's history, already
read, they are made of: no service, no store — the history is read and checked by the service, and given here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple, Sequence
from uuid import UUID

from eventsourcing.domain import EventSourcingError

from domain.case import Case
from domain.catalogue import Catalogue
from domain.disclosure import Replay, VisibilityChange
from domain.errors import CaseErased
from domain.facts import Fact
from domain.judge import Disclosure
from domain.standing import Standing, standing_of
from domain.visibility import LogFold
from projections.agency_queries import protected_personal_data
from services.ledger import Divergence
from services.stored_log import Agreement, ReplacedLog


@dataclass(frozen=True)
class StoredLogRead:
    """A case's stored disclosure log as an auditor reads it (``CaseService.audit_stored_log``)."""

    rows: list[dict[str, Any]]
    agreement: Agreement | None          # None: the case is erased, or its history altered: not held to its events
    replaced: tuple[ReplacedLog, ...]
    # Why the rows are not held to the events though the case is not erased: its stored history is not what the
    # ledger sealed (where).  The stored log is evidence of its own (append-only), so it is shown all the same.
    history_altered: Divergence | None = None
    # The consent facts among the changes the rows were held to (``basis_text.consent_facts``): a row's consent
    # basis is told by who consented, as the disclosure log's is.  None when not held to the events (an erased
    # case, an altered history): its bases are told by their ids.
    consents: tuple[Fact, ...] | None = None


class AuditReplay(NamedTuple):
    """An auditor's replay (``CaseAudit.audit_replay``): what the agency saw, and its standing then (None: the case
    did not exist yet); and, from the same events, what the replay's answers say beside it — the case as it stands
    (when it began, its guardians), skyddade personuppgifter as recorded at the moment and now, whoever was told."""

    disclosures: tuple[Disclosure, ...]
    standing: Standing | None
    case: Case
    protection_then: dict[str, Any] | None
    protection_now: dict[str, Any] | None


class AuditLog(NamedTuple):
    """An auditor's disclosure log (``CaseAudit.audit_disclosures``): every change of what an agency could see, and —
    folded from the same events — the case as it stands (its guardians, whom a consent basis names by role)."""

    changes: tuple[VisibilityChange, ...]
    case: Case


class AuditDisclosures(NamedTuple):
    """An auditor's disclosure log (``CaseAudit.audit_disclosures_and_stored_log``): every change of what an agency
    could see, the stored log held to it, and — from the same events — skyddade personuppgifter as the case stands,
    whoever was told (the head of the web's page), and every fact of the case (what a replaced log's row names that
    the log does not show is described by)."""

    changes: tuple[VisibilityChange, ...]
    stored: StoredLogRead
    protection_now: dict[str, Any] | None
    facts: tuple[Fact, ...]


def replayed(history: Sequence[Any], agency: str, at: datetime, catalogue: Catalogue) -> AuditReplay:
    """``AuditReplay`` of a case's history, already read and checked (``CaseAudit._checked_history``): one fold, up
    to ``at`` for what the agency saw and its standing then (``standing_at`` folded it a second time), then on."""
    folded = Replay(history, catalogue)
    folded.advance_to(at)
    seen, then = folded.visible_to(agency, at), protected_personal_data(folded.facts)   # ``disclosures_at``'s answer
    standing = standing_of(folded.case, history, agency, at, catalogue)   # before the case is folded further
    folded.advance_to(datetime.max.replace(tzinfo=timezone.utc))   # every stored event, as ``replay`` folds them
    return AuditReplay(seen, standing, folded.case, then, protected_personal_data(folded.facts))



class ReportRead:
    """The case's history as the report is made of it: read once — the rows the ledger's check read
    (``check_history``), so that the report shows what was verified — with where they differ from what the ledger
    sealed (``divergence``: nothing else is then said of them); decoded once, when first asked (``history``) — an
    event that does not decrypt is the report's to tell, as it was when it read the case itself; an erased case is
    refused before the read is logged (``refuse_erased``), as the command line refused it from a read of its own;
    folded once, when first asked (``fold``), for the stored log's check and the report alike."""

    def __init__(self, case_id: UUID, divergence: Divergence | None, decode: Callable[[], Sequence[Any]],
                 fold_of: Callable[[Sequence[Any]], LogFold]) -> None:
        self.case_id, self.divergence = case_id, divergence
        self._decode, self._fold_of = decode, fold_of
        self._decoded: Sequence[Any] | EventSourcingError | CaseErased | None = None
        self._fold: LogFold | None = None

    def history(self) -> Sequence[Any]:
        """The case's events, decoded from the rows read — or what decoding them raised, again to each asker (the
        stored log's check, then the report), as each of its own reads raised it."""
        if self._decoded is None:
            try:
                self._decoded = self._decode()
            except (EventSourcingError, CaseErased) as error:
                self._decoded = error
        if isinstance(self._decoded, (EventSourcingError, CaseErased)):
            raise self._decoded
        return self._decoded

    def fold(self) -> LogFold:
        """The history (``history``: raising as it does) to be folded once, for every agency's disclosure log: the
        stored log's check folds it up to the latest event, the report on to its moment, and the case and every
        fact from the same fold (each folded it afresh)."""
        if self._fold is None:
            self._fold = self._fold_of(self.history())
        return self._fold

    def refuse_erased(self) -> None:
        """Raise CaseErased when the rows read are an erased case's (CaseNotFound: no case's) — before the read is
        logged, as a replay refuses them: nothing of it can be reported.  Told by decoding the rows read, which the
        report then uses (no read of its own: the command line read the case a second time to refuse it first).  An
        event that does not decrypt is left for the report to tell, as is a history not as sealed (not decoded)."""
        if self.divergence is not None:
            return
        try:
            self.history()
        except EventSourcingError:
            pass
