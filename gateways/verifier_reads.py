"""What `sigill audit verify` reads besides the ledger, each check in its savepoint of verify's one snapshot
(``gateways.read_snapshot``): a role refused one check's tables is refused that check alone (psycopg's
InsufficientPrivilege, told by the caller), and the others still read the same moment."""

from __future__ import annotations

from typing import Callable, Iterable
from uuid import UUID

from gateways.access_log_checks import verify_access_log
from gateways.case_index_checks import IndexRows, listed_rows
from gateways.case_list_queries import case_number_read_only, unlisted_cases
from gateways.erasure_store import erased_unclosed, read_erasures
from gateways.read_snapshot import ReadSnapshot
from services.access_chain import AccessCheckpoint, AccessLogRead


class VerifierReads:
    def __init__(self, snapshot: ReadSnapshot, schema: str, events_table: str, tracking_table: str,
                 application_name: str, closed_topic: str, lead: Callable[[], str]) -> None:
        """``lead``: the lead agency, asked only when the index is read (the catalogue it comes from may fail to
        load: that index check is then not made, the others are)."""
        self._snapshot, self._schema, self._events, self._tracking = snapshot, schema, events_table, tracking_table
        self._application, self._closed, self._lead = application_name, closed_topic, lead
        self._lead_found: str | None = None

    def _lead_agency(self) -> str:
        """The catalogue loaded once for the index's two checks (it was loaded for each)."""
        if self._lead_found is None:
            self._lead_found = self._lead()
        return self._lead_found

    def access_log(self, signature_ok: Callable[[bytes, bytes, bytes], bool], trusted: set[bytes],
                   exported: Iterable[AccessCheckpoint] = ()) -> AccessLogRead:
        """The access log's verdict, and where there is none whether its tables were made here: one read."""
        return self._snapshot.read(lambda conn: verify_access_log(conn, self._schema, signature_ok, trusted, exported))

    def unlisted(self) -> tuple[list[UUID], list[UUID]] | None:
        lead = self._lead_agency()
        return self._snapshot.read(lambda conn: unlisted_cases(conn, self._schema, self._events, self._tracking,
                                                               self._application, lead))

    def listed_rows(self) -> IndexRows | None:
        lead = self._lead_agency()
        return self._snapshot.read(lambda conn: listed_rows(conn, self._schema, self._events, self._tracking,
                                                            self._application, lead))

    def erasures(self) -> tuple[int, list, list]:
        return self._snapshot.read(lambda conn: read_erasures(conn, self._schema))

    def erased_unclosed(self) -> list[UUID]:
        return self._snapshot.read(lambda conn: erased_unclosed(conn, self._schema, self._events, self._closed))

    def case_number(self, case_id: UUID) -> str | None:
        return self._snapshot.read(lambda conn: case_number_read_only(conn, self._schema, case_id))
