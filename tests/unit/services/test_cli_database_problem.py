"""A database or data directory that cannot be used is one line saying what to do next, not only what went wrong
(an operator's walk of the production set-up met both lines below with nothing to act on)."""

from __future__ import annotations

import psycopg

from services.cli import database_problem


def test_a_database_url_whose_host_does_not_answer_points_at_the_url_and_the_network():
    for said in ('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused',
                 'connection failed: connection to server at "10.0.0.9" (10.0.0.9), port 5432 failed: timeout expired',
                 "failed to resolve host 'db.nowhere.invalid': [Errno -2] Name or service not known"):
        line = database_problem(psycopg.OperationalError(said))
        assert line == (f"cannot reach the database: {said} — check that PostgreSQL runs there and that"
                        " SIGILL_DATABASE_URL names its host and port, and that no firewall stands between"), line


def test_a_file_in_the_data_directory_sigill_may_not_read_says_whose_it_must_be():
    error = PermissionError(13, "Permission denied", "/var/lib/sigill/master.key")
    assert database_problem(error) == (
        "SIGILL_DATA_DIR: /var/lib/sigill/master.key: permission denied — run Sigill as the user that owns the data"
        " directory, or make that user its owner (chown -R; the key files stay mode 0600)")


def test_tls_failures_say_which_of_libpqs_variables_to_set_not_that_the_network_is_down():
    """What libpq 18 says of each TLS failure (tests/integration/test_postgres_tls.py meets the first four on a real
    server): the line said "check that PostgreSQL runs there … and that no firewall stands between" for every one."""
    at = 'connection failed: connection to server at "db.example" (10.0.0.9), port 5432 failed: '
    for said, told in ((at + "SSL error: certificate verify failed", "set PGSSLROOTCERT to the file of the CA"),
                       (at + 'server certificate for "db" does not match host name "db.example"',
                        "SIGILL_DATABASE_URL names the server by a host its TLS certificate does not carry"),
                       (at + 'FATAL:  pg_hba.conf rejects connection for host "10.0.0.1", user "sigill", database'
                        ' "sigill", no encryption', "set PGSSLMODE=verify-full and PGSSLROOTCERT"),
                       (at + 'FATAL:  no pg_hba.conf entry for host "10.0.0.1", user "sigill", database "sigill",'
                        ' no encryption', "set PGSSLMODE=verify-full and PGSSLROOTCERT"),
                       (at + 'could not read root certificate file "/etc/sigill/ca.pem": Permission denied',
                        "PGSSLROOTCERT: set it to the file of the CA"),
                       (at + "server does not support SSL, but SSL was required", "the server's ssl must be on"),
                       ('connection is bad: invalid sslmode value: "verify_full"', "set PGSSLMODE=verify-full")):
        line = database_problem(psycopg.OperationalError(said + "\nEither provide the file, …"))
        assert line.startswith("TLS to the database failed (") and told in line, line
        assert "firewall" not in line and "password" not in line and "db.example\" (10" not in line, line


def test_a_schema_that_does_not_exist_says_to_correct_the_name_or_create_it_owned_by_the_tables_owner():
    """The line told to create it AUTHORIZATION <Sigill's role>: in production the application's role owns nothing
    (`sigill database setup` refuses a role that owns the schema: "it owns schema …") — the tables' owner does, and
    the setup run as it makes the tables; a mistyped name was not thought of."""
    assert database_problem(Exception('schema "sigill_prod" does not exist')) == (
        'SIGILL_DB_SCHEMA: schema "sigill_prod" does not exist in the database: correct the name, leave the variable'
        " unset, or create the schema owned by the role that owns Sigill's tables (CREATE SCHEMA … AUTHORIZATION"
        " <that role>) and, in production, run `sigill database setup` as that role (deploy/README.md, section 1)")
