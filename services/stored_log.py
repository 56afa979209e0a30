"""The stored disclosure log beside the one the events give: does what was recorded (and sent to the agencies'
feeds) say what the disclosure rules say of the case's history?

The views write the log as they judge each event; the rules can replay it from the events alone
(``CaseApplication.disclosures``).  The two are the same by construction — the same engine makes both —
so a difference means the views were built under other rules, from another history (a rebuild is due), or
something wrote the table that should not have.  Compared as multisets of (time, agency, fact, change,
basis, cause): the order within one batch is the writer's, not a rule's.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from domain.disclosure import RULES_CHANGED, RULES_VERSION, Cause, VisibilityChange
from domain.judge import Basis
from services.ports import MIXED_CATALOGUES

Key = tuple


@dataclass(frozen=True)
class Agreement:
    compared: int                  # stored rows compared
    only_stored: list[Key]         # in the table, not in the events' log
    only_replayed: list[Key]       # in the events' log, not in the table
    without_cause: int             # stored rows written before causes were (compared without theirs)

    @property
    def agrees(self) -> bool:
        return not self.only_stored and not self.only_replayed


# While a comparison runs (``read_once``): each stored basis and cause read once, by the identity of its JSON
# objects — the log's read hands back one object for every row that holds the same value (``gateways.json_once``),
# so a log of thousands of rows holds a handful.  The objects are kept with what was read of them, so no other
# object can take their identity while the memo lives; rows built otherwise (one object each) are read once each.
_read: ContextVar[dict[tuple[int, int], tuple[Any, Any, tuple[Basis, tuple[Cause, ...] | None]]] | None] = \
    ContextVar("stored_log_read", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within it, ``stored_change`` reads each distinct basis and cause object once (a scope inside another is the
    outer one's).  Only for reads that change no row while it lasts."""
    token = _read.set({}) if _read.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _read.reset(token)


def stored_change(row: Mapping[str, Any]) -> tuple[Basis, tuple[Cause, ...] | None]:
    """A stored row's basis and cause (None: written before causes were stored).  Read whatever shape the JSON has:
    a row no rule could give (altered, say) is shown and compared as it is, never refused — and the replaced logs
    can never be mended.  Once per distinct basis and cause object within ``read_once``."""
    memo = _read.get()
    if memo is None:
        return _stored_change(row["basis"], row.get("cause"))
    basis, cause = row["basis"], row.get("cause")
    known = memo.get((id(basis), id(cause)))
    if known is None or known[0] is not basis or known[1] is not cause:
        known = memo[id(basis), id(cause)] = (basis, cause, _stored_change(basis, cause))
    return known[2]


def _stored_change(stored_basis: Any, stored: Any) -> tuple[Basis, tuple[Cause, ...] | None]:
    b = stored_basis if isinstance(stored_basis, dict) else {"kind": f"ogiltig: {_short(stored_basis)}"}
    basis = Basis(_text(b.get("kind"), "saknas"), _ids(b.get("consent_ids")), _text(b.get("legal_basis"), None))
    if stored is None:
        return basis, None
    if not isinstance(stored, list):
        return basis, (Cause(f"ogiltig: {_short(stored)}"),)
    return basis, tuple(
        Cause(_text(c.get("what"), "saknas"), _ids(c.get("consent_ids")), _text(c.get("agency"), None))
        if isinstance(c, dict) else Cause(f"ogiltig: {_short(c)}") for c in stored)


def _text(value: Any, missing: str | None) -> str | None:
    return missing if value is None else value if isinstance(value, str) else f"ogiltig: {_short(value)}"


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(v if isinstance(v, str) else _short(v) for v in value) if isinstance(value, list) else ()


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:60]


# Causes are stored since 2026-12-03 (rules version 3 then); the rules' version 4 came the same evening.  A log built
# under version 4 or later was written whole by code that stores every cause (a change of version rebuilds it from
# the first event), and so was any log built after one that held a cause (the rebuild that replaced it).
CAUSES_STORED_UNDER = 4


def causes_required_from(first_with_cause: int | None, rules_version: int | None,
                         replacements: Iterable[Mapping[str, Any]]) -> int | None:
    """The id from which every row of today's log must have its cause (``compare``'s ``caused_from``): all of them
    (0) when the log was built under rules that store causes (``rules_version``, the views' own) or after a log
    that held one was replaced (``replacements``, append-only: each with its ``rules_version`` and ``caused_from``);
    else the first row stored with a cause, as before.  Blanking every cause of the log left no such row, and the
    causes were no longer compared at all (a red team, 2026-12-06)."""
    if (rules_version or 1) >= CAUSES_STORED_UNDER or any(
            r["caused_from"] is not None or (r["rules_version"] or 1) >= CAUSES_STORED_UNDER for r in replacements):
        return 0
    return first_with_cause


@read_once()   # its rows' bases and causes read once each (``stored_change``)
def compare(stored: Iterable[Mapping[str, Any]], replayed: Iterable[VisibilityChange],
            caused_from: int | None, replaced: Sequence[ReplacedLog] = (), *, key_destroyed: bool = False) -> Agreement:
    """The stored rows against the log replayed from the events.  Erasure rows are left out only when the case's
    key is destroyed (``key_destroyed``); a live case's is counted as only in the stored log — the feeds carry it
    as "erase this case", and no event gives it (a red team slipped one in unnoticed).  Only a live case's log is
    compared (an erased case's no longer replays), hence the default.

    Keys: (time, agency, fact, kind, category, change, basis, cause).  A row without a cause is compared without
    it only if written before ``caused_from`` (``causes_required_from``): the first row of the *whole* log stored
    with a cause, or 0 for a log written whole with causes — rows from before causes were stored (a rebuild writes
    them all with theirs); a row without one after it had its cause blanked since (or was written by an older
    version during an upgrade), and is reported.  The boundary is the table's and the rules version's, not the
    case's, so blanking all of a case's causes, one agency's, or the whole log's cannot pass.

    The ends a rebuild wrote for what the logs it replaced left visible (cause ``rules_changed``) no event gives:
    they are held to the replaced logs (``replaced``, oldest first) instead (``rules_ends``)."""
    rows = [r for r in stored if not key_destroyed or r["change"] != "erased"]
    events = [(c.at, c.agency, c.fact.fact_id, c.fact.kind, c.fact.category, c.change, c.basis, c.cause)
              for c in replayed]
    unfounded, missing = rules_ends(rows, replaced)
    only_stored, only_replayed, bare = _differences([r for r in rows if not _rules_end(r)], events, caused_from)
    return Agreement(len(rows), sorted(only_stored + unfounded, key=_order), sorted(only_replayed + missing,
                                                                                  key=_order), bare)


def rules_ends(rows: list[Mapping[str, Any]], replaced: Sequence[ReplacedLog]) -> tuple[list[Key], list[Key]]:
    """The stored ``rules_changed`` ends no replaced log founds, and those missing (``gateways.build_finish``).

    A fact's founding row is its last in the newest replaced log (``replaced``, oldest first) that holds it.  An end
    is founded when that row shows the fact — the end with its kind, category and basis, not before that row, past
    the position the log had reached, and today's log not showing the fact just before it — or is such an
    end itself, written again as it was (its time and position).  One is missing when the founding row shows or
    ends the fact so, and today's log neither holds an end of it nor showed it by the furthest position the replaced
    logs had reached (a fact shown after that may have been in view when the end was due).  A missing one is keyed
    at the time the newest log was replaced."""
    founding: dict[tuple[str, str], tuple[Mapping[str, Any], ReplacedLog]] = {}
    for log in replaced:
        founding.update({(r["agency"], r["fact_id"]): (r, log) for r in log.rows})
    reached = max((log.up_to for log in replaced), default=0)
    showing: dict[tuple[str, str], bool] = {}   # does today's log show it, as far as read (by position)
    by_reached: dict[tuple[str, str], bool] = {}   # ... by the position ``reached``
    later: set[tuple[str, str]] = set()          # today's log holds a row of it past ``reached``
    ended: set[tuple[str, str]] = set()
    unfounded = []
    for r in sorted(rows, key=lambda r: (r["notification_id"], r["id"])):
        fact, key = (r["agency"], r["fact_id"]), row_key(r)
        if _rules_end(r):
            if fact in ended or not _founded(r, key, founding.get(fact), showing.get(fact, False)):
                unfounded.append(key)
            ended.add(fact)
            continue
        showing[fact] = key[5] in VISIBLE
        if r["notification_id"] <= reached:
            by_reached[fact] = showing[fact]
        else:
            later.add(fact)
    newest = replaced[-1].replaced_at if replaced else None
    missing = []
    for fact, (row, _) in founding.items():
        key = row_key(row)
        if (key[5] in VISIBLE or _rules_end(row)) and fact not in ended | later and not by_reached.get(fact):
            missing.append((newest, *key[1:5], "ended", key[6], RULES_CHANGED))
    return unfounded, missing


def _founded(end: Mapping[str, Any], key: Key, founding: tuple[Mapping[str, Any], ReplacedLog] | None,
             shown_before: bool) -> bool:
    if founding is None:
        return False
    row, log = founding
    was = row_key(row)
    if key[3:7] != (*was[3:5], "ended", was[6]):
        return False
    if _rules_end(row):   # written again, as it was
        return end["at"] == row["at"] and end["notification_id"] == row["notification_id"]
    # Past the position the log had reached, and not before the row it ends (the time is the writer's clock, which
    # need not agree with the database's that dated the replacement).
    return (was[5] in VISIBLE and end["notification_id"] >= log.up_to and end["at"] >= row["at"]
            and not shown_before)


VISIBLE = ("disclosed", "basis_changed")   # a fact whose last change is one of these is visible


def _rules_end(row: Mapping[str, Any]) -> bool:
    return row["change"] == "ended" and stored_change(row)[1] == RULES_CHANGED


@dataclass(frozen=True)
class ReplacedLog:
    """A disclosure log a rebuild replaced (``gateways.replaced_log``), as far as one case (and agency) goes, beside
    the current log over the same events: what the feeds carried then that today's log does not say, and back."""

    replacement: int
    epoch: str
    rules_version: int | None      # the rules it was built under (None: before versions were recorded)
    replaced_at: Any
    up_to: int                     # the position it had reached: it is complete up to this notification
    rows: list[Mapping[str, Any]]
    only_replaced: list[Key]       # its rows the current log does not hold
    only_current: list[Key]        # rows of the current log, up to the same notification, it did not hold
    # Built under today's rules (``RULES_VERSION``) and catalogue: then its rows are what the events give up to
    # ``up_to``, and its rebuild's ends what the logs before it found (``rules_ends``) — held to them as today's log
    # is.  A log the application's role had first added rows to was kept with them by a rebuild, and "carried" them
    # (a red team).
    held: bool = False
    unfounded: list[Key] = field(default_factory=list)   # its ``rules_changed`` ends the logs before it do not found
    # The digest of the agency catalogue it was built under (``Catalogue.digest``; ``MIXED_CATALOGUES``: more than
    # one; None: not recorded, replaced before 2026-12-06), and whether that is another than today's: the catalogue
    # decides the log's rows too (which agencies, categories, legal bases), so such a log is not held, as one under
    # other rules.
    catalogue: str | None = None
    other_catalogue: bool = False

    @property
    def not_given(self) -> list[Key]:
        """Its rows the events do not give under today's rules (none said of a log built under other rules or
        another catalogue: it cannot be held to them)."""
        return sorted(self.only_replaced + self.unfounded, key=_order) if self.held else []


@read_once()   # its rows' bases and causes read once each (``stored_change``)
def replaced_logs(replacements: Iterable[Mapping[str, Any]], replaced: Iterable[Mapping[str, Any]],
                  current: Iterable[Mapping[str, Any]], catalogue: str | None = None) -> list[ReplacedLog]:
    """Each replacement of the log (``replacements``, oldest first) as far as one case goes: its rows of the case
    (``replaced``, each with its ``replacement``) beside the current log's rows of the case over the same events —
    up to the notification the replaced log had reached, and erasures made before it was replaced.  Keys as
    ``compare``'s, erasure rows compared too (a rebuild drops an erased case's log: that is a difference).  A
    replaced row without a cause is matched without one only if written before that log's first row with a cause
    (from before causes were stored), as ``compare`` does.  A replacement with no rows of the case and no difference
    (made before the case was referred, say) is left out; one with none of its rows but rows of today's is not.
    One built under today's rules and catalogue (``catalogue``, today's digest; None: not compared) is ``held``: its
    ``rules_changed`` ends are held to the logs before it, as ``compare`` holds today's to them all (``unfounded``).
    One whose catalogue was not recorded (replaced before it was) is taken to be built under today's, as before."""
    current = list(current)
    rows_of: dict[int, list[Mapping[str, Any]]] = {}
    for row in replaced:
        rows_of.setdefault(row["replacement"], []).append(row)
    kept = []
    for r in replacements:
        rows = rows_of.get(r["replacement"], [])
        # A rebuild's ends of what an earlier log left visible are no rules' judgement of the events: compared on
        # neither side (``compare`` holds today's to the replaced logs: ``rules_ends``).
        today = [c for c in current if c["notification_id"] <= r["up_to"] and not _rules_end(c)
                 and (c["change"] != "erased" or c["at"] <= r["replaced_at"])]
        only_replaced, only_current, _ = _differences([x for x in rows if not _rules_end(x)], map(row_key, today),
                                                      r["caused_from"])
        built_under = r.get("catalogue")
        other_catalogue = None not in (catalogue, built_under) and built_under != catalogue
        held = r["rules_version"] == RULES_VERSION and not other_catalogue
        unfounded = rules_ends(rows, kept)[0] if held else []
        if rows or only_current:
            kept.append(ReplacedLog(r["replacement"], r["epoch"], r["rules_version"], r["replaced_at"], r["up_to"],
                                    rows, only_replaced, only_current, held, unfounded, built_under, other_catalogue))
    return kept


def not_given(agreement: Agreement | None, replaced: Sequence[ReplacedLog]) -> list[ReplacedLog]:
    """The replaced logs holding rows the events do not give under today's rules (``ReplacedLog.not_given``): a
    finding, as today's log's own difference is.  Only where today's log agrees with the events — the replaced
    logs are compared with it; where it does not, that is the finding (and None: not held at all)."""
    if agreement is None or not agreement.agrees:
        return []
    return [log for log in replaced if log.not_given]


def standing(log: ReplacedLog, agreement: Agreement | None) -> str:
    """Whether a replaced log could be held to the events, and what that found — the report's and the web's words
    for it are theirs: "other_rules" (built under other rules: it cannot be), "other_catalogue" (under today's rules
    but another agency catalogue: nor can it), "mixed_catalogue" (under today's rules, written under more than one
    catalogue — some rows perhaps under today's: nor can it), "unread" (the case's events are not read), "later"
    (today's log disagrees: held once it agrees), "agrees", or "not_given" (rows the events do not give:
    ``ReplacedLog.not_given``).
    """
    if not log.held:
        if log.rules_version != RULES_VERSION or not log.other_catalogue:
            return "other_rules"
        return "mixed_catalogue" if log.catalogue == MIXED_CATALOGUES else "other_catalogue"
    if agreement is None:
        return "unread"
    if not agreement.agrees:
        return "later"
    return "not_given" if log.not_given else "agrees"


def rows_not_given(agreement: Agreement | None, replaced: Sequence[ReplacedLog]) -> int:
    """How many rows the replaced logs held to the events hold that the events do not give (``not_given``): the
    report's, the web's and `views log`'s finding."""
    return sum(len(log.not_given) for log in not_given(agreement, replaced))


def row_key(r: Mapping[str, Any]) -> Key:
    """A stored row as compared: (time, agency, fact, kind, category, change, basis, cause — None if not stored)."""
    basis, cause = stored_change(r)
    return (r["at"], r["agency"], r["fact_id"], r["kind"], r["category"], r["change"], basis, cause)


def _differences(earlier: list[Mapping[str, Any]], later: Iterable[Key],
                 caused_from: int | None) -> tuple[list[Key], list[Key], int]:
    """Stored rows (``earlier``) against keys (``later``, each with its cause), as multisets: the keys only in the
    rows, only in ``later``, and how many rows were compared without their cause.  A row without a cause matches a
    key with any cause only if it lies before ``caused_from`` (the first row stored with a cause): a row from
    before causes were stored.  One without a cause after that had it blanked, and matches nothing."""
    then: Counter = Counter()
    bare: list[Key] = []
    for r in earlier:
        key = row_key(r)
        if key[-1] is None and r["change"] != "erased" and (caused_from is None or r["id"] < caused_from):
            bare.append(key)
        else:
            then[key] += 1
    now = Counter(later)
    unmatched_now, only_then = now - then, list((then - now).elements())
    left = Counter(k[:-1] for k in unmatched_now.elements())
    for k in bare:
        if left[k[:-1]] > 0:
            left[k[:-1]] -= 1
        else:
            only_then.append(k)
    only_now = []
    for k in unmatched_now.elements():
        if left[k[:-1]] > 0:
            left[k[:-1]] -= 1
            only_now.append(k)
    return sorted(only_then, key=_order), sorted(only_now, key=_order), len(bare)


def _order(k: Key) -> tuple:
    return (k[0], k[1], k[2], k[5])   # time, agency, fact, change
