"""Routes under search: the cached prices agree with a full re-timing and with plan_cost."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings

from optimizer import Weights, check_plan, plan_cost
from optimizer.plan import SolveStats
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import prepare
from optimizer.search.timing import timing_of
from optimizer.search.writer import write_plan
from tests.strategies import problems, working_day_problems


def _solution(prob, seed: int) -> tuple[Solution, object]:
    """A random feasible solution of ``prob`` built by random insertions."""
    prepared = prepare(prob)
    inputs = prepared.inputs
    lanes, rules = timing_of(inputs)
    sol = Solution(CostModel.build(inputs, lanes, rules), [[] for _ in inputs.index.vehicles])
    rng = random.Random(seed)
    for node in rng.sample(range(len(inputs.index.order_ids)), len(inputs.index.order_ids)):
        v = rng.choice(sorted(inputs.index.allowed_vehicles[node]))
        sol.insert(v, node, rng.randint(0, len(sol.routes[v].nodes)))
    return sol, prepared


@settings(max_examples=60, deadline=None)
@given(problems())
def test_the_objective_is_plan_cost_of_the_written_plan(prob):
    """For random feasible routes, Solution.objective() equals plan_cost of the plan written."""
    _check_objective_is_plan_cost(prob)


@settings(max_examples=60, deadline=None)
@given(working_day_problems())
def test_the_objective_is_plan_cost_on_working_day_problems(prob):
    """Overtime (and the other working-day rules) are priced by the search as plan_cost does."""
    _check_objective_is_plan_cost(prob)


@settings(max_examples=40, deadline=None)
@given(working_day_problems())
def test_insertion_cost_on_working_day_problems(prob):
    """Incremental insertion prices equal full re-timing with the working-day rules."""
    _check_insertion_costs(prob)


def _check_objective_is_plan_cost(prob):
    if prepare(prob).inputs is None:
        return
    sol, prepared = _solution(prob, 1)
    inputs = prepared.inputs
    plan = write_plan(
        prob,
        inputs.index,
        sol.model.lanes,
        sol.model.rules,
        sol.snapshot(),
        prepared.eligibility.reasons,
        SolveStats("feasible", 0, None, 0),
        0.0,
    )
    assert check_plan(prob, plan) == []
    eligible_left_out = sum(
        1 for u in plan.unassigned if u.work_order_id in set(inputs.index.order_ids)
    )
    assert eligible_left_out == len(sol.unassigned)
    weights = prob.weights or Weights()
    not_eligible = sum(
        weights.unassigned_penalty(prob.work_orders[o]) for o in prepared.eligibility.reasons
    )
    assert math.isclose(
        plan_cost(prob, plan)["total"], sol.objective() + not_eligible, abs_tol=1e-6
    )


@settings(max_examples=60, deadline=None)
@given(problems())
def test_insertion_cost_is_the_change_of_the_route_cost(prob):
    """The incremental price of every insertion equals re-timing the whole route."""
    _check_insertion_costs(prob)


def _check_insertion_costs(prob):
    if prepare(prob).inputs is None:
        return
    sol, _ = _solution(prob, 2)
    for node in sorted(sol.unassigned):
        for v in sorted(sol.model.allowed[node]):
            for pos in range(len(sol.routes[v].nodes) + 1):
                cost = sol.insertion_cost(v, node, pos, math.inf)
                before = sol.routes[v].cost
                nodes = list(sol.routes[v].nodes)
                if sol.insert(v, node, pos):
                    assert math.isclose(cost, sol.routes[v].cost - before, abs_tol=1e-6)
                    sol.set_route(v, nodes)
                else:
                    assert cost == math.inf
