"""Where Sigill's database is, and what is asked of it before anything is built on it: the embedded or the configured
location, how far libpq verifies it, the readiness and status probes, the master key's check and its rotation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from gateways.embedded_postgres import PostgresLocation, answering, create_database, location_from_url, start_embedded
from gateways.readiness import ReadinessProbe
from gateways.keystore import first_wrapped_keys, unwraps_stored
from gateways.key_rotation import Rotation, RotationRefused, rotate
from projections.agency_views import NAME as VIEWS_NAME
from services.application import CaseApplication
from services.database_tls import DatabaseTls, DatabaseTlsJudgement, effective_sslmode, judge, root_certificate_found
from services.ports import MasterKeyCheck
from services.settings import ConfigurationError, Settings


EMBEDDED_DATABASE = "sigill"


def database_location(settings: Settings) -> PostgresLocation:
    """The configured external PostgreSQL, or the embedded one (started if needed)."""
    if settings.database_url is not None:
        # Asked before anything is made for it: in development a data directory's master key would otherwise be
        # generated for a database that never answered (a mistyped URL left a new key behind).
        return answering(_configured_location(settings))
    server = start_embedded(settings.made_data_dir() / "postgres")
    return create_database(server, EMBEDDED_DATABASE)


def _configured_location(settings: Settings) -> PostgresLocation:
    try:
        return location_from_url(settings.database_url.get_secret_value())  # type: ignore[union-attr]
    except ValueError as error:   # its words never repeat the URL: it may hold a password
        raise ConfigurationError(f"SIGILL_DATABASE_URL: {error}") from None


def database_tls(settings: Settings) -> DatabaseTlsJudgement:
    """How far libpq verifies the configured database, from the URL's host and libpq's environment, without
    connecting (the embedded server: its socket, on this machine)."""
    libpq = {name: value for name, value in os.environ.items() if name.startswith("PG")}
    if settings.database_url is None:
        return DatabaseTlsJudgement(DatabaseTls.LOCAL, host=str(settings.data_dir / "postgres"),
                                    sslmode=effective_sslmode(libpq), given="PGSSLMODE" in libpq)
    try:
        host = location_from_url(settings.database_url.get_secret_value()).host
    except ValueError as error:   # its words never repeat the URL: it may hold a password
        raise ConfigurationError(f"SIGILL_DATABASE_URL: {error}") from None
    return judge(host, libpq, root_certificate_found(libpq, Path.home()))


# A newcomer's first `sigill audit verify` or `views cases` on a new machine meets these lines too, where the cause is
# no typo: say what makes the data, worded so that a mistyped directory is not taken for a place to start one.
_NEW_HERE = "(nothing has run here yet? `sigill serve` or `sigill demo` makes it)"


def existing_database_location(settings: Settings) -> PostgresLocation:
    """The configured database, or the embedded one if this data directory already has it: never a new one."""
    if settings.database_url is None and not (settings.data_dir / "postgres").exists():
        raise ConfigurationError(f"no Sigill data in {settings.data_dir}: set SIGILL_DATA_DIR to the data directory"
                                 f" Sigill runs with, or SIGILL_DATABASE_URL {_NEW_HERE}")
    return database_location(settings)


def verifier_location(settings: Settings, *, asked: bool = True) -> PostgresLocation:
    """The database a verifier reads: the configured one, or an embedded one that already exists here — never
    a new embedded server made just to find no ledger in it.  ``asked=False``: a configured one is not asked first
    whether it answers (verify makes nothing: its own first connection asks, with the same error)."""
    if settings.database_url is None:
        if settings.is_production:
            raise ConfigurationError("production needs SIGILL_DATABASE_URL: Sigill's database, to be read")
        if not (settings.data_dir / "postgres").exists():
            raise ConfigurationError(f"no embedded database in {settings.data_dir}: set SIGILL_DATABASE_URL to"
                                     f" Sigill's database (a read-only role will do), or SIGILL_DATA_DIR {_NEW_HERE}")
    elif not asked:
        return _configured_location(settings)
    return database_location(settings)


def rotate_master_key(settings: Settings, progress: Callable[[int, int], None]) -> Rotation:
    """Every data key wrapped anew by SIGILL_MASTER_KEY, from SIGILL_PREVIOUS_MASTER_KEY (``gateways.key_rotation``);
    both must be set — in development too, where the data directory's key file is not changed."""
    previous = settings.previous_master_key_bytes()
    if settings.master_key is None or previous is None:
        raise ConfigurationError("set SIGILL_MASTER_KEY to the new master key (`sigill new-master-key`) and"
                                 " SIGILL_PREVIOUS_MASTER_KEY to the one in use, then run this again")
    location = verifier_location(settings)   # an existing database only: nothing is made for a mistyped URL
    try:
        return rotate(location.conninfo(), settings.db_schema or "public", previous, settings.master_key_bytes(),
                      progress)
    except RotationRefused as refused:
        raise ConfigurationError(str(refused)) from None


def readiness_probe(settings: Settings, location: PostgresLocation) -> ReadinessProbe:
    """What the readiness probe (the API's, and `sigill database status`) asks the database: whether a follower works
    on it, how far behind the views are, what Kafka has yet to acknowledge.  The tables are named as eventsourcing
    names the application's and the views' (``<name>_events``, ``<name>_tracking``), so the probe needs the
    database's address alone: no master key, signing key or sign-in settings, and nothing is created."""
    return ReadinessProbe(location.conninfo(), settings.db_schema or "public", f"{CaseApplication.name.lower()}_events",
                          f"{VIEWS_NAME}_tracking", CaseApplication.name,
                          kafka=settings.kafka_bootstrap_servers is not None)


def status_probe(settings: Settings) -> ReadinessProbe:
    """`sigill database status`'s probe, of an existing database only (a read-only role will do)."""
    return readiness_probe(settings, verifier_location(settings))


def master_key_check(probe: ReadinessProbe, master_key: bytes, previous: bytes | None) -> MasterKeyCheck | None:
    """Whether `sigill serve` would open the key store under ``master_key`` (status's check of it): judged as the
    store judges it, from the same first few keys by id, in one query; no key unwrapped beyond those.  None when
    there is nothing to judge by: no key stored yet, or the key table not readable by this role."""
    first = first_wrapped_keys(probe.conninfo, probe.schema, probe.timeout)
    unwraps = None if first is None else unwraps_stored(master_key, first)
    if unwraps is None:
        return None
    if unwraps:
        return MasterKeyCheck.UNWRAPS
    rotating = previous is not None and unwraps_stored(previous, first)
    return MasterKeyCheck.NOT_ROTATED if rotating else MasterKeyCheck.WRONG
