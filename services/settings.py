"""Configuration in one place: environment variables prefixed SIGILL_ (see README).

With nothing set, Sigill runs on its embedded defaults: an embedded
PostgreSQL and a generated master key under the user's data directory.
Production refuses to start without an external database and a master key
of its own.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.retention import DEFAULT_RETENTION_YEARS
from services import key_files

# One Kafka bootstrap server: a host name or IPv4 address, or an IPv6 address in brackets, then :port.
BOOTSTRAP_SERVER = re.compile(r"(?:\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]|[^\s:\[\],/]+):(?P<port>[0-9]{1,5})")

# A topic prefix Kafka takes (its legal characters), short enough that <prefix>.<agency>.<municipality>.disclosures
# stays within Kafka's 249 characters for the longest catalogue ids (50 and 10 characters).
TOPIC_PREFIX = re.compile(r"[A-Za-z0-9._-]{1,175}")

DEFAULT_DATA_DIR = platformdirs.user_data_path("sigill")
PLACEHOLDER = "CHANGE-ME"   # deploy/sigill.env.example's, for every secret
MASTER_KEY_FILE = "master.key"
LEDGER_KEY_FILE = "ledger.key"


class ConfigurationError(Exception):
    """The configuration cannot work; the message says what to set."""


def no_such_schema(schema: str) -> str:
    """The line for a SIGILL_DB_SCHEMA that names no schema of the database, as every command says it (`serve`, a
    command's database error, `database status`, `audit verify`'s ledger): until 2026-12-07 the last two said only
    "name the schema Sigill's tables are in".  Owned by the tables' owner: the setup refuses an application's role
    that owns the schema (it could drop the tables)."""
    return (f'SIGILL_DB_SCHEMA: schema "{schema}" does not exist in the database: correct the name, leave the variable'
            " unset, or create the schema owned by the role that owns Sigill's tables (CREATE SCHEMA … AUTHORIZATION"
            " <that role>) and, in production, run `sigill database setup` as that role (deploy/README.md, section 1)")


def _check_no_placeholder(variable: str, secret: SecretStr | None) -> None:
    if secret is not None and PLACEHOLDER in secret.get_secret_value():
        raise ConfigurationError(f"{variable} still holds {PLACEHOLDER}, the placeholder of deploy/sigill.env.example:"
                                 " set the real value")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGILL_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: SecretStr | None = None   # postgresql://user:password@host:5432/dbname
    db_schema: str | None = None
    master_key: SecretStr | None = None     # base64 of 32 random bytes; wraps every case's data key
    # The master key a rotation replaces (``sigill database rotate-master-key``); kept a day after it, so that what
    # was keyed under it before is still recognised: a retried write's Idempotency-Key, a web form's key and CSRF
    # token, a web session signed out (each hashed or MACed under a key derived from the master key).
    previous_master_key: SecretStr | None = None
    catalogue: Path | None = None           # extra reference data (TOML) added to the defaults
    ledger_key: SecretStr | None = None     # base64 of a 32-byte Ed25519 seed; signs ledger checkpoints
    ledger_trusted_keys: str = ""           # comma-separated base64 public keys of earlier signing keys
    oidc_issuer: str | None = None          # production: the identity provider's issuer (iss)
    oidc_audience: str = "sigill"           # the audience (aud) tokens for Sigill carry
    oidc_jwks: str | None = None            # the issuer's public keys: a JWKS file or URL (default: discovery)
    oidc_client_id: str | None = None       # the web client's client id at the issuer (the ID token's aud)
    oidc_client_secret: SecretStr | None = None  # its client secret (client_secret_basic)
    public_url: str | None = None           # where browsers reach Sigill, e.g. https://sigill.example.se
    # Agency feeds on Kafka: nothing is published unless bootstrap servers are set (see README).
    kafka_bootstrap_servers: str | None = None   # host:port[,host:port…] of the Kafka cluster
    kafka_topic_prefix: str = "sigill"            # topics are <prefix>.<agency>.<municipality>.disclosures
    kafka_topic_partitions: int = 3               # for topics the publisher creates itself
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None          # CA bundle that signed the brokers' certificates
    kafka_ssl_certfile: Path | None = None        # client certificate (mutual TLS)
    kafka_ssl_keyfile: Path | None = None         # its private key
    kafka_publish_batch: int = 1000               # messages per acknowledged batch (and position update)
    # Gallring: the municipality's retention period, in whole years after a closed case's last event (SoL's
    # personal records: five).  ``sigill erase --due`` and the web's Gallring page list the cases past it.
    retention_years: int = DEFAULT_RETENTION_YEARS
    # Processes judging a long build of the views from the first event (``services.build_workers``); None: one a
    # core, at most eight.  1: the runner judges alone.
    view_build_workers: int | None = None

    @field_validator("kafka_topic_partitions", "kafka_publish_batch")
    @classmethod
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise PydanticCustomError("at_least_one", "must be at least 1")
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _blank_is_the_default(cls, value: object) -> object:
        # "SIGILL_DATA_DIR=" in an environment file: the working directory (Path("")) took the database and the keys.
        return DEFAULT_DATA_DIR if isinstance(value, str) and not value.strip() else value

    @field_validator("data_dir")
    @classmethod
    def _home_expanded(cls, value: Path) -> Path:
        # "~/sigill" put the embedded database under the home directory (the wheel expands it) and the keys that read
        # it in a directory named "~" under the working directory: run from elsewhere, the keys were made anew.
        return value.expanduser()

    @field_validator("kafka_topic_prefix")
    @classmethod
    def _topic_prefix(cls, value: str) -> str:
        # kafka-python refuses an illegal topic name only as the publisher sends: a ValueError, retried for ever.
        if not TOPIC_PREFIX.fullmatch(value):
            raise PydanticCustomError("topic_prefix", "must be 1–175 characters of A–Z, a–z, 0–9, '.', '_' and '-'"
                                      " (it begins every topic's name)")
        return value

    @field_validator("db_schema")
    @classmethod
    def _schema(cls, value: str | None) -> str | None:
        # A blank is not set (the default schema): it was quoted as "" in Sigill's own queries, which PostgreSQL
        # refuses, and every command said it could not reach the database.
        return value if value and value.strip() else None

    @field_validator("view_build_workers")
    @classmethod
    def _workers(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= 64:
            raise PydanticCustomError("view_build_workers", "must be a number of processes from 1 to 64")
        return value

    @field_validator("retention_years")
    @classmethod
    def _whole_years(cls, value: int) -> int:
        # 0 would list every closed case as due the moment it closes; more than a century is a typo.
        if not 1 <= value <= 100:
            raise PydanticCustomError("retention_years", "must be a whole number of years from 1 to 100")
        return value

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _bootstrap_servers(cls, value: str | None) -> str | None:
        """Checked when the settings load, so that every command refuses a typo in one line: kafka-python
        raises ValueError from deep inside for some, and retries others (a port out of range) forever."""
        if value is None or not value.strip():
            return None   # not set: nothing is published
        if "@" in value:
            # user:password@host:port, as in a URL: not said back (the refusal goes to the terminal and the journal,
            # and a user alone was taken and printed at every `sigill feed publish`); SASL has variables of its own.
            raise PydanticCustomError("bootstrap_servers", "an entry holds an '@': the list names host:port alone —"
                                      " give the user and password as SIGILL_KAFKA_SASL_USERNAME and"
                                      " SIGILL_KAFKA_SASL_PASSWORD")
        servers = [server.strip() for server in value.split(",")]
        for server in servers:
            match = BOOTSTRAP_SERVER.fullmatch(server)
            if not match or not 1 <= int(match["port"]) <= 65535:
                # A server list names hosts, never a secret (one with an '@' was refused above): the entry is shown.
                raise PydanticCustomError(
                    "bootstrap_servers", "{server} is not host:port (expected host:port[,host:port…], port 1–65535,"
                    " an IPv6 address in brackets)", {"server": repr(server[:80])})
        return ",".join(servers)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def check(self) -> None:
        if self.is_production and self.database_url is None:
            raise ConfigurationError("production needs SIGILL_DATABASE_URL (an external PostgreSQL)")
        if self.is_production and self.master_key is None:
            raise ConfigurationError("production needs SIGILL_MASTER_KEY (base64 of 32 random bytes)")
        if self.gives_the_development_key():
            raise ConfigurationError("SIGILL_MASTER_KEY is the development key: generate a production key")
        if self.is_production and self.ledger_key is None:
            raise ConfigurationError("production needs SIGILL_LEDGER_KEY (base64 of 32 random bytes)")
        if self.is_production and self.ledger_key_bytes() == self.master_key_bytes():
            # One secret for two jobs: whoever may sign the ledger's checkpoints (a sealing job, a backup of its
            # key) could unwrap every case's data key, and rotating either would have to rotate both.
            raise ConfigurationError("SIGILL_LEDGER_KEY is SIGILL_MASTER_KEY: give the ledger a key of its own"
                                     " (`sigill new-master-key` makes one)")
        self._check_public_url_is_an_origin()
        if self.is_production:
            self._check_placeholders()
            self._check_oidc()
        # Decoded now, before anything starts: read first by each server worker as it built its app, a malformed one
        # stopped every worker with a traceback, respawned for ever by uvicorn while `sigill serve` stayed up.
        self.previous_master_key_bytes()
        self.trusted_ledger_keys()
        if self.catalogue is not None and not self.catalogue.is_file():
            raise ConfigurationError(f"SIGILL_CATALOGUE names no file: {self.catalogue}")

    def gives_the_development_key(self) -> bool:
        """Production given the data directory's development master key as SIGILL_MASTER_KEY (refused at a start)."""
        return (self.is_production and self.master_key is not None
                and self.master_key_bytes() == _development_key(self.data_dir / MASTER_KEY_FILE))

    def _check_placeholders(self) -> None:
        """The example file's placeholder left in a secret: the start went on, and the database, the identity provider
        (at a user's first sign-in) or Kafka (told as "unreachable") refused it later."""
        self.check_database_url_is_no_placeholder()
        for variable, secret in (("SIGILL_OIDC_CLIENT_SECRET", self.oidc_client_secret),
                                 ("SIGILL_KAFKA_SASL_PASSWORD", self.kafka_sasl_password)):
            _check_no_placeholder(variable, secret)

    def check_database_url_is_no_placeholder(self) -> None:
        """Also `sigill database status`'s, which checks nothing else of the settings: left as the example file has
        it, it waited for db.internal and said the database does not answer, sending the operator to an outage."""
        _check_no_placeholder("SIGILL_DATABASE_URL", self.database_url)

    def _check_public_url_is_an_origin(self) -> None:
        """In every mode: behind a proxy at https://kommun.se/sigill the web client did not work — its redirects,
        links, forms and static files are at the host's root (the browser left for https://kommun.se/logga-in) — and
        its cookies (``Path=/``; a ``__Host-`` cookie can have no other) would be sent to every application there.
        Nor a user or password: the sign-in's redirects are made under it and sent to the browser (development took
        one; production refused it only as no https address)."""
        if "@" in (self.public_url or ""):
            # Any '@': an origin has none but in its userinfo, and a password with a '/' splits a URL before it.
            raise ConfigurationError("SIGILL_PUBLIC_URL holds a user name or password (…@): the sign-in's redirects"
                                     " are made under it and sent to the browser — give the address alone, e.g."
                                     " https://sigill.kommun.se")
        try:
            path = urlsplit(self.public_url or "").path
        except ValueError:
            return   # unparseable: production's https check names it; development uses it for nothing else
        if path not in ("", "/"):
            raise ConfigurationError(f"SIGILL_PUBLIC_URL has a path ({path}): Sigill is served at the root of a host"
                                     " name of its own (e.g. https://sigill.kommun.se), its cookies and links are"
                                     " the whole origin's — give it its own host name, without a path")

    def _check_oidc(self) -> None:
        if not self.oidc_issuer:
            raise ConfigurationError("production needs SIGILL_OIDC_ISSUER (the identity provider's issuer URL)")
        if self.oidc_issuer == "sigill-dev":
            raise ConfigurationError("SIGILL_OIDC_ISSUER is the development issuer: configure the real one")
        if not _https_or_loopback(self.oidc_issuer):
            raise ConfigurationError("SIGILL_OIDC_ISSUER must be an https URL")
        if self.oidc_jwks and self.oidc_jwks.lower().startswith("http:") and not _https_or_loopback(self.oidc_jwks):
            # The keys every token is verified with: fetched over plain http, whoever is on the path signs tokens.
            raise ConfigurationError("SIGILL_OIDC_JWKS must be an https URL (or a file)")
        if not (self.oidc_client_id or "").strip():   # spaces alone: every sign-in refused by the provider
            raise ConfigurationError("production needs SIGILL_OIDC_CLIENT_ID (the web client's id at the issuer)")
        if not self.oidc_audience.strip():   # every API token was refused ("Audience doesn't match"), the server up
            raise ConfigurationError("SIGILL_OIDC_AUDIENCE is empty: unset it (default sigill) or give the audience"
                                     " the API's tokens carry")
        if self.oidc_audience == self.oidc_client_id:
            # The web's session token is an ID token for the web client: were it also the API's audience, a session
            # signed out on the web (or a cookie copied before) would go on working as an API bearer token.
            raise ConfigurationError("SIGILL_OIDC_AUDIENCE is the web client's id (SIGILL_OIDC_CLIENT_ID): the API's"
                                     " tokens need an audience of their own, or the web's signed-in sessions work as"
                                     " API tokens too, past their sign-out")
        if self.oidc_client_secret is None or not self.oidc_client_secret.get_secret_value().strip():
            raise ConfigurationError("production needs SIGILL_OIDC_CLIENT_SECRET (it may not be empty)")
        if not self.public_url or not _https_or_loopback(self.public_url):
            raise ConfigurationError("production needs SIGILL_PUBLIC_URL, the https address browsers use"
                                     " (the sign-in's redirect URI is under it)")

    @property
    def oidc_sign_in(self) -> bool:
        """Whether the web client signs in through the issuer (always in production; in development when configured)."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    def master_key_bytes(self) -> bytes:
        """The configured master key, or in development one generated once and kept in the data dir."""
        return self._key(self.master_key, MASTER_KEY_FILE, "SIGILL_MASTER_KEY")

    def existing_master_key_bytes(self) -> bytes | None:
        """The master key if one is configured or (in development) the data dir's master.key exists; never makes
        one.  Production knows only the configured key, as ``existing_ledger_key_bytes``."""
        if self.master_key is None and (self.is_production or not (self.data_dir / MASTER_KEY_FILE).exists()):
            return None
        return self.master_key_bytes()

    def master_key_source(self) -> str:
        """Where the master key in use comes from, as a line tells the operator what to set."""
        if self.master_key is not None or self.is_production:
            return "SIGILL_MASTER_KEY"
        return f"{self.data_dir / MASTER_KEY_FILE} (the development master key, used while SIGILL_MASTER_KEY is unset)"

    def development_key_file_holds(self, key: bytes) -> bool:
        """Whether the data directory's master.key (the key in use in development wherever SIGILL_MASTER_KEY is not
        set) holds ``key``."""
        return not self.is_production and _development_key(self.data_dir / MASTER_KEY_FILE) == key

    def previous_master_key_bytes(self) -> bytes | None:
        """The master key a rotation replaced (SIGILL_PREVIOUS_MASTER_KEY), if one is set."""
        if self.previous_master_key is None:
            return None
        return _decode_key(self.previous_master_key.get_secret_value(), "SIGILL_PREVIOUS_MASTER_KEY")

    def ledger_key_bytes(self) -> bytes:
        """The seed of the Ed25519 key that signs ledger checkpoints (generated in development)."""
        return self._key(self.ledger_key, LEDGER_KEY_FILE, "SIGILL_LEDGER_KEY")

    def existing_ledger_key_bytes(self) -> bytes | None:
        """The ledger's signing seed if one is configured or (in development) was made in the data dir; never
        makes one.  Production knows only the configured key: a development key lying about is not its own."""
        if self.ledger_key is None and (self.is_production or not (self.data_dir / LEDGER_KEY_FILE).exists()):
            return None
        return self.ledger_key_bytes()

    def trusted_ledger_keys(self) -> list[bytes]:
        return [_decode_key(k, "SIGILL_LEDGER_TRUSTED_KEYS") for k in self.ledger_trusted_keys.split(",") if k.strip()]

    def made_data_dir(self) -> Path:
        """The data directory, made if it is not there yet — before the embedded database or a development key file
        is made in it.  One that cannot be made (under /proc, a read-only file system, a parent this user may not
        write) was errno's line, naming no variable."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise   # a file where a directory must be: said as such (services.cli.database_problem)
        except OSError as error:
            raise ConfigurationError(f"SIGILL_DATA_DIR: {self.data_dir} cannot be created ({error.strerror}): set"
                                     " SIGILL_DATA_DIR to a directory this user may create and write, or leave it"
                                     " unset (the user's data directory)") from None
        return self.data_dir

    def _key(self, configured: SecretStr | None, file_name: str, variable: str) -> bytes:
        if configured is not None:
            return _decode_key(configured.get_secret_value(), variable)
        # Made once, atomically: processes starting together on a fresh data directory all get the same key.
        path = self.made_data_dir() / file_name
        text = key_files.read_or_create(path, lambda: base64.b64encode(os.urandom(32)))
        return _decode_key(text.decode("ascii", "replace"), _key_file_source(path, variable))


def _https_or_loopback(url: str) -> bool:
    # Plain http only to this machine (a provider in tests, or behind a local proxy): never over a network.  A URL
    # naming no host ("https://") was taken, and the sign-in failed at a user's first try; an unclosed "[" or a port
    # out of range stopped the start with a traceback.
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return False
    if parts.username is not None or parts.query or parts.fragment:
        # The base of redirect URIs and of the issuer's documents (OIDC: "no query or fragment"), and printed at the
        # start: a password in it was shown on the terminal and in the journal.
        return False
    loopback = host in ("127.0.0.1", "localhost", "::1")
    return bool(host) and (parts.scheme == "https" or (parts.scheme == "http" and loopback))


def _decode_key(text: str, variable: str = "SIGILL_MASTER_KEY") -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{variable} is not valid base64{_mend(variable)}") from None
    if len(key) != 32:
        raise ConfigurationError(f"{variable} must be 32 bytes (base64 of 32 random bytes){_mend(variable)}")
    return key


def _mend(source: str) -> str:
    """For a damaged key file, what to do: the data it keys is unreadable without it, so not "delete it"."""
    return ": restore the file from a copy" if source.endswith(",") else ""


def _development_key(path: Path) -> bytes | None:
    """The development master key in ``path``, read only to compare a key with it; None where none can be read (no
    file, one this user may not read, a damaged one): production, its own key set, was refused a start over a damaged
    master.key it does not use ("… used while SIGILL_MASTER_KEY is unset …"), and stopped with a traceback by one
    that was not text.  Its mode and owner are not judged (``key_files.read_private``): a key file others may open
    is refused where it is the key in use, which this one is not."""
    try:
        return base64.b64decode(path.read_bytes().strip(), validate=True)
    except (OSError, binascii.Error, ValueError):
        return None


def _key_file_source(path: Path, variable: str) -> str:
    # A damaged file was told as "SIGILL_MASTER_KEY is not valid base64" with the variable unset: name the file.
    return f"{path}, the development key used while {variable} is unset,"
