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
