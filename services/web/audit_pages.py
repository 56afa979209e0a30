"""What the auditors' pages share: the auditor's check, the agencies to choose from, the case number for a page's
head, and each fact's handle (its event version and public id).

Apart from the routes because the case's audit pages (``routes_audit``), the disclosure log's
(``routes_disclosures``) and the ledger's (``routes_ledger``) all use them.
"""

from __future__ import annotations

import re
from typing import Iterable
from uuid import UUID

from fastapi import Request

from services.authorisation import check_auditor
from services.errors import CaseNotFound
from services.web import session, texts
from services.web.case_pages import service
from services.wording import agency_name


def auditor(request: Request):  # noqa: ANN202 - a Principal
    user = session.principal(request)
    check_auditor(user)
    return user


def agency_names(request: Request) -> dict[str, str]:
    cat = service(request).catalogue
    return {a: agency_name(a, cat) for a in cat.agencies}


def case_number(cases, user, case_id: UUID) -> str:  # noqa: ANN001
    """The case number for the page's head, from the case list (not a read of the list, nor of the case's content:
    the page's own read of the case is logged as what it shows)."""
    number = cases.case_numbers(user, [case_id]).get(str(case_id))
    if number is None:
        raise CaseNotFound("no such case", field="case_id")
    return number


def fact_handles(request: Request, case_id: UUID, facts: list) -> list[str]:
    """An auditor's handle on each fact: its event's version, and the public id the agencies were given it as."""
    ids = request.app.state.context.fact_ids.of(case_id)
    return [f"v{f.version} · {ids(f.fact_id)}" for f in facts]


def said_back(typed: str, known: Iterable[str]) -> str | None:
    """A mistyped agency as a refusal quotes it ("skolan"), when it is one of the ``known`` ids mistyped — shaped
    like one (a letter first) and an edit or two from it; anything else is not said back: None, and the page says
    so without it. An id's shape alone let a name typed in lowercase (``peter-exempel``) be quoted."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", typed):
        return None
    return typed if any(_edits(typed, agency) <= 2 for agency in known) else None


def _edits(a: str, b: str) -> int:
    """The fewest letters inserted, removed or changed to make ``a`` into ``b`` (Levenshtein)."""
    before = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        now = [i]
        for j, other in enumerate(b, 1):
            now.append(min(before[j] + 1, now[j - 1] + 1, before[j - 1] + (letter != other)))
        before = now
    return before[-1]


def unknown_agency(typed: str, known: Iterable[str]) -> str:
    """What a page says of an agency in its address that no agency is (the disclosure log's and the replay's)."""
    quoted = said_back(typed, known)
    return texts.T["unknown_agency"].format(agency=quoted) if quoted else texts.T["unknown_agency_unsaid"]
