"""The action plan as the pages show it, from what the user may see: each revision the reader sees, numbered as it
counts them, with its difference from the one before; and the rows a user may follow up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from domain.catalogue import Catalogue
from domain.facts import fact_order
from domain.judge import Disclosure
from domain.row_reach import UnseenRow, responsible_who_cannot_see
from services.basis_text import basis_ids
from services.web import consent_views, texts
from services.web.views import facts_seen, own_basis, young_person_label
from services.wording import agency_name


@dataclass
class Revision:
    number: int
    recorded_at: datetime
    main_goal: str | None
    rows: list[dict[str, Any]]
    changes: list[tuple[str, dict[str, Any], list[str]]] = field(default_factory=list)  # (kind, row, fields)
    # A row moved to another category: the one it had in the revision before, by row id (its "fields" say category).
    categories_before: dict[str, str] = field(default_factory=dict)
    goal_changed: bool = False
    # Who drew it up, from its goal (None: the reader does not see the goal).  ``young_person`` None: not recorded.
    participation: Participation | None = None
    # Why the reader sees the goal and each row (by row id): the disclosures' bases, told by ``told_bases``.
    goal_basis: Any = None
    row_bases: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Told:
    """A basis as the reader's pages say it, with its consent ids for an auditor's precision ("" for others)."""

    basis: str
    basis_ids: str = ""


@dataclass(frozen=True)
class ToldBases:
    """Why the reader sees a revision's main goal (None: it does not) and each of its rows, by row id: apart, so
    that no row id can stand for the goal."""

    goal: Told | None = None
    rows: dict[str, Told] = field(default_factory=dict)


@dataclass(frozen=True)
class Participation:
    young_person: bool | None
    guardians: tuple[str, ...]   # names the reader may see, then those it may not counted ("2 vårdnadshavare")
    reason: str | None


# The category last: the history names both ("Kategori: från Hälsa till Skola"), after the fields it names alone.  It
# decides who may see the row, so social services must read its change (it read "Inga ändringar ni kan se."); a
# member reads it only of a row it sees in both revisions, so of two categories it sees — a row moved to or from
# one it may not see comes into its view or leaves it, and no category is named.
ROW_FIELDS = ("area", "goal", "how", "responsible", "responsible_agencies", "follow_up", "category")


def revisions(disclosures: Sequence[Disclosure]) -> list[Revision]:
    """Each revision the reader may see, newest first, with its difference from the one before."""
    by_number: dict[int, Revision] = {}
    names = guardian_names(disclosures)
    for d in sorted((d for d in disclosures if d.fact.kind in ("plan.goal", "plan.row")),
                    key=lambda d: fact_order(d.fact)):
        f = d.fact
        n = f.content["revision"]
        revision = by_number.setdefault(n, Revision(n, f.recorded_at, None, []))
        if f.kind == "plan.goal":
            revision.main_goal = f.content["main_goal"]
            revision.participation = _participation(f.content, names)
            revision.goal_basis = d.basis
        else:
            revision.rows.append({**f.content, "category": f.category})
            revision.row_bases[f.content["row_id"]] = d.basis
    ordered = sorted(by_number.values(), key=lambda r: r.number)
    for previous, current in zip([None, *ordered], ordered):
        # Numbered as the reader counts them: the plan's own number counts revisions a member may not see
        # (``projections/shown_facts.py``); the lead, which sees them all, reads the plan's own.
        current.number = 1 if previous is None else previous.number + 1
        current.rows.sort(key=lambda r: r["position"])
        if previous is not None:
            _diff(previous, current)
    return list(reversed(ordered))


def shown_as_current(current: Revision | None, lead: bool) -> bool:
    """Whether the revision shown first is the plan in force, as far as the reader can know.  Every goal is `case`,
    judged at the read: whoever sees one goal sees every revision's, so its latest is the current one; a member that
    sees no goal sees a revision by its rows alone, and one after it without them is hidden from it — headed the
    same whether or not there is one, as its view must not tell."""
    return lead or current is None or current.main_goal is not None


def told_bases(revision: Revision, disclosures: Sequence[Disclosure], catalogue: Catalogue, *,
               recipient: str) -> ToldBases:
    """Why the reader sees the revision's main goal and each of its rows, said as its timeline says it: from its
    own consent facts, its own facts "er egen uppgift" (``recipient``: the reader's agency)."""
    tell = own_basis(disclosures, catalogue, recipient=recipient)
    told = lambda basis: Told(tell(basis), basis_ids(basis))  # noqa: E731
    goal = revision.goal_basis
    return ToldBases(None if goal is None else told(goal),
                     {row_id: told(basis) for row_id, basis in revision.row_bases.items()})


def guardian_names(disclosures: Sequence[Disclosure]) -> dict[str, str]:
    """Every guardian's name the reader may see (a `family` fact), by id: the latest record's name wins, and one a
    later record left out keeps its own (a revision drawn up with them still names them)."""
    return {g["guardian_id"]: g["name"] for f in facts_seen(disclosures, "guardians") for g in f.content["guardians"]}


def _participation(goal: dict[str, Any], names: dict[str, str]) -> Participation:
    # A goal stored before participation was recorded has none of its keys: not recorded.
    ids = goal.get("guardians_took_part") or ()
    named = tuple(names[g] for g in ids if g in names)
    unnamed = len(ids) - len(named)   # all or none: the names come from the `family` facts the reader sees
    return Participation(goal.get("young_person_took_part"),
                         named + ((texts.T["participation_unnamed"].format(n=unnamed),) if unnamed else ()),
                         goal.get("not_taking_part_reason"))


def _diff(previous: Revision, current: Revision) -> None:
    before = {r["row_id"]: r for r in previous.rows}
    after = {r["row_id"]: r for r in current.rows}
    current.goal_changed = previous.main_goal != current.main_goal and current.main_goal is not None
    for row_id, row in after.items():
        if row_id not in before:
            current.changes.append(("added", row, []))
        else:
            changed = [k for k in ROW_FIELDS if tuple_or(before[row_id].get(k)) != tuple_or(row.get(k))]
            if changed:
                current.changes.append(("changed", row, changed))
            if "category" in changed:
                current.categories_before[row_id] = before[row_id]["category"]
    current.changes.extend(("removed", row, []) for row_id, row in before.items() if row_id not in after)


def tuple_or(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def unseen_rows(disclosures: Sequence[Disclosure], catalogue: Catalogue, now: datetime) -> dict[str, list[str]]:
    """Social services' page: by row id, each responsible agency of the current plan that cannot see its row now,
    said with why — the disclosure rules' own judge asked over the case as social services sees it
    (``consent_views.case_seen``), at each read: a consent withdrawn since brings the note in, one granted takes it
    away.
    Never for a member: naming the category or whose consent is missing speaks of other agencies' consents."""
    case = consent_views.case_seen(disclosures, consent_views.consents(disclosures, now))
    rows = facts_seen(disclosures, "plan.row")
    if case is None or not rows:
        return {}
    latest = max(f.content["revision"] for f in rows)
    current = [f for f in rows if f.content["revision"] == latest]
    young_person = young_person_label(disclosures, in_sentence=True)
    notes: dict[str, list[str]] = {}
    for u in responsible_who_cannot_see(case, current, now, catalogue):
        notes.setdefault(u.row_id, []).append(texts.T["row_unseen"].format(
            agency=agency_name(u.agency, catalogue), why=_why(u, case, catalogue, young_person)))
    return notes


def _why(u: UnseenRow, case: Any, catalogue: Catalogue, young_person: str) -> str:
    category = catalogue.category(u.category).name.split(" (")[0]
    who = " och ".join(consent_views.missing_labels(u.missing, case.guardians, young_person))
    return texts.T.get(f"row_unseen_{u.reason}", texts.T["row_unseen_not_covered"]).format(category=category, who=who)


def followable_rows(disclosures: Sequence[Disclosure], agency: str, lead: bool) -> list[dict[str, Any]]:
    """The current plan's rows the reader sees and may follow up (all for social services; else its own)."""
    current = revisions(disclosures)
    if not current:
        return []
    return [r for r in current[0].rows if lead or agency in r["responsible_agencies"]]
