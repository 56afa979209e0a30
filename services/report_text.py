"""The words the report's parts share: its times, and a category's short name."""

from __future__ import annotations

from datetime import datetime

from domain.calendar import STOCKHOLM


def category_name(category: str, cat) -> str:
    return cat.category(category).name.split(" (")[0]


def swedish_minute(at: datetime) -> str:
    """Swedish time to the minute, as the web client prints it, with its zone: without it the hour the clocks go
    back read the same twice (a replay of the minute shown sees what happened in it: ``services.typed_time``)."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")
