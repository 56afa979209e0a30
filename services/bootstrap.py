"""The one place that knows the concrete gateways: builds a ready application."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from gateways.agency_view_store import PostgresAgencyViewStore
from gateways.embedded_postgres import PostgresLocation, create_database, location_from_url, start_embedded
from gateways.event_mapper import EncryptedEventMapper
from gateways.keystore import InMemoryKeyStore, PostgresKeyStore
from gateways.ledger_store import PostgresLedgerStore
from services.application import CaseApplication
from services.audit import Ledger
from services.catalogue_loader import load_catalogue
from services.clock import SystemClock
from services.ports import Clock
from services.settings import Settings
from services.view_runner import ViewRunner

EMBEDDED_DATABASE = "sigill"


def database_location(settings: Settings) -> PostgresLocation:
    """The configured external PostgreSQL, or the embedded one (started if needed)."""
    if settings.database_url is not None:
        return location_from_url(settings.database_url.get_secret_value())
    server = start_embedded(settings.data_dir / "postgres")
    return create_database(server, EMBEDDED_DATABASE)


def build_application(settings: Settings | None = None, *, clock: Clock | None = None,
                      location: PostgresLocation | None = None) -> CaseApplication:
    """The application on PostgreSQL, with each case encrypted under its own key."""
    settings = settings or Settings()
    settings.check()
    location = location or database_location(settings)
    keystore = PostgresKeyStore(location.conninfo(), settings.master_key_bytes(), schema=settings.db_schema)
    return CaseApplication(
        env=location.eventsourcing_env(settings.db_schema), mapper=EncryptedEventMapper(keystore), keystore=keystore,
        catalogue=load_catalogue(settings.catalogue), clock=clock or SystemClock())


def build_in_memory_application(*, clock: Clock | None = None) -> CaseApplication:
    """In-memory persistence, for unit tests only; the same encrypting mapper as production."""
    keystore = InMemoryKeyStore(os.urandom(32))
    return CaseApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, mapper=EncryptedEventMapper(keystore), keystore=keystore,
        catalogue=load_catalogue(), clock=clock or SystemClock())


def build_ledger(app: CaseApplication, settings: Settings, location: PostgresLocation) -> Ledger:
    """The audit ledger over the application's events table."""
    store = PostgresLedgerStore(location.conninfo(), schema=settings.db_schema or "public",
                                events_table=f"{app.name.lower()}_events")
    signing_key = Ed25519PrivateKey.from_private_bytes(settings.ledger_key_bytes())
    return Ledger(store, signing_key, app.clock, settings.trusted_ledger_keys())


def build_view_runner(app: CaseApplication, settings: Settings, location: PostgresLocation) -> ViewRunner:
    """The agency views on PostgreSQL, and the runner that keeps them caught up."""
    factory = InfrastructureFactory.construct(Environment("agency_views", location.eventsourcing_env(settings.db_schema)))
    store = factory.tracking_recorder(PostgresAgencyViewStore)
    store.keystore = app.keystore
    return ViewRunner(app, store)
