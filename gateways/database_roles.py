"""The tables' owner apart from the role the application runs as (``sigill database setup``).

PostgreSQL lets a table's owner disable its triggers, so while the application's own role owns Sigill's
tables, the append-only triggers on the ledger, the access log and the disclosure log bind everyone but the one
role an intruder in the application would have.  Kept apart, the application's role may read and write the
tables as it must — the triggers refusing what no one may do — and can disable nothing.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from gateways.erasure_store import TABLE as ERASURES_TABLE
from gateways.keystore import KEYS_TABLE
from gateways.published_statistics_store import TABLE as PUBLISHED_TABLE
from gateways.schema_lock import EVENTS_TABLE, schema_lock

# The event store is append-only too: nothing Sigill does changes or removes a stored event (an erasure destroys
# the case's key, not its events).  The ledger finds a change afterwards; this refuses it.  Installed by the setup
# alone: in a single-role installation its owner could disable it anyway.
EVENTS_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION {s}.sigill_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the event store is append-only: % of stored events refused', TG_OP; END $$;
DROP TRIGGER IF EXISTS append_only ON {events};
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {events}
    FOR EACH ROW EXECUTE FUNCTION {s}.sigill_events_are_append_only();
DROP TRIGGER IF EXISTS no_truncate ON {events};
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {events}
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_events_are_append_only();
"""

# A case's data key is written once and kept until destroyed (an erasure): replaced, the case would read as
# damaged; removed, it would read as erased with no erasure made.  Destroying — the key set NULL, at the moment it
# happens, with the erasure's decision on record (`sigill erase`) — is the one change.  Restoring a damaged key's
# row from a backup is the owner's work.
KEYS_KEPT = """
CREATE OR REPLACE FUNCTION {s}.sigill_keys_are_kept() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog AS $$   -- its operators pg_catalog's, whatever the caller's search path
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A new key; or one destroyed before it was ever made, by a decision on record, now.
        IF NEW.wrapped_key IS NOT NULL OR (NEW.destroyed_at = now()
                AND EXISTS (SELECT 1 FROM {erasures} e WHERE e.case_id = NEW.aggregate_id)) THEN
            RETURN NEW;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Destroyed now (an erasure's time is a record: never back-dated) by a decision on record, or destroyed
        -- again, changing nothing.
        IF NEW.aggregate_id = OLD.aggregate_id AND NEW.created_at = OLD.created_at AND NEW.wrapped_key IS NULL
           AND ((OLD.wrapped_key IS NOT NULL AND NEW.destroyed_at = now()
                 AND EXISTS (SELECT 1 FROM {erasures} e WHERE e.case_id = NEW.aggregate_id))
                OR (OLD.wrapped_key IS NULL AND NEW.destroyed_at IS NOT DISTINCT FROM OLD.destroyed_at)) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'a case''s data key is kept until destroyed: % refused (destroying sets it NULL, by an erasure'
                    ' decision on record: sigill erase)', TG_OP;
END $$;
DROP TRIGGER IF EXISTS kept ON {keys};
CREATE TRIGGER kept BEFORE INSERT OR UPDATE OR DELETE ON {keys}
    FOR EACH ROW EXECUTE FUNCTION {s}.sigill_keys_are_kept();
DROP TRIGGER IF EXISTS no_truncate ON {keys};
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {keys}
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.sigill_keys_are_kept();
"""

# What the application does with the tables: nextval of the sequences, never setval (which would make the event
# store's next positions collide with stored ones); UPDATE, DELETE and TRUNCATE on every table, since it locks the
# event store's table (EXCLUSIVE: PostgreSQL asks for one of them) and keeps views, keys and feeds current; on the
# append-only tables the triggers refuse them, and this role cannot disable a trigger.
GRANTS = """
GRANT USAGE ON SCHEMA {s} TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {s} TO {role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {role};
REVOKE UPDATE ON ALL SEQUENCES IN SCHEMA {s} FROM {role};
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {role};
"""

# A year's statistics published to evaluators (``published_statistics_store``) is added and read, never rewritten:
# the application's role may not even ask to change one (its triggers refuse the owner too, who may disable them).
PUBLISHED_KEPT = "REVOKE UPDATE, DELETE, TRUNCATE ON {published} FROM {role}"

# The views stage a large batch's facts in a temporary table of the session (gateways.view_tables.STAGE),
# which takes TEMPORARY on the database.  Every role has it through PUBLIC by default; a hardened database revokes
# it from PUBLIC, and then only a grant by name lets the views catch up.
GRANT_TEMPORARY = "GRANT TEMPORARY ON DATABASE {db} TO {role}"
# Whether the role may make temporary tables, and whether this one may grant that (the database's owner may; so
# may a superuser, or a role granted it WITH GRANT OPTION): each with the names to say it with.
TEMPORARY = """
SELECT has_database_privilege(%(role)s, current_database(), 'TEMPORARY'),
       has_database_privilege(current_database(), 'TEMPORARY WITH GRANT OPTION'),
       quote_ident(current_database()), quote_ident(%(role)s)
"""


class RoleProblem(ValueError):
    """The application's role cannot be kept apart as asked (it is missing, it is the owner, or it would keep a way
    to change what the triggers protect)."""


# Whether ``role`` may act as a role: inherit its rights (USAGE), or SET ROLE to it (MEMBER: a NOINHERIT member).
_RIGHTS_OF = "(pg_has_role({role}, {of}, 'USAGE') OR pg_has_role({role}, {of}, 'MEMBER'))"
# What in the database the application's role could still change, each a line for the refusal: anything it owns
# can be altered or its triggers disabled; the owner of a schema or of the database (whose is schema public since
# PostgreSQL 15) may drop any table in it; and whoever may create in a schema (every role in public before 15) can
# plant operators and functions — its own session's search path then decides what the triggers' checks call.
STILL_ITS = """
SELECT format('it owns the database %%I', d.datname) FROM pg_database d
 WHERE d.datname = current_database() AND {rights_db}
UNION ALL SELECT format('it may create objects in the database %%I (CREATE)', current_database())
 WHERE has_database_privilege(%(role)s, current_database(), 'CREATE')
UNION ALL SELECT format('it may create objects in schema %%I (CREATE)', n.nspname) FROM pg_namespace n
 WHERE n.nspname !~ '^pg_(toast_)?temp_' AND has_schema_privilege(%(role)s, n.oid, 'CREATE')
UNION ALL SELECT format('it owns schema %%I', n.nspname) FROM pg_namespace n
 WHERE n.nspname = %(schema)s AND {rights_ns}
UNION ALL SELECT format('it owns %%I.%%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n
 ON n.oid = c.relnamespace WHERE n.nspname = %(schema)s AND {rights_rel}
UNION ALL SELECT format('it owns function %%s', p.oid::regprocedure) FROM pg_proc p
 WHERE ({rights_proc}) AND (p.pronamespace = to_regnamespace(%(schema)s) OR p.oid IN (SELECT t.tgfoid
 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = to_regnamespace(%(schema)s)))
"""


def check_app_role(conninfo: str, role: str, schema: str = "public") -> None:
    """The application's role must exist, have none of the owner's rights (not the owner, no member of it, not
    even one that must SET ROLE), and keep no way to change Sigill's tables: owning none of them (an installation
    whose one role made them hands them over first), nor the schema or the database, and creating nothing.  It
    must be left able to make temporary tables in the database: having that right already, or given it by this
    role."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT rolsuper, " + _RIGHTS_OF.format(role="%s", of="current_user")
                           + " FROM pg_roles WHERE rolname = %s", (role, role, role)).fetchone()
        owner, database = conn.info.user, conn.info.dbname
        if row is None:
            raise RoleProblem(f"no database role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD '…')")
        if row[0] or row[1]:
            raise RoleProblem(f"the role {role!r} has the rights of {owner!r}, which is to own the tables (a"
                              " superuser, the same role or a member of it): the application's role must be another")
        rights = {name: _RIGHTS_OF.format(role="%(role)s", of=of) for name, of in (
            ("rights_db", "d.datdba"), ("rights_ns", "n.nspowner"), ("rights_rel", "c.relowner"),
            ("rights_proc", "p.proowner"))}
        kept = [r[0] for r in conn.execute(STILL_ITS.format(**rights), {"role": role, "schema": schema})]
        no_temporary = _no_temporary(conn, role)
    if kept:
        raise RoleProblem(
            f"the role {role!r} could still change what the triggers protect: {'; '.join(kept[:5])}"
            f"{' …' if len(kept) > 5 else ''} — hand it over and take it away (as a superuser, connected to the"
            f" database {database} itself — REASSIGN OWNED acts on the objects of the database it runs in: REASSIGN"
            f" OWNED BY {role} TO {owner}; ALTER DATABASE … OWNER TO {owner}; REVOKE CREATE ON … FROM {role},"
            " PUBLIC), then run this again (deploy/README.md)")
    if no_temporary:
        raise RoleProblem(no_temporary)


def _no_temporary(conn: psycopg.Connection, role: str) -> str | None:
    """Why the role would be left unable to make the views' temporary table, or None: it has TEMPORARY already
    (through PUBLIC, say), or this role may grant it (``keep_apart`` does).  Asked before any table is made."""
    has, may_grant, db, name = conn.execute(TEMPORARY, {"role": role}).fetchone()
    if has or may_grant:
        return None
    return (f"the role {role!r} may not make temporary tables in the database {db} (the views stage their facts in"
            f" one), and {conn.info.user!r} may not grant it: as the database's owner, run GRANT TEMPORARY ON"
            f" DATABASE {db} TO {name}, then run this again (deploy/README.md)")


def keep_apart(conninfo: str, schema: str, role: str) -> None:
    """With the tables made (by this, the owner's, connection): the event store append-only, the data keys kept
    until destroyed, the published statistics only added to, and the application's role given what it needs — the
    tables, and temporary tables of its own in the database — in one transaction."""
    s = sql.Identifier(schema)
    with schema_lock(conninfo) as cursor:
        cursor.execute(sql.SQL(EVENTS_APPEND_ONLY).format(s=s, events=sql.Identifier(schema, EVENTS_TABLE)))
        cursor.execute(sql.SQL(KEYS_KEPT).format(s=s, keys=sql.Identifier(schema, KEYS_TABLE),
                                                 erasures=sql.Identifier(schema, ERASURES_TABLE)))
        cursor.execute(sql.SQL(GRANTS).format(s=s, role=sql.Identifier(role)))
        cursor.execute(sql.SQL(PUBLISHED_KEPT).format(published=sql.Identifier(schema, PUBLISHED_TABLE),
                                                      role=sql.Identifier(role)))
        _grant_temporary(cursor, role)


def _grant_temporary(cursor: psycopg.Cursor, role: str) -> None:
    """TEMPORARY on the database to the application's role by name, so that the views catch up whether or not
    PUBLIC keeps it.  When this role may not grant it, the check found the application's role has it already:
    nothing to do (a GRANT would only warn that nothing was granted)."""
    may_grant, db = cursor.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY WITH GRANT"
                                   " OPTION'), current_database()").fetchone()
    if may_grant:
        cursor.execute(sql.SQL(GRANT_TEMPORARY).format(db=sql.Identifier(db), role=sql.Identifier(role)))
