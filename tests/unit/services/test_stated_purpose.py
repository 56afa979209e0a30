"""A purpose refused says what is wrong with it, its length and where — never what it says: a purpose may name the
young person, and the refusal's words reach answers, terminals and logs."""

from __future__ import annotations

import asyncio
import io
import sys

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from services.access_entry import PurposeRefused, stated_purpose
from services.api.deps import purpose

NAMED = "Uppföljning Peter Exempel 19121212-1212 "


@pytest.mark.parametrize("text, said", [
    (NAMED * 13, "--purpose is 519 characters long: a purpose is at most 500"),   # stripped
    (NAMED + "\nkl. 10", "--purpose holds a control character (U+000A, character 41 of 47): a purpose is one line of"
                         " text"),
    (NAMED + "\x1b[2J", "--purpose holds a control character (U+001B, character 41 of 44)"),
    (NAMED + "\u202eretsip", "--purpose holds a bidirectional control (U+202E, character 41 of 47), which reorders the"
                             " text after it where it is printed")])
def test_a_refused_purpose_says_which_rule_its_length_and_where_but_none_of_its_words(text, said):
    with pytest.raises(PurposeRefused) as refused:
        stated_purpose(text, "--purpose")
    message = str(refused.value)
    assert message.startswith(said), message
    assert not any(word in message for word in ("Peter", "Exempel", "1212", "Uppf", "kl. 10", "retsip")), message
    assert refused.value.field == "--purpose" and refused.value.code == "invalid_input"


def test_a_purpose_within_the_rules_is_kept_stripped():
    assert stated_purpose(f"  {NAMED.strip()}  ", "--purpose") == NAMED.strip()
    assert stated_purpose("x" * 500, "--purpose") == "x" * 500


def _header_request(value: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": b"",
                    "headers": [(b"sigill-purpose", value.encode("latin-1"))]})


def test_a_header_too_long_as_sent_is_refused_by_its_length_keeping_none_of_it():
    """Its first 40 characters were kept in the refusal (the validation error's ``input``), where a log or an error
    reporter would take them."""
    sent = "Uppf%C3%B6ljning%20Peter%20Exempel%20" * 45   # 1,665 characters as sent
    with pytest.raises(RequestValidationError) as raised:
        asyncio.run(purpose(_header_request(sent)))
    refused = raised.value
    assert "Peter" not in str(refused) and "Uppf" not in str(refused), refused
    assert refused.errors()[0]["msg"] == ("is 1665 characters long as sent: at most 1500 as sent"
                                                " (percent-encoded), 500 once decoded")


def test_standard_input_over_what_is_read_is_refused_as_over_it_not_by_a_length_cut_short(monkeypatch):
    """Standard input is read to 2,003 characters: a purpose of 10,000 was told as 2,002 long."""
    from services import cli

    monkeypatch.setattr(sys, "stdin", io.StringIO(NAMED * 250 + "\n"))
    with pytest.raises(cli.InvalidInput) as refused:
        cli._purpose_given("-")
    assert str(refused.value) == ("--purpose -: standard input holds over 2003 characters: a purpose is at most 500")
