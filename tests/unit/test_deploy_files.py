"""The deployment files say only what the product does: every variable of the environment example is a
setting, and every unit's command line is one the CLI accepts."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from services.cli import parser
from services.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_every_variable_in_the_environment_example_is_a_setting():
    names = re.findall(r"^#?\s*SIGILL_([A-Z_]+)=", (DEPLOY / "sigill.env.example").read_text(), re.MULTILINE)
    assert len(names) > 10
    unknown = [name for name in names if name.lower() not in Settings.model_fields]
    assert not unknown, f"not settings: {unknown}"


def test_no_variable_in_the_environment_example_carries_a_comment_on_its_line():
    """systemd's EnvironmentFile takes the rest of the line as the value: uncommented, a line such as
    ``SIGILL_OIDC_JWKS=/etc/sigill/jwks.json   # only if …`` set the path with the comment in it (a shell, sourcing
    the file, drops the comment: only the unit would have failed)."""
    values = re.findall(r"^#?\s*(SIGILL_[A-Z_]+)=(.*)$", (DEPLOY / "sigill.env.example").read_text(), re.MULTILINE)
    assert len(values) > 10
    spoken = [f"{name}={value}" for name, value in values if re.search(r"\s", value)]
    assert not spoken, f"a value with more on its line: {spoken}"


@pytest.mark.parametrize("unit", sorted(p.name for p in DEPLOY.glob("*.service")))
def test_every_units_command_is_one_the_cli_accepts(unit):
    (command,) = re.findall(r"^ExecStart=(.+)$", (DEPLOY / unit).read_text(), re.MULTILINE)
    program, *arguments = shlex.split(command)
    assert program.endswith("/sigill")
    parsed = parser().parse_args(arguments)   # exits (a test error) on an unknown command or option
    assert callable(parsed.handler)


def test_a_value_the_shell_would_cut_is_quoted_in_the_environment_example():
    """deploy/README.md §2 has operators source the file (`set -a; . /etc/sigill/sigill.env; set +a`): an unquoted
    ``&`` — a socket URL's ``?host=…&port=…`` — sent the rest of the line to the background as a command and left
    SIGILL_DATABASE_URL unset (systemd, which removes the quotes, read it whole)."""
    values = re.findall(r"^#?\s*((?:SIGILL|PG)[A-Z_]+)=(.*)$", (DEPLOY / "sigill.env.example").read_text(),
                        re.MULTILINE)
    assert any(name == "PGSSLMODE" for name, _ in values)   # TLS to PostgreSQL is libpq's environment
    cut = [f"{name}={value}" for name, value in values
           if re.search(r"[&;|$`()<>\s]", value) and not re.fullmatch(r"'[^']*'", value)]
    assert not cut, f"unquoted: {cut}"


# Development alone: production runs on an external database with keys of its own, and reads nothing of the data
# directory but a development master.key to refuse it.
NOT_FOR_PRODUCTION = {"data_dir"}


def test_every_setting_is_in_the_environment_example():
    """An operator fills in the example: a setting missing there (the retention period the municipality decided,
    the API's token audience, Kafka's client certificate) was one the deployment never heard of."""
    names = {name.lower() for name in
             re.findall(r"^#?\s*SIGILL_([A-Z_]+)=", (DEPLOY / "sigill.env.example").read_text(), re.MULTILINE)}
    missing = sorted(set(Settings.model_fields) - NOT_FOR_PRODUCTION - names)
    assert not missing, f"settings not in deploy/sigill.env.example: {missing}"


@pytest.mark.parametrize("unit", sorted(p.name for p in DEPLOY.glob("*.service")))
def test_a_unit_refused_its_configuration_is_not_restarted_for_ever(unit):
    """``Restart=on-failure`` restarted a unit whose settings were refused every 5 s for ever: the exit status its
    command gives a refused configuration (sysexits' EX_CONFIG) is one systemd does not restart on."""
    from services.cli import BAD_INPUT, REFUSED_CONFIGURATION

    text = (DEPLOY / unit).read_text()
    (prevented,) = re.findall(r"^RestartPreventExitStatus=(.+)$", text, re.MULTILINE)
    assert REFUSED_CONFIGURATION == 78 and "78" in prevented.split()
    assert str(BAD_INPUT) in prevented.split()   # the unit's own command line refused: alike at every restart
    assert re.search(r"^Restart=on-failure$", text, re.MULTILINE)
