"""Renewals shared by two workers' ``Renewals`` over one store: the provider is asked once per refresh token."""

from __future__ import annotations

import os

import pytest

from services.identity_provider import SignedIn, SignInFailed
from services.principals import AuthenticationFailed, Principal, Role
from services.web.renewal import ProcessRenewals, RenewalStoreUnavailable, Renewals

MASTER = os.urandom(32)
USER = Principal("sub-1", "Maja", "socialtjanst", frozenset({Role.CASEWORKER}), "0180")


class Provider:
    """Rotates refresh tokens: each is good once.  ID tokens are plain strings it alone recognises."""

    def __init__(self) -> None:
        self.refreshes, self.valid = 0, {"rt-0"}

    def refresh(self, *, refresh_token: str, subject: str) -> SignedIn:
        if refresh_token not in self.valid:
            raise SignInFailed("refused", "invalid_grant")
        self.valid.remove(refresh_token)
        self.refreshes += 1
        self.valid.add(new := f"rt-{self.refreshes}")
        return SignedIn(USER, f"id-{self.refreshes}", 2_000_000_000, new)

    def session_principal(self, id_token: str) -> Principal:
        if not id_token.startswith("id-"):
            raise AuthenticationFailed("not ours")
        return USER


def test_a_second_worker_gets_the_first_workers_renewal_without_asking_the_provider():
    store, provider = ProcessRenewals(), Provider()
    first = Renewals(MASTER, store).renew(provider, "rt-0", "sub-1")
    second = Renewals(MASTER, store).renew(provider, "rt-0", "sub-1")
    assert provider.refreshes == 1 and second == first


def test_workers_that_share_nothing_spend_the_token_twice_and_the_second_is_refused():
    provider = Provider()
    Renewals(MASTER).renew(provider, "rt-0", "sub-1")
    with pytest.raises(SignInFailed):
        Renewals(MASTER).renew(provider, "rt-0", "sub-1")


def test_the_store_holds_neither_token_readable():
    class Recording(ProcessRenewals):
        def once(self, token_mac, window, renew):
            self.seen = (token_mac, super().once(token_mac, window, renew))
            return self.seen[1]

    store = Recording()
    Renewals(MASTER, store).renew(Provider(), "rt-0", "sub-1")
    token_mac, sealed = store.seen
    for secret in (b"rt-0", b"rt-1", b"id-1"):
        assert secret not in token_mac and secret not in sealed


def test_an_answer_made_under_another_master_key_does_not_open():
    store, provider = ProcessRenewals(), Provider()
    mine = Renewals(MASTER, store)
    other = Renewals(os.urandom(32), store)
    mine.renew(provider, "rt-0", "sub-1")
    # Another key: another MAC, so no shared answer is found; the provider refuses the spent token.
    with pytest.raises(SignInFailed):
        other.renew(provider, "rt-0", "sub-1")


def test_a_shared_answer_for_another_subject_is_refused():
    store, provider = ProcessRenewals(), Provider()
    Renewals(MASTER, store).renew(provider, "rt-0", "sub-1")
    with pytest.raises(SignInFailed):
        Renewals(MASTER, store).renew(provider, "rt-0", "sub-2")


def test_an_altered_shared_answer_is_refused_not_trusted():
    class Altering(ProcessRenewals):
        def once(self, token_mac, window, renew):
            answer = super().once(token_mac, window, renew)
            return answer[:-2] + (b"BB" if answer.endswith(b"AA") else b"AA")

    store, provider = Altering(), Provider()
    Renewals(MASTER, store).renew(provider, "rt-0", "sub-1")
    with pytest.raises(SignInFailed) as refused:
        Renewals(MASTER, store).renew(provider, "rt-0", "sub-1")
    assert refused.value.reason == "token" and provider.refreshes == 1


class Unavailable(ProcessRenewals):
    """A store whose database goes down before the renewal (``after=False``) or after the provider answered."""

    def __init__(self, after: bool) -> None:
        super().__init__()
        self.after = after

    def once(self, token_mac, window, renew):
        if self.after:
            renew()
        raise RenewalStoreUnavailable("OperationalError")


def test_with_the_store_down_nothing_is_spent_and_the_renewal_is_postponed():
    provider = Provider()
    with pytest.raises(SignInFailed) as postponed:
        Renewals(MASTER, Unavailable(after=False)).renew(provider, "rt-0", "sub-1")
    assert postponed.value.reason == "unreachable" and provider.refreshes == 0


def test_with_the_store_down_after_the_provider_answered_this_request_keeps_the_renewal():
    provider = Provider()
    renewed = Renewals(MASTER, Unavailable(after=True)).renew(provider, "rt-0", "sub-1")
    assert renewed.id_token == "id-1" and renewed.refresh_token == "rt-1"
