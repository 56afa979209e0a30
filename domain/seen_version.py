"""An agency's version of a case as its ETag says it: how many events the facts it sees come from, and which facts.

The count alone is the documented ``expected_version`` (README, "Versions and 409").  It could not tell two views
apart: losing a fact and gaining another (a consent narrowed to `case`, then shown as `consent.narrowed`) leaves it
as it was, and a write sent against the earlier view went through.  The digest is of the agency's own view, as it
is shown it: the facts' public ids (``projections/fact_ids.py``: a keyed hash of the internal id, which is the
event version and the part).  Never of the internal ids themselves: those count the case's events, hidden ones too,
and a digest of a few small numbers is tested against every guess in an instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from hashlib import blake2b
from typing import Callable, Iterable

from domain.judge import Disclosure

DIGEST_LENGTH = 12   # hex digits: a stale view goes unnoticed by chance once in 2**48
_TAG = re.compile(r"([0-9]{1,9})-([0-9a-f]{%d})" % DIGEST_LENGTH)


def digest_of(visible: Iterable[Disclosure], public_id: Callable[[str], str]) -> str:
    """A short digest of the set of facts in ``visible``, each by its public id (``public_id``: the case's)."""
    text = "\n".join(sorted({public_id(d.fact.fact_id) for d in visible}))
    return blake2b(text.encode(), digest_size=DIGEST_LENGTH // 2, person=b"sigill.seen").hexdigest()


@dataclass(frozen=True)
class SeenVersion:
    count: int                 # how many events the facts seen come from: the documented `expected_version`
    digest: str | None = None  # which facts; None in a bare count sent back (a client of before the digest)

    @property
    def tag(self) -> str:
        """As the ETag says it (unquoted): ``4-1f2e3d4c5b6a``, or the count alone."""
        return str(self.count) if self.digest is None else f"{self.count}-{self.digest}"

    def still(self, now: "SeenVersion") -> bool:
        """Whether the case as seen ``now`` is the one this version was given for: a bare count compares alone."""
        return self.count == now.count and (self.digest is None or self.digest == now.digest)

    @classmethod
    def parse(cls, tag: str) -> "SeenVersion | None":
        """A tag as ``tag`` gives it (``4-1f2e3d4c5b6a`` or ``4``); None when it is neither."""
        if tag.isascii() and tag.isdigit() and len(tag) <= 9:
            return cls(int(tag))
        found = _TAG.fullmatch(tag)
        return cls(int(found.group(1)), found.group(2)) if found else None
