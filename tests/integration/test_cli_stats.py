"""`sigill stats` on the demo's data: a table or JSON of counts only, and bad arguments as one line, exit 2."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.test_cli import demo_data, sigill

PERIOD = ("--municipality", "0180", "--from", "2026-01-01", "--to", "2026-12-31")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return demo_data(tmp_path_factory.mktemp("stats"))


def test_stats_prints_the_demo_s_one_case_as_under_five_and_nothing_that_names_it(env):
    result = sigill("stats", *PERIOD, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Uppföljningsstatistik – Stockholm (0180), 2026-01-01–2026-12-31")
    assert "Ärenden aktualiserade under perioden: <5" in out
    assert "Aktualiseringar efter väg in (totalt: <5)" in out
    # Each breakdown names its own cells: "other" is another route in one, another reason for closing in the next.
    assert "  Annan väg " in out and "  Annat skäl " in out and "  Den unge avböjer " in out
    # Kön from the demo's personnummer (its ninth digit odd: Peter is a boy): "<5", its table's total "<5" too.
    assert "Aktualiseringar efter kön (enligt personnumret) (totalt: <5)" in out
    assert re.search(r"\n  Flickor +0\n  Pojkar +<5\n", out), out
    assert "Bedömda som aktuella efter kön (totalt: " in out
    assert "Dagar från aktualisering till beslut om aktualitet: visas inte (färre än 5 ärenden, eller för att ett dolt antal annars skulle kunna räknas fram)" in out
    for secret in ("Peter", "0180-2026-0001", "20090314", "Maria", "Johan"):
        assert secret not in out and secret not in result.stderr
    assert "läst 1 av 1 ärende (100 %)" in result.stderr   # the progress line


def test_stats_json_is_the_api_s_answer(env):
    result = sigill("stats", *PERIOD, "--json", env=env)
    found = json.loads(result.stdout)
    assert (found["municipality"], found["from"], found["cases"]) == ("0180", "2026-01-01", "<5")
    assert found["breakdowns"]["entry_route"]["cells"] == {"known": 0, "sol14": 0, "lul6": "<5", "other": 0}
    assert found["breakdowns"]["sex"] == {"total": "<5", "cells": {"girls": 0, "boys": "<5"}}
    assert set(found["breakdowns"]["accepted_by_sex"]["cells"]) == {"girls", "boys"}
    assert sigill("stats", "--municipality", "0180", "--from", "2027-01-01", "--to", "2027-12-31", "--json",
                  env=env).stdout.count('"cases": 0') == 1


def test_stats_csv_is_one_row_a_figure_with_the_json_s_keys_and_values(env):
    """An analyst stacking several municipalities' files needs rows that say their municipality and period, the
    JSON's keys to join on, and the values as shown ("<5" too); a median not shown is an empty value."""
    import csv

    found = json.loads(sigill("stats", *PERIOD, "--json", env=env).stdout)
    result = sigill("stats", *PERIOD, "--csv", env=env)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert list(rows[0]) == ["municipality", "from", "to", "table", "cell", "label", "value"]
    assert {(r["municipality"], r["from"], r["to"]) for r in rows} == {("0180", "2026-01-01", "2026-12-31")}
    value = {(r["table"], r["cell"]): r["value"] for r in rows}
    assert value[("cases", "total")] == "<5" and value[("entry_route", "lul6")] == "<5"
    assert value[("entry_route", "known")] == "0" and value[("medians", "referral_to_decision")] == ""
    for key, breakdown in found["breakdowns"].items():
        assert {c: str(v) for c, v in breakdown["cells"].items()} == {
            r["cell"]: r["value"] for r in rows if r["table"] == key and r["cell"] != "total"}
    assert next(r["label"] for r in rows if r["cell"] == "lul6") == "LUL 6 §-underrättelse"
    assert (value[("sex", "girls")], value[("sex", "boys")], value[("sex", "total")]) == ("0", "<5", "<5")
    assert [r["label"] for r in rows if r["table"] == "sex"] == ["Flickor", "Pojkar", "Totalt"]
    for secret in ("Peter", "0180-2026-0001", "20090314"):
        assert secret not in result.stdout
    assert sigill("stats", *PERIOD, "--csv", "--json", env=env).returncode == 2   # one shape at a time


@pytest.mark.parametrize("args, said", [
    (("--municipality", "0180", "--from", "2026-13-01", "--to", "2026-12-31"), "--from: a date is written YYYY-MM-DD"),
    (("--municipality", "0180", "--from", "2026-02-01", "--to", "2026-01-31"), "--to: the period ends (2026-01-31)"),
    (("--municipality", "9999", "--from", "2026-01-01", "--to", "2026-12-31"), "unknown municipality '9999'"),
    (("--municipality", "0180", "--from", "2026-01-01", "--to", "2026-05-31"),
     "--to: the statistics are of a whole calendar year: to 2026-12-31"),
])
def test_bad_arguments_are_one_line_and_exit_2(env, args, said):
    result = sigill("stats", *args, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr


def test_stats_help_says_it_reads_as_the_host_s_auditor_and_not_as_an_evaluator(env):
    """The evaluator role (2026-12-05) reads statistics through the API and the web page only: `sigill stats` is the
    host's, and its --help says so, where it said nothing of whom it reads as."""
    result = sigill("stats", "--help", env=env)
    described = " ".join(result.stdout.split("\noptions:")[0].split())
    assert result.returncode == 0
    assert "It reads as this host's auditor (whoever holds its master key): any municipality" in described
    assert "An evaluator (utvärderare, Socialstyrelsen) does not use it: the API (GET /api/v1/statistics)" in described
