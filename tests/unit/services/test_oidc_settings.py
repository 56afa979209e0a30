"""Production's sign-in settings: the issuer, the web client's id and secret, and the public URL."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import SecretStr

from services.bootstrap.sign_in import build_token_verifier
from services.settings import ConfigurationError, Settings


def production(tmp_path, **oidc) -> Settings:
    key = lambda: base64.b64encode(os.urandom(32)).decode()  # noqa: E731
    complete = {"oidc_issuer": "https://login.region.example", "oidc_client_id": "sigill-web",
                "oidc_client_secret": "s3cret", "public_url": "https://sigill.kommun.example"}
    return Settings(data_dir=tmp_path, environment="production", database_url="postgresql://h/db",
                    master_key=key(), ledger_key=key(), **{**complete, **oidc})


def test_a_complete_production_sign_in_configuration_is_accepted(tmp_path):
    settings = production(tmp_path)
    settings.check()
    assert settings.oidc_sign_in


@pytest.mark.parametrize("change, named", [
    ({"oidc_issuer": None}, "SIGILL_OIDC_ISSUER"),
    ({"oidc_issuer": "sigill-dev"}, "development issuer"),
    ({"oidc_issuer": "http://login.region.example"}, "https"),
    ({"oidc_client_id": None}, "SIGILL_OIDC_CLIENT_ID"),
    ({"oidc_client_id": "  "}, "SIGILL_OIDC_CLIENT_ID"),   # started, and the provider refused every sign-in
    ({"oidc_client_secret": None}, "SIGILL_OIDC_CLIENT_SECRET"),
    ({"oidc_client_secret": "  "}, "may not be empty"),
    ({"public_url": None}, "SIGILL_PUBLIC_URL"),
    ({"public_url": "http://sigill.kommun.example"}, "SIGILL_PUBLIC_URL"),
    # No host: the sign-in failed only at a user's first try (the issuer's discovery, or a redirect to nowhere).
    ({"oidc_issuer": "https://"}, "SIGILL_OIDC_ISSUER must be an https URL"),
    ({"oidc_issuer": "https:login.region.example"}, "SIGILL_OIDC_ISSUER must be an https URL"),
    ({"oidc_issuer": "https://login.region.example:99999"}, "SIGILL_OIDC_ISSUER must be an https URL"),
    # The API's signing keys over plain http: whoever is on the path could sign tokens.
    ({"oidc_jwks": "http://login.region.example/jwks"}, "SIGILL_OIDC_JWKS must be an https URL"),
    # A scheme is read in any case (RFC 3986 §3.1): HTTP:// passed the check, then was read as a file's name.
    ({"oidc_jwks": "HTTP://login.region.example/jwks"}, "SIGILL_OIDC_JWKS must be an https URL"),
    ({"public_url": "https://"}, "SIGILL_PUBLIC_URL"),
    ({"public_url": "https://[::1"}, "SIGILL_PUBLIC_URL"),
    # A password in it was printed at the start ("Sigill körs: öppna https://u:pw@…"); a query broke the redirect URIs.
    ({"public_url": "https://admin:pw@sigill.kommun.example"}, "SIGILL_PUBLIC_URL"),
    ({"public_url": "https://sigill.kommun.example/?x=1"}, "SIGILL_PUBLIC_URL"),
    ({"oidc_issuer": "https://login.region.example/#frag"}, "SIGILL_OIDC_ISSUER must be an https URL"),
    # A session signed out on the web would go on as an API bearer token (its ID token's audience is the client).
    ({"oidc_audience": "sigill-web"}, "SIGILL_OIDC_AUDIENCE is the web client's id"),
    ({"oidc_audience": ""}, "SIGILL_OIDC_AUDIENCE is empty"),   # every API token refused, the server up
])
def test_production_refuses_a_sign_in_that_cannot_work_or_is_not_safe(tmp_path, change, named):
    with pytest.raises(ConfigurationError, match=named):
        production(tmp_path, **change).check()


@pytest.mark.parametrize("change, named", [
    ({"database_url": "postgresql://sigill:CHANGE-ME@db.internal:5432/sigill"}, "SIGILL_DATABASE_URL"),
    ({"oidc_client_secret": "CHANGE-ME"}, "SIGILL_OIDC_CLIENT_SECRET"),
    ({"kafka_sasl_password": "CHANGE-ME"}, "SIGILL_KAFKA_SASL_PASSWORD"),
])
def test_production_refuses_a_secret_left_at_the_example_file_s_placeholder(tmp_path, change, named):
    """deploy/sigill.env.example's CHANGE-ME was taken: the database, or the identity provider at a user's first
    sign-in, or Kafka ("unreachable"), refused it later."""
    with pytest.raises(ConfigurationError, match=f"^{named} still holds CHANGE-ME, the placeholder of"
                                                 r" deploy/sigill\.env\.example: set the real value$"):
        production(tmp_path).model_copy(update={k: SecretStr(v) for k, v in change.items()}).check()


def test_plain_http_is_allowed_only_to_this_machine(tmp_path):
    production(tmp_path, oidc_issuer="http://127.0.0.1:8999", public_url="http://localhost:8000").check()
    production(tmp_path, oidc_jwks="http://127.0.0.1:8999/jwks").check()
    production(tmp_path, oidc_jwks="https://login.region.example/jwks").check()
    production(tmp_path, oidc_jwks="/etc/sigill/jwks.json").check()


@pytest.mark.parametrize("content", ["null", "[1, 2]", '"keys"'])
def test_a_jwks_file_that_holds_no_key_set_is_refused_naming_the_variable(tmp_path, content):
    """`null` was taken as a set of no keys (every token refused, the server up), and a list stopped the start
    with a traceback (AttributeError)."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text(content)
    with pytest.raises(ConfigurationError, match=f"SIGILL_OIDC_JWKS: the JWKS file {jwks} holds no JWK Set"):
        build_token_verifier(production(tmp_path, oidc_jwks=str(jwks)))


def test_development_needs_no_oidc_and_uses_it_only_when_a_client_is_configured(tmp_path):
    assert not Settings(data_dir=tmp_path).oidc_sign_in
    assert not Settings(data_dir=tmp_path, oidc_issuer="https://login.region.example").oidc_sign_in
    assert Settings(data_dir=tmp_path, oidc_issuer="https://login.region.example", oidc_client_id="c",
                    oidc_client_secret="s").oidc_sign_in


@pytest.mark.parametrize("public_url", ["https://kommun.example/sigill", "https://kommun.example/sigill/",
                                        "http://localhost:8000/sigill"])
def test_a_public_url_with_a_path_is_refused_in_every_mode_naming_the_setting(tmp_path, public_url):
    """Served under a sub-path, Sigill did not work: its redirects (``/logga-in``), links, forms and static files are
    at the host's root, and its cookies are the whole origin's (``Path=/``; ``__Host-`` cookies can have no other) —
    so another application on that host would be sent the session.  The service needs a host name of its own."""
    for settings in (production(tmp_path, public_url=public_url), Settings(data_dir=tmp_path, public_url=public_url)):
        with pytest.raises(ConfigurationError) as refused:
            settings.check()
        said = str(refused.value)
        assert said.startswith("SIGILL_PUBLIC_URL") and "host name of its own" in said and "\n" not in said


@pytest.mark.parametrize("public_url", ["https://sigill.kommun.example/", "https://sigill.kommun.example:8443"])
def test_a_public_url_that_is_an_origin_is_accepted(tmp_path, public_url):
    production(tmp_path, public_url=public_url).check()
    Settings(data_dir=tmp_path, public_url=public_url).check()


@pytest.mark.parametrize("public_url", ["https://admin:pa/ss-word@sigill.kommun.example",
                                        "https://admin:pa/ss-word@sigill.kommun.example/sigill"])
def test_a_public_url_refused_for_its_path_does_not_say_back_a_password_read_as_one(tmp_path, public_url):
    """A password holding a '/' splits the URL there: its tail ('/ss-word@sigill…') is read as the path.  Production
    refused a URL with a password without repeating it; the path's refusal, asked first, printed the tail."""
    for settings in (production(tmp_path, public_url=public_url), Settings(data_dir=tmp_path, public_url=public_url)):
        with pytest.raises(ConfigurationError) as refused:
            settings.check()
        said = str(refused.value)
        assert said.startswith("SIGILL_PUBLIC_URL") and "ss-word" not in said and "admin" not in said


@pytest.mark.parametrize("public_url", ["https://admin:s3cr3t@sigill.kommun.example", "http://admin@localhost:8000",
                                        "https://admin:s3cr3t@sigill.kommun.example/"])
def test_a_public_url_with_a_user_or_password_is_refused_in_every_mode_never_said_back(tmp_path, public_url):
    """The sign-in's redirects are made under SIGILL_PUBLIC_URL and sent to the browser: in development one with a
    user:password was taken, and the password went to the browser, its history and the identity provider's log
    (production refused it, as no https address)."""
    for settings in (production(tmp_path, public_url=public_url), Settings(data_dir=tmp_path, public_url=public_url)):
        with pytest.raises(ConfigurationError) as refused:
            settings.check()
        said = str(refused.value)
        assert said.startswith("SIGILL_PUBLIC_URL") and "user name or password" in said and "\n" not in said
        assert "admin" not in said and "s3cr3t" not in said
