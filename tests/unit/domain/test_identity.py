"""Personnummer and samordningsnummer: accepted forms, validation, and never leaking the number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidPersonalIdentityNumber
from domain.identity import PersonalIdentityNumber, luhn_check_digit

TODAY = date(2026, 11, 22)


def parse(text: str, today: date = TODAY) -> PersonalIdentityNumber:
    return PersonalIdentityNumber.parse(text, today=today)


def valid(yymmdd: str, serial: str = "238") -> str:
    return f"{yymmdd}{serial}{luhn_check_digit(yymmdd + serial)}"


@pytest.mark.parametrize("text", ["200903142388", "20090314-2388", "0903142388", "090314-2388", " 090314-2388 "])
def test_accepts_every_written_form(text):
    assert parse(text).digits == "200903142388"


def test_a_ten_digit_number_takes_the_latest_century_not_in_the_future():
    assert parse("261121-" + valid("261121")[6:]).birth_date == date(2026, 11, 21)
    assert parse("261123-" + valid("261123")[6:]).birth_date == date(1926, 11, 23)


def test_a_plus_sign_means_a_hundred_years_older():
    assert parse("090314+2388").birth_date == date(1909, 3, 14)


def test_a_samordningsnummer_has_sixty_added_to_the_day():
    number = parse(valid("090374"))  # day 74 = 14 + 60
    assert number.is_coordination_number and number.birth_date == date(2009, 3, 14)


def test_a_leap_day_birth_is_valid_only_in_a_leap_year():
    assert parse(valid("080229")).birth_date == date(2008, 2, 29)
    with pytest.raises(InvalidPersonalIdentityNumber):
        parse(valid("090229"))


@pytest.mark.parametrize("text,why", [
    ("20090314-2389", "check digit"), ("20090314238", "form"), ("20091314-2388", "date"),
    ("abcdef-ghij", "form"), ("20090314+2388", "'+'"), ("", "form")])
def test_rejects_malformed_numbers_without_repeating_them(text, why):
    with pytest.raises(InvalidPersonalIdentityNumber) as raised:
        parse(text)
    message = str(raised.value)
    assert why in message and raised.value.field == "personnummer"
    assert "2388" not in message and "0314" not in message


def test_rejects_a_birth_date_in_the_future():
    tomorrow = TODAY + timedelta(days=1)
    with pytest.raises(InvalidPersonalIdentityNumber, match="future"):
        parse(tomorrow.strftime("%Y%m%d") + valid(tomorrow.strftime("%y%m%d"))[6:])


def test_repr_and_str_show_only_the_masked_number():
    number = parse("20090314-2388")
    assert "2388" not in repr(number) and "2388" not in str(number) and "2388" not in f"{number}"
    assert number.masked == "20090314-****" and number.formatted() == "20090314-2388"


@given(st.dates(min_value=date(1901, 1, 1), max_value=TODAY), st.integers(0, 999), st.booleans())
def test_formatting_then_parsing_round_trips(born, serial, coordination):
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    text = f"{born.year}{nine[2:4]}{nine[4:6]}-{nine[6:]}{luhn_check_digit(nine)}"
    number = parse(text)
    assert number.birth_date == born and parse(number.formatted()) == number
