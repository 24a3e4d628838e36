"""Architecture rules: the core stays a pure library; the validator stays independent."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

OPTIMIZER = Path(__file__).resolve().parents[2] / "optimizer"
FORBIDDEN_IN_CORE = ("fastapi", "starlette", "pydantic_settings", "sqlalchemy", "uvicorn")
FORBIDDEN_IN_VALIDATOR = ("optimizer.search", "optimizer.solve")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(OPTIMIZER.rglob("*.py")), ids=lambda p: p.name)
def test_core_imports_no_http_db_or_settings(path: Path):
    """No module of optimizer/ imports HTTP, database or settings libraries."""
    bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN_IN_CORE}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", sorted((OPTIMIZER / "check").glob("*.py")), ids=lambda p: p.name)
def test_validator_shares_no_code_with_the_model_builder(path: Path):
    """The independent validator never imports the search (engines, eligibility) or solve."""
    bad = {n for n in _imports(path) if n.startswith(FORBIDDEN_IN_VALIDATOR)}
    assert not bad, f"{path} imports {bad}"
