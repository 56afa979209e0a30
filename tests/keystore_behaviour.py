"""The key store's behaviour; run against the in-memory fake and against PostgreSQL."""

from __future__ import annotations

import os
from uuid import uuid4

import pytest

from gateways.keystore import WrongMasterKey

MASTER = os.urandom(32)


class KeyStoreBehaviour:
    """Subclasses provide ``store`` (built with MASTER) and ``reopen(master)``: a new store on the same data."""

    def test_a_key_is_created_once_and_returned_again(self, store):
        case = uuid4()
        key = store.data_key(case, create=True)
        assert len(key) == 32 and store.data_key(case, create=True) == key

    def test_each_aggregate_has_its_own_key(self, store):
        assert store.data_key(uuid4(), create=True) != store.data_key(uuid4(), create=True)

    def test_a_missing_key_is_not_created_unless_asked(self, store):
        case = uuid4()
        assert store.data_key(case, create=False) is None and not store.is_destroyed(case)

    def test_a_destroyed_key_is_gone_for_good(self, store):
        case = uuid4()
        store.data_key(case, create=True)
        store.destroy(case)
        assert store.data_key(case, create=False) is None
        assert store.data_key(case, create=True) is None  # never silently recreated
        assert store.is_destroyed(case)

    def test_destroying_one_key_leaves_the_others(self, store):
        kept, erased = uuid4(), uuid4()
        key = store.data_key(kept, create=True)
        store.data_key(erased, create=True)
        store.destroy(erased)
        assert store.data_key(kept, create=False) == key

    def test_keys_survive_a_new_store_with_the_same_master_key(self, store):
        case = uuid4()
        key = store.data_key(case, create=True)
        assert self.reopen(store, MASTER).data_key(case, create=False) == key

    def test_a_wrong_master_key_is_a_clear_error(self, store):
        case = uuid4()
        store.data_key(case, create=True)
        with pytest.raises(WrongMasterKey):
            self.reopen(store, os.urandom(32)).data_key(case, create=False)

    def test_many_keys_are_made_in_one_go(self, store):
        cases = [uuid4() for _ in range(50)]
        store.create_keys(cases)
        assert len({store.data_key(c, create=False) for c in cases}) == 50
