"""PyVRP peer: the Solomon data mapped with to_problem's integers; its routes pass the checker."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.pyvrp_peer import build_data, pyvrp_solve, speed_probe
from benchmarks.solomon import Customer, Instance, check_solution, parse_instance, to_problem
from benchmarks.vrptw import DEFAULT_DATA

C101 = DEFAULT_DATA / "solomon" / "C101.txt"
needs_data = pytest.mark.skipif(not C101.exists(), reason="../shared/data/vrptw is missing")


@pytest.fixture
def tiny() -> Instance:
    """Depot at the origin open [0, 100], 2 vehicles of capacity 10, three customers.

    Customer 1 at (3, 0) with window [0.5, 10.5] and service 1.5 (both
    fractional, to see the rounding), 2 at (1, 1) with window [5, 20]
    (sqrt 2 from the depot: its matrix entry rounds up), 3 at (-6, 0) with
    window [0, 100]; services 1 otherwise, demands 4.
    """
    return Instance(
        name="TINY",
        vehicles=2,
        capacity=10,
        depot=Customer(0, 0.0, 0.0, 0, 0.0, 100.0, 0.0),
        customers=(
            Customer(1, 3.0, 0.0, 4, 0.5, 10.5, 1.5),
            Customer(2, 1.0, 1.0, 4, 5.0, 20.0, 1.0),
            Customer(3, -6.0, 0.0, 4, 0.0, 100.0, 1.0),
        ),
    )


def test_build_data_uses_the_integers_of_to_problem(tiny):
    """Matrix, windows, service and fleet are those of to_problem at scale 1000."""
    data = build_data(tiny)
    problem = to_problem(tiny)
    points = [problem.technicians[0].start, *(o.location for o in problem.work_orders)]
    expected = problem.travel.matrices(points).duration_s
    assert np.array_equal(data.distance_matrix(0), expected)
    assert np.array_equal(data.duration_matrix(0), expected)
    assert expected[0, 2] == 1415  # sqrt(2) * 1000 = 1414.2 rounded up
    first = data.clients()[0]
    assert (first.tw_early, first.tw_late, first.service_duration) == (500, 10_500, 1500)
    assert list(first.delivery) == [4]
    (vehicle_type,) = data.vehicle_types()
    assert (vehicle_type.num_available, list(vehicle_type.capacity)) == (2, [10])
    assert (vehicle_type.tw_early, vehicle_type.tw_late) == (0, 100_000)


def test_tiny_instance_is_solved_exactly(tiny):
    """PyVRP serves all three customers in two routes the checker accepts."""
    run = pyvrp_solve(tiny, time_limit_s=0.2)
    assert run.is_feasible
    assert check_solution(tiny, run.routes) == []
    assert sorted(n for r in run.routes for n in r) == [1, 2, 3]


@needs_data
def test_c101_routes_pass_the_checker():
    """A 1-second solve of C101 is feasible, serves every customer and passes check_solution."""
    instance = parse_instance(C101)
    run = pyvrp_solve(instance, time_limit_s=1.0, seed=0)
    assert run.is_feasible
    assert check_solution(instance, run.routes) == []
    assert sorted(n for r in run.routes for n in r) == list(range(1, 101))
    assert len(run.routes) <= instance.vehicles


def test_speed_probe_times_a_fixed_search(tiny):
    """The probe names its instance and iteration count and reports a positive median time."""
    probe = speed_probe(tiny, iterations=50, repeats=3)
    assert (probe.instance, probe.iterations) == ("TINY", 50)
    assert 0 < probe.seconds < 60
