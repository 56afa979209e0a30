"""How far libpq verifies the database, judged as libpq does (the modes' behaviour was checked on the TLS-only server
of tests/tls_postgres.py: `require` with a root certificate refuses another CA's, `system` with no mode refuses a
certificate the system's roots do not vouch for); and `sigill serve`'s warning line in production."""

from __future__ import annotations

import logging

import pytest

from services.cli_serve import warn_of_an_unverified_database
from services.database_tls import DatabaseTls, judge, on_this_machine, root_certificate_found, serve_warning
from services.settings import Settings

REMOTE = "db.kommun.example"
PASSWORD = "hemligt-l0senord"


@pytest.mark.parametrize("host", ["/run/postgresql", "@pg", "localhost", "LOCALHOST", "127.0.0.1", "127.0.0.2", "::1",
                                  "::ffff:127.0.0.1", "", "/run/a,localhost"])
def test_sockets_and_loopback_are_on_this_machine_whatever_the_mode(host):
    assert on_this_machine(host.split(",")[0])
    assert judge(host, {}, root_certificate=False).tls is DatabaseTls.LOCAL
    assert judge(host, {"PGSSLMODE": "disable"}, root_certificate=False).tls is DatabaseTls.LOCAL


@pytest.mark.parametrize("host", [REMOTE, "10.0.0.5", "fd00::2", "localhost.kommun.example", "localhost,10.0.0.5"])
def test_a_name_or_another_address_is_reached_over_a_network(host):
    assert judge(host, {}, root_certificate=False).tls is DatabaseTls.UNVERIFIED


@pytest.mark.parametrize("libpq, root_certificate, tls", [
    ({}, False, DatabaseTls.UNVERIFIED),                              # libpq's prefer
    ({}, True, DatabaseTls.UNVERIFIED),                               # prefer falls back to plain text
    ({"PGSSLMODE": "disable"}, True, DatabaseTls.UNVERIFIED),
    ({"PGSSLMODE": "allow"}, True, DatabaseTls.UNVERIFIED),
    ({"PGSSLMODE": "prefer"}, True, DatabaseTls.UNVERIFIED),
    ({"PGSSLMODE": "require"}, False, DatabaseTls.UNVERIFIED),
    ({"PGSSLMODE": "require"}, True, DatabaseTls.CA_ONLY),           # libpq's verify-ca, for compatibility
    ({"PGSSLMODE": "verify-ca"}, True, DatabaseTls.CA_ONLY),
    ({"PGSSLMODE": "verify-full"}, True, DatabaseTls.VERIFIED),
    ({"PGSSLMODE": "Verify-Full"}, True, DatabaseTls.UNVERIFIED),    # libpq refuses it: not taken for verified
    ({"PGSSLROOTCERT": "system"}, True, DatabaseTls.VERIFIED),        # libpq's default with the system's roots
])
def test_the_mode_decides_for_a_remote_host_as_libpq_does(libpq, root_certificate, tls):
    assert judge(REMOTE, libpq, root_certificate).tls is tls


def test_pghostaddr_where_libpq_connects_counts_too():
    assert judge("localhost", {"PGHOSTADDR": "10.0.0.5"}, False).tls is DatabaseTls.UNVERIFIED
    # A remote name pinned to loopback (a tunnel): the name is what the certificate must carry, so it is judged.
    assert judge(REMOTE, {"PGHOSTADDR": "127.0.0.1"}, False).tls is DatabaseTls.UNVERIFIED
    assert judge("localhost", {"PGHOSTADDR": "127.0.0.1"}, False).tls is DatabaseTls.LOCAL


def test_the_root_certificate_is_pgsslrootcerts_file_or_the_homes(tmp_path):
    assert not root_certificate_found({}, tmp_path)
    assert not root_certificate_found({"PGSSLROOTCERT": str(tmp_path / "missing.pem")}, tmp_path)
    assert root_certificate_found({"PGSSLROOTCERT": "system"}, tmp_path)
    (tmp_path / ".postgresql").mkdir()
    (tmp_path / ".postgresql" / "root.crt").write_text("-")
    assert root_certificate_found({}, tmp_path)


def test_the_warning_names_the_host_the_mode_and_what_to_set():
    unset = serve_warning(judge(REMOTE, {}, False))
    assert f"the database at {REMOTE} is not verified" in unset and "PGSSLMODE unset" in unset
    assert "PGSSLMODE=verify-full and PGSSLROOTCERT" in unset and "deploy/README.md, section 1" in unset
    ca_only = serve_warning(judge(REMOTE, {"PGSSLMODE": "verify-ca"}, True))
    assert "verified by its CA but not by name" in ca_only and "PGSSLMODE=verify-full" in ca_only
    assert serve_warning(judge(REMOTE, {"PGSSLMODE": "verify-full"}, True)) is None
    assert serve_warning(judge("localhost", {}, False)) is None


def production(database_url: str) -> Settings:
    return Settings(environment="production", database_url=database_url)


def test_serve_warns_in_production_of_an_unverified_database_in_one_line_without_the_password(monkeypatch, caplog):
    for name in ("PGSSLMODE", "PGSSLROOTCERT", "PGHOSTADDR"):
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.WARNING, logger="sigill.database")
    warn_of_an_unverified_database(production(f"postgresql://sigill:{PASSWORD}@{REMOTE}:5432/sigill"))
    [record] = caplog.records
    assert record.levelname == "WARNING" and record.name == "sigill.database"
    assert f"the database at {REMOTE} is not verified" in record.getMessage()
    assert PASSWORD not in caplog.text and "postgresql://" not in caplog.text


def test_serve_is_silent_verified_local_or_in_development(monkeypatch, caplog, tmp_path):
    monkeypatch.delenv("PGHOSTADDR", raising=False)
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    caplog.set_level(logging.WARNING, logger="sigill.database")
    url = f"postgresql://sigill:{PASSWORD}@{REMOTE}:5432/sigill"
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    warn_of_an_unverified_database(production(url))
    monkeypatch.delenv("PGSSLMODE")
    warn_of_an_unverified_database(production("postgresql://sigill@/sigill?host=/run/postgresql"))
    warn_of_an_unverified_database(production("postgresql://sigill@127.0.0.1/sigill"))
    warn_of_an_unverified_database(Settings(environment="development", database_url=url, data_dir=tmp_path))
    assert caplog.records == []
