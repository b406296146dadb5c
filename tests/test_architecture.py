"""The import contract: dependencies point inward, storage drivers stay in the storage package."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LEDGER_CORE = {
    "merkle",
    "leaf",
    "checkpoint",
    "bag",
    "verify",
    "verify_lines",
    "keys",
    "compact",
    "tree",
    "timestamp",
    "verify_stamps",
    "cosign",
    "steps",
    "verify_key",
}
DRIVERS = {"psycopg", "psycopg_pool", "sqlite3"}
# Modules that still talk to a driver outside frispor.store (issue 18 moves them there).
DRIVER_USERS_OUTSIDE_STORE = {
    "frispor.projections.db",
    "frispor.ledger.db",
    "frispor.ledger.status",
    "frispor.api.app",
}


def _modules() -> dict[str, set[str]]:
    """Every module under src/ by its dotted name, with the modules it imports."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(("frispor", *parts)).removesuffix(".__init__")
        imports: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imports |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imports.add(node.module)
        found[name] = imports
    return found


def _package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def test_domain_imports_no_other_project_package_and_no_driver() -> None:
    for module, imports in _modules().items():
        if _package(module) != "frispor.domain":
            continue
        outward = {
            i for i in imports if i.startswith("frispor.") and _package(i) != "frispor.domain"
        }
        assert not outward, f"{module} imports {outward}"
        assert not {i.split(".")[0] for i in imports} & DRIVERS, module


def test_nothing_imports_the_entry_points() -> None:
    for module, imports in _modules().items():
        if _package(module) == "frispor.api":
            continue
        assert not {i for i in imports if _package(i) == "frispor.api"}, module


def test_the_ledger_core_imports_no_project_package() -> None:
    for module, imports in _modules().items():
        parts = module.split(".")
        if parts[:2] != ["frispor", "ledger"] or len(parts) < 3 or parts[2] not in LEDGER_CORE:
            continue
        outside = {
            i
            for i in imports
            if i.startswith("frispor")
            and i != "frispor.ledger"
            and i.removeprefix("frispor.ledger.") not in LEDGER_CORE
        }
        assert not outside, f"{module} imports {outside}"


def test_drivers_are_imported_by_storage_only() -> None:
    for module, imports in _modules().items():
        if _package(module) == "frispor.store" or module in DRIVER_USERS_OUTSIDE_STORE:
            continue
        assert not {i.split(".")[0] for i in imports} & DRIVERS, module


def test_every_package_is_installed() -> None:
    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    on_disk = {name for name in _modules() if (SRC / "/".join(name.split(".")[1:])).is_dir()}
    assert on_disk == listed
