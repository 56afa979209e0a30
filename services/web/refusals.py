"""What a page raises when its query or its form carries a value it cannot use (a link edited by hand, a hidden
field altered): ``QueryRefused`` and ``FormRefused``, answered by ``error_pages.guarded`` with a 422 naming the fields.

Apart from ``error_pages`` because the modules that read a query (``paging``, ``case_search``, and through
``paging`` the sign-in's way back, ``way_back``) sit below the session, which ``error_pages`` imports: raising a
refusal must not need the pages that show it.
"""

from __future__ import annotations


class QueryRefused(Exception):
    """Query parameters a page cannot use (a link edited by hand): a 422 naming them (``query_refused_page``)."""

    def __init__(self, *names: str) -> None:
        super().__init__(", ".join(names))
        self.names = list(names)


class FormRefused(QueryRefused):
    """A posted form's field the page cannot use, that the page's own form only ever fills with a value it can (a
    hidden field altered): a 422 naming it as the form's (``form_refused_page``) — the address's words ("Adressen har
    ett värde för …") spoke of a link the user had not touched."""
