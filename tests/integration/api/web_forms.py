"""The web client's forms as a test sends them back: the hidden inputs a page carries."""

from __future__ import annotations

import re

HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(page: str, *names: str) -> dict[str, str]:
    """The page's hidden inputs by name (csrf, form_key, expected_version ...), or only ``names`` where given."""
    fields = dict(HIDDEN_INPUT.findall(page))
    return {name: fields[name] for name in names} if names else fields


def form_tokens(page: str) -> dict[str, str]:
    """The session's csrf token and the version the page was drawn at, without the form_key: a post of them runs as
    one without a key, never answered as a repeat of an earlier one."""
    return hidden_fields(page, "csrf", "expected_version")
