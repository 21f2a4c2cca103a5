"""SQL only through the ORM / bound parameters: no SQL text built with f-strings, % or .format()."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "medgen").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript", "executemany", "literal_column"}
SQL_WORDS = re.compile(
    r"\b(select\s[\s\S]*\sfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|drop\s+table|pragma\s)\b",
    re.IGNORECASE,
)


def _is_built_string(node: ast.AST) -> bool:
    """An f-string, '...' % x, '...' + x, or '...'.format(...)."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return any(isinstance(side, ast.Constant) and isinstance(side.value, str) for side in (node.left, node.right)) \
            or _is_built_string(node.left) or _is_built_string(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    return False


def _literal_text(node: ast.AST) -> str:
    return " ".join(c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str))


def _is_streamlit_call(node: ast.Call) -> bool:
    """``st.text(...)`` and friends display text; they are not SQL."""
    func = node.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "st"


def unsafe_sql(source: str) -> list[str]:
    """Lines of ``source`` that build SQL text from values instead of binding parameters."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args and not _is_streamlit_call(node):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in SQL_CALLS and _is_built_string(node.args[0]):
                found.append(f"line {node.lineno}: {name}() with a built string")
                continue
        if _is_built_string(node) and SQL_WORDS.search(_literal_text(node)):
            found.append(f"line {node.lineno}: SQL built by string formatting")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        'session.execute(text(f"SELECT * FROM users WHERE username = \'{name}\'"))',
        'conn.exec_driver_sql("DELETE FROM audit_events WHERE id = %s" % event_id)',
        'cur.execute("UPDATE users SET role = \'{}\'".format(role))',
        'q = "SELECT id FROM users WHERE name = \'" + name + "\'"',
        'text("select * from studies where id = " + str(i))',
    ],
)
def test_checker_catches_string_built_sql(snippet: str) -> None:
    assert unsafe_sql(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        'session.execute(select(User).where(User.username == name))',
        'session.execute(text("SELECT 1 FROM users WHERE username = :name"), {"name": name})',
        'cur.execute("PRAGMA journal_mode=WAL")',
        'msg = f"The username {name!r} is already taken."',
        'log.info("deleted from the list: %s", x)',
    ],
)
def test_checker_accepts_bound_parameters_and_plain_messages(snippet: str) -> None:
    assert unsafe_sql(snippet) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_string_built_sql_in_the_app(path: Path) -> None:
    assert unsafe_sql(path.read_text()) == [], path


def test_ruff_s608_is_selected_and_clean() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"S608"' in pyproject
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.fail("ruff is not installed in the virtual environment (make dev installs it)")
    result = subprocess.run(
        [str(ruff), "check", "--select", "S608", "--output-format", "concise", "medgen", "pages", "app.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
