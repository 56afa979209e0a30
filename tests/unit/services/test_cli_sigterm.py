"""What SIGTERM makes of each kind of command (the handler itself; test_cli.py sends real signals)."""

from __future__ import annotations

import argparse

import pytest

from services.cli import _exit_on_sigterm


def test_a_server_told_to_stop_exits_0_and_a_consumer_ends_as_on_ctrl_c():
    with pytest.raises(SystemExit) as server:
        _exit_on_sigterm(argparse.Namespace(command="serve"))
    assert server.value.code == 0
    with pytest.raises(KeyboardInterrupt):   # its loop prints the count and returns 0
        _exit_on_sigterm(argparse.Namespace(command="feed", feed_command="consume"))


def test_any_other_command_stopped_half_way_fails_with_its_error_exit(capsys):
    with pytest.raises(SystemExit) as verify:
        _exit_on_sigterm(argparse.Namespace(command="audit", audit_command="verify", error_exit=3))
    with pytest.raises(SystemExit) as rebuild:
        _exit_on_sigterm(argparse.Namespace(command="views", views_command="rebuild"))
    assert (verify.value.code, rebuild.value.code) == (3, 1)
    assert capsys.readouterr().err.count("stopped (SIGTERM) before it had finished") == 2
