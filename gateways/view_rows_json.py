"""A small batch's view rows as JSON, and the statements that store them from it.

Pipeline mode cannot carry COPY, and psycopg dumps arrays in Python, so a pipelined batch sends its rows as one
JSON text each (one array per row): times in ISO form, a basis as its JSON text, bytes in hex.  What they store
is what the binary COPY of ``gateways.agency_view_store`` stores.
"""

from __future__ import annotations

import json

# The facts merged straight from JSON, as the COPY path merges its staged rows.
UPSERT_FACTS_JSON = (
    "INSERT INTO {s}.view_facts SELECT r->>0, (r->>1)::uuid, r->>2, (r->>3)::int4, r->>4, r->>5, r->>6,"
    " (r->>7)::timestamptz, (r->>8)::timestamptz, (r->>9)::jsonb, decode(r->>10, 'hex')"
    " FROM json_array_elements(%s::json) AS r"
    " ON CONFLICT (agency, case_id, fact_id) DO UPDATE SET basis = excluded.basis, content = excluded.content,"
    " visible_since = coalesce(excluded.visible_since, view_facts.visible_since)")
LOG_COLUMNS = "case_id, agency, fact_id, kind, category, change, basis, at, notification_id, event_id, content, feed, seq"
INSERT_LOG_JSON = (
    "INSERT INTO {s}.disclosure_log (" + LOG_COLUMNS + ") SELECT (r->>0)::uuid, r->>1, r->>2, r->>3, r->>4, r->>5,"
    " (r->>6)::jsonb, (r->>7)::timestamptz, (r->>8)::int8, (r->>9)::uuid, decode(r->>10, 'hex'), r->>11,"
    " (r->>12)::int8 FROM json_array_elements(%s::json) WITH ORDINALITY AS j(r, n) ORDER BY n")


def facts_json(facts: list[tuple]) -> str:
    """Fact rows (as ``FACT_TYPES``) as JSON: times in ISO form, the basis's JSON text, content in hex."""
    return json.dumps([[a, str(c), f, v, k, cat, o, r.isoformat(), s and s.isoformat(), b[1:].decode(), x.hex()]
                       for a, c, f, v, k, cat, o, r, s, b, x in facts])


def log_json(log: list[list]) -> str:
    """Log rows (as ``LOG_TYPES``) as JSON, in the same way; an event id as its 32 hex digits."""
    return json.dumps([[str(c), a, f, k, cat, ch, b[1:].decode(), at.isoformat(), n, e.hex(),
                        None if x is None else x.hex(), fd, sq] for c, a, f, k, cat, ch, b, at, n, e, x, fd, sq in log])
