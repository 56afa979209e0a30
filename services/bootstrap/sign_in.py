"""Sign-in wired: the tokens' verifier (the issuer's keys, or the development key), the web's OIDC client, the
development token signer."""

from __future__ import annotations

import jwt

from gateways.jwt_tokens import DEV_KEY_ID, DevTokens, Discovery, JwtVerifier, load_jwks
from gateways.oidc_client import OidcClient
from services.principals import TokenVerifier
from services.settings import ConfigurationError, Settings


def build_token_verifier(settings: Settings) -> TokenVerifier:
    """Production: the configured issuer's keys.  Development: the locally generated development key."""
    if settings.oidc_issuer and settings.oidc_jwks:
        source = settings.oidc_jwks
        # A scheme in any case (RFC 3986 §3.1): HTTPS://user:password@… was read as a file and named back whole.
        if source.lower().startswith(("https://", "http://")):
            return JwtVerifier(settings.oidc_issuer, settings.oidc_audience, jwks_url=source)
        try:
            verifier = JwtVerifier(settings.oidc_issuer, settings.oidc_audience, jwks=load_jwks(source))
        except (ValueError, jwt.PyJWTError) as error:   # unreadable, not JSON, or not a key set: a setting to mend
            raise ConfigurationError(f"SIGILL_OIDC_JWKS: {error}") from None
        if settings.is_production and DEV_KEY_ID in verifier.key_ids:
            raise ConfigurationError("SIGILL_OIDC_JWKS holds the development key: production refuses it")
        return verifier
    if settings.oidc_issuer:  # only the issuer: its keys from its discovery document's jwks_uri
        return JwtVerifier(settings.oidc_issuer, settings.oidc_audience, discovery=Discovery(settings.oidc_issuer))
    if settings.is_production:
        raise ConfigurationError("production needs SIGILL_OIDC_ISSUER")
    return dev_tokens(settings).verifier()


def build_identity_provider(settings: Settings) -> OidcClient | None:
    """The web client's OIDC sign-in at the configured issuer; None when no client is configured."""
    if not settings.oidc_sign_in:
        return None
    assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
    return OidcClient(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value())


def dev_tokens(settings: Settings) -> DevTokens:
    """The development token signer (embedded mode only)."""
    if settings.is_production:
        raise ConfigurationError("development tokens are refused in production")
    return DevTokens(settings.made_data_dir())
