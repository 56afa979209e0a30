"""A `sigill views` command in a process of another version than the views' is told so in one line, not a traceback."""

from __future__ import annotations

import argparse

from services import cli
from services.ports import ViewsUnderOtherRules


def test_views_of_a_newer_version_are_one_line_saying_to_upgrade_and_the_commands_error_exit(capsys):
    def catch_up(args):
        raise ViewsUnderOtherRules(8, 7)

    assert cli._run(argparse.Namespace(handler=catch_up)) == 1
    said = capsys.readouterr().err.splitlines()
    assert said == ["sigill: the agency views are built under disclosure rules 8, this process has 7: it writes no"
                    " views (upgrade this process)"]
