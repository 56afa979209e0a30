"""A caseworker's walk through gallring on 2026-12-07 (helper hQ): a case closed, past its retention period, listed
on *Gallring*, erased under a decision (`sigill erase`), and every page opened afterwards."""

from __future__ import annotations

import re
from uuid import UUID

from tests.builders import utc
from tests.integration.api.flows import ok, page_text, school_consented_case
from tests.integration.api.skew import web_as

AUDIT_PAGES = ("", "/loggutdrag", "/rapport")
CASE_PAGES = ("", "/beslut", "/samtycken", "/grupp", "/avslut", "/registerutdrag", "/plan")


def closed_and_erased(client, users, tick, app, settings, postgres) -> str:
    from services.bootstrap import build_erasures
    from services.erasure import erase_case
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                   json={"reason": "moved", "outcome": "Familjen flyttade till Malmö."}))
    app.clock.set(utc(2031, 6, 1))
    erase_case(app, build_erasures(settings, postgres), UUID(case_id), "SN 2031/45", "cli:uid0@host")
    client.app.state.context.cases.lists.runner.store.record_erasures()   # the follower's calendar round
    return case_id


def test_an_auditor_opening_an_erased_case_is_told_it_was_culled_and_where_its_log_is(client, users, tick, app,
                                                                                     context, settings, postgres):
    """The replay, the loggutdrag and the report of an erased case said "Sidan eller ärendet finns inte (eller så har
    ni inte tillgång till det)." to an auditor, whom the API tells `case_erased`, and whose home page lists the case
    under *Gallrade ärenden*: as if the address were mistyped, with no way to the disclosure log that outlives it."""
    case_id = closed_and_erased(client, users, tick, app, settings, postgres)
    ivo = web_as(context, settings, "ivo")
    for page in AUDIT_PAGES:
        answer = ivo.get(f"/granskning/arenden/{case_id}{page}")
        assert answer.status_code == 404, page
        said = page_text(answer.text)
        assert "Ärendet är gallrat" in said and "finns inte (eller så" not in said, (page, said)
        assert f'href="/granskning/arenden/{case_id}/utlamnanden"' in answer.text, page


def test_guard_an_erased_case_is_no_such_case_to_social_services_and_its_former_members(client, users, tick, app,
                                                                                     context, settings, postgres):
    """Guard: as the API answers them `case_not_found`, the web tells those who are no auditors nothing of an
    erasure, never a 500; the case leaves the lists once the follower has recorded the erasure."""
    case_id = closed_and_erased(client, users, tick, app, settings, postgres)
    for user, pages in (("soc-0180", CASE_PAGES), ("skola", ("", "/plan"))):
        web = web_as(context, settings, user)
        for page in pages:
            answer = web.get(f"/arenden/{case_id}{page}")
            assert answer.status_code == 404, (user, page)
            assert "gallra" not in answer.text and "Sidan eller ärendet finns inte" in answer.text, (user, page)
        assert case_id not in web.get("/arenden").text, user
    assert "Inga ärenden är gallringsbara just nu." in web_as(context, settings, "soc-0180").get("/gallring").text


def test_a_closure_sent_again_from_a_stale_tab_gives_back_the_outcome_not_the_reason_s_code(client, users, tick,
                                                                                          context, settings):
    """The case closed in one tab, the Avslut form sent again from another (without its form key: no repeat of the
    first) came back 409 with *Det du skrev sparades inte* listing "moved" — the select's code, in English, which
    no caseworker typed — beside the outcome they wrote."""
    from tests.integration.api.web_forms import hidden_fields
    case_id, _ = school_consented_case(client, users, tick)
    social = web_as(context, settings, "soc-0180")
    tokens = {k: v for k, v in hidden_fields(social.get(f"/arenden/{case_id}/avslut").text).items() if k != "form_key"}
    first = social.post(f"/arenden/{case_id}/avslut", data={**tokens, "reason": "moved", "outcome": "Flyttat.",
                                                           "confirm": "on"})
    assert first.status_code == 200 and "Ärendet avslutat (den unge har flyttat)" in page_text(first.text)
    again = social.post(f"/arenden/{case_id}/avslut", data={**tokens, "reason": "moved", "outcome": "Annat utfall.",
                                                           "confirm": "on"})
    assert again.status_code == 409
    (kept,) = re.findall(r'<textarea readonly[^>]*aria-labelledby="written-heading">(.*?)</textarea>', again.text, re.S)
    assert kept.split("\n\n") == ["Annat utfall."], kept
