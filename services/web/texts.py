"""The Swedish texts of the web client, kept apart from the code so that a translation can follow.

Templates read ``T`` (page texts, one part per area of the product: ``frame_texts``, ``case_list_texts``,
``case_texts``, ``consent_texts``, ``plan_texts``, ``municipality_texts``, ``audit_texts``, ``error_page_texts``),
``LABELS`` (form fields) and the choice lists (``form_texts``, with what a saved form says); error messages come from
``error_texts.error_text``.  Facts and bases are described by ``services.presentation`` and ``services.basis_text``
(shared with the CLI and the report).  ``T`` is one namespace, as the templates address it: a page's template reads
the frame's, the errors' and its own area's texts alike.
"""

from __future__ import annotations

from services.web.audit_texts import AUDIT_PAGES
from services.web.case_list_texts import CASE_LISTS
from services.web.case_texts import CASE_PAGES
from services.web.consent_texts import CONSENT_PAGES
from services.web.error_page_texts import ERROR_PAGES
from services.web.frame_texts import FRAME
from services.web.municipality_texts import MUNICIPALITY_PAGES
from services.web.plan_texts import GROUP_PAGES


def _joined(*parts: dict[str, str]) -> dict[str, str]:
    """The page texts' parts as one.  A key two parts name would leave one page with another's text unsaid (each
    literal's own repeated keys are found by tests/unit/test_dict_literals.py, a key repeated across parts not)."""
    whole: dict[str, str] = {}
    for part in parts:
        repeated = whole.keys() & part.keys()
        if repeated:
            raise ValueError(f"page texts named twice: {sorted(repeated)}")
        whole.update(part)
    return whole


T: dict[str, str] = _joined(FRAME, MUNICIPALITY_PAGES, CASE_LISTS, CASE_PAGES, CONSENT_PAGES, GROUP_PAGES,
                            ERROR_PAGES, AUDIT_PAGES)
