"""The large-neighbourhood search: real objective, priorities, weights, determinism.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

import random
from itertools import pairwise

from optimizer import Priority, Shift, SolveParams, Weights, check_plan, plan_cost, solve
from optimizer.document import load_problem
from optimizer.search.lns.search import Neighbourhood, improve, recreate
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import prepare
from optimizer.search.progress import Phase
from optimizer.search.rules.greedy import greedy_plan
from optimizer.search.timing import timing_of
from scenarios import get_scenario
from scenarios.generators import generate
from tests.factories import HOUR, at, order, problem, solve_checked, tech

ONE_ORDER_SHIFT = (Shift(8 * HOUR, 9 * HOUR + 1200),)


def _empty(prob) -> tuple[Solution, Neighbourhood, dict[str, int]]:
    inputs = prepare(prob).inputs
    lanes, rules = timing_of(inputs)
    sol = Solution(CostModel.build(inputs, lanes, rules), [[] for _ in inputs.index.vehicles])
    node = {order_id: n for n, order_id in enumerate(inputs.index.order_ids)}
    return sol, Neighbourhood(inputs.index), node


def test_recreate_inserts_the_most_valuable_order_first():
    """Room for one order: the P1 is inserted and the P4 stays out, whatever the pool order."""
    prob = problem(
        [tech(shifts=ONE_ORDER_SHIFT)],
        [order("P4", priority=Priority.P4), order("P1", priority=Priority.P1)],
    )
    sol, hood, node = _empty(prob)
    recreate(sol, [node["P4"], node["P1"]], hood, random.Random(0))
    assert sol.routes[0].nodes == [node["P1"]]
    assert sol.unassigned == {node["P4"]}


def test_the_request_weights_decide_who_is_served():
    """The same day with P4 worth more than P1 in the request: the plan serves the P4."""
    orders = [order("P4", priority=Priority.P4), order("P1", priority=Priority.P1)]
    default = solve_checked(problem([tech(shifts=ONE_ORDER_SHIFT)], orders))
    upside_down = Weights(unassigned_by_priority={1: 100, 2: 200, 3: 300, 4: 50_000})
    flipped = solve_checked(problem([tech(shifts=ONE_ORDER_SHIFT)], orders, weights=upside_down))
    assert [u.work_order_id for u in default.unassigned] == ["P4"]
    assert [u.work_order_id for u in flipped.unassigned] == ["P1"]


def test_serving_late_beats_leaving_out():
    """A P3 due at 8:05 can only be reached at 8:10: it is served late, not dropped."""
    prob = problem([tech()], [order("W1", respond_by_s=8 * HOUR + 300)])
    plan = solve_checked(prob)
    assert plan.unassigned == ()
    assert plan_cost(prob, plan)["lateness"] > 0


def test_the_search_improves_a_poor_start():
    """Four orders on a line, started zig-zag: the search finds the straight route."""
    prob = problem([tech()], [order(f"W{i}", location=at(2 * i)) for i in (1, 2, 3, 4)])
    sol, hood, node = _empty(prob)
    sol.set_route(0, [node["W2"], node["W4"], node["W1"], node["W3"]])
    start = sol.objective()
    routes, best, _ = improve(sol, hood, float("inf"), seed=0, max_iterations=200)
    assert best < start
    assert routes[0] in (
        [node[f"W{i}"] for i in (1, 2, 3, 4)],
        [node[f"W{i}"] for i in (4, 3, 2, 1)],
    )


def test_same_seed_and_iterations_give_the_same_routes():
    """Iteration-bound searches from the same start are reproducible."""
    prob = load_problem(generate("overloaded"))
    runs = []
    for _ in range(2):
        sol, hood, _ = _empty(prob)
        runs.append(improve(sol, hood, float("inf"), seed=3, max_iterations=150)[:2])
    assert runs[0] == runs[1]


def test_a_solve_beats_the_rules_engine_on_an_overloaded_day():
    """overloaded (100 orders, 1.2x capacity): the objective is below the rules engine's."""
    prob = load_problem(generate("overloaded"))
    plan = solve_checked(prob, time_limit_s=5, solution_limit=50)
    assert plan.stats.engine.endswith("+lns")
    assert plan.stats.audit_findings == 0
    assert plan.stats.objective < greedy_plan(prob).stats.objective


def test_bug_15_orders_left_out_at_no_cost_do_not_crash_the_search():
    """lyon-small with unserved P4 orders costing 0 points (a what-if weight) solves, no error."""
    document = get_scenario("lyon-small").load()
    document["weights"] = {"unassigned_by_priority": {"P4": 0}}
    prob = load_problem(document)
    plan = solve(prob, params=SolveParams(time_limit_s=1, seed=0))
    assert check_plan(prob, plan) == []
    assert {u.work_order_id for u in plan.unassigned} >= {"WO-1011"}


def test_progress_on_the_field_service_path_and_kpis_equal_stats():
    """overloaded at 2 s: progress comes in time order, the best never rises, and the plan's
    objective is no worse than the last report; ``kpis["solve"]`` is the final stats."""
    prob = load_problem(generate("overloaded"))
    seen = []
    plan = solve(prob, params=SolveParams(time_limit_s=2, seed=0), on_progress=seen.append)
    assert check_plan(prob, plan) == []
    assert plan.stats.engine.endswith("+lns")
    assert seen, "no progress was reported"
    assert [p.elapsed_s for p in seen] == sorted(p.elapsed_s for p in seen)
    assert seen[0].phase is Phase.LOADING and seen[0].objective is None
    objectives = [p.objective for p in seen if p.objective is not None]
    assert all(later <= earlier + 1e-6 for earlier, later in pairwise(objectives))
    assert all(0 <= p.assigned <= len(prob.work_orders) for p in seen if p.assigned is not None)
    assert plan.stats.objective <= objectives[-1] + 1e-6
    assert plan.kpis["solve"] == {
        "status": plan.stats.status,
        "objective": round(plan.stats.objective, 3),
        "first_solution_s": plan.stats.first_solution_s,
        "wall_s": round(plan.stats.wall_s, 3),
    }
    assert plan.kpis["objective"] == round(plan.stats.objective, 3)
    assert 1.0 < plan.stats.wall_s <= 2 * 1.05 + 1
