"""The supervisor's report printed to PDF in Chromium: every page carries the case's number and the secrecy
marking.  They were page-margin boxes, which Firefox does not print — its pages after the first carried neither; now
the document is one table whose head and foot each printed page repeats, in Firefox and Chromium alike."""

from __future__ import annotations

import re
import zlib

from tests.e2e import seed, ui

SECRECY = "Innehålleruppgiftersomkanomfattasavsekretess"   # the marking's start, as the PDF's text runs without spaces


def test_every_printed_page_of_the_report_names_the_case_and_carries_the_marking(server, open_browser):
    group = seed.school_and_police_group(server.context.cases)
    page = open_browser()
    ui.sign_in(page, ui.AUDITOR)
    page.goto(f"/granskning/arenden/{group.case_id}/rapport")
    pdf = page.pdf(width="105mm", height="148mm")   # A6: a short case's report runs to several pages
    pages = _page_texts(pdf)
    assert len(pages) >= 3, len(pages)
    head = f"Granskningsrapport–ärende{group.case_number}"
    for number, text in enumerate(pages, 1):
        assert text.startswith(f"Sida{number}av{len(pages)}") or head in text, (number, text[:200])
        assert head in text and text.count(SECRECY) == 2, (number, text[:300])   # its head and its foot
    assert "Tillbakatillgranskningen" not in "".join(pages)   # the web's way back is not printed


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
