"""Every plan the API and the CLI write is read back as it is by every reader (issue 23).

Writers: ``POST /v1/plans`` (with the score analysis), ``POST /v1/plans/explain``,
``POST /v1/plans/evaluate`` with ``retime`` (its re-timed ``plan``),
``dispatch solve -o`` and ``dispatch explain -o``. Readers: ``dispatch
validate`` (exit 0), ``dispatch explain`` (exit 0), ``POST /v1/plans/evaluate``
(200, valid) and the Python API (``plan_from_document`` + ``check_plan``).
Every bundled scenario file is solved once per writer with a short budget.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from optimizer import check_plan
from optimizer.cli import main as cli_main
from optimizer.document import load_problem, plan_from_document

DATA = Path(__file__).resolve().parents[1] / "scenarios" / "data"
BUNDLED = sorted(DATA.glob("*.json"))
SOLVE_S = 0.5


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    db = tmp_path_factory.mktemp("roundtrip") / "t.db"
    app = create_app(Settings(database_url=f"sqlite:///{db}", run_jobs=False))
    with TestClient(app) as c:
        yield c


def _written_plans(client: TestClient, path: Path, tmp: Path) -> dict[str, dict[str, Any]]:
    """The plans every writer gives for the problem at ``path``, by writer."""
    problem = json.loads(path.read_text())
    plans: dict[str, dict[str, Any]] = {}
    got = client.post(
        "/v1/plans", json={"problem": problem, "time_limit_s": SOLVE_S, "analysis": True}
    )
    assert got.status_code == 200, got.text
    plans["POST /v1/plans"] = got.json()
    assert "violations" in plans["POST /v1/plans"] and "analysis" in plans["POST /v1/plans"]
    got = client.post(
        "/v1/plans/explain",
        json={"problem": problem, "plan": plans["POST /v1/plans"], "time_limit_s": SOLVE_S},
    )
    assert got.status_code == 200, got.text
    plans["POST /v1/plans/explain"] = got.json()
    got = client.post(
        "/v1/plans/evaluate",
        json={"problem": problem, "plan": plans["POST /v1/plans"], "retime": True},
    )
    assert got.status_code == 200, got.text
    plans["POST /v1/plans/evaluate retime"] = got.json()["plan"]
    solved = tmp / "solved.json"
    args = ["solve", str(path), "--time-limit", str(SOLVE_S), "-o", str(solved)]
    assert cli_main(args) == 0
    plans["dispatch solve -o"] = json.loads(solved.read_text())
    explained = tmp / "explained.json"
    args = ["explain", str(path), str(solved), "--time-limit", str(SOLVE_S), "-o", str(explained)]
    assert cli_main(args) == 0
    plans["dispatch explain -o"] = json.loads(explained.read_text())
    return plans


#: Known defect (issue 25): evaluate with ``retime`` may place a crew member's break
#: before the crew stop where the solver placed it after, and the partner then
#: waits past its shift end (about half the 0.5 s solves of crews-links).
_RETIME_CREW_BREAKS = pytest.mark.xfail(
    reason="retime can move a crew member's break before the crew stop (issue 25)", strict=False
)
CASES = [
    pytest.param(p, id=p.stem, marks=[_RETIME_CREW_BREAKS] if p.stem == "crews-links" else [])
    for p in BUNDLED
]


@pytest.mark.parametrize("path", CASES)
def test_every_written_plan_is_read_back_by_every_reader(client, path, tmp_path):
    problem_doc = json.loads(path.read_text())
    problem = load_problem(problem_doc)
    for writer, plan_doc in _written_plans(client, path, tmp_path).items():
        plan_file = tmp_path / "plan.json"
        plan_file.write_text(json.dumps(plan_doc))
        plan = plan_from_document(problem, plan_doc)
        assert check_plan(problem, plan) == [], writer
        assert cli_main(["validate", str(path), str(plan_file)]) == 0, writer
        args = ["explain", str(path), str(plan_file), "--time-limit", "0.2"]
        assert cli_main(args) == 0, writer
        got = client.post("/v1/plans/evaluate", json={"problem": problem_doc, "plan": plan_doc})
        assert got.status_code == 200, (writer, got.text)
        assert got.json()["is_valid"] is True, writer


def test_a_hand_edited_time_is_a_violation_not_an_input_error(client, tmp_path, capsys):
    """A stop moved by hand: stale route totals are ignored, the validator names the fault.

    ``dispatch validate`` exits 1 (violations), not 2 (unreadable input).
    """
    path = DATA / "lyon-small.json"
    solved = tmp_path / "solved.json"
    assert cli_main(["solve", str(path), "--time-limit", str(SOLVE_S), "-o", str(solved)]) == 0
    doc = json.loads(solved.read_text())
    stop = doc["routes"][0]["stops"][0]
    stop["wait_s"] += 3031
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc))
    capsys.readouterr()
    assert cli_main(["validate", str(path), str(edited)]) == 1
    out = capsys.readouterr().out
    assert "violation" in out
    assert cli_main(["validate", str(path), str(tmp_path / "missing.json")]) == 2
    (tmp_path / "broken.json").write_text("{")
    assert cli_main(["validate", str(path), str(tmp_path / "broken.json")]) == 2
