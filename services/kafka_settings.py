"""What the settings say of Kafka: kafka-python's security options, refusing combinations that cannot work (and
production without TLS), and the topic of an agency's feed in a municipality.

Apart from the wiring (``services.bootstrap``), which hands these to the Kafka gateways: they read settings and
the catalogue only, and know no gateway.
"""

from __future__ import annotations

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
    return options


def feed_topic(settings: Settings, agency: str, municipality: str | None) -> str:
    """The topic of an agency's feed in one municipality; a DomainError names what is wrong."""
    catalogue = load_catalogue(settings.catalogue)
    catalogue.agency(agency)  # an unknown agency is a DomainError with a clear message
    if not municipality:
        raise ConfigurationError(f"{agency}'s feed is published per municipality: add --municipality CODE"
                                 f" (one of {', '.join(sorted(catalogue.municipalities))})")
    catalogue.municipality(municipality)
    return topic_name(settings.kafka_topic_prefix, agency, municipality)
