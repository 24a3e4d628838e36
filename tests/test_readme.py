"""The README stays true: its problem example loads and solves to a valid plan."""

from __future__ import annotations

import re
from pathlib import Path

from optimizer import SolveParams, check_plan, solve
from optimizer.document import load_problem

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_problem_example_solves_to_a_valid_plan():
    """The JSON block of the README is a valid problem whose one order gets served."""
    block = re.findall(r"```json\n(.*?)```", README.read_text(), re.S)[0]
    problem = load_problem(block)
    plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=20))
    assert check_plan(problem, plan) == []
    assert plan.assigned_ids == {"WO-1001"}
