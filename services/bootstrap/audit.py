"""The audit ledger wired to PostgreSQL: the ledger the installation seals with, the one a verifier reads in one
snapshot, and the checkpoint file a supervisor keeps."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.utils import get_topic

from domain.case_events import CaseClosed
from gateways.access_log_checks import latest_checkpoint
from gateways.embedded_postgres import PostgresLocation
from gateways.ledger_store import NoLedger, PostgresLedgerStore
from gateways.read_snapshot import ReadSnapshot, read_snapshot
from gateways.verifier_reads import VerifierReads
from projections.agency_views import NAME as VIEWS_NAME
from services.access_chain import AccessCheckpoint
from services.application import CaseApplication
from services.audit import Ledger
from services.catalogue_loader import load_catalogue
from services.clock import SystemClock
from services.settings import ConfigurationError, Settings


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
