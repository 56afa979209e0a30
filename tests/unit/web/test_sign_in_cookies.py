"""The OIDC flow cookie's seal, and the return path after signing in (no server needed)."""

from __future__ import annotations

import base64
import os
import time

import pytest

from services.web import oidc
from services.web.session import return_path

KEY = oidc.flow_key(os.urandom(32))
FLOW = oidc.Flow.new(back="/arenden?fas=plan")


def test_a_sealed_flow_opens_with_its_key_and_hides_the_verifier():
    value = oidc.seal(KEY, FLOW)
    assert oidc.unseal(KEY, value) == FLOW
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    for secret in (FLOW.verifier, FLOW.nonce, FLOW.state):
        assert secret not in value and secret.encode() not in raw
    assert oidc.seal(KEY, FLOW) != value  # a fresh nonce every time


def test_every_altered_byte_is_refused():
    raw = bytearray(base64.urlsafe_b64decode(oidc.seal(KEY, FLOW) + "=="))
    for index in range(0, len(raw), 7):
        altered = raw.copy()
        altered[index] ^= 0x01
        assert oidc.unseal(KEY, base64.urlsafe_b64encode(bytes(altered)).decode()) is None


def test_another_servers_key_is_refused():
    other = oidc.flow_key(os.urandom(32))
    assert oidc.unseal(other, oidc.seal(KEY, FLOW)) is None


def test_the_key_is_derived_for_this_purpose_not_the_master_key_itself():
    master = os.urandom(32)
    assert oidc.flow_key(master) != master and oidc.flow_key(master) == oidc.flow_key(master)


def test_a_flow_older_than_ten_minutes_is_refused():
    now = time.time()
    value = oidc.seal(KEY, FLOW, now=now - oidc.FLOW_SECONDS + 5)
    assert oidc.unseal(KEY, value, now=now) == FLOW
    assert oidc.unseal(KEY, oidc.seal(KEY, FLOW, now=now - oidc.FLOW_SECONDS - 1), now=now) is None
    assert oidc.unseal(KEY, oidc.seal(KEY, FLOW, now=now + 120), now=now) is None  # from the future


@pytest.mark.parametrize("value", ["", "x", "AAAA", "not base64 at all!", "AQ" + "A" * 40])
def test_malformed_values_are_no_flow(value):
    assert oidc.unseal(KEY, value) is None


@pytest.mark.parametrize("path", ["/arenden", "/arenden/0f9b?flik=plan", "/granskning/atkomstlogg?sida=2"])
def test_same_site_paths_are_kept(path):
    assert return_path(path) == path


@pytest.mark.parametrize("path", [None, "", "arenden", "//evil.example/x", "/\\evil.example", "https://evil.example",
                                  "http:/evil.example", "/\t/evil.example", "/ /evil", "javascript:alert(1)",
                                  "/logga-in", "/logga-in/oidc?tillbaka=/x", "/logga-ut", "/", "/" + "a" * 3000])
def test_other_sites_sign_in_pages_and_odd_paths_are_not(path):
    assert return_path(path) == ""
