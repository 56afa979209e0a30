"""Case lists from the agency views, caught up before each answer so a writer's next list shows its write.

Several processes may catch up at once (the server's workers and its
follower); one of them commits each batch and the others' attempt is
refused by the tracking table and simply retried from the new position.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain.case_events import CaseClosed, ReferralReceived
from services.errors import DamagedDataKey, StoredEventUnreadable
from services.ports import ViewsUnderOtherRules
from services.stored_log import causes_required_from
from services.view_runner import BATCH, ViewRunner

log = logging.getLogger("sigill.views")

ATTEMPTS = 5
OPENING_AND_CLOSING = (get_topic(ReferralReceived), get_topic(CaseClosed))   # whether a case is open


class CaseListsFromViews:
    def __init__(self, runner: ViewRunner) -> None:
        self.runner = runner
        self._lock = threading.Lock()
        self._other_rules: int | None = None   # the views' rules when they were last found to be another version's

    def cases(self, agency: str, municipality: str | None = None, *, caught_up: bool = True) -> list[dict[str, Any]]:
        """The agency's case list (of one municipality's cases, given one), as of the application's clock; the views
        caught up first unless ``caught_up`` is False (the caller just did: ``caught_up()``)."""
        if caught_up:
            self.catch_up()
        return self.runner.store.cases(agency, now=self.runner.app.clock.now(),  # type: ignore[attr-defined]
                                       municipality=municipality)

    def page(self, agency: str, municipality: str | None = None, phase: str = "", offset: int = 0,
             limit: int | None = None, newest_first: bool = False, after: Any = None, before: Any = None
             ) -> tuple[list[dict[str, Any]], int]:
        """A page of ``cases`` (of one phase, given one; by case number, or the newest first; newest first, after or
        before a row: ``IndexCursor``) and how many cases the whole list shows, the views caught up first: ordered,
        counted and paged by the store, which reads the page's rows alone."""
        self.catch_up()
        return self.runner.store.case_page(agency, now=self.runner.app.clock.now(),  # type: ignore[attr-defined]
                                           municipality=municipality, phase=phase, offset=offset, limit=limit,
                                           newest_first=newest_first, after=after, before=before)

    def listed_by_number(self, agency: str, municipality: str, case_number: str) -> Any | None:
        """The case the number names in the agency's list of the municipality's cases (None: none there), the views
        caught up first, as for the list itself: a case appears here when it appears in the list (not while its
        calendar withholds it from the agency, as of the application's clock)."""
        self.catch_up()
        return self.runner.store.listed_by_number(agency, municipality, case_number,  # type: ignore[attr-defined]
                                                  now=self.runner.app.clock.now())

    def case_numbers(self, case_ids: list[Any]) -> dict[Any, str | None]:
        """These cases' numbers (a case without one left out), the views caught up first."""
        self.catch_up()
        return self.runner.store.case_numbers(case_ids)  # type: ignore[attr-defined]

    def young_persons(self, case_ids: list[Any]) -> dict[Any, str]:
        """These cases' young persons' personnummer, as the views hold them (caught up by the list they came from)."""
        return self.runner.store.young_persons(case_ids)  # type: ignore[attr-defined]

    def caught_up(self) -> int:
        """The views caught up (as far as they go: a case whose key is damaged holds them), and the position they are
        at now (a query: another process may have moved them on since)."""
        self.catch_up()
        return self.runner.position

    def opened_and_closed_after(self, position: int) -> list[Any]:
        """The referrals and closures stored after ``position`` — which the views may not have taken in yet —
        decoded as the views decode them, in order.  A case whose key is destroyed (erased) or damaged is left out,
        as the views' reads leave it out."""
        app, events, start = self.runner.app, [], position
        while True:
            page = app.recorder.select_notifications(start=start, limit=BATCH, topics=OPENING_AND_CLOSING,
                                                     inclusive_of_start=False)
            app.keystore.warm(n.originator_id for n in page)   # one round trip, not one per case
            for notification in page:
                try:
                    events.append(app.mapper.to_domain_event(notification))
                except (DamagedDataKey, StoredEventUnreadable):
                    continue   # it cannot be said whose case it is (its own reads say why)
            if len(page) < BATCH:
                return events
            start = page[-1].id

    def stored_log(self, case_id: Any, agency: str | None = None, *, caught_up: bool = True
                   ) -> tuple[list[dict[str, Any]], int | None]:
        """The case's stored disclosure log (what the agencies' feeds carried), the views caught up first unless
        ``caught_up`` is False (a reader that must not write); and the row of the whole log from which every row
        has its cause (``services.stored_log.causes_required_from``)."""
        if caught_up:
            self.catch_up()
        store: Any = self.runner.store
        caused_from = causes_required_from(store.causes_stored_from(), store.rules_version(), store.replacements())
        return store.disclosure_log(case_id, agency), caused_from

    def deliveries(self, case_id: Any, agency: str | None = None) -> list[dict[str, Any]]:
        """The case's messages the broker acknowledged on the agencies' Kafka topics (``feed_deliveries``): ids and
        positions, when, where; none written by this read."""
        return self.runner.store.deliveries(case_id=case_id, agency=agency)  # type: ignore[attr-defined]

    def replaced_log(self, case_id: Any, agency: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every replacement of the disclosure log by a rebuild, and the case's rows of them
        (``gateways.replaced_log``)."""
        store = self.runner.store
        return store.replacements(), store.replaced_log(case_id, agency)  # type: ignore[attr-defined]

    def municipality_of(self, case_id: Any) -> str | None:
        """The case's municipality as the views recorded it at its referral (None: not taken in)."""
        return self.runner.store.case_municipality(case_id)  # type: ignore[attr-defined]

    def municipality_cases(self, municipality: str) -> list[Any]:
        """Every case of the municipality (erased ones too), the views caught up first."""
        self.catch_up()
        return self.runner.store.municipality_cases(municipality)  # type: ignore[attr-defined]

    def closed_cases(self, municipality: str | None = None) -> list[tuple[Any, Any]]:
        """Every closed case (of one municipality, given one) with the latest fact the lead's view holds of it, the
        views caught up first."""
        self.catch_up()
        return self.runner.store.closed_cases(municipality)  # type: ignore[attr-defined]

    def erased_cases(self) -> list[dict[str, Any]]:
        """Erased cases the agencies were sent anything of (``gateways.replaced_log``)."""
        return self.runner.store.erased_cases()  # type: ignore[attr-defined]

    def catch_up(self, wait: bool = True) -> None:
        """Bring the views up to date; with ``wait=False`` only if no other thread is doing it already."""
        if not self._lock.acquire(blocking=wait):
            return  # another thread is catching up (a live stream's poll need not queue behind it)
        try:
            self._catch_up()
        finally:
            self._lock.release()

    def _catch_up(self) -> None:
        for _ in range(ATTEMPTS):
            try:
                self.runner.catch_up()
                return
            except IntegrityError:
                continue  # another process committed this batch first
            except ViewsUnderOtherRules as error:
                # A rolling upgrade: the views are another version's, its follower's to keep.  This process writes
                # none (each catch-up asks again, one query) and answers from them as they stand; said once a version.
                if self._other_rules != error.views:
                    self._other_rules = error.views
                    log.error("%s", error)
                return
            except DamagedDataKey as error:
                # The views wait at that case's events (the follower says so and retries); a reader of a list or a
                # feed gets them as they stand, behind, as while the follower is slow — not that case's error.
                log.error("%s; the agency views wait at that case's events", error)
                return
