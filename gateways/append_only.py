"""The triggers that make a table append-only: a row is never updated or deleted, a table never truncated.

What the audit trails rest on (the access log, the ledger): PostgreSQL refuses the change, whoever asks — a
migration, a mistaken statement, an intruder with the tables' role — so a trail cut short cannot pass as whole.
"""

from __future__ import annotations


def append_only_ddl(refusal: str, *tables: str) -> str:
    """DDL for ``create_schema``: the function ``{refuse}`` raising ``refusal``, and each of ``tables`` (names of
    ``sql.SQL`` placeholders, formatted with the rest of the creator's DDL) refusing UPDATE and DELETE of a row and
    TRUNCATE.  The text is the stamped DDL's (``schema_lock``): a change to it runs the creator's DDL again once."""
    refuse = ("CREATE OR REPLACE FUNCTION {refuse}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
              f"BEGIN RAISE EXCEPTION '{refusal}'; END $$;\n")
    rows = "".join(f"DROP TRIGGER IF EXISTS append_only ON {{{table}}};\n"
                   f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {{{table}}}\n"
                   "    FOR EACH ROW EXECUTE FUNCTION {refuse}();\n" for table in tables)
    truncation = "".join(f"DROP TRIGGER IF EXISTS no_truncate ON {{{table}}};\n"
                         f"CREATE TRIGGER no_truncate BEFORE TRUNCATE ON {{{table}}}\n"
                         "    FOR EACH STATEMENT EXECUTE FUNCTION {refuse}();\n" for table in tables)
    return refuse + rows + truncation
