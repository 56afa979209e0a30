"""The issuer's discovery document over real HTTP (the test provider): fetched, checked, cached, kept through an outage."""

from __future__ import annotations

import pytest

from gateways.jwt_tokens import Discovery, ProviderUnreachable
from tests.oidc_provider import RunningProvider
from tests.servers import free_port


def test_the_document_is_fetched_once_and_kept_when_the_provider_goes_away():
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    discovery = Discovery(provider.issuer, lifespan=0)   # always stale: every call tries to refresh
    assert discovery.endpoint("token_endpoint") == provider.issuer + "/token"
    assert discovery.jwks_client().uri == provider.issuer + "/jwks"
    provider.stop()
    assert discovery.endpoint("authorization_endpoint") == provider.issuer + "/authorize"   # the last good one


def test_a_cached_document_is_not_fetched_again_within_its_lifespan():
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        discovery = Discovery(provider.issuer)
        for _ in range(5):
            discovery.endpoint("jwks_uri")
        assert provider.state.discovery_fetches == 1
    finally:
        provider.stop()


def test_a_provider_that_never_answered_is_unreachable():
    with pytest.raises(ProviderUnreachable):
        Discovery(f"http://127.0.0.1:{free_port()}").document()


def test_a_document_naming_another_issuer_is_refused():
    provider = RunningProvider({"sub": "x", "agency": "skola"})
    try:
        with pytest.raises(ProviderUnreachable, match="another issuer"):
            Discovery(provider.issuer + "/").document()    # the document says the issuer without the slash
    finally:
        provider.stop()
