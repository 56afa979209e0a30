"""What social services is told when a plan revision names as responsible an agency that cannot see its row
(``domain.row_reach``): warnings beside the plan command's answer and the lead's plan read (``GET /plan``), a
program's code and field and a person's words.

Told to social services only, which revises the plan and sees every consent whole: naming the category, or whose
consent is missing (by consenter id, never by name), tells it nothing it may not know."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from domain.case_events import PlanRevised
from domain.catalogue import Catalogue
from domain.disclosure import Replay
from domain.row_reach import (
    CONSENT_MISSING, NO_CONSENT, NO_CUSTODY, NOT_A_MEMBER, UnseenRow, responsible_who_cannot_see,
)

CODE = "responsible_cannot_see_row"

_WHY = {
    NO_CONSENT: "no consent in force covers the category {category} for it",
    CONSENT_MISSING: "the consent of {missing} to the category {category} is missing",
    NO_CUSTODY: "no guardian with custody is recorded, so no consent discloses anything while the young person is"
                " under 18",
    NOT_A_MEMBER: "it is no longer a member of the group",
}
_NOT_COVERED = "the consents in force do not let the category {category} through to it"


def of_revision(replay: Replay, events: Sequence[Any], catalogue: Catalogue) -> list[dict[str, Any]] | None:
    """The warnings of the plan revision among a write's ``events`` (folded into ``replay``), judged at the moment
    it was recorded; None when the write revised no plan."""
    revised = next((e for e in events if isinstance(e, PlanRevised)), None)
    if revised is None:
        return None
    rows = [f for f in replay.facts if f.version == revised.originator_version and f.kind == "plan.row"]
    return shaped(responsible_who_cannot_see(replay.case, rows, revised.timestamp, catalogue))


def of_current_plan(replay: Replay, at: datetime, catalogue: Catalogue) -> tuple[UnseenRow, ...]:
    """The current plan's responsible agencies that cannot see their rows at ``at``: the lead's plan read, as things
    stand at each read (a consent withdrawn since the revision brings a warning in, one granted takes it away).
    Never judged before the case's latest event, as ``Replay.visible_to`` judges the read's disclosures: a host whose
    clock is behind would otherwise find no consent in force yet."""
    case = replay.case
    rows = [f for f in replay.facts if f.kind == "plan.row" and f.content["revision"] == case.plan_revision]
    return responsible_who_cannot_see(case, rows, max(at, case.last_recorded_at), catalogue) if rows else ()


def shaped(unseen: Iterable[UnseenRow]) -> list[dict[str, Any]]:
    """As the API answers them: each at the place in the revision sent that names the agency."""
    return [{"code": CODE, "message": _message(u), "field": f"body.rows.{u.position}.responsible_agencies.{u.place}",
             "row": u.position, "row_id": u.row_id, "agency": u.agency, "category": u.category, "reason": u.reason,
             "missing_consenters": list(u.missing)} for u in unseen]


def _message(u: UnseenRow) -> str:
    why = _WHY.get(u.reason, _NOT_COVERED).format(category=u.category, missing=", ".join(u.missing))
    return f"the agency '{u.agency}' is responsible for row {u.position} but cannot see it now: {why}"
