"""Errors the service layer adds to the domain's: not found, and concurrent change."""

from __future__ import annotations

from domain.errors import DomainError


def one_line(text: str) -> str:
    """``text`` as one printable line, for a log: what a request or another server sent may hold a line break,
    which would write a line of its own into the log, one that looks like ours."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class CaseNotFound(DomainError):
    code = "case_not_found"


class ConcurrentChange(DomainError):
    """Someone else changed the case since the version the caller saw."""

    code = "concurrent_change"

    def __init__(self, message: str, *, expected: int | None = None, actual: int | None = None) -> None:
        super().__init__(message, field="expected_version")
        self.expected, self.actual = expected, actual


def too_many_connections(error: BaseException) -> bool:
    """The database answered, but has no connection left to give (SQLSTATE 53300, "too many clients"); refused
    while connecting, psycopg's error carries no SQLSTATE, only PostgreSQL's words."""
    return getattr(error, "sqlstate", None) == "53300" or "too many clients" in str(error)
