"""An agency's feed over HTTP: the same messages as its Kafka topic, read as that agency, every case read logged.

Who reads which feed:

* a member agency's contact person (role ``member``) reads their own agency's feed, and no other;
* social services' caseworkers and coordinators read social services' feed, narrowed to the cases of their
  own municipality (the agency's log covers every municipality of the installation);
* auditors (JO, IVO) read any agency's feed — they read everything, read-only — logged as ``audit.feed``;
* nobody else: administrators and users without a case role get 403, as for every read of case content.

Another agency's feed answers 403, not 404: which agencies exist is public (the catalogue), so refusing
reveals nothing, and 403 tells an integration engineer with a misconfigured token what is wrong.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Callable, Protocol
from uuid import UUID

from domain.catalogue import Catalogue
from domain.errors import InvalidInput
from projections.agency_feed import FeedMessage
from services.access_log import AccessEntry, AccessLog
from services.authorisation import Forbidden, check_reads_cases, is_social_services
from services.case_municipalities import CaseMunicipalities
from services.errors import CaseNotFound
from services.principals import Principal, Role

MAX_LIMIT = 1000
CURSOR_PREFIX = b"sigill-feed:"


class NoSuchFeed(CaseNotFound):
    code = "feed_not_found"


class MalformedCursor(InvalidInput):
    code = "malformed_cursor"


class FeedStore(Protocol):
    def feed(self, agency: str, after: int = 0, limit: int = 500) -> list[FeedMessage]: ...


@dataclass(frozen=True)
class FeedPage:
    messages: list[FeedMessage]
    next: int      # the position to ask after next time (past anything withheld from this reader)
    more: bool     # more is waiting: ask again at once


def encode_cursor(position: int) -> str:
    """Opaque to clients: they send back what they were given, and never build one."""
    return base64.urlsafe_b64encode(CURSOR_PREFIX + str(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "after") -> int:
    """The position a cursor stands for; ``MalformedCursor`` (422) for anything this server did not issue."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise MalformedCursor("not a feed cursor: send back a cursor this feed gave you", field=field) from None
    digits = raw[len(CURSOR_PREFIX):]
    if not raw.startswith(CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 18 or \
            encode_cursor(int(digits)) != cursor:
        raise MalformedCursor("not a feed cursor: send back a cursor this feed gave you", field=field)
    return int(digits)


class FeedReader:
    """Pages of an agency's feed for a signed-in user: authorised, narrowed, and logged before they leave."""

    def __init__(self, store: FeedStore, access_log: AccessLog, catalogue: Catalogue,
                 municipality_of: Callable[[UUID], str | None], now: Callable[[], Any],
                 catch_up: Callable[..., None] = lambda wait=True: None) -> None:
        self.store, self.access_log, self.catalogue = store, access_log, catalogue
        self._municipality, self._now, self.catch_up = CaseMunicipalities(municipality_of), now, catch_up

    def check(self, p: Principal, agency: str) -> None:
        """Raises unless ``p`` may read ``agency``'s feed (see the module docstring)."""
        check_reads_cases(p)
        if agency not in self.catalogue.agencies:
            raise NoSuchFeed(f"no agency '{agency}' in the catalogue", field="agency")
        if p.has(Role.AUDITOR):
            return
        if p.agency != agency:
            raise Forbidden(f"you read your own agency's feed (/api/v1/feeds/{p.agency}); no agency reads"
                            " another's", field="agency")
        if agency == self.catalogue.lead_agency:
            if not (is_social_services(p, self.catalogue) and p.municipality):
                raise Forbidden("social services' feed is for its caseworkers and coordinators")
        elif not p.has(Role.MEMBER):
            raise Forbidden("an agency's feed is for its contact persons (role member)")

    def page(self, p: Principal, agency: str, after: int, limit: int, purpose: str = "",
             wait: bool = True) -> FeedPage:
        """Up to ``limit`` messages after ``after``, in order, each case's read logged first.

        ``wait=False`` (a live stream's poll) catches the views up only if nobody else is doing it already."""
        self.check(p, agency)
        limit = max(1, min(limit, MAX_LIMIT))
        self.catch_up(wait=wait)  # read your writes: a withdrawal just made is in the feed at once
        rows = self.store.feed(agency, after, limit + 1)
        scanned, more = rows[:limit], len(rows) > limit
        messages = [m for m in scanned if self._may_see(p, m)]
        self._log(p, agency, messages, purpose)
        return FeedPage(messages, scanned[-1].id if scanned else after, more)

    def _may_see(self, p: Principal, message: FeedMessage) -> bool:
        """Social services sees its own municipality's cases; an agency's feed is otherwise the agency's."""
        if message.agency != self.catalogue.lead_agency or p.has(Role.AUDITOR):
            return True
        return self._municipality(message.case_id) == p.municipality

    def _log(self, p: Principal, agency: str, messages: list[FeedMessage], purpose: str) -> None:
        what = f"audit.feed:{agency}" if p.has(Role.AUDITOR) else f"feed:{agency}"
        for case_id in dict.fromkeys(m.case_id for m in messages):
            self.access_log.record(AccessEntry(self._now(), case_id, p.subject, p.agency, p.role_names, what,
                                               p.name, purpose))
