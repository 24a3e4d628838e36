"""Re-timing hand-edited plans: the solver's times when it can, else times the validator judges.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings

from optimizer import (
    Break,
    InputError,
    Plan,
    Route,
    Shift,
    SolveParams,
    Stop,
    check_plan,
    retime_plan,
    solve,
)
from optimizer.document import load_problem
from scenarios import get_scenario
from tests.factories import HOUR, at, order, problem, solve_checked, tech, window
from tests.strategies import problems


def _codes(prob, plan: Plan) -> list[str]:
    return sorted(v.code.value for v in check_plan(prob, plan))


def _sequence(plan: Plan, tech_id: str, order_ids: list[str], shift_index: int = 0) -> Plan:
    """``plan`` with ``tech_id``'s route replaced by ``order_ids`` (stale times: zeros)."""
    stops = tuple(Stop(o, 0, 0, 0, 0, 0, 0) for o in order_ids)
    others = [
        r
        for r in plan.routes
        if r.technician_id != tech_id and not any(s.work_order_id in order_ids for s in r.stops)
    ]
    moved_from = [
        replace(r, stops=tuple(s for s in r.stops if s.work_order_id not in order_ids))
        for r in plan.routes
        if r.technician_id != tech_id and any(s.work_order_id in order_ids for s in r.stops)
    ]
    route = Route(tech_id, shift_index, 0, 0, stops)
    left = tuple(u for u in plan.unassigned if u.work_order_id not in order_ids)
    return replace(plan, routes=(*others, *moved_from, route), unassigned=left)


def test_a_solver_plan_keeps_its_times():
    """Re-timing a plan of lyon-small gives back its routes, valid, with status evaluated."""
    prob = load_problem(get_scenario("lyon-small").load())
    plan = solve(prob, params=SolveParams(time_limit_s=1, solution_limit=50))
    assert check_plan(prob, plan) == []
    retimed = retime_plan(prob, plan)
    assert retimed.routes == plan.routes
    assert retimed.unassigned == plan.unassigned
    assert retimed.stats.status == "evaluated"
    assert retimed.kpis["objective"] == plan.kpis["objective"]


@settings(max_examples=15, deadline=None)
@given(prob=problems())
def test_solver_sequences_are_timed_as_the_solver_timed_them(prob):
    """On random small problems, every solved plan re-times to itself with stale times erased."""
    plan = solve(prob, params=SolveParams(time_limit_s=1, solution_limit=20))
    assert check_plan(prob, plan) == []
    stale = replace(
        plan,
        routes=tuple(
            replace(r, stops=tuple(replace(s, arrival_s=0, start_s=0, end_s=0) for s in r.stops))
            for r in plan.routes
        ),
    )
    assert retime_plan(prob, stale).routes == plan.routes


def test_moving_an_order_to_an_unskilled_technician_only_breaks_the_skill_rule():
    """W1 needs hvac; given to T2 (no hvac) it is timed exactly, and only missing_skill is found."""
    prob = problem(
        [tech("T1", skills={"hvac": 1}), tech("T2", start=at(10))],
        [order("W1", required_skills={"hvac": 1}), order("W2", location=at(12))],
    )
    plan = solve_checked(prob)
    moved = retime_plan(prob, _sequence(plan, "T2", ["W2", "W1"]))
    assert _codes(prob, moved) == ["missing_skill"]
    (t2,) = [r for r in moved.routes if r.technician_id == "T2"]
    assert [s.work_order_id for s in t2.stops] == ["W2", "W1"]
    # T2 starts 10 km east: 2 km to W2 (200 s), one hour there, then 6 km back to W1 (600 s).
    assert [(s.arrival_s, s.start_s) for s in t2.stops] == [
        (8 * HOUR + 200, 8 * HOUR + 200),
        (9 * HOUR + 800, 9 * HOUR + 800),
    ]


def test_a_missed_window_is_served_on_arrival_and_reported():
    """W2 (window 9:00-9:30) after a 4 h job starts on arrival: only outside_time_window."""
    prob = problem(
        [tech()],
        [order("W1", service_s=4 * HOUR), order("W2", windows=(window(9, 9.5),))],
    )
    retimed = retime_plan(prob, _sequence(solve_checked(prob), "T1", ["W1", "W2"]))
    assert _codes(prob, retimed) == ["outside_time_window"]
    (route,) = retimed.routes
    w2 = route.stops[1]
    assert w2.start_s == w2.arrival_s == 8 * HOUR + 600 + 4 * HOUR


def test_an_overlong_route_runs_past_the_shift_and_is_reported():
    """Two 5 h jobs in one 9 h shift: timed back to back, outside_shift is found."""
    prob = problem([tech()], [order("W1", service_s=5 * HOUR), order("W2", service_s=5 * HOUR)])
    plan = solve_checked(prob)
    retimed = retime_plan(prob, _sequence(plan, "T1", ["W1", "W2"]))
    assert _codes(prob, retimed) == ["outside_shift"]
    (route,) = retimed.routes
    assert route.stops[1].end_s == 8 * HOUR + 600 + 10 * HOUR


def test_breaks_are_kept_and_the_window_gives_way():
    """A 12:00-12:30 break inside a 11:00 job of 2 h: the break is kept, the job starts late."""
    shift = Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(12, 12.5)),))
    prob = problem(
        [tech(shifts=(shift,))],
        [order("W1", service_s=2 * HOUR, windows=(window(11, 11),))],
    )
    plan = solve_checked(prob)
    assert [u.work_order_id for u in plan.unassigned] == ["W1"]
    retimed = retime_plan(prob, _sequence(plan, "T1", ["W1"]))
    assert _codes(prob, retimed) == ["outside_time_window"]
    (route,) = retimed.routes
    assert [(b.start_s, b.end_s) for b in route.breaks] == [(12 * HOUR, 12.5 * HOUR)]
    assert route.stops[0].start_s == 12.5 * HOUR


def test_routes_it_cannot_time_are_input_errors_naming_their_field():
    """A route of technician T9, of shift 3 and of an unknown order: one issue each."""
    prob = problem([tech("T1"), tech("T2")], [order("W1")])
    plan = solve_checked(prob)
    (route,) = plan.routes
    ghost = replace(
        plan,
        routes=(
            replace(route, technician_id="T9"),
            replace(route, technician_id="T2", shift_index=3),
            Route("T1", 0, 0, 0, (Stop("W7", 0, 0, 0, 0, 0, 0),)),
        ),
    )
    with pytest.raises(InputError) as caught:
        retime_plan(prob, ghost)
    assert [(i.field, i.message) for i in caught.value.issues] == [
        (
            "routes[0].technician_id",
            "Route 0 names technician T9, which the problem does not have.",
        ),
        (
            "routes[1].shift_index",
            "Route 1 of technician T2 names shift_index 3, but the technician has 1 shift(s), "
            "shift_index counting from 0.",
        ),
        (
            "routes[2].stops[0].work_order_id",
            "Route 2 serves work order W7, which the problem does not have.",
        ),
    ]
