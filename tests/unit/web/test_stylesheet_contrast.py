"""Text contrast of the stylesheet's colour pairs, computed from services/web/static/sigill.css (WCAG 2.1, 1.4.3).

Every rule that sets a text colour is paired with the background it is drawn
on: its own, else the background of the block it sits in (``ON`` names the
ones the pages nest), else the page's.  Every rule that sets a background
without a colour is paired with the text colour it inherits.  Each pair must
reach 4.5:1 (normal-size text).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[3] / "services" / "web" / "static" / "sigill.css"
MINIMUM = 4.5
# Selectors drawn inside another rule's background, as the templates nest them.
ON = {"header.top a": "header.top", ".brand span": "header.top", ".summary a": ".summary",
      ".summary h2": ".summary", "header.top .who": "header.top"}


def rules(css: str) -> dict[str, dict[str, str]]:
    """selector -> its declarations, merged in cascade order; screen media unwrapped, print dropped."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media print\s*\{(?:[^{}]*\{[^{}]*\})*\s*\}", "", css)
    css = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^{}]*\})*)\s*\}", r"\1", css)
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict((k.strip(), v.strip()) for k, _, v in
                            (d.partition(":") for d in body.split(";") if ":" in d))
        for selector in selectors.split(","):
            found.setdefault(" ".join(selector.split()), {}).update(declarations)
    return found


def resolve(value: str, variables: dict[str, str]) -> str | None:
    """A colour value with var(--x) resolved; None for what is not a plain colour (none, inherit…)."""
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value).split()[0] if value else value
    return value if re.fullmatch(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?", value or "") else None


def luminance(colour: str) -> float:
    hex_ = colour.lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every pair the stylesheet draws."""
    parsed = rules(css)
    variables = {k: v for k, v in parsed[":root"].items() if k.startswith("--")}
    background = {sel: resolve(d.get("background-color") or d.get("background", ""), variables)
                  for sel, d in parsed.items()}
    colour = {sel: resolve(d.get("color", ""), variables) for sel, d in parsed.items()}
    page_text, page_background = colour["html"], background["html"]
    pairs = []
    for selector in parsed:
        own = background.get(selector)
        text = colour.get(selector) or (colour.get(_base(selector)) if own else None)
        ground = own or background.get(ON.get(selector, "")) or page_background
        if text:
            pairs.append((selector, text, ground))
        elif own:  # a background under inherited text
            pairs.append((selector, page_text, own))
    return pairs


def _base(selector: str) -> str:
    """``button.danger`` → ``button``: the rule a variant inherits its text colour from."""
    return re.sub(r"[.\[:][^ .\[:]*$", "", selector)


def test_the_parser_finds_the_stylesheets_pairs():
    pairs = {selector for selector, _, _ in colour_pairs(CSS.read_text())}
    assert {"html", "header.top a", ".brand span", ".error", ".summary a", "thead th", ".notice",
            "button", ".picture td.yes", ".picture td.pending", "td.basis"} <= pairs


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)   # the classic near miss
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("selector, text, ground", colour_pairs(CSS.read_text()))
def test_every_text_colour_has_at_least_4_5_to_1_against_its_background(selector, text, ground):
    ratio = contrast(text, ground)
    assert ratio >= MINIMUM, f"{selector}: {text} on {ground} is {ratio:.2f}:1"
