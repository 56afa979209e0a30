"""Kafka's TLS files are loaded when the settings are read, and TLS or SASL settings the protocol ignores are
refused: each is one line naming the variable.

kafka-python loads them only as it connects, and a failure there was told at every attempt, for ever, as "kafka broker
unreachable" — the operator went looking for the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from services.kafka_settings import kafka_options
from services.settings import ConfigurationError, Settings
from tests.tls_postgres import _certificate_authority, _pem, _server_certificate


@pytest.fixture
def pki(tmp_path) -> dict[str, Path]:
    """A CA, a client certificate it signed, that certificate's key, and another key."""
    ca_key, ca = _certificate_authority("Kafka CA")
    key, certificate = _server_certificate(ca_key, ca)
    files = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "client.pem", "key": tmp_path / "client.key",
             "other_key": tmp_path / "other.key", "garbage": tmp_path / "garbage.pem"}
    files["ca"].write_bytes(_pem(ca))
    files["cert"].write_bytes(_pem(certificate))
    for name, private in (("key", key), ("other_key", ca_key)):
        files[name].write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    files["garbage"].write_text("-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n")
    return files


def tls(tmp_path, protocol: str = "SSL", **files) -> Settings:
    return Settings(data_dir=tmp_path, kafka_bootstrap_servers="kafka-1:9093", kafka_security_protocol=protocol,
                    **{f"kafka_ssl_{name}": path for name, path in files.items()})


def test_a_ca_and_a_client_certificate_with_its_key_are_taken(tmp_path, pki):
    options = kafka_options(tls(tmp_path, cafile=pki["ca"], certfile=pki["cert"], keyfile=pki["key"]))
    assert options == {"security_protocol": "SSL", "ssl_cafile": str(pki["ca"]), "ssl_certfile": str(pki["cert"]),
                       "ssl_keyfile": str(pki["key"])}


@pytest.mark.parametrize("files, said", [
    ({"cafile": "garbage"}, "SIGILL_KAFKA_SSL_CAFILE: {garbage} holds no PEM certificate that can be read"),
    ({"cafile": "key"}, "SIGILL_KAFKA_SSL_CAFILE: {key} holds no PEM certificate that can be read"),
    ({"certfile": "cert", "keyfile": "other_key"}, "SIGILL_KAFKA_SSL_CERTFILE and SIGILL_KAFKA_SSL_KEYFILE: no PEM"
     " client certificate with its unencrypted private key can be read from them"),
    ({"certfile": "garbage", "keyfile": "key"}, "SIGILL_KAFKA_SSL_CERTFILE and SIGILL_KAFKA_SSL_KEYFILE: no PEM"
     " client certificate with its unencrypted private key can be read from them"),
    ({"keyfile": "key"}, "SIGILL_KAFKA_SSL_KEYFILE is the key of SIGILL_KAFKA_SSL_CERTFILE: set both"),
])
def test_a_tls_file_that_cannot_work_is_one_line_naming_the_variable(tmp_path, pki, files, said):
    with pytest.raises(ConfigurationError) as refused:
        kafka_options(tls(tmp_path, **{name: pki[which] for name, which in files.items()}))
    assert str(refused.value) == said.format(**{name: path for name, path in pki.items()})


def test_tls_files_with_a_protocol_without_tls_are_refused(tmp_path, pki):
    """kafka-python ignores them under PLAINTEXT: the case content went unencrypted though a CA was configured."""
    with pytest.raises(ConfigurationError, match="SIGILL_KAFKA_SSL_CAFILE is set but SIGILL_KAFKA_SECURITY_PROTOCOL="
                                                 "PLAINTEXT uses no TLS: set SSL or SASL_SSL"):
        kafka_options(tls(tmp_path, "PLAINTEXT", cafile=pki["ca"]))


def test_sasl_credentials_with_a_protocol_without_sasl_are_refused(tmp_path, pki):
    """kafka-python ignores them under SSL or PLAINTEXT: the publisher connected without signing in, or was refused
    and said "kafka broker unreachable"."""
    settings = tls(tmp_path, cafile=pki["ca"]).model_copy(update={"kafka_sasl_username": "sigill"})
    with pytest.raises(ConfigurationError, match="SIGILL_KAFKA_SASL_USERNAME is set but SIGILL_KAFKA_SECURITY_PROTOCOL"
                                                 "=SSL signs in without SASL: set SASL_SSL"):
        kafka_options(settings)
