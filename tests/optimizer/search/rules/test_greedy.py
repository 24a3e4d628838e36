"""The rules-engine baseline: urgency order, earliest arrival, append-only routes, breaks, reasons.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from optimizer import (
    Break,
    Priority,
    Shift,
    Tier,
    TimeWindow,
    check_plan,
    compute_kpis,
    plan_cost,
)
from optimizer.document import load_problem
from optimizer.plan import PlacedBreak, UnassignedReason
from optimizer.search.rules.greedy import dispatch_order, explain_unassigned, greedy_plan
from scenarios.generators import COMMITTED_SETS, generate
from tests.factories import HOUR, at, order, problem, tech, window
from tests.strategies import problems

EXAMPLE = Path(__file__).resolve().parents[4] / "scenarios" / "data" / "lyon-small.json"
MIN = 60


def _stop_ids(plan):
    return {r.technician_id: [s.work_order_id for s in r.stops] for r in plan.routes}


def _reasons(plan):
    return {u.work_order_id: u.reason for u in plan.unassigned}


def test_most_urgent_order_wins_when_capacity_runs_out():
    """One 2-hour shift fits one of two 1-hour orders: the P1 is served, the P4 dropped."""
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 10 * HOUR),))],
        [order("W1", priority=Priority.P4), order("W2", priority=Priority.P1)],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert _stop_ids(plan) == {"T1": ["W2"]}
    assert _reasons(plan) == {"W1": UnassignedReason.CAPACITY_EXHAUSTED}


def test_order_goes_to_the_technician_arriving_first():
    """T2 lives 1 km from the order (arrives 08:01:40), T1 6 km (08:10): T2 gets it."""
    prob = problem([tech("T1"), tech("T2", start=at(5))], [order("W1")])
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert _stop_ids(plan) == {"T2": ["W1"]}
    assert plan.routes[0].stops[0].arrival_s == 8 * HOUR + 100


def test_routes_are_appended_never_reordered():
    """The P1 12 km away is placed first, so the nearby P3 comes after it (a detour)."""
    prob = problem(
        [tech()],
        [
            order("NEAR", location=at(3), priority=Priority.P3),
            order("FAR", location=at(12), priority=Priority.P1),
        ],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert _stop_ids(plan) == {"T1": ["FAR", "NEAR"]}
    # FAR: leave 08:00, 1200 s; NEAR: 9 km back = 900 s after FAR ends at 09:20.
    far, near = plan.routes[0].stops
    assert (far.arrival_s, near.arrival_s) == (8 * HOUR + 1200, 9 * HOUR + 1200 + 900)


def test_deadline_then_vip_break_ties_within_a_priority():
    """Same priority: the earlier deadline first, then VIP before standard, then id."""
    a = order("A", priority=Priority.P2, respond_by_s=12 * HOUR)
    b = order("B", priority=Priority.P2, respond_by_s=10 * HOUR)
    c = order("C", priority=Priority.P2, tier=Tier.VIP)
    d = order("D", priority=Priority.P2)
    e = order("E", priority=Priority.P1)
    assert [o.id for o in sorted([a, b, c, d, e], key=dispatch_order)] == list("EBACD")


def test_lunch_break_is_placed_once_inside_its_window():
    """Seven 1-hour orders on site: a 30-min lunch due 11:30-14:00 lies in a gap, once."""
    lunch = Break(30 * MIN, window(11.5, 14))
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 17 * HOUR, (lunch,)),))],
        [order(f"W{i}") for i in range(7)],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    (route,) = plan.routes
    (brk,) = route.breaks
    assert brk.start_s >= 11.5 * HOUR and brk.end_s <= 14 * HOUR
    assert len(route.stops) == 7  # 08:10 + 7 h + 30 min lunch = 15:40


def test_break_on_the_road_pauses_the_drive():
    """A break that must start by 09:10 is taken leaving W1: W2's arrival is 20 + 30 min later."""
    early_break = Break(30 * MIN, TimeWindow(9 * HOUR, 9 * HOUR + 40 * MIN))
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 17 * HOUR, (early_break,)),))],
        [order("W1"), order("W2", location=at(18))],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    (route,) = plan.routes
    w1, w2 = route.stops
    assert w1.end_s == 9 * HOUR + 10 * MIN
    assert route.breaks == (PlacedBreak(9 * HOUR + 10 * MIN, 9 * HOUR + 40 * MIN),)
    assert w2.travel_s == 1200
    assert w2.arrival_s == w1.end_s + 1200 + 30 * MIN


def test_lunch_is_taken_while_waiting_on_site():
    """Arriving 08:10 for a 13:00 appointment, lunch is taken on site at 11:30."""
    lunch = Break(30 * MIN, window(11.5, 14))
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 17 * HOUR, (lunch,)),))],
        [order("W1", windows=(window(13, 14),))],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    (route,) = plan.routes
    assert route.breaks == (PlacedBreak(11 * HOUR + 30 * MIN, 12 * HOUR),)
    assert route.stops[0].start_s == 13 * HOUR
    assert route.start_s == 8 * HOUR  # a break before the first order: no late departure


def test_departure_is_as_late_as_the_first_order_allows():
    """Without a break first, the technician leaves home 10 min before a 10:00 appointment."""
    prob = problem([tech()], [order("W1", windows=(window(10, 11),))])
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    (route,) = plan.routes
    assert (route.start_s, route.stops[0].arrival_s, route.stops[0].wait_s) == (
        9 * HOUR + 50 * MIN,
        10 * HOUR,
        0,
    )


def test_every_unassigned_reason_is_established_by_a_check():
    """Skills, pin, parts, shift coverage and reachability give their own reason codes."""
    t1 = tech("T1", skills={"hvac": 2}, van_stock={"valve": 1})
    t2 = tech("T2", skills={"hvac": 1})
    prob = problem(
        [t1, t2],
        [
            order("SKILL", required_skills={"gas": 1}),
            order("PIN", required_skills={"hvac": 2}, pinned_technician_id="T2"),
            order("PARTS", parts={"valve": 2}),
            order("SHIFT", windows=(window(18, 20),)),
            order("FAR", location=at(400), respond_by_s=9 * HOUR, is_sla_hard=True),
        ],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert _reasons(plan) == {
        "SKILL": UnassignedReason.NO_QUALIFIED_TECHNICIAN,
        "PIN": UnassignedReason.PIN_OR_EXCLUSION_CONFLICT,
        "PARTS": UnassignedReason.MISSING_PARTS,
        "SHIFT": UnassignedReason.NO_SHIFT_COVERS_WINDOW,
        "FAR": UnassignedReason.UNREACHABLE_IN_TIME,
    }
    assert explain_unassigned(prob, ["PARTS"])[0].detail.endswith("required parts.")


def test_van_stock_is_used_up_per_shift_and_restocked():
    """One valve in the van: two valve orders need two shifts; with one shift one is dropped."""
    two_days = (Shift(8 * HOUR, 17 * HOUR), Shift(32 * HOUR, 41 * HOUR))
    orders = [order("W1", parts={"valve": 1}), order("W2", parts={"valve": 1})]
    one = problem([tech(van_stock={"valve": 1})], orders)
    two = problem([tech(van_stock={"valve": 1}, shifts=two_days)], orders)
    plan_one, plan_two = greedy_plan(one), greedy_plan(two)
    assert check_plan(one, plan_one) == [] and check_plan(two, plan_two) == []
    assert _reasons(plan_one) == {"W2": UnassignedReason.PARTS_TAKEN_BY_OTHER_ORDER}
    assert sorted(r.shift_index for r in plan_two.routes) == [0, 1]


def test_limits_per_shift_are_respected():
    """max_orders_per_shift 2 caps a route at 2 orders; 20 min of travel fits 10 out + 10 back."""
    prob = problem(
        [tech(max_orders_per_shift=2, end=at(0))],
        [order(f"W{i}") for i in range(4)],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert len(plan.routes[0].stops) == 2
    tight = problem([tech(max_travel_s_per_shift=19 * MIN, end=at(0))], [order("W1")])
    assert _reasons(greedy_plan(tight)) == {"W1": UnassignedReason.UNREACHABLE_IN_TIME}
    roomy = problem([tech(max_travel_s_per_shift=20 * MIN, end=at(0))], [order("W1")])
    assert len(greedy_plan(roomy).routes) == 1


def test_appointment_on_a_later_day_goes_to_that_shift():
    """An order booked on day 2 is served in the second shift."""
    two_days = (Shift(8 * HOUR, 17 * HOUR), Shift(32 * HOUR, 41 * HOUR))
    prob = problem([tech(shifts=two_days)], [order("W1", windows=(window(33, 35),))])
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert [(r.shift_index, r.stops[0].start_s) for r in plan.routes] == [(1, 33 * HOUR)]


def test_stats_kpis_and_objective_come_from_the_shared_functions():
    """engine is greedy; objective is plan_cost's total; kpis are compute_kpis'."""
    prob = load_problem(EXAMPLE.read_text(encoding="utf-8"))
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert plan.stats.engine == "greedy"
    assert plan.stats.objective == pytest.approx(plan_cost(prob, plan)["total"])
    assert plan.kpis == compute_kpis(prob, plan)
    assert _reasons(plan) == {"WO-1011": UnassignedReason.NO_QUALIFIED_TECHNICIAN}


def test_same_problem_same_plan():
    """The baseline is deterministic: two runs give the same routes and unassigned orders."""
    prob = load_problem(generate("p1-surge"))
    first, second = greedy_plan(prob), greedy_plan(prob)
    assert check_plan(prob, first) == []
    assert (first.routes, first.unassigned) == (second.routes, second.unassigned)


def test_no_orders_gives_an_empty_plan():
    """Nothing to dispatch: no routes, status not_solved."""
    prob = problem([tech()], [])
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert (plan.routes, plan.unassigned, plan.stats.status) == ((), (), "not_solved")


@pytest.mark.parametrize("name", COMMITTED_SETS)
def test_committed_scenarios_give_valid_plans(name):
    """Every committed scenario set dispatches to a plan check_plan accepts."""
    prob = load_problem(generate(name))
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert plan.kpis["assigned"] > 0


@given(problems())
@settings(max_examples=200, deadline=None)
def test_every_random_problem_gets_a_valid_plan(prob):
    """Any small problem (breaks, limits, parts, pins, hard SLAs) gets a plan check_plan accepts."""
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
