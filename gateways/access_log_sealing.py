"""The access log's personal data: each entry's reader name and purpose, sealed under its case's data key (so
erasing a case erases them too) and bound to the case and the reader; the batch as the append statement takes it;
and the details unsealed again for a search.

Apart from the stores (``access_log_store``): how the details are sealed is one format, written by the thread's
store and the event loop's alike, and read by a search.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from gateways.sealing import Unsealable, seal, unseal
from services.access_chain import utc_text
from services.access_entry import AccessEntry
from services.errors import DamagedDataKey
from services.ports import KeyStore

log = logging.getLogger("sigill.access_log")


# Details sealed since the database numbers the entries start with this byte and are bound to the case and the
# reader (the chain binds them to their row); those sealed before are bound to the entry's number as well.
SEALING_2 = b"\xa2"


class EntrySealing:
    """Each entry's reader name and purpose, sealed under its case's key, and the batch as the statement takes it:
    one JSON text (psycopg's array dumping, in Python, cost more than the rest of a batch).  The keys are looked
    up first — from memory alone (``cached_keys``, on an event loop) or with a query if needed (``fetched_keys``)
    — so that sealing itself never queries."""

    def __init__(self, keystore: KeyStore) -> None:
        self._keystore = keystore

    def cached_keys(self, entries: list[AccessEntry]) -> dict[Any, bytes | None] | None:
        """Each case's key as the key store holds it in memory; None when one of them is not there."""
        keys = {}
        for entry in entries:
            found, key = self._keystore.cached(entry.case_id)
            if not found:
                return None
            keys[entry.case_id] = key
        return keys

    def fetched_keys(self, entries: list[AccessEntry]) -> dict[Any, bytes | None]:
        """Each case's key, those not in memory fetched together first (one round trip, not one per case: a case
        list's read logs every case it shows in one batch).  A case whose key is damaged gets None, as an erased
        case does: its read is logged without the reader's name and purpose (the subject, agency, what and when
        stay), where it failed the whole batch — a case list showing it, and every read committed with it."""
        known = self._keystore.warm(e.case_id for e in entries)   # all of them: the cache may hold fewer
        return {case_id: known[case_id] if case_id in known else self._key_or_none(case_id)
                for case_id in dict.fromkeys(e.case_id for e in entries)}

    def _key_or_none(self, case_id: Any) -> bytes | None:
        try:
            return self._keystore.data_key(case_id, create=False)
        except DamagedDataKey:   # its content reads say so themselves; a list's read of its row must not fail
            log.info("the data key of case %s is damaged: a read of it is logged without the reader's name and"
                     " purpose; restore its row of the key table from a backup", case_id)
            return None

    def batch_text(self, entries: list[AccessEntry], keys: dict[Any, bytes | None]) -> str:
        return json.dumps([{"at": utc_text(e.at), "case_id": str(e.case_id), "subject": e.subject,
                            "agency": e.agency, "roles": e.roles, "what": e.what,
                            "details": _sealed(e, keys[e.case_id]).hex()} for e in entries])


def _sealed(entry: AccessEntry, key: bytes | None) -> bytes:
    if key is None:
        return b""  # an erased case: nothing personal can be kept about it
    plain = json.dumps({"reader_name": entry.reader_name, "purpose": entry.purpose}).encode()
    return SEALING_2 + seal(key, plain, bound_to(entry.case_id, entry.subject))


def bound_to(case_id: Any, subject: str) -> bytes:
    return f"access/2/{case_id}/{subject}".encode()


def unsealed_details(keystore: KeyStore, seq: int, case_id: Any, subject: str, details: bytes) -> dict[str, str]:
    """An entry's reader name and purpose ({} for an erased case's entry, sealed with none), or words that say why
    they cannot be read."""
    try:
        key = keystore.data_key(case_id, create=False) if details else None
    except DamagedDataKey:   # one such entry failed a whole page of the auditors' search (each line names it)
        return {"reader_name": "(nyckeln skadad)", "purpose": "(nyckeln skadad)"}
    if key is None:
        return {}
    try:
        if details[:1] == SEALING_2:
            return json.loads(unseal(key, details[1:], bound_to(case_id, subject)))
        return json.loads(unseal(key, details, f"access/{seq}/{case_id}".encode()))
    except Unsealable:
        return {"reader_name": "(oläsbar)", "purpose": "(oläsbar)"}
