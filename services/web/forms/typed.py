"""What a form sent: the user's input as typed (kept to show the form again), and a refusal by field."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from services.api.commands import Many

# Repeated rows (plan rows, guardians, outcomes) read from a form: as many as the API takes in a list.  Twelve were
# read before, and a plan of fifteen rows made over the API lost three, silently, when its form was saved.
ROWS = Many
FIELDS = ROWS * 16 + 100   # a form's fields at most: a plan row's six and a checkbox per agency, and the rest
EMPTY = ("", None)


# The form fields whose value is text the user wrote (the last part of the name: ``outcomes.0.text``).
FREE_TEXT = frozenset({"text", "note", "summary", "reasons", "main_goal", "goal", "how", "responsible", "purpose",
                       "reason", "outcome", "outside_target_group_reason", "other_attendees", "decisions",
                       "not_taking_part_reason"})


class Typed:
    """What the user typed (or the defaults of a fresh form), for re-rendering it unchanged."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, list[str]] = {}
        for key, value in items:
            self._items.setdefault(key, []).append(value)

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Typed:
        pairs: list[tuple[str, str]] = []
        for key, value in values.items():
            for v in value if isinstance(value, (list, tuple, set, frozenset)) else [value]:
                if v is not None:
                    pairs.append((key, str(v)))
        return cls(pairs)

    def get(self, name: str, default: str = "") -> str:
        values = self._items.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self._items.get(name, []))

    def written(self, choices: Iterable[str] = ()) -> list[str]:
        """The free text the user wrote (a note, a summary, a goal, an outcome…), in the form's order: what an error
        page gives back when the form was not saved, so that nothing typed is lost.  ``choices``: the parsed form's
        (``Parsed.choices``), left out — a select's code is no one's words (the closure's ``reason`` is a select, a
        member's departure's ``reason`` text)."""
        chosen = frozenset(choices)
        return [v.strip() for key, values in self._items.items()
                if key.rsplit(".", 1)[-1] in FREE_TEXT and row_pattern(key) not in chosen
                for v in values if v.strip()]

    def with_defaults(self, values: Mapping[str, str]) -> Typed:
        """A copy, with ``values`` for the names that have none."""
        missing = [(k, v) for k, v in values.items() if not self.get(k)]
        return Typed([(k, v) for k, vs in self._items.items() for v in vs] + missing)

    def names(self) -> list[str]:
        return list(self._items)

    def has(self, name: str, value: str) -> bool:
        return value in self._items.get(name, [])

    def text(self, name: str) -> str | None:
        """A text input's value, None when blank (so a required field reports 'missing')."""
        value = self.get(name).strip()
        return value or None

    def raw(self, name: str) -> str:
        return self.get(name).strip()


class FormErrors(Exception):
    """The form was refused: ``errors`` maps each field to its message (key "" for the whole form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("form refused")
        self.errors = errors


def row_pattern(key: str) -> str:
    """An input's name with "#" for a row's number (``outcomes.2.category`` → ``outcomes.#.category``): how a form
    names an input of every row at once (``Parsed.choices``)."""
    return re.sub(r"\.\d+(?=\.|$)", ".#", key)
