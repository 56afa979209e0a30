"""A guardian's extract (loggutdrag) of a case whose young person has skyddade personuppgifter recorded: it leaves
out what can point to where the young person is — the readers (names, ids, roles, a system's name) and the purposes
— and does not itself tell of the protection; social services is told why, on screen only.  The young person's own
extract, and a guardian's without protection, are as before; ending the protection makes the guardian's whole
(``services.guardian_extract``; the red team of 2026-12-06).  With the real PostgreSQL."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from uuid import UUID

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_feed_http import everything
from tests.integration.api.test_feed_reader import system

CASES = "/api/v1/cases"
PROTECT = {"protected": True, "kind": "skyddad_folkbokforing", "since": "2026-02-02"}
PURPOSE = "Infor flytt till Nacka"   # a purpose as typed, which tells where the young person goes
# What a protected guardian's extract must not hold: readers' names (a person's, the web's dev user's, a system's),
# their ids and roles, the purpose, the protection itself.
READERS = ("Namn skola member", "Kurator, skolan (Stockholm)", "skola elevsystem (automatisk hämtning)",
           "Handläggare, socialtjänsten Stockholm (0180)")
SUBJECTS = ("skola-member", "skola-integration", "soc-0180")
PROTECTION_WORDS = ("skyddade personuppgifter", "skyddad folkbokföring", "sekretessmarkering", "vistelseort",
                    "protected-banner")
LEFT_OUT_LINE = "Namn på enskilda läsare och syften med läsningarna lämnas inte ut i detta utdrag."
CSS = Path(__file__).resolve().parents[3] / "services" / "web" / "static" / "sigill.css"


def _read_case(client, users, tick, context, settings) -> tuple[str, str]:
    """A case the school has read — by a person with a purpose typed, on the web, and by its system's feed — and
    social services has opened the protection tab of; the case id and a guardian's id."""
    case_id, _ = school_consented_case(client, users, tick)
    tick()
    ok(client.get(f"{CASES}/{case_id}", headers={**users.school, "Sigill-Purpose": PURPOSE}))
    web_as(context, settings, "skola").get(f"/arenden/{case_id}")
    everything(client, system(users, "skola"), "skola")
    web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/skydd")
    guardians = next(f for f in ok(client.get(f"{CASES}/{case_id}", headers=users.social))["facts"]
                     if f["kind"] == "guardians")["content"]["guardians"]
    first = guardians[0]
    return case_id, first[0] if isinstance(first, list) else first["guardian_id"]


def _protect(client, users, case_id: str, body: dict | None = None) -> None:
    ok(client.post(f"{CASES}/{case_id}/protection", headers=users.social, json=body or PROTECT))


def _protected_case(client, users, tick, context, settings) -> tuple[str, str]:
    """``_read_case``, and then skyddade personuppgifter recorded on it (``PROTECT``): the case id and a guardian's."""
    case_id, guardian = _read_case(client, users, tick, context, settings)
    tick()
    _protect(client, users, case_id)
    tick()
    return case_id, guardian


def _api_extract(client, users, case_id: str, recipient: str) -> dict:
    return ok(client.get(f"{CASES}/{case_id}/extract", params={"recipient": recipient}, headers=users.social))


class _Printed(HTMLParser):
    """The text a printed page shows: without the elements the print style sheet hides (``@media print`` in
    sigill.css, checked below to still say so), nor the head and scripts."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []   # (tag, hidden — itself or an ancestor)
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        in_casehead = any(t == "div:casehead" for t, _ in self.stack)
        hidden = (bool(self.stack) and self.stack[-1][1]) or tag in ("head", "script") or bool(
            classes & {"noprint", "skip"}) or (tag == "header" and "top" in classes) or (
            tag == "nav" and "tabs" in classes) or (tag == "form" and (in_casehead or "purpose" in classes))
        self.stack.append(("div:casehead" if "casehead" in classes else tag, hidden))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.text.append(data)


def printed(page: str) -> str:
    parser = _Printed()
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.text))


def test_the_print_style_sheet_hides_what_the_printed_text_here_leaves_out():
    """``printed`` models this rule; a change to it must change the model, or these tests would not say it."""
    assert ("header.top, nav.tabs, .casehead form, form.purpose, .noprint, .skip { display: none !important; }"
            in CSS.read_text())


def test_a_guardians_api_extract_of_a_protected_case_leaves_out_readers_purposes_and_the_protection(
        client, users, tick, context, settings):
    case_id, guardian = _protected_case(client, users, tick, context, settings)
    reads = _api_extract(client, users, case_id, guardian)["reads"]
    assert reads, "the extract lists the reads"
    for read in reads:
        assert (read["subject"], read["reader_name"], read["roles"], read["purpose"]) == (None, None, None, None)
        assert read["agency"] and read["at"]
    assert {"skola", "socialtjanst"} <= {r["agency"] for r in reads}
    assert "protection" not in {r["what"] for r in reads} and "case" in {r["what"] for r in reads}
    answer = client.get(f"{CASES}/{case_id}/extract", params={"recipient": guardian}, headers=users.social).text
    for told in (*READERS, *SUBJECTS, PURPOSE, "feed_reader", "caseworker", "skyddad", "protect"):
        assert told not in answer, told


def test_a_guardians_printed_extract_of_a_protected_case_leaves_them_out_and_tells_the_caseworker_why_on_screen(
        client, users, tick, context, settings):
    case_id, guardian = _protected_case(client, users, tick, context, settings)
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag?till={guardian}").text
    paper = printed(page)
    for told in (*READERS, PURPOSE, *SUBJECTS):
        assert told not in paper, told
    for told in (*READERS[:3], PURPOSE, *SUBJECTS[:2]):   # the caseworker's own name is in the (unprinted) header
        assert told not in page, told
    for told in PROTECTION_WORDS:
        assert told not in paper.lower(), told
    assert LEFT_OUT_LINE in paper and "Utdrag för: Maria (vårdnadshavare)" in paper
    assert "Skolan" in paper and "ärendet" in paper and "tidslinjen" in paper and "aktörens flöde" in paper
    assert "Läsare" not in paper and "Syfte" not in paper   # no empty columns for them
    # When the case last changed is not on the paper either: on a case just protected, it is when that was recorded.
    assert "Senast ändrat" in page and "Senast ändrat" not in paper
    assert re.search(r"\d{4}-\d{2}-\d{2}", paper) or re.search(r"\d{1,2} \w+ \d{4}", paper)   # the times kept
    # The caseworker is told why — on screen, in an element the print leaves out; the banner too is not printed.
    warning = re.search(r'<div class="([^"]*)" role="note" id="extract-limited-warning">(.*?)</div>', page, re.S)
    assert warning and "noprint" in warning.group(1).split()
    assert "skyddade personuppgifter" in warning.group(2) and "särskild sekretessprövning" in warning.group(2)
    assert "OSL 12 kap. 3 §" in warning.group(2)
    banner = re.search(r'<div class="([^"]*)" role="region"[^>]*id="protected-banner"', page)
    assert banner and "noprint" in banner.group(1).split()


def test_the_young_persons_own_extract_of_a_protected_case_is_whole(client, users, tick, context, settings):
    case_id, _ = _protected_case(client, users, tick, context, settings)
    reads = _api_extract(client, users, case_id, "young_person")["reads"]
    assert {r["reader_name"] for r in reads} >= {"Namn skola member", "Kurator, skolan (Stockholm)",
                                                 "skola elevsystem (automatisk hämtning)"}
    assert PURPOSE in {r["purpose"] for r in reads} and "protection" in {r["what"] for r in reads}
    assert "skola-member" in {r["subject"] for r in reads}
    page = web_as(context, settings, "soc-0180").get(f"/arenden/{case_id}/registerutdrag").text
    assert "Kurator, skolan (Stockholm)" in printed(page) and PURPOSE in printed(page)
    assert "skyddade personuppgifter" in printed(page)   # the protection tab's read, as it is
    assert LEFT_OUT_LINE not in page and "extract-limited-warning" not in page


def test_without_protection_a_guardians_extract_is_whole_and_ending_it_makes_it_whole_again(
        client, users, tick, context, settings):
    case_id, guardian = _read_case(client, users, tick, context, settings)
    social = web_as(context, settings, "soc-0180")

    def whole() -> None:
        reads = _api_extract(client, users, case_id, guardian)["reads"]
        raw = [r.entry for r in context.cases.access_log.extract(UUID(case_id))]
        # Every read as the access log holds it (the extract's own read is the last: logged before it is made).
        assert [(r["subject"], r["reader_name"], r["roles"], r["what"], r["purpose"]) for r in reads] == [
            (e.subject, e.reader_name, e.roles, e.what, e.purpose) for e in raw[:len(reads)]]
        assert PURPOSE in {r["purpose"] for r in reads}
        page = social.get(f"/arenden/{case_id}/registerutdrag?till={guardian}").text
        for told in ("Namn skola member", "Kurator, skolan (Stockholm)", "skola elevsystem (automatisk hämtning)",
                     PURPOSE, "Läsare", "Syfte"):
            assert told in printed(page), told
        assert LEFT_OUT_LINE not in page and "extract-limited-warning" not in page

    whole()
    tick()
    _protect(client, users, case_id)
    tick()
    _protect(client, users, case_id, {"protected": False})
    tick()
    whole()
