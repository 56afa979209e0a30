"""A malformed case number in GET /cases/by-number/{case_number} is 422 naming the path parameter and the form a
number takes, for everyone who may look one up — as the web's search box says *not a case number* — where it was a
404, "no case has that number", as though it might have been one.  A well-formed number that is not the asker's to
see stays 404, in the same words whether it was given or not."""

from __future__ import annotations

import pytest

from tests.integration.api.flows import ok, school_consented_case

MALFORMED = ["abc",   # refused so already
             "0180-1899-0001", "0180-2200-0001",
             "2009-0314-2388"]   # a personnummer typed in groups of four: its month and day where the year is


@pytest.mark.parametrize("number", MALFORMED)
def test_a_malformed_case_number_is_422_naming_the_path_parameter_and_the_form(client, users, tick, number):
    school_consented_case(client, users, tick)
    for who in ("social", "school", "auditor"):
        answer = client.get(f"/api/v1/cases/by-number/{number}", headers=getattr(users, who))
        assert answer.status_code == 422, (who, answer.text)
        error = answer.json()["error"]
        assert error["field"] == "path.case_number", (who, error)
        assert "0180-2026-0042" in error["message"] and number not in error["message"], (who, error)


def test_a_well_formed_number_not_given_or_not_seen_stays_404(client, users, tick):
    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get(f"/api/v1/cases/{case_id}", headers=users.social))["facts"][0]["content"]["case_number"]
    outsider = users.headers("bup", "member")   # not in the group
    for headers, asked in ((users.social, "0180-2026-0999"), (outsider, number), (users.social, "1480-2026-0001"),
                           (users.auditor, "0180-2026-0999")):
        answer = client.get(f"/api/v1/cases/by-number/{asked}", headers=headers)
        assert answer.status_code == 404, (asked, answer.text)
        assert answer.json()["error"]["message"] == "no case has that number"


def test_the_document_lists_the_422_of_the_lookup(client):
    responses = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases/by-number/{case_number}"]["get"][
        "responses"]
    assert "422" in responses and "404" in responses
