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
_ENTRY_POINTS = ("frispor.api", "frispor.cli")
# The command line serves the app; besides, it still shares the import kinds with the HTTP
# side (rows checked by the HTTP command schemas, so that a file and a request agree).
# Credentials live in frispor.credentials, which both sides use.
CLI_USES_OF_API = {
    "frispor.api.app",
    "frispor.api.import_kinds",
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


def _imports_anywhere(path: Path) -> set[str]:
    """Every module a file imports, in functions too (the CLI imports the app when it serves)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module in ("frispor", "frispor.api"):  # `from frispor.api import app`
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_nothing_imports_the_entry_points() -> None:
    for module, imports in _modules().items():
        if _package(module) in _ENTRY_POINTS:
            continue
        entry = {i for i in imports if _package(i) in _ENTRY_POINTS}
        assert not entry, f"{module} imports {entry}"


def test_the_cli_imports_the_http_side_only_to_serve_it() -> None:
    for path in (SRC / "cli").glob("*.py"):
        api = {i for i in _imports_anywhere(path) if i.startswith("frispor.api.")}
        assert api <= CLI_USES_OF_API, f"{path.name} imports {api - CLI_USES_OF_API}"


def test_tests_of_lower_layers_import_no_entry_point() -> None:
    # Not yet tests/imports (the import kinds are the HTTP command schemas); the ledger's
    # suites run the command line as a process and its followers without the HTTP app.
    for folder in ("domain", "projections", "integration", "ledger"):
        for path in (SRC.parent / "tests" / folder).glob("*.py"):
            entry = {i for i in _imports_anywhere(path) if _package(i) in _ENTRY_POINTS}
            assert not entry, f"{path.name} imports {entry}"


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
        if _package(module) == "frispor.store":
            continue
        assert not {i.split(".")[0] for i in imports} & DRIVERS, module


def test_every_package_is_installed() -> None:
    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    on_disk = {name for name in _modules() if (SRC / "/".join(name.split(".")[1:])).is_dir()}
    assert on_disk == listed
