"""The one place that knows the concrete gateways: builds a ready application.

This package is the wiring; beside the application, the views and the API built here, its modules wire the database
(``database``), the audit ledger (``audit``), sign-in (``sign_in``), and the follower and the Kafka feeds
(``feeds``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from gateways.async_event_store import AsyncEventStore
from gateways.database_roles import RoleProblem, check_app_role, keep_apart
from gateways.erasure_store import PostgresErasures
from gateways.published_statistics_store import PostgresPublishedStatistics
from gateways.access_log_store import PostgresAccessLogStore
from gateways.agency_view_store import PostgresAgencyViewStore
from gateways.idempotency_store import PostgresIdempotencyStore
from gateways.embedded_postgres import PostgresLocation
from gateways.event_mapper import EncryptedEventMapper
from gateways.follower_lock import lock_held, probe_connection
from gateways.schema_lock import conninfo_of, forcing_ddl
from gateways.keystore import InMemoryKeyStore, PostgresKeyStore
from gateways.referral_lock import PostgresReferralTurns
from gateways.renewal_store import PostgresRenewals
from gateways.signed_out_store import PostgresSignedOut
from projections.agency_views import NAME as VIEWS_NAME
from projections.fact_ids import CurrentFactIds, PublicFactIds
from services.access_chain import AccessCheckpoint
from services.access_log import AccessLog
from services.application import CaseApplication
from services.case_lists import CaseListsFromViews
from services.audit_answers import ReportRead
from services.case_service import CaseService
from services.principals import NO_SIGN_IN, TokenVerifier
from services.ledger import Checkpoint
from services.report import Preparer, case_report
from services.audit import Ledger, check_access_log_file, raw_public_key, signature_ok
from services.catalogue_loader import load_catalogue
from services.clock import SystemClock
from services.idempotency import fingerprint_key
from services.ports import Clock
from services.settings import ConfigurationError, Settings
from services.view_runner import ViewRunner
from services.bootstrap.audit import build_ledger, checkpoint_file
from services.bootstrap.database import database_location, readiness_probe
from services.bootstrap.sign_in import build_token_verifier

if TYPE_CHECKING:   # imported where built: FastAPI and kafka-python take ~0.4 s, which every command and every
    from services.api.deps import ApiContext   # worker of a views' build paid at its start


def build_application(settings: Settings | None = None, *, clock: Clock | None = None,
                      location: PostgresLocation | None = None) -> CaseApplication:
    """The application on PostgreSQL, with each case encrypted under its own key."""
    settings = settings or Settings()
    settings.check()
    location = location or database_location(settings)
    keystore = PostgresKeyStore(location.conninfo(), settings.master_key_bytes(), schema=settings.db_schema,
                                connections=location.pool_size)
    return CaseApplication(
        env=location.eventsourcing_env(settings.db_schema), mapper=EncryptedEventMapper(keystore), keystore=keystore,
        catalogue=load_catalogue(settings.catalogue), clock=clock or SystemClock())


def build_in_memory_application(*, clock: Clock | None = None) -> CaseApplication:
    """In-memory persistence, for unit tests only; the same encrypting mapper as production."""
    keystore = InMemoryKeyStore(os.urandom(32))
    return CaseApplication(
        env={"PERSISTENCE_MODULE": "gateways.memory_recorder:InMemoryFactory"}, mapper=EncryptedEventMapper(keystore),
        keystore=keystore, catalogue=load_catalogue(), clock=clock or SystemClock())


def build_view_runner(app: CaseApplication, settings: Settings, location: PostgresLocation) -> ViewRunner:
    """The agency views on PostgreSQL, and the runner that keeps them caught up; a long build from the first event
    judged by worker processes built from the same settings (``services.build_workers``)."""
    factory = InfrastructureFactory.construct(Environment(VIEWS_NAME, location.eventsourcing_env(settings.db_schema)))
    store = factory.tracking_recorder(PostgresAgencyViewStore)
    store.keystore = app.keystore
    store.prepare_feeds(app.catalogue.lead_agency)  # numbers the feeds of a database built before they were
    runner = ViewRunner(app, store)
    runner.worker_recipe = ViewWorkerRecipe(settings, location, app.catalogue.digest)
    if settings.view_build_workers is not None:
        runner.build_workers = settings.view_build_workers
    return runner


BUILD_WORKER_CONNECTIONS = "sigill-views-build-worker"   # a build worker's connections' application_name


@dataclass(frozen=True)
class ViewWorkerRecipe:
    """How a worker of a build in parallel builds its runner, in its own process: the same settings and database,
    and — checked — the same agency catalogue as the runner that started it."""

    settings: Settings
    location: PostgresLocation
    catalogue: str   # the digest of the catalogue the build judges under

    def runner(self) -> ViewRunner:
        # One thread reads, judges and seals in turn: pools of one connection.  With the library's (five, and more
        # while busy) a worker held 14, and the default eight more than a stock PostgreSQL's hundred on their own.
        location = replace(self.location, pool_size=1)
        # libpq names every connection of this process so: an operator sees the workers in pg_stat_activity
        os.environ["PGAPPNAME"] = BUILD_WORKER_CONNECTIONS
        app = build_application(self.settings, location=location)
        if app.catalogue.digest != self.catalogue:
            raise ConfigurationError("the views' build worker reads another agency catalogue than the build"
                                     " (SIGILL_CATALOGUE changed meanwhile?)")
        return build_view_runner(app, self.settings, location)


def build_fact_ids(app: CaseApplication, settings: Settings, location: PostgresLocation) -> PublicFactIds:
    """The installation's public fact ids (for the command line's audit output)."""
    runner = build_view_runner(app, settings, location)
    try:
        return PublicFactIds(runner.store.feed_secret())  # type: ignore[attr-defined]
    finally:
        runner.store.close()  # type: ignore[attr-defined]


def build_case_service(app: CaseApplication, settings: Settings, location: PostgresLocation,
                       runner: ViewRunner | None = None, ledger: Ledger | None = None) -> CaseService:
    """The service the API and the web client share, with its access log, case lists and the ledger's check of
    a case's history (``ledger``: the caller's own, so that it is built — its tables checked — once)."""
    schema = settings.db_schema or "public"
    signing_key = Ed25519PrivateKey.from_private_bytes(settings.ledger_key_bytes())
    public_key = raw_public_key(signing_key)
    store = PostgresAccessLogStore(location.conninfo(), app.keystore, schema=schema)
    access_log = AccessLog(store, lambda message: (public_key, signing_key.sign(message)))
    runner = runner or build_view_runner(app, settings, location)
    ledger = ledger or build_ledger(app, settings, location)
    return CaseService(app, access_log, CaseListsFromViews(runner), check_history=ledger.checked_events,
                       referral_turns=PostgresReferralTurns(location.conninfo(), schema=schema),
                       retention_years=settings.retention_years,
                       # Asked for when a version is first told (the command line's tools may never tell one).
                       fact_ids=lambda case_id, fact_id: runner.store.fact_ids()(case_id, fact_id),  # type: ignore
                       published_statistics=PostgresPublishedStatistics(location.conninfo(), schema=schema))


def build_api_context(app: CaseApplication, settings: Settings, location: PostgresLocation,
                      verifier: TokenVerifier | None = None) -> ApiContext:
    """Everything the HTTP API needs, on the configured database; ``verifier``: the sign-in's (None: the settings')."""
    ledger = build_ledger(app, settings, location)
    service = build_case_service(app, settings, location, ledger=ledger)
    trusted = {ledger.public_key, *settings.trusted_ledger_keys()}
    # Every worker derives the same key from the installation secret the views' tables keep.
    # As this process last saw them: a renewal made elsewhere is taken up without a restart (``CurrentFactIds``).
    fact_ids = CurrentFactIds(service.lists.runner.store.fact_ids)  # type: ignore[attr-defined]

    def verify(exported: Iterable[Checkpoint] = (), trust: Iterable[bytes] = (),
               exported_reads: Iterable[AccessCheckpoint] = ()) -> tuple:
        """Against the installation's own checkpoints, and an exported file's (``exported``, and the access log's
        ``exported_reads``: signed by these keys or ``trust``), as `sigill audit verify --checkpoints F --trust-key
        K`: a bad access-log part of the file is ``InvalidCheckpointFile`` as a bad ledger part is."""
        trust = set(trust)
        checker = ledger.trusting(trust) if trust else ledger
        verification = checker.verify(exported)
        exported_reads = list(exported_reads)
        check_access_log_file(exported_reads, trusted | trust)   # before the log's walk, as the command line's
        return verification, service.access_log.verify(signature_ok, trusted | trust, exported_reads)

    def report(read: ReportRead, number_of: Callable[[], str | None] = lambda: None,
               made_by: Preparer | None = None) -> str:
        """Of the case's history as ``CaseService.audit_report`` read it, once (the ledger's check's rows)."""
        stored, access_checked = service.report_checks(read)
        return case_report(app, read.case_id, ledger.verify(), app.clock.now(), fact_ids.of(read.case_id),
                           read.divergence, stored.replaced, number_of=number_of,
                           agreement=stored.agreement, stored_rows=len(stored.rows), access_checked=access_checked,
                           made_by=made_by, history=read.history, fold=read.fold)

    idempotency = PostgresIdempotencyStore(location.conninfo(), schema=settings.db_schema or "public")
    from services.api.deps import ApiContext   # noqa: PLC0415 - see the imports
    return ApiContext(cases=service, verifier=verifier or build_token_verifier(settings), idempotency=idempotency,
                      loop_store=lambda: AsyncEventStore.of(app.recorder),
                      loop_access_log=service.access_log.store.for_this_loop,  # type: ignore[attr-defined]
                      verify_ledger=verify, export_checkpoints=lambda: checkpoint_file(ledger, settings, location),
                      seal_ledger=ledger.seal, report=report, fact_ids=fact_ids,
                      request_key=fingerprint_key(settings.master_key_bytes()),
                      previous_request_keys=tuple(fingerprint_key(k) for k in (settings.previous_master_key_bytes(),)
                                                  if k is not None),
                      readiness=readiness_probe(settings, location),
                      closers=[idempotency.close, service.access_log.store.close,
                               service.referral_turns.close,  # type: ignore[union-attr]
                               service.published_statistics.close,  # type: ignore[union-attr]
                               service.lists.runner.store.datastore.close])  # type: ignore[attr-defined]


def build_shared_renewals(settings: Settings, location: PostgresLocation, context: ApiContext) -> PostgresRenewals:
    """The web sessions' renewals, shared by every worker through the database (closed with ``context``)."""
    store = PostgresRenewals(location.conninfo(), schema=settings.db_schema or "public")
    context.closers.append(store.close)
    return store


def build_signed_out(settings: Settings, location: PostgresLocation, context: ApiContext) -> PostgresSignedOut:
    """The web sessions signed out, for every worker through the database (closed with ``context``)."""
    store = PostgresSignedOut(location.conninfo(), schema=settings.db_schema or "public")
    context.closers.append(store.close)
    return store


def set_up_database(settings: Settings, location: PostgresLocation, app_role: str) -> None:
    """As the role that is to own Sigill's tables: make (or bring up to date) every table of the application, the
    views, the feeds, the ledger, the access log and the web sessions, the event store append-only, and give
    ``app_role`` — which must not have the owner's rights — what the application does with them.  Every table's
    DDL is run, whatever the stamps say it was (``gateways.schema_lock``): the way to force it."""
    try:
        check_app_role(location.conninfo(), app_role, settings.db_schema or "public")
    except RoleProblem as error:
        raise ConfigurationError(str(error)) from None
    with forcing_ddl():
        app = build_application(settings, location=location)
        try:
            # The views, feeds, ledger, access log, answers.  It signs no one in: run as deploy/README.md shows it,
            # with no SIGILL_ENVIRONMENT, the settings' verifier made a development key in the owner's home.
            context = build_api_context(app, settings, location, verifier=NO_SIGN_IN)
            build_shared_renewals(settings, location, context)
            build_signed_out(settings, location, context)   # the record of erasures: with the views' tables
            context.close()
        finally:
            app.close()
    keep_apart(location.conninfo(), settings.db_schema or "public", app_role)


def build_erasures(settings: Settings, location: PostgresLocation) -> PostgresErasures:
    """The record of erasures (gallring), on the configured database."""
    return PostgresErasures(location.conninfo(), schema=settings.db_schema or "public")


def a_follower_works(runner: ViewRunner) -> bool:
    """Whether some process's follower holds the followers' lock on the views' database and schema."""
    datastore = runner.store.datastore  # type: ignore[attr-defined]
    with probe_connection(conninfo_of(datastore), 10) as conn:
        return lock_held(conn, datastore.schema or "public")
