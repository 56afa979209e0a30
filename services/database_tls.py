"""How far libpq verifies the database Sigill connects to, judged as libpq judges it from SIGILL_DATABASE_URL's host
and libpq's own environment (PGSSLMODE, PGSSLROOTCERT, PGHOSTADDR; the URL takes no sslmode).  `sigill serve` and
`sigill follow` warn of an external database they cannot tell from an impostor, and `sigill database status` says the
same; none refuses: whether production may run so is the operator's policy, not this module's."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

VERIFY_FULL, VERIFY_CA = "verify-full", "verify-ca"
SET_IT = "set PGSSLMODE=verify-full and PGSSLROOTCERT=<the CA's file> (deploy/README.md, section 1)"


class DatabaseTls(Enum):
    VERIFIED = "verified"       # the server's certificate is of PGSSLROOTCERT's CA and names the URL's host
    CA_ONLY = "ca_only"         # of the CA, but for any name: any server the CA certified can pose as the database
    UNVERIFIED = "unverified"   # no certificate checked (or no TLS at all): any machine on the way can pose as it
    LOCAL = "local"             # a unix socket or loopback: no network between, nothing to verify


@dataclass(frozen=True)
class DatabaseTlsJudgement:
    tls: DatabaseTls
    host: str       # the URL's host (never the URL: it may hold a password)
    sslmode: str    # the mode libpq connects with
    given: bool     # whether PGSSLMODE is set (or libpq's default taken)


def effective_sslmode(libpq: Mapping[str, str]) -> str:
    """PGSSLMODE, or libpq's default: `prefer`, and `verify-full` with PGSSLROOTCERT=system (libpq 16 and later,
    which refuses any weaker mode with it)."""
    if "PGSSLMODE" in libpq:
        return libpq["PGSSLMODE"]
    return VERIFY_FULL if libpq.get("PGSSLROOTCERT") == "system" else "prefer"


def root_certificate_found(libpq: Mapping[str, str], home: Path) -> bool:
    """Whether libpq has a root certificate to check the server's against: PGSSLROOTCERT's file (or the system's
    roots), else ~/.postgresql/root.crt."""
    named = libpq.get("PGSSLROOTCERT")
    if named:
        return named == "system" or Path(named).exists()
    return (home / ".postgresql" / "root.crt").exists()


def judge(host: str, libpq: Mapping[str, str], root_certificate: bool) -> DatabaseTlsJudgement:
    """What libpq verifies of the server at ``host`` (a URL's host: a name, an address, a socket directory, or a
    comma-separated list of them) under the environment ``libpq``, ``root_certificate`` saying whether it has one."""
    sslmode = effective_sslmode(libpq)
    return DatabaseTlsJudgement(_tls(host, libpq.get("PGHOSTADDR", ""), sslmode, root_certificate), host, sslmode,
                                "PGSSLMODE" in libpq)


def _tls(host: str, hostaddr: str, sslmode: str, root_certificate: bool) -> DatabaseTls:
    # PGHOSTADDR, where set, is where libpq connects, the host only the name it verifies: local only when both are.
    if all(on_this_machine(h) for h in host.split(",")) and all(
            on_this_machine(a) for a in hostaddr.split(",") if a):
        return DatabaseTls.LOCAL
    if sslmode == VERIFY_FULL:
        return DatabaseTls.VERIFIED
    # `require` with a root certificate checks the CA as verify-ca does (libpq's documented compatibility);
    # `prefer` and `allow` check it too where they take TLS, but fall back to plain text where the server (or
    # whoever answers in its place) declines TLS.
    if sslmode == VERIFY_CA or (sslmode == "require" and root_certificate):
        return DatabaseTls.CA_ONLY
    return DatabaseTls.UNVERIFIED


def on_this_machine(host: str) -> bool:
    """A unix socket directory (an abstract socket: @name), localhost, or a loopback address — never a name looked
    up: the resolver's answer can change, and a name is what a certificate would have to carry."""
    if host == "" or host.startswith(("/", "@")) or host.lower() == "localhost":
        return True   # libpq's empty host is its default socket directory
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def serve_warning(judgement: DatabaseTlsJudgement) -> str | None:
    """The one warning line `sigill serve` and `sigill follow` log about the database, or None when there is nothing
    to warn of."""
    host = judgement.host
    if judgement.tls is DatabaseTls.CA_ONLY:
        return (f"the database at {host} is verified by its CA but not by name: PGSSLMODE={judgement.sslmode} checks"
                f" that the server's certificate is of PGSSLROOTCERT's CA, not that it names {host}, so any server"
                " that CA certified can pose as the database — set PGSSLMODE=verify-full (deploy/README.md,"
                " section 1)")
    if judgement.tls is DatabaseTls.UNVERIFIED:
        return (f"the database at {host} is not verified: {_mode(judgement)} libpq {_unverified(judgement.sslmode)},"
                f" so any machine on the way can pose as the database and read what Sigill sends it — {SET_IT}")
    return None


def _mode(judgement: DatabaseTlsJudgement) -> str:
    return (f"with PGSSLMODE={judgement.sslmode}" if judgement.given
            else "with PGSSLMODE unset (libpq's default, prefer)")


def _unverified(sslmode: str) -> str:
    return {"disable": "sends everything in plain text",
            "allow": "connects in plain text where the server allows it, and checks no certificate",
            "prefer": "takes TLS where the server offers it, plain text where it does not, and checks no"
                      " certificate",
            "require": "encrypts but checks no certificate (no PGSSLROOTCERT file)"}.get(
                sslmode, "checks no certificate")


def status_line(judgement: DatabaseTlsJudgement) -> str:
    """`sigill database status`'s line about the database's TLS (Swedish, as its other lines)."""
    if judgement.tls is DatabaseTls.LOCAL:
        return "Databasens TLS: behövs inte — databasen nås på den här datorn (unix-uttag eller loopback)"
    if judgement.tls is DatabaseTls.VERIFIED:
        return ("Databasens TLS: verifierad (PGSSLMODE=verify-full: certifikatet är utfärdat av CA:n och namnger"
                " värden)")
    if judgement.tls is DatabaseTls.CA_ONLY:
        return (f"Databasens TLS: bara CA:n verifierad, inte att certifikatet namnger {judgement.host}"
                f" (PGSSLMODE={judgement.sslmode}) — sätt PGSSLMODE=verify-full (deploy/README.md, avsnitt 1)")
    mode = f"PGSSLMODE={judgement.sslmode}" if judgement.given else "PGSSLMODE inte satt"
    what = "allt går okrypterat" if judgement.sslmode == "disable" else "inget certifikat prövas"
    return (f"Databasens TLS: overifierad ({mode}): {what}, så vilken dator som helst på vägen kan utge sig för"
            f" databasen på {judgement.host} — sätt PGSSLMODE=verify-full och PGSSLROOTCERT=<CA:ns fil>"
            " (deploy/README.md, avsnitt 1)")
