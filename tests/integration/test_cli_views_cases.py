"""`sigill views cases` tells a member's rows without the case's number apart as the web's case list does: by the
count of facts the agency sees and the day of the first of them (``wording.unnumbered_row``); it printed
"(nummer ej synligt)" alone on each."""

from __future__ import annotations

import re

from tests.integration.test_cli import demo_data, sigill


def test_a_members_row_without_a_number_says_its_count_and_the_day_of_its_first_fact(tmp_path):
    env = demo_data(tmp_path)   # after the withdrawal the school sees its own contribution only: no number
    listed = sigill("views", "cases", "--agency", "skola", env=env)
    assert listed.returncode == 0, listed.stderr
    shown = sigill("views", "show", "--agency", "skola", "--case", "0180-2026-0001", env=env).stdout
    first_day = re.search(r"^  (\d{4}-\d{2}-\d{2}) ", shown, re.M).group(1)   # its timeline's first row
    assert listed.stdout.splitlines()[1:] == [
        f"  (nummer ej synligt: 1 uppgift, den första {first_day})  fas: –  nästa möte: –  plan: –"]
    lead = sigill("views", "cases", "--agency", "socialtjanst", env=env).stdout
    assert "nummer ej synligt" not in lead and "0180-2026-0001" in lead   # a numbered row needs none of it
