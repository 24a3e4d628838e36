"""The scenario benchmark runner: one validated, measured row per run, JSON and PNG output."""

from __future__ import annotations

import json

import pytest

from benchmarks.scenarios import RESULT_KEYS, main, run_one
from optimizer import check_plan
from optimizer.document import load_problem
from scenarios.generators import generate


def test_run_one_validates_and_measures_a_plan():
    """run_one returns a row with every result key; the greedy plan of metro-small is valid."""
    problem = load_problem(generate("metro-small"))
    row, plan, violations = run_one("metro-small", 0, "greedy", problem, 1.0)
    assert check_plan(problem, plan) == [] and violations == []
    assert set(RESULT_KEYS) <= set(row)
    assert row["valid"] and row["orders"] == 50
    assert row["objective"] == pytest.approx(plan.kpis["objective"], abs=0.1)
    assert sum(row["dropped_by_priority"].values()) == len(plan.unassigned)


def test_main_writes_json_and_plots(tmp_path):
    """A 1-second run of ours and greedy on metro-small writes results and both PNGs."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    code = main(
        [
            "--sets",
            "metro-small",
            "--solvers",
            "ours,greedy",
            "--time-limit",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    document = json.loads((out / "results.json").read_text())
    assert [(r["solver"], r["seed"], r["valid"]) for r in document["results"]] == [
        ("ours", 0, True),
        ("greedy", 0, True),
    ]
    assert list(document["results"][0]) == list(RESULT_KEYS)
    assert (out / "kpis.png").stat().st_size > 0
    assert (out / "gantt-metro-small.png").stat().st_size > 0


def test_main_rejects_unknown_sets_and_solvers(capsys):
    """An unknown set or solver is a usage error (exit 2) naming it."""
    with pytest.raises(SystemExit) as exc:
        main(["--sets", "atlantis"])
    assert exc.value.code == 2
    assert "unknown scenario set: atlantis" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--solvers", "ours,cplex"])
    assert "unknown solver: cplex" in capsys.readouterr().err
