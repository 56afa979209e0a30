"""AES-256-GCM sealing with a per-case data key, shared by the event store and the views.

Layout: 1 format byte, 12-byte random nonce, ciphertext and tag.  The
associated data names where the bytes belong, so bytes moved elsewhere fail.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12


class Unsealable(ValueError):
    """The bytes were altered, moved, or sealed with another key."""


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    if sealed[:1] != FORMAT_V1:
        raise Unsealable("unknown format")
    try:
        return AESGCM(key).decrypt(sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:], associated)
    except InvalidTag:
        raise Unsealable("authentication failed") from None
