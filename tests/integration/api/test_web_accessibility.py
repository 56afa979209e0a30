"""WCAG 2.1 AA (EN 301 549, which the DOS-lagen requires of the systems a public body's staff use), checked on the
rendered HTML of every kind of page the web client makes, for every kind of user: what can be read off the markup
without a browser.  tests/e2e/test_accessibility.py checks, in Chromium, labels, errors beside their fields and a
referral by keyboard; tests/e2e/test_keyboard_walk.py a consent by keyboard, through the tabs and the confirm steps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from uuid import uuid4

from services.web.case_pages import LEAD_TABS, MEMBER_TABS
from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as

STYLESHEET = Path(__file__).resolve().parents[3] / "services" / "web" / "static" / "sigill.css"
FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}
LANDMARKS = {"header", "nav", "main"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    text: str = ""                                 # its own text and its descendants', as a screen reader joins it
    children: list[Element] = field(default_factory=list)

    def within(self, tag: str) -> Element | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node

    def named(self) -> str:
        """Its accessible name, as far as the markup alone tells (aria-labelledby resolved by the page)."""
        return (self.attrs.get("aria-label") or self.text).strip()


class Page(HTMLParser):
    """A page parsed into elements: the tree, and every element in document order."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.elements: list[Element] = []
        self._open = self.root
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self._open)
        self._open.children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self._open = element

    def handle_endtag(self, tag: str) -> None:
        node = self._open
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self._open = node.parent

    def handle_data(self, data: str) -> None:
        node = self._open
        while node is not None:
            node.text += data
            node = node.parent

    def all(self, *tags: str) -> list[Element]:
        return [e for e in self.elements if e.tag in tags]

    def by_id(self) -> dict[str, list[Element]]:
        ids: dict[str, list[Element]] = {}
        for e in self.elements:
            if "id" in e.attrs:
                ids.setdefault(e.attrs["id"], []).append(e)
        return ids


def _text(element: Element) -> str:
    return re.sub(r"\s+", " ", element.text).strip()


def problems(html: str, document: bool = False) -> list[str]:
    """What the page fails of the rules a markup can show; [] when none.  ``document``: the printable report, a
    document of its own (services/report.py, the API's and the command line's too) and no page of the web client's:
    the same rules, but it has no site header or menu — a skip link and a ``<header>`` only where something comes
    before its ``<main>`` (the web's way back and purpose form)."""
    page = Page(html)
    found: list[str] = []
    html_tag = page.all("html")
    if not html_tag or html_tag[0].attrs.get("lang") != "sv":
        found.append('<html lang="sv"> missing (3.1.1)')
    titles = page.all("title")
    if len(titles) != 1 or not _text(titles[0]):
        found.append("no title (2.4.2)")
    found += _headings(page) + _controls(page) + _names(page) + _references(page) + _messages(page)
    return found + _landmarks(page, document) + _tables(page)


def _headings(page: Page) -> list[str]:
    found = []
    levels = [int(h.tag[1]) for h in page.all("h1", "h2", "h3", "h4", "h5", "h6")]
    if levels.count(1) != 1:
        found.append(f"{levels.count(1)} h1 headings (1.3.1, 2.4.6)")
    if levels and levels[0] != 1:
        found.append(f"the first heading is h{levels[0]}, not h1")
    for before, after in zip(levels, levels[1:]):
        if after > before + 1:
            found.append(f"heading h{before} followed by h{after}: a level skipped (1.3.1)")
    for h in page.all("h1", "h2", "h3", "h4", "h5", "h6"):
        if not _text(h):
            found.append(f"an empty {h.tag}")
    return found


def _landmarks(page: Page, document: bool = False) -> list[str]:
    found = []
    mains = page.all("main")
    if len(mains) != 1 or mains[0].attrs.get("id") != "main":
        found.append('not one <main id="main"> (1.3.1, 2.4.1)')
    focusable = [e for e in page.elements if e.tag in FOCUSABLE and e.attrs.get("type") != "hidden"]
    main_at = next((i for i, e in enumerate(page.elements) if e.tag == "main"), len(page.elements))
    tabbed_before_main = any(e.tag in FOCUSABLE and e.attrs.get("type") != "hidden" for e in page.elements[:main_at])
    if (not document or tabbed_before_main) and (not focusable or focusable[0].tag != "a"
                                                 or focusable[0].attrs.get("href") != "#main"):
        found.append("the first thing to Tab to is not a skip link to #main (2.4.1)")
    if not document and not page.all("header"):
        found.append("no <header> landmark")
    for nav in page.all("nav"):
        if not nav.attrs.get("aria-label") and not nav.attrs.get("aria-labelledby"):
            found.append("a <nav> without a name: two navigations cannot be told apart")
    for e in page.elements:
        if e.tag in FOCUSABLE | {"p", "div", "table", "form", "section", "ul"} and e.within("main") is None \
                and e.within("header") is None and e.tag != "a" and e.within("body") is not None \
                and not _layout(e) and not _hidden(e):
            found.append(f"<{e.tag}> outside every landmark (1.3.1): {_text(e)[:40]!r}")
    return found


def _layout(element: Element) -> bool:
    """A layout table (role=presentation): no content of its own, only the cells its content stands in — the
    report's printed sheet, whose one cell holds its <main>."""
    return element.tag == "table" and element.attrs.get("role") == "presentation"


def _hidden(element: Element) -> bool:
    """Within aria-hidden="true": not read at all (the report's running head and foot, repeated on paper only)."""
    node: Element | None = element
    while node is not None:
        if node.attrs.get("aria-hidden") == "true":
            return True
        node = node.parent
    return False


def _controls(page: Page) -> list[str]:
    found = []
    labels_for = {label.attrs.get("for") for label in page.all("label") if _text(label)}
    for control in page.all("input", "select", "textarea"):
        kind = control.attrs.get("type", "text")
        if kind in ("hidden", "submit", "button", "reset"):
            continue
        named = control.attrs.get("id") in labels_for or control.attrs.get("aria-label") \
            or control.attrs.get("aria-labelledby") or (control.within("label") and _text(control.within("label")))
        if not named:
            found.append(f"a {control.tag} without a label: {control.attrs.get('name')!r} (1.3.1, 4.1.2)")
    return found


def _tables(page: Page) -> list[str]:
    found = []
    for table in page.all("table"):
        if table.attrs.get("role") == "presentation":
            continue
        ths = [e for e in page.elements if e.tag == "th" and e.within("table") is table]
        if not ths:
            found.append(f"a table with no header cells: {_text(table)[:40]!r} (1.3.1)")
        for th in ths:
            if th.attrs.get("scope") not in ("col", "row", "colgroup", "rowgroup"):
                found.append(f"a header cell without scope: {_text(th)[:30]!r} (1.3.1)")
        caption = [c for c in table.children if c.tag == "caption"]
        if not (caption and _text(caption[0])) and not table.attrs.get("aria-label") \
                and not table.attrs.get("aria-labelledby"):
            found.append(f"a table without a caption or name: {_text(table)[:40]!r} (1.3.1)")
    return found


def _names(page: Page) -> list[str]:
    found = []
    for e in page.all("a", "button", "summary"):
        if not e.named() and not any(i.attrs.get("alt") for i in page.all("img") if i.within(e.tag) is e):
            found.append(f"a {e.tag} with no text: {e.attrs.get('href', '')!r} (2.4.4, 4.1.2)")
    for e in page.elements:
        if e.tag in FOCUSABLE and e.attrs.get("type") != "hidden" and _hidden(e):
            found.append(f"a {e.tag} reached by Tab but hidden from screen readers (aria-hidden, 4.1.2)")
    for img in page.all("img"):
        if "alt" not in img.attrs:
            found.append(f"an image without alt: {img.attrs.get('src')!r} (1.1.1)")
    return found


def _references(page: Page) -> list[str]:
    found = []
    ids = page.by_id()
    found += [f"id {i!r} used {len(e)} times (4.1.1)" for i, e in ids.items() if len(e) > 1]
    for e in page.elements:
        for attribute in ("aria-describedby", "aria-labelledby", "for"):
            for target in e.attrs.get(attribute, "").split():
                if target not in ids:
                    found.append(f"{e.tag} {attribute}={target!r} names no element (1.3.1)")
        href = e.attrs.get("href", "") if e.tag == "a" else ""
        if href.startswith("#") and len(href) > 1 and href[1:] not in ids:
            found.append(f"a link to {href} on a page without it")
    return found


def _messages(page: Page) -> list[str]:
    found = []
    saved = page.by_id().get("saved")
    if saved and saved[0].attrs.get("role") != "status":
        found.append(f"a confirmation not announced (role=status, 4.1.3): {_text(saved[0])[:40]!r}")
    invalid = [e for e in page.elements if e.attrs.get("aria-invalid") == "true"]
    summary = page.by_id().get("error-summary")
    if invalid and not summary and not any("autofocus" in e.attrs for e in invalid):
        found.append("a refused form with no error summary or focus on the field (3.3.1)")
    if summary and (summary[0].attrs.get("role") != "alert" or summary[0].attrs.get("tabindex") != "-1"):
        found.append("the error summary is neither announced nor focusable (3.3.1, 4.1.3)")
    return found


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _walked(client, users, tick, context, settings) -> dict[str, tuple[int, str]]:
    """Every kind of page, as each kind of user meets it: "who path" -> (status, html)."""
    case_id, consents = school_consented_case(client, users, tick)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/plan/revisions", headers=users.social, json={
        "main_goal": "Gå i skolan.", "rows": [{"area": "Skola", "category": "school", "goal": "Närvaro varje dag.",
                                               "how": "Mentor.", "responsible": "Mentor",
                                               "responsible_agencies": ["skola"]}]}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/meetings", headers=users.social,
                   json={"held_on": "2026-02-03", "attendees": ["skola"]}), 201)
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/contributions", headers=users.school,
                   json={"category": "school", "text": "Närvaron har ökat."}), 201)
    pages: dict[str, tuple[int, str]] = {}

    def get(who: str, web, path: str) -> str:
        response = web.get(path)
        pages[f"{who} GET {path}"] = (response.status_code, response.text)
        return response.text

    def post(who: str, web, path: str, data: dict) -> None:
        """A refused form: the page it gives back, or the one its redirect leads to (a search's)."""
        response = web.post(path, data={"csrf": _csrf(web.get(path).text), **data})
        pages[f"{who} POST {path}"] = (response.status_code, response.text)

    anonymous = web_as(context, settings, "soc-0180")
    anonymous.cookies.clear()
    get("anonymous", anonymous, "/logga-in")
    get("anonymous", anonymous, "/utloggad")
    refused = anonymous.get("/logga-in")
    response = anonymous.post("/logga-in/utveckling", data={"csrf": _csrf(refused.text)})
    pages["anonymous POST /logga-in/utveckling"] = (response.status_code, response.text)

    social = web_as(context, settings, "soc-0180")
    for path in ("/arenden", "/arenden/nytt", "/statistik", "/gallring", f"/arenden/{uuid4()}",
                 f"/arenden/{case_id}?sparat=grant_consent", *(f"/arenden/{case_id}/{t}" for t in LEAD_TABS)):
        get("social", social, path)
    post("social", social, "/arenden/nytt", {"personnummer": ""})
    post("social", social, f"/arenden/{case_id}/samtycken", {"consenter": ""})
    post("social", social, f"/arenden/{case_id}/moten", {"held_on": ""})
    post("social", social, f"/arenden/{case_id}/plan", {"main_goal": ""})
    post("social", social, f"/arenden/{case_id}/samtycken/{consents[0]}/aterkallelse", {"consenter": "young_person"})
    school = web_as(context, settings, "skola")
    for path in ("/arenden", "/gallring", *(f"/arenden/{case_id}/{t}" for t in MEMBER_TABS)):
        get("school", school, path)
    post("school", school, f"/arenden/{case_id}/uppgift", {"text": ""})
    get("school", school, f"/arenden/{case_id}/samtycken")                       # a lead's tab: 403
    post("social", social, "/arenden", {"nummer": "0180-1999-9999"})
    auditor = web_as(context, settings, "ivo")
    for path in ("/granskning", "/granskning/atkomstlogg", "/granskning/liggaren", "/statistik",
                 f"/granskning/arenden/{case_id}?sparat=purpose", f"/granskning/arenden/{case_id}",
                 f"/granskning/arenden/{case_id}?myndighet=skola&tid=2099-01-01",
                 f"/granskning/arenden/{case_id}?myndighet=skola&tid=inte",
                 f"/granskning/arenden/{case_id}/loggutdrag", f"/granskning/arenden/{case_id}/rapport",
                 f"/granskning/arenden/{case_id}/utlamnanden",
                 f"/granskning/arenden/{case_id}/utlamnanden?myndighet=skola"):
        get("auditor", auditor, path)
    post("auditor", auditor, "/granskning/atkomstlogg", {"fran": "inte", "till": "2026-13-01"})
    post("auditor", auditor, "/granskning", {"nummer": "inte"})
    get("evaluator", web_as(context, settings, "socialstyrelsen"), "/statistik")
    return pages


REPORT = re.compile(r"/granskning/arenden/[0-9a-f-]+/rapport$")


def test_every_kind_of_page_passes_the_checks_its_markup_can_show(client, users, tick, context, settings):
    """Before: no table of the web client had a name (a screen reader's list of tables said "tabell" twelve times);
    an auditor's replay refused with no summary of what to mend, and the focus left at the top of the page.  The
    printable report (a document: ``problems``) had no landmark, no skip link past its way back and purpose form, and
    unnamed tables without scope (tests/integration/api/test_report_accessibility.py: its other forms)."""
    pages = _walked(client, users, tick, context, settings)
    assert {status for status, _ in pages.values()} >= {200, 403, 404, 422}
    failed = {where: found for where, (_, html) in pages.items()
              if (found := problems(html, document=bool(REPORT.search(where))))}
    assert not failed, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in failed.items())


def _title(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<title>(.*?)</title>", html, re.S).group(1)).strip()


def test_each_page_has_a_title_of_its_own_and_a_refused_form_says_so_first(client, users, tick, context,
                                                                           settings):
    """WCAG 2.4.2 and 3.3.1.  Before: an auditor's pages of a case did not name it (three cases open in three browser
    tabs: three "Återspela: vad kunde en aktör se"), and a refused form's page had its form's title, so a screen
    reader user heard nothing was wrong until reaching the summary."""
    pages = _walked(client, users, tick, context, settings)
    shown: dict[tuple[str, str], str] = {}
    for where, (status, html) in pages.items():
        who, method, address = where.split(" ", 2)
        title = _title(html)
        if status == 422:
            assert title.startswith("Fel: "), (where, title)
        elif status == 200 and method == "GET":
            assert not title.startswith("Fel"), (where, title)
            shown.setdefault((who, title), address.split("?")[0].rstrip("/"))
            assert shown[(who, title)] == address.split("?")[0].rstrip("/"), f"{where} and {shown[(who, title)]}: {title}"
    assert pages["social POST /arenden"][0] == 200 and _title(pages["social POST /arenden"][1]).startswith("Fel: ")
    audit_pages = [_title(html) for where, (_, html) in pages.items() if "GET /granskning/arenden/" in where]
    number = ok(client.get("/api/v1/cases", headers=users.social))["cases"][0]["case_number"]
    assert all(number in title for title in audit_pages), audit_pages


def test_the_stylesheet_keeps_focus_visible_and_text_free_to_grow():
    """WCAG 2.4.7 and 1.4.4 (a guard, passing before too): a focus ring on everything the keyboard reaches, removed from nothing but <main> (a
    target of the skip link, never of Tab); no text box of a fixed height in px, which clips text enlarged to 200 %."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    assert any(":focus-visible" in selector and "outline:" in body and "none" not in body for selector, body in rules)
    for selector, body in rules:
        if re.search(r"outline\s*:\s*(none|0)\b", body):
            assert selector.strip() == "main:focus", selector
        if "clip:" in body:
            continue   # the visually hidden text (.sr) a screen reader reads: 1 px, on purpose
        assert not re.search(r"(^|[;\s])(height|max-height)\s*:\s*\d+(\.\d+)?px", body), (selector, body)
