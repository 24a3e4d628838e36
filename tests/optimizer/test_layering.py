"""Architecture rules: a pure library core; the validator and each engine stay independent."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

OPTIMIZER = Path(__file__).resolve().parents[2] / "optimizer"
API = OPTIMIZER.parent / "api"
SEARCH = OPTIMIZER / "search"
FORBIDDEN_IN_CORE = ("fastapi", "starlette", "pydantic_settings", "sqlalchemy", "uvicorn")
FORBIDDEN_IN_VALIDATOR = ("optimizer.search", "optimizer.solve")
#: One subpackage of optimizer/search/ per engine: lns, ortools, pyvrp, rules, ...
ENGINES = sorted(p.parent.name for p in SEARCH.glob("*/__init__.py"))
#: What only the pipeline (and what stands above it) may import.
ABOVE_ENGINES = (
    "optimizer.search.pipeline",
    "optimizer.solve",
    "optimizer.replan",
    "optimizer.explain",
)
#: The explanations sit above the search and solve: nothing under them imports them.
EXPLAIN = "optimizer.explain"
BELOW_EXPLAIN = ("search", "check", "replan")
BELOW_EXPLAIN_MODULES = (
    "solve.py",
    "objective.py",
    "kpis.py",
    "plan.py",
    "problem.py",
    "domain.py",
    "validation.py",
    "compare.py",
)
#: The public faces of the core: the library, the JSON documents, the command line.
PUBLIC_FACES = ("optimizer", "optimizer.document", "optimizer.cli")


def _imports(path: Path) -> set[str]:
    """Dotted names a module imports; ``from a import b`` gives ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _rel(path: Path) -> str:
    return str(path.relative_to(OPTIMIZER))


@pytest.mark.parametrize("path", sorted(OPTIMIZER.rglob("*.py")), ids=_rel)
def test_core_imports_no_http_db_or_settings(path: Path):
    """No module of optimizer/ imports HTTP, database or settings libraries."""
    bad = {n for n in _imports(path) if n.split(".")[0] in FORBIDDEN_IN_CORE}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", sorted(API.rglob("*.py")), ids=lambda p: str(p.relative_to(API)))
def test_api_imports_only_public_names_of_the_core(path: Path):
    """api/ imports from optimizer, optimizer.document and optimizer.cli only, never deeper."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    bad = {m for m in modules if m.split(".")[0] == "optimizer" and m not in PUBLIC_FACES}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize("path", sorted((OPTIMIZER / "check").glob("*.py")), ids=_rel)
def test_validator_shares_no_code_with_the_model_builder(path: Path):
    """The independent validator never imports the search (engines, eligibility) or solve."""
    bad = {n for n in _imports(path) if _under(n, FORBIDDEN_IN_VALIDATOR)}
    assert not bad, f"{path} imports {bad}"


def test_the_engines_are_found():
    """The engine subpackages this file guards are there."""
    assert {"lns", "ortools", "pyvrp", "rules"} <= set(ENGINES)


@pytest.mark.parametrize(
    ("engine", "path"),
    [(e, p) for e in ENGINES for p in sorted((SEARCH / e).rglob("*.py"))],
    ids=lambda v: _rel(v) if isinstance(v, Path) else v,
)
def test_engines_import_no_other_engine(engine: str, path: Path):
    """An engine imports no other engine and not the pipeline: only the pipeline chains them."""
    others = tuple(f"optimizer.search.{e}" for e in ENGINES if e != engine)
    bad = {n for n in _imports(path) if _under(n, others + ABOVE_ENGINES)}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize(
    "path", sorted(p for p in SEARCH.glob("*.py") if p.name != "pipeline.py"), ids=_rel
)
def test_shared_search_modules_import_no_engine(path: Path):
    """What several engines read (eligibility, the index, ...) imports no engine or pipeline."""
    engines = tuple(f"optimizer.search.{e}" for e in ENGINES)
    bad = {n for n in _imports(path) if _under(n, engines + ABOVE_ENGINES)}
    assert not bad, f"{path} imports {bad}"


@pytest.mark.parametrize(
    "path",
    sorted(
        [p for d in BELOW_EXPLAIN for p in (OPTIMIZER / d).rglob("*.py")]
        + [OPTIMIZER / m for m in BELOW_EXPLAIN_MODULES]
    ),
    ids=_rel,
)
def test_nothing_below_the_explanations_imports_them(path: Path):
    """The search, the validator, solve, re-planning and the leaves never import explain."""
    bad = {n for n in _imports(path) if _under(n, (EXPLAIN,))}
    assert not bad, f"{path} imports {bad}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(OPTIMIZER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the optimizer modules it imports by name (``TYPE_CHECKING`` ones included)."""
    modules = {_module_name(p): p for p in OPTIMIZER.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # ``from a.b import c``: ``a.b.c`` when c is a module, else ``a.b``.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph``, or ``None`` (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles():
    """No module of optimizer/ imports itself through others, TYPE_CHECKING imports included."""
    cycle = _cycle(_import_graph())
    assert cycle is None, " -> ".join(cycle or [])
