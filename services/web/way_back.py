"""What of an address's query the sign-in's way back keeps: the page itself has not run (the session had ended),
so it cannot say which of its parameters it read well-formed (``pages.keep_in_way_back``); only parameters the web
client's pages take, each in its own shape, are kept.  Anything else typed into the address — a personnummer as
``myndighet``, a name as a parameter no page takes — would go into the sign-in's URL and the redirect back."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from fastapi import Request

from services.cli_said import DATE
from services.presentation import PHASES
from services.web.paging import typed_cursor
from services.web.refusals import QueryRefused
from services.web.views import case_number_typed

# Each plain parameter only in the shape of what its field takes, as the command line's grammar says back
# (``cli_said``): a moment or a date (a mistyped "2026-13-01 12:00" still, to be corrected), a page or a year as a
# few digits, a municipality's four digits.  A pattern of what may not be said ("no six digits together") let a
# personnummer written in groups through: "2009-03-14-2388", "0314-2388", "2009-03-14 1234".
_MOMENT = re.compile(DATE)
_FEW_DIGITS = re.compile(r"[0-9]{1,5}")
_MUNICIPALITY = re.compile(r"[0-9]{4}")


def _agency(request: Request, value: str) -> bool:
    return value in request.app.state.context.cases.catalogue.agencies


def may_say_back(typed: str) -> bool:
    """Whether a value typed where a date or a moment goes has that shape, so that it cannot be a personnummer or a
    name and a page may show it again (a refused moment kept in its box to be corrected)."""
    return _MOMENT.fullmatch(typed.strip()) is not None


def _moment(_request: Request, value: str) -> bool:
    return may_say_back(value)


def _shaped(pattern: re.Pattern[str]) -> Callable[[Request, str], bool]:
    return lambda _request, value: pattern.fullmatch(value) is not None


def _case_number(_request: Request, value: str) -> bool:
    return case_number_typed(value) == value


def _cursor(_request: Request, value: str) -> bool:
    """The index's keyset cursor in its own shape (``paging.typed_cursor``: a case number, an id, ``tomt-``+id)."""
    try:
        return typed_cursor(value, "") is not None and value == value.strip()
    except QueryRefused:
        return False


def _phase(_request: Request, value: str) -> bool:
    return value in PHASES


SHAPES: dict[str, Callable[[Request, str], bool]] = {
    "myndighet": _agency, "fas": _phase, "tid": _moment, "fran": _moment, "till": _moment,
    "sida": _shaped(_FEW_DIGITS), "ar": _shaped(_FEW_DIGITS), "kommun": _shaped(_MUNICIPALITY),
    "nummer": _case_number, "efter": _cursor, "fore": _cursor}


def kept(request: Request, query: Iterable[tuple[str, str]]) -> list[tuple[str, Any]]:
    """The parameters of ``query`` a page of the web client takes, each only if in its shape."""
    return [(name, value) for name, value in query if name in SHAPES and SHAPES[name](request, value)]
