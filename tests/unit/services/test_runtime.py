"""The interpreter's tuning for long runs: the collector paused around a build of the views, and back after."""

from __future__ import annotations

import gc

import pytest

from services.runtime import collector_paused


def test_the_collector_is_paused_inside_and_back_after_even_when_the_build_fails():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a batch failed")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
