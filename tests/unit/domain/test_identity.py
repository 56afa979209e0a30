"""Personnummer and samordningsnummer: accepted forms, validation, age, and never leaking the number."""

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


def ten(yymmdd: str, serial: str = "238", separator: str = "-") -> str:
    """A valid ten-digit form: the check digit computed with the Luhn algorithm."""
    return f"{yymmdd}{separator}{serial}{luhn_check_digit(yymmdd + serial)}"


def twelve(yyyymmdd: str, serial: str = "238") -> str:
    return f"{yyyymmdd}-{serial}{luhn_check_digit(yyyymmdd[2:] + serial)}"


def refusal(text: str, today: date = TODAY) -> InvalidPersonalIdentityNumber:
    with pytest.raises(InvalidPersonalIdentityNumber) as raised:
        parse(text, today)
    return raised.value


def assert_says_nothing_of_the_number(error: InvalidPersonalIdentityNumber) -> None:
    assert error.field == "personnummer"
    assert not any(ch.isdigit() for ch in str(error)), str(error)


# The check digit

def test_computes_the_check_digit_of_the_well_known_example_811218_9876():
    assert luhn_check_digit("811218987") == 6


def test_computes_the_check_digit_of_the_numbers_used_in_these_tests():
    assert luhn_check_digit("090314238") == 8  # 20090314-2388, used throughout the suite


@pytest.mark.parametrize("bad", ["", "12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩"])
def test_the_check_digit_helper_refuses_anything_but_nine_ascii_digits(bad):
    with pytest.raises(ValueError):
        luhn_check_digit(bad)


# Accepted forms

@pytest.mark.parametrize("text", [
    "200903142388", "20090314-2388", "0903142388", "090314-2388", " 090314-2388 ", "\t20090314-2388\n"])
def test_accepts_every_written_form_and_normalises_to_twelve_digits(text):
    assert parse(text).digits == "200903142388"


def test_every_written_form_of_one_number_is_the_same_value():
    assert parse("0903142388") == parse("20090314-2388") and hash(parse("0903142388")) == hash(parse("200903142388"))


def test_accepts_a_plus_sign_for_someone_a_hundred_or_older():
    assert parse(ten("250101", separator="+")).digits.startswith("19250101")


# Century resolution for the ten-digit forms

def test_a_ten_digit_number_born_today_is_born_this_century():
    assert parse(ten("261122")).birth_date == date(2026, 11, 22)


def test_a_ten_digit_number_whose_date_would_be_tomorrow_is_born_a_century_ago():
    assert parse(ten("261123")).birth_date == date(1926, 11, 23)


def test_a_late_date_in_a_past_year_of_this_century_stays_in_this_century():
    assert parse(ten("251225")).birth_date == date(2025, 12, 25)


def test_a_year_after_this_one_falls_in_the_previous_century():
    assert parse(ten("270101")).birth_date == date(1927, 1, 1)


def test_a_plus_sign_puts_the_birth_a_further_century_back():
    assert parse(ten("090314", separator="+")).birth_date == date(1909, 3, 14)
    assert parse(ten("261123", separator="+")).birth_date == date(1826, 11, 23)


def test_century_resolution_compares_the_real_day_of_a_samordningsnummer():
    assert parse(ten("261181")).birth_date == date(2026, 11, 21)  # day 81 is the 21st, not after the 22nd


def test_the_century_follows_the_date_it_is_resolved_against():
    assert parse(ten("261123"), today=date(2026, 11, 23)).birth_date == date(2026, 11, 23)


# Leap days

def test_a_leap_day_birth_is_valid_in_a_leap_year():
    assert parse(twelve("20080229")).birth_date == date(2008, 2, 29)
    assert parse(ten("000229")).birth_date == date(2000, 2, 29)  # 2000 is a leap year (divisible by 400)


def test_rejects_a_leap_day_in_a_common_year():
    assert "day" in str(refusal(twelve("20090229")))
    assert "day" in str(refusal(ten("000229", separator="+")))  # 1900 is not a leap year


# Samordningsnummer

def test_a_samordningsnummer_has_sixty_added_to_the_day():
    number = parse(ten("090374"))
    assert number.is_coordination_number and number.birth_date == date(2009, 3, 14)
    assert number.digits[6:8] == "74"  # stored as written, so the check digit still validates


def test_a_personnummer_is_not_a_samordningsnummer():
    assert not parse("20090314-2388").is_coordination_number


@pytest.mark.parametrize("yymmdd,born", [("090361", date(2009, 3, 1)), ("090391", date(2009, 3, 31)),
                                         ("080289", date(2008, 2, 29))])
def test_a_samordningsnummer_day_runs_from_sixty_one_to_ninety_one(yymmdd, born):
    assert parse(ten(yymmdd)).birth_date == born


@pytest.mark.parametrize("yymmdd", ["090360", "090392", "090289", "090491"])
def test_rejects_a_samordningsnummer_day_that_is_not_a_real_day_plus_sixty(yymmdd):
    error = refusal(ten(yymmdd))
    assert "day" in str(error)
    assert_says_nothing_of_the_number(error)


# Rejections: each names its rule and never repeats the number

@pytest.mark.parametrize("text", [
    "", "   ", "200903142", "20090314238", "2009031423880", "090314--2388", "090314 2388", "20090314+2388",
    "090314/2388", "O90314-2388", "abcdef-ghij", "٠٩٠٣١٤-٢٣٨٨", "0903-14-2388", "090314-2388x", "x090314-2388"])
def test_rejects_a_malformed_number(text):
    error = refusal(text)
    assert "written" in str(error)
    assert_says_nothing_of_the_number(error)


def test_rejects_a_text_that_is_not_a_string():
    assert_says_nothing_of_the_number(refusal(200903142388))  # type: ignore[arg-type]


@pytest.mark.parametrize("yyyymmdd", ["20090014", "20091314", "20099914"])
def test_rejects_a_number_whose_month_is_not_a_month(yyyymmdd):
    error = refusal(twelve(yyyymmdd))
    assert "month" in str(error)
    assert_says_nothing_of_the_number(error)


@pytest.mark.parametrize("text", [twelve("20090300"), twelve("20090332"), twelve("20090431"), ten("090431")])
def test_rejects_a_number_whose_day_is_not_a_day_of_its_month(text):
    error = refusal(text)
    assert "day" in str(error)
    assert_says_nothing_of_the_number(error)


def test_rejects_a_year_no_date_can_hold():
    error = refusal(twelve("00000101"))
    assert "year" in str(error)
    assert_says_nothing_of_the_number(error)


@pytest.mark.parametrize("text", ["20090314-2389", "0903142380", "090374-2388"])
def test_rejects_a_number_whose_check_digit_is_wrong(text):
    error = refusal(text)
    assert "check digit" in str(error)
    assert_says_nothing_of_the_number(error)


def test_rejects_a_birth_date_in_the_future():
    error = refusal(twelve(f"{TODAY + timedelta(days=1):%Y%m%d}"))
    assert "future" in str(error)
    assert_says_nothing_of_the_number(error)


def test_accepts_a_birth_date_of_today():
    assert parse(twelve(f"{TODAY:%Y%m%d}")).birth_date == TODAY


@pytest.mark.parametrize("digits", ["20090314-2388", "0903142388", "200903142389", "20091314238x"])
def test_the_constructor_accepts_only_valid_normalised_digits(digits):
    with pytest.raises(InvalidPersonalIdentityNumber) as raised:
        PersonalIdentityNumber(digits)
    assert_says_nothing_of_the_number(raised.value)


def test_the_constructor_rebuilds_a_stored_number():
    assert PersonalIdentityNumber("200903142388") == parse("20090314-2388")


# Never leaking the number

def test_repr_and_str_show_only_the_masked_number():
    number = parse("20090314-2388")
    assert repr(number) == str(number) == f"{number}" == number.masked == "20090314-****"
    assert "2388" not in repr([number]) and "2388" not in repr({"subject": number})


def test_formatted_shows_the_full_number_for_deliberate_display():
    assert parse("0903142388").formatted() == "20090314-2388"


def test_a_samordningsnummer_is_masked_with_its_written_day():
    assert parse(ten("090374")).masked == "20090374-****"


# Age

@pytest.mark.parametrize("on,age", [
    (date(2027, 3, 13), 17), (date(2027, 3, 14), 18), (date(2027, 3, 15), 18), (date(2009, 3, 14), 0)])
def test_age_counts_completed_years_around_the_birthday(on, age):
    assert parse("20090314-2388").age_on(on) == age


@pytest.mark.parametrize("on,age", [
    (date(2026, 2, 28), 17), (date(2026, 3, 1), 18), (date(2028, 2, 28), 19), (date(2028, 2, 29), 20)])
def test_someone_born_on_a_leap_day_ages_on_the_first_of_march_in_common_years(on, age):
    assert parse(twelve("20080229")).age_on(on) == age


def test_age_on_a_day_before_birth_is_a_programming_error():
    with pytest.raises(ValueError):
        parse("20090314-2388").age_on(date(2009, 3, 13))


def test_age_of_a_samordningsnummer_counts_from_the_real_day():
    number = parse(ten("090374"))
    assert number.age_on(date(2027, 3, 13)) == 17 and number.age_on(date(2027, 3, 14)) == 18


# The eighteenth birthday

def test_the_eighteenth_birthday_is_the_same_day_eighteen_years_on():
    assert parse("20090314-2388").eighteenth_birthday == date(2027, 3, 14)


def test_the_eighteenth_birthday_of_a_leap_day_birth_is_the_first_of_march():
    assert parse(twelve("20080229")).eighteenth_birthday == date(2026, 3, 1)  # a leap year plus 18 is never one


def test_the_eighteenth_birthday_agrees_with_age_on():
    number = parse(twelve("20080229"))
    birthday = number.eighteenth_birthday
    assert number.age_on(birthday - timedelta(days=1)) == 17 and number.age_on(birthday) == 18


# Properties

@st.composite
def births(draw):
    """A date to parse against, a birth up to 199 years before it, a serial, and whether to coordinate."""
    today = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
    born = draw(st.dates(min_value=date(today.year - 199, 1, 1), max_value=today))
    return today, born, draw(st.integers(0, 999)), draw(st.booleans())


def written_forms(born: date, serial: int, coordination: bool, today: date) -> list[str]:
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    rest = f"{nine[6:]}{luhn_check_digit(nine)}"
    # '-' if the latest matching century is the right one, '+' if the one before that is.
    aged_a_century = (born.year + 100, born.month, born.day) <= (today.year, today.month, today.day)
    short_separator = "+" if aged_a_century else "-"
    long = f"{born.year}{nine[2:6]}"
    forms = [f"{long}{rest}", f"{long}-{rest}", f"{nine[:6]}{short_separator}{rest}"]
    return forms if aged_a_century else [*forms, f"{nine[:6]}{rest}"]


@given(births())
def test_every_written_form_parses_to_the_birth_and_the_check_digit_validates(drawn):
    today, born, serial, coordination = drawn
    for text in written_forms(born, serial, coordination, today):
        number = parse(text, today)
        assert number.birth_date == born and number.is_coordination_number == coordination
        assert luhn_check_digit(number.digits[2:11]) == int(number.digits[11])
        assert parse(number.formatted(), today) == number == PersonalIdentityNumber(number.digits)
        assert repr(number) == str(number) == f"{number.digits[:8]}-****"


@given(births(), st.integers(1, 9))
def test_changing_the_check_digit_is_always_caught(drawn, shift):
    today, born, serial, coordination = drawn
    text = written_forms(born, serial, coordination, today)[0]
    wrong = text[:-1] + str((int(text[-1]) + shift) % 10)
    assert "check digit" in str(refusal(wrong, today))
