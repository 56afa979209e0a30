"""What the settings say of Kafka: kafka-python's security options, refusing combinations that cannot work (and
production without TLS), and the topic of an agency's feed in a municipality.

Apart from the wiring (``services.bootstrap``), which hands these to the Kafka gateways: they read settings and
the catalogue only, and know no gateway.
"""

from __future__ import annotations

import ssl

from services.catalogue_loader import load_catalogue
from services.feed_publisher import topic_name
from services.settings import ConfigurationError, Settings


def kafka_options(settings: Settings) -> dict:
    """kafka-python's security options from the settings; refuses combinations that cannot work."""
    protocol = settings.kafka_security_protocol
    if settings.is_production and protocol not in ("SSL", "SASL_SSL"):
        raise ConfigurationError("production sends case content to Kafka only over TLS:"
                                 " set SIGILL_KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL")
    options: dict = {"security_protocol": protocol}
    sasl = [name for name in ("mechanism", "username", "password") if getattr(settings, f"kafka_sasl_{name}")]
    if sasl and not protocol.startswith("SASL_"):   # kafka-python ignores them: no sign-in, whatever the operator meant
        raise ConfigurationError(f"SIGILL_KAFKA_SASL_{sasl[0].upper()} is set but SIGILL_KAFKA_SECURITY_PROTOCOL="
                                 f"{protocol} signs in without SASL: set SASL_SSL (or unset the SASL variables)")
    if protocol.startswith("SASL_"):
        if not (settings.kafka_sasl_mechanism and settings.kafka_sasl_username and settings.kafka_sasl_password):
            raise ConfigurationError(f"SIGILL_KAFKA_SECURITY_PROTOCOL={protocol} needs SIGILL_KAFKA_SASL_MECHANISM,"
                                     " SIGILL_KAFKA_SASL_USERNAME and SIGILL_KAFKA_SASL_PASSWORD")
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                       sasl_plain_username=settings.kafka_sasl_username,
                       sasl_plain_password=settings.kafka_sasl_password.get_secret_value())
    for name in ("cafile", "certfile", "keyfile"):
        path = getattr(settings, f"kafka_ssl_{name}")
        if path is not None:
            if not path.is_file():
                raise ConfigurationError(f"SIGILL_KAFKA_SSL_{name.upper()} names no file: {path}")
            options[f"ssl_{name}"] = str(path)
    _tls_files_load(options)
    return options


def _tls_files_load(options: dict) -> None:
    """The TLS files, loaded as kafka-python will load them as it connects: a file that is no certificate, or a key
    that is not the certificate's, was told at every attempt, for ever, as "kafka broker unreachable"."""
    given = [name for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile") if name in options]
    if given and not options["security_protocol"].endswith("SSL"):   # kafka-python ignores them: no TLS at all
        raise ConfigurationError(f"SIGILL_KAFKA_{given[0].upper()} is set but SIGILL_KAFKA_SECURITY_PROTOCOL="
                                 f"{options['security_protocol']} uses no TLS: set SSL or SASL_SSL")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if "ssl_cafile" in options:
            context.load_verify_locations(cafile=options["ssl_cafile"])
    except (ssl.SSLError, OSError):
        raise ConfigurationError(f"SIGILL_KAFKA_SSL_CAFILE: {options['ssl_cafile']} holds no PEM certificate that"
                                 " can be read") from None
    if "ssl_keyfile" in options and "ssl_certfile" not in options:
        raise ConfigurationError("SIGILL_KAFKA_SSL_KEYFILE is the key of SIGILL_KAFKA_SSL_CERTFILE: set both")
    try:
        if "ssl_certfile" in options:   # no password prompt: an encrypted key is refused (kafka-python gets none)
            context.load_cert_chain(options["ssl_certfile"], options.get("ssl_keyfile"), password=lambda: b"")
    except (ssl.SSLError, OSError):
        raise ConfigurationError("SIGILL_KAFKA_SSL_CERTFILE and SIGILL_KAFKA_SSL_KEYFILE: no PEM client certificate"
                                 " with its unencrypted private key can be read from them") from None


def feed_topic(settings: Settings, agency: str, municipality: str | None) -> str:
    """The topic of an agency's feed in one municipality; a DomainError names what is wrong."""
    catalogue = load_catalogue(settings.catalogue)
    catalogue.agency(agency)  # an unknown agency is a DomainError with a clear message
    if not municipality:
        raise ConfigurationError(f"{agency}'s feed is published per municipality: add --municipality CODE"
                                 f" (one of {', '.join(sorted(catalogue.municipalities))})")
    catalogue.municipality(municipality)
    return topic_name(settings.kafka_topic_prefix, agency, municipality)
