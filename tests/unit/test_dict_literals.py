"""No dict literal in the product names a key twice.

Python keeps the last value without a word: a Swedish text added under a key the texts already held
(``services/web/texts.T`` has hundreds) silently replaced the other page's text, and only an accessibility test
that happened to read that page noticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "services", "projections", "gateways")


def repeated_keys(source: str) -> list[tuple[int, object]]:
    """(line, key) of every constant key a dict literal names after naming it already."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            seen = set()
            for key in node.keys:
                if isinstance(key, ast.Constant):
                    if key.value in seen:
                        found.append((key.lineno, key.value))
                    seen.add(key.value)
    return found


def test_a_repeated_key_is_found() -> None:
    assert repeated_keys('T = {"yes": "Ja", "no": "Nej",\n     "yes": "ja"}') == [(2, "yes")]
    assert repeated_keys('T = {"yes": "Ja", **OTHER, "no": "Nej"}') == []


def test_no_dict_literal_in_the_product_repeats_a_key() -> None:
    repeated = [f"{path.relative_to(ROOT)}:{line}: {key!r}"
                for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
                for line, key in repeated_keys(path.read_text(encoding="utf-8"))]
    assert repeated == []
