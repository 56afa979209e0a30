"""Configured URLs as printed and logged: never the user and password before the host (a terminal, the journal and a
log shipper keep every line)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateways.jwt_tokens import Discovery, ProviderKeys, ProviderUnreachable, fetch_json, load_jwks
from gateways.oidc_client import OidcClient
from services.cli import setting_problem
from services.bootstrap.sign_in import build_token_verifier
from services.cli_serve import announced_address
from services.identity_provider import SignInFailed
from services.settings import Settings
from services.shown_url import without_userinfo

SECRET = "s3cret"


@pytest.mark.parametrize("url, shown", [
    ("https://admin:s3cret@sigill.kommun.example", "https://sigill.kommun.example"),
    ("https://admin:s3cret@sigill.kommun.example:8443/", "https://sigill.kommun.example:8443/"),
    ("http://admin@[::1]:8000/realms/x", "http://[::1]:8000/realms/x"),
    ("https://u:pa/ss@login.example/realms/x", "https://login.example/realms/x"),   # a '/' in the password
    ("https://u:p@ss@login.example", "https://login.example"),                     # an '@' in the password
    ("https://login.example/jwks?owner=a@b", "https://b"),   # an '@' after the host: too little shown
    ("https://u:1234/s?s@login.example", "https://login.example"),   # a password that reads as a port and path
    ("https://sigill.kommun.example", "https://sigill.kommun.example"),
    ("https://[::1", "https://[::1"),   # unparseable: shown as it is, nothing to cut
    ("http://u:pa?ss@localhost:8000", "http://localhost:8000"),                  # a '?' in the password
    ("http://u:pa#ss@localhost:8000/x", "http://localhost:8000/x"),              # a '#' in the password
    ("https://u:pa/s?s@login.example/x?y=1", "https://login.example/x?y=1"),     # a '/' and a '?'
    ("HTTPS://U:S3CRET@LOGIN.EXAMPLE", "HTTPS://LOGIN.EXAMPLE"),
    ("//u:p%40ss@[::1]:8000/", "//[::1]:8000/"),                               # no scheme; '@' encoded
    ("https://login.example?owner=a@b", "https://b"),   # too little shown, never a password
])
def test_a_url_is_shown_without_the_user_and_password_before_its_host(url, shown):
    assert without_userinfo(url) == shown


def test_sigill_serve_announces_the_public_url_without_its_user_and_password():
    # Development takes it (production refuses a password in it): the start line showed it whole.
    assert announced_address("https://admin:s3cret@sigill.kommun.example/", "127.0.0.1", 8000) == \
        "https://sigill.kommun.example"
    assert announced_address(None, "127.0.0.1", 8000) == "http://127.0.0.1:8000"


def test_an_unreachable_issuer_is_logged_without_its_password():
    with pytest.raises(ProviderUnreachable) as away:
        Discovery(f"http://admin:{SECRET}@127.0.0.1:9/realms/x").document()
    assert SECRET not in str(away.value) and "http://127.0.0.1:9/realms/x/.well-known" in str(away.value)
    discovery = Discovery(f"http://admin:{SECRET}@127.0.0.1:9")
    with pytest.raises(ProviderUnreachable):
        discovery.document()
    with pytest.raises(ProviderUnreachable) as again:   # within the retry window: said at once, in the same way
        discovery.document()
    assert SECRET not in str(again.value) and "not tried again yet" in str(again.value)


def test_unreachable_keys_are_logged_without_the_jwks_url_s_password():
    keys = ProviderKeys(f"https://admin:{SECRET}@127.0.0.1:9/jwks")
    with pytest.raises(ProviderUnreachable) as away:
        keys.signing_key("k1")
    assert SECRET not in str(away.value) and "https://127.0.0.1:9/jwks" in str(away.value)


def test_a_failed_fetch_names_its_url_without_a_password():
    with pytest.raises(ProviderUnreachable) as away:
        fetch_json(f"http://admin:{SECRET}@127.0.0.1:9/token")
    assert SECRET not in str(away.value)


def test_a_web_sign_in_at_an_unreachable_issuer_fails_without_its_password():
    client = OidcClient(f"http://admin:{SECRET}@127.0.0.1:9", "sigill-web", "client-secret")
    with pytest.raises(SignInFailed) as failed:
        client.authorization_url(state="s", nonce="n", code_challenge="c", redirect_uri="http://127.0.0.1/cb")
    assert SECRET not in str(failed.value) and "http://127.0.0.1:9/.well-known" in str(failed.value)


def test_a_kafka_server_with_a_user_and_password_is_refused_without_saying_them_back(monkeypatch):
    # The entry was shown in the refusal ("a server list names hosts, never a secret"), the password in it.
    monkeypatch.setenv("SIGILL_KAFKA_BOOTSTRAP_SERVERS", f"kafka-1:9093,admin:{SECRET}@kafka-2:9093")
    with pytest.raises(ValidationError) as refused:
        Settings()
    problem = setting_problem(refused.value)
    assert SECRET not in problem
    assert problem == ("SIGILL_KAFKA_BOOTSTRAP_SERVERS: an entry holds an '@': the list names host:port alone —"
                       " give the user and password as SIGILL_KAFKA_SASL_USERNAME and SIGILL_KAFKA_SASL_PASSWORD")


def test_a_kafka_server_with_a_user_alone_is_refused_too(monkeypatch):
    # Taken by the pattern ('@' is no separator it knows), and shown whole in "kafka broker unreachable at …".
    monkeypatch.setenv("SIGILL_KAFKA_BOOTSTRAP_SERVERS", f"{SECRET}@kafka-2:9093")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert SECRET not in setting_problem(refused.value)


@pytest.mark.parametrize("password", ["pa?ss", "pa#ss"])
def test_an_issuer_with_a_question_mark_or_hash_in_its_password_is_logged_without_it(password):
    # Development takes such an issuer and public URL (only production refuses a user in them): the authority was
    # read up to the first '?' or '#', and the URL shown whole.
    with pytest.raises(ProviderUnreachable) as away:
        Discovery(f"http://admin:{password}@127.0.0.1:9").document()
    assert password not in str(away.value), str(away.value)
    assert password not in announced_address(f"http://admin:{password}@sigill.kommun.example", "127.0.0.1", 8000)


@pytest.mark.parametrize("scheme", ["HTTPS", "Https", "HTTP"])
def test_a_jwks_url_with_an_uppercase_scheme_is_a_url_not_a_file_named_back_with_its_password(tmp_path, scheme):
    # Read as a file's name ("cannot read the JWKS file HTTPS://admin:s3cret@…"), the password in the refusal.
    settings = Settings(data_dir=tmp_path, oidc_issuer="https://login.example",
                        oidc_jwks=f"{scheme}://admin:{SECRET}@127.0.0.1:9/jwks")
    verifier = build_token_verifier(settings)
    with pytest.raises(ProviderUnreachable) as away:
        verifier._at_url.signing_key("k1")
    assert SECRET not in str(away.value)


@pytest.mark.parametrize("source", [f" https://admin:{SECRET}@127.0.0.1:9/jwks", f"ftp://admin:{SECRET}@host/jwks"])
def test_a_jwks_source_taken_for_a_file_is_named_without_its_password(source):
    """A leading space or another scheme is no https URL, so the source is read as a file: the refusal named it
    whole, the password in it (hV's review)."""
    with pytest.raises(ValueError) as refused:
        load_jwks(source)
    assert SECRET not in str(refused.value) and "cannot read the JWKS file" in str(refused.value)
