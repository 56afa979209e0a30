"""An inspector's walk through the auditors' side (2026-12-05): what the pages, the API and the command line say of
moments, of the ledger and of a diverging case."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.integration.api.flows import ok, page_text, school_consented_case
from tests.integration.api.skew import web_as


def test_the_replays_heading_says_the_moment_replayed_to_the_second_with_its_zone(app, client, users, tick, context,
                                                                                   settings):
    """The heading read "vid 2026-12-05 12:37" for a typed 12:37:20 — on either side of a closure at 12:37:25 the
    same words — and named no zone, where the command line says "2026-12-05 12:37:20 CET"."""
    case_id, _ = school_consented_case(client, users, tick)
    app.clock.advance(timedelta(days=200))
    auditor = web_as(context, settings, "ivo")
    heading = lambda tid: re.search(r'<h3 id="replay-result">(.*?)</h3>', auditor.get(  # noqa: E731
        f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": tid}).text, re.S).group(1)
    assert heading("2026-02-03T12:37:20") == "Synligt för Skolan vid 2026-02-03 12:37:20 CET"
    assert heading("2026-07-01T14:05:20") == "Synligt för Skolan vid 2026-07-01 14:05:20 CEST"
    # A minute typed is the whole minute, a date the whole day: the heading says through when, as the CLI does.
    assert heading("2026-02-03T12:37") == "Synligt för Skolan vid 2026-02-03 12:37:59 CET"
    assert heading("2026-02-03") == "Synligt för Skolan vid 2026-02-03 23:59:59 CET"


def test_the_access_log_the_loggutdrag_and_the_disclosure_log_name_the_zone_of_their_times(client, users, tick,
                                                                                         context, settings):
    """Their times read "2026-02-03 01:05" with no zone (the report says "CET"; the hour the clocks go back reads
    twice without it)."""
    case_id, _ = school_consented_case(client, users, tick)
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    ivo = web_as(context, settings, "ivo")
    ivo.get(f"/granskning/arenden/{case_id}", params={"myndighet": "skola", "tid": "2026-03-10T14:00"})
    page = ivo.get("/granskning/atkomstlogg", params={"nummer": number}).text
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>", page, re.S)
    assert rows and all(re.search(r'<td class="when">2026-02-03 \d\d:\d\d CET</td>', r) for r in rows), rows
    assert "återspelning (granskning): Skolan, 2026-03-10 14:00 CET" in page
    extract = ivo.get(f"/granskning/arenden/{case_id}/loggutdrag").text
    times = re.findall(r'<td class="when">([^<]*)</td>', extract)
    assert times and all(re.fullmatch(r"2026-02-03 \d\d:\d\d(–\d\d:\d\d)? CET", t) for t in times), times
    assert re.search(r"Framtaget: 2026-02-03 \d\d:\d\d CET\.", extract)
    social = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert re.search(r"Framtaget: 2026-02-03 \d\d:\d\d CET\.", social)
    times = re.findall(r'<td class="when">([^<]*)</td>', social)
    assert times and all(re.fullmatch(r"2026-02-03 \d\d:\d\d(–\d\d:\d\d)? CET", t) for t in times), times
    disclosed = ivo.get(f"/granskning/arenden/{case_id}/utlamnanden").text
    times = re.findall(r'<td class="when">([^<]*)</td>', disclosed)
    assert times and all(re.fullmatch(r"2026-02-03 \d\d:\d\d CET", t) for t in times), times


def test_a_loggutdrag_row_of_reads_across_the_clocks_change_names_each_end_its_zone():
    from datetime import datetime, timezone

    from services.web.pages import _when_span

    first, last = datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    assert _when_span(first, last) == "2026-10-25 02:30 CEST–02:30 CET"
    assert _when_span(last, last + timedelta(minutes=5)) == "2026-10-25 02:30–02:35 CET"
    assert _when_span(first, None) == "2026-10-25 02:30 CEST"


def test_now_typed_to_the_present_minute_is_not_told_it_is_to_come(app, client, users, tick, context, settings):
    """Replaying "now" to the minute — the form's default, which a browser sends without its :00 seconds — is the
    whole minute, through its last second: it was told "tidpunkten ligger i framtiden"."""
    from datetime import datetime

    from domain.calendar import STOCKHOLM

    case_id, _ = school_consented_case(client, users, tick)
    app.clock.set(datetime(2026, 12, 5, 12, 37, 20, 500_000, tzinfo=STOCKHOLM))
    auditor = web_as(context, settings, "ivo")
    page = lambda tid: page_text(auditor.get(f"/granskning/arenden/{case_id}",  # noqa: E731
                                         params={"myndighet": "skola", "tid": tid}).text)
    for present in ("2026-12-05T12:37", "2026-12-05T12:37:20", "2026-12-05T12:37:59"):
        shown = page(present)
        assert "Synligt för Skolan vid" in shown and "framtiden" not in shown, present
    for to_come in ("2026-12-05T12:38", "2026-12-05T12:38:00", "2026-12-05"):
        assert "Obs: tidpunkten ligger i framtiden" in page(to_come), to_come


def test_the_notes_call_the_present_minute_now_in_every_client():
    """The command line's replay and the API's take their notes from the same function as the web."""
    from datetime import datetime, timezone

    from services.standing_text import replay_notes

    created = datetime(2026, 1, 1, tzinfo=timezone.utc)
    now = datetime(2026, 12, 5, 11, 37, 20, 500_000, tzinfo=timezone.utc)
    assert replay_notes(created, now.replace(second=59, microsecond=999_999), now) == []
    assert "i framtiden" in replay_notes(created, now.replace(minute=38, second=0, microsecond=0), now)[0]


def test_the_pages_call_the_ledger_liggaren_as_the_readme_and_the_report_do():
    """An altered history read "inte den som revisionsliggaren förseglade" beside "Verifiera liggaren"."""
    from services.web import texts

    said = [v for v in texts.T.values() if isinstance(v, str)]
    assert not [v for v in said if "revisionsliggar" in v.lower()]
    assert "Ärendets lagrade historik är inte den som liggaren förseglade" in texts.T["history_altered"]
    assert "Ärendets lagrade historik är inte den som liggaren förseglade" in texts.T["stored_log_unheld"]


def test_the_extract_names_its_recipient_without_a_stray_space_before_a_full_stop(client, users, tick, context,
                                                                                   settings):
    """Read as text (a screen reader, a copy, a text browser) the line said "Utdrag för: Den unge ."."""
    case_id, _ = school_consented_case(client, users, tick)
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "Utdrag för: Peter Exempel (den unge)" in page_text(page) and " ." not in page_text(page)
    assert '<p id="extract-for">Utdrag för: <strong>Peter Exempel (den unge)</strong></p>' in page


def test_the_apis_replay_gives_the_notes_the_command_line_and_the_web_give(app, client, users, tick):
    """`sigill audit replay` and the web's replay say when the case did not exist yet or the moment is to come; the
    API's answer said neither: an empty `facts` read as "saw nothing" either way."""
    case_id, _ = school_consented_case(client, users, tick)
    replay = lambda as_of: ok(client.get(f"/api/v1/audit/cases/{case_id}/replay",  # noqa: E731
                                         params={"agency": "skola", "as_of": as_of}, headers=users.auditor))
    [before] = replay("2020-01-01T00:00:00+01:00")["notes"]
    assert before.startswith("Obs: ärendet registrerades först 2026-02-03 ") and "fanns det inte" in before
    [to_come] = replay("2199-01-01T00:00:00+01:00")["notes"]
    assert to_come.startswith("Obs: tidpunkten ligger i framtiden;")
    assert replay(app.clock.now().isoformat())["notes"] == []
    schema = ok(client.get("/api/v1/openapi.json"))["components"]["schemas"]["Replayed"]["properties"]["notes"]
    assert "registrerades först" in schema["description"] and "i framtiden" in schema["description"]


def test_the_stored_log_names_who_consented_as_the_disclosures_do_and_ids_when_it_cannot(
        client, users, tick, context, postgres):
    """`/stored-log` told a basis as "samtycke 8b82cd67, c341a1ce, 818fbd4e" where `/disclosures` says "samtycke från
    den unge och vårdnadshavarna Maria och Johan, tills vidare" of the same row."""
    import psycopg

    case_id, consents = school_consented_case(client, users, tick)
    audit = f"/api/v1/audit/cases/{case_id}"
    params = {"agency": "skola"}
    stored = ok(client.get(f"{audit}/stored-log", params=params, headers=users.auditor))["rows"]
    changes = ok(client.get(f"{audit}/disclosures", params=params, headers=users.auditor))["changes"]
    told = {(c["at"], c["fact"]["fact_id"], c["change"]): c["basis"]["description"] for c in changes}
    by_consent = [r for r in stored if r["basis"]["kind"] == "consent"]
    assert by_consent and all(r["basis"]["description"] == told[(r["at"], r["fact_id"], r["change"])]
                              for r in by_consent), (by_consent, told)
    assert all("samtycke från den unge och vårdnadshavarna Maria och Johan" in r["basis"]["description"]
               for r in by_consent)
    # A history not what the ledger sealed: its events are not read, so the consents are told by their ids.
    context.seal_ledger()
    with psycopg.connect(postgres.conninfo()) as conn:
        conn.execute("DELETE FROM sigill_events WHERE originator_id = %s AND originator_version = (SELECT"
                     " max(originator_version) FROM sigill_events WHERE originator_id = %s)", (case_id, case_id))
    altered = ok(client.get(f"{audit}/stored-log", params=params, headers=users.auditor))
    assert altered["history_altered"]
    bare = [r["basis"]["description"] for r in altered["rows"] if r["basis"]["kind"] == "consent"]
    assert bare and all(d.startswith("samtycke ") and "Maria" not in d and "den unge" not in d for d in bare), bare
    assert any(consents[0][:8] in d for d in bare)
