"""What a user does in the web client, step by step, as the tests' vocabulary."""

from __future__ import annotations

import itertools
import re
from datetime import date

from domain.identity import luhn_check_digit

SOCIAL, SCHOOL, POLICE, AUDITOR = "soc-0180", "skola", "polis", "ivo"


_SERIALS = itertools.count(238)


def sixteen_year_old() -> str:
    """A valid fictional personnummer of someone who turned 16 about a month ago (so under 18 all test long); another
    young person at each call (the birth number counts up), so that no referral is taken for a second case of one
    young person and stopped to ask (tests/e2e/test_refused_forms.py asks on purpose)."""
    today = date.today()
    born = date(today.year - 16, today.month, 1) if today.month > 1 else date(today.year - 17, 12, 1)
    serial = f"{next(_SERIALS) % 1000:03d}"
    nine = born.strftime("%y%m%d") + serial
    return born.strftime("%Y%m%d") + f"-{serial}" + str(luhn_check_digit(nine))


def sign_in(page, user: str) -> None:
    page.goto("/logga-in")
    page.locator(f"input[name=user][value='{user}']").check()
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def case_id_of(page) -> str:
    match = re.search(r"/arenden/([0-9a-f-]{36})", page.url)
    assert match, page.url
    return match.group(1)


def send_referral(page, personnummer: str, name: str = "Testperson Exempel") -> None:
    """The new referral form filled in and sent; where it leads is the caller's to see."""
    page.goto("/arenden/nytt")
    page.get_by_label("Personnummer eller samordningsnummer").fill(personnummer)
    page.get_by_label("Den unges namn").fill(name)
    page.get_by_label("Hur ärendet kom in").select_option("lul6")
    page.get_by_label("Aktualiserad av").select_option("polis")
    page.get_by_label("Sammanfattning", exact=True).fill("Misstänkt för rån tillsammans med äldre ungdomar.")
    page.get_by_label("Kategori för sammanfattningen").select_option("crime")
    page.get_by_role("button", name="Öppna ärendet").click()
    page.wait_for_load_state()


def open_referral(page, personnummer: str, name: str = "Testperson Exempel") -> str:
    send_referral(page, personnummer, name)
    return case_id_of(page)


def accepted_case(page) -> str:
    """A new case (a sixteen-year-old's referral) found eligible, as a signed-in caseworker makes it; its id."""
    case_id = open_referral(page, sixteen_year_old())
    tab(page, case_id, "beslut")
    page.get_by_label("Aktuell för social insatsgrupp").check()
    page.get_by_label("Skäl", exact=True).fill("Hög risk.")
    page.get_by_role("button", name="Spara beslut").click()
    return case_id


def tab(page, case_id: str, slug: str = "") -> None:
    page.goto(f"/arenden/{case_id}" + (f"/{slug}" if slug else ""))
