"""A referral whose municipality's turn cannot be had — the turns' pool exhausted (more referrals waiting in one
process than it holds) or the database restarting — is refused as the database being away (503, try again), over the
API and on the web form, never a 500; and the web form gives back what was typed (red team, 2026-12-05)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from tests.integration.api.flows import FIRST_REFERRAL
from tests.integration.api.skew import web_as

CASES = "/api/v1/cases"
TYPED = {"personnummer": "20090314-2388", "name": "Peter Exempel", "entry_route": "lul6",
         "referring_agency": "polis", "referral_date": "2026-02-01", "summary": "Ny misstanke om rån.",
         "summary_category": "crime"}


def no_turn(error: Exception):
    @contextmanager
    def turn(municipality: str):
        raise error
        yield
    return turn


UNAVAILABLE = [PoolTimeout("couldn't get a connection after 5.00 sec"),
               psycopg.OperationalError("server closed the connection unexpectedly")]


@pytest.mark.parametrize("error", UNAVAILABLE, ids=["pool exhausted", "database restarting"])
def test_the_api_answers_503_when_the_turn_cannot_be_had(client, users, context, monkeypatch, error):
    monkeypatch.setattr(context.cases.referral_turns, "turn", no_turn(error))
    refused = client.post(CASES, json=FIRST_REFERRAL, headers=users.social)
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "database_unavailable", refused.text


@pytest.mark.parametrize("error", UNAVAILABLE, ids=["pool exhausted", "database restarting"])
def test_the_web_form_answers_503_when_the_turn_cannot_be_had(context, settings, monkeypatch, error):
    web = web_as(context, settings, "soc-0180")
    form = dict(re.findall(r'<input type="hidden" name="(csrf|form_key)" value="([^"]*)"',
                           web.get("/arenden/nytt").text))
    monkeypatch.setattr(context.cases.referral_turns, "turn", no_turn(error))
    refused = web.post("/arenden/nytt", data={**form, **TYPED}, follow_redirects=False)
    assert refused.status_code == 503, refused.text[:300]
