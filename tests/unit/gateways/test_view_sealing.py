"""The views' fast paths for sealing and feed event ids give what the plain functions give."""

from __future__ import annotations

import os
from uuid import UUID, uuid4

import pytest
from hypothesis import given, strategies as st

from gateways.batch_sealing import event_id_bytes
from gateways.sealing import NONCES_AT_ONCE, Sealer, Unsealable, unseal
from projections.agency_feed import event_id

names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(st.binary(min_size=32, max_size=32), st.uuids(), st.integers(0, 2**62), names, names,
       st.sampled_from(["disclosed", "ended", "basis_changed"]), st.integers(0, 5))
def test_the_fast_event_id_is_the_feeds_event_id(secret, case_id, notification_id, agency, fact_id, change,
                                                 occurrence):
    fast = event_id_bytes(secret, str(case_id), notification_id, agency, fact_id, change, occurrence)
    expected = event_id(secret, case_id, notification_id, agency, fact_id, change, occurrence)
    assert UUID(bytes=fast) == expected
    assert expected.version == 8


def test_an_event_id_depends_on_the_secret_it_is_keyed_with():
    case_id = uuid4()
    ids = {event_id(os.urandom(32), case_id, 17, "skola", "3", "disclosed", 0) for _ in range(5)}
    assert len(ids) == 5


def test_a_sealer_seals_what_unseal_opens_with_a_fresh_nonce_each_time():
    key, where = os.urandom(32), f"{uuid4()}/skola/f1".encode()
    sealer = Sealer(key)
    sealed = [sealer.seal(b"secret %d" % i, where) for i in range(3 * NONCES_AT_ONCE)]
    assert [unseal(key, s, where) for s in sealed] == [b"secret %d" % i for i in range(3 * NONCES_AT_ONCE)]
    assert len({s[1:13] for s in sealed}) == len(sealed)


def test_bytes_sealed_by_a_sealer_fail_elsewhere():
    key = os.urandom(32)
    sealed = Sealer(key).seal(b"secret", b"here")
    with pytest.raises(Unsealable):
        unseal(key, sealed, b"there")
    with pytest.raises(Unsealable):
        unseal(os.urandom(32), sealed, b"here")


class _Keys:
    """What ``_log_rows`` asks of the store: the feeds' secret and its generation."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _feed_keys(self):
        return self.secret, ("generation 1", False)


class _NoKeys:
    def data_key(self, case_id, create=False):
        return os.urandom(32)


def test_a_batchs_log_rows_keep_its_order_and_each_rows_event_id():
    """The log's rows name their event ids inline (``EventIds.name``'s own hash): each row is the feed's event id
    of its notification, agency, fact, change and occurrence — the second like change of one notification its
    occurrence 1, the next notification's its 0 again — and the rows are the changes' own, one each, in order."""
    from datetime import datetime, timezone
    from domain.disclosure import Cause, VisibilityChange
    from domain.facts import Fact
    from domain.judge import Basis
    from gateways.agency_view_store import PostgresAgencyViewStore
    from gateways.batch_sealing import BatchSealing
    from projections.agency_views import ViewUpdate

    secret, a, b = os.urandom(32), uuid4(), uuid4()
    at = datetime(2026, 12, 7, tzinfo=timezone.utc)
    fact = Fact("3", 3, "note", "case", "skola", at, {"text": "x"})
    basis, cause = Basis("origin"), (Cause("recorded"),)
    changes = [(a, "skola", "disclosed", 10), (a, "skola", "ended", 10), (a, "skola", "disclosed", 10),
               (a, "polis", "disclosed", 10), (a, "skola", "disclosed", 11), (b, "skola", "disclosed", 12),
               (b, "skola", "disclosed", 12)]
    update = ViewUpdate()
    update.log.extend((case, VisibilityChange(at, agency, fact, change, basis, cause), position)
                      for case, agency, change, position in changes)
    rows, _, _, generation = PostgresAgencyViewStore._log_rows(_Keys(secret), update,
                                                                BatchSealing(_NoKeys(), set()), publishing=False)
    occurrences = [0, 0, 1, 0, 0, 0, 1]
    assert generation == "generation 1"
    assert [(r[0], r[1], r[2], r[5], r[8]) for r in rows] == [(c, ag, "3", ch, p) for c, ag, ch, p in changes]
    assert [UUID(bytes=r[9]) for r in rows] == [event_id(secret, c, p, ag, "3", ch, n)
                                                 for (c, ag, ch, p), n in zip(changes, occurrences)]
