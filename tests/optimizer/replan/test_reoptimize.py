"""Real-time re-planning: fixed history, residual view, stability, locks, events, diff, errors.

The day used by most tests (planar, 10 m/s, one-hour orders, shifts 08:00-17:00)::

    T1 at (0, 0) km    serves W1 (6, 0), W2 (12, 0), W3 (18, 0)   ~08:10, 09:20, 10:30
    T2 at (0, 30) km   serves W4 (0, 36), W5 (0, 42), W6 (0, 48)  same times, 30 km north

Tests read stop times from the solved day rather than hard-coding them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from optimizer import InputError, Priority, Shift, SolveParams, check_plan, solve
from optimizer.domain import GeoPoint, TimeWindow
from optimizer.plan import Plan, Route, SolveStats, Stop, Unassigned, UnassignedReason
from optimizer.replan.events import (
    NewOrders,
    OrderCompleted,
    OrderStarted,
    TechnicianPosition,
    TechnicianUnavailable,
)
from optimizer.replan.reoptimize import (
    Assignment,
    EtaChange,
    Move,
    Replan,
    ReplanDiff,
    compute_diff,
    reoptimize,
)
from tests.factories import HOUR, at, order, problem, solve_checked, tech, technician_of, window

ASSIGNMENT_CODES = {
    "unknown_work_order",
    "duplicate_assignment",
    "assigned_and_unassigned",
    "duplicate_unassigned",
    "missing_work_order",
}


def _day() -> tuple[Any, Plan]:
    """The two-technician day of the module docstring, solved and checked."""
    techs = [tech("T1"), tech("T2", start=at(0, 30))]
    orders = [
        order("W1", location=at(6)),
        order("W2", location=at(12)),
        order("W3", location=at(18)),
        order("W4", location=at(0, 36)),
        order("W5", location=at(0, 42)),
        order("W6", location=at(0, 48)),
    ]
    prob = problem(techs, orders)
    plan = solve_checked(prob)
    assert [technician_of(plan, w) for w in ("W1", "W2", "W3")] == ["T1"] * 3
    assert [technician_of(plan, w) for w in ("W4", "W5", "W6")] == ["T2"] * 3
    return prob, plan


def _stop(plan: Plan, work_order_id: str) -> Stop:
    return next(s for r in plan.routes for s in r.stops if s.work_order_id == work_order_id)


def _replan(prob: Any, plan: Plan, now_s: int, events: Any = (), **kw: Any) -> Replan:
    """Re-plan with a small deterministic budget; the residual view must be valid."""
    kw.setdefault("params", SolveParams(time_limit_s=2, solution_limit=50))
    result = reoptimize(prob, plan, now_s, events, **kw)
    assert check_plan(result.residual_problem, result.residual_plan) == []
    merged = check_plan(result.problem, result.plan)
    assert not [v for v in merged if v.code in ASSIGNMENT_CODES], merged
    return result


def _p1(now_s: int, **kw: Any) -> Any:
    return order("P1", priority=Priority.P1, respond_by_s=now_s + 3 * HOUR, **kw)


# --- the fixed part and the new order ------------------------------------------------------


def test_new_p1_is_served_and_nothing_else_moves():
    """A P1 that comes in is served; no other order changes technician."""
    prob, day = _day()
    now = _stop(day, "W2").start_s + 600
    result = _replan(prob, day, now, [NewOrders((_p1(now, location=at(20, 2)),))])
    assert result.diff.moved == ()
    assert result.diff.newly_assigned == (Assignment("P1", "T1"),)
    assert result.diff.newly_unassigned == ()
    assert technician_of(result.plan, "P1") == "T1"


def test_plan_is_valid_for_the_day_when_everyone_is_busy_at_now():
    """With every technician in service at now, the merged plan passes check_plan for the day."""
    prob, day = _day()
    now = _stop(day, "W2").start_s + 600  # W2 and W5 are both in service
    result = _replan(prob, day, now, [NewOrders((_p1(now, location=at(20, 2)),))])
    assert check_plan(result.problem, result.plan) == []
    assert {o.id for o in result.problem.work_orders} == {o.id for o in prob.work_orders} | {"P1"}


def test_finished_and_running_stops_are_kept_as_they_were():
    """Stops finished before now and the one in service stay, untouched, with their technician."""
    prob, day = _day()
    now = _stop(day, "W2").start_s + 600
    result = _replan(prob, day, now, [NewOrders((_p1(now, location=at(20, 2)),))])
    for wid in ("W1", "W2", "W4", "W5"):
        assert _stop(result.plan, wid) == _stop(day, wid)
    assert {"W1", "W2", "W4", "W5"}.isdisjoint(o.id for o in result.residual_problem.work_orders)


def test_order_in_progress_sets_where_and_when_the_technician_is_free():
    """The residual technician starts at the running order's place when its service ends."""
    prob, day = _day()
    w2 = _stop(day, "W2")
    result = _replan(prob, day, w2.start_s + 600)
    t1 = result.residual_problem.technician("T1")
    assert t1.start == at(12)
    assert t1.shifts == (Shift(w2.end_s, 17 * HOUR),)


def test_unchanged_routes_keep_their_planned_times():
    """A route the re-plan does not change keeps its stops' times exactly."""
    prob, day = _day()
    now = _stop(day, "W1").start_s + 600
    result = _replan(prob, day, now, [NewOrders((_p1(now, location=at(20, 2)),))])
    for wid in ("W5", "W6"):
        assert _stop(result.plan, wid) == _stop(day, wid)
    assert not [e for e in result.diff.eta_changes if e.work_order_id in ("W5", "W6")]


def test_stop_being_driven_to_is_committed():
    """Per the plan the technician already left for W2: it stays with T1 and out of the re-solve."""
    prob, day = _day()
    w2 = _stop(day, "W2")
    result = _replan(prob, day, w2.start_s - w2.travel_s + 1)
    assert "W2" not in {o.id for o in result.residual_problem.work_orders}
    assert _stop(result.plan, "W2") == w2


def test_stop_not_yet_left_for_is_replanned():
    """Before the latest departure for W3 the technician waits where it is; W3 is re-planned."""
    techs = [tech("T1")]
    orders = [order("W1", location=at(6)), order("W3", location=at(18), windows=(window(14, 15),))]
    prob = problem(techs, orders)
    day = solve_checked(prob)
    now = _stop(day, "W1").end_s + 600
    result = _replan(prob, day, now)
    assert "W3" in {o.id for o in result.residual_problem.work_orders}
    assert result.residual_problem.technician("T1").start == at(6)
    assert result.residual_problem.technician("T1").shifts[0].start_s == now


def test_idle_technician_leaves_now_and_the_day_plan_says_so():
    """Idle at now, T1 leaves now: the day's check flags only that first re-planned arrival."""
    techs = [tech("T1")]
    orders = [order("W1", location=at(6)), order("W3", location=at(18), windows=(window(14, 15),))]
    prob = problem(techs, orders)
    day = solve_checked(prob)
    now = _stop(day, "W1").end_s + 600
    result = _replan(prob, day, now)
    w3 = _stop(result.plan, "W3")
    assert (w3.arrival_s, w3.start_s) == (now + 1200, _stop(day, "W3").start_s)
    assert [(v.code, v.work_order_id) for v in check_plan(result.problem, result.plan)] == [
        ("arrival_mismatch", "W3")
    ]


# --- events ----------------------------------------------------------------------------


def test_started_later_than_planned_moves_the_free_time():
    """An order reported started late ends late; the technician is free from that end."""
    prob, day = _day()
    w2 = _stop(day, "W2")
    started = w2.start_s + 1200
    result = _replan(prob, day, started + 60, [OrderStarted("W2", started)])
    assert (_stop(result.plan, "W2").start_s, _stop(result.plan, "W2").end_s) == (
        started,
        started + HOUR,
    )
    assert result.residual_problem.technician("T1").shifts[0].start_s == started + HOUR


def test_completed_early_frees_the_technician_at_now():
    """An order completed before its planned end frees the technician from now."""
    prob, day = _day()
    w2 = _stop(day, "W2")
    done = w2.start_s + 1800
    result = _replan(
        prob, day, done + 60, [OrderStarted("W2", w2.start_s), OrderCompleted("W2", done)]
    )
    assert _stop(result.plan, "W2").end_s == done
    assert result.residual_problem.technician("T1").shifts[0].start_s == done + 60


def test_unavailable_technician_hands_over_its_later_orders():
    """T1 off from now: its orders not started go to T2 or are unassigned, none stay with T1."""
    prob, day = _day()
    now = _stop(day, "W1").end_s - 600  # W1 in service, W2 and W3 not started
    result = _replan(prob, day, now, [TechnicianUnavailable("T1", now)])
    assert technician_of(result.plan, "W1") == "T1"
    for wid in ("W2", "W3"):
        assert technician_of(result.plan, wid) != "T1"
    gone = {m.work_order_id for m in result.diff.moved}
    gone |= {u.work_order_id for u in result.diff.newly_unassigned}
    assert gone == {"W2", "W3"}
    assert result.residual_problem.technician("T1").shifts == ()


def test_unavailable_only_technician_leaves_orders_unassigned_with_reasons():
    """With no one else to take them, the orders are newly unassigned with a reason."""
    prob = problem([tech("T1")], [order("W1", location=at(6)), order("W2", location=at(12))])
    day = solve_checked(prob)
    now = _stop(day, "W1").start_s + 60
    result = _replan(prob, day, now, [TechnicianUnavailable("T1", now)])
    assert [(u.work_order_id, u.reason) for u in result.diff.newly_unassigned] == [
        ("W2", UnassignedReason.NO_SHIFT_COVERS_WINDOW)
    ]


def test_position_sets_the_technician_start():
    """A fresh position is where the technician starts the rest of its shift."""
    prob, day = _far_order_day()
    now = 8 * HOUR + 1800
    result = _replan(prob, day, now, [TechnicianPosition("T2", at(30), now - 60)])
    assert result.residual_problem.technician("T2").start == at(30)


# --- stability and locks ---------------------------------------------------------------


def _far_order_day() -> tuple[Any, Plan]:
    """T1 at 0 km serves X at 30 km (50 min drive) in a 14:00-15:00 window; T2 is far west."""
    techs = [tech("T1"), tech("T2", start=at(-30))]
    prob = problem(techs, [order("X", location=at(30), windows=(window(14, 15),))])
    day = solve_checked(prob)
    assert technician_of(day, "X") == "T1"
    return prob, day


def test_stability_cost_keeps_a_dispatched_order_in_place():
    """T2 turns up next to X: saving ~58 points does not pay the 100-point reassignment."""
    prob, day = _far_order_day()
    now = 8 * HOUR + 1800
    # T2 at X saves T1's 50 min drive (50 points) and ~8 points of workload balance.
    result = _replan(prob, day, now, [TechnicianPosition("T2", at(30), now)])
    assert technician_of(result.plan, "X") == "T1"
    assert result.diff.moved == ()
    assert result.problem.work_order("X").dispatched_technician_id == "T1"


def test_zero_stability_weight_lets_the_order_move():
    """With a stability weight of 0 the same order moves to the nearer technician."""
    prob, day = _far_order_day()
    now = 8 * HOUR + 1800
    result = _replan(prob, day, now, [TechnicianPosition("T2", at(30), now)], stability_weight=0.0)
    assert result.diff.moved == (Move("X", "T1", "T2"),)
    assert result.problem.weights is not None and result.problem.weights.reassignment == 0.0


def test_locked_order_does_not_move():
    """A locked order stays with its technician even at zero stability weight."""
    prob, day = _far_order_day()
    now = 8 * HOUR + 1800
    result = _replan(
        prob,
        day,
        now,
        [TechnicianPosition("T2", at(30), now)],
        stability_weight=0.0,
        locked_work_order_ids=["X"],
    )
    assert technician_of(result.plan, "X") == "T1"
    assert result.residual_problem.work_order("X").pinned_technician_id == "T1"


# --- several shifts ---------------------------------------------------------------------


def test_later_shifts_of_a_busy_technician_start_from_home():
    """Mid-shift at a customer, the technician's next-day shift still starts at home (a twin)."""
    day2 = 24 * HOUR
    shifts = (Shift(8 * HOUR, 17 * HOUR), Shift(day2 + 8 * HOUR, day2 + 17 * HOUR))
    orders = [
        order("A", location=at(6), windows=(window(8, 12),)),
        order("B", location=at(12), windows=(window(24 + 8, 24 + 12),)),
    ]
    prob = problem([tech("T1", shifts=shifts)], orders)
    day = solve_checked(prob)
    result = _replan(prob, day, _stop(day, "A").start_s + 60)
    ids = [t.id for t in result.residual_problem.technicians]
    assert ids == ["T1", "T1@later"]
    assert result.residual_problem.technician("T1@later").start == at(0)
    route = result.plan.route_of("B")
    assert route is not None and (route.technician_id, route.shift_index) == ("T1", 1)
    assert check_plan(result.problem, result.plan) == []


# --- the diff ------------------------------------------------------------------------------


def _route(tid: str, *stops: tuple[str, int]) -> Route:
    return Route(tid, 0, 0, 0, tuple(Stop(w, s, s, s + 60, 0, 0, 0) for w, s in stops))


def test_diff_lists_moves_new_assignments_drops_and_eta_changes():
    """compute_diff names each change once; an ETA change of exactly the threshold is not one."""
    stats = SolveStats("feasible", 0.0, None, 0.0)
    old = Plan(
        (_route("T1", ("A", 1000), ("B", 2000), ("C", 3000)),),
        (Unassigned("D", UnassignedReason.CAPACITY_EXHAUSTED),),
        stats,
    )
    dropped = Unassigned("C", UnassignedReason.CAPACITY_EXHAUSTED, "no room")
    new = Plan(
        (_route("T1", ("A", 1900), ("D", 2500)), _route("T2", ("B", 4000), ("N", 5000))),
        (dropped,),
        stats,
    )
    assert compute_diff(old, new, eta_threshold_s=900) == ReplanDiff(
        moved=(Move("B", "T1", "T2"),),
        newly_assigned=(Assignment("D", "T1"), Assignment("N", "T2")),
        newly_unassigned=(dropped,),
        eta_changes=(EtaChange("B", 2000, 4000),),
    )
    assert EtaChange("B", 2000, 4000).delta_s == 2000


# --- input errors ----------------------------------------------------------------------


def _error(prob: Any, day: Plan, now_s: int, events: Any = (), **kw: Any) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        reoptimize(prob, day, now_s, events, **kw)
    return [(i.field, i.message) for i in caught.value.issues]


@pytest.fixture(scope="module")
def small_day() -> tuple[Any, Plan]:
    """One technician T1 serving W1 (6 km east); W2 is unassigned on purpose (nobody has gas)."""
    prob = problem([tech("T1")], [order("W1"), order("W2", required_skills={"gas": 1})])
    plan = solve(prob, params=SolveParams(time_limit_s=2, solution_limit=10))
    assert check_plan(prob, plan) == []
    return prob, plan


def test_error_unknown_and_unplanned_orders_in_events(small_day):
    """Events naming an unknown order or an unplanned one are reported together."""
    prob, day = small_day
    issues = _error(
        prob, day, 9 * HOUR, [OrderStarted("W9", 8 * HOUR), OrderCompleted("W2", 8 * HOUR)]
    )
    assert issues == [
        (
            "events[0].work_order_id",
            "Work order W9 is started, but it is not a work order of the problem.",
        ),
        (
            "events[1].work_order_id",
            "Work order W2 is completed, but the plan assigns it to no technician.",
        ),
    ]


def test_error_event_after_now(small_day):
    """An event dated after now is refused, with both times in the message."""
    prob, day = small_day
    assert _error(prob, day, 9 * HOUR, [OrderCompleted("W1", 10 * HOUR)]) == [
        ("events[0].at", "Work order W1 is completed at 36000 s, after now 32400 s.")
    ]


def test_error_new_order_with_an_existing_id(small_day):
    """A new order reusing an id is a duplicate, reported on the event."""
    prob, day = small_day
    assert _error(prob, day, 9 * HOUR, [NewOrders((order("W1"),))]) == [
        ("events[0].orders[0].id", "Duplicate work order id: W1.")
    ]


def test_error_new_order_breaking_a_rule(small_day):
    """A new order with a reversed window is reported with the core's wording, on the event."""
    prob, day = small_day
    bad = order("N1", windows=(TimeWindow(10 * HOUR, 9 * HOUR),))
    assert _error(prob, day, 9 * HOUR, [NewOrders((bad,))]) == [
        (
            "events[0].orders[0].windows[0]",
            "Invalid time window for work order N1: start 36000 s is after end 32400 s.",
        )
    ]


def test_error_unknown_technician_and_bad_position(small_day):
    """Unknown technicians and positions the travel model cannot use are refused."""
    prob, day = small_day
    events = [TechnicianUnavailable("T9", 9 * HOUR), TechnicianPosition("T1", GeoPoint(45, 4), 0)]
    assert _error(prob, day, 9 * HOUR, events) == [
        (
            "events[0].technician_id",
            "Technician T9 in the event is not a technician of the problem.",
        ),
        (
            "events[1].location",
            "Technician T1 has a position given as lat/lon, but the planar travel model "
            "needs x/y locations.",
        ),
    ]


def test_error_locks_and_arguments(small_day):
    """Locks on unknown or unplanned orders, a negative stability weight and threshold."""
    prob, day = small_day
    assert _error(
        prob, day, 9 * HOUR, locked_work_order_ids=["W9", "W2"], stability_weight=-1.0
    ) == [("stability_weight", "Stability weight must be a finite number >= 0, got -1.0.")]
    assert _error(prob, day, 9 * HOUR, locked_work_order_ids=["W9", "W2"]) == [
        ("locked_work_order_ids[0]", "Work order W9 cannot be locked: it is not a work order."),
        (
            "locked_work_order_ids[1]",
            "Work order W2 cannot be locked: the plan assigns it to no technician.",
        ),
    ]


def test_error_plan_naming_an_unknown_technician(small_day):
    """A plan route for a technician the problem lacks is an input error on the plan."""
    prob, day = small_day
    bad = replace(day, routes=(replace(day.routes[0], technician_id="T9"),))
    assert _error(prob, bad, 9 * HOUR) == [
        (
            "plan.routes[0].technician_id",
            "Route names technician T9, who is not a technician of the problem.",
        )
    ]
