"""The case-number box on the case lists (a caseworker's, an auditor's): what was typed, the case it finds.

What is typed there may be a personnummer by mistake: unless it is shaped like a case number it is never said back,
put in a URL or looked up (``views.case_number_typed``).  The list's address says such a search was refused only by a
fixed code (``?fel=inte_nummer``, ``TOLD``), never with what was typed.
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
from services.web.refusals import QueryRefused


ERROR_FIELD = "fel"         # the list's query parameter naming the box's message, by a code of ``TOLD``
NOT_A_NUMBER = "inte_nummer"
# The messages an address may ask the list to say at the box, by code: only these, so that nothing in the address is
# said back — a code edited by hand is a 422 naming ``fel``, as every page's query value it cannot use.
TOLD = {NOT_A_NUMBER: "find_not_a_number"}


@dataclass(frozen=True)
class Search:
    """What the box came to: the case found, or the list shown with ``error`` (nothing typed: neither).

    The list's status: 422 only when ``misshapen`` — a value in the address the box's redirect never carries (a link
    edited by hand).  The pages the posted box's 303 leads to (``?fel=inte_nummer``, a number found in no case) are
    GET pages of their own address, 200 with the message: the refusal's 4xx was the POST's, answered by a redirect so
    that Back works.  The auditors' access log chooses its status by the same rule (``routes_audit._access_log``)."""

    number: str | None           # what was typed, when shaped like a case number
    misshapen: bool              # something typed that is not (a link's, edited by hand): the list answers 422
    found: UUID | None = None
    error: str = ""
    code: str = ""               # ``error``'s code in ``TOLD``, when it is one: what the address carries of it

    def query(self) -> dict[str, str]:
        """What of the search a list's own address may carry on (the answer to the posted box, its last page's when
        asked for past the end): the number when shaped like one, so that the page still says it was not found, and
        the code of a refusal — never anything else typed (a personnummer, by mistake, in the box or in a link edited
        by hand)."""
        return {"nummer": self.number or "", ERROR_FIELD: self.code}

    def answer_to_post(self, list_path: str, case_path: str, filters: dict[str, str]) -> str:
        """Where the posted box leads, by a redirect: the case found (``case_path``/id), else the list under its
        ``filters`` (validated), with the number when shaped like one — so that the page the browser keeps in its
        history is a GET's.  The list was the POST's answer: a caseworker who opened a case from it and went back
        got "Bekräfta att formuläret skickas igen" (Chromium: ERR_CACHE_MISS, the pages are ``no-store``), and the
        number said not found was lost with a reload.  What was typed otherwise never reaches the address: a
        misshapen search leads to the list with the code of its message (``?fel=inte_nummer``) — it was answered by
        the POST itself, a 422, and going back to that list from a case opened there asked to send the form again.

        The page the box was sent from is not carried: a search is a new action on the list, answered on its first
        page under the same filter, as the phase filter's form is (only the pager's links move between pages).  The
        message is at the box, at the top, focused; Back returns to the page the user was on (the POST and its
        redirect leave one entry in the history, the GET's)."""
        if self.found is not None:
            return f"{case_path}/{self.found}"
        kept = {k: v for k, v in {**filters, **self.query()}.items() if v}
        return list_path + ("?" + urlencode(kept) if kept else "")


def searched(request: Request, user: Principal, typed_number: str, not_found: str, told: str = "") -> Search:
    """The case ``typed_number`` names for ``user`` (``CaseService.find``); ``not_found``, with ``{number}`` in it,
    the list's words when there is none.  Nothing typed: the message ``told`` names (the address's ``fel``), if
    any — a code ``TOLD`` does not know is refused (``QueryRefused``)."""
    if told and told not in TOLD:
        raise QueryRefused(ERROR_FIELD)
    number = views.case_number_typed(typed_number)
    if typed_number.strip() and number is None:   # not said back: it may be a personnummer
        return Search(None, True, error=texts.T[TOLD[NOT_A_NUMBER]], code=NOT_A_NUMBER)
    if number is None:
        return Search(None, False, error=texts.T[TOLD[told]] if told else "", code=told)
    try:
        return Search(number, False, found=service(request).find(user, number))
    except CaseNotFound:
        return Search(number, False, error=not_found.format(number=number))
