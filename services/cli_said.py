"""What a refused command line says back of what was typed: only what cannot be a personnummer or a name — a date,
an option's name, a short number.  A value typed in the wrong place (a personnummer where a date goes, a name after
a command) was quoted by argparse and by our own types, into a terminal shared on screen, a cron mail, a log."""

from __future__ import annotations

import re
from typing import Sequence

# Only what the command line's arguments are written as: a date (and a time, and an offset), a short signed number
# (hours, a count), an option's name — ASCII digits only.  "2026-02-30", "2026-03-05T14:00", "-3" are said back;
# "20090314-2388", "2009-03-14-2388", "0314-2388", "Peter", "abc" are not (a pattern of what may not be said let a
# personnummer written with dashes through).
DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
SHORT_NUMBER = r"[+-]?[0-9]{1,5}(?:\.[0-9]{1,3})?"
OPTION = re.compile(r"--?[a-z][a-z0-9-]{0,40}")
HARMLESS = re.compile(f"{DATE}|{SHORT_NUMBER}|{OPTION.pattern}")
NOT_SAID = "the value given"

# argparse's own refusals, each quoting the value (repr: single quotes, or double where it holds one).
_QUOTED = r"(?:'[^']*'|\"[^\"]*\")"
_CHOICE = re.compile(r"invalid choice: " + _QUOTED + r" \(choose from")
_TYPED = re.compile(r"(invalid [\w.]+ value): " + _QUOTED + r"$")


def said_back(text: str) -> str:
    """``text`` quoted, when it cannot be personal data; else words that say a value was given."""
    return f"'{text}'" if HARMLESS.fullmatch(text) else NOT_SAID


def refusal(message: str) -> str:
    """argparse's message of a refusal, without the value it quoted (the choices and the argument's name kept)."""
    message = _CHOICE.sub("invalid choice (choose from", message)
    return _TYPED.sub(r"\1", message)


def unrecognized(extras: Sequence[str]) -> str:
    """argparse's "unrecognized arguments", naming the options among them and counting the rest."""
    options = [e for e in extras if OPTION.fullmatch(e)]
    others = len(extras) - len(options)
    counted = f"{others} value{'s' if others != 1 else ''}, not said back" if others else ""
    return "unrecognized arguments: " + " and ".join(part for part in (" ".join(options), counted) if part)
