"""VROOM peer: skills, pins, priorities and breaks mapped onto VROOM; its plans pass check_plan.

Skipped when pyvroom (the ``bench`` extra) is not installed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings

pytest.importorskip("vroom")

from benchmarks.vroom_peer import (
    Lane,
    build_input,
    order_skill_ids,
    retime_route,
    skill_ids,
    start_intervals,
    technician_skill_ids,
    vroom_plan,
    vroom_priority,
)
from optimizer import Break, Priority, Shift, Tier, TimeWindow, check_plan
from optimizer.document import load_problem
from optimizer.plan import PlacedBreak, UnassignedReason
from optimizer.weights import DEFAULT_WEIGHTS
from scenarios.generators import generate
from tests.factories import HOUR, at, order, problem, tech, window
from tests.strategies import problems

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "lyon-small.json"
MIN = 60


def test_skill_levels_are_expanded_into_ids():
    """hvac 3 holds hvac>=1..3; an order needing hvac 2 requires exactly the hvac>=2 id."""
    prob = problem(
        [tech("T1", skills={"hvac": 3}), tech("T2", skills={"hvac": 1})],
        [order("W1", required_skills={"hvac": 2})],
    )
    ids = skill_ids(prob)
    assert {k for k in ids if k[0] == "hvac"} == {("hvac", 1), ("hvac", 2), ("hvac", 3)}
    t1, t2 = (technician_skill_ids(t, ids) for t in prob.technicians)
    needed = order_skill_ids(prob.work_orders[0], ids)
    assert needed == {ids[("hvac", 2)]}
    assert needed <= t1
    assert not needed <= t2


def test_pins_and_exclusions_become_skills():
    """A pin is an id only the pinned technician holds; an exclusion one all others hold."""
    prob = problem(
        [tech("T1"), tech("T2"), tech("T3")],
        [order("P", pinned_technician_id="T2"), order("X", excluded_technician_ids=("T3",))],
    )
    ids = skill_ids(prob)
    pinned, excluded = (order_skill_ids(o, ids) for o in prob.work_orders)
    held = {t.id: technician_skill_ids(t, ids) for t in prob.technicians}
    assert [t for t, s in held.items() if pinned <= s] == ["T2"]
    assert [t for t, s in held.items() if excluded <= s] == ["T1", "T2"]


def test_priority_is_proportional_to_the_unserved_penalty():
    """Default weights: P1 VIP 100, P1 50, P2 VIP 30, P2 15, P3 VIP 10, P3 5, P4 VIP 3, P4 2."""
    got = [
        vroom_priority(order("W", priority=p, tier=t), DEFAULT_WEIGHTS)
        for p in Priority
        for t in (Tier.VIP, Tier.STANDARD)
    ]
    assert got == [100, 50, 30, 15, 10, 5, 3, 2]


def test_overlapping_windows_are_merged():
    """VROOM needs disjoint sorted windows: overlapping ones merge, not-before cuts them."""
    o = order("W", windows=(window(10, 12), window(9, 11), window(14, 15)), not_before_s=9 * HOUR)
    assert start_intervals(o) == [(9 * HOUR, 12 * HOUR), (14 * HOUR, 15 * HOUR)]


def test_retimed_break_between_orders_pauses_the_drive():
    """A break VROOM put between W1 and W2 starts when W1 ends (09:10) and delays W2's arrival."""
    brk = Break(30 * MIN, TimeWindow(9 * HOUR, 10 * HOUR))
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 17 * HOUR, (brk,)),))],
        [order("W1"), order("W2", location=at(18))],
    )
    mapping = build_input(prob)
    lane = Lane(prob.technicians[0], 0, 2, None, mapping.lanes[0].profile)
    route = retime_route(
        prob, lane, [0, brk, 1], mapping.duration_s[lane.profile], mapping.distance_m
    )
    w1, w2 = route.stops
    assert route.breaks == (PlacedBreak(9 * HOUR + 10 * MIN, 9 * HOUR + 40 * MIN),)
    assert w2.arrival_s == w1.end_s + 1200 + 30 * MIN
    assert route.start_s == 8 * HOUR  # leaves 08:00 for W1 at 08:10


def test_lyon_small_plan_is_valid_with_reasons():
    """lyon-small solved by VROOM passes check_plan; WO-1011 has no qualified technician."""
    prob = load_problem(EXAMPLE.read_text(encoding="utf-8"))
    plan = vroom_plan(prob, time_limit_s=2)
    assert check_plan(prob, plan) == []
    assert plan.stats.engine == "vroom"
    reasons = {u.work_order_id: u.reason for u in plan.unassigned}
    assert reasons["WO-1011"] is UnassignedReason.NO_QUALIFIED_TECHNICIAN


def test_vroom_drops_the_least_urgent_when_short():
    """One 2-hour shift, two 1-hour orders: VROOM serves the P1."""
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 10 * HOUR),))],
        [order("W1", priority=Priority.P4), order("W2", priority=Priority.P1)],
    )
    plan = vroom_plan(prob, time_limit_s=1)
    assert check_plan(prob, plan) == []
    assert [s.work_order_id for r in plan.routes for s in r.stops] == ["W2"]


@pytest.mark.parametrize("name", ["metro-small", "vip-windows", "skills-scarce"])
def test_committed_scenarios_give_valid_plans(name):
    """VROOM's plans for committed scenario sets pass check_plan."""
    prob = load_problem(generate(name))
    plan = vroom_plan(prob, time_limit_s=2)
    assert check_plan(prob, plan) == []
    assert plan.kpis["assigned"] > 0


@given(problems())
@settings(max_examples=60, deadline=None)
def test_every_random_problem_gets_a_valid_plan(prob):
    """Small random problems (no working-time limit, which VROOM cannot express) stay valid."""
    techs = tuple(replace(t, max_work_s_per_shift=None) for t in prob.technicians)
    prob = replace(prob, technicians=techs)
    plan = vroom_plan(prob, time_limit_s=0.2)
    assert check_plan(prob, plan) == []
