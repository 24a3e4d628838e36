"""The global audit across parts: orders left out by one part, served by another's technicians.

Each case solves its parts on their own (as the rounds do), then hands every
technician's routes to :func:`global_repair`. Planar at 10 m/s; times in
seconds from midnight.
"""

from __future__ import annotations

import math

from optimizer import Priority, Shift, SolveParams, check_plan, plan_cost, solve
from optimizer.search.global_audit import global_repair, plan_of
from optimizer.search.partition import Part, part_problem
from tests.factories import HOUR, at, order, problem, tech

#: Room for two 1-hour orders 6 km out and back, not three.
SHORT = (Shift(8 * HOUR, 11 * HOUR),)


def _parts_solved(prob, parts: list[Part]) -> dict:
    """Every part solved alone; the routes by technician."""
    routes: dict = {}
    for part in parts:
        sub = part_problem(prob, part)
        plan = solve(sub, params=SolveParams(time_limit_s=5, solution_limit=20))
        assert check_plan(sub, plan) == []
        for t in part.technician_ids:
            routes[t] = tuple(r for r in plan.routes if r.technician_id == t)
    return routes


def _skilled(tech_id: str, **kw):
    return tech(tech_id, skills={"gas": 2}, shifts=SHORT, **kw)


def _gas_p1():
    return order("P1", priority=Priority.P1, required_skills={"gas": 1}, location=at(6, 1))


def test_a_p1_left_out_by_its_part_replaces_a_p4_of_the_next_part():
    """Only T1 (part A, full of P4s) may serve the P1 of part B: one P4 makes room for it."""
    prob = problem(
        [_skilled("T1"), tech("T2", shifts=SHORT)],
        [order("A", priority=Priority.P4), order("B", priority=Priority.P4), _gas_p1()],
    )
    parts = [
        Part(frozenset({"T1"}), frozenset({"A", "B"})),
        Part(frozenset({"T2"}), frozenset({"P1"})),
    ]
    routes = _parts_solved(prob, parts)
    before = plan_of(prob, routes)
    assert "P1" not in before.assigned_ids and {"A", "B"} <= before.assigned_ids
    found = global_repair(prob, routes, math.inf)
    after = plan_of(prob, routes)
    assert check_plan(prob, after) == []
    assert "P1" in after.assigned_ids and len(after.assigned_ids & {"A", "B"}) == 1
    assert plan_cost(prob, after)["total"] < plan_cost(prob, before)["total"]
    assert found.served == 1 and found.findings == 0 and found.looked_at == 1


def test_a_free_technician_of_a_neighbouring_part_takes_the_p1():
    """T3, idle in part C, may serve the P1 that part B could not: nothing is ejected."""
    prob = problem(
        [_skilled("T1"), tech("T2", shifts=SHORT), _skilled("T3", start=at(5, 1))],
        [order("A", priority=Priority.P4), order("B", priority=Priority.P4), _gas_p1()],
    )
    parts = [
        Part(frozenset({"T1"}), frozenset({"A", "B"})),
        Part(frozenset({"T2"}), frozenset({"P1"})),
        Part(frozenset({"T3"}), frozenset()),
    ]
    routes = _parts_solved(prob, parts)
    global_repair(prob, routes, math.inf)
    after = plan_of(prob, routes)
    assert check_plan(prob, after) == []
    assert after.assigned_ids == {"A", "B", "P1"}
    assert [s.work_order_id for r in routes["T3"] for s in r.stops] == ["P1"]


def test_nothing_to_do_on_a_plan_with_no_order_left_out_or_no_gain():
    """Nobody may serve the P1 (no gas technician): the plan is kept, no finding."""
    prob = problem(
        [tech("T1", shifts=SHORT), tech("T2", shifts=SHORT)],
        [order("A", priority=Priority.P4), order("B", priority=Priority.P4), _gas_p1()],
    )
    parts = [
        Part(frozenset({"T1"}), frozenset({"A", "B"})),
        Part(frozenset({"T2"}), frozenset({"P1"})),
    ]
    routes = _parts_solved(prob, parts)
    kept = dict(routes)
    found = global_repair(prob, routes, math.inf)
    assert routes == kept
    assert found.served == 0 and found.findings == 0


def test_an_expired_deadline_looks_at_nothing_and_says_so():
    """Past its deadline the audit changes nothing and reports no count (``None``)."""
    prob = problem(
        [_skilled("T1"), tech("T2", shifts=SHORT)],
        [order("A", priority=Priority.P4), order("B", priority=Priority.P4), _gas_p1()],
    )
    parts = [
        Part(frozenset({"T1"}), frozenset({"A", "B"})),
        Part(frozenset({"T2"}), frozenset({"P1"})),
    ]
    routes = _parts_solved(prob, parts)
    kept = dict(routes)
    found = global_repair(prob, routes, 0.0)
    assert routes == kept and found.looked_at == 0 and found.findings is None
