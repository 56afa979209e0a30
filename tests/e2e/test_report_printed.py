"""The supervisor's report printed to PDF in Chromium: every page carries the case's number and the secrecy
marking.  They were page-margin boxes, which Firefox does not print — its pages after the first carried neither; now
the document is one table whose head and foot each printed page repeats, in Firefox and Chromium alike."""

from __future__ import annotations

import re
import zlib

from tests.e2e import seed, ui

SECRECY = "Innehålleruppgiftersomkanomfattasavsekretess"   # the marking's start, as the PDF's text runs without spaces


def test_every_printed_page_of_the_report_names_the_case_and_carries_the_marking(server, signed_in_page):
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.AUDITOR)
    page.goto(f"/granskning/arenden/{group.case_id}/rapport")
    pdf = page.pdf(width="105mm", height="148mm")   # A6: a short case's report runs to several pages
    pages = _page_texts(pdf)
    assert len(pages) >= 3, len(pages)
    head = f"Granskningsrapport–ärende{group.case_number}"
    for number, text in enumerate(pages, 1):
        assert text.startswith(f"Sida{number}av{len(pages)}") or head in text, (number, text[:200])
        assert head in text and text.count(SECRECY) == 2, (number, text[:300])   # its head and its foot
    assert "Tillbakatillgranskningen" not in "".join(pages)   # the web's way back is not printed
    assert "Hoppatillinnehållet" not in "".join(pages)        # nor its skip link


def test_the_report_read_by_role_has_its_tables_named_and_a_skip_link_to_its_main(server, signed_in_page):
    """What a screen reader's lists of landmarks and tables offer, as Chromium's page gives them to Playwright's
    roles: the report's content in its main landmark, its tables by their headings' names with their column
    headers and each body row's header (drawn and printed as a plain cell), the way back in a banner; the skip link,
    hidden until Tab reaches it first, puts the reader at the report.  Before: no main, three tables with no name (and
    later, no row headers)."""
    group = seed.school_and_police_group(server.context.cases)
    page = signed_in_page(ui.AUDITOR)
    page.goto(f"/granskning/arenden/{group.case_id}/rapport")
    main = page.get_by_role("main")
    assert main.count() == 1 and page.get_by_role("banner").get_by_role("link").first.inner_text().startswith(
        "Tillbaka till granskningen")
    for name in ("Samtycken", "Tidslinje", "Vem kunde se vad, när och varför"):
        table = main.get_by_role("table", name=name, exact=True)
        assert table.count() == 1, name
        assert table.get_by_role("columnheader").count() >= 6, name
        assert table.get_by_role("rowheader").count() == table.get_by_role("row").count() - 1, name   # each body row
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    assert skip.bounding_box()["x"] < 0   # off screen until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main" and skip.bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.emulate_media(media="print")   # a row's header looks as its other cells do, printed too
    looks = "c => [getComputedStyle(c).backgroundColor, getComputedStyle(c).fontWeight]"
    cells = main.locator("th[scope=row], tbody td").all()
    assert {tuple(cell.evaluate(looks)) for cell in cells} == {("rgba(0, 0, 0, 0)", "400")}


def _page_texts(pdf: bytes) -> list[str]:
    """Each page's text, spaces left out, from Chromium's PDF: its content streams (one a page, in order, the only
    streams that show text) read through the fonts' ToUnicode maps."""
    streams = []
    for found in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(found.group(1)))
        except zlib.error:
            continue
    glyphs: dict[int, str] = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for glyph, code in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                glyphs.setdefault(int(glyph, 16), bytes.fromhex(code.decode()).decode("utf-16-be"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for first, last, code in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                for offset, glyph in enumerate(range(int(first, 16), int(last, 16) + 1)):
                    glyphs.setdefault(glyph, chr(int(code, 16) + offset))

    def text(stream: bytes) -> str:
        runs = re.findall(rb"<([0-9A-Fa-f]+)> Tj|\[(.*?)\] TJ", stream, re.S)
        hexes = [h for single, many in runs for h in ([single] if single else re.findall(rb"<([0-9A-Fa-f]+)>", many))]
        return "".join(glyphs.get(int(h[i:i + 4], 16), "?") for h in (x.decode() for x in hexes)
                       for i in range(0, len(h), 4)).replace(" ", "").replace("\ufb00", "ff")

    return [text(s) for s in streams if b" Tj" in s or b"] TJ" in s]
