"""benchmarks.waiting: avoidable waiting is measured, and the solver's plans have none."""

from __future__ import annotations

import dataclasses

from benchmarks.waiting import measure
from optimizer import SolveParams, check_plan, solve
from optimizer.document import load_problem
from scenarios import get_scenario


def test_bug_15_committed_scenarios_have_no_avoidable_wait():
    """lyon-small and vip-windows: no stop starts later than its window allows after arrival."""
    for name in ("lyon-small", "vip-windows"):
        problem = load_problem(get_scenario(name).load())
        plan = solve(problem, params=SolveParams(time_limit_s=2, seed=0))
        assert check_plan(problem, plan) == []
        figures = measure(problem, plan)
        assert figures["avoidable_min"] == 0
        assert figures["avoidable_over_30"] == 0


def test_a_late_start_inside_an_open_window_counts_as_avoidable():
    """Starting WO-1 147 min after arrival with its window open counts 147 avoidable minutes."""
    problem = load_problem(get_scenario("lyon-small").load())
    plan = solve(problem, params=SolveParams(time_limit_s=1, seed=0))
    assert check_plan(problem, plan) == []
    route = plan.routes[0]
    last = route.stops[-1]
    late = dataclasses.replace(
        last,
        start_s=last.start_s + 147 * 60,
        end_s=last.end_s + 147 * 60,
        wait_s=last.wait_s + 8820,
    )
    delayed = dataclasses.replace(
        route, stops=(*route.stops[:-1], late), end_s=route.end_s + 147 * 60
    )
    figures = measure(problem, dataclasses.replace(plan, routes=(delayed, *plan.routes[1:])))
    assert figures["avoidable_min"] == 147
    assert figures["avoidable_over_30"] == 1
