"""What of an address's query the sign-in's way back keeps: the page itself has not run (the session had ended),
so it cannot say which of its parameters it read well-formed (``pages.keep_in_way_back``); only parameters the web
client's pages take, each in its own shape, are kept.  Anything else typed into the address — a personnummer as
``myndighet``, a name as a parameter no page takes — would go into the sign-in's URL and the redirect back."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from fastapi import Request

from services.presentation import PHASES

# Dates, moments ("2026-03-03 12:00", as the replay asks for one), numbers, case numbers: what the command line says
# back (``cli_said.HARMLESS``: no run of six digits, no two letters together), a space allowed.
_HARMLESS = re.compile(r"(?!.*\d{6})(?!.*[^\W\d_]{2})[0-9A-Za-z.:+_ -]{1,40}")
_PLAIN = ("tid", "fran", "till", "ar", "kommun", "sida", "nummer", "efter", "fore")


def _agency(request: Request, value: str) -> bool:
    return value in request.app.state.context.cases.catalogue.agencies


def may_say_back(typed: str) -> bool:
    """Whether a value typed where a date, moment or number goes cannot be a personnummer or a name, so that a page
    may show it again (a refused moment kept in its box to be corrected)."""
    return _HARMLESS.fullmatch(typed.strip()) is not None


def _plain(_request: Request, value: str) -> bool:
    return may_say_back(value)


def _phase(_request: Request, value: str) -> bool:
    return value in PHASES


SHAPES: dict[str, Callable[[Request, str], bool]] = {"myndighet": _agency, "fas": _phase,
                                                     **{name: _plain for name in _PLAIN}}


def kept(request: Request, query: Iterable[tuple[str, str]]) -> list[tuple[str, Any]]:
    """The parameters of ``query`` a page of the web client takes, each only if in its shape."""
    return [(name, value) for name, value in query if name in SHAPES and SHAPES[name](request, value)]
