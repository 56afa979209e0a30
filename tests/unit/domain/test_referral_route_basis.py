"""A referral's entry route cites a legal basis (LUL 6 §, SoL 14 kap. 1 §): the basis's own conditions are checked on
the referral as on a contribution — sender, category, and the young person under 18 on the referral's date
(LUL 6 §: "om någon som inte har fyllt arton år är skäligen misstänkt …", seed 004; SoL 14 kap. 1 §: a child)."""

from __future__ import annotations

from datetime import date

import pytest

from domain import errors
from services.web.error_texts import error_text
from tests.builders import BORN_1993_10_21, BORN_2003_06_10, referral, utc


@pytest.mark.parametrize("route,referrer,category", [("lul6", "polis", "crime"), ("sol14", "skola", "school")])
@pytest.mark.parametrize("personnummer", [BORN_2003_06_10, BORN_1993_10_21])
def test_a_route_for_someone_under_18_is_refused_for_an_adult(route, referrer, category, personnummer):
    with pytest.raises(errors.InvalidInput) as raised:
        referral(personnummer=personnummer, entry_route=route, referring_agency=referrer, summary_category=category)
    assert raised.value.field == "entry_route"
    assert "18" in error_text(raised.value.code, str(raised.value))


def test_the_age_is_the_one_on_the_referral_date():
    """Notified the day before the 18th birthday, recorded on it: the notification was about a 17-year-old."""
    born_2008_02_02 = "20080202-2384"
    assert referral(personnummer=born_2008_02_02, referral_date=date(2026, 2, 1), at=utc(2026, 2, 2))
    with pytest.raises(errors.InvalidInput):
        referral(personnummer=born_2008_02_02, referral_date=date(2026, 2, 2), at=utc(2026, 2, 2))


def test_an_adult_comes_in_by_the_other_routes():
    assert referral(personnummer=BORN_2003_06_10, entry_route="known", summary_category="crime")
    assert referral(personnummer=BORN_2003_06_10, entry_route="other", referring_agency="skola",
                    summary_category="school")


def test_a_route_s_basis_must_carry_the_summary_s_category():
    """The catalogue's SoL 14 kap. 1 § carries no `assessment`: an orosanmälan filed so cites a basis that does not
    carry it."""
    with pytest.raises(errors.InvalidInput) as raised:
        referral(entry_route="sol14", referring_agency="skola", summary_category="assessment")
    assert raised.value.field == "summary_category"
    assert error_text(raised.value.code, str(raised.value)) != "Ogiltigt värde."


def test_a_municipal_leisure_service_may_report_a_concern_as_it_must():
    """Staff of a municipality's fritidsgård must report a concern under SoL 14 kap. 1 §: their referral was refused
    as "cannot come from 'fritid'" (a domain review)."""
    assert referral(entry_route="sol14", referring_agency="fritid", summary_category="leisure")
    with pytest.raises(errors.InvalidInput) as raised:   # one that only "bör" report cites no basis of the kind
        referral(entry_route="sol14", referring_agency="frivilligorganisation", summary_category="case")
    assert raised.value.field == "referring_agency"
