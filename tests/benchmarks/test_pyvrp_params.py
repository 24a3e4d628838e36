"""PyVRP parameter study: named sets reach PyVRP, seed pairs are summarised, rows are judged."""

from __future__ import annotations

import json

import pytest

from benchmarks.pyvrp_params import PARAMETER_SETS, main, solve_params, summarise
from benchmarks.vrptw import DEFAULT_DATA

C101 = DEFAULT_DATA / "solomon" / "C101.txt"
needs_data = pytest.mark.skipif(not C101.exists(), reason="../shared/data/vrptw is missing")


def test_named_sets_change_only_what_they_name():
    """perturb15_history200 sets both values and keeps PyVRP's defaults elsewhere."""
    default, tuned = solve_params("default"), solve_params("perturb15_history200")
    assert tuned.perturbation.max_perturbations == 15
    assert tuned.ils.history_length == 200
    assert tuned.perturbation.min_perturbations == default.perturbation.min_perturbations
    assert tuned.neighbourhood == default.neighbourhood
    assert tuned.penalty == default.penalty
    assert default.ils.history_length != 200


def test_operator_sets_leave_out_only_the_named_operators():
    """no_swap21_22 is PyVRP's default operator list without Swap21 and Swap22."""
    default = [op.__name__ for op in solve_params("default").operators]
    reduced = [op.__name__ for op in solve_params("no_swap21_22").operators]
    assert {"Swap21", "Swap22"} <= set(default)
    assert reduced == [name for name in default if name not in ("Swap21", "Swap22")]


def test_every_named_set_builds():
    """Each entry of PARAMETER_SETS is accepted by PyVRP's parameter classes."""
    for name in PARAMETER_SETS:
        assert solve_params(name) is not None


def test_summary_takes_the_better_run_of_each_seed_pair():
    """Seeds 0 and 1 form a pair, 2 and 3 another; an infeasible run has no gap."""

    def row(seed: int, gap: float | None) -> dict:
        ok = gap is not None
        return {"instance": "X", "seed": seed, "gap_pct": gap, "feasible": ok, "iterations": 10}

    rows = [row(0, 1.0), row(1, 0.5), row(2, 2.0), row(3, 3.0), row(4, None), row(5, 0.1)]
    summary = summarise(rows)
    assert summary["runs"] == 6 and summary["feasible"] == 5
    assert summary["mean_gap_pct"] == pytest.approx((1.0 + 0.5 + 2.0 + 3.0 + 0.1) / 5)
    assert summary["best_of_two_gap_pct"] == pytest.approx((0.5 + 2.0) / 2)  # pair 4-5 incomplete


def test_unknown_set_is_refused(capsys):
    """An unknown name exits 2 and lists the known sets."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--params", "default,fastest"])
    assert exit_info.value.code == 2
    assert "unknown parameter set: fastest; known: default, history100" in capsys.readouterr().err


@needs_data
def test_iteration_limited_runs_are_judged_and_written(tmp_path):
    """Two sets x two seeds on C101 at 300 iterations: feasible, iteration-bound, in the JSON."""
    out = tmp_path / "params.json"
    argv = ["--set", "solomon", "--instances", "C101", "--params", "default,perturb15"]
    argv += ["--seeds", "2", "--iterations", "300", "--time-limit", "20", "--json", str(out)]
    assert main(argv) == 0
    document = json.loads(out.read_text())
    rows = document["rows"]
    assert [(r["params"], r["seed"]) for r in rows] == [
        ("default", 0), ("default", 1), ("perturb15", 0), ("perturb15", 1),
    ]  # fmt: skip
    assert all(r["feasible"] and r["iterations"] == 300 for r in rows)
    assert all(r["gap_pct"] is not None and r["gap_pct"] > -0.01 for r in rows)
    assert document["summaries"]["default"]["runs"] == 2
