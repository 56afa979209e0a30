"""The auditors' web pages as an auditor's walk in Chromium found them (2026-12-07, on the demo's seed-004 case): the
replay's moment, typed as the page's own message asks (a date, a space for the ``T``) or with a zone, blanked by a
``datetime-local`` box that cannot hold it — replayed, yet the box empty, and a second *Återspela* refused — and a
mistyped moment lost with it; an unknown agency in the replay's address told only "Välj en aktör.", where the
disclosure log says no agency has that id."""

from __future__ import annotations

import re

from tests.integration.api.flows import school_consented_case
from tests.integration.api.skew import web_as


def _time_box(html: str) -> str:
    box = re.search(r'<input[^>]*id="f-tid"[^>]*>', html)
    assert box, html[-3000:]
    return box.group(0)


def test_the_replay_keeps_the_moment_as_typed_in_a_box_that_can_hold_it(client, users, tick, context, settings):
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    for typed in ("2026-03-03", "2026-03-03 12:00", "2026-03-03T12:00+01:00"):
        page = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": typed})
        assert page.status_code == 200, page.text[-2000:]
        box = _time_box(page.text)
        assert 'type="text"' in box and f'value="{typed}"' in box, box
    mistyped = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": "2026-13-01"})
    assert mistyped.status_code == 422
    box = _time_box(mistyped.text)
    assert 'type="text"' in box and 'value="2026-13-01"' in box and 'aria-invalid="true"' in box, box
    # The box says how to write a moment, as the refusal does, to a screen reader too.
    assert re.search(r'aria-describedby="[^"]*f-tid-hint', box), box
    assert re.search(r'<p class="hint" id="f-tid-hint">[^<]*ÅÅÅÅ-MM-DD TT:MM', mistyped.text), mistyped.text[-3000:]


def test_an_unknown_agency_in_the_replays_address_is_told_as_the_disclosure_log_tells_it(client, users, tick, context,
                                                                                          settings):
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    said = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polsi", "tid": "2026-03-03"})
    assert said.status_code == 422
    assert "Ingen aktör heter ”polsi”: välj en i listan." in said.text, said.text[-3000:]
    assert 'value="2026-03-03"' in _time_box(said.text)   # the moment kept
    unsaid = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "19900101-1234", "tid": "2026-03-03"})
    # Not said back, nor kept in the purpose form's way back (only the page's own query, well-formed: hR5).
    assert unsaid.status_code == 422 and "19900101-1234" not in unsaid.text
    assert "Ingen aktör har det id som adressen anger: välj en i listan." in unsaid.text
    # None chosen is still asked for.
    none = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "", "tid": "2026-03-03"})
    assert none.status_code == 422 and "Välj en aktör." in none.text


def test_an_unknown_reader_in_the_access_logs_address_is_told_as_the_disclosure_log_tells_it(client, users, tick,
                                                                                              context, settings):
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/granskning/atkomstlogg", params={"myndighet": "polsi"})
    assert page.status_code == 422
    assert "Ingen aktör heter ”polsi”: välj en i listan." in page.text, page.text[-3000:]


def test_the_access_logs_error_summary_names_a_date_field_as_its_label_does(client, users, tick, context, settings):
    """The box is labelled *Från (datum)*; its refusal in the summary read *Från och med: …* — another name for
    the same field, to a screen reader's user looking for it."""
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/granskning/atkomstlogg", params={"fran": "2026-13-01", "till": "2026-02-30"})
    assert page.status_code == 422
    summary = re.search(r'<div[^>]*role="alert".*?</div>', page.text, re.S)
    assert summary, page.text[-3000:]
    assert "Från (datum): Ange ett datum" in summary.group(0) and "Till (datum): Ange ett datum" in summary.group(0)
    assert "Från och med" not in page.text


def _ledger_csrf(web) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get("/granskning/liggaren").text).group(1)


def test_the_ledgers_refused_upload_has_the_error_summary_and_keeps_the_keys_typed(context, settings):
    """A checkpoint file or a key refused: said at the field only — no error summary to take the focus, no *Fel:*
    in the title, as every other refused form has — and the keys typed emptied, to be pasted again."""
    web = web_as(context, settings, "ivo")
    typed = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="   # 24 bytes; a key
    bad_key = web.post("/granskning/liggaren", data={"csrf": _ledger_csrf(web), "nycklar": typed},
                       files={"fil": ("x.json", b"{}", "application/json")})
    assert bad_key.status_code == 422
    assert re.search(r'<div class="summary" role="alert"[^>]*>.*?<a href="#f-nycklar">Betrodda publika nycklar[^<]*: '
                     r'En nyckel är inte', bad_key.text, re.S), bad_key.text[-3000:]
    assert re.search(r"<title>Fel: ", bad_key.text)
    assert re.search(r'<textarea id="f-nycklar"[^>]*>' + re.escape(typed) + "</textarea>", bad_key.text), \
        bad_key.text[-1500:]
    bad_file = web.post("/granskning/liggaren", data={"csrf": _ledger_csrf(web), "nycklar": ""},
                        files={"fil": ("x.json", b"{not json", "application/json")})
    assert bad_file.status_code == 422
    assert re.search(r'<div class="summary" role="alert"[^>]*>.*?<a href="#f-fil">Fil med kontrollpunkter: Filen är',
                     bad_file.text, re.S), bad_file.text[-3000:]


def test_a_replay_sent_without_a_moment_leaves_the_box_empty_where_it_asks_for_one(client, users, tick, context,
                                                                                   settings):
    """"Ange en tidpunkt …" beside a box filled in with now: the refusal and the box disagreed."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    page = ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "polis", "tid": ""})
    assert page.status_code == 422 and "Ange en tidpunkt" in page.text
    assert 'value=""' in _time_box(page.text), _time_box(page.text)
    fresh = ivo.get(f"/granskning/arenden/{case_id}")   # the form alone: now, to be replayed at once
    assert re.search(r'value="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"', _time_box(fresh.text))


def _box(html: str, name: str) -> str:
    box = re.search(rf'<input[^>]*id="f-{name}"[^>]*>', html)
    assert box, html[-3000:]
    return box.group(0)


def test_the_access_logs_period_is_shown_as_searched_even_when_a_date_box_cannot_hold_it(context, settings):
    """``?till=2026-03-03T12:00`` (a minute, as `sigill audit access-log --to` takes): searched to that minute, while
    the date box blanked it — the list bounded by a limit the form did not show, and the next search without it; a
    mistyped date blanked alike.  Such a value is shown in a text box, as searched; a date keeps the date box."""
    ivo = web_as(context, settings, "ivo")
    page = ivo.get("/granskning/atkomstlogg", params={"fran": "2026-03-01", "till": "2026-03-03T12:00"})
    assert page.status_code == 200
    assert 'type="date"' in _box(page.text, "fran") and 'value="2026-03-01"' in _box(page.text, "fran")
    till = _box(page.text, "till")
    assert 'type="text"' in till and 'value="2026-03-03T12:00"' in till, till
    mistyped = ivo.get("/granskning/atkomstlogg", params={"fran": "2026-13-01"})
    fran = _box(mistyped.text, "fran")
    assert mistyped.status_code == 422 and 'type="text"' in fran and 'value="2026-13-01"' in fran, fran


def _replay_reads(context, case_id: str) -> list[str]:
    from uuid import UUID
    return [r.entry.what for r in context.cases.access_log.extract(UUID(case_id))
            if r.entry.what.startswith("audit.replay")]


def test_the_replays_moment_is_posted_and_only_a_well_formed_one_reaches_the_address(client, users, tick, context,
                                                                                     settings):
    """The moment was typed in a GET form's box: whatever was typed (a personnummer, by mistake) went into the URL,
    the browser's history and a proxy's log.  Posted, it is answered by a 303 to the replay's address carrying the
    moment normalised; a malformed one is refused on the POST, kept in the box (unless it could be a
    personnummer or a name), never put in a URL."""
    case_id, _ = school_consented_case(client, users, tick)
    ivo = web_as(context, settings, "ivo")
    page = ivo.get(f"/granskning/arenden/{case_id}").text
    form = re.search(rf'<form method="post" action="/granskning/arenden/{case_id}" novalidate class="inline-form">'
                     r'(.*?)</form>', page, re.S)
    assert form and 'name="csrf"' in form.group(1), page[-3000:]
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.group(1)).group(1)
    before = _replay_reads(context, case_id)
    sent = ivo.post(f"/granskning/arenden/{case_id}", follow_redirects=False,
                    data={"csrf": csrf, "myndighet": "skola", "tid": " 2026-03-10T14:00 "})
    assert sent.status_code == 303, sent.text[-2000:]
    assert sent.headers["location"] == f"/granskning/arenden/{case_id}?myndighet=skola&tid=2026-03-10+14%3A00"
    assert _replay_reads(context, case_id) == before   # the POST read nothing: the GET it leads to reads once
    shown = ivo.get(sent.headers["location"])
    assert shown.status_code == 200 and "Synligt för Skolan" in shown.text
    assert _replay_reads(context, case_id) == [*before, "audit.replay:skola@2026-03-10T14:00:59.999999+01:00"]
    refused = ivo.post(f"/granskning/arenden/{case_id}", follow_redirects=False,
                       data={"csrf": csrf, "myndighet": "skola", "tid": "19900101-1234"})
    assert refused.status_code == 422 and "location" not in refused.headers
    box = _time_box(refused.text)
    # Refused and shaped like a personnummer: not in the box either (red team hR5), nor anywhere on the page.
    assert 'value=""' in box and 'aria-invalid="true"' in box and "19900101" not in refused.text, box
    assert "Ange en tidpunkt" in refused.text
    mistyped = ivo.post(f"/granskning/arenden/{case_id}", follow_redirects=False,
                        data={"csrf": csrf, "myndighet": "skola", "tid": "2026-13-01"})
    assert mistyped.status_code == 422 and "location" not in mistyped.headers
    assert 'value="2026-13-01"' in _time_box(mistyped.text)   # a mistyped moment stays, to be mended
    assert _replay_reads(context, case_id) == [*before, "audit.replay:skola@2026-03-10T14:00:59.999999+01:00"]
    unsigned = ivo.post(f"/granskning/arenden/{case_id}", follow_redirects=False,
                        data={"myndighet": "skola", "tid": "2026-03-10"})
    assert unsigned.status_code in (400, 403) and "location" not in unsigned.headers


def test_keys_pasted_beyond_the_limit_are_refused_at_their_field_not_cut(context, settings):
    """Keys refused for another reason came back cut at 5,000 characters, silently: a key at the cut halved, the
    ones after it gone, and nothing said.  Over the limit the field is refused, saying the limit and why."""
    import base64
    web = web_as(context, settings, "ivo")
    key = base64.b64encode(bytes(32)).decode()
    pasted = "\n".join([key] * 120)   # 120 lines of 44 characters: 5,399
    refused = web.post("/granskning/liggaren", data={"csrf": _ledger_csrf(web), "nycklar": pasted},
                       files={"fil": ("x.json", b"{not json", "application/json")})
    assert refused.status_code == 422
    said = re.search(r'id="f-nycklar-error"[^>]*>(.*?)</p>', refused.text, re.S)
    assert said and "5 000 tecken" in said.group(1), refused.text[-3000:]
    box = re.search(r'<textarea id="f-nycklar"[^>]*>(.*?)</textarea>', refused.text, re.S).group(1)
    assert box == "", box[:200]   # not a part of it, cut where a key may be halved
    fits = web.post("/granskning/liggaren", data={"csrf": _ledger_csrf(web), "nycklar": "\n".join([key] * 100)},
                    files={"fil": ("x.json", b"{not json", "application/json")})
    assert fits.status_code == 422 and 'id="f-nycklar-error"' not in fits.text   # the file's refusal alone
