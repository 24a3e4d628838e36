"""The scaling benchmark: one small size end to end, and its slope."""

from __future__ import annotations

import json

import pytest

from benchmarks.scale import main, nightly_problem, slope


def test_nightly_problem_scales_the_nightly_set():
    """300 orders: 30 technicians in the nightly region, every order with a location."""
    problem = nightly_problem(300)
    assert (len(problem.work_orders), len(problem.technicians)) == (300, 30)


def test_slope_of_linear_growth_is_one():
    """Time proportional to orders has a log-log slope of 1; quadratic growth 2."""
    assert slope([1000, 2000, 4000], [10, 20, 40]) == pytest.approx(1.0)
    assert slope([1000, 2000, 4000], [1, 4, 16]) == pytest.approx(2.0)


def test_main_measures_and_validates_a_small_size(tmp_path):
    """One size of 300 orders, 2 s: ours and the rules engine, valid, memory measured, JSON."""
    out = tmp_path / "scale.json"
    code = main(
        ["--orders", "300", "--time-limit-per-1k", "6", "--workers", "1", "--json", str(out)]
    )
    assert code == 0
    results = json.loads(out.read_text())["results"]
    assert [(r["solver"], r["valid"]) for r in results] == [("ours", True), ("greedy", True)]
    ours, rules = results
    assert ours["peak_rss_gb"] > 0.05
    assert ours["objective"] <= rules["objective"]
