"""The binding constraint of an order left out for want of room, and the priority target.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

import pytest

from optimizer import Priority, Shift, audit_plan, check_plan, solve
from optimizer.document import load_problem
from optimizer.params import SolveParams
from optimizer.plan import UnassignedReason
from scenarios.registry import get_scenario
from tests.factories import HOUR, at, order, problem, solve_checked, tech


def _by_id(plan):
    return {u.work_order_id: u for u in plan.unassigned}


def test_a_p1_behind_an_equal_priority_part_holder_names_it():
    """Only T-037 has gas 2 and one thermocouple; the other P1 has it: the sentence says so."""
    prob = problem(
        [
            tech("T-037", skills={"gas": 2}, van_stock={"thermocouple": 1}),
            tech("T-001", start=at(1)),
        ],
        [
            order("WO-0125", priority=Priority.P1, parts={"thermocouple": 1}),
            order(
                "WO-0140",
                priority=Priority.P1,
                location=at(7),
                required_skills={"gas": 2},
                parts={"thermocouple": 1},
            ),
        ],
    )
    plan = solve_checked(prob)
    left = _by_id(plan)["WO-0140"]
    assert left.reason is UnassignedReason.PARTS_TAKEN_BY_OTHER_ORDER
    assert left.detail == (
        "P1 WO-0140 needs gas 2 and a thermocouple; only T-037 has gas 2, and its only "
        "thermocouple goes to P1 WO-0125."
    )


def test_the_only_qualified_technician_busy_names_the_orders_ahead():
    """Only T1 has gas; its short shift holds one P1 gas order, the second P1 cannot come."""
    prob = problem(
        [
            tech("T1", shifts=(Shift(8 * HOUR, 9 * HOUR + 1200),), skills={"gas": 1}),
            tech("T2", start=at(1)),
        ],
        [
            order("A", priority=Priority.P1, required_skills={"gas": 1}, respond_by_s=9 * HOUR),
            order("B", priority=Priority.P2, required_skills={"gas": 1}),
        ],
    )
    plan = solve_checked(prob)
    left = _by_id(plan)["B"]
    assert left.reason is UnassignedReason.ONLY_QUALIFIED_TECHNICIAN_BUSY
    assert left.detail == (
        "P2 B needs gas 1; only T1 has gas 1, and its shift is full with 1 order, all at P2 or "
        "more urgent: P1 A."
    )


def test_a_lone_technician_out_of_room_stays_capacity_exhausted():
    """One technician in all: nothing scarce to name."""
    orders = [order(f"W{i}", location=at(i)) for i in range(1, 4)]
    plan = solve_checked(problem([tech(max_orders_per_shift=2)], orders))
    assert [u.reason for u in plan.unassigned] == [UnassignedReason.CAPACITY_EXHAUSTED]


BUNDLED = ["lyon-small", "metro-small", "overloaded", "p1-surge", "skills-scarce", "vip-windows"]


@pytest.mark.parametrize("name", BUNDLED)
def test_no_p1_is_left_behind_lower_priority_work(name):
    """Issue 23's target on every bundled scenario (short budget): the audit finds nothing.

    The audit (``audit_plan``) tries, for every order left out, insertion,
    one or two ejections of cheaper orders, and clearing of every cheaper
    order holding a scarce technician or part; none may gain. A P1 left out
    for want of room names what holds it.
    """
    prob = load_problem(get_scenario(name).load())
    plan = solve(prob, params=SolveParams(time_limit_s=3.0, solution_limit=200))
    assert check_plan(prob, plan) == []
    assert audit_plan(prob, plan) == []
    priority = {o.id: o.priority for o in prob.work_orders}
    for u in plan.unassigned:
        if priority[u.work_order_id] is Priority.P1 and u.reason.for_want_of_room:
            assert u.detail.startswith(f"P1 {u.work_order_id}") or u.reason is (
                UnassignedReason.CAPACITY_EXHAUSTED
            )
