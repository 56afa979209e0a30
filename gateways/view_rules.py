"""What the agency views record of how they are built: the disclosure rules' version, the agency catalogue's digest,
and where a build from the first event is going (``view_rules``); and emptying them for such a build.

A process of another version (a rolling upgrade) writes nothing into views of another's rules; a process under
another catalogue marks the views ``MIXED``; a build from the first event closes the feeds until it has reached the
head recorded when it began (``gateways.build_finish``).  A mixin of ``PostgresAgencyViewStore`` (its datastore,
schema, tracking table and replaced log).
"""

from __future__ import annotations

from typing import Any

from psycopg.sql import SQL, Identifier

from gateways.feed_ids import RENEW_EPOCH, RENEW_SECRET
from services.ports import MIXED_CATALOGUES, ViewsUnderOtherRules

# Views written under more than one agency catalogue (``view_rules.catalogue``): a log they hold was built under
# none of them, and once replaced cannot be held to the events.  Never a catalogue's digest (32 hex digits).
MIXED = MIXED_CATALOGUES   # as the services read it (``services.stored_log``)


# A process whose catalogue is not the one the views record, before it writes (``position_and_next``): views from
# before catalogues were recorded (NULL) take its own — what they were built under is taken to be today's, as a log
# replaced from them without one is (``services.stored_log``); views of another catalogue become ``MIXED``, until a
# build from the first event records one again.  Only when it differs: no write in a round otherwise.
def noted_catalogue(recorded: str, own: str) -> str:
    """SQL: the catalogue the views record once a process under ``own`` writes them (both SQL expressions): its own
    where none is recorded or the same, ``MIXED`` where another is; none given (NULL) keeps the recorded one."""
    return (f"CASE WHEN {own} IS NULL THEN {recorded} WHEN {recorded} IS NULL OR {recorded} = {own} THEN {own}"
            f" ELSE '{MIXED}' END")


NOTE_CATALOGUE = ("UPDATE {s}.view_rules SET catalogue = " + noted_catalogue("catalogue", "%(own)s::text")
                  + " WHERE catalogue IS DISTINCT FROM %(own)s AND catalogue IS DISTINCT FROM '" + MIXED + "'")


class ViewRulesRecords:
    """The views' ``view_rules`` row, and ``clear`` (which records the rules a rebuild judges under with it)."""

    datastore: Any
    tracking_table_name: str
    _s: Any
    _rows: Any            # the store's reads (``PostgresAgencyViewStore._rows``)
    _keep_replaced: Any   # ``gateways.replaced_log``

    def rules_version(self) -> int | None:
        """The rules' version the views were built under; None if never recorded (built before versions)."""
        rows = self._rows(SQL("SELECT version FROM {}.view_rules").format(self._s), ())
        return rows[0]["version"] if rows else None

    def building_to(self) -> int | None:
        """Where the build from the first event under way is going (the event log's head when it began); None when
        none is under way."""
        rows = self._rows(SQL("SELECT building_to FROM {}.view_rules").format(self._s), ())
        return rows[0]["building_to"] if rows else None

    def set_rules_version(self, version: int, building_to: int | None = None, catalogue: str | None = None) -> None:
        """Record the rules' version the views are built under; ``building_to``: they are being built from the first
        event up to there (``FeedsRebuilding`` until they reach it); ``catalogue``: the digest of the agency
        catalogue they are built under (None keeps the recorded one; another recorded one becomes ``MIXED``: two
        first builds at once under two catalogues, the last of them won and the log they wrote was held, a review)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {}.view_rules (version, building_to, catalogue) VALUES (%s, %s, %s)"
                             " ON CONFLICT (one) DO UPDATE SET version = excluded.version, building_to ="
                             " coalesce(excluded.building_to, view_rules.building_to), catalogue = "
                             + noted_catalogue("view_rules.catalogue", "excluded.catalogue")).format(self._s),
                         (version, building_to or None, catalogue))

    def clear(self, application_name: str, building_to: int = 0, *, renew_ids: bool = False,
              rules_version: int | None = None, catalogue: str | None = None) -> int:
        """Empty the views and forget the position, so that they are rebuilt from the first event.

        ``case_municipality`` is kept: an erased case's referral can no longer be read, and a kept row never
        goes stale (a case never moves).  The feeds are numbered anew from 1 (the same numbers, for the same
        history) in a new epoch, and published again from the start: the rebuilt log may differ (an erased
        case's history can no longer be read), so no position or cursor of the old numbering is trusted.  The
        log's rows are kept as a replaced log first (``gateways.replaced_log``): they are what the feeds carried.
        Returns how many were kept.  ``renew_ids``: the secret that keys the feeds' event ids and the public fact
        ids is made anew too (after a restore of an older backup), so every message and fact gets another id.
        ``rules_version``: the rules they are rebuilt under, recorded in the same transaction, so that no batch of
        another process judged under the rules before lands in the emptied views (``_check_batch``); None keeps the
        recorded one.  ``catalogue``: the digest of the agency catalogue they are rebuilt under, recorded with them
        after the replaced log took the one recorded before (None keeps it).  Views recorded as built under newer
        rules are refused (``ViewsUnderOtherRules``, nothing
        changed): rebuilt under older ones they would show again what the newer rules stopped."""
        with self.datastore.transaction(commit=True) as curs:
            kept = self._keep_replaced(curs, Identifier(self.datastore.schema, self.tracking_table_name),
                                       application_name)
            if rules_version is not None:   # under the log's lock, which a newer version's rebuild takes too
                refuse_newer(curs.execute(SQL("SELECT version FROM {}.view_rules").format(self._s)).fetchone(),
                              rules_version)
            # The erasures told go with the log that told them: the new numbering tells each erased case again.
            curs.execute(SQL("TRUNCATE {s}.view_facts, {s}.view_cases, {s}.disclosure_log, {s}.feed_sequence,"
                             " {s}.feed_positions, {s}.erasures_told").format(s=self._s))
            curs.execute(SQL(RENEW_EPOCH).format(s=self._s))
            if renew_ids:
                curs.execute(SQL(RENEW_SECRET).format(s=self._s))
            curs.execute(SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                self._s, Identifier(self.tracking_table_name)), (application_name,))
            # Views from before versions were recorded have no row: version 1 (``rules_version``).
            curs.execute(SQL("INSERT INTO {s}.view_rules (version, building_to, catalogue) VALUES (coalesce(%s, 1), %s,"
                             " %s) ON CONFLICT (one) DO UPDATE SET version = coalesce(%s, view_rules.version),"
                             " building_to = greatest(view_rules.building_to, excluded.building_to),"
                             " catalogue = coalesce(excluded.catalogue, view_rules.catalogue)")
                         .format(s=self._s), (rules_version, building_to or None, catalogue, rules_version))
        if renew_ids:
            self._secret = self._generation = self._fact_ids = None   # read afresh: this process's are of the old
        return kept


def check_rules(views: int | None, batch: int) -> None:
    """None: nothing recorded yet, the first build records its own (``ViewRunner._first_build``)."""
    if views is not None and views != batch:
        raise ViewsUnderOtherRules(views, batch)


def refuse_newer(row: Any, rules_version: int) -> None:
    """A rebuild's: views of older rules (or none recorded) are what it mends; a newer version's are not its own."""
    if row is not None and row["version"] is not None and row["version"] > rules_version:
        raise ViewsUnderOtherRules(row["version"], rules_version)
