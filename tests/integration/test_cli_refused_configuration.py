"""A long-running command (`sigill serve`, `sigill follow`, `sigill feed publish`) whose configuration is refused at
its start exits 78 (EX_CONFIG), which the systemd units do not restart on, with one readable line; other commands
keep their error exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PRODUCTION_WITHOUT_A_DATABASE = {"SIGILL_ENVIRONMENT": "production"}
A_VARIABLE_IT_CANNOT_TAKE = {"SIGILL_RETENTION_YEARS": "0"}


def sigill(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


@pytest.mark.parametrize("command", [("serve", "--port", "1"), ("serve", "--port", "1", "--workers", "2"),
                                     ("follow",), ("feed", "publish")])
@pytest.mark.parametrize("variables,said", [(PRODUCTION_WITHOUT_A_DATABASE, "production needs SIGILL_DATABASE_URL"),
                                            (A_VARIABLE_IT_CANNOT_TAKE, "SIGILL_RETENTION_YEARS: must be")])
def test_a_long_running_command_refused_its_configuration_exits_78_in_one_line(tmp_path, command, variables, said):
    # `feed publish` asks for Kafka first: a broker named (none answers there) lets it reach the settings' check.
    kafka = {"SIGILL_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"} if command[0] == "feed" else {}
    result = sigill(*command, env={"SIGILL_DATA_DIR": str(tmp_path), **kafka, **variables})
    assert result.returncode == 78, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and said in result.stderr, result.stderr
    assert result.stdout == ""


def test_serve_given_a_key_file_it_cannot_use_exits_78(tmp_path):
    """A refusal found past the settings' own check — the OIDC keys' file — is a configuration refused too."""
    result = sigill("serve", "--port", "1", env={"SIGILL_DATA_DIR": str(tmp_path / "data"),
                                                 "SIGILL_OIDC_ISSUER": "https://idp.example",
                                                 "SIGILL_OIDC_JWKS": str(tmp_path / "missing.json")})
    assert result.returncode == 78 and result.stderr.startswith("sigill: SIGILL_OIDC_JWKS: "), result.stderr


def test_a_command_that_ends_of_itself_keeps_its_error_exit_for_a_refused_configuration(tmp_path):
    """Only the commands a unit restarts exit 78: `audit verify`'s 3 ("could not verify") and the other commands'
    1 are what supervisors' scripts test for."""
    env = {"SIGILL_DATA_DIR": str(tmp_path), **PRODUCTION_WITHOUT_A_DATABASE}
    assert sigill("calendar", env=env).returncode == 1
    assert sigill("audit", "verify", env=env).returncode == 3


@pytest.mark.parametrize("command", [("follow",), ("serve", "--port", "1")])
def test_a_long_running_command_given_a_schema_that_is_not_there_exits_78(tmp_path, command):
    """SIGILL_DB_SCHEMA naming no schema is the configuration's, as tables not set up are: it exited 1, and the unit
    was restarted every 5 s for a fix only the operator makes.  A command that ends of itself keeps its 1."""
    env = {"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DB_SCHEMA": "sigill_mistyped"}
    result = sigill(*command, env=env)
    assert result.returncode == 78, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert 'SIGILL_DB_SCHEMA: schema "sigill_mistyped" does not exist' in result.stderr
    assert sigill("calendar", env=env).returncode == 1


def test_serve_given_a_public_url_with_a_password_exits_78_in_development_too(tmp_path):
    """The sign-in's redirects are made under it and sent to the browser: development took it, production did not."""
    result = sigill("serve", "--port", "1", env={"SIGILL_DATA_DIR": str(tmp_path),
                                                 "SIGILL_PUBLIC_URL": "https://admin:s3cr3t@sigill.kommun.example"})
    assert result.returncode == 78, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert "SIGILL_PUBLIC_URL" in result.stderr and "s3cr3t" not in result.stderr and "admin" not in result.stderr
