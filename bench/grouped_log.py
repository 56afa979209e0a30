"""What a disclosure log grouped per event and agency would cost, against today's row a change: a prototype, in
scratch tables beside a real build's log; nothing of the product's code changes.

Builds the views over N realistic cases (bench/projections.py's histories), then
  1. writes the build's log rows again by binary COPY, in the rebuild's batches, into a scratch copy of today's
     ``disclosure_log`` (its columns and four indexes) and into a scratch table of the grouped shape below (its
     three indexes), in turns, and reads the PostgreSQL backend's CPU (and this process's, formatting the COPY) for
     each;
  2. prepares the log of every batch (the views' engine run again in memory, ``ViewUpdate``s kept) as today's
     writer does (``PostgresAgencyViewStore._log_rows``) and grouped (``grouped_log_rows``, below), in turns, each
     also without the plaintexts handed to the publisher (which a build from the first event never publishes);
  3. reads pages of 1,000 entries of the largest feed from each scratch table: today's query, the groups expanded
     in SQL to today's very columns and numbers, and the groups fetched whole and expanded here.
Every grouped page is checked equal, entry for entry, to today's page (numbers, ids, facts, bases).

The grouped shape: a row per notification, agency (so feed) and time, numbered by its first entry's number in its
feed (``seq``) and holding ``n`` entries numbered seq … seq + n - 1 (a notification's rows for one agency are
consecutive in its feed: its writer holds the log's lock); its entries (fact id, kind, category, change) as one text
(``US`` between fields, ``RS`` between entries: a first prototype with four text[] arrays, their binary form made
here, cost this process ~10 µs an event more, in a 4,351-event trial), their event ids as 16 bytes each in
``event_ids``; the group's distinct bases and causes as jsonb arrays, each entry's index into them as ``basis_of``
/ ``cause_of`` (NULL when the group has one).

Usage: .venv/bin/python bench/grouped_log.py [--events 50000] [--turns 3] [--pages 40] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path
from struct import Struct
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_support import bench_application, young_people  # noqa: E402
from gateways.view_batch_rows import LOG_COLUMNS, LOG_TYPES, copy_rows  # noqa: E402
from gateways.batch_sealing import BatchSealing, CaseSealing, EventIds  # noqa: E402
from projections.agency_feed import feed_of  # noqa: E402
from projections.agency_views import AgencyViews  # noqa: E402
from psycopg.sql import SQL, Identifier  # noqa: E402
from services.bootstrap import build_view_runner  # noqa: E402
from services.importer import ImportedReferral, import_cases  # noqa: E402
from services.runtime import collector_paused, settle_heap  # noqa: E402
from services.view_runner import BATCH, CASE_TOPICS  # noqa: E402

GROUP_COLUMNS = ("case_id, agency, notification_id, at, feed, seq, n, entries, bases, basis_of, causes, cause_of,"
                 " event_ids")
GROUP_TYPES = ["uuid", "text", "int8", "timestamptz", "text", "int8", "int4", "text",
               "bytea", "bytea", "bytea", "bytea", "bytea"]   # the arrays and jsonb go in their binary forms, made here
# An entry is its fact id, kind, category and change, separated by US; entries by RS (none of them can hold either:
# ids, kinds and categories are the catalogue's words and the engine's).
US, RS = "\x1f", "\x1e"
SCRATCH = [
    "DROP TABLE IF EXISTS {s}.scratch_rows, {s}.scratch_groups",
    "CREATE TABLE {s}.scratch_rows (LIKE {s}.disclosure_log INCLUDING DEFAULTS INCLUDING INDEXES)",
    "CREATE TABLE {s}.scratch_groups (id bigserial PRIMARY KEY, case_id uuid NOT NULL, agency text NOT NULL,"
    " notification_id bigint NOT NULL, at timestamptz NOT NULL, feed text NOT NULL, seq bigint NOT NULL,"
    " n integer NOT NULL, entries text NOT NULL, bases jsonb NOT NULL, basis_of int2[], causes jsonb, cause_of int2[],"
    " event_ids bytea NOT NULL)",
    "CREATE INDEX scratch_groups_by_case ON {s}.scratch_groups (case_id, agency, id)",
    "CREATE UNIQUE INDEX scratch_groups_by_feed ON {s}.scratch_groups (feed, seq)",
]
# Today's page (``feed_pages.FEED_ROWS``'s rows, without its epoch and building flags, the same in both).
ROWS_PAGE = ("SELECT seq, case_id, fact_id, kind, category, change, basis, at, event_id, notification_id"
             " FROM {s}.scratch_rows WHERE feed = %(feed)s AND seq > %(after)s ORDER BY seq LIMIT %(limit)s")
# The groups holding entries after+1 … after+limit (numbers are gapless in a feed: two probes of (feed, seq)).
GROUPS_OF_PAGE = (
    "FROM {s}.scratch_groups g WHERE g.feed = %(feed)s AND g.seq <= %(after)s::int8 + %(limit)s::int8"
    " AND g.seq >= coalesce((SELECT max(seq) FROM {s}.scratch_groups WHERE feed = %(feed)s"
    " AND seq <= %(after)s::int8 + 1), 1)")
# The same entries expanded in SQL: today's columns, today's numbers.
EXPANDED_PAGE = (
    "SELECT g.seq + m.o - 1 AS seq, g.case_id, m.fact_id, m.kind, m.category, m.change,"
    " g.bases -> coalesce(g.basis_of[m.o::int], 0) AS basis, g.at,"
    " encode(substring(g.event_ids from m.o::int * 16 - 15 for 16), 'hex')::uuid AS event_id, g.notification_id"
    " FROM (SELECT * " + GROUPS_OF_PAGE + ") g, LATERAL (SELECT split_part(e, E'\\x1f', 1) AS fact_id,"
    " split_part(e, E'\\x1f', 2) AS kind, split_part(e, E'\\x1f', 3) AS category,"
    " split_part(e, E'\\x1f', 4) AS change, o"
    " FROM unnest(string_to_array(g.entries, E'\\x1e')) WITH ORDINALITY AS u (e, o)) m"
    " WHERE g.seq + m.o - 1 > %(after)s ORDER BY 1 LIMIT %(limit)s")
WHOLE_GROUPS = ("SELECT g.seq, g.case_id, g.entries, g.bases, g.basis_of, g.at,"
                " g.event_ids, g.notification_id " + GROUPS_OF_PAGE + " ORDER BY g.seq")


# -- the grouped rows, made as ``_log_rows`` makes today's -------------------------------------------------------------

_I4, _I2, _HEAD = Struct(">i"), Struct(">h"), Struct(">iiIii")
INT2_OID = 21


def int2_array(items: list[int]) -> bytes:
    return _HEAD.pack(1, 0, INT2_OID, len(items), 1) + b"".join(_I4.pack(2) + _I2.pack(i) for i in items)


def grouped_log_rows(store, update, sealing: BatchSealing):
    """``PostgresAgencyViewStore._log_rows`` making groups: a notification's changes for one agency (at one time)
    in one row; its entries' plaintexts beside, as today's (the publisher is handed them).  As there, what is the
    same for a notification's changes, or a run of them, is looked up once."""
    groups, plains, keyless = [], [], set()
    secret, (generation, _) = store._feed_keys() if update.log else (b"", (None, None))
    basis_of, cause_of = sealing.basis, sealing.cause
    notification = last_basis = last_cause = None
    open_groups: dict[str, list] = {}
    occurrences: dict[tuple, int] = {}
    for case_id, (at, agency, f, change, basis, cause), position in update.log:
        if position != notification:
            notification, case, open_groups = position, sealing.case(case_id), {}
            ids, sealed = EventIds(secret, case.text, position), case.sealer is not None
            if not sealed:
                keyless.add(case_id)
        if basis is not last_basis:
            last_basis, basis_bytes = basis, basis_of(basis)
        if cause is not last_cause:
            last_cause, cause_bytes = cause, cause_of(cause)
        group = open_groups.get(agency)
        if group is None or (group[3] is not at and group[3] != at):
            # case, agency, notification, at, entries, bases, basis_of, causes, cause_of, event ids; an entry's
            # index into bases (causes) kept only once the group has a second (None: all the first)
            group = open_groups[agency] = [case_id, agency, position, at, [], [basis_bytes], None, [cause_bytes],
                                           None, []]
            groups.append(group)
        fact_id = f.fact_id
        same = (position, agency, fact_id, change)
        occurrences[same] = occurrence = occurrences.get(same, -1) + 1
        entries = group[4]
        if basis_bytes is not group[5][0] or group[6] is not None:
            group[6] = _indexed(group[6], group[5], basis_bytes, len(entries))
        if cause_bytes is not group[7][0] or group[8] is not None:
            group[8] = _indexed(group[8], group[7], cause_bytes, len(entries))
        entries.append(f"{fact_id}{US}{f.kind}{US}{f.category}{US}{change}")
        group[9].append(ids.name(agency, fact_id, change, occurrence))
        plains.append(case.plain(f) if sealed and change == "disclosed" else None)
    return [_encoded(g) for g in groups], plains, keyless, generation


def _indexed(indexes: list[int] | None, distinct: list, value, before: int) -> list[int]:
    """An entry's index into its group's distinct bases (causes), appended to the entries' (all 0 before it: None)."""
    indexes = [0] * before if indexes is None else indexes
    if value in distinct:
        indexes.append(distinct.index(value))
    else:
        distinct.append(value)
        indexes.append(len(distinct) - 1)
    return indexes


def _encoded(g: list) -> list:
    """A group as its COPY row (``GROUP_TYPES``): jsonb and int2[] in their binary forms; feed and seq to come."""
    bases, causes = g[5], g[7]
    return [g[0], g[1], g[2], g[3], None, None, len(g[4]), RS.join(g[4]), _jsonb_array(bases),
            None if g[6] is None else int2_array(g[6]), _jsonb_array(causes),
            None if g[8] is None else int2_array(g[8]), b"".join(g[9])]


_ONE: dict[bytes, bytes] = {}   # a jsonb value as the one element of a jsonb array: most groups have one basis


def _jsonb_array(distinct: list[bytes]) -> bytes:
    """jsonb values (binary form: version byte, JSON text) as one jsonb array."""
    if len(distinct) > 1:
        return b"\x01[" + b",".join([v[1:] for v in distinct]) + b"]"
    one = _ONE.get(distinct[0])
    if one is None:
        one = _ONE[distinct[0]] = b"\x01[" + distinct[0][1:] + b"]"
    return one


def number_groups(groups: list[list], counters: dict[str, int], place: str) -> None:
    """``FeedQueries._number`` for groups: a group takes the next n numbers of its feed, named by its first."""
    for g in groups:
        feed = g[4] = feed_of(g[1], place)
        g[5] = counters.get(feed, 0) + 1
        counters[feed] = g[5] + g[6] - 1


def groups_from_rows(rows: list[tuple]) -> list[list]:
    """The grouped rows of a stored log's numbered rows (``LOG_COLUMNS``), for the COPY turns: the same grouping as
    ``grouped_log_rows`` (by notification and agency, a new group where the time changes), each group's entries
    held to be consecutive numbers of its feed."""
    groups, notification, open_groups = [], None, {}
    for r in rows:
        if r[8] != notification:
            notification, open_groups = r[8], {}
        g = open_groups.get(r[1])
        if g is None or g[3] != r[7]:
            g = open_groups[r[1]] = [r[0], r[1], r[8], r[7], r[-2], r[-1], 0, [], None, None, None, [], [], [], [],
                                     []]
            groups.append(g)
        assert r[-2] == g[4] and r[-1] == g[5] + g[6], "a group's entries are not consecutive in its feed"
        g[6] += 1
        g[7].append(US.join(r[2:6]))
        for value, distinct, index in ((r[6], g[11], g[12]), (r[11], g[13], g[14])):
            index.append(distinct.index(value) if value in distinct else distinct.append(value) or len(distinct) - 1)
        g[15].append(r[9])
    return [[g[0], g[1], g[2], g[3], g[4], g[5], g[6], RS.join(g[7]), b"\x01[" + b",".join(b[1:] for b in g[11]) + b"]",
             int2_array(g[12]) if len(g[11]) > 1 else None, b"\x01[" + b",".join(c[1:] for c in g[13]) + b"]",
             int2_array(g[14]) if len(g[13]) > 1 else None, b"".join(g[15])] for g in groups]


# -- measuring ---------------------------------------------------------------------------------------------------------

def backend_cpu(conn) -> float:
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()["pg_backend_pid"]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_turn(store, table: str, columns: str, types: list[str], batches: list[list]) -> tuple[float, float, float]:
    """Every batch COPYed into the emptied scratch table, a transaction each: backend CPU, this process's, wall."""
    s = Identifier(store.datastore.schema)
    with store.datastore.get_connection() as conn:
        conn.execute(SQL("TRUNCATE {}.{}").format(s, Identifier(table)))
        conn.commit()
        pg, cpu, wall = backend_cpu(conn), time.process_time(), time.perf_counter()
        for batch in batches:
            with conn.transaction(), conn.cursor() as curs:
                copy_rows(curs, SQL("COPY {}.{} (" + columns + ") FROM STDIN (FORMAT BINARY)")
                          .format(s, Identifier(table)), types, batch)
        return backend_cpu(conn) - pg, time.process_time() - cpu, time.perf_counter() - wall


def stored_batches(store) -> list[list[tuple]]:
    """The build's log rows as the writer COPYs them (``LOG_TYPES``), in the rebuild's batches of notifications."""
    rows = store._rows(SQL("SELECT " + LOG_COLUMNS + " FROM {}.disclosure_log ORDER BY id")
                       .format(Identifier(store.datastore.schema)), ())
    batches: dict[int, list[tuple]] = {}
    for r in rows:
        batches.setdefault((r["notification_id"] - 1) // BATCH, []).append((
            r["case_id"], r["agency"], r["fact_id"], r["kind"], r["category"], r["change"],
            b"\x01" + json.dumps(r["basis"]).encode(), r["at"], r["notification_id"], r["event_id"].bytes, None,
            None if r["cause"] is None else b"\x01" + json.dumps(r["cause"], separators=(",", ":")).encode(),
            r["feed"], r["seq"]))
    return [batches[k] for k in sorted(batches)]


def view_updates(app) -> list:
    """Every rebuild batch's ``ViewUpdate``, the views' engine run again in memory (as the rebuild runs it)."""
    views, updates, position = AgencyViews(app.catalogue, lambda case_id, version: []), [], 0
    while page := app.recorder.select_notifications(start=position, limit=BATCH, inclusive_of_start=False):
        position = page[-1].id
        updates.append(views.process([(n.id, app.mapper.to_domain_event(n)) for n in page if n.topic in CASE_TOPICS]))
    return updates


def prepare_turn(store, updates, make, plains: bool = True) -> tuple[float, int]:
    """This process's CPU making every batch's log rows with ``make``, and how many rows it made; without
    ``plains``, a fact's plaintext for the publisher is not made (``CaseSealing.plain`` answers None)."""
    made, cpu, plain = 0, time.process_time(), CaseSealing.plain
    if not plains:
        CaseSealing.plain = lambda self, fact: None
    try:
        for update in updates:
            made += len(make(update, BatchSealing(store.keystore, update.erased))[0])
    finally:
        CaseSealing.plain = plain
    return time.process_time() - cpu, made


def expand(groups: list[dict], after: int, limit: int) -> list[tuple]:
    """Whole groups expanded here to today's page's entries (bases parsed once a group, by psycopg)."""
    out = []
    for g in groups:
        bases, basis_of, ids = g["bases"], g["basis_of"], g["event_ids"]
        for i, entry in enumerate(g["entries"].split(RS)):
            fact_id, kind, category, change = entry.split(US)
            seq = g["seq"] + i
            if after < seq <= after + limit:
                out.append((seq, g["case_id"], fact_id, kind, category, change,
                            bases[basis_of[i] if basis_of else 0], g["at"], UUID(bytes=bytes(ids[i * 16:i * 16 + 16])),
                            g["notification_id"]))
    return out


def page_turn(store, query: str, feed: str, starts: list[int], limit: int, whole: bool = False
              ) -> tuple[float, float, float, list]:
    s = Identifier(store.datastore.schema)
    statement, pages = SQL(query).format(s=s), []
    with store.datastore.get_connection() as conn:
        pg, cpu, wall = backend_cpu(conn), time.process_time(), time.perf_counter()
        for after in starts:
            rows = conn.execute(statement, {"feed": feed, "after": after, "limit": limit}, prepare=True).fetchall()
            pages.append(expand(rows, after, limit) if whole else [tuple(r.values()) for r in rows])
        return backend_cpu(conn) - pg, time.process_time() - cpu, time.perf_counter() - wall, pages


def _views_bench():
    """bench/projections.py, whose histories these are (by its path: ``projections`` is the project's package)."""
    spec = spec_from_file_location("views_bench", Path(__file__).with_name("projections.py"))
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--pages", type=int, default=40, help="feed pages of 1,000 entries read per turn")
    parser.add_argument("--profile", action="store_true", help="profile one turn of each preparation, and stop")
    args = parser.parse_args()
    bench = _views_bench()
    with bench_application() as (app, settings, location):
        people, imported = young_people(), {"events": 0}

        def referrals():
            while imported["events"] < args.events:
                yield ImportedReferral("0180", next(people), "Bänk Test", "lul6", "polis", date(2026, 1, 1),
                                       "Misstanke.", "crime")

        events = import_cases(app, referrals(), by=bench.SOCIAL, then=bench.realistic_history(app), batch_size=50,
                              progress=lambda cases, n: imported.update(events=n))
        settle_heap()
        runner = build_view_runner(app, settings, location)
        with collector_paused():
            runner.rebuild(lambda n: None)
            store = runner.store
            measure(app, store, events, args)
        runner.close()
        store.close()


def measure(app, store, events: int, args) -> None:
    s = Identifier(store.datastore.schema)
    with store.datastore.transaction(commit=True) as curs:
        for statement in SCRATCH:
            curs.execute(SQL(statement).format(s=s))
    batches = stored_batches(store)
    rows = sum(len(b) for b in batches)
    grouped = [groups_from_rows(b) for b in batches]
    entries = sum(g[6] for b in grouped for g in b)
    assert entries == rows
    print(f"{events:,} events; {rows:,} log rows ({rows / events:.2f} an event) in {len(batches)} batches;"
          f" {sum(len(b) for b in grouped):,} groups ({sum(len(b) for b in grouped) / events:.2f} an event)")

    print("COPY into scratch tables, in turns (µs an event: PostgreSQL backend, this process; wall s)")
    for turn in range(args.turns):
        for name, table, columns, types, data in (
                ("rows (today)", "scratch_rows", LOG_COLUMNS, LOG_TYPES, batches),
                ("groups", "scratch_groups", GROUP_COLUMNS, GROUP_TYPES, grouped)):
            pg, cpu, wall = copy_turn(store, table, columns, types, data)
            print(f"  {turn + 1} {name:<14} PG {pg * 1e6 / events:6.1f}   process {cpu * 1e6 / events:6.1f}"
                  f"   wall {wall:5.2f}", flush=True)
    sizes = store._rows(SQL("SELECT pg_total_relation_size('{}.scratch_rows') AS r,"
                            " pg_total_relation_size('{}.scratch_groups') AS g").format(s, s), ())[0]
    print(f"  size with indexes: rows {sizes['r'] / 2**20:.1f} MiB, groups {sizes['g'] / 2**20:.1f} MiB")

    updates = view_updates(app)
    today = lambda update, sealing: store._log_rows(update, sealing)  # noqa: E731
    made = lambda update, sealing: grouped_log_rows(store, update, sealing)  # noqa: E731
    if args.profile:
        import cProfile
        import pstats
        for make in (today, made):
            profile = cProfile.Profile()
            profile.runcall(prepare_turn, store, updates, make)
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)
        return
    print("preparing the log's rows in memory, every batch, in turns (this process's CPU µs an event); 'no plains':"
          " the plaintexts for the publisher not made (a build publishes none)")
    for turn in range(args.turns):
        for name, make, plains in (("rows (today)", today, True), ("groups", made, True),
                                   ("rows, no plains", today, False), ("groups, no plains", made, False)):
            cpu, count = prepare_turn(store, updates, make, plains)
            print(f"  {turn + 1} {name:<17} {cpu * 1e6 / events:6.1f}   ({count:,} rows)", flush=True)
    check_grouping(store, updates, batches)

    feed = store._rows(SQL("SELECT feed, count(*) AS n FROM {}.scratch_rows GROUP BY feed ORDER BY 2 DESC LIMIT 1")
                       .format(s), ())[0]
    step = max(1, (feed["n"] - 1000) // args.pages)
    starts = [i * step for i in range(args.pages)]
    print(f"a feed page of 1,000 entries, {args.pages} pages of {feed['feed']} ({feed['n']:,} entries), in turns"
          f" (ms a page: PostgreSQL backend, this process; wall)")
    for turn in range(args.turns):
        pages = {}
        for name, query, whole in (("rows (today)", ROWS_PAGE, False), ("groups, SQL", EXPANDED_PAGE, False),
                                   ("groups, here", WHOLE_GROUPS, True)):
            pg, cpu, wall, pages[name] = page_turn(store, query, feed["feed"], starts, 1000, whole)
            print(f"  {turn + 1} {name:<14} PG {pg * 1e3 / len(starts):6.2f}   process {cpu * 1e3 / len(starts):6.2f}"
                  f"   wall {wall * 1e3 / len(starts):6.2f}", flush=True)
        assert pages["rows (today)"] == pages["groups, SQL"] == pages["groups, here"], "a grouped page differs"
    print("  every grouped page equal to today's, entry for entry")


def check_grouping(store, updates, batches) -> None:
    """The prototype's groups, numbered, hold the stored rows' entries in their numbers (feed, seq, ids)."""
    counters: dict[str, int] = {}
    expanded = []
    for update in updates:
        groups = grouped_log_rows(store, update, BatchSealing(store.keystore, update.erased))[0]
        number_groups(groups, counters, "0180")
        for g in groups:
            expanded.extend((g[4], g[5] + i, g[-1][i * 16:i * 16 + 16]) for i in range(g[6]))
    stored = sorted((r[-2], r[-1], r[9]) for b in batches for r in b)
    assert sorted(expanded) == stored, "the prototype's groups do not number the stored rows"
    print(f"  the prototype's groups, numbered, give every stored row's feed, number and event id ({len(stored):,})")


if __name__ == "__main__":
    main()
