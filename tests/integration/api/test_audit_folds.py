"""The auditors' answers fold a case's history once: the replay that makes the disclosure log hands back the case
and the facts it folded (``LogFold``).  The disclosures — the command line's, and the API's and the web's with the
stored log held to them — folded it two and three times (the log, the case, every fact, the stored log's
comparison), the report five (the stored log's comparison, the case, its log, and each recipient's standing at the
report's moment), the replay twice (what the agency saw, its standing then): on a long case, that many times the
work.  Counted by the folds of the case's first event, which every fold of its history begins with."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator
from uuid import UUID

import pytest

from domain.case_events import ReferralReceived
from services.cli_audit import command_line_reader
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as


@contextmanager
def _folds(monkeypatch) -> Iterator[list[ReferralReceived]]:
    """Every fold of a case's history while the block runs: each begins by folding its referral."""
    folds: list[ReferralReceived] = []
    mutate = ReferralReceived.mutate

    def counted(event, aggregate):
        folds.append(event)
        return mutate(event, aggregate)

    with monkeypatch.context() as patched:
        patched.setattr(ReferralReceived, "mutate", counted)
        yield folds


def _answers(client, users, context, settings, case_id: str) -> dict[str, Callable[[], object]]:
    """The auditors' answers that fold the case's history, each as it is asked."""
    ivo = web_as(context, settings, "ivo")
    audit = f"/api/v1/audit/cases/{case_id}"
    replay_at = {"agency": "skola", "as_of": "2026-12-31T00:00:00Z"}
    return {
        "sigill audit disclosures": lambda: context.cases.audit_disclosures(command_line_reader(), UUID(case_id),
                                                                            None, "Tillsyn"),
        "the API's disclosures": lambda: ok(client.get(f"{audit}/disclosures", headers=users.auditor)),
        "the API's disclosures of one agency": lambda: ok(client.get(f"{audit}/disclosures", params={
            "agency": "skola"}, headers=users.auditor)),
        "the web's disclosures": lambda: ivo.get(f"/granskning/arenden/{case_id}/utlamnanden"),
        "the API's report": lambda: client.get(f"{audit}/report", headers=users.auditor),
        "the web's report": lambda: ivo.get(f"/granskning/arenden/{case_id}/rapport"),
        "the API's replay": lambda: ok(client.get(f"{audit}/replay", params=replay_at, headers=users.auditor)),
        "the web's replay": lambda: ivo.get(f"/granskning/arenden/{case_id}",
                                            params={"myndighet": "skola", "tid": "2026-12-31 00:00"}),
    }


@pytest.mark.parametrize("answer", ["sigill audit disclosures", "the API's disclosures",
                                    "the API's disclosures of one agency", "the web's disclosures",
                                    "the API's report", "the web's report", "the API's replay", "the web's replay"])
def test_an_auditors_answer_folds_the_cases_history_once(client, users, tick, context, settings, monkeypatch,
                                                         answer):
    case_id, _ = school_consented_case(client, users, tick)
    context.seal_ledger()
    ask = _answers(client, users, context, settings, case_id)[answer]
    first = ask()   # the first read of a case warms what it may (the views caught up)
    with _folds(monkeypatch) as folds:
        again = ask()
    assert len(folds) == 1, f"{answer}: folded {len(folds)} times"
    if hasattr(first, "status_code"):
        assert first.status_code == again.status_code == 200, again.text[:500]
