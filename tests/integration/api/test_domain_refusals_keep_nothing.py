"""Red team hR3 (2026-12-07): a personnummer that passes the body's rules (its length) but not the domain's (its check
digit, its date) is refused by ``InvalidPersonalIdentityNumber`` — a 422 that never says it back.  The error raised
kept it all the same, as a refused body's validation error did (``test_body_refusals_keep_nothing.py``): in the
variables of the frames its traceback holds (the parser's text, the route's body with the young person's name),
where an error reporter that takes a traceback's variables finds them."""

from __future__ import annotations

import traceback

import pytest

from domain.errors import DomainError
from services.api import error_handlers
from tests.integration.api.flows import REFERRAL

NAME = "Greta Testsson"
REFUSED = {"check digit wrong": "191212121213", "month 13": "19121312-1212"}


@pytest.fixture
def raised_domain(monkeypatch) -> list[DomainError]:
    """Every DomainError the API's error handler answered while the test runs, as it or a reporter gets it (one
    made and dropped on the way, as the duplicate check's, is gone with its frames)."""
    made: list[DomainError] = []
    answer = error_handlers.domain_answer

    def recording(error, *args, **kwargs):
        made.append(error)
        return answer(error, *args, **kwargs)
    monkeypatch.setattr(error_handlers, "domain_answer", recording)
    return made


def _kept_by(error: BaseException) -> str:
    kept = repr(error) + repr(vars(error))
    for e in (error, error.__cause__, error.__context__):
        if e is not None:
            kept += "".join(repr(frame.f_locals) for frame, _ in traceback.walk_tb(e.__traceback__))
    return kept


@pytest.mark.parametrize("personnummer", REFUSED.values(), ids=REFUSED.keys())
def test_a_personnummer_the_domain_refuses_is_not_kept_on_the_error(client, users, raised_domain, personnummer):
    response = client.post("/api/v1/cases", headers=users.social,
                           json={**REFERRAL, "personnummer": personnummer, "name": NAME})
    assert response.status_code == 422, response.text
    assert "invalid_personal_identity_number" in response.text, response.text
    assert personnummer[:6] not in response.text and NAME not in response.text
    assert raised_domain, "no DomainError was made"
    for made in raised_domain:
        kept = _kept_by(made)
        assert personnummer[2:8] not in kept and "Testsson" not in kept, kept
