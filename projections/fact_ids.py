"""A fact's public id: what agencies (and auditors) are shown instead of its internal id.

Internally a fact is ``"<event version>"`` or ``"<event version>.<part>"`` (``domain/facts.py``): stable,
and what the views and the disclosure log store.  Shown to an agency it would count the case's events —
facts 3, 7 and 12 say that events 4–6 and 8–11 happened and are hidden from it — and a part such as
``outcome.2`` says that outcomes 0 and 1 exist.  So every answer, page and feed message carries instead a
keyed hash over (case id, internal id): the same for every agency that sees the fact (they collaborate on
it; a plan row shown with names withheld is a fact of its own, ``13.row.0~skola``, with its own id) and forever (the key is derived from the installation secret in ``feed_state``, which a view rebuild
keeps), but neither invertible nor testable without that secret.  Nothing is stored: the internal id is
translated where an answer is shaped.
"""

from __future__ import annotations

from base64 import b32encode
from functools import lru_cache
from hashlib import blake2b
from typing import Callable
from uuid import UUID

# The derivation's personalisation: the fact-id key is not the feed event ids' key (the raw secret), so
# neither id can be computed or tested from the other.
PERSON = b"sigill.fact-id.1"   # BLAKE2b takes at most 16 bytes
DIGEST_BYTES = 15              # 120 bits: 24 base32 characters, no padding


def fact_id_key(secret: bytes) -> bytes:
    """The key of public fact ids, derived from the installation's feed secret."""
    return blake2b(b"public fact ids", key=secret, person=PERSON, digest_size=32).digest()


def public_fact_id(key: bytes, case_id: UUID, fact_id: str) -> str:
    """24 lowercase base32 characters (URL-safe), the same for one fact of one case under one key."""
    digest = blake2b(f"{case_id}:{fact_id}".encode(), key=key, digest_size=DIGEST_BYTES).digest()
    return b32encode(digest).decode().lower()


class PublicFactIds:
    """Public fact ids under one installation's key (give it the feed secret).

    The ids last made are remembered: a feed page or a busy case names the same facts again and again, and
    looking one up costs a tenth of making it (a few microseconds, beside a message's unsealing)."""

    def __init__(self, secret: bytes, remember: int = 1 << 16) -> None:
        key = fact_id_key(secret)
        self._made = lru_cache(maxsize=remember)(lambda case_id, fact_id: public_fact_id(key, case_id, fact_id))

    def __call__(self, case_id: UUID, fact_id: str) -> str:
        return self._made(case_id, fact_id)

    def of(self, case_id: UUID) -> Callable[[str], str]:
        """The public ids of one case's facts."""
        made = self._made
        return lambda fact_id: made(case_id, fact_id)


class CurrentFactIds:
    """The public fact ids under the installation's secret as this process last saw it: ``current`` (the view
    store's ``fact_ids``) is asked at each use.  After a renewal another process made (`sigill views rebuild
    --after-restore` beside a running server), the store reads the new secret once it sees the new generation — at
    the views' next catch-up poll, which every read makes — and every answer names the facts by the new ids: a server
    kept the ids it read at its start, where the feeds it served already named the new ones."""

    def __init__(self, current: Callable[[], PublicFactIds]) -> None:
        self.current = current

    def __call__(self, case_id: UUID, fact_id: str) -> str:
        return self.current()(case_id, fact_id)

    def of(self, case_id: UUID) -> Callable[[str], str]:
        return self.current().of(case_id)
