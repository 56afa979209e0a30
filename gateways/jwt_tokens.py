"""Bearer tokens: OIDC-style JWTs verified against the issuer's public keys, and development tokens.

Production verifies signature, expiry, issuer and audience against a JWKS
(a file, the issuer's URL, or — with only the issuer configured — the
``jwks_uri`` of the issuer's OpenID discovery document, fetched and cached).
Embedded mode signs development tokens with
a P-256 key generated once in the data directory; its key id marks it, so a
production configuration can refuse it.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from domain.case_rules import has_control_character
from gateways.sub_personal_data import names_a_person
from services import key_files
from services.principals import CLAIM_LENGTH, AuthenticationFailed, IdentityProviderUnavailable, Principal, Role
from services.shown_url import without_userinfo

DEV_ISSUER = "sigill-dev"
DEV_AUDIENCE = "sigill"
DEV_KEY_ID = "sigill-development-key"
DEV_KEY_FILE = "dev-token-key.pem"
ALGORITHMS = ["ES256", "RS256", "PS256", "EdDSA"]
LEEWAY_SECONDS = 30
DISCOVERY_PATH = "/.well-known/openid-configuration"
CACHE_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 5
# After a fetch from the identity provider failed, none is tried again for this long: the caller is told at once
# that the provider is unavailable.  Without it a provider that hangs rather than refuses held every request for
# HTTP_TIMEOUT_SECONDS, one after another behind the lock, while Sigill kept knocking on the provider in trouble.
# Well inside the Retry-After: 30 the API's and the web's 503 ask for, so a client that waits that long finds the
# provider tried again; a provider back from its outage is seen within these seconds.
RETRY_FETCH_AFTER_SECONDS = 10
# A token naming a kid the provider's set lacks fetches the set again, but not within this long of the last fetch.
UNKNOWN_KID_REFETCH_AFTER_SECONDS = 30


class ProviderUnreachable(Exception):
    """The identity provider (its discovery document or keys) cannot be fetched; the message says which URL."""

    def __init__(self, url: str, why: str) -> None:
        # Logged and shown in sign-in failures: an issuer or JWKS URL with a password in it (development takes
        # one) is said without it.
        super().__init__(f"{without_userinfo(url)}{why}")


def fetch_json(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
               timeout: float | None = None) -> tuple[int, Any]:
    """GET (or POST ``data``) and parse a JSON answer; (status, body).  ProviderUnreachable when there is none.
    The timeout is HTTP_TIMEOUT_SECONDS unless given."""
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS if timeout is None else timeout) \
                as answer:  # noqa: S310 - configured https URL
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:  # an answer, with a status: the caller decides
        try:
            return error.code, json.loads(error.read() or b"null")
        except ValueError:
            return error.code, None
    except (OSError, ValueError, http.client.HTTPException) as error:  # HTTPException: a broken answer
        raise ProviderUnreachable(url, f": {type(error).__name__}") from None


class RecentFailure:
    """When a fetch from the provider last failed: none is tried again within RETRY_FETCH_AFTER_SECONDS of it."""

    def __init__(self) -> None:
        self._at: float | None = None

    def check(self, url: str) -> None:
        """ProviderUnreachable, at once, while the last fetch of ``url`` failed too recently to try again."""
        if self._at is not None and (ago := time.monotonic() - self._at) < RETRY_FETCH_AFTER_SECONDS:
            raise ProviderUnreachable(url, f": failed {ago:.0f} s ago, not tried again yet")

    def failed(self) -> None:
        self._at = time.monotonic()

    def succeeded(self) -> None:
        self._at = None


class Discovery:
    """An issuer's OpenID configuration (``{issuer}/.well-known/openid-configuration``), fetched once and cached.

    A failed refresh keeps serving the last good document, so a provider's
    short outage does not sign everybody out; with none yet it is ProviderUnreachable
    (at once, without a fetch, for RETRY_FETCH_AFTER_SECONDS after a failed one).
    """

    def __init__(self, issuer: str, *, lifespan: float = CACHE_SECONDS) -> None:
        self.issuer, self._lifespan = issuer, lifespan
        self._document: dict[str, Any] | None = None
        self._fetched = 0.0
        self._failure = RecentFailure()
        self._jwks: ProviderKeys | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.issuer.rstrip("/") + DISCOVERY_PATH

    def document(self) -> dict[str, Any]:
        with self._lock:
            if self._document is None or time.monotonic() - self._fetched > self._lifespan:
                try:
                    self._failure.check(self.url)
                    self._document = self._fetch()
                except ProviderUnreachable:
                    if self._document is None:
                        raise
                else:
                    self._fetched = time.monotonic()
            return self._document

    def endpoint(self, name: str) -> str | None:
        value = self.document().get(name)
        return value if isinstance(value, str) and value else None

    def jwks_client(self) -> ProviderKeys:
        """The keys at the document's ``jwks_uri`` (the set cached 5 minutes, refetched for an unknown kid)."""
        uri = self.endpoint("jwks_uri")
        if uri is None:
            raise ProviderUnreachable(self.url, " names no jwks_uri")
        if self._jwks is None or self._jwks.uri != uri:
            self._jwks = ProviderKeys(uri)
        return self._jwks

    def _fetch(self) -> dict[str, Any]:
        try:
            status, body = fetch_json(self.url)
            if status != 200 or not isinstance(body, dict):
                raise ProviderUnreachable(self.url, f" answered {status}")
            # OIDC Discovery §4.3: the document's issuer must be exactly the configured one.
            if body.get("issuer") != self.issuer:
                raise ProviderUnreachable(self.url, " names another issuer")
        except ProviderUnreachable:
            self._failure.failed()
            raise
        self._failure.succeeded()
        return body


class ProviderKeys:
    """The issuer's signing keys at a JWKS URL: the set of the last successful fetch, fetched again once it is older
    than CACHE_SECONDS, or sooner for a token naming a kid it lacks (a key rotated in).

    A successful fetch replaces the set: a key the provider has dropped from its JWKS (one rotated out after a
    compromise) is refused within CACHE_SECONDS, without a restart.  A failed fetch keeps it: the keys of the last
    good set verify while the provider is away (a short outage does not sign everybody out), and none is fetched
    again for RETRY_FETCH_AFTER_SECONDS (PyJWKClient fetched again for every request, one at a time behind its
    lock).  PyJWKClient only fetches (http(s) only, no redirects, HTTP_TIMEOUT_SECONDS to answer): its set and key
    caches are off, so no key outlives the set here in a cache of its own."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._client = jwt.PyJWKClient(uri, cache_keys=False, cache_jwk_set=False, timeout=HTTP_TIMEOUT_SECONDS)
        self._keys: dict[str, jwt.PyJWK] = {}   # the provider's set as last fetched: a kid not in it is never kept
        self._fetched: float | None = None       # when (monotonic) that fetch succeeded
        self._failure = RecentFailure()
        self._lock = threading.Lock()

    def signing_key(self, kid: str | None) -> jwt.PyJWK:
        """The key named ``kid``; ProviderUnreachable when the keys cannot be fetched, jwt.PyJWKClientError when
        the provider's set holds no such key."""
        if kid is None:   # no key of a set is without one (PyJWKClient's rule): nothing to fetch
            raise jwt.PyJWKClientError("the token names no key id")
        found = self._keys.get(kid)
        if found is not None and not self._stale():   # no fetch, no lock
            return found
        found = self._current(kid, known=found is not None).get(kid)
        if found is None:
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return found

    def _stale(self) -> bool:
        return self._age() > CACHE_SECONDS

    def _age(self) -> float:
        """How long ago the set was fetched (infinite before it ever was)."""
        return float("inf") if self._fetched is None else time.monotonic() - self._fetched

    def _current(self, kid: str, *, known: bool) -> dict[str, jwt.PyJWK]:
        """The set to look ``kid`` up in, fetched again first when it is stale or lacks the kid."""
        # A kid the set knows is answered by it while another request fetches (it is not held for the fetch's
        # timeout by a provider that hangs); an unknown one waits for the fetch that may bring it.
        if not self._lock.acquire(blocking=not known):
            return self._keys
        try:
            if self._should_fetch(kid):
                try:
                    self._failure.check(self.uri)
                    self._keys, self._fetched = self._fetch(), time.monotonic()
                except ProviderUnreachable:
                    if kid not in self._keys:
                        raise
                    # The last good set answers through the outage; it is asked for again after the window.
            return self._keys
        finally:
            self._lock.release()

    def _should_fetch(self, kid: str) -> bool:
        # Looked at again under the lock: the request before this one may have fetched the set just now.
        # A kid the set just fetched lacks is not fetched for again at once: a token with a made-up kid would
        # otherwise make every request a fetch from the provider (PyJWKClient's 30 s cooldown, kept).
        return self._stale() or (kid not in self._keys and self._age() >= UNKNOWN_KID_REFETCH_AFTER_SECONDS)

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        try:
            keys = {key.key_id: key for key in self._client.get_signing_keys() if key.key_id}
        # ValueError: an answer not JSON; OSError: a connection reset before the answer, which PyJWKClient lets
        # through.
        except (jwt.PyJWKClientConnectionError, ValueError, OSError) as away:
            self._failure.failed()
            raise ProviderUnreachable(self.uri, f": {type(away).__name__}") from None
        # An answer that is no set of signing keys (not a JSON object, no usable key) is the provider's fault, not
        # a rotation: it does not replace the set kept (an empty one would sign everybody out).
        except (jwt.PyJWKClientError, jwt.PyJWKSetError):
            self._failure.failed()
            raise ProviderUnreachable(self.uri, ": holds no signing key") from None
        self._failure.succeeded()
        return keys


class JwtVerifier:
    """Implements ``TokenVerifier`` for tokens from one issuer."""

    def __init__(self, issuer: str, audience: str, *, jwks: dict[str, Any] | None = None,
                 jwks_url: str | None = None, discovery: Discovery | None = None) -> None:
        self.issuer, self.audience = issuer, audience
        self._keys = jwt.PyJWKSet.from_dict(jwks) if jwks is not None else None
        self._at_url = ProviderKeys(jwks_url) if jwks_url else None
        self._discovery = discovery

    @property
    def key_ids(self) -> set[str]:
        return {k.key_id for k in self._keys.keys if k.key_id} if self._keys else set()

    def verify(self, token: str) -> Principal:
        return principal_from(self.claims(token))

    def claims(self, token: str, *, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """The token's verified claims (signature, expiry, issuer, audience); AuthenticationFailed otherwise, and
        IdentityProviderUnavailable when the keys cannot be fetched (a token that is no JWT at all is refused first)."""
        try:
            claims = jwt.decode(token, self._signing_key(token), algorithms=ALGORITHMS, audience=self.audience,
                                issuer=self.issuer, leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iss", "aud", "sub", *required]})
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("the token has expired: ask the identity provider for a new one") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationFailed("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationFailed("the token is from another issuer") from None
        except jwt.PyJWTError:
            raise AuthenticationFailed("the token is not valid") from None
        return claims

    def _signing_key(self, token: str) -> Any:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise AuthenticationFailed("the token is not a JWT") from None
        try:
            provider_keys = self._discovery.jwks_client() if self._discovery is not None else self._at_url
            if provider_keys is not None:
                return provider_keys.signing_key(kid).key   # the last good set's: through an outage too
        except ProviderUnreachable as away:
            raise IdentityProviderUnavailable(str(away)) from None
        except jwt.PyJWKClientError:
            raise AuthenticationFailed("the token's signing key is unknown to the issuer") from None
        for key in self._keys.keys if self._keys else ():
            if kid is None or key.key_id == kid:
                return key.key
        raise AuthenticationFailed("the token's signing key is unknown")


def principal_from(claims: dict[str, Any]) -> Principal:
    """Our claims: sub, name, agency, municipality (where social services and members work), roles."""
    agency, roles = claims.get("agency"), claims.get("roles", [])
    if not isinstance(agency, str) or not agency:
        raise AuthenticationFailed("the token names no agency")
    if isinstance(roles, str):
        roles = roles.split()
    if not isinstance(roles, (list, tuple)) or not all(isinstance(r, str) for r in roles):
        raise AuthenticationFailed("the token's roles are not a list of names")
    known = frozenset(Role(r) for r in roles if r in Role._value2member_map_)
    municipality, expires = claims.get("municipality"), claims.get("exp")
    subject, name = str(claims["sub"]), str(claims.get("name") or claims["sub"])
    for claim, value in (("sub", subject), ("name", name), ("agency", agency), ("municipality", municipality)):
        _check_printable(claim, value)
    if names_a_person(subject):
        # The subject is kept in plaintext in the access log (searched by, hash-chained, never deleted — it outlives
        # every erasure): an identity provider that gives a staff member's personnummer there must be set to give
        # an opaque (pairwise) one instead.  Refused, not stored; the refusal repeats nothing of it.
        raise AuthenticationFailed("the token's sub claim is a personal identity number: the identity provider must"
                                   " give Sigill an opaque (pairwise) subject identifier")
    return Principal(subject=subject, name=name, agency=agency,
                     roles=known, municipality=municipality if isinstance(municipality, str) else None,
                     expires_at=float(expires) if isinstance(expires, (int, float)) else None)


def _check_printable(claim: str, value: Any) -> None:
    """A claim we store or query by is a line of text: a NUL reached PostgreSQL (which refuses it in text) and
    came back as "the database is away" (503) for the request — and for every other reader whose access-log entry
    was written in the same batch."""
    if not isinstance(value, str):
        return
    if len(value) > CLAIM_LENGTH:
        raise AuthenticationFailed(f"the token's {claim} claim is longer than {CLAIM_LENGTH} characters")
    if has_control_character(value):
        raise AuthenticationFailed(f"the token's {claim} claim holds a control character")
    if not value.isascii() and not _encodable(value):
        # A lone surrogate (JSON's "\ud800") decodes to a str that no UTF-8 writer takes: the request's answer
        # failed (500), and so did the access-log batch it shared with other readers (503 for them).
        raise AuthenticationFailed(f"the token's {claim} claim is not valid Unicode text")


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load_jwks(source: str) -> dict[str, Any]:
    """A JWKS from a file (for a URL, the verifier fetches and caches it itself)."""
    # Named without a user and password: a URL not read as one (" https://u:pw@…", ftp://…) is taken for a file.
    named = without_userinfo(source)
    try:
        jwks = json.loads(Path(source).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read the JWKS file {named}: {type(error).__name__}") from None
    if not isinstance(jwks, dict):   # `null` was taken as no keys at all (every token refused), a list a traceback
        raise ValueError(f"the JWKS file {named} holds no JWK Set (a JSON object with \"keys\")")
    return jwks


class DevTokens:
    """Development tokens for embedded mode: a key made once in the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self._key = _dev_key(data_dir / DEV_KEY_FILE)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": DEV_KEY_ID, "use": "sig", "alg": "ES256"}]}

    def verifier(self) -> JwtVerifier:
        return JwtVerifier(DEV_ISSUER, DEV_AUDIENCE, jwks=self.jwks())

    def issue(self, *, subject: str, name: str, agency: str, roles: Iterable[str], municipality: str | None = None,
              lifetime: int = 8 * 3600, issuer: str = DEV_ISSUER, audience: str = DEV_AUDIENCE,
              now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {"iss": issuer, "aud": audience, "sub": subject, "name": name, "agency": agency,
                  "roles": list(roles), "iat": issued, "exp": issued + lifetime}
        if municipality:
            claims["municipality"] = municipality
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": DEV_KEY_ID})


def _dev_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The development signing key, made once: every worker, the follower and the CLI sign with the same one."""
    pem = key_files.read_or_create(path, lambda: ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key
