"""The stored disclosure log held to the events' log: every field the feeds carried counts, and a row without a
cause passes only as one from before causes were stored."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from domain.disclosure import RULES_CHANGED, Cause, VisibilityChange
from domain.judge import Basis
from domain.facts import Fact
from services import stored_log
from services.stored_log import (ReplacedLog, causes_required_from, compare, replaced_logs, row_key,
                                 stored_change)

AT = datetime(2026, 3, 20, 8, tzinfo=timezone.utc)
BASIS = Basis("consent", ("c1",))
WITHDRAWN = (Cause("consent_withdrawn", ("c1",)),)


def change(fact_id: str, cause=WITHDRAWN, kind: str = "contribution") -> VisibilityChange:
    fact = Fact(fact_id, 3, kind, "school", "polis", AT, {}, False)
    return VisibilityChange(AT, "skola", fact, "ended", BASIS, cause)


def row(fact_id: str, cause=WITHDRAWN, kind: str = "contribution", id: int = 10) -> dict:
    stored = None if cause is None else [{"what": c.what, "consent_ids": list(c.consent_ids)} for c in cause]
    return {"id": id, "at": AT, "agency": "skola", "fact_id": fact_id, "kind": kind, "category": "school", "change": "ended",
            "basis": {"kind": "consent", "consent_ids": ["c1"], "legal_basis": None}, "cause": stored,
            "notification_id": 10}


def test_the_same_rows_agree():
    agreement = compare([row("a"), row("b")], [change("a"), change("b")], 1)
    assert agreement.agrees and agreement.compared == 2 and agreement.without_cause == 0


def test_another_cause_kind_or_a_missing_row_is_named():
    assert not compare([row("a", (Cause("turns_18"),))], [change("a")], 1).agrees
    assert not compare([row("a", kind="meeting")], [change("a")], 1).agrees
    missing = compare([row("a")], [change("a"), change("b")], 1)
    assert missing.only_replayed == [(AT, "skola", "b", "contribution", "school", "ended", BASIS, WITHDRAWN)]


def test_rows_from_before_causes_are_compared_without_them():
    agreement = compare([row("a", None, id=1), row("b", id=2)], [change("a"), change("b")], 2)
    assert agreement.agrees and agreement.without_cause == 1
    assert not compare([row("a", None, id=1)], [change("x")], 2).agrees
    assert compare([row("a", None, id=1)], [change("a")], None).agrees   # no row stored with a cause yet


def test_a_cause_blanked_after_rows_with_causes_is_reported():
    """A reviewer blanked one row's cause and falsified another's: the blank switched the cause check off for
    the whole case.  A row without a cause after one with a cause cannot be from before causes were stored."""
    agreement = compare([row("a", id=5), row("b", (Cause("member_joined", agency="skola"),), id=6),
                         row("c", None, id=7)], [change("a"), change("b"), change("c")], 5)
    assert not agreement.agrees and len(agreement.only_stored) == 2 and len(agreement.only_replayed) == 2


def test_blanking_every_cause_of_a_case_or_of_one_agency_cannot_pass():
    """The boundary is the whole log's first row with a cause, not the case's (or the agency's) own."""
    rows = [row("a", None, id=20), row("b", None, id=21)]
    assert not compare(rows, [change("a"), change("b")], 3).agrees


def replacement(number: int = 1, up_to: int = 100, caused_from: int | None = 1) -> dict:
    return {"replacement": number, "epoch": f"e{number}", "rules_version": 2, "replaced_at": AT, "up_to": up_to,
            "rows": 10, "caused_from": caused_from}


def replaced(number: int, *rows: dict) -> list[dict]:
    return [{**r, "replacement": number, "notification_id": r.get("notification_id", 50)} for r in rows]


def current(*rows: dict, notification_id: int = 50) -> list[dict]:
    return [{**r, "notification_id": notification_id} for r in rows]


def test_a_log_written_whole_with_causes_requires_every_one_even_with_none_left():
    """Every cause of the log blanked (a red team, 2026-12-06): no row with a cause was left, and none was compared
    with its cause.  A log built under rules that store causes (version 4 on), or after a log that held one was
    replaced, was written whole with them: from its first row."""
    assert causes_required_from(None, 7, []) == 0
    assert causes_required_from(None, 3, [replacement(caused_from=12)]) == 0
    assert causes_required_from(None, 3, [{**replacement(caused_from=None), "rules_version": 4}]) == 0
    assert causes_required_from(None, 3, [replacement(caused_from=None)]) is None   # from before causes, blank
    assert causes_required_from(9, None, []) == 9
    rows = [row("a", None, id=1), row("b", None, id=2)]
    assert not compare(rows, [change("a"), change("b")], causes_required_from(None, 7, [])).agrees


def test_a_replaced_log_beside_todays_names_what_only_one_of_them_holds():
    [old] = replaced_logs([replacement()], replaced(1, row("a"), row("b")), current(row("a"), row("c")))
    assert (old.replacement, old.epoch, old.rules_version, old.up_to, len(old.rows)) == (1, "e1", 2, 100, 2)
    assert [k[2] for k in old.only_replaced] == ["b"] and [k[2] for k in old.only_current] == ["c"]
    [same] = replaced_logs([replacement()], replaced(1, row("a")), current(row("a")))
    assert same.only_replaced == [] and same.only_current == []


def test_todays_rows_past_what_the_replaced_log_had_reached_are_no_difference():
    [old] = replaced_logs([replacement(up_to=60)], replaced(1, row("a")),
                          current(row("a")) + current(row("late"), notification_id=61))
    assert old.only_current == [] and old.only_replaced == []


def test_an_erasure_after_the_replacement_is_no_difference():
    """A review's finding: an erasure row carries the case's last notification, within what the replaced log had
    reached, so a case erased after a rebuild showed a false difference."""
    erasure = {**row("case.erased", None), "change": "erased", "at": AT.replace(hour=9)}
    [old] = replaced_logs([replacement()], replaced(1, row("a")), current(row("a"), erasure))
    assert old.only_current == []
    [before] = replaced_logs([{**replacement(), "replaced_at": AT.replace(hour=10)}], replaced(1, row("a")),
                             current(row("a"), erasure))
    assert [k[5] for k in before.only_current] == ["erased"]   # erased before the rebuild: the old log lacked it


def test_a_replaced_row_from_before_causes_matches_todays_row_with_its_cause_once():
    [old] = replaced_logs([replacement(caused_from=None)], replaced(1, row("a", None)), current(row("a"), row("a")))
    assert old.only_replaced == [] and len(old.only_current) == 1   # the second row of today's has no match
    [other] = replaced_logs([replacement(caused_from=None)], replaced(1, row("a", None)),
                            current(row("a", kind="meeting")))
    assert len(other.only_replaced) == 1 and len(other.only_current) == 1


def test_a_cause_blanked_in_a_log_before_it_was_replaced_is_a_difference():
    """A review's finding: matched without its cause, a blanked cause passed once it was in the replaced log."""
    [old] = replaced_logs([replacement(caused_from=5)], replaced(1, row("a", id=5), row("b", None, id=6)),
                          current(row("a"), row("b")))
    assert [k[2] for k in old.only_replaced] == ["b"] and [k[2] for k in old.only_current] == ["b"]


def test_a_replaced_log_without_a_row_of_the_case_is_named_when_todays_has_some():
    """A review's finding: a replaced log that held nothing of the case (or agency) was not reported at all."""
    [old] = replaced_logs([replacement()], [], current(row("a")))
    assert old.rows == [] and [k[2] for k in old.only_current] == ["a"]
    assert replaced_logs([replacement()], [], []) == []   # before the case was referred: nothing to say


def test_every_replaced_log_is_kept_apart_oldest_first():
    logs = replaced_logs([replacement(1), {**replacement(2), "epoch": "e1"}],   # one epoch, two replacements
                         replaced(1, row("a")) + replaced(2, row("a"), row("b")), current(row("a"), row("b")))
    assert [(o.replacement, len(o.rows), len(o.only_current)) for o in logs] == [(1, 1, 1), (2, 2, 0)]


def test_a_stored_row_of_any_shape_is_read_as_it_is():
    """A review's finding: a basis without a kind stopped every audit answer of the case with a KeyError — for
    ever, once in the replaced log, which can never be mended."""
    for basis, cause in (({}, None), (None, "x"), ({"kind": 3, "consent_ids": "c1", "legal_basis": []}, [7]),
                         ([1], [{"what": 5, "consent_ids": [1]}])):
        stored_basis, stored_cause = stored_change({"basis": basis, "cause": cause})
        hash((stored_basis, stored_cause))   # keys of the comparison: hashable whatever was stored
        assert isinstance(stored_basis.kind, str) and all(isinstance(c.what, str) for c in stored_cause or ())


def shown(fact_id: str, id: int = 1) -> dict:
    """A replaced log's row that shows the fact (its last there: the log left it visible)."""
    return {**row(fact_id, RECORDED_ONLY, id=id), "change": "disclosed"}


RECORDED_ONLY = (Cause("recorded"),)


def rules_end(fact_id: str, id: int = 30, at=AT, notification_id: int = 100) -> dict:
    return {**row(fact_id, RULES_CHANGED, id=id), "at": at, "notification_id": notification_id}


def today(fact_id: str, change: str = "ended", notification_id: int = 10, id: int = 3) -> dict:
    """A row of today's log (cause: its recording, or the withdrawal for an end), at ``notification_id``."""
    return {**row(fact_id, RECORDED_ONLY if change != "ended" else WITHDRAWN, id=id), "change": change,
            "notification_id": notification_id}


def logs(*rows: dict, number: int = 1, up_to: int = 100) -> list[ReplacedLog]:
    """One replaced log of these rows, numbered ``number``, as ``compare`` takes the replaced logs."""
    return replaced_logs([replacement(number, up_to=up_to)], replaced(number, *rows), [])


def check(stored: list[dict], replayed: list, replaced_logs_: list[ReplacedLog]):
    return compare(stored, replayed, 1, replaced_logs_)


def test_a_rebuilds_end_of_what_the_replaced_log_left_visible_agrees():
    """No event gives it, so the events' log lacks it: it is held to the replaced log instead."""
    agreement = check([rules_end("x")], [], logs(shown("x")))
    assert agreement.agrees and agreement.compared == 1


def test_a_rules_end_no_replaced_log_founds_is_named():
    assert check([rules_end("x")], [], []).only_stored == [row_key(rules_end("x"))]
    assert not check([rules_end("x")], [], logs(shown("x", id=1), row("x", id=2))).agrees   # the old log ended it
    other_basis = {**rules_end("x"), "basis": {"kind": "owner", "consent_ids": [], "legal_basis": None}}
    assert not check([other_basis], [], logs(shown("x"))).agrees


def test_a_forged_or_back_dated_rules_end_is_named():
    """A review's findings: an end forged for a fact today's log shows (the first row by id, so it looked as if
    written before it), and an end moved to long before the rebuild, both passed."""
    shows = today("x", "disclosed", notification_id=10, id=5)
    assert not check([shows, rules_end("x", id=1)], [], logs(shown("x"))).agrees
    assert not check([rules_end("x", at=AT.replace(year=2025))], [], logs(shown("x"))).agrees   # before the row
    assert not check([rules_end("x", notification_id=1)], [], logs(shown("x"))).agrees   # before the log's end


def test_a_missing_rules_end_is_named_at_the_replacements_time():
    agreement = check([], [], logs(shown("x")))
    assert agreement.only_replayed == [(AT, "skola", "x", "contribution", "school", "ended", BASIS, RULES_CHANGED)]
    shows = today("x", "disclosed")
    assert check([shows], [], logs(shown("x"))).only_replayed == []   # today's log shows it: no end is due
    later = [today("x", "disclosed", notification_id=150), today("x", notification_id=160, id=4)]
    assert check(later, [], logs(shown("x"))).only_replayed == []   # shown after: maybe in view when it was due


def test_an_end_today_repeats_from_the_old_log_does_not_stand_for_the_rules_end():
    """A red team's finding: the old log ended the fact, then showed it again under a consent today's rules do not
    honour; today's log ends it at the same moment as the old one did, with the same event id, which a consumer
    deduplicating by id skips.  So the rules' end is still due, and founded."""
    old = logs(shown("x", id=1), row("x", id=2), shown("x", id=3))
    ends = [today("x", "disclosed", notification_id=5, id=6), today("x", notification_id=9, id=7)]
    assert check(ends, [], old).only_replayed == [
        (AT, "skola", "x", "contribution", "school", "ended", BASIS, RULES_CHANGED)]
    assert [k for k in check(ends + [rules_end("x", id=9)], [], old).only_stored if k[-1] == RULES_CHANGED] == []


def test_an_end_written_in_a_numbering_before_is_written_again_as_it_was():
    """A review's finding: a second rebuild dropped the first one's end from the new numbering, so a consumer that
    had not read it yet never would.  It is written again, with its time and position (and id)."""
    first = logs(shown("x"), number=1) + logs(rules_end("x", id=5, notification_id=120), number=2, up_to=120)
    assert check([rules_end("x", id=2, notification_id=120)], [], first).agrees
    assert not check([rules_end("x", id=2, notification_id=130)], [], first).agrees   # not as it was
    assert check([], [], first).only_replayed != []   # and it is due


def test_a_rebuild_made_again_before_the_ends_were_written_ends_what_the_log_before_both_left_visible():
    """The first rebuild's ends never came (a crash); a second rebuild replaced a log that held nothing of the fact:
    the end the second writes is founded by the first replaced log."""
    both = logs(shown("x")) + logs(row("y", id=5), number=2)
    assert check([rules_end("x")], [], both).agrees
    assert not check([rules_end("y")], [], both).agrees   # the newer log ended y itself


def test_a_rules_end_is_no_difference_between_a_replaced_log_and_todays():
    """The difference is the disclosure today's rules do not make; the end that followed it is no rules' judgement."""
    disclosure = (AT, "skola", "x", "contribution", "school", "disclosed", BASIS, RECORDED_ONLY)
    [old] = replaced_logs([replacement(up_to=100)], replaced(1, shown("x")), current(rules_end("x"),
                                                                                       notification_id=100))
    assert old.only_current == [] and old.only_replaced == [disclosure]
    [older] = replaced_logs([replacement()], replaced(1, shown("x"), rules_end("x", id=2)), current())
    assert older.only_current == [] and older.only_replaced == [disclosure]


def test_an_erasure_row_in_a_live_cases_log_is_only_in_the_stored_log():
    """A red team slipped a `change='erased'` row into a live case's log (which the feeds carry as "erase this
    case"): every erasure row was dropped before comparing, so the log still agreed."""
    erasure = {**row("case.erased", None, kind="case.erased", id=11), "change": "erased"}
    agreement = compare([row("a"), erasure], [change("a")], 1)
    assert not agreement.agrees and [k[5] for k in agreement.only_stored] == ["erased"]
    assert compare([row("a"), erasure], [change("a")], 1, key_destroyed=True).agrees   # the key is gone: its marker


def sharing(*fact_ids: str) -> list[dict]:
    """Rows as the log's read hands them (``gateways.json_once``): one basis and one cause object for them all."""
    first = row(fact_ids[0], id=1)
    return [{**row(f, id=n), "basis": first["basis"], "cause": first["cause"]} for n, f in enumerate(fact_ids, 1)]


def test_a_comparison_reads_each_distinct_basis_and_cause_once(monkeypatch):
    """Each row's basis and cause was read again every time its key was made (twice or more a row): most of the
    auditors' disclosures answer at a thousand follow-ups (bench/HISTORY.md).  Counted by the bases made."""
    made = []
    monkeypatch.setattr(stored_log, "Basis", lambda *a: made.append(a) or Basis(*a))
    rows = sharing(*"abcdefgh")
    assert compare(rows, [change(f) for f in "abcdefgh"], 1, replaced_logs([replacement()], [], rows)).agrees
    assert len(made) == 2   # replaced_logs' and compare's: one each, not one per row and per use
    own = [copy.deepcopy(r) for r in rows]   # objects of their own: each read once
    made.clear()
    assert compare(own, [change(f) for f in "abcdefgh"], 1).agrees and len(made) == len(own)
    made.clear()
    assert [stored_change(r) for r in rows] == [(BASIS, WITHDRAWN)] * 8 and len(made) == 8   # outside one: each


def test_a_tampered_row_among_rows_sharing_their_values_is_found_as_among_rows_of_their_own():
    """An altered basis, time and cause, a row added and one removed: each found, and the same findings as from
    rows whose every basis and cause is an object of its own."""
    rows = sharing(*"abcdef")
    replayed = [change(f) for f in "abcdef"]
    law = {"kind": "law", "consent_ids": ["c1"], "legal_basis": None}
    rows[0] = {**rows[0], "basis": law}
    rows[1] = {**rows[1], "at": AT + timedelta(seconds=1)}
    rows[2] = {**rows[2], "cause": [{"what": "turns_18", "consent_ids": ["c1"]}]}
    rows[4] = {**rows[3], "id": 99}   # d twice, e not at all
    agreement = compare(rows, replayed, 1)
    key = {f: row_key(row(f)) for f in "abcde"}
    assert agreement.only_stored == sorted([(*key["a"][:6], Basis("law", ("c1",)), WITHDRAWN),
                                            (AT + timedelta(seconds=1), *key["b"][1:]),
                                            (*key["c"][:7], (Cause("turns_18", ("c1",)),)), key["d"]])
    assert agreement.only_replayed == sorted([key["a"], key["b"], key["c"], key["e"]])
    assert compare(copy.deepcopy(rows), replayed, 1) == agreement


def test_a_row_changed_between_two_comparisons_is_read_again():
    """What a comparison read of a row is not kept past it: the same objects, changed since, are read afresh."""
    rows = sharing("a", "b")
    assert compare(rows, [change("a"), change("b")], 1).agrees
    rows[0]["basis"]["kind"] = "law"   # both rows' (one object)
    assert len(compare(rows, [change("a"), change("b")], 1).only_stored) == 2
