"""Everything a table of follow-up statistics shows, read at once as a reader knowing the domain's rules would
(``_Reader``), and ``deidentify``: while a hidden count can still be worked out exactly, one more cell is hidden (a
fixpoint over all breakdowns), then each extra cell that turns out not to be needed is shown again.

The counts come from ``domain.statistics`` (``tabulate``); what a single breakdown may show, from
``domain.suppression``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from domain.suppression import HIDDEN, SMALL, SMALLEST_SHOWN, Cell, Hide, RawStatistics, publish

def deidentify(raw: RawStatistics) -> dict[str, Any]:
    """What may leave: suppressed counts, and medians over 5 cases or more.  How many cases a median is over is not
    shown: it is a sum of cells (the decided cases: accepted and declined) that would give a suppressed one back.

    Each breakdown is suppressed on its own first (``suppress``, with the bounds other breakdowns set on its cells).
    Then the whole is read as a reader would (``_Reader``: every total, cell shown, "<5", "..", the domain's rules
    between breakdowns and which medians are shown), and while a hidden count can still be worked out exactly, one
    more cell is hidden (``_more_to_hide``) — in its own breakdown while it shows a count, else a cell elsewhere that
    bounds it, the smallest that helps — until none can (a fixpoint over all breakdowns: hiding one may pin
    another).  Last, each of those extra cells is shown again if nothing can be worked out without it."""
    hide: list[Hide] = []
    published = publish(raw, hide)
    while (pinned := _Reader(raw, published).first_pinned()) is not None:
        more = _more_to_hide(raw, published, hide, pinned)
        if more is None:   # nothing tied to it left to hide (not met in any population tried): fail closed, the
            # total alone, as secrecy goes first
            return publish(raw, [*((b.key, None) for b in raw.breakdowns), *(("medians", n) for n in raw.days)])
        hide.append(more)
        published = publish(raw, hide)
    for entry in list(reversed(hide)):   # the fewest: an extra cell a later one made needless is shown again
        fewer = [h for h in hide if h != entry]
        trial = publish(raw, fewer)
        if _Reader(raw, trial).first_pinned() is None:
            hide, published = fewer, trial
    return published



# -- What a reader can work out from everything shown at once ------------------------------------------------------

Ref = tuple[str, str] | str   # a cell (breakdown, cell), or a count no breakdown shows as a cell (a total, "groups")

# The domain's rules between breakdowns, as sum(smaller) <= sum(larger): "inte aktuell" closes only a case found not
# eligible; "målen är nådda" only one with an action plan; a plan has at least one row; LUL 6 § and SoL 14 kap.
# concern someone under 18; an agency is a member only of a group, and a group is formed only for an accepted case.
# "*": each cell of that breakdown.
_AT_MOST: tuple[tuple[tuple[Ref, ...], tuple[Ref, ...]], ...] = (
    ((("closure_reason", "not_eligible"),), (("eligibility", "declined"),)),
    ((("closure_reason", "goals_met"),), (("action_plan", "with_plan"),)),
    ((("action_plan", "with_plan"),), ("plan_rows",)),
    ((("entry_route", "lul6"), ("entry_route", "sol14")), (("age_at_referral", "under_15"),
                                                           ("age_at_referral", "15_17"))),
    ((("member_agencies", "*"),), ("groups",)),
    (("groups",), (("eligibility", "accepted"),)),
    # Outside the target group is under 15 or over 25 on the decision's day, so under 15 or 21 and over at referral
    # (``statistics.figures_of``): 8 outside beside two "<5" there made both 4 (a red team, 2026-12-05).
    ((("target_group", "outside"),), (("age_at_referral", "under_15"), ("age_at_referral", "21_over"))),
)
# A median is shown over 5 cases or more, so whether it is shown says whether these add up to 5 or more.
_MEDIAN_OVER: dict[str, tuple[Ref, ...]] = {
    "referral_to_decision": (("eligibility", "accepted"), ("eligibility", "declined")),
    "referral_to_group": ("groups",),
    "referral_to_first_plan": (("action_plan", "with_plan"),),
    "meetings_per_accepted_case": (("eligibility", "accepted"),),
    "decision_to_first_plan": (("action_plan", "with_plan"),),
    "agencies_per_group": ("groups",),
    "referral_to_closure": ("closed_cases",),
}
# Counts no table shows that a reader gets by subtracting a cell from one that holds it: the girls (the boys) not
# found aktuell — declined, or not decided yet — are the girls referred less the girls found aktuell.  The cases by
# sex and the aktuella by sex are two columns of a cross-table of sex by decision, and its third column is there
# by subtraction (20 girls, 19 of them aktuella: 1 girl not aktuell), so such a count from 1 to 4 is protected as
# a "<5" is: it must not be worked out exactly.  name -> (the whole, the part of it).
_UNSHOWN: dict[str, tuple[Ref, Ref]] = {
    f"sex.{sex}.not_accepted": (("sex", sex), ("accepted_by_sex", sex)) for sex in ("girls", "boys")}
_SEARCH_BUDGET = 400   # nodes per search; a search that runs out counts the cell as worked out (hide more)


class _Reader:
    """Everything shown, as integer unknowns with ranges (a count shown: itself; "<5": 1–4; "..": 5 or more beside
    cells shown, 1 or more among counts without a total, anything where every cell is "..") and the linear rules a
    reader knows: each breakdown adds up to its total, ``_AT_MOST``, ``_MEDIAN_OVER``, and the counts shown nowhere
    that a difference of two cells gives (``_UNSHOWN``).  A rule the true counts
    break (data the domain's rules did not make) is left out: a reader relying on it would be wrong.  A hidden count
    is worked out when every population agreeing with all of it has the same count there (``first_pinned``)."""

    def __init__(self, raw: RawStatistics, published: Mapping[str, Any]) -> None:
        self.index: dict[Ref, int] = {}
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.truth: list[int] = []
        self.hidden: list[int] = []              # the counts not shown, 0 excluded (a 0 tells of no case)
        self.constraints: list[tuple[tuple[tuple[int, int], ...], int]] = []   # sum(coef * var) <= bound
        self.home: dict[int, str] = {}           # a cell's breakdown
        cases = self._count("cases", raw.cases, published["cases"], raw.cases)
        linked = {ref[0] for side in _AT_MOST for refs in side for ref in refs if isinstance(ref, tuple)}
        for b in raw.breakdowns:
            shown_b = published["breakdowns"][b.key]
            if b.parts_of is None and b.key not in linked:
                continue   # counted apart, bound by nothing
            if b.within is not None:
                total: int | None = self.index.get(b.within)
            elif b.parts_of is not None:
                total = self._count(b.total_name or f"{b.key}.total", b.parts_of, shown_b["total"], b.parts_of)
            else:
                total = None
            cap = self.hi[cases] if total is None else self.hi[total]
            every = all(value == HIDDEN for value in shown_b["cells"].values())
            for cell, count in b.cells.items():
                var = self._count((b.key, cell), count, shown_b["cells"][cell], cap,
                                  at_least=0 if every else 1 if total is None else SMALLEST_SHOWN)
                self.home[var] = b.key
            if total is not None:
                self._rule([(self.index[(b.key, cell)], 1) for cell in b.cells] + [(total, -1)], 0)
                self._rule([(self.index[(b.key, cell)], -1) for cell in b.cells] + [(total, 1)], 0)
        self._count("groups", len(raw.days.get("agencies_per_group", ())), HIDDEN, self.hi[cases], at_least=0)
        for name, (whole, part) in _UNSHOWN.items():
            self._difference(name, whole, part, self.hi[cases])
        for smaller, larger in _AT_MOST:
            for left in self._each(smaller):
                right = self._refs(larger)
                if left is not None and right is not None:
                    self._rule([(v, 1) for v in left] + [(v, -1) for v in right], 0)
        for name, over in _MEDIAN_OVER.items():
            refs = self._refs(over)
            if name in raw.days and refs is not None:
                if published["medians"].get(name) is None:
                    self._rule([(v, 1) for v in refs], SMALLEST_SHOWN - 1)
                else:
                    self._rule([(v, -1) for v in refs], -SMALLEST_SHOWN)
        self.watch: list[list[int]] = [[] for _ in self.lo]
        for n, (terms, _) in enumerate(self.constraints):
            for var, _ in terms:
                self.watch[var].append(n)

    def _count(self, ref: Ref, truth: int, cell: Cell | None, cap: int, *, at_least: int = SMALLEST_SHOWN) -> int:
        if ref in self.index:
            return self.index[ref]
        if isinstance(cell, int):
            lo = hi = cell
        elif cell == SMALL:
            lo, hi = 1, SMALLEST_SHOWN - 1
        else:
            lo, hi = at_least, max(cap, at_least)
        self.index[ref] = var = len(self.lo)
        self.lo.append(min(lo, truth))    # never narrower than the truth: a reading the data break is no reading
        self.hi.append(max(hi, truth))
        self.truth.append(truth)
        if isinstance(cell, str) and truth > 0 and ref != "groups":
            self.hidden.append(var)
        return var

    def _difference(self, name: str, whole: Ref, part: Ref, cap: int) -> None:
        """``name`` = ``whole`` - ``part``, a count shown nowhere (``_UNSHOWN``): anything from 0, and hidden — not
        to be worked out exactly — when it is from 1 to 4, as a "<5" would be."""
        if whole not in self.index or part not in self.index:
            return
        w, p = self.index[whole], self.index[part]
        truth = self.truth[w] - self.truth[p]
        self.index[name] = var = len(self.lo)
        self.lo.append(min(0, truth))
        self.hi.append(max(cap, truth))
        self.truth.append(truth)
        if 0 < truth < SMALLEST_SHOWN:
            self.hidden.append(var)
        self._rule([(var, 1), (p, 1), (w, -1)], 0)
        self._rule([(var, -1), (p, -1), (w, 1)], 0)

    def _refs(self, refs: Iterable[Ref]) -> list[int] | None:
        out = [self.index.get(ref) for ref in refs]
        return None if None in out else [v for v in out if v is not None]

    def _each(self, refs: tuple[Ref, ...]) -> list[list[int] | None]:
        if len(refs) == 1 and isinstance(refs[0], tuple) and refs[0][1] == "*":
            key = refs[0][0]
            return [[var] for ref, var in self.index.items() if isinstance(ref, tuple) and ref[0] == key]
        return [self._refs(refs)]

    def _rule(self, terms: list[tuple[int, int]], bound: int) -> None:
        if sum(coef * self.truth[var] for var, coef in terms) <= bound:
            self.constraints.append((tuple(terms), bound))

    def first_pinned(self) -> int | None:
        """A hidden count every agreeing population has the same value of, or None.  Each population found is a
        witness for every count it differs from the truth in, so most counts need no search of their own."""
        lo, hi = self.lo[:], self.hi[:]
        self._narrow(lo, hi, range(len(self.constraints)))
        free: set[int] = set()
        for var in self.hidden:
            if var in free:
                continue
            found = self._other_than_the_truth(var, lo, hi)
            if found is None:
                return var
            free.update(v for v, value in enumerate(found) if value != self.truth[v])
        return None

    def pins(self, var: int) -> bool:
        return self._other_than_the_truth(var, self.lo, self.hi) is None

    def _other_than_the_truth(self, var: int, lo: list[int], hi: list[int]) -> list[int] | None:
        """A population agreeing with everything shown in which ``var`` is below its true value, else one in which
        it is above; None when there is neither (``var`` is pinned)."""
        for below in (True, False):
            l2, h2 = lo[:], hi[:]
            if below:
                h2[var] = self.truth[var] - 1
            else:
                l2[var] = self.truth[var] + 1
            found = self._solution(l2, h2) if l2[var] <= h2[var] else None
            if found is not None:
                return found
        return None

    def _narrow(self, lo: list[int], hi: list[int], queue: Iterable[int]) -> bool:
        """Bounds propagation: each rule narrows each of its unknowns by the least the others can be."""
        pending = list(queue)
        queued = set(pending)
        while pending:
            n = pending.pop()
            queued.discard(n)
            terms, bound = self.constraints[n]
            least = sum(lo[v] if c > 0 else -hi[v] for v, c in terms)
            if least > bound:
                return False
            for v, c in terms:
                room = bound - least + (lo[v] if c > 0 else -hi[v])   # c * v <= room
                if c > 0 and room < hi[v]:
                    hi[v] = room
                elif c < 0 and -room > lo[v]:
                    lo[v] = -room
                else:
                    continue
                if lo[v] > hi[v]:
                    return False
                for m in self.watch[v]:
                    if m not in queued:
                        queued.add(m)
                        pending.append(m)
        return True

    def _solution(self, lo: list[int], hi: list[int]) -> list[int] | None:
        """A population within these ranges that keeps every rule, by halving ranges (away from the truth first);
        None when there is none, or when the search runs out (counted as none: hide more rather than less)."""
        stack = [(lo, hi)]
        nodes = 0
        while stack and nodes < _SEARCH_BUDGET:
            lo, hi = stack.pop()
            nodes += 1
            if not self._narrow(lo, hi, range(len(self.constraints))):
                continue
            open_ = [v for v in range(len(lo)) if lo[v] < hi[v]]
            if not open_:
                return lo
            var = max(open_, key=lambda v: hi[v] - lo[v])
            middle = (lo[var] + hi[var]) // 2
            low = (lo[:], hi[:])
            low[1][var] = middle
            high = (lo[:], hi[:])
            high[0][var] = middle + 1
            first, second = (high, low) if self.truth[var] <= middle else (low, high)
            stack += [second, first]
        return None


def _more_to_hide(raw: RawStatistics, published: Mapping[str, Any], hide: Sequence[Hide],
                  pinned: int) -> Hide | None:
    """What to hide next when a hidden count can be worked out.  In its own breakdown while it shows a count, the
    smallest (the secondary rule's step); when it shows none, every cell of it.  When every cell of it is hidden
    already, a cell of another breakdown that bounds it through the domain's rules (the closures' "not eligible"
    beside the declined, an agency's count beside the accepted): of those whose hiding leaves it not worked out, the
    one that hides the fewest cells in all (a "<5" in a breakdown with a total is hidden with every cell of it, or
    a ".." beside it could be under 5), then the smallest count; else the smallest.  With no cell left, a median
    over counts tied to it."""
    reader = _Reader(raw, published)
    ref = next(r for r, v in reader.index.items() if v == pinned)
    homes = [reader.home[pinned]] if pinned in reader.home else [
        b.key for b in raw.breakdowns if b.within is None and b.parts_of is not None and b.total_name == ref]
    by_key = {b.key: b for b in raw.breakdowns}
    for key in homes:
        b, cells = by_key[key], published["breakdowns"][key]["cells"]
        if b.parts_of is None or all(value == HIDDEN for value in cells.values()):
            continue
        counts = [(count, n, cell) for n, (cell, count) in enumerate(b.cells.items())
                  if isinstance(cells[cell], int) and count > 0]
        return (key, min(counts)[2]) if counts else (key, None)
    candidates = []
    linked = _linked(reader, pinned)
    for var in linked:
        cell_ref = next(r for r, v in reader.index.items() if v == var)
        if not isinstance(cell_ref, tuple) or cell_ref[0] in homes:
            continue
        b, cell = by_key[cell_ref[0]], published["breakdowns"][cell_ref[0]]["cells"][cell_ref[1]]
        if cell == 0 or cell == HIDDEN:
            continue
        whole = b.parts_of is not None and reader.truth[var] < SMALLEST_SHOWN
        entry: Hide = (b.key, None) if whole else cell_ref
        trial = publish(raw, [*hide, entry])
        after = _Reader(raw, trial)
        helps = ref in after.index and not after.pins(after.index[ref])
        candidates.append((not helps, _hidden_cells(trial), reader.truth[var], len(candidates), entry))
    if candidates:
        return min(candidates)[-1]
    # No cell left to hide: a median that says its cases are 5 or more (5 plan rows beside "at least 5 with a plan").
    near = {pinned, *linked}
    medians = [("medians", name) for name, over in _MEDIAN_OVER.items() if published["medians"].get(name) is not None
               and near.intersection(reader.index.get(ref, -1) for ref in over)]
    return medians[0] if medians else None


def _hidden_cells(published: Mapping[str, Any]) -> int:
    return sum(1 for b in published["breakdowns"].values() for value in b["cells"].values() if value == HIDDEN)


def _linked(reader: _Reader, start: int) -> list[int]:
    """The unknowns a rule ties to ``start``, through others of its breakdown and through counts shown nowhere
    ("groups"), nearest first."""
    order, seen, frontier = [], {start}, [start]
    while frontier:
        nxt = []
        for var in frontier:
            for n in reader.watch[var]:
                for other, _ in reader.constraints[n][0]:
                    if other not in seen:
                        seen.add(other)
                        order.append(other)
                        if reader.lo[other] < reader.hi[other]:   # a count shown ties nothing further
                            nxt.append(other)
        frontier = nxt
    return order
