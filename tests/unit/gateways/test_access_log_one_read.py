"""Verify's access-log check reads the stamps once: whether they may be read, then the stamp; and what it found of
a log never made comes back with its None verdict, so the command asks no second read of the snapshot."""

from __future__ import annotations

from gateways.access_log_checks import made_here, verify_access_log
from gateways.schema_lock import STAMPS_READABLE


class _Answers:
    """A connection that answers each statement from a queue and keeps what it was asked."""

    def __init__(self, *answers) -> None:  # noqa: ANN002 - the fetched rows, in order
        self.asked: list[str] = []
        self._answers = list(answers)

    def execute(self, statement, params=None):  # noqa: ANN001, ANN201 - psycopg's shapes
        self.asked.append(statement if isinstance(statement, str) else repr(statement))
        self._rows = self._answers.pop(0)
        return self

    def fetchone(self):  # noqa: ANN201
        return self._rows[0] if self._rows else None

    def __iter__(self):  # noqa: ANN204
        return iter(self._rows)


def test_made_here_asks_whether_the_stamps_may_be_read_once():
    conn = _Answers([(True,)], [("sha",)])
    assert made_here(conn, "sigill") is True
    assert conn.asked.count(STAMPS_READABLE) == 1
    assert len(conn.asked) == 2


def test_a_log_never_made_comes_back_with_what_the_stamps_say():
    never = verify_access_log(_Answers([], [(True,)], []), "sigill", lambda *_: True, set())
    assert never.verdict is None and never.made_here is False
    unreadable = verify_access_log(_Answers([], [(None,)]), "sigill", lambda *_: True, set())
    assert unreadable.verdict is None and unreadable.made_here is None
    gone = verify_access_log(_Answers([], [(True,)], [("sha",)]), "sigill", lambda *_: True, set())
    assert gone.verdict is not None and not gone.verdict.intact
