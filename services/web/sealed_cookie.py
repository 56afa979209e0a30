"""Cookie values only this server can read or make: AES-256-GCM under a key derived from the master key.

Each cookie has its own key (HKDF-SHA256, the purpose as ``info``) and its
name as associated data, so a value moved to another cookie, altered, or
made under another server's master key does not open.  There is no default
key: production must configure SIGILL_MASTER_KEY (services/settings.py).
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12


def cookie_key(master_key: bytes, purpose: str) -> bytes:
    """The AES key of one kind of cookie, derived from the master key (never the master key itself)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"sigill/web/{purpose}/v1".encode()).derive(master_key)


def seal(key: bytes, name: str, plaintext: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, name.encode())
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def unseal(key: bytes, name: str, value: str) -> bytes | None:
    """The plaintext, or None when the value is altered, another key's or another cookie's, or malformed."""
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if sealed[:1] != FORMAT_V1:
            return None
        return AESGCM(key).decrypt(sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:], name.encode())
    except (binascii.Error, InvalidTag, ValueError):
        return None
