"""The web client's modules import one another at the top, never inside a function to dodge a cycle.

``way_back`` read ``paging`` inside ``_cursor``, because paging's refusal came from ``error_pages``, which imports
the session, which imports ``way_back``: a cycle hidden until a function ran (``refusals`` holds the refusals now).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "services" / "web"


def imports_inside_functions(source: str) -> list[tuple[int, str]]:
    """(line, module) of each import of a ``services.web`` module below a module's top level."""
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    return [(node.lineno, node.module) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            and id(node) not in top and (node.module or "").startswith("services.web")]


def test_an_import_inside_a_function_is_found() -> None:
    assert imports_inside_functions("def f():\n    from services.web.paging import x\n") == [(2, "services.web.paging")]
    assert imports_inside_functions("from services.web.paging import x\n") == []


def test_no_web_module_imports_another_inside_a_function() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {module}" for path in sorted(WEB.rglob("*.py"))
             for line, module in imports_inside_functions(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("module", ["way_back", "paging", "refusals", "error_pages", "session"])
def test_each_module_of_the_old_cycle_imports_first_in_a_fresh_interpreter(module: str) -> None:
    imported = subprocess.run([sys.executable, "-c", f"import services.web.{module}"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr[-2000:]
