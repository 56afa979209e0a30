"""The words the report's parts share: its times, a category's short name, and its tables' column and row heads."""

from __future__ import annotations

from datetime import datetime

from domain.calendar import STOCKHOLM


def category_name(category: str, cat) -> str:
    return cat.category(category).name.split(" (")[0]


def swedish_minute(at: datetime) -> str:
    """Swedish time to the minute, as the web client prints it, with its zone: without it the hour the clocks go
    back read the same twice (a replay of the minute shown sees what happened in it: ``services.typed_time``)."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")


def column_heads(*names: str) -> str:
    """A table's head row, each header cell scoped to its column: a screen reader names the column with each cell
    it reads (WCAG 1.3.1).  HTML; ``names`` are plain words."""
    return "<thead><tr>" + "".join(f"<th scope=col>{name}</th>" for name in names) + "</tr></thead>"


def row_head(cell: str) -> str:
    """A body row's first cell as its header, scoped to the row: the consent, or the moment of the timeline's or a
    log's row, that a screen reader names with each other cell of the row (WCAG 1.3.1).  HTML in, HTML out; it looks
    as a plain cell (the report's style)."""
    return f"<th scope=row>{cell}</th>"
