"""The access log's writer thread: concurrent reads share commits, each read returns only once it is written."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from uuid import uuid4

import pytest

from services.access_log import AccessEntry, AccessLog, AccessLogUnavailable
from tests.concurrency import in_threads


def entry(n: int) -> AccessEntry:
    return AccessEntry(datetime(2026, 2, 3, tzinfo=timezone.utc), uuid4(), f"user-{n}", "skola", "member", "timeline")


class SlowStore:
    """Takes a while per commit, as a disk does; remembers what was committed, batch by batch."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[AccessEntry]] = []
        self.fail = fail

    def append(self, entries, sign) -> None:
        time.sleep(0.02)
        if self.fail:
            raise OSError("disk full")
        self.batches.append(list(entries))


def read_concurrently(log: AccessLog, readers: int) -> list[BaseException | None]:
    return in_threads(lambda n: log.record(entry(n)), readers)


def test_concurrent_reads_share_commits_and_every_one_is_written_once():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    assert read_concurrently(log, 40) == [None] * 40
    written = [e.subject for batch in store.batches for e in batch]
    assert sorted(written) == sorted(f"user-{n}" for n in range(40))
    assert len(store.batches) < 40  # group commit: some batches held several reads


def test_a_read_returns_only_after_its_entry_is_committed():
    store = SlowStore()
    log = AccessLog(store, lambda m: (b"", b""))
    log.record(entry(1))
    assert [e.subject for e in store.batches[-1]] == ["user-1"]


def test_when_the_log_cannot_be_written_every_read_of_the_batch_is_refused_and_later_reads_still_work():
    store = SlowStore(fail=True)
    log = AccessLog(store, lambda m: (b"", b""))
    outcomes = read_concurrently(log, 5)
    assert all(isinstance(o, AccessLogUnavailable) for o in outcomes)
    store.fail = False
    log.record(entry(9))
    assert store.batches[-1][0].subject == "user-9"
    with pytest.raises(AccessLogUnavailable):
        store.fail = True
        log.record(entry(10))
