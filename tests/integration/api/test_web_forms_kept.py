"""Every web form refused for the server's sake comes back with what was typed in its fields, its status precise.

The database away (503), or a concurrent change (409): the form comes back with each value typed in the field it
was typed in, and a message at the top that says what happened and what to do next.  A new referral's own form, and a
case's page after a conflict; a case's form the database could not take as the fields sent, in a form of their own
(its page can be neither read nor its reading logged while the database is away).  It was an error page holding the
free text alone, read-only: a new referral's personnummer, name, dates and choices were lost.  Nothing is saved.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from psycopg_pool import PoolTimeout

from services.errors import ConcurrentChange
from tests.integration.api.flows import events_of, school_consented_case
from tests.integration.api.skew import latest, web_as
from tests.integration.api.test_authorisation_matrix import a_busy_case
from tests.integration.api.test_clock_skew_web import every_form
from tests.integration.api.test_referral_turn_unavailable import TYPED, UNAVAILABLE, no_turn

AWAY = "Tjänsten kunde inte nå databasen. Det du skrev finns kvar nedan"
NOT_SAVED = "Formuläret sparades inte"
CONFLICT = "Ärendet har ändrats sedan du öppnade sidan."
NEW = "/arenden/nytt"


class Fields(HTMLParser):
    """Each form's fields as a browser would send them: action → name → values (a box ticked, an option chosen)."""

    def __init__(self, html: str, path: str) -> None:
        super().__init__()
        self.path = path   # where a form without an action posts
        self.forms: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.action = self.select = self.textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        a = dict(attrs)
        fields = self.forms[self.action or ""]
        if tag == "form":
            self.action = a.get("action") or self.path
        elif tag == "input" and a.get("name"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                fields[a["name"]].append(a.get("value") or "")
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            fields[self.select].append(a.get("value") or "")
        elif tag == "textarea":
            self.textarea = a.get("name")
            fields[self.textarea].append("")

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.action = None

    def handle_data(self, data):  # noqa: ANN001
        if self.textarea:
            values = self.forms[self.action or ""][self.textarea]
            values[-1] += data


def kept_in_fields(html: str, action: str, typed: dict) -> list[tuple[str, str]]:
    """The typed values not back in the form posting to ``action`` (empty: every one is)."""
    fields = Fields(html, action).forms[action]
    return [(name, value) for name, values in typed.items()
            for value in (values if isinstance(values, list) else [values]) if value not in fields.get(name, [])]


def hidden_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(csrf|form_key)" value="([^"]*)"', html))


# -- a new referral -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("error", UNAVAILABLE, ids=["pool exhausted", "database restarting"])
def test_a_referral_the_database_could_not_take_comes_back_in_its_form_with_a_503(context, settings, postgres,
                                                                                   monkeypatch, error):
    web = web_as(context, settings, "soc-0180")
    sent = hidden_of(web.get(NEW).text)
    monkeypatch.setattr(context.cases.referral_turns, "turn", no_turn(error))
    before = events_of(postgres)
    refused = web.post(NEW, data={**sent, **TYPED}, follow_redirects=False)
    assert refused.status_code == 503, refused.text[:300]
    assert AWAY in refused.text and NOT_SAVED in refused.text
    assert kept_in_fields(refused.text, NEW, TYPED) == []
    # The key it was sent with: had the save been committed and only its answer lost, sent again it opens one case.
    assert Fields(refused.text, NEW).forms[NEW]["form_key"] == [sent["form_key"]]
    assert events_of(postgres) == before


def test_a_referral_that_got_no_case_number_comes_back_in_its_form_with_a_409(context, settings, monkeypatch):
    web = web_as(context, settings, "soc-0180")
    sent = hidden_of(web.get(NEW).text)

    def busy(*args, **kwargs):
        raise ConcurrentChange("could not allocate a case number: too many cases opened at once; try again",
                               field=None)
    monkeypatch.setattr(context.cases, "open_case", busy)
    refused = web.post(NEW, data={**sent, **TYPED}, follow_redirects=False)
    assert refused.status_code == 409, refused.text[:300]
    assert "fick inget ärendenummer" in refused.text and NOT_SAVED in refused.text
    assert kept_in_fields(refused.text, NEW, TYPED) == []


def test_a_referral_refused_by_the_domain_stays_in_its_form_with_a_422(context, settings):
    """Already so: a guard beside the new ones."""
    web = web_as(context, settings, "soc-0180")
    typed = {**TYPED, "referral_date": "2099-01-01"}   # in the future
    refused = web.post(NEW, data={**hidden_of(web.get(NEW).text), **typed}, follow_redirects=False)
    assert refused.status_code == 422
    assert kept_in_fields(refused.text, NEW, typed) == []


# -- every case form ------------------------------------------------------------------------------------------


def _signed(context, settings, case_id: str) -> dict:
    signed = {}
    for user in ("soc-0180", "skola"):
        web = web_as(context, settings, user)
        signed[user] = web, hidden_of(web.get(f"/arenden/{case_id}").text)["csrf"]
    return signed


def _away(*args, **kwargs):
    raise PersistenceOperationalError("connection failed: server closed the connection unexpectedly")


def _stale(*args, **kwargs):
    raise ConcurrentChange("the case was changed by someone else at the same time; reload and retry",
                           expected=1, actual=2)


def test_every_case_form_the_case_changed_under_comes_back_on_its_page_with_what_was_typed_and_a_409(
        client, users, tick, app, context, settings, monkeypatch):
    """Already so, but for the heading ("Formuläret innehåller fel", over fields that were all right) and two forms:
    a departure said why in its table cell, and a withdrawal came back with its box unticked and the narrowing open."""
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    signed = _signed(context, settings, case_id)
    version = latest(app, case_id).originator_version
    monkeypatch.setattr(context.cases, "command", _stale)
    for user, path, fields in every_form(client, users, case_id, consents):
        web, csrf = signed[user]
        typed = fields()
        answer = web.post(path, data={"csrf": csrf, "form_key": "k" * 24, **typed}, follow_redirects=False)
        assert answer.status_code == 409, (path, answer.status_code)
        assert CONFLICT in answer.text and NOT_SAVED in answer.text, path
        assert kept_in_fields(answer.text, path, typed) == [], path
    assert latest(app, case_id).originator_version == version


def test_every_case_form_the_database_could_not_take_comes_back_as_sent_with_a_503(
        client, users, tick, app, context, settings, monkeypatch):
    """The case's page can be neither read nor its reading logged while the database is away (and trying would wait
    for it a second time): the fields come back as sent, in a form that sends them to the same address — with the
    same key, so that a save committed whose answer was lost is not recorded twice."""
    case_id, consents, _, _ = a_busy_case(client, users, tick, app)
    signed = _signed(context, settings, case_id)
    version = latest(app, case_id).originator_version
    monkeypatch.setattr(context.cases, "command", _away)
    monkeypatch.setattr(context.cases, "look", lambda *a, **k: (_ for _ in ()).throw(PoolTimeout("no connection")))
    for user, path, fields in every_form(client, users, case_id, consents):
        web, csrf = signed[user]
        typed = fields()
        answer = web.post(path, data={"csrf": csrf, "form_key": "k" * 24, **typed}, follow_redirects=False)
        assert answer.status_code == 503, (path, answer.status_code)
        assert AWAY in answer.text, path
        assert kept_in_fields(answer.text, path, typed) == [], path
        assert Fields(answer.text, path).forms[path]["form_key"] == ["k" * 24], path
    assert latest(app, case_id).originator_version == version


def test_more_rows_asked_for_while_the_database_is_away_keeps_the_plan_as_typed(client, users, tick, app, context,
                                                                                 settings, monkeypatch):
    case_id, _, _, _ = a_busy_case(client, users, tick, app)
    web, csrf = _signed(context, settings, case_id)["soc-0180"]
    monkeypatch.setattr(context.cases, "look", _away)
    typed = {"main_goal": "Fullföljd skolgång", "rows.0.area": "Skolgång", "rows.0.goal": "Närvaro över 90 %"}
    path = f"/arenden/{case_id}/plan"
    answer = web.post(path, data={"csrf": csrf, "fler_rader": "1", **typed}, follow_redirects=False)
    assert answer.status_code == 503 and AWAY in answer.text
    assert kept_in_fields(answer.text, path, typed) == []
    # Sent again, it asks for the row again: it saved the plan half-typed (red team 2026-12-05), under "Spara igen".
    assert kept_in_fields(answer.text, path, {"fler_rader": "1"}) == []
    assert "Spara igen" not in answer.text and "Försök igen" in answer.text


def test_a_referral_typed_is_never_logged(context, settings, monkeypatch, caplog):
    web = web_as(context, settings, "soc-0180")
    monkeypatch.setattr(context.cases.referral_turns, "turn", no_turn(UNAVAILABLE[1]))
    web.post(NEW, data={**hidden_of(web.get(NEW).text), **TYPED}, follow_redirects=False)
    logged = caplog.text
    assert logged and not any(v in logged for v in (TYPED["personnummer"], TYPED["name"], TYPED["summary"]))



@pytest.mark.parametrize("with_version", [True, False], ids=["its version (409)", "no version (422)"])
def test_a_form_whose_case_was_closed_while_it_was_typed_gives_its_text_back(client, users, tick, app, context,
                                                                             settings, with_version):
    """The case closed by someone else meanwhile: the page shown again has no form (a closed case takes none), and
    the meeting's minutes went with it, without a word — a 409, or a 422 without a version, on a page that said
    only that the case is closed."""
    case_id, _, _, _ = a_busy_case(client, users, tick, app)
    web, csrf = _signed(context, settings, case_id)["soc-0180"]
    path = f"/arenden/{case_id}/moten"
    version = re.search(r'name="expected_version" value="(\d+)"', web.get(path).text).group(1)
    tick()
    closed = client.post(f"/api/v1/cases/{case_id}/closure", headers=users.social,
                         json={"reason": "goals_met", "outcome": "Målen är nådda."})
    assert closed.status_code == 200, closed.text
    after = latest(app, case_id).originator_version
    minutes = "Mormor Anna berättade om helgen; skolan följer upp närvaron."
    answer = web.post(path, follow_redirects=False, data={
        "csrf": csrf, "expected_version": version if with_version else "", "held_on": "2026-02-02",
        "attendees": "skola", "other_attendees": minutes})
    assert answer.status_code == (409 if with_version else 422)
    assert NOT_SAVED in answer.text and "formuläret kan inte längre sparas här" in answer.text
    assert "Det du skrev sparades inte" in answer.text and minutes in answer.text
    assert latest(app, case_id).originator_version == after


def test_a_form_kept_while_the_database_is_away_takes_any_field_name_it_was_sent(client, users, tick, app, context,
                                                                                  settings, monkeypatch):
    """The kept form labels a row's field by the number in its name: a name with a number of thousands of digits
    (a hand-made request) was a 500 (Python reads no int of over 4,300 digits) where the form belongs; markup in a
    name or a value is text."""
    case_id, _, _, _ = a_busy_case(client, users, tick, app)
    web, csrf = _signed(context, settings, case_id)["soc-0180"]
    monkeypatch.setattr(context.cases, "command", _away)
    monkeypatch.setattr(context.cases, "look", _away)
    path, markup = f"/arenden/{case_id}/moten", '"><script>alert(1)</script>'
    typed = {"outcomes." + "9" * 5000 + ".text": "Skolan följer upp.", markup: markup, "other_attendees": markup}
    answer = web.post(path, data={"csrf": csrf, "form_key": "k" * 24, **typed}, follow_redirects=False)
    assert answer.status_code == 503 and AWAY in answer.text, answer.status_code
    assert kept_in_fields(answer.text, path, typed) == []
    assert "<script>" not in answer.text



def _written_back(html: str) -> list[str]:
    (kept,) = re.findall(r'<textarea readonly[^>]*aria-labelledby="written-heading">(.*?)</textarea>', html, re.S)
    return kept.split("\n\n")


def test_a_departures_reason_written_as_a_closure_reasons_code_is_given_back_the_closures_choice_is_not(
        client, users, tick, context, settings):
    """What a form not saved gives back leaves out its choices, as the parsed form names them (``Parsed.choices``):
    the closure's ``reason`` is a select of codes, a member's departure's ``reason`` is text the caseworker wrote —
    left out when it happened to be written ``moved``, as if it were the closure's code."""
    from uuid import uuid4

    from gateways.jwt_tokens import DevTokens
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "soc-0180")
    csrf = hidden_of(web.get(f"/arenden/{case_id}").text)["csrf"]
    gone = uuid4()   # no such case: the form is not saved, and what was written comes back with the 404
    left = web.post(f"/arenden/{gone}/grupp/polis/avgang", follow_redirects=False,
                    data={"csrf": csrf, "expected_version": "3", "reason": "moved"})
    assert left.status_code == 404 and _written_back(left.text) == ["moved"], left.text[-3000:]
    closing = {"csrf": csrf, "expected_version": "3", "reason": "moved", "outcome": "Flyttat.", "confirm": "on"}
    closed = web.post(f"/arenden/{gone}/avslut", follow_redirects=False, data=closing)
    assert closed.status_code == 404 and _written_back(closed.text) == ["Flyttat."], closed.text[-3000:]
    # The session ended before the closure was sent: what was written comes back before the way to sign in.
    stale = DevTokens(settings.data_dir).issue(subject="dev-soc-0180", name="Handläggare", agency="socialtjanst",
                                               roles=["caseworker"], municipality="0180", lifetime=-3600)
    web.cookies.set("sigill_session", stale)
    ended = web.post(f"/arenden/{case_id}/avslut", follow_redirects=False, data=closing)
    assert ended.status_code == 401 and _written_back(ended.text) == ["Flyttat."], ended.text[-3000:]
