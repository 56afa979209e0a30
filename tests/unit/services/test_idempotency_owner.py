"""Whose answers an Idempotency-Key finds: the whole sign-in — subject, agency, roles, municipality — hashed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.idempotency import signed_in_as
from services.principals import Principal, Role

SECRET = b"k" * 32
KIM = Principal("kim-1", "Kim Exempel", "socialtjanst", frozenset({Role.CASEWORKER}), "0180", expires_at=1.0)


@pytest.mark.parametrize("other", [
    replace(KIM, subject="kim-2"),
    replace(KIM, agency="skola", roles=frozenset({Role.MEMBER})),
    replace(KIM, agency="polis"),
    replace(KIM, roles=frozenset({Role.COORDINATOR})),
    replace(KIM, roles=frozenset({Role.CASEWORKER, Role.COORDINATOR})),
    replace(KIM, municipality="0181"),
    replace(KIM, municipality=None),
], ids=["subject", "agency-and-role", "agency", "role", "more-roles", "municipality", "no-municipality"])
def test_another_sign_in_of_the_same_person_is_another_owner(other):
    assert signed_in_as(SECRET, other) != signed_in_as(SECRET, KIM)


def test_a_renewed_token_is_the_same_sign_in():
    """Its name and expiry are no part of who acts: a retry with a renewed token is still answered."""
    renewed = replace(KIM, name="Kim Exempel-Andersson", expires_at=2.0,
                      roles=frozenset({Role.CASEWORKER}))
    assert signed_in_as(SECRET, renewed) == signed_in_as(SECRET, KIM)


def test_the_owner_names_no_one_and_is_keyed():
    owner = signed_in_as(SECRET, KIM)
    assert owner.startswith("s1:") and not any(part in owner for part in ("kim", "socialtjanst", "0180", "caseworker"))
    assert signed_in_as(b"o" * 32, KIM) != owner


def test_claims_cannot_be_shifted_between_parts():
    """A subject "a" at agency "b,c" is not subject "a,b" at agency "c"."""
    assert signed_in_as(SECRET, replace(KIM, subject="a", agency="b\nc")) != \
        signed_in_as(SECRET, replace(KIM, subject="a\nb", agency="c"))


def test_an_empty_municipality_claim_is_no_municipality():
    """An identity provider that sends "" one time and leaves the claim out the next still names one sign-in: a
    retry across the two is answered (red team 2026-12-05)."""
    assert signed_in_as(SECRET, replace(KIM, municipality="")) == signed_in_as(SECRET, replace(KIM, municipality=None))
