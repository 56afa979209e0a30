"""Errors made during a test, caught as they are made: what an error handler or a reporter would get."""

from __future__ import annotations


def recorded(monkeypatch, kind: type) -> list:
    """Every instance of ``kind`` made while the test runs, as an error handler or a reporter would get it."""
    made: list = []
    init = kind.__init__

    def recording(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)
    monkeypatch.setattr(kind, "__init__", recording)
    return made
