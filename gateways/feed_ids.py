"""The feeds' ids: the installation secret that keys feed event ids and public fact ids, the public name of its
generation, and the epoch of the feeds' numbering — all in the one row of ``feed_state``.

A mixin of ``FeedQueries`` and ``FeedPages`` (so of ``PostgresAgencyViewStore``: the same tables and connection
pool).  A plain rebuild (``sigill views rebuild``) keeps the secret, so ids stay the same, and renews the epoch; a
rebuild after a restore of an older backup (``--after-restore``) renews the secret and its generation too
(``RENEW_SECRET``).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from psycopg.sql import SQL

from projections.fact_ids import PublicFactIds

_RANDOM_BYTES = "uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())"  # 244 random bits, core SQL
_RANDOM_EPOCH = "left(md5(gen_random_uuid()::text), 8)"
_RANDOM_GENERATION = "left(md5(gen_random_uuid()::text), 12)"   # random, never derived from the secret
FEED_STATE_TABLES = [
    # The secret that keys feed event ids (kept by a rebuild: ids stay the same), and the epoch of the
    # numbering (new at every rebuild: a cursor or a publication position of an older one starts again).
    "CREATE TABLE IF NOT EXISTS {s}.feed_state (one boolean PRIMARY KEY DEFAULT true CHECK (one),"
    " secret bytea NOT NULL, epoch text NOT NULL)",
    # The public name of the secret's generation (since 2026-12-05): every page, cursor and Kafka record says it, so
    # a client can tell that the ids were renewed (a restore) from a plain rebuild, which keeps them.  Made anew
    # exactly when the secret is (RENEW_SECRET).  A default, not a value inserted: an installation of before gets one
    # here, and a process of the version before that makes the row still can.  ``ids_renewed``: the ids were renewed
    # since generations were recorded, so a cursor that names none (issued before) is of older ids.
    f"ALTER TABLE {{s}}.feed_state ADD COLUMN IF NOT EXISTS id_generation text NOT NULL DEFAULT {_RANDOM_GENERATION}",
    "ALTER TABLE {s}.feed_state ADD COLUMN IF NOT EXISTS ids_renewed boolean NOT NULL DEFAULT false",
    f"INSERT INTO {{s}}.feed_state (secret, epoch) VALUES ({_RANDOM_BYTES}, {_RANDOM_EPOCH}) ON CONFLICT DO NOTHING",
]
RENEW_EPOCH = f"UPDATE {{s}}.feed_state SET epoch = {_RANDOM_EPOCH}"
# After a database restored from an older backup: the next events take the lost ones' positions and versions, so
# under the kept secret their messages would carry the lost messages' event ids and public fact ids.
RENEW_SECRET = (f"UPDATE {{s}}.feed_state SET secret = {_RANDOM_BYTES}, id_generation = {_RANDOM_GENERATION},"
                " ids_renewed = true")


class Ids(NamedTuple):
    """The ids of one generation, taken together: the secret, its public name and the fact ids it keys.  What a
    page's or a publication's messages are all named with, so that a renewal seen by another thread while they are
    made cannot name some of them by the new ids and the rest by the old."""

    secret: bytes
    generation: str
    facts: PublicFactIds


class FeedIds:
    """The secret, its generation and the epoch, read from ``feed_state`` (needs ``_s`` and ``_rows``)."""

    _s: Any
    _rows: Callable[[Any, tuple], list[dict[str, Any]]]
    _secret: bytes | None = None
    _generation: tuple[str, bool] | None = None   # read with the secret: the name of the ids it keys
    _fact_ids: tuple[bytes, PublicFactIds] | None = None   # with the secret they are keyed by

    def feed_secret(self) -> bytes:
        """The installation's key for feed event ids (made with the tables, kept by a rebuild)."""
        return self._feed_keys()[0]

    def id_generation(self) -> str:
        """The public name of the ids' generation: what every page, cursor and Kafka record says the ids are of.
        Read with the secret and kept with it, so it always names the ids this process makes — as of this process's
        last look at the stored one, which every read of the epoch, the feeds' heads, a feed page and the views'
        position takes with what it reads, as the ends that finish a rebuild take it with the secret they are made
        under (``see_generation``)."""
        return self._feed_keys()[1][0]

    def see_generation(self, generation: str | None) -> None:
        """The stored generation, as a query of the caller's has just read it (at no cost: with what it reads).  If
        another process renewed the ids since this one read the secret (`sigill views rebuild --after-restore` run
        beside a running server or publisher), the secret and what it keys are read again: until 2026-12-05 a
        process went on with the old ones until it was restarted — pages and records named the old generation and
        fact ids, and what it wrote to the log took event ids under the old secret."""
        known = self._generation
        if generation is not None and known is not None and generation != known[0]:
            self._secret = self._generation = self._fact_ids = None

    def ids_renewed(self) -> bool:
        """Whether the ids were renewed (``--after-restore``) since generations were recorded (2026-12-05)."""
        return self._feed_keys()[1][1]

    def _feed_keys(self) -> tuple[bytes, tuple[str, bool]]:
        secret, generation = self._secret, self._generation   # another thread may forget them meanwhile
        if secret is None or generation is None:
            row = self._rows(SQL("SELECT secret, id_generation, ids_renewed FROM {}.feed_state").format(self._s), ())[0]
            secret, generation = bytes(row["secret"]), (row["id_generation"], row["ids_renewed"])
            self._secret, self._generation = secret, generation
        return secret, generation

    def fact_ids(self) -> PublicFactIds:
        """The public fact ids, keyed by a key derived from the same secret (so also kept by a rebuild)."""
        return self._fact_ids_of(self.feed_secret())

    def ids_now(self) -> Ids:
        """The secret, its generation and its fact ids as this process knows them now, as one."""
        secret, (generation, _) = self._feed_keys()
        return Ids(secret, generation, self._fact_ids_of(secret))

    def _fact_ids_of(self, secret: bytes) -> PublicFactIds:
        kept = self._fact_ids
        if kept is not None and kept[0] is secret:
            return kept[1]
        ids = PublicFactIds(secret)
        if self._secret is secret:   # not forgotten meanwhile (a renewal seen in another thread)
            self._fact_ids = (secret, ids)
        return ids

    def feed_epoch(self) -> str:
        """The numbering's epoch: it changes when the views are rebuilt (and the feeds numbered anew).  The
        generation is read with it (``see_generation``).  (A feed page reads both with its messages: ``feed_page``.)"""
        row = self._rows(SQL("SELECT epoch, id_generation FROM {}.feed_state").format(self._s), ())[0]
        self.see_generation(row["id_generation"])
        return row["epoch"]
