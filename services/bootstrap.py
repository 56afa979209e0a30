"""The one place that knows the concrete gateways: builds a ready application."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment, get_topic

from domain.case_events import CaseClosed
from gateways.async_event_store import AsyncEventStore
from gateways.database_roles import RoleProblem, check_app_role, keep_apart
from gateways.erasure_store import PostgresErasures
from gateways.published_statistics_store import PostgresPublishedStatistics
from gateways.access_log_checks import latest_checkpoint
from gateways.access_log_store import PostgresAccessLogStore
from gateways.agency_view_store import PostgresAgencyViewStore
from gateways.idempotency_store import PostgresIdempotencyStore
from gateways.jwt_tokens import DEV_KEY_ID, DevTokens, Discovery, JwtVerifier, load_jwks
from gateways.oidc_client import OidcClient
from gateways.embedded_postgres import (PostgresLocation, answering, create_database, location_from_url,
                                       start_embedded)
from gateways.event_mapper import EncryptedEventMapper
from gateways.follower_lock import FollowerLock, lock_held, probe_connection
from gateways.schema_lock import conninfo_of, forcing_ddl
from gateways.readiness import ReadinessProbe
from gateways.keystore import InMemoryKeyStore, PostgresKeyStore, first_wrapped_keys, unwraps_stored
from gateways.key_rotation import Rotation, RotationRefused, rotate
from gateways.ledger_store import NoLedger, PostgresLedgerStore
from gateways.read_snapshot import ReadSnapshot, read_snapshot
from gateways.verifier_reads import VerifierReads
from gateways.pg_notifications import EventNotifications
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
from services.database_tls import (DatabaseTls, DatabaseTlsJudgement, effective_sslmode, judge,
                                   root_certificate_found)
from services.idempotency import fingerprint_key
from services.ports import Clock, MasterKeyCheck
from services.settings import ConfigurationError, Settings
from services.feed_publisher import FeedPublisher
from services.follower import Follower
from services.kafka_settings import feed_topic, kafka_options
from services.view_runner import ViewRunner

if TYPE_CHECKING:   # imported where built: FastAPI and kafka-python take ~0.4 s, which every command and every
    from gateways.kafka_consumer import KafkaFeedConsumer   # worker of a views' build paid at its start
    from services.api.deps import ApiContext

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


def build_ledger(app: CaseApplication, settings: Settings, location: PostgresLocation,
                 trust: Iterable[bytes] = ()) -> Ledger:
    """The audit ledger over the application's events table; it trusts its own signing key, the earlier ones in
    SIGILL_LEDGER_TRUSTED_KEYS, and ``trust`` (keys an auditor gives on the command line)."""
    store = _ledger_store(settings, location.conninfo())
    signing_key = Ed25519PrivateKey.from_private_bytes(settings.ledger_key_bytes())
    return Ledger(store, signing_key, app.clock, [*trust, *settings.trusted_ledger_keys()])


@contextmanager
def verifier_reads(settings: Settings, location: PostgresLocation, trust: Iterable[bytes] = ()
                   ) -> Iterator[tuple[Ledger, VerifierReads]]:
    """What `sigill audit verify` reads — the ledger (``build_ledger_verifier``), the access log, the auditors'
    index both ways, the erasures — in one read-only snapshot (``gateways.read_snapshot``), for the block: every
    check judges the same moment.  The lead agency is the catalogue's (the installation's own, ``SIGILL_CATALOGUE``,
    read without a key)."""
    # An external URL's carries a connect timeout: a silent host is no hang.
    with read_snapshot(location.conninfo()) as snapshot:
        ledger = build_ledger_verifier(settings, location, snapshot, trust)
        yield ledger, VerifierReads(snapshot, settings.db_schema or "public", f"{CaseApplication.name.lower()}_events",
                                    f"{VIEWS_NAME}_tracking", CaseApplication.name, get_topic(CaseClosed),
                                    lambda: load_catalogue(settings.catalogue).lead_agency)


def build_ledger_verifier(settings: Settings, location: PostgresLocation, snapshot: ReadSnapshot,
                          trust: Iterable[bytes] = ()) -> Ledger:
    """The ledger as an outside party verifies it: read only (a read-only database role will do), in ``snapshot``,
    with no master key and no signing key; it trusts the keys it is given, SIGILL_LEDGER_TRUSTED_KEYS, and the
    installation's own signing key where this machine has it."""
    try:
        store = _ledger_store(settings, location.conninfo(), create=False, snapshot=snapshot)
    except NoLedger as missing:   # the URL names another database: a configuration to mend
        raise ConfigurationError(str(missing)) from None
    own = settings.existing_ledger_key_bytes()
    trusted = [*trust, *settings.trusted_ledger_keys()]
    if own is None and not trusted:
        raise ConfigurationError("no ledger key to trust: give Sigill's public key with --trust-key BASE64 (or"
                                 " SIGILL_LEDGER_TRUSTED_KEYS); `sigill audit export` names the key of each"
                                 " checkpoint, but trust one you got from the operator, not from the file")
    signing_key = None if own is None else Ed25519PrivateKey.from_private_bytes(own)
    return Ledger(store, signing_key, SystemClock(), trusted)


def access_log_checkpoint(settings: Settings, location: PostgresLocation) -> AccessCheckpoint | None:
    """The access log's last signed checkpoint, for `sigill audit export` (None: none yet)."""
    return latest_checkpoint(location.conninfo(), settings.db_schema or "public")


def checkpoint_file(ledger: Ledger, settings: Settings, location: PostgresLocation) -> str:
    """The checkpoint file a supervisor keeps, as `sigill audit export`, the API's and the web's download write it:
    the ledger's checkpoints and the access log's last — without one kept outside, the access log can be rewritten
    from any of its own checkpoints on (its chain needs no key) and those after deleted, unseen."""
    return ledger.export(access_log_checkpoint(settings, location))


def _ledger_store(settings: Settings, conninfo: str, **reading) -> PostgresLedgerStore:  # noqa: ANN003 - the store's
    return PostgresLedgerStore(conninfo, schema=settings.db_schema or "public",
                               events_table=f"{CaseApplication.name.lower()}_events", **reading)


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


def build_token_verifier(settings: Settings) -> TokenVerifier:
    """Production: the configured issuer's keys.  Development: the locally generated development key."""
    if settings.oidc_issuer and settings.oidc_jwks:
        source = settings.oidc_jwks
        # A scheme in any case (RFC 3986 §3.1): HTTPS://user:password@… was read as a file and named back whole.
        if source.lower().startswith(("https://", "http://")):
            return JwtVerifier(settings.oidc_issuer, settings.oidc_audience, jwks_url=source)
        try:
            verifier = JwtVerifier(settings.oidc_issuer, settings.oidc_audience, jwks=load_jwks(source))
        except (ValueError, jwt.PyJWTError) as error:   # unreadable, not JSON, or not a key set: a setting to mend
            raise ConfigurationError(f"SIGILL_OIDC_JWKS: {error}") from None
        if settings.is_production and DEV_KEY_ID in verifier.key_ids:
            raise ConfigurationError("SIGILL_OIDC_JWKS holds the development key: production refuses it")
        return verifier
    if settings.oidc_issuer:  # only the issuer: its keys from its discovery document's jwks_uri
        return JwtVerifier(settings.oidc_issuer, settings.oidc_audience, discovery=Discovery(settings.oidc_issuer))
    if settings.is_production:
        raise ConfigurationError("production needs SIGILL_OIDC_ISSUER")
    return dev_tokens(settings).verifier()


def build_identity_provider(settings: Settings) -> OidcClient | None:
    """The web client's OIDC sign-in at the configured issuer; None when no client is configured."""
    if not settings.oidc_sign_in:
        return None
    assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
    return OidcClient(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value())


def dev_tokens(settings: Settings) -> DevTokens:
    """The development token signer (embedded mode only)."""
    if settings.is_production:
        raise ConfigurationError("development tokens are refused in production")
    return DevTokens(settings.made_data_dir())


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


def build_feed_publisher(app: CaseApplication, settings: Settings, location: PostgresLocation,
                         runner: ViewRunner | None = None) -> FeedPublisher | None:
    """The Kafka publisher of every agency's feed; None when no Kafka is configured (the HTTP feed still works)."""
    if not settings.kafka_bootstrap_servers:
        return None
    from gateways.kafka_publisher import KafkaMessageSink   # noqa: PLC0415 - see the imports
    sink = KafkaMessageSink(settings.kafka_bootstrap_servers, kafka_options(settings),
                            partitions=settings.kafka_topic_partitions)
    store = (runner or build_view_runner(app, settings, location)).store
    return FeedPublisher(store, sink, app.catalogue.agencies, prefix=settings.kafka_topic_prefix,
                         batch_size=settings.kafka_publish_batch, now=app.clock.now)


def build_feed_consumer(settings: Settings, agency: str, *, group: str, from_beginning: bool,
                        municipality: str | None) -> KafkaFeedConsumer:
    """A consumer of one agency's topic in one municipality; needs no database."""
    if not settings.kafka_bootstrap_servers:
        raise ConfigurationError("SIGILL_KAFKA_BOOTSTRAP_SERVERS is not set: there is no Kafka to consume from")
    from gateways.kafka_consumer import KafkaFeedConsumer   # noqa: PLC0415 - see the imports
    return KafkaFeedConsumer(settings.kafka_bootstrap_servers, kafka_options(settings),
                             feed_topic(settings, agency, municipality), group=group, from_beginning=from_beginning)


def build_follower(app: CaseApplication, settings: Settings, location: PostgresLocation) -> Follower:
    """Views, ledger seals, calendar and erasure notices — and, when Kafka is configured, the feeds' publication."""
    runner = build_view_runner(app, settings, location)
    notifications = EventNotifications(location.conninfo(), app.recorder.channel_name)  # type: ignore[attr-defined]
    return Follower(runner, build_ledger(app, settings, location),
                    publisher=build_feed_publisher(app, settings, location, runner),
                    listen=notifications.run, erasures=runner.store.record_erasures,  # type: ignore[attr-defined]
                    lock=FollowerLock(location.conninfo(), settings.db_schema or "public"))


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
