"""The service the API and the web client share: authorise, run one command or query, log the read.

Entry points translate input and call one method here, so a web page can
never show more than the API gives the same user.  Content always comes from
the disclosure rules, asked per request for the reader's agency and now, over
the case's events — folded once per stored version (``JudgedCases``), so a
writer's next read sees its write.

The version a user sees is *their* version: the number of the case's events
they can see.  The store's own version would count events hidden from them,
and so reveal that something they may not see happened.

Reads of one case: ``services.case_reads``; the case list and a case found by its number:
``services.case_list_reads``; commands: ``services.case_commands``; auditing: ``services.case_audit`` (all mixed
into ``CaseService``).
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Sequence
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.disclosure import Replay
from domain.errors import CaseErased
from domain.judge import Disclosure
from domain.retention import DEFAULT_RETENTION_YEARS
from domain.seen_version import SeenVersion, digest_of
from domain.values import YOUNG_PERSON
from services.access_chain import ShownVerdict
from services.access_entry import AccessEntry
from services.access_log import AccessLog
from services.application import CaseApplication
from services.authorisation import Forbidden, Place, check_reads_cases, is_member_user, is_social_services, place_in
from services.case_audit import CaseAudit
from services.case_commands import CaseCommands
from services.case_list_reads import CaseListReads
from services.case_reads import CaseReads
from services.case_turns import CaseTurns
from services.guardian_extract import MadeExtract, made_for
from services.retention import CaseRetention
from services.statistics import CaseStatistics
from services.errors import CaseNotFound, DamagedDataKey, StoredEventUnreadable
from services.judged_cases import JudgedCases
from services.kept_figures import KeptFigures
from services.ports import AsyncEvents, CaseLists, PublishedStatistics, ReferralTurns
from services.principals import Principal, Role


class CaseService(CaseReads, CaseListReads, CaseCommands, CaseAudit, CaseStatistics, CaseRetention):
    def __init__(self, app: CaseApplication, access_log: AccessLog, lists: CaseLists | None = None,
                 check_history: Callable[[UUID], Sequence[StoredEvent] | None] = lambda case_id: None,
                 referral_turns: ReferralTurns | None = None,
                 retention_years: int = DEFAULT_RETENTION_YEARS,
                 fact_ids: Callable[[UUID, str], str] | None = None,
                 published_statistics: PublishedStatistics | None = None) -> None:
        """``check_history``: raises when a case's stored events are not those the audit ledger sealed (an
        auditor's replay must not present a history cut short as whole), else gives the stored events it checked,
        which the auditor's answer is then made of (None: nothing checked, the history is read as ever).  ``referral_turns``: referrals of a
        municipality checked and stored one at a time, across processes (None: no one else checks against the
        same cases — no views to check against).  ``retention_years``: the municipality's retention period
        (``SIGILL_RETENTION_YEARS``), after which a closed case is due for culling.  ``fact_ids``: the installation's
        public fact ids, which the digest of what an agency sees is made of (None: versions are counts alone).
        ``published_statistics``: an ended year's statistics as first answered to an evaluator, served to every
        later one as made (None: made anew each run)."""
        self.app, self.access_log, self.lists = app, access_log, lists
        self.retention_years = retention_years
        self.referral_turns = referral_turns
        self.check_history = check_history
        self.fact_ids = fact_ids
        self.published_statistics = published_statistics
        self.catalogue = app.catalogue
        self.judged = JudgedCases(app)
        self.kept_figures = KeptFigures(app.keystore)   # each case's statistics input, by its version
        self.command_turns = CaseTurns()   # commands on one case, one at a time in this process


    def extract(self, p: Principal, case_id: UUID, purpose: str = "",
                recipient: str = YOUNG_PERSON) -> MadeExtract:
        return self.extract_and_fold(p, case_id, purpose, recipient)[0]

    def extract_and_fold(self, p: Principal, case_id: UUID, purpose: str = "",
                         recipient: str = YOUNG_PERSON) -> tuple[MadeExtract, Replay]:
        """``extract``, and the case as it stands, folded, that the extract was decided on (``judged.replay``): what
        a page says of the case beside the extract, with no read of its own (``audit_extract``)."""
        with self._outsiders_told_nothing(p):
            return self._extract(p, case_id, purpose, recipient)

    def _extract(self, p: Principal, case_id: UUID, purpose: str, recipient: str
                 ) -> tuple[MadeExtract, Replay]:
        """The young person's extract (registerutdrag): who read what about them, and when — for the young person,
        or a guardian with custody while they are under 18 (``Case.check_extract_for``); whom it was made for is in
        the access log (``extract``, or ``extract.guardian:<the guardian's id>``), so that it is on record.  A
        guardian's, while skyddade personuppgifter are recorded, leaves out the readers and purposes
        (``services.guardian_extract``)."""
        replay = self.judged.replay(case_id)
        place = self._place(p, replay)
        if place is Place.MEMBER:
            raise Forbidden("social services produces the extract and hands it out")
        replay.case.check_extract_for(recipient, self.app.clock.now())
        # Which guardian by id (a random id, no name): whom it was handed to is on record.
        self._log(p, case_id, "extract" if recipient == YOUNG_PERSON else f"extract.guardian:{recipient}", purpose)
        return made_for(self.access_log.extract(case_id), replay.case.extract_leaves_out_readers(recipient)), replay

    def access_log_check(self, case_id: UUID | None = None, seqs: Iterable[int] = ()) -> ShownVerdict:
        """Whether the access log's entries an answer shows — the case's (the extract, the report), or those
        numbered ``seqs`` (an auditor's search) — are as written, and none of the log's is missing
        (``AccessLog.check_shown``): said with the answer, which alone could not tell.  No content: not logged."""
        return self.access_log.check_shown(case_id, seqs)

    # -- internals ---------------------------------------------------------------

    @contextmanager
    def _outsiders_told_nothing(self, p: Principal) -> Iterator[None]:
        """Around everything a user does with one case: a role that reads no case is refused before the case is
        looked for (403 whether it exists or not), and an erased case is no such case to all but an auditor —
        its members cannot be told apart from anyone else once its key is gone."""
        check_reads_cases(p, self.catalogue)
        try:
            yield
        except CaseErased:
            if p.has(Role.AUDITOR):
                raise
            raise CaseNotFound("no such case", field="case_id") from None
        except DamagedDataKey as error:
            if not self._told_of_damage(p, error.aggregate_id):
                raise CaseNotFound("no such case", field="case_id") from None
            raise
        except StoredEventUnreadable as error:   # an event altered or moved: told as a damaged key is, or not at all
            if error.aggregate_id is None or not self._told_of_damage(p, error.aggregate_id):
                raise CaseNotFound("no such case", field="case_id") from None
            raise

    def _told_of_damage(self, p: Principal, case_id: UUID) -> bool:
        """Whether ``p`` is told that the case's data key is damaged (409) rather than that there is no such case.

        The key is met before anyone is placed in the case — placing needs its events — so the answer went to whoever
        asked: a school of another municipality, trying case numbers, learnt which of them are taken and damaged.
        Told: an auditor; social services of the case's municipality (from the views' plaintext record of it; of any
        municipality while the views have not taken the case in); a member whose case list shows the case."""
        if p.has(Role.AUDITOR):
            return True
        if self.lists is None:
            return False
        if is_social_services(p, self.catalogue):
            place = self.lists.municipality_of(case_id)
            return place is None or place == p.municipality
        return is_member_user(p, self.catalogue) and any(
            row["case_id"] == case_id for row in self.lists.cases(p.agency, p.municipality))

    def _log(self, p: Principal, case_id: UUID, what: str, purpose: str) -> None:
        self.access_log.record(self._entry(p, case_id, what, purpose))

    def _entry(self, p: Principal, case_id: UUID, what: str, purpose: str) -> AccessEntry:
        return AccessEntry(self.app.clock.now(), case_id, p.subject, p.agency, p.role_names, what, p.name, purpose)

    def _place(self, p: Principal, replay: Replay) -> Place:
        return place_in(p, replay.case, self.catalogue, seen=self._seen(p, replay))

    def _seen(self, p: Principal, replay: Replay) -> Callable[[], tuple[Disclosure, ...]]:
        """What ``p``'s agency sees of the case now, when authorisation asks (of a member's user only)."""
        return lambda: replay.visible_to(p.agency, self.app.clock.now())

    def _seen_version(self, replay: Replay, agency: str, disclosures: tuple[Disclosure, ...]) -> SeenVersion:
        """``agency``'s version of the case, ``disclosures`` being what it sees of it (``visible_to``'s answer)."""
        count = replay.versions_in(agency, disclosures)
        if self.fact_ids is None:
            return SeenVersion(count)
        ids = self.fact_ids
        return SeenVersion(count, digest_of(disclosures, lambda fact_id: ids(replay.case.id, fact_id)))

    async def _stored_now(self, store: AsyncEvents, case_id: UUID) -> Replay:
        """The case as stored now: this worker's copy with any newer events (one query on the loop), or, when
        it has none, the case loaded whole in a thread."""
        kept = self.judged.cached(case_id)
        if kept is None:
            return await asyncio.to_thread(self.judged.replay, case_id)
        newer = await store.events_after(case_id, kept.case.version)
        return self.judged.refreshed(kept, [self.app.mapper.to_domain_event(event) for event in newer])
