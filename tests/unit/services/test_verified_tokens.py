"""Verified tokens are remembered by hash until they expire; nothing that failed verification is remembered."""

from __future__ import annotations

import jwt
import pytest

from services.api.token_cache import VerifiedTokens
from services.principals import AuthenticationFailed, Principal, Role

KEY = "a-key-of-at-least-thirty-two-bytes"
ALICE = Principal("alice", "Alice", "skola", frozenset({Role.MEMBER}))


class CountingVerifier:
    """Accepts tokens signed with KEY; counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def verify(self, token: str) -> Principal:
        self.calls += 1
        try:
            jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.PyJWTError:
            raise AuthenticationFailed("the token is not valid") from None
        return ALICE


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def token(exp: float, key: str = KEY) -> str:
    return jwt.encode({"sub": "alice", "exp": exp}, key, algorithm="HS256")


def test_a_verified_token_is_checked_once_until_it_expires():
    verifier, clock = CountingVerifier(), Clock()
    tokens = VerifiedTokens(verifier, clock=clock)
    good = token(exp=1_100)
    assert tokens.verify(good) == tokens.verify(good) == ALICE and verifier.calls == 1
    clock.now = 1_100
    assert tokens.known(good) is None
    tokens.verify(good)
    assert verifier.calls == 2  # past its expiry the verifier decides again (and would refuse a real one)


def test_a_token_that_fails_is_never_remembered():
    verifier = CountingVerifier()
    tokens = VerifiedTokens(verifier, clock=Clock())
    forged = token(exp=2_000, key="another-key-of-thirty-two-bytes!")
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            tokens.verify(forged)
    assert verifier.calls == 2 and tokens.known(forged) is None


def test_a_long_lived_token_is_verified_again_after_the_cache_ceiling():
    verifier, clock = CountingVerifier(), Clock()
    tokens = VerifiedTokens(verifier, clock=clock, max_seconds=60)
    good = token(exp=100_000)
    tokens.verify(good)
    clock.now += 61
    assert tokens.known(good) is None
