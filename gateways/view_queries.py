"""The agency views' reads of their facts and of the stored disclosure log: what ``sigill views show`` prints of an
agency's view, and what a case's stored log is compared from (``services.case_lists.stored_log``).

A mixin of ``PostgresAgencyViewStore`` (the same tables and connection pool), beside ``gateways.case_list_queries``
and ``gateways.feed_pages``: the store writes the views, these read them.  A fact's content is unsealed with the
case's data key as it is read: none once the key is destroyed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from psycopg.sql import SQL

from domain.judge import Basis
from gateways.feed_pages import view_where
from gateways.sealing import Unsealable, unseal
from services.ports import KeyStore


@dataclass(frozen=True)
class StoredFact:
    case_id: UUID
    fact_id: str
    version: int
    kind: str
    category: str
    origin: str
    recorded_at: datetime
    visible_since: datetime
    basis: Basis
    content: dict[str, Any]


class ViewQueries:
    """Reads of ``view_facts`` and ``disclosure_log`` (needs ``keystore``, ``_s`` and ``_rows``)."""

    keystore: KeyStore
    _s: Any
    _rows: Callable[..., list[dict[str, Any]]]   # (query, params, *, json_once)
    _lead: Callable[[], str]

    def facts(self, agency: str, case_id: UUID) -> list[StoredFact]:
        rows = self._rows(SQL("SELECT * FROM {}.view_facts WHERE agency = %s AND case_id = %s"
                              " ORDER BY version, fact_id").format(self._s), (agency, case_id))
        key = self.keystore.data_key(case_id, create=False)
        if key is None:
            return []
        return [StoredFact(r["case_id"], r["fact_id"], r["version"], r["kind"], r["category"], r["origin"],
                           r["recorded_at"], r["visible_since"], _unbasis(r["basis"]),
                           json.loads(unseal(key, bytes(r["content"]), view_where(case_id, agency, r["fact_id"]))))
                for r in rows]

    def young_persons(self, case_ids: list[UUID]) -> dict[UUID, str]:
        """Each case's young person's personnummer (twelve digits), from the lead's sealed ``case.subject`` fact: one
        query for the facts and one for the keys, however many cases (a referral's duplicate check reads every open
        case of the municipality).  A case whose key is destroyed (erased) or does not unwrap is left out."""
        if not case_ids:
            return {}
        lead = self._lead()
        rows = self._rows(SQL("SELECT case_id, fact_id, content FROM {}.view_facts WHERE agency = %s"
                              " AND kind = 'case.subject' AND case_id = ANY(%s)").format(self._s),
                          (lead, list(case_ids)))
        keys = self.keystore.warm([r["case_id"] for r in rows])
        found: dict[UUID, str] = {}
        for r in rows:
            key = keys.get(r["case_id"])
            if key is None:
                continue
            try:
                content = json.loads(unseal(key, bytes(r["content"]), view_where(r["case_id"], lead, r["fact_id"])))
            except Unsealable:
                continue   # not this case's fact: it cannot say whose case it is
            found[r["case_id"]] = "".join(c for c in str(content.get("personnummer", "")) if c.isdigit())
        return found

    def disclosure_log(self, case_id: UUID | None = None, agency: str | None = None) -> list[dict[str, Any]]:
        conditions, params = [], []
        for column, value in (("case_id", case_id), ("agency", agency)):
            if value is not None:
                conditions.append(SQL(column + " = %s"))
                params.append(value)
        where = SQL(" WHERE ") + SQL(" AND ").join(conditions) if conditions else SQL("")
        return self._rows(SQL("SELECT * FROM {}.disclosure_log").format(self._s) + where + SQL(" ORDER BY id"),
                          tuple(params), json_once=True)   # its bases and causes repeat

    def causes_stored_from(self) -> int | None:
        """The first log row written with its cause (None: none yet): every row before it is from before causes
        were stored; a row without one after it was blanked since (or written by an older version)."""
        rows = self._rows(SQL("SELECT min(id) AS id FROM {}.disclosure_log WHERE cause IS NOT NULL").format(self._s),
                          ())
        return rows[0]["id"] if rows else None


def _unbasis(data: dict[str, Any]) -> Basis:
    return Basis(data["kind"], tuple(data["consent_ids"]), data["legal_basis"])
