"""Each read command's options say what that command reads: its --purpose and its --agency, from the parser."""

import argparse

import pytest

from services.cli import parser


def _option_help(path: tuple[str, ...], option: str) -> str:
    command = parser()
    for name in path:
        subcommands = next(a for a in command._actions if isinstance(a, argparse._SubParsersAction))
        command = subcommands.choices[name]
    return next(a.help for a in command._actions if option in a.option_strings)


@pytest.mark.parametrize(("path", "why"), [
    (("views", "cases"), "why you read the agency's case list (syfte), kept sealed in the access log beside the read"
                         " of each case listed"),
    (("audit", "access-log"), "why you search the access log (syfte), kept sealed in the access log beside the read"
                              " of each case whose reads are listed"),
    (("views", "show"), "why you read the case (syfte), kept sealed in the access log beside the read"),
    (("views", "log"), "why you read the case's disclosure log (syfte), kept sealed in the access log beside the read"),
    (("audit", "replay"), "why you read the case (syfte), kept sealed in the access log beside the read"),
    (("audit", "disclosures"), "why you read the case's disclosures (syfte), kept sealed in the access log beside"
                               " the read"),
    (("audit", "report"), "why you read the case for a report (syfte), kept sealed in the access log beside the read"
                          " and stated under the report's heading"),
])
def test_each_commands_purpose_says_what_it_reads(path, why):
    # "why you read the case" was the help of `views cases` and `audit access-log` too, which read no one case.
    told = _option_help(path, "--purpose")
    assert told.startswith(why + "; - reads it from standard input"), told


def test_views_logs_agency_gives_the_agencies_as_the_other_commands_do():
    # "one agency's changes only": no example id, where `audit disclosures --agency` gives polis, skola, socialtjanst.
    told = _option_help(("views", "log"), "--agency")
    assert told == "one agency's changes only: " + _option_help(("views", "cases"), "--agency"), told
