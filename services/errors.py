"""Errors the service layer adds to the domain's: not found, and concurrent change."""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError

from domain.errors import DomainError
from services.settings import ConfigurationError


def one_line(text: str) -> str:
    """``text`` as one printable line, for a log: what a request or another server sent may hold a line break,
    which would write a line of its own into the log, one that looks like ours."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


class CaseNotFound(DomainError):
    code = "case_not_found"


class ConcurrentChange(DomainError):
    """Someone else changed the case since the version the caller saw."""

    code = "concurrent_change"

    def __init__(self, message: str, *, expected: int | None = None, actual: int | None = None,
                 field: str | None = "expected_version") -> None:
        super().__init__(message, field=field)   # None: no one value sent is at fault (two referrals at once)
        self.expected, self.actual = expected, actual


class MasterKeyReplaced(ConfigurationError):
    """Raised by the key store: the stored data keys are wrapped by another master key than this process's — a
    rotation (`sigill database rotate-master-key`) committed while it ran.  It makes and reads no key with the old
    one (a key made under it would read as damaged under the new): the process is restarted with the new key."""

    def __init__(self) -> None:
        super().__init__("the data keys are now wrapped by another master key (`sigill database rotate-master-key` ran"
                         " while this process was up): restart it with the new SIGILL_MASTER_KEY")


class DamagedDataKey(Exception):
    """Raised by the key store: one aggregate's stored wrapped key does not unwrap under a master key that unwraps
    the others.  That row of the key table was altered (or damaged), and that case's events cannot be read.  Not a
    setting to mend (the master key is right): the row is restored from a backup.  The message names the aggregate's
    id only (a random id, no personal data)."""

    def __init__(self, aggregate_id: UUID) -> None:
        self.aggregate_id = aggregate_id
        super().__init__(f"the data key of case {aggregate_id} is damaged (it does not unwrap under the master key,"
                         " which unwraps the others): that case's events cannot be read; restore its row of"
                         " sigill_data_keys from a backup")


# PostgreSQL's words for SQLSTATE 53300.  "too many clients" comes only once every slot is taken, which only a
# superuser reaches: any other role — the application's in production — is refused earlier, by the slots kept for
# superusers (or pg_use_reserved_connections), or by its role's or database's CONNECTION LIMIT.
_CONNECTIONS_USED_UP = re.compile(r'sorry, too many clients already|remaining connection slots are reserved[^\n]*'
                                  r'|too many connections for (?:role|database) "[^"\n]*"')


def too_many_connections(error: BaseException) -> bool:
    """The database answered, but has no connection left to give (SQLSTATE 53300); refused while connecting,
    psycopg's error carries no SQLSTATE, only PostgreSQL's words."""
    return getattr(error, "sqlstate", None) == "53300" or connections_used_up(error) is not None


def connections_used_up(error: BaseException) -> str | None:
    """PostgreSQL's words for the connections it refused (a role's or a database's limit, the reserved slots, every
    slot), or None."""
    found = _CONNECTIONS_USED_UP.search(str(error))
    return found.group(0).strip() if found else None


# A lock another session held: PostgreSQL broke a deadlock by cancelling this transaction, or the wait for a lock
# outlasted lock_timeout.  Either way the database was reached, and the transaction rolled back: run it again.
LOCK_CONFLICTS = {"40P01": "deadlock detected", "55P03": "lock not available"}


def lock_conflict(error: BaseException) -> str | None:
    """The SQLSTATE of a deadlock or lock timeout behind ``error`` (eventsourcing's and our stores' errors carry
    psycopg's as their cause), or None."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) in LOCK_CONFLICTS:
            return error.sqlstate  # type: ignore[attr-defined]
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return None


class StoredEventUnreadable(MapperDeserialisationError):
    """Raised by the event mapper: a stored event no longer reads as it was written (it does not decrypt, or no longer
    fits its event's type).  Its message is the operators' (English); ``swedish`` is what the supervisor's report
    says, naming the same event and case ids (no personal data: the event's content is never quoted).
    ``aggregate_id``: whose event it is (whether the reader may be told: ``CaseService._told_of_damage``)."""

    def __init__(self, message: str, swedish: str, aggregate_id: UUID | None = None) -> None:
        super().__init__(message)
        self.swedish, self.aggregate_id = swedish, aggregate_id


class PossibleDuplicate(DomainError):
    """A referral for a young person who already has an open case of the municipality: the caller is told which
    (case numbers and ids, never the personnummer) and confirms to open a second case (``services.duplicate_check``)."""

    code = "possible_duplicate"

    def __init__(self, cases: tuple[tuple[UUID, str], ...]) -> None:
        numbers = ", ".join(number for _, number in cases)
        super().__init__(f"the municipality already has an open case for this young person: {numbers}; send the"
                         " referral again with duplicate_confirmed true to open another case", field="personnummer")
        self.cases = cases
