"""The key store's behaviour; run against the in-memory fake and against PostgreSQL.

A destroyed key is never recreated: ``data_key(create=True)`` returns None for it
(the mapper then refuses to store more events for that case).
"""

from __future__ import annotations

import os
from uuid import uuid4

import pytest

from gateways.keystore import CHECK_ID, DamagedDataKey, WrongMasterKey
from services.errors import MasterKeyReplaced

MASTER = os.urandom(32)


class KeyStoreBehaviour:
    """Subclasses provide a ``store`` fixture (built with MASTER) and:

    * ``reopen(store, master, **options)``: a new store on the same data, as another process would open it;
    * ``stored_wrapped(store, aggregate_id)``: the bytes kept at rest for that key;
    * ``damage(store, aggregate_id)``: flip one bit of that stored wrapped key, as an insider or a bad disk would;
    * ``remove(store, aggregate_id)``: remove that row (the check value's, for a table from before it came in);
    * ``rotate(store, old, new)``: every stored key wrapped by ``new`` instead (``sigill database rotate-master-key``).
    """

    def test_no_key_is_made_while_the_check_value_is_gone_and_it_is_said_which_row_to_restore(self, store):
        """Made without it, a key could not be told from one wrapped by another master key; ``create=True`` answered
        None, and a new case failed later, somewhere else."""
        store.data_key(uuid4(), create=True)
        self.remove(store, CHECK_ID)   # an insider, or a bad restore
        with pytest.raises(DamagedDataKey, match=str(CHECK_ID)):
            store.data_key(uuid4(), create=True)

    def test_a_store_left_running_with_the_old_master_key_after_a_rotation_makes_and_reads_no_key(self, store):
        """A process that stayed up through a rotation (a standby host, a command started just before) would make
        new cases' keys under the old master key — read as damaged under the new one — and call the keys it could
        not unwrap damaged.  It makes none, and says the master key was replaced."""
        other_process = self.reopen(store, MASTER)
        earlier = uuid4()
        other_process.data_key(earlier, create=True)   # made elsewhere: not in ``store``'s cache
        new = os.urandom(32)
        self.rotate(store, MASTER, new)
        fresh = uuid4()
        with pytest.raises(MasterKeyReplaced):
            store.data_key(fresh, create=True)
        with pytest.raises(MasterKeyReplaced):   # not "damaged": the row is sound, the key is out of date
            store.data_key(earlier, create=False)
        rotated = self.reopen(store, new)
        assert rotated.data_key(fresh, create=False) is None   # nothing was made under the old key
        assert rotated.data_key(earlier, create=False) is not None

    def test_a_key_is_created_once_and_returned_again(self, store):
        case = uuid4()
        key = store.data_key(case, create=True)
        assert len(key) == 32 and store.data_key(case, create=True) == key

    def test_each_aggregate_has_its_own_key(self, store):
        assert store.data_key(uuid4(), create=True) != store.data_key(uuid4(), create=True)

    def test_a_missing_key_is_not_created_unless_asked(self, store):
        case = uuid4()
        assert store.data_key(case, create=False) is None and not store.is_destroyed(case)
        assert store.data_key(case, create=True) is not None  # the miss was not cached

    def test_a_destroyed_key_is_gone_for_good(self, store):
        case = uuid4()
        store.data_key(case, create=True)
        store.destroy(case)
        assert store.data_key(case, create=False) is None
        assert store.data_key(case, create=True) is None  # never silently recreated
        assert store.is_destroyed(case)
        assert self.reopen(store, MASTER).data_key(case, create=True) is None

    def test_a_key_destroyed_before_it_was_made_is_never_made(self, store):
        case = uuid4()
        store.destroy(case)
        assert store.is_destroyed(case) and store.data_key(case, create=True) is None

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

    def test_a_destroy_elsewhere_is_seen_once_the_cache_entry_expires(self, store):
        case = uuid4()
        store.data_key(case, create=True)
        elsewhere = self.reopen(store, MASTER, cache_seconds=0)
        assert elsewhere.data_key(case, create=False) is not None
        store.destroy(case)
        assert elsewhere.data_key(case, create=False) is None

    def test_the_cache_is_bounded(self, store):
        small = self.reopen(store, MASTER, cache_size=2)
        cases = [uuid4() for _ in range(5)]
        keys = [small.data_key(c, create=True) for c in cases]
        assert len(small._cache._keys) == 2
        assert [small.data_key(c, create=False) for c in cases] == keys  # evicted keys are read back

    def test_a_wrong_master_key_is_a_clear_error_at_start_up(self, store):
        store.data_key(uuid4(), create=True)
        with pytest.raises(WrongMasterKey) as raised:  # before it could wrap new keys under the wrong master key
            self.reopen(store, os.urandom(32))
        assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no keywrap internals

    def test_a_wrong_master_key_is_refused_at_start_up_before_any_key_is_made(self, store):
        """The first store to open the table leaves a check value: a wrong master key meets it, not a case's key
        made later under the right one (it used to start on an empty table and fail at the first read)."""
        assert self.stored_wrapped(store, CHECK_ID)
        with pytest.raises(WrongMasterKey):
            self.reopen(store, os.urandom(32))

    def test_a_table_from_before_the_check_value_gets_one_and_still_refuses_a_wrong_master_key(self, store):
        store.create_keys([uuid4() for _ in range(3)])
        self.remove(store, CHECK_ID)
        with pytest.raises(WrongMasterKey):
            self.reopen(store, os.urandom(32))   # the keys themselves: none unwraps
        self.reopen(store, MASTER)
        assert self.stored_wrapped(store, CHECK_ID)   # written by the store that opened with the right key
        with pytest.raises(WrongMasterKey):
            self.reopen(store, os.urandom(32))

    def test_one_damaged_key_is_named_not_blamed_on_the_master_key(self, store):
        """A red team's finding: one bit flipped in one case's wrapped key, and every command said "check
        SIGILL_MASTER_KEY" — or refused to start, when the start-up check's arbitrary row was that one."""
        cases = sorted(uuid4() for _ in range(4))
        store.create_keys(cases)
        keys = {c: store.data_key(c, create=False) for c in cases}
        self.remove(store, CHECK_ID)   # the start-up check falls to the keys, the damaged one first by id
        damaged = cases[0]
        self.damage(store, damaged)
        fresh = self.reopen(store, MASTER)   # starts: the master key unwraps the others
        with pytest.raises(DamagedDataKey) as raised:
            fresh.data_key(damaged, create=False)
        assert raised.value.aggregate_id == damaged and str(damaged) in str(raised.value)
        assert "SIGILL_MASTER_KEY" not in str(raised.value) and not isinstance(raised.value, WrongMasterKey)
        fresh.warm(cases)   # the others are warmed; the damaged one is left to be named when read
        assert [fresh.data_key(c, create=False) for c in cases[1:]] == [keys[c] for c in cases[1:]]
        with pytest.raises(DamagedDataKey):
            fresh.data_key(damaged, create=False)
        with pytest.raises(WrongMasterKey):   # a wrong master key is still told as such
            self.reopen(store, os.urandom(32))

    def test_a_damaged_check_value_is_not_taken_for_a_wrong_master_key(self, store):
        case = uuid4()
        key = store.data_key(case, create=True)
        self.damage(store, CHECK_ID)
        assert self.reopen(store, MASTER).data_key(case, create=False) == key
        with pytest.raises(WrongMasterKey):
            self.reopen(store, os.urandom(32))

    def test_the_check_value_is_no_key_of_a_case(self, store):
        assert store.is_destroyed(CHECK_ID) is False and len(self.stored_wrapped(store, CHECK_ID)) == 40

    def test_a_master_key_of_the_wrong_size_is_refused(self, store):
        with pytest.raises(ValueError):
            self.reopen(store, os.urandom(16))

    def test_only_the_wrapped_key_is_kept_at_rest(self, store):
        case = uuid4()
        key = store.data_key(case, create=True)
        wrapped = self.stored_wrapped(store, case)
        assert len(wrapped) == 40 and key not in wrapped

    def test_many_keys_are_made_in_one_go(self, store):
        cases = [uuid4() for _ in range(50)]
        store.create_keys(cases + cases[:3])  # duplicates are harmless
        assert len({store.data_key(c, create=False) for c in cases}) == 50

    def test_two_stores_creating_the_same_key_at_once_agree(self, store):
        from concurrent.futures import ThreadPoolExecutor

        others = [self.reopen(store, MASTER) for _ in range(3)]
        for _ in range(5):
            case = uuid4()
            with ThreadPoolExecutor(4) as pool:
                keys = set(pool.map(lambda s, c=case: s.data_key(c, create=True), [store, *others]))
            assert len(keys) == 1 and None not in keys

    def test_warming_fetches_many_keys_at_once_and_makes_none(self, store):
        made, destroyed, unknown = [uuid4() for _ in range(3)], uuid4(), uuid4()
        store.create_keys([*made, destroyed])
        keys = [store.data_key(c, create=False) for c in made]
        store.destroy(destroyed)
        fresh = self.reopen(store, MASTER)
        fresh.warm([*made, destroyed, unknown, made[0]])
        assert set(fresh._cache._keys) == {*made, destroyed}  # a key never made is not cached: it may come later
        assert [fresh.data_key(c, create=False) for c in made] == keys
        assert fresh.data_key(destroyed, create=False) is None and fresh.data_key(unknown, create=False) is None
