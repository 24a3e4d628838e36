"""Tests of the Solomon parser, problem mapping and double-precision checker."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from benchmarks.solomon import (
    LOAD_PART,
    Customer,
    Instance,
    check_solution,
    parse_instance,
    route_distance,
    to_problem,
)
from optimizer.domain import PlanarPoint, Priority

SOLOMON_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "vrptw" / "solomon"
C101 = SOLOMON_DIR / "C101.txt"
needs_data = pytest.mark.skipif(not C101.exists(), reason="../shared/data/vrptw is missing")


@pytest.fixture
def tiny() -> Instance:
    """Depot at the origin, 2 vehicles of capacity 10, three customers on the x axis.

    Customer 1 at (3, 0) window [0, 10], 2 at (3, 4) window [5, 20] (5 units
    from the depot, 4 from customer 1), 3 at (-6, 0) window [0, 100]; each
    has demand 4 and service 1; the depot closes at 100.
    """
    return Instance(
        name="TINY",
        vehicles=2,
        capacity=10,
        depot=Customer(0, 0.0, 0.0, 0, 0.0, 100.0, 0.0),
        customers=(
            Customer(1, 3.0, 0.0, 4, 0.0, 10.0, 1.0),
            Customer(2, 3.0, 4.0, 4, 5.0, 20.0, 1.0),
            Customer(3, -6.0, 0.0, 4, 0.0, 100.0, 1.0),
        ),
    )


@needs_data
def test_parse_instance_reads_c101():
    """C101 parses to 25 vehicles of capacity 200, the depot and 100 customers."""
    inst = parse_instance(C101)
    assert (inst.name, inst.vehicles, inst.capacity) == ("C101", 25, 200)
    assert inst.depot == Customer(0, 40.0, 50.0, 0, 0.0, 1236.0, 0.0)
    assert len(inst.customers) == 100
    assert inst.customers[0] == Customer(1, 45.0, 68.0, 10, 912.0, 967.0, 90.0)
    assert inst.customers[-1].number == 100
    assert sum(c.demand for c in inst.customers) == 1810


def test_parse_instance_rejects_missing_vehicle_section(tmp_path):
    """A file without a VEHICLE section raises ValueError naming the rule."""
    path = tmp_path / "bad.txt"
    path.write_text("BAD\n\nCUSTOMER\n 0 0 0 0 0 100 0\n")
    with pytest.raises(ValueError, match="no VEHICLE section"):
        parse_instance(path)


def test_to_problem_scales_and_shapes(tiny):
    """to_problem gives one technician per vehicle and scaled P1 orders with load parts."""
    problem = to_problem(tiny, scale=1000)
    assert [t.id for t in problem.technicians] == ["v1", "v2"]
    tech = problem.technicians[0]
    assert (tech.shifts[0].start_s, tech.shifts[0].end_s) == (0, 100_000)
    assert tech.start == tech.end == PlanarPoint(0.0, 0.0)
    assert tech.van_stock == {LOAD_PART: 10}
    order = problem.work_order("2")
    assert order.location == PlanarPoint(3000.0, 4000.0)
    assert order.service_s == 1000
    assert [(w.start_s, w.end_s) for w in order.windows] == [(5000, 20_000)]
    assert order.priority is Priority.P1
    assert order.parts == {LOAD_PART: 4}
    assert problem.weights is not None
    assert problem.weights.travel_per_hour == 3600.0
    assert problem.weights.workload_balance_per_hour == 0.0
    # 1e8 points to drop an order vs. at most ~1.2e4 s of travel in this instance.
    assert problem.weights.unassigned_penalty(order) >= 1e8


def test_to_problem_travel_rounds_up(tiny):
    """Planar travel at scale 1000 is the distance in milli-units rounded up."""
    problem = to_problem(tiny)
    points = [problem.technicians[0].start, *(o.location for o in problem.work_orders)]
    matrices = problem.travel.matrices(points)
    assert matrices.duration_s[0, 2] == 5000  # depot -> (3, 4): exactly 5 units
    assert matrices.duration_s[2, 3] == math.ceil(math.hypot(9, 4) * 1000)


def test_route_distance_closes_the_loop(tiny):
    """route_distance sums depot -> customers -> depot and is 0 for an empty route."""
    # 0 -> 1: 3, 1 -> 2: 4, 2 -> 0: 5.
    assert route_distance(tiny, [1, 2]) == 12.0
    assert route_distance(tiny, [3]) == 12.0
    assert route_distance(tiny, []) == 0.0


def test_check_solution_accepts_feasible(tiny):
    """A solution serving everyone on time within capacity has no violations."""
    # Route 1: arrive 1 at 3, leave 4, arrive 2 at 8 (>= ready 5), leave 9, home at 14.
    assert check_solution(tiny, [[1, 2], [3]]) == []


def test_check_solution_reports_missing_customer(tiny):
    """A customer on no route is reported as not served."""
    assert check_solution(tiny, [[1, 2]]) == ["Customer 3 is not served."]


def test_check_solution_reports_duplicate(tiny):
    """A customer on two routes is reported as served twice."""
    # Route 2: 0 -> 3 arrive 6, leave 7, -> 2 arrive 7 + sqrt(97) ~ 16.85 <= 20: on time.
    assert check_solution(tiny, [[1, 2], [3, 2]]) == ["Customer 2 is served 2 times."]


def test_check_solution_reports_late(tiny):
    """Visiting 2 before 1 is on time at due 10 and late once the due time is 9.999."""
    # 0 -> 2 arrive 5, leave 6; 2 -> 1 arrive 10 <= 10: on time.
    assert check_solution(tiny, [[2, 1], [3]]) == []
    late = dataclasses.replace(
        tiny, customers=(dataclasses.replace(tiny.customers[0], due=9.999), *tiny.customers[1:])
    )
    assert check_solution(late, [[2, 1], [3]]) == [
        "Route 1 starts customer 1 at 10.000000, after its due time 9.999."
    ]


def test_check_solution_waits_for_ready(tiny):
    """Service starts at the ready time when the vehicle arrives early (Solomon convention)."""
    # 0 -> 2 arrive 5 but ready 50: start 50, leave 51, home at 56 <= 56 exactly.
    customers = (tiny.customers[0], dataclasses.replace(tiny.customers[1], ready=50.0, due=50.0),
                 tiny.customers[2])  # fmt: skip
    depot = dataclasses.replace(tiny.depot, due=56.0)
    ok = dataclasses.replace(tiny, depot=depot, customers=customers)
    assert check_solution(ok, [[2], [1, 3]]) == []
    early_close = dataclasses.replace(ok, depot=dataclasses.replace(depot, due=55.5))
    assert check_solution(early_close, [[2], [1, 3]]) == [
        "Route 1 returns to the depot at 56.000000, after its due time 55.5."
    ]


def test_check_solution_reports_over_capacity(tiny):
    """Three orders of demand 4 on one vehicle of capacity 10 overload it."""
    errors = check_solution(tiny, [[1, 2, 3]])
    assert "Route 1 carries 12, over the vehicle capacity 10." in errors


def test_check_solution_reports_too_many_routes(tiny):
    """Three non-empty routes exceed the two vehicles."""
    assert check_solution(tiny, [[1], [2], [3]]) == [
        "The solution uses 3 routes, more than the 2 vehicles."
    ]


@needs_data
def test_solve_first_12_customers_of_c101():
    """The first 12 customers of C101 solve to a plan both checkers accept."""
    solve = pytest.importorskip("optimizer.solve").solve
    check_plan = pytest.importorskip("optimizer.check").check_plan
    from benchmarks.vrptw import plan_routes
    from optimizer.params import SolveParams

    full = parse_instance(C101)
    inst = dataclasses.replace(full, customers=full.customers[:12])
    problem = to_problem(inst)
    plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=50))
    routes = plan_routes(plan)
    assert check_solution(inst, routes) == []
    assert check_plan(problem, plan) == []
    assert sorted(n for r in routes for n in r) == list(range(1, 13))
