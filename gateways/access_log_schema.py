"""The access log's tables and the one statement a batch is: the DDL (append-only by triggers), the function that
numbers and chains a batch's rows in the database, and the statements that call it and store a checkpoint.

Apart from the stores (``access_log_store``) and the checks (``access_log_checks``), which both read these
tables: what the tables are is said once, here.
"""

from __future__ import annotations

from gateways.append_only import append_only_ddl

# The name its DDL is stamped under in sigill_schema_stamps (``gateways.schema_lock``) when the tables are made: the
# trace a verifier reads of a log made here whose tables are gone.
CREATOR = "sigill_access_log"

SCHEMA = """
CREATE TABLE IF NOT EXISTS {log} (
    seq bigint PRIMARY KEY, at timestamptz NOT NULL, case_id uuid NOT NULL, subject text NOT NULL,
    agency text NOT NULL, roles text NOT NULL, what text NOT NULL, details bytea NOT NULL, link bytea NOT NULL);
CREATE INDEX IF NOT EXISTS access_log_by_case ON {log} (case_id, seq);
CREATE INDEX IF NOT EXISTS access_log_by_subject ON {log} (subject, seq);
CREATE TABLE IF NOT EXISTS {checkpoints} (
    seq bigint PRIMARY KEY, link bytea NOT NULL, signed_at timestamptz NOT NULL DEFAULT now(),
    public_key bytea NOT NULL, signature bytea NOT NULL);
-- One field of an entry as ``entry_link`` encodes it: its UTF-8 length (4 bytes, big-endian), then its bytes.
CREATE OR REPLACE FUNCTION {part}(value text) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT int4send(length(convert_to(value, 'UTF8'))) || convert_to(value, 'UTF8') $$;
""" + append_only_ddl("the access log is append-only", "log", "checkpoints") + """\
-- A batch, in one statement (one round trip, its plan kept by the session): the latest stored version of the cases
-- wanted, then under the lock the checkpoint owed from the last batch and the rows numbered and chained from the
-- stored head (GENESIS when there is none) as ``entry_link`` does.  The lock is held to COMMIT and the disk's flush.
CREATE OR REPLACE FUNCTION {append}(
    p_owed_seq bigint, p_owed_link bytea, p_owed_key bytea, p_owed_signature bytea, p_batch json, p_genesis bytea)
RETURNS TABLE (last_seq bigint, last_link bytea, version_of uuid[], versions integer[]) LANGUAGE plpgsql AS $$
DECLARE
    e record;
BEGIN
    -- Each case's max() alone, so that it is the last entry of the events' primary key (not all of its events).
    -- Before the lock, which only the chain needs: any write committed before now is seen, as it would be under
    -- the lock (the events are not the log's: a write may commit during either), and the lock is held less.
    SELECT array_agg(c.id), array_agg((SELECT max(s.originator_version) FROM {events} s WHERE s.originator_id = c.id))
    INTO version_of, versions
    FROM (SELECT DISTINCT (b->>'case_id')::uuid AS id FROM json_array_elements(p_batch) b) c;
    LOCK TABLE {log} IN SHARE ROW EXCLUSIVE MODE;
    IF p_owed_seq IS NOT NULL THEN
        INSERT INTO {checkpoints} (seq, link, public_key, signature)
        VALUES (p_owed_seq, p_owed_link, p_owed_key, p_owed_signature) ON CONFLICT DO NOTHING;
    END IF;
    SELECT l.seq, l.link INTO last_seq, last_link FROM {log} l ORDER BY l.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_link := p_genesis;
    END IF;
    FOR e IN SELECT b.at, b.case_id, b.subject, b.agency, b.roles, b.what, decode(b.details, 'hex') AS details
             FROM ROWS FROM (json_to_recordset(p_batch)
                     AS (at text, case_id uuid, subject text, agency text, roles text, what text, details text))
                 WITH ORDINALITY AS b(at, case_id, subject, agency, roles, what, details, n)
             ORDER BY b.n LOOP
        last_seq := last_seq + 1;
        last_link := sha256(last_link || {part}(last_seq::text) || {part}(e.at) || {part}(e.case_id::text)
            || {part}(e.subject) || {part}(e.agency) || {part}(e.roles) || {part}(e.what)
            || int4send(length(e.details)) || e.details);
        INSERT INTO {log} (seq, at, case_id, subject, agency, roles, what, details, link)
        VALUES (last_seq, e.at::timestamptz, e.case_id, e.subject, e.agency, e.roles, e.what, e.details, last_link);
    END LOOP;
    RETURN NEXT;
END $$;
"""
COLUMNS = "seq, at, case_id, subject, agency, roles, what, details, link"
APPEND = "SELECT * FROM {append}(%s, %s, %s, %s, %s, %s)"
# ON CONFLICT: a checkpoint stored alone at shutdown may race the last batch carrying it; one copy is enough.
CHECKPOINT = ("INSERT INTO {checkpoints} (seq, link, public_key, signature) VALUES (%s, %s, %s, %s)"
              " ON CONFLICT (seq) DO NOTHING")
