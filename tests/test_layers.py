"""Layering: pages/ and medgen/ui never touch the database directly, only medgen.store functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_SOURCES = [*sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "medgen" / "ui").rglob("*.py")), ROOT / "app.py"]
FORBIDDEN = ("sqlalchemy", "medgen.store.models", "medgen.store.db")


def database_imports(source: str) -> list[str]:
    """Modules of ``source``'s imports that only the storage layer may use."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        found += [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    return found


@pytest.mark.parametrize(
    ("snippet", "bad"),
    [
        ("import sqlalchemy", True),
        ("from sqlalchemy.orm import Session", True),
        ("from medgen.store.models import User", True),
        ("from medgen.store import models", True),
        ("def f():\n    from sqlalchemy.exc import SQLAlchemyError", True),
        ("from medgen.store import review, run", False),
        ("from medgen.store.audit import add_audit", False),
    ],
)
def test_checker(snippet: str, bad: bool) -> None:
    assert bool(database_imports(snippet)) is bad


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_do_not_import_the_database(path: Path) -> None:
    assert database_imports(path.read_text()) == [], f"{path}: use medgen.store functions instead"
