"""The VRPTW benchmark runner: solvers side by side, rows judged, per-solver summaries."""

from __future__ import annotations

import json

import pytest

from benchmarks.solomon import Customer, Instance, check_solution
from benchmarks.vrptw import DEFAULT_DATA, RESULT_KEYS, main, run_all, summarise

C101 = DEFAULT_DATA / "solomon" / "C101.txt"
needs_data = pytest.mark.skipif(not C101.exists(), reason="../shared/data/vrptw is missing")

#: The row keys of an ``ours`` run without seeds: those of the single-solver
#: benchmark, plus ``solver``.
OURS_KEYS = ["instance", "solver", "feasible", "vehicles", "distance", "bks", "bks_vehicles",
             "gap_pct", "runtime_s", "routes"]  # fmt: skip
SUMMARY_KEYS = {"instances", "runs", "feasible", "mean_gap_pct", "median_runtime_s",
                "max_runtime_s"}  # fmt: skip


@pytest.fixture
def square() -> Instance:
    """Depot at the origin open [0, 100], 2 vehicles of capacity 10, four customers.

    The customers sit at (±5, ±5) with windows [0, 100], service 1 and demand 3.
    """
    corners = [(5.0, 5.0), (-5.0, 5.0), (-5.0, -5.0), (5.0, -5.0)]
    return Instance(
        name="SQUARE",
        vehicles=2,
        capacity=10,
        depot=Customer(0, 0.0, 0.0, 0, 0.0, 100.0, 0.0),
        customers=tuple(
            Customer(n, x, y, 3, 0.0, 100.0, 1.0) for n, (x, y) in enumerate(corners, start=1)
        ),
    )


def _row(solver: str, instance: str, seed: int, gap: float | None) -> dict[str, object]:
    return {"instance": instance, "solver": solver, "seed": seed, "feasible": gap is not None,
            "gap_pct": gap, "runtime_s": 1.0 + seed}  # fmt: skip


def test_summarise_reports_the_seed_spread():
    """Per-seed mean gaps 1.5 (seed 0) and 3.0 (seed 1): mean 2.25, min 1.5, max 3.0."""
    rows = [_row("ours", "A", 0, 1.0), _row("ours", "B", 0, 2.0),
            _row("ours", "A", 1, 3.0), _row("ours", "B", 1, None)]  # fmt: skip
    summary = summarise(rows)
    assert summary["runs"] == 4 and summary["feasible"] == 3 and summary["instances"] == 2
    assert summary["mean_gap_pct"] == pytest.approx(2.0)  # (1 + 2 + 3) / 3 feasible runs
    assert summary["median_runtime_s"] == 1.5 and summary["max_runtime_s"] == 2.0
    assert summary["seed_mean_gap_pct"] == pytest.approx(2.25)
    assert (summary["seed_mean_gap_min_pct"], summary["seed_mean_gap_max_pct"]) == (1.5, 3.0)


def test_summarise_without_seeds_has_no_spread():
    """Rows without a seed give only the plain summary keys."""
    rows = [{k: v for k, v in _row("ours", "A", 0, 1.0).items() if k != "seed"}]
    assert set(summarise(rows)) == SUMMARY_KEYS


def test_run_all_in_worker_processes(square):
    """Two spawned workers return ours and pyvrp rows in task order, both judged feasible."""
    tasks = [(square, "ours", None), (square, "pyvrp", 0)]
    done: list[str] = []
    rows = run_all(tasks, 0.2, 2, lambda task, row: done.append(task[1]))
    assert [r["solver"] for r in rows] == ["ours", "pyvrp"] and sorted(done) == ["ours", "pyvrp"]
    for row in rows:
        assert row["_problems"] == [] and row["feasible"]
        assert check_solution(square, row["routes"]) == []
        assert sorted(n for r in row["routes"] for n in r) == [1, 2, 3, 4]


@needs_data
def test_main_runs_ours_and_pyvrp_side_by_side(tmp_path):
    """One C101 run per solver: rows carry the solver, the summary has one block per solver."""
    out = tmp_path / "out.json"
    args = ["--solvers", "ours,pyvrp", "--instances", "C101", "--time-limit", "1"]
    assert main([*args, "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    ours, pyvrp = document["results"]
    assert (ours["solver"], pyvrp["solver"]) == ("ours", "pyvrp")
    assert list(ours) == OURS_KEYS
    assert list(pyvrp) == [*OURS_KEYS, "reported_feasible"]
    for row in (ours, pyvrp):
        assert sorted(n for r in row["routes"] for n in r) == list(range(1, 101))
    assert ours["feasible"] and pyvrp["feasible"] and pyvrp["reported_feasible"]
    assert set(document["summary"]) == {"ours", "pyvrp"}
    for block in document["summary"].values():
        assert set(block) == SUMMARY_KEYS
        assert (block["instances"], block["runs"], block["feasible"]) == (1, 1, 1)
    assert set(RESULT_KEYS) >= set(pyvrp)
    probe = document["settings"]["speed_probe"]
    assert (probe["instance"], probe["iterations"]) == ("RC101", 3000) and probe["seconds"] > 0


@needs_data
def test_main_runs_vroom_once_whatever_the_seeds(tmp_path):
    """VROOM has no seed: with --seeds 2 it runs once, its row has no seed and is feasible."""
    pytest.importorskip("vroom")
    out = tmp_path / "out.json"
    args = ["--solvers", "vroom", "--instances", "C101", "--time-limit", "1", "--seeds", "2"]
    assert main([*args, "--json", str(out)]) == 0
    (row,) = json.loads(out.read_text())["results"]
    assert row["solver"] == "vroom" and row["feasible"] and "seed" not in row


def test_main_rejects_unknown_solvers(capsys):
    """An unknown solver is a usage error (exit 2) naming it."""
    with pytest.raises(SystemExit) as exc:
        main(["--solvers", "ours,cplex"])
    assert exc.value.code == 2
    assert "unknown solver: cplex" in capsys.readouterr().err
