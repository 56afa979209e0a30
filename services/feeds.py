"""An agency's feed over HTTP: the same messages as its Kafka topic, read as that agency, every case read logged.

Every agency's log covers every municipality of the installation, and is one feed per municipality, each
numbered on its own (an agency takes part in one municipality's groups at a time).  Who reads which feed:

* a member agency's contact person (role ``member``) reads their own agency's feed of the municipality their
  sign-in names, and no other;
* social services' caseworkers and coordinators read social services' feed of their own municipality;
* an agency's integrating system (role ``feed_reader``) reads what the agency's people read: its own agency's feed
  of the municipality its sign-in names — social services' system social services' feed of that municipality, a
  member agency's system its agency's feed there — and nothing else (no case read, command, list or statistics);
* auditors (JO, IVO) read any agency's feed of any municipality — they read everything, read-only — one
  municipality at a time (``?municipality=``), logged as ``audit.feed``;
* nobody else: administrators and users without a case role get 403, as for every read of case content.

Another agency's feed answers 403, not 404: which agencies exist is public (the catalogue), so refusing
reveals nothing, and 403 tells an integration engineer with a misconfigured token what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

from domain.catalogue import ID_SHAPED, Catalogue
from domain.errors import DomainError, InvalidInput
from projections.agency_feed import FeedMessage, agency_of, feed_of
from services.access_entry import AccessEntry
from services.access_log import AccessLog
from services.authorisation import Forbidden, check_reads_feeds, is_social_services
from services.errors import CaseNotFound
from services.ports import FeedsRebuilding
from services.principals import Principal, Role

MAX_LIMIT = 1000
CURSOR_PREFIX = b"sigill-feed:3:"   # since 2026-12-05 a cursor names the generation of the ids it was read in
OLD_CURSOR = re.compile(rb"sigill-feed:[0-9]{1,18}")  # a disclosure-log id: issued before feeds were numbered
_FEED_AND_SEQ = rb"([a-z0-9_-]{1,50}(?:\.[A-Za-z0-9]{1,10})?):([0-9]{1,18})"
CURSOR = re.compile(rb"sigill-feed:3:([0-9a-f]{12}):([0-9a-f]{8}):" + _FEED_AND_SEQ)
CURSOR_2_PREFIX = b"sigill-feed:2:"   # issued before, and still read: it names no generation
CURSOR_2 = re.compile(rb"sigill-feed:2:([0-9a-f]{8}):" + _FEED_AND_SEQ)
# What the access log keeps as the purpose of a system's feed read that sent no Sigill-Purpose header: the young
# person's extract then says what the read was, and that no purpose was stated, instead of an empty column.
SYSTEM_PURPOSE = "systemintegration: flödesläsning (inget syfte angivet)"
START_AGAIN = "omit it (and Last-Event-ID) to start again from the beginning, and deduplicate by event_id"
# A cursor gone wrong (cut short, edited) is no cursor: the client is told both ways on, as by every cursor message.
NOT_A_CURSOR = "not a feed cursor: send back a cursor this feed gave you, or " + START_AGAIN
# Said for any cursor naming another generation of this feed's ids: renewed here since it was read, or never this
# installation's (a test installation's, the README's or the OpenAPI document's example); until 2026-12-05 it
# blamed a restore of a backup whichever it was.
IDS_RENEWED = ("this cursor is of ids this feed no longer uses: they were renewed after the database was restored"
               " from an older backup, or the cursor is another installation's. No event_id or fact_id read with it"
               " will be named again, not even by an ended or erased. Drop everything you hold from this feed — its"
               " facts and the event ids you handled — and read it again from the start: omit ?after= (and"
               " Last-Event-ID)")


class NoSuchFeed(CaseNotFound):
    code = "feed_not_found"


class MalformedCursor(InvalidInput):
    code = "malformed_cursor"


class OutdatedCursor(InvalidInput):
    code = "outdated_cursor"


class MunicipalityNeeded(InvalidInput):
    code = "municipality_needed"


class IdsRenewed(DomainError):
    """A cursor read in an older generation of the ids (410 Gone): going on from it would keep facts under ids that
    no later message names — not even the ``ended`` a consent's withdrawal sends."""

    code = "ids_renewed"

    def __init__(self, field: str | None = None) -> None:
        super().__init__(IDS_RENEWED, field=field)


class FeedStore(Protocol):
    def feed_page(self, feed: str, epoch: str | None, after: int = 0, limit: int = 500,
                  now: Any = None) -> tuple[str, str, list[FeedMessage]]: ...   # epoch, ids' generation, messages
    def feed_heads(self) -> tuple[str, dict[str, int]]: ...
    def feeds_building(self) -> bool: ...
    def id_generation(self) -> str: ...
    def ids_renewed(self) -> bool: ...


@dataclass(frozen=True)
class Cursor:
    """A place in one feed: after its message number ``seq``, in the numbering of ``epoch`` (see the store), read
    in the ids' generation ``ids`` ("" in a cursor issued before generations were recorded, 2026-12-05)."""

    epoch: str   # "" before the first page: any epoch starts at the beginning
    feed: str
    seq: int
    ids: str = ""


@dataclass(frozen=True)
class FeedPage:
    messages: list[FeedMessage]
    next: Cursor   # where to ask after next time
    more: bool     # more is waiting: ask again at once

    def cursor_of(self, message: FeedMessage) -> Cursor:
        return Cursor(self.next.epoch, message.feed, message.seq, self.next.ids)


def encode_cursor(cursor: Cursor) -> str:
    """Opaque to clients: they send back what they were given, and never build one.  (Without ``ids``: the form
    issued before 2026-12-05, which tests still make.)"""
    prefix = CURSOR_PREFIX + f"{cursor.ids}:".encode() if cursor.ids else CURSOR_2_PREFIX
    raw = prefix + f"{cursor.epoch}:{cursor.feed}:{cursor.seq}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, field: str = "after") -> Cursor | None:
    """The place a cursor stands for (None: the beginning); 422 for anything this server did not issue."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise MalformedCursor(NOT_A_CURSOR, field=field) from None
    if OLD_CURSOR.fullmatch(raw):
        raise OutdatedCursor("a cursor from before each feed was numbered on its own, which this server no longer"
                             " reads: " + START_AGAIN, field=field)
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
        raise MalformedCursor(NOT_A_CURSOR, field=field)
    if found := CURSOR.fullmatch(raw):
        return Cursor(found[2].decode(), found[3].decode(), int(found[4]), found[1].decode())
    if found := CURSOR_2.fullmatch(raw):
        return Cursor(found[1].decode(), found[2].decode(), int(found[3]))
    raise MalformedCursor(NOT_A_CURSOR, field=field)


class FeedReader:
    """Pages of an agency's feed for a signed-in user: authorised, narrowed, and logged before they leave."""

    def __init__(self, store: FeedStore, access_log: AccessLog, catalogue: Catalogue, now: Callable[[], Any],
                 catch_up: Callable[..., None] = lambda wait=True: None) -> None:
        self.store, self.access_log, self.catalogue = store, access_log, catalogue
        self._now, self.catch_up = now, catch_up

    def check(self, p: Principal, agency: str, municipality: str | None = None) -> str:
        """The feed ``p`` reads: ``agency``'s in one municipality (the user's own, or an auditor's choice);
        raises unless allowed."""
        check_reads_feeds(p, self.catalogue)
        if agency not in self.catalogue.agencies:
            # Said back only when shaped like an agency id: the path may hold a personnummer typed in its place.
            said = f"agency '{agency}'" if ID_SHAPED.fullmatch(agency) else "such agency"
            raise NoSuchFeed(f"no {said} in the catalogue", field="agency")
        if municipality is not None:
            self.catalogue.municipality(municipality)
        if not p.has(Role.AUDITOR):
            self._check_own(p, agency, municipality)
        municipality = municipality or p.municipality
        if municipality is None:  # an auditor: every agency's log is one feed per municipality
            raise MunicipalityNeeded(f"{agency}'s feed is one per municipality: add ?municipality=CODE",
                                     field="municipality")
        return feed_of(agency, municipality)

    def _check_own(self, p: Principal, agency: str, municipality: str | None) -> None:
        if p.agency not in self.catalogue.agencies:   # no feed of its own to send it to
            raise Forbidden("your sign-in names an agency (the token's agency claim) that this installation does"
                            " not know; ask your identity provider's administrator")   # the claim's value unsaid
        if p.agency != agency:
            raise Forbidden(f"you read your own agency's feed (/api/v1/feeds/{p.agency}); no agency reads"
                            " another's", field="agency")
        # Its own agency's system reads as the agency's people do (p.agency is the feed's, checked above).
        if agency == self.catalogue.lead_agency:
            if not (is_social_services(p, self.catalogue) or p.has(Role.FEED_READER)):
                raise Forbidden("social services' feed is for its caseworkers and coordinators, and its systems"
                                " (role feed_reader)")
        elif not p.has(Role.MEMBER, Role.FEED_READER):
            raise Forbidden("an agency's feed is for its contact persons (role member), and its systems"
                            " (role feed_reader)")
        if municipality not in (None, p.municipality):   # p.municipality is set: check_reads_feeds
            # Name the sign-in's municipality: an integration sent the wrong code, or was given a token for another.
            raise Forbidden(f"you read your own municipality's feed: your sign-in names {p.municipality} (the token's"
                            f" municipality claim); leave ?municipality= out, or name {p.municipality}",
                            field="municipality")

    def start(self, p: Principal, agency: str, cursor: str | None, field: str = "after",
              municipality: str | None = None) -> Cursor:
        """Where ``p``'s reading starts: access checked, the cursor decoded and held to the feed it came from and to
        the ids' generation (``IdsRenewed``) as read with the feed's heads, which are read anyway; what it returns
        names the generation it was held to ("" without a cursor): ``page`` holds it to the generation read with the
        page, so a renewal committed between the two is refused too, and no request reads the generation on its own
        (until 2026-12-05 each did, first, and a page without a cursor read across a renewal was 410)."""
        feed = self.check(p, agency, municipality)
        found = decode_cursor(cursor, field)
        if found is None:
            return Cursor("", feed, 0)
        # From before every feed was a municipality's (rules 3): it starts again, as any cursor of an older epoch.
        renamed = found.feed != feed and agency_of(found.feed) == (agency_of(feed)[0], None)
        if found.feed != feed and not renamed:
            # Said back only when it names a feed of the catalogue: a made-up cursor's text is the client's, and may
            # hold a personnummer.
            other, place = agency_of(found.feed)
            said = f" ({found.feed})," if other in self.catalogue.agencies and place in self.catalogue.municipalities \
                else ","
            raise MalformedCursor(f"this cursor is another feed's{said} not {feed}'s: " + START_AGAIN, field=field)
        epoch, heads = self.store.feed_heads()   # and with them the stored generation (``see_generation``)
        ids = self.store.id_generation()
        # Here too, not only with the page: a stream is refused before it starts, with a status, not a broken stream.
        self._check_ids(found, ids, epoch, field)
        if renamed:
            return Cursor("", feed, 0, ids)
        self._check_not_ahead(found, field, epoch, heads)
        return replace(found, ids=ids)

    def _check_ids(self, cursor: Cursor, ids: str, epoch: str, field: str) -> None:
        """A cursor read under ids since renewed (``sigill views rebuild --after-restore``) is 410, not a quiet
        start from the beginning as after a plain rebuild: the client must drop what it holds under the old ids.
        A cursor issued before generations were recorded names none: it is of older ids if they were renewed since
        — unless it is of the current epoch, which a renewal always leaves (issued by a process of the version
        before, after the renewal)."""
        if cursor.ids:
            renewed = cursor.ids != ids
        else:   # ``ids_renewed`` as of the read of ``epoch`` and ``ids``, which sees a renewal made elsewhere
            renewed = self.store.ids_renewed() and cursor.epoch != epoch
        if renewed:
            raise IdsRenewed(field)

    def _check_not_ahead(self, cursor: Cursor, field: str, epoch: str, heads: dict[str, int]) -> None:
        """A cursor past the feed's end — made up, or kept from before the database was restored from an older
        backup — would wait there while the feed's next messages, an ``ended`` among them, went by unseen."""
        last = heads.get(cursor.feed, 0)
        if cursor.epoch == epoch and cursor.seq > last:
            raise MalformedCursor(f"this cursor is past the end of {cursor.feed} (its last message is number {last}):"
                                  " " + START_AGAIN, field=field)

    def check_built(self) -> None:
        """No feed is read while the views are built from the first event (``FeedsRebuilding``: 503)."""
        if self.store.feeds_building():
            raise FeedsRebuilding()

    def page(self, p: Principal, at: Cursor, limit: int, purpose: str = "", wait: bool = True,
             field: str | None = None) -> FeedPage:
        """Up to ``limit`` messages after ``at``, in order, each case's read logged first.

        A cursor of an older epoch (the views were rebuilt since) starts again from the beginning: the rebuilt
        feed may differ, and messages sent again keep their event ids — unless the ids were renewed since ``at``
        was read (``IdsRenewed``, naming ``field``, where the request gave the cursor): held to the generation read
        with the page's messages, the one they and the next cursor name.  ``wait=False`` (a live stream's poll)
        catches the views up only if nobody else is doing it already."""
        agency, municipality = agency_of(at.feed)
        self.check(p, agency, municipality)
        limit = max(1, min(limit, MAX_LIMIT))
        self.check_built()   # before catching up: a poll during a rebuild would replay the history to be refused
        self.catch_up(wait=wait)  # read your writes: a withdrawal just made is in the feed at once
        # The epoch is read with the rows, and judges the cursor's number there: one of another epoch (a rebuild
        # since) reads from the beginning.  (Until 2026-12-05 it was read first, and a rebuild committed before the
        # rows were read gave a page of the new numbering with a cursor of the old.)
        epoch, ids, rows = self.store.feed_page(at.feed, at.epoch, at.seq, limit + 1, now=self._now())
        after = at.seq if at.epoch == epoch else 0
        if at.ids and at.ids != ids:  # renewed since the cursor was checked (or the stream's last page)
            raise IdsRenewed(field)   # before anything is logged or answered
        messages, more = rows[:limit], len(rows) > limit
        self._log(p, agency, messages, purpose)
        return FeedPage(messages, Cursor(epoch, at.feed, messages[-1].seq if messages else after, ids), more)

    def _log(self, p: Principal, agency: str, messages: list[FeedMessage], purpose: str) -> None:
        purpose = purpose or (SYSTEM_PURPOSE if p.has(Role.FEED_READER) else "")
        what = f"audit.feed:{agency}" if p.has(Role.AUDITOR) else f"feed:{agency}"
        # One batch for the page, as a case list's: a read of each case logged one after another waited for a
        # commit each (a page of a hundred cases, a hundred commits in turn).
        self.access_log.record_all(AccessEntry(self._now(), case_id, p.subject, p.agency, p.role_names, what, p.name,
                                               purpose) for case_id in dict.fromkeys(m.case_id for m in messages))
