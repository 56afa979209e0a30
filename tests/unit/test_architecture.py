"""House rules about imports, checked on the source (CONVENTIONS.md)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_MAY_IMPORT = {"domain", "pydantic", "eventsourcing.domain"}
WIRING = "services/bootstrap/"  # the one package that knows the concrete gateways: the wiring


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_the_domain_imports_only_the_standard_library_pydantic_and_eventsourcing_domain():
    for path in modules("domain"):
        for name in imports_of(path):
            top = name.split(".")[0]
            allowed = top in sys.stdlib_module_names or any(
                name == a or name.startswith(a + ".") for a in DOMAIN_MAY_IMPORT)
            assert allowed, f"{path.relative_to(ROOT)} imports {name}"


def test_only_the_bootstrap_knows_the_gateways():
    for package in ("services", "projections"):
        for path in modules(package):
            if str(path.relative_to(ROOT)).startswith(WIRING):
                continue
            gateways = [n for n in imports_of(path) if n.split(".")[0] == "gateways"]
            assert not gateways, f"{path.relative_to(ROOT)} imports {gateways}"


def test_the_domain_never_reads_the_clock():
    for path in modules("domain"):
        source = path.read_text()
        assert ".now(" not in source and "today()" not in source, f"{path.relative_to(ROOT)} reads the clock"
