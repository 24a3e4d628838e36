"""Docs as tests: every shell, Python and JSON example of README.md and docs/API.md runs.

Each document's shell and Python blocks run in order, in one bash session,
in a scratch folder that sees the repository's files, against real
``dispatch serve`` servers (uvicorn) on a free port: what the examples
start, they stop at the end. ``dispatch`` and ``python`` are this checkout's.
``curl`` fails the session on an HTTP error (``--fail-with-body``) unless the
example checks the status itself (``-f``). JSON blocks are checked for what
they are: a problem document solves to a valid plan, an error body is the
server's exact answer to the input it describes.

Only what :data:`NOT_RUN` lists is left out, each with its reason, and
each entry must match a command of the documents.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from api.mapping import plan_from_in, to_domain
from optimizer import SolveParams, check_plan, solve
from optimizer.document import load_problem
from scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/API.md")

NOT_RUN = {
    r"^pip install [^&]*$": "installs: this checkout is installed already",
    r"^python -m pytest": "the test suite itself",
    r"^ruff ": "lint, run by the development workflow",
    r"^python -m mypy": "type checking, run by .ci/run",
    r"^python -m optimizer\.document --write": "rewrites the committed schemas",
    r"^python -m benchmarks\.(vrptw|reliability|waiting)": "benchmarks of minutes to hours",
    r"^bash scripts/vendor_docs_assets\.sh": "downloads from the npm registry",
    r"^dispatch solve nightly\.json": "a nightly batch: 600 s on two processes, or a Ray cluster",
}
"""Commands the docs test does not run: pattern of the command line, and why."""

INSTALL_PREFIX = re.compile(r"^pip install [^&]+&& ")
"""``pip install . && dispatch ...``: the install is left out, the rest runs."""

BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(document: str) -> list[tuple[str, str]]:
    """``(language, text)`` of every fenced block of ``document``, in order."""
    return BLOCK.findall((ROOT / document).read_text(encoding="utf-8"))


def _lines(text: str) -> list[str]:
    """The lines of a shell block (a command may go on over several lines)."""
    return [line for line in text.splitlines() if line.strip()]


def _skipped(command: str) -> str | None:
    first = command.strip()
    return next((why for pattern, why in NOT_RUN.items() if re.search(pattern, first)), None)


def session_script(document: str, port: int) -> tuple[str, set[str]]:
    """The bash script of ``document``'s shell and Python blocks; and the NOT_RUN used."""
    used: set[str] = set()
    lines = [
        "set -euo pipefail",
        "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT",
        "curl() {",
        '  for a in "$@"; do case "$a" in -f|-sf|-fs|--fail|--fail-with-body)',
        '    command curl "$@"; return;; esac; done',
        '  command curl --fail-with-body "$@"',
        "}",
    ]
    for language, text in blocks(document):
        text = text.replace(":8000", f":{port}").replace("--port 8000", f"--port {port}")
        if language == "bash":
            kept = []
            for line in text.splitlines():
                if INSTALL_PREFIX.match(line):
                    used.add(r"^pip install [^&]*$")
                    line = INSTALL_PREFIX.sub("", line)
                if _skipped(line) is not None:
                    used |= {p for p in NOT_RUN if re.search(p, line.strip())}
                    line = f": # not run: {line}"
                kept.append(line)
            shown = shlex.quote("$ " + text.strip().splitlines()[0][:120])
            lines += [f"echo {shown} >&2", *kept]
        elif language == "python":
            lines += ["echo '$ python <<EOF' >&2", "python - <<'PYEOF'", text.rstrip(), "PYEOF"]
    return "\n".join(lines) + "\n", used


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder that sees the repository's files, and an environment with this checkout's tools."""
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in (".git", "dispatch.db") and not entry.name.startswith("."):
            (work / entry.name).symlink_to(entry)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # Shims that exec sys.executable by its own path: a symlink to a
    # virtualenv's interpreter outside the virtualenv's folder would lose the
    # virtualenv (no pyvenv.cfg beside it) and its packages.
    for name, args in (("python", ""), ("python3", ""), ("dispatch", " -m api.cli")):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}"{args} "$@"\n')
        shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(work),
        "DISPATCH_JOB_WORKERS": "2",
        "DISPATCH_WHATIF_WORKERS": "2",
        "COLUMNS": "80",
    }
    return work, env


@pytest.mark.parametrize("document", DOCUMENTS)
def test_shell_and_python_examples_run_in_order(document: str, tmp_path: Path):
    """Every command of the document, pasted in order into one shell, succeeds."""
    port = _free_port()
    script, used = session_script(document, port)
    work, env = _scratch(tmp_path)
    (tmp_path / "session.sh").write_text(script)
    result = subprocess.run(
        ["bash", str(tmp_path / "session.sh")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    assert result.returncode == 0, f"{result.stderr[-6000:]}\n{result.stdout[-3000:]}"
    for name in ("plan.json", "whatif-answer.json", "job-plan.json"):
        if (work / name).is_file():
            _assert_answer_valid(work / name)
    _assert_examples_show_their_feature(work)
    whatif = json.loads((work / "whatif-answer.json").read_text())
    off = next(row for row in whatif["rows"] if row["name"] == "T-02 off")
    assert "references_removed" in {w["code"] for w in off["warnings"]}
    assert off["plan"]["violations"] == []
    assert used, "every document skips its install step"


def _assert_examples_show_their_feature(work: Path) -> None:
    """The trade-off examples sweep a weight that changes the plan; the re-plan changes it."""
    for name, key in (("curve.json", "points"), ("tradeoff-answer.json", "points")):
        if (work / name).is_file():
            answer = json.loads((work / name).read_text())
            points = answer[key] + answer.get("dominated", [])
            places = {(p["measures"]["travel_h"], p["measures"]["lateness_min"]) for p in points}
            assert len(places) >= 2, (name, points)  # several distinct plans, not one repeated
    if (work / "curve.png").is_file():
        assert (work / "curve.png").stat().st_size > 10_000
    if (work / "reoptimize-answer.json").is_file():
        diff = json.loads((work / "reoptimize-answer.json").read_text())["diff"]
        assert any(diff[k] for k in ("moved", "newly_assigned", "newly_unassigned"))
        assert {"work_order_id": "WO-2001"}.items() <= diff["newly_assigned"][0].items()


def test_not_run_entries_each_match_a_documented_command():
    """NOT_RUN stays honest: each of its patterns matches some documented command."""
    commands = [
        c.strip()
        for document in DOCUMENTS
        for language, text in blocks(document)
        if language == "bash"
        for c in _lines(text)
    ]
    unused = [p for p in NOT_RUN if not any(re.search(p, c) for c in commands)]
    assert unused == []


def _assert_answer_valid(path: Path) -> None:
    """A plan (or what-if answer) the examples wrote is valid for lyon-small."""
    answer = json.loads(path.read_text())
    problem_doc = get_scenario("lyon-small").load()
    plans = [row["plan"] for row in answer["rows"][:1]] if "rows" in answer else [answer]
    for plan_out in plans:
        problem = to_domain(problem_doc)
        assert check_plan(problem, plan_from_in(problem, plan_out)) == []


def test_problem_examples_solve_to_valid_plans():
    """Every JSON block that is a problem document loads, solves and checks clean."""
    found = 0
    for document in DOCUMENTS:
        for language, text in blocks(document):
            if language != "json" or '"technicians"' not in text:
                continue
            problem = load_problem(text)
            plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=20))
            assert check_plan(problem, plan) == []
            found += 1
    assert found >= 1


def test_error_example_is_the_servers_answer(tmp_path: Path):
    """The error body of docs/API.md is exactly what the server says for that input."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path}/docs.db", run_jobs=False)
    client = TestClient(create_app(settings))
    (example,) = [
        json.loads(t) for lang, t in blocks("docs/API.md") if lang == "json" and '"error"' in t
    ]
    problem = get_scenario("lyon-small").load()
    problem["work_orders"][3]["service_min"] = -5
    response = client.post("/v1/plans", json={"problem": problem})
    assert response.status_code == 422
    assert response.json() == example
