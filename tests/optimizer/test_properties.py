"""Properties over random small problems, feasible or not."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from optimizer import Problem, SolveParams, check_plan, solve
from optimizer.search.eligibility import compute_eligibility
from tests.strategies import problems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems())
def test_every_plan_is_valid_and_accounts_for_every_order(prob: Problem):
    """Every plan passes check_plan; each order is served once or unassigned with a reason."""
    plan = solve(prob, params=SolveParams(time_limit_s=5, solution_limit=30))
    assert check_plan(prob, plan) == []
    served = [s.work_order_id for r in plan.routes for s in r.stops]
    left = [u.work_order_id for u in plan.unassigned]
    assert sorted(served + left) == sorted(o.id for o in prob.work_orders)
    assert all(u.reason and u.detail for u in plan.unassigned)


@SETTINGS
@given(problems())
def test_orders_only_go_to_eligible_technicians(prob: Problem):
    """A served order's technician has the skills, parts and is not excluded."""
    plan = solve(prob, params=SolveParams(time_limit_s=5, solution_limit=30))
    for route in plan.routes:
        tech = prob.technician(route.technician_id)
        for stop in route.stops:
            order = prob.work_order(stop.work_order_id)
            assert all(tech.skills.get(s, 0) >= lvl for s, lvl in order.required_skills.items())
            assert tech.id not in order.excluded_technician_ids
            assert order.pinned_technician_id in (None, tech.id)


@SETTINGS
@given(problems())
def test_same_seed_and_limit_give_the_same_plan(prob: Problem):
    """Two solves with the same seed and solution limit return identical routes."""
    params = SolveParams(time_limit_s=30, solution_limit=20, seed=3)
    assert solve(prob, params=params).routes == solve(prob, params=params).routes


def test_eligibility_reason_precedes_solver():
    """compute_eligibility is importable on its own (used by the solver, not the validator)."""
    assert callable(compute_eligibility)
