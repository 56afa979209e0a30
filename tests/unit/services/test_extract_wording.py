"""The young person's extract of who has read what is a *loggutdrag*, not a *registerutdrag*.

A registerutdrag is the extract of every personal data held about someone (GDPR art. 15, "registerutdrag" in every
Swedish authority's wording); the extract here tells only the reads of the access log (DOMAIN.md: "an extract of who
has read what"), as a patient's *loggutdrag* does.  Named "Registerutdrag", a young person or guardian handed it
would take it for all that is held about them, and a JO/IVO inspector would read it as the art. 15 answer."""

from __future__ import annotations

from services import access_log_text
from services.web import error_texts, form_texts, texts


def _swedish_texts() -> list[str]:
    return [*texts.T.values(), *access_log_text.READS.values(), *error_texts.DOMAIN_ERRORS.values(),
            *form_texts.SAVED.values()]


def test_the_who_read_what_extract_is_a_loggutdrag():
    assert texts.T["tab_extract"] == "Loggutdrag"
    assert texts.T["extract_title"].startswith("Loggutdrag")
    assert access_log_text.READS["extract.guardian"] == "loggutdraget till en vårdnadshavare"


def test_no_swedish_text_calls_it_a_registerutdrag():
    assert not [t for t in _swedish_texts() if "registerutdrag" in t.lower()]
