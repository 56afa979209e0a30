"""Processes that start together on fresh data directories and each ask for every development key at once."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from gateways.jwt_tokens import DevTokens
from services.settings import Settings


def keys_of(data_dir: Path) -> tuple[str, str, str]:
    """The master key, the ledger key and the development signing key's public half, as this process gets them."""
    settings = Settings(data_dir=data_dir, master_key=None, ledger_key=None)
    public = DevTokens(data_dir).jwks()["keys"][0]
    master, ledger = settings.master_key_bytes(), settings.ledger_key_bytes()
    return base64.b64encode(master).decode(), base64.b64encode(ledger).decode(), public["x"] + public["y"]


def contend(directories: list[str], barrier: Any, results: Any) -> None:
    """For each directory: wait until every process is ready, then all ask for the keys at the same moment."""
    for directory in directories:
        barrier.wait()
        try:
            results.put((directory, os.getpid(), keys_of(Path(directory))))
        except Exception as error:  # noqa: BLE001 - a failure is the finding: report it, keep contending
            results.put((directory, os.getpid(), f"{type(error).__name__}: {error}"))
