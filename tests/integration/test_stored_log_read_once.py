"""The stored disclosure log read as the auditors' answers read it: each distinct basis and cause parsed once and its
object shared by the rows that hold it (``gateways.json_once``), each read once by the comparison
(``services.stored_log.read_once``) — and a row altered, added or removed as the table's owner may is found all the
same, and the same as when every row had objects of its own."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest

from domain.disclosure import disclosure_log
from services.stored_log import compare, row_key
from tests.builders import CATALOGUE
from tests.integration.test_agency_views import AGENCIES, busy_case

TAMPERS = {   # one stored row (``id``) altered as the table's owner may, the append-only trigger off
    "basis": "UPDATE disclosure_log SET basis = jsonb_set(basis, '{kind}', '\"law\"') WHERE id = %(id)s",
    "at": "UPDATE disclosure_log SET at = at + interval '1 second' WHERE id = %(id)s",
    "cause": "UPDATE disclosure_log SET cause = jsonb_set(cause, '{0,what}', '\"turns_18\"') WHERE id = %(id)s",
    "extra row": "INSERT INTO disclosure_log (case_id, agency, fact_id, kind, category, change, basis, at,"
                 " notification_id, cause) SELECT case_id, agency, fact_id, kind, category, change, basis, at,"
                 " notification_id, cause FROM disclosure_log WHERE id = %(id)s",
    "missing row": "DELETE FROM disclosure_log WHERE id = %(id)s",
}


def held(app, runner, case_id):
    """The case's stored rows as the gateway reads them, and their comparison with the events' log."""
    rows = runner.store.disclosure_log(case_id)
    history = app.history(case_id)
    replayed = disclosure_log(history, AGENCIES, history[-1].timestamp, CATALOGUE)
    return rows, replayed, compare(rows, replayed, runner.store.causes_stored_from())


def test_each_distinct_basis_and_cause_is_one_object_with_the_value_its_json_has(app, runner, postgres):
    case_id = busy_case(app)
    runner.catch_up()
    rows = runner.store.disclosure_log(case_id)
    with psycopg.connect(postgres.conninfo()) as conn:
        texts = conn.execute("SELECT basis::text, cause::text FROM disclosure_log WHERE case_id = %s ORDER BY id",
                             (case_id,)).fetchall()
    assert [(r["basis"], r["cause"]) for r in rows] == [
        (json.loads(basis), None if cause is None else json.loads(cause)) for basis, cause in texts]
    for column, place in (("basis", 0), ("cause", 1)):
        assert len({id(r[column]) for r in rows}) == len({t[place] for t in texts}) < len(rows), column


@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_row_altered_added_or_removed_is_found_among_rows_sharing_their_values(app, runner, postgres, tamper):
    case_id = busy_case(app)
    runner.catch_up()
    rows, _, agreement = held(app, runner, case_id)
    assert agreement.agrees
    # A caused row whose basis and cause other rows hold too (the same objects, read once), and its key.
    shared = [r for r in rows if r["cause"] and any(o is not r and o["basis"] is r["basis"] and o["cause"] is r["cause"]
                                                     for o in rows)]
    target = shared[len(shared) // 2]
    was = row_key(target)
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("ALTER TABLE disclosure_log DISABLE TRIGGER append_only")
        conn.execute(TAMPERS[tamper], {"id": target["id"]})
        conn.execute("ALTER TABLE disclosure_log ENABLE TRIGGER append_only")
    rows, replayed, agreement = held(app, runner, case_id)
    first, *rest = was[7]
    stored = {"basis": [(*was[:6], replace(was[6], kind="law"), was[7])],
              "at": [(was[0] + timedelta(seconds=1), *was[1:])],
              "cause": [(*was[:7], (first._replace(what="turns_18"), *rest))],
              "extra row": [was], "missing row": []}[tamper]
    assert agreement.only_stored == stored
    assert agreement.only_replayed == ([] if tamper == "extra row" else [was])
    # The same findings as from rows each with objects of its own (as the log was read before).
    assert compare(copy.deepcopy(rows), replayed, runner.store.causes_stored_from()) == agreement
