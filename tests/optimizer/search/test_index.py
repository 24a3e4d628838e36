"""The node and vehicle index every engine reads, checked against the OR-Tools model."""

from __future__ import annotations

from optimizer.domain import Shift
from optimizer.search.eligibility import compute_eligibility
from optimizer.search.index import build_index, problem_locations
from optimizer.search.ortools.builder import build_model
from optimizer.search.prepare import leg_matrices
from optimizer.weights import DEFAULT_WEIGHTS
from tests.factories import HOUR, order, problem, tech

TWO_SHIFTS = (Shift(8 * HOUR, 12 * HOUR), Shift(13 * HOUR, 17 * HOUR))


def _restricted_problem():
    """T1 (hvac 2, two shifts), T2 (hvac 1), T3 (no skill); pins, exclusions, an open order."""
    return problem(
        [
            tech("T1", skills={"hvac": 2}, shifts=TWO_SHIFTS),
            tech("T2", skills={"hvac": 1}),
            tech("T3"),
        ],
        [
            order("W1", required_skills={"hvac": 2}),
            order("W2", required_skills={"hvac": 1}),
            order("W3", pinned_technician_id="T3"),
            order("W4", excluded_technician_ids=("T1",)),
            order("W5"),
        ],
    )


def _eligibility_and_index(prob):
    matrices = prob.travel.matrices(problem_locations(prob))
    out, back = leg_matrices(prob, matrices)
    eligibility = compute_eligibility(prob, out, back)
    return eligibility, build_index(prob, eligibility, matrices, sorted(eligibility.allowed))


def test_allowed_vehicles_are_the_vehicles_the_ortools_model_allows():
    """index.allowed_vehicles answers as OR-Tools' VehicleVar domains do, node by node."""
    prob = _restricted_problem()
    eligibility, index = _eligibility_and_index(prob)
    ctx = build_model(prob, DEFAULT_WEIGHTS, eligibility, index)
    n_veh = len(index.vehicles)
    assert n_veh == 4  # T1 twice (two shifts), T2, T3
    for node in range(len(index.order_of_node)):
        var = ctx.routing.VehicleVar(ctx.order_index(node))
        allowed = index.allowed_vehicles[node]
        assert {v for v in range(n_veh) if var.Contains(v)} == allowed
        assert (var.Size() < n_veh + 1) == (len(allowed) < n_veh)
    by_id = {
        prob.work_orders[o].id: index.allowed_vehicles[n] for n, o in enumerate(index.order_of_node)
    }
    assert by_id == {
        "W1": {0, 1},
        "W2": {0, 1, 2},
        "W3": {3},
        "W4": {2, 3},
        "W5": {0, 1, 2, 3},
    }


def test_horizon_is_one_second_past_the_latest_shift_end():
    """The horizon bounds every vehicle's working time: latest shift end + 1 s."""
    _, index = _eligibility_and_index(_restricted_problem())
    assert index.horizon_s == 17 * HOUR + 1
