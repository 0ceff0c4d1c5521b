"""Dependency direction web → monitoring → engine: the engine imports neither flask nor the domain."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> set[str]:
    modules = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def test_engine_knows_nothing_of_flask_the_domain_or_the_web():
    assert imported_modules("engine").isdisjoint({"flask", "flask_sqlalchemy", "monitoring", "web"})


def test_the_domain_does_not_import_the_web():
    assert imported_modules("monitoring").isdisjoint({"flask", "web"})
