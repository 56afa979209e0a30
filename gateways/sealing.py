"""AES-256-GCM sealing with a per-case data key, shared by the event store and the views.

Layout: 1 format byte, 12-byte random nonce, ciphertext and tag.  The
associated data names where the bytes belong, so bytes moved elsewhere fail.
The format byte is 0x01 for all the views' values; the event store seals events
as 0x02, whose associated data names the event's type too (``gateways.event_mapper``).
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12
NONCES_AT_ONCE = 64


class Unsealable(ValueError):
    """The bytes were altered, moved, or sealed with another key."""


def seal(key: bytes, plaintext: bytes, associated: bytes, form: bytes = FORMAT_V1) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return form + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes, form: bytes = FORMAT_V1) -> bytes:
    """``form``: the format byte the bytes must carry — the caller's associated data is that format's."""
    if sealed[:1] != form:
        raise Unsealable("unknown format")
    try:
        return AESGCM(key).decrypt(sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:], associated)
    except InvalidTag:
        raise Unsealable("authentication failed") from None


class Sealer:
    """Seals many values under one key, as ``seal`` does, with one cipher context and nonces drawn in bulk.

    The views seal hundreds of values per case in a batch; setting up AES-GCM and asking the OS for
    12 random bytes each time cost more than the encryption itself.  Nonces stay random (the OS's
    generator, drawn 64 at a time): the format and its security are those of ``seal``."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._nonces, self._next = b"", 0

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        if self._next >= len(self._nonces):
            self._nonces, self._next = os.urandom(NONCE_BYTES * NONCES_AT_ONCE), 0
        nonce = self._nonces[self._next:self._next + NONCE_BYTES]
        self._next += NONCE_BYTES
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, associated)
