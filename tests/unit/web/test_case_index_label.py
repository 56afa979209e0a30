"""A page of the auditors' index of cases, as the Åtkomstlogg tells it: its page, how many, and which numbers."""

from __future__ import annotations

from services.catalogue_loader import load_catalogue
from services.access_log_text import read_label as _read_label


def test_a_page_of_the_index_says_its_numbers_and_one_number_once():
    cat = load_catalogue()
    assert _read_label(cat, "audit.case_index:2:50:0180-2026-0099:0180-2026-0050", "ivo") == (
        "förteckningen över ärenden (granskning): sida 2, 50 ärenden, 0180-2026-0099 – 0180-2026-0050")
    # One case listed read "0180-2026-0001 – 0180-2026-0001".
    assert _read_label(cat, "audit.case_index:1:1:0180-2026-0001:0180-2026-0001", "ivo") == (
        "förteckningen över ärenden (granskning): sida 1, 1 ärende, 0180-2026-0001")
