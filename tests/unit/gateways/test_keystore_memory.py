from __future__ import annotations

import gc
import threading
from uuid import uuid4

import pytest

from gateways.key_rotation import rewrap
from gateways.keystore import CHECK_ID, SAMPLE, InMemoryKeyStore, WrongMasterKey, unwraps_stored
from tests.keystore_behaviour import MASTER, KeyStoreBehaviour


class TestInMemoryKeyStore(KeyStoreBehaviour):
    @pytest.fixture
    def store(self):
        return InMemoryKeyStore(MASTER)

    def reopen(self, store, master, **options):
        return InMemoryKeyStore(master, table=store.table, **options)  # the same "table", as a new process sees it

    def stored_wrapped(self, store, aggregate_id):
        return store.table[aggregate_id]

    def damage(self, store, aggregate_id):
        wrapped = bytearray(store.table[aggregate_id])
        wrapped[5] ^= 1
        store.table[aggregate_id] = bytes(wrapped)

    def remove(self, store, aggregate_id):
        del store.table[aggregate_id]

    def rotate(self, store, old, new):
        for aggregate_id, wrapped in store.table.items():
            outcome, rewrapped = rewrap(wrapped, old, new) if wrapped is not None else (None, None)
            if outcome == "rewrapped":   # as the rotation: a key under the new one already, or damaged, is left
                store.table[aggregate_id] = rewrapped


class _Holder:
    """Something holding aggregates decrypted; ``forget`` of ``slow`` waits for ``go`` (a thread telling it)."""

    def __init__(self, slow=None) -> None:
        self.slow, self.entered, self.go = slow, threading.Event(), threading.Event()

    def forget(self, aggregate_id) -> None:
        if aggregate_id == self.slow:
            self.entered.set()
            self.go.wait(5)


def test_destructions_told_in_two_threads_at_once_both_tell_every_holder_though_one_is_gone():
    """The listener's thread and the erasing one both tell the holders (a process hears its own destruction too):
    a holder garbage-collected meanwhile was removed by both, and the second removal's ValueError escaped — killing
    the listener, whose process then trusted its cached keys without hearing of destructions any more."""
    store, first, second = InMemoryKeyStore(MASTER), uuid4(), uuid4()
    waiting, gone = _Holder(slow=first), _Holder()
    store.when_destroyed(waiting.forget)
    store.when_destroyed(gone.forget)
    del gone
    gc.collect()
    errors = []

    def destroy_first() -> None:
        try:
            store.destroy(first)
        except Exception as error:  # noqa: BLE001 - the test's finding
            errors.append(error)
    thread = threading.Thread(target=destroy_first)
    thread.start()
    assert waiting.entered.wait(5)
    store.destroy(second)   # told in full while the first is still telling
    waiting.go.set()
    thread.join(5)
    assert errors == []


@pytest.mark.parametrize("stored", ["check value", "check value damaged", "keys only", "nothing"])
def test_status_judges_a_master_key_as_the_store_does_as_it_opens(stored):
    """`sigill database status` judges the master key from the same first rows by id, without opening a store (which
    would make the table and write the check value): the two must agree, or status says ready where serve refuses."""
    table: dict = {}
    with InMemoryKeyStore(MASTER, table=table) as store:   # writes the check value
        store.create_keys([uuid4() for _ in range(3)])
    if stored == "check value damaged":
        table[CHECK_ID] = bytes(len(table[CHECK_ID]))
    if stored == "keys only":
        del table[CHECK_ID]
    if stored == "nothing":
        table.clear()
    first = sorted((a, w) for a, w in table.items() if w is not None)[:SAMPLE + 1]
    for master in (MASTER, bytes(32)):
        judged = unwraps_stored(master, first)
        try:
            InMemoryKeyStore(master, table=dict(table))
            opens = True
        except WrongMasterKey:
            opens = False
        assert judged is (None if stored == "nothing" else opens), (stored, master == MASTER)
        assert opens or stored != "nothing"   # nothing stored: any key opens it (and writes the check value)
