"""The case-number box on the case lists (a caseworker's, an auditor's): what was typed, the case it finds.

What is typed there may be a personnummer by mistake: unless it is shaped like a case number it is never said back,
put in a URL or looked up (``views.case_number_typed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request

from services.errors import CaseNotFound
from services.principals import Principal
from services.web import texts, views
from services.web.case_pages import service


@dataclass(frozen=True)
class Search:
    """What the box came to: the case found, or the list shown with ``error`` (nothing typed: neither)."""

    number: str | None           # what was typed, when shaped like a case number
    misshapen: bool              # something typed that is not: the list answers 422
    found: UUID | None = None
    error: str = ""

    def query(self) -> dict[str, str]:
        """What of the search a list's own address may carry on (its last page's, asked for past the end): the number
        when shaped like one, so that the page still says it was not found — never anything else typed (a
        personnummer, by mistake, in a link edited by hand)."""
        return {"nummer": self.number or ""}

    def answer_to_post(self, list_path: str, case_path: str, filters: dict[str, str]) -> str:
        """Where the posted box leads, by a redirect: the case found (``case_path``/id), else the list under its
        ``filters`` (validated), with the number when shaped like one — so that the page the browser keeps in its
        history is a GET's.  The list was the POST's answer: a caseworker who opened a case from it and went back
        got "Bekräfta att formuläret skickas igen" (Chromium: ERR_CACHE_MISS, the pages are ``no-store``), and the
        number said not found was lost with a reload.  What was typed otherwise never reaches the address: a
        misshapen search is answered by the POST itself (``misshapen``), not redirected."""
        if self.found is not None:
            return f"{case_path}/{self.found}"
        kept = {k: v for k, v in {**filters, **self.query()}.items() if v}
        return list_path + ("?" + urlencode(kept) if kept else "")


def searched(request: Request, user: Principal, typed_number: str, not_found: str) -> Search:
    """The case ``typed_number`` names for ``user`` (``CaseService.find``); ``not_found``, with ``{number}`` in it,
    the list's words when there is none."""
    number = views.case_number_typed(typed_number)
    if typed_number.strip() and number is None:
        return Search(None, True, error=texts.T["find_not_a_number"])   # not said back: it may be a personnummer
    if number is None:
        return Search(None, False)
    try:
        return Search(number, False, found=service(request).find(user, number))
    except CaseNotFound:
        return Search(number, False, error=not_found.format(number=number))
