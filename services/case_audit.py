"""The case service's audit reads (JO, IVO): a case's whole history, what an agency saw at any instant, the
disclosure log as computed and as stored, the logs rebuilds replaced, the access log's search.

A mixin of ``CaseService`` (``services.case_service``), which holds what the audits share with the reads.  What
they answer, and the folds of a case's history they are made of, are ``services.audit_answers``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import EventSourcingError
from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.utils import get_topic

from domain.case_events import ReferralReceived
from domain.case_numbers import as_written
from domain.errors import CaseErased
from domain.facts import Fact
from domain.visibility import LogFold
from projections.agency_queries import protected_personal_data
from services.access_chain import ShownVerdict
from services.access_entry import AccessEntry, AccessQuery, AccessRecord
from services.audit import CaseHistoryAltered
from services.audit_answers import AuditDisclosures, AuditLog, AuditReplay, ReportRead, StoredLogRead, replayed
from services.authorisation import check_auditor
from services.basis_text import consent_facts
from services.errors import CaseNotFound, StoredEventUnreadable
from services.case_list_reads import ListPage
from services.ports import IndexCursor
from services.principals import Principal, Role
from services.report import Preparer
from services.statistics import STATISTICS_RUN
from services.stored_log import ReplacedLog, compare, replaced_logs

if TYPE_CHECKING:
    from services.case_service import CaseService

T = TypeVar("T")
# The auditors' index of the installation's cases (the web's Granskning): each case's number, phase and whether it has
# skyddade personuppgifter — nothing of who the young person is, nor of what any agency recorded.  Listing it is no
# read of any case: one entry a page shown, under an id no case has (as a statistics run's), so that no young person's
# extract tells of it, and the supervisor still sees who listed which numbers, when.  Opening a case is its read.
AUDIT_CASE_INDEX = "audit.case_index"   # what the entry says: audit.case_index:<page>:<shown>:<first>:<last>
CASE_INDEX = uuid5(NAMESPACE_URL, "urn:sigill:audit-case-index")
NO_CASE = frozenset({STATISTICS_RUN, CASE_INDEX})   # the access log's entries of no one case, by these ids
INDEX_COLUMNS = ("case_id", "case_number", "phase", "protected_personal_data")


# A case's events' topics, in plain text beside their sealed state (an erased case's too): what makes a stored
# aggregate a case, for an auditor, who audits any stored case — not the case-number series stored beside them.
CASE_EVENTS = get_topic(ReferralReceived).partition(":")[0] + ":"
STORED_LOG_ATTEMPTS = 3   # a disagreement is asked again: an event may have been recorded mid-comparison


def _of(agency: str | None) -> list[str] | None:
    """The agencies a stored log of ``agency`` (None: every agency's) is held to the disclosure log of."""
    return [agency] if agency else None


class CaseAudit:
    def check_stored_case(self: CaseService, case_id: UUID, stored: Sequence[StoredEvent] | None = None) -> None:
        """CaseNotFound unless a case's events are stored under ``case_id`` (``stored``: those already read, if
        any): an erased case's are, a case-number series' are not a case's.  Its first stored event is asked, not
        its referral: a case whose first events were removed is still a case, told as altered."""
        first = stored[:1] if stored is not None else self.app.recorder.select_events(case_id, limit=1)
        if not first or not first[0].topic.startswith(CASE_EVENTS):
            raise CaseNotFound("no such case", field="case_id")

    def audit_facts(self: CaseService, p: Principal, case_id: UUID, purpose: str = "") -> tuple[Fact, ...]:
        check_auditor(p)
        facts = self.app.all_facts(case_id, self.check_history(case_id))   # the events checked, read once
        self._log(p, case_id, "audit.facts", purpose)
        return facts

    def audit_replay(self: CaseService, p: Principal, case_id: UUID, agency: str, at: datetime,
                     purpose: str = "") -> AuditReplay:
        """What ``agency`` could see of the case at ``at``, each fact with its basis, and its standing then (why it
        saw what it saw, or nothing): for auditors only — the standing tells of every consent and member."""
        check_auditor(p)
        history = self._checked_history(case_id)
        self.catalogue.agency(agency)
        seen = replayed(history, agency, at, self.catalogue)
        self._log(p, case_id, f"audit.replay:{agency}@{at.isoformat()}", purpose)
        return seen

    def _checked_history(self: CaseService, case_id: UUID) -> Sequence[Any]:
        """The case's events, read once: the very rows the ledger's check read and found sealed (``check_history``
        gives them), decoded — so that what is replayed is what was checked (a replay read the case again after the
        check, and the replay page three more times).  Without a ledger to check against, as the application reads
        them."""
        return self.app.readable_history(case_id, self.check_history(case_id))

    def audit_protection(self: CaseService, p: Principal, case_id: UUID) -> dict[str, Any] | None:
        """Skyddade personuppgifter as the case stands, whoever was told — ``{kind, since}`` or None: the head of an
        auditor's page of the case that reads nothing else of its history (the replay's form; the pages that read
        it take it from their own read: ``AuditReplay``, ``AuditDisclosures``, ``audit_extract``).  From the case's
        fold this worker keeps (``judged.replay``: the events after it read, not its whole history).  Not logged on
        its own: it says no more than the auditors' index of cases does with its marker (``audit_case_index``, no
        read of a case), and the page's own read is logged as what it shows."""
        check_auditor(p)
        return protected_personal_data(self.judged.replay(case_id).facts)

    def audit_extract(self: CaseService, p: Principal, case_id: UUID, purpose: str = ""
                      ) -> tuple[list[AccessRecord], dict[str, Any] | None]:
        """The young person's extract as an auditor's page shows it (``extract``: logged as ``extract``), and
        skyddade personuppgifter as the case stands, whoever was told (the page's head) — from the fold the extract
        itself was decided on, not from a second read of the case's history."""
        check_auditor(p)
        made, fold = self.extract_and_fold(p, case_id, purpose)   # the young person's: whole
        return made.records, protected_personal_data(fold.facts)

    def audit_disclosures(self: CaseService, p: Principal, case_id: UUID, agency: str | None = None,
                          purpose: str = "") -> AuditLog:
        """The disclosure log (the command line's), and the case as it stands: both of the events checked, read
        once (``_checked_history``) — the command line read the case again for its guardians, unchecked — and
        folded once (``LogFold``: the case is the one the log was made of)."""
        check_auditor(p)
        agencies = self._agencies(agency)
        fold = self.app.disclosure_fold(self._checked_history(case_id), agencies)
        log = self.app.disclosures_of(fold)
        self._log(p, case_id, "audit.disclosures" + (f":{agency}" if agency else ""), purpose)
        return AuditLog(log, fold.folded().case)

    def audit_disclosures_and_stored_log(self: CaseService, p: Principal, case_id: UUID, agency: str | None = None,
                                         purpose: str = "") -> AuditDisclosures:
        """``audit_disclosures``, and the stored log held to it (the API's and the web's disclosures answer), and
        skyddade personuppgifter as the case stands, and its every fact: the case's history read once for all four —
        the rows the ledger's check read (``_checked_history``) — unless the stored log must be asked again
        (``_stored_log_read``); one read logged.  Folded once for all four (``LogFold``): the log up to the latest
        event, held to the stored log, then on to now, and the facts of the same fold."""
        check_auditor(p)
        agencies = self._agencies(agency)
        fold = self.app.disclosure_fold(self._checked_history(case_id), agencies)
        # The stored log first: the views caught up as soon after the read as may be (an event recorded between
        # the two is a disagreement, asked again).
        read = self._stored_log_read(case_id, agency, fold)
        log = self.app.disclosures_of(fold)
        self._log(p, case_id, "audit.disclosures" + (f":{agency}" if agency else ""), purpose)
        facts = tuple(fold.folded().facts)
        return AuditDisclosures(log, read, protected_personal_data(facts), facts)

    def _agencies(self: CaseService, agency: str | None) -> list[str] | None:
        """The agencies a disclosure log is of (None: every one), an unknown one refused before the case is read."""
        if agency is None:
            return None
        self.catalogue.agency(agency)
        return [agency]

    def audit_stored_log(self: CaseService, p: Principal, case_id: UUID, agency: str | None = None, purpose: str = ""
                         ) -> StoredLogRead:
        """The case's stored disclosure log — what the agencies' feeds carried, no content: which agency got which
        kind of fact, on what basis — whether it says what the case's events say up to the latest one
        (``services.stored_log``), and the logs rebuilds replaced; a read, logged.  Also of an erased case, whose
        events no longer read: its rows stay, with nothing to hold them to (and nothing of the case read, so
        nothing logged)."""
        check_auditor(p)
        if agency is not None:
            self.catalogue.agency(agency)
        self.check_stored_case(case_id)
        # Asked of the key store itself, not of a judged copy of the case a worker may still hold in memory.
        if not self.app.keystore.is_destroyed(case_id):
            try:
                read = self.held_stored_log(case_id, agency)
                self._log(p, case_id, "views.log" + (f":{agency}" if agency else ""), purpose)
                return read
            except CaseErased:   # destroyed since
                pass
            except StoredEventUnreadable:   # one not yet sealed, altered: nothing to hold the rows to (it was a 500)
                pass
        return self._as_stored(case_id, agency)

    def audit_deliveries(self: CaseService, p: Principal, case_id: UUID, agency: str | None = None,
                         purpose: str = "") -> list[dict[str, Any]]:
        """What of the case the agencies' Kafka topics received, as the broker acknowledged it: per message its feed
        and number, event and fact ids, topic, partition, offset and when (no content).  A read, logged — unless the
        case is erased: its reader's name would be sealed under a destroyed key, as ``audit_stored_log`` says."""
        check_auditor(p)
        if agency is not None:
            self.catalogue.agency(agency)
        self.check_stored_case(case_id)
        rows = self.lists.deliveries(case_id, agency)
        if not self.app.keystore.is_destroyed(case_id):
            self._log(p, case_id, "audit.deliveries" + (f":{agency}" if agency else ""), purpose)
        return rows

    def held_stored_log(self: CaseService, case_id: UUID, agency: str | None = None,
                        checked: Callable[[], LogFold] | None = None) -> StoredLogRead:
        """The stored log held to the case's events (``_stored_log_read``) — or, when its history is not what the
        ledger sealed, as stored, with where the history was found altered: the log is evidence of its own, and an
        altered event must not hide it too.  Neither authorised nor logged: for answers that are (the report, the
        stored log's read).  ``checked``: the case's events already read and checked, to be folded (the report's,
        every agency's: ``ReportRead.fold``)."""
        try:
            fold = checked() if checked is not None else \
                self.app.disclosure_fold(self._checked_history(case_id), _of(agency))
            return self._stored_log_read(case_id, agency, fold)
        except CaseHistoryAltered as altered:   # not caught up either: the views read the same events
            return replace(self._as_stored(case_id, agency), history_altered=altered.divergence)

    def report_read(self: CaseService, case_id: UUID) -> ReportRead:
        """The case's history for the report, read once (``ReportRead``): the ledger's check's read, whether or not
        it finds the history as sealed.  CaseNotFound when the case has no stored event (an erased one has its
        events still).  Without a ledger to check against, as the application reads it."""
        try:
            stored, divergence = self.check_history(case_id), None
        except CaseHistoryAltered as altered:
            stored, divergence = altered.stored, altered.divergence
        self.check_stored_case(case_id, stored)
        return ReportRead(case_id, divergence, lambda: self.app.readable_history(case_id, stored),
                          self.app.disclosure_fold)

    def report_checks(self: CaseService, read: ReportRead) -> tuple[StoredLogRead, ShownVerdict]:
        """What the report says beside the ledger's verification: the stored disclosure log held to the case's
        events (``held_stored_log``; as stored when they do not read, or the case is erased; with where the history
        differs from what the ledger sealed), and the access log's check of the case's reads.  For the report's own
        read (``report_read``), authorised and logged."""
        case_id = read.case_id
        try:
            if read.divergence is not None:   # not caught up either: the views read the same events
                stored = replace(self._as_stored(case_id, None), history_altered=read.divergence)
            else:
                stored = self.held_stored_log(case_id, checked=read.fold)
        except PersistenceError:
            raise   # the database, not the case
        except (EventSourcingError, CaseErased):   # an event that does not read (not yet sealed), a key destroyed
            stored = self._as_stored(case_id, None)
        return stored, self.access_log_check(case_id)

    def _stored_log_read(self: CaseService, case_id: UUID, agency: str | None, checked: LogFold) -> StoredLogRead:
        """The stored log held to the case's events: first to ``checked`` (a fold of ``_checked_history``, read by
        the caller, who may fold it on), then, while they disagree, to the events read again.

        The views and the history are not read in one transaction, so an event recorded between the two reads is in
        one and not yet in the other, and they disagree: a healthy log agrees at the next attempt, a changed one
        never does.  The first attempt's history was read before the views caught up — an event recorded in
        between is in the table and not in the history; each later attempt catches up first and then reads the
        history — an event recorded in between is in the history and not yet in the table.  Either way round one
        event in the window is a disagreement that the next attempt, its reads after that event, no longer has;
        so only the first attempt may use the rows already read (reused later, an event recorded before the first
        catch-up would be in every table read and never in the history: a healthy log reported as disagreeing).
        Each later read is the ledger's check again (``_checked_history``: its read is the history's, one
        statement either way): what the stored log is said to agree with is always a history found as sealed —
        an event altered after the first check would otherwise be held to unchecked, and an agreement shown."""
        replacements, replaced = self.lists.replaced_log(case_id, agency)
        fold = checked
        for attempt in range(STORED_LOG_ATTEMPTS):
            if attempt:
                fold = self.app.disclosure_fold(self._checked_history(case_id), _of(agency))
            rows, caused_from = self.lists.stored_log(case_id, agency)   # the views caught up first
            # What rebuilds replaced (what the feeds carried before), beside the current log over the same events.
            logs = tuple(replaced_logs(replacements, replaced, rows, self.catalogue.digest))
            replayed = self.app.disclosures_of(fold, as_recorded=True)
            agreement = compare(rows, replayed, caused_from, logs)
            if agreement.agrees:
                break
        return StoredLogRead(rows, agreement, logs, consents=consent_facts(c.fact for c in replayed))

    def erased_cases(self: CaseService, p: Principal) -> list[dict[str, Any]]:
        """For auditors: the erased cases whose disclosure log rows remain (no content: ids, kinds, bases, times)."""
        check_auditor(p)
        return [] if self.lists is None else self.lists.erased_cases()

    def replaced_logs(self: CaseService, case_id: UUID, agency: str | None = None) -> list[ReplacedLog]:
        """The logs rebuilds replaced, as far as the case goes, beside today's (``services.stored_log``): for answers
        already authorised and logged (the report, the command line's disclosures)."""
        return list(self._as_stored(case_id, agency).replaced)

    def _as_stored(self: CaseService, case_id: UUID, agency: str | None) -> StoredLogRead:
        """The stored log as it is, not caught up (these readers write nothing; a replaced log is compared up to its
        own end, which the stored log is past) and not held to the events."""
        rows, _ = self.lists.stored_log(case_id, agency, caught_up=False)
        return StoredLogRead(rows, None, tuple(replaced_logs(*self.lists.replaced_log(case_id, agency), rows,
                                                             self.catalogue.digest)))

    def audit_view(self: CaseService, p: Principal, case_id: UUID, agency: str, read: Callable[[], T],
                   purpose: str = "") -> T:
        """An agency's stored view of a case (``read``), as the command line shows it to whoever holds the master
        key: authorised and logged as a read like any other, so the young person's extract shows it."""
        check_auditor(p)
        self.catalogue.agency(agency)
        seen = read()
        self._log(p, case_id, f"views.show:{agency}", purpose)
        return seen

    def audit_case_index(self: CaseService, p: Principal, page: int = 1, size: int = 50,
                         after: IndexCursor | None = None, before: IndexCursor | None = None) -> ListPage:
        """One page of the auditors' index of every case (``AUDIT_CASE_INDEX``), the newest case number first, how
        many cases it holds and whether a row follows the page: each row only its ``INDEX_COLUMNS``.  Logged before
        it is shown, as one entry (an empty page: none) — a read of each case listed put "ärendelistan (granskning)"
        into every young person's extract at each opening of the auditor's home page, for a number and a phase.
        Past the first page, a keyset page (``_newest_first_page``, as the caseworkers' list): ``page`` is only the
        page's number in the entry."""
        check_auditor(p)
        listed = self._newest_first_page(p, "", page, size, after, before)
        shown = [{column: r.get(column) for column in INDEX_COLUMNS} for r in listed.rows]
        if shown:
            self.access_log.record(AccessEntry(
                self.app.clock.now(), CASE_INDEX, p.subject, p.agency, p.role_names,
                f"{AUDIT_CASE_INDEX}:{listed.page}:{len(shown)}:{_logged(shown[0])}:{_logged(shown[-1])}"))
        return listed._replace(rows=shown)

    def audit_case_list(self: CaseService, p: Principal, agency: str, read: Callable[[], list[dict[str, Any]]],
                        purpose: str = "") -> list[dict[str, Any]]:
        """An agency's case list from its view (``read``), as the command line shows it to whoever holds the master
        key: each case it shows is a read (``views.cases:<agency>``), logged together before it is shown."""
        check_auditor(p)
        self.catalogue.agency(agency)
        rows = read()
        self.access_log.record_all(self._entry(p, r["case_id"], f"views.cases:{agency}", purpose) for r in rows)
        return rows

    def audit_report(self: CaseService, p: Principal, case_id: UUID,
                     make: Callable[[ReportRead, Callable[[], str | None], Preparer], str], purpose: str = "") -> str:
        """The supervisor's report, made by ``make`` of the case's history read once (``report_read``: the rows
        the ledger's check read, so that the report shows what was verified): authorised and logged as a read, and
        made even when the case's history is not what the ledger sealed, or no longer reads — the report then says
        so, naming the case by its number from the case list (``make``'s second argument asks it: no read of the
        list); an erased case is refused, from the same read, before it is logged (``ReportRead.refuse_erased``).
        Its third says who made it and for what purpose, which the report states under its heading."""
        check_auditor(p)
        read = self.report_read(case_id)   # a case with no event refused before anything is logged
        read.refuse_erased()   # and an erased one, from the same rows
        self._log(p, case_id, "audit.report", purpose)
        return make(read, lambda: self.case_numbers(p, [case_id]).get(str(case_id)),
                    Preparer(p.agency, p.has(Role.AUDITOR), purpose))

    def access_log_search(self: CaseService, p: Principal, query: AccessQuery, purpose: str = ""
                          ) -> list[AccessRecord]:
        """A page of the access log; a read, logged for each case it shows before it is shown.  Who read a young
        person's case, when and why (the readers' names and purposes unsealed) is what their extract tells: an
        auditor's search that shows it is in the extract too, as the extract itself is."""
        check_auditor(p)
        records = self.access_log.search(query)
        self.access_log.record_all(self._searched(p, records, purpose))
        return records

    async def access_log_search_async(self: CaseService, p: Principal, query: AccessQuery, purpose: str = ""
                                      ) -> list[AccessRecord]:
        """As ``access_log_search``, on an event loop: logged as the API's other reads are, from the loop."""
        check_auditor(p)
        records = await asyncio.to_thread(self.access_log.search, query)
        await asyncio.gather(*(self.access_log.record_async(e) for e in self._searched(p, records, purpose)))
        return records

    def _searched(self: CaseService, p: Principal, records: list[AccessRecord], purpose: str) -> list[AccessEntry]:
        """A search's read of each case whose reads it shows — reads other than searches of the log itself: a walk
        to the log's end would otherwise meet, page after page, the entries its own pages had just added, and never
        reach it.  Entries of no one case (``NO_CASE``: a statistics run, a page of the auditors' index) read no
        case: each search showing them logged a read of "inget enskilt ärende"."""
        return [self._entry(p, case_id, "audit.access_log", purpose)
                for case_id in dict.fromkeys(r.entry.case_id for r in records
                                             if r.entry.what != "audit.access_log" and r.entry.case_id not in NO_CASE)]


def _logged(row: dict[str, Any]) -> str:
    """A case number as the index's access-log entry names it: '?' for one not as Sigill writes it (the index
    altered: a name or a personnummer put there would stay in the log for years)."""
    number = row["case_number"]
    return number if as_written(number) else "?"
