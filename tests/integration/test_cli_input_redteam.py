"""Bad arguments to `sigill`: a non-zero exit and one readable line on stderr, never a traceback."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import sigill


@pytest.mark.parametrize("option, value", [("--subject", "a\nb"), ("--name", "x" * 300), ("--name", "Kim\x1b[2J")])
def test_a_development_token_the_api_would_refuse_is_not_issued(tmp_path, option, value):
    """It was printed, and every request with it answered 401 ("the token's sub claim holds a control character")."""
    result = sigill("dev-token", "--agency", "skola", "--role", "member", option, value,
                    env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"sigill: {option} must be at most 256 characters, with no control character\n"
