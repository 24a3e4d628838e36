"""Booking recommendations: valid plans, best first, never worse than the best single insertion.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import (
    InputError,
    Plan,
    Priority,
    Problem,
    Shift,
    TimeWindow,
    UnassignedReason,
    WorkOrder,
    check_plan,
    plan_cost,
    recommend,
)
from optimizer.document import load_problem
from optimizer.search.index import routes_from_plan
from optimizer.search.prepare import prepare
from optimizer.search.timing import timing_of
from optimizer.search.writer import finish_plan, timed_route
from scenarios import get_scenario
from tests.factories import HOUR, at, order, problem, solve_checked, tech, window
from tests.strategies import problems, work_orders


def _best_single_insertion(prob: Problem, plan: Plan, new: WorkOrder) -> float | None:
    """Brute force: the order at every position of every shift, in each candidate window.

    Each plan is timed by the search's timing routine and judged by the
    validator and plan_cost; returns the least objective change, or None.
    """
    base = plan_cost(prob, plan)["total"]
    booked = replace(prob, work_orders=(*prob.work_orders, new))
    best = None
    for window_ in new.windows or (None,):
        variant = new if window_ is None else replace(new, windows=(window_,))
        inputs = prepare(replace(prob, work_orders=(*prob.work_orders, variant))).inputs
        if inputs is None or variant.id not in inputs.index.order_ids:
            continue
        index = inputs.index
        lanes, rules = timing_of(inputs)
        node = index.order_ids.index(variant.id)
        routes = routes_from_plan(index, plan)
        for v, nodes in enumerate(routes):
            for pos in range(len(nodes) + 1):
                seq = [*nodes[:pos], node, *nodes[pos:]]
                try:
                    route = timed_route(booked, index, v, lanes[v], rules, seq)
                except ValueError:
                    continue
                key = (route.technician_id, route.shift_index)
                others = [r for r in plan.routes if (r.technician_id, r.shift_index) != key]
                unassigned = list(plan.unassigned)
                candidate = finish_plan(booked, [*others, route], unassigned, plan.stats, 0.0)
                if check_plan(booked, candidate):
                    continue
                delta = plan_cost(booked, candidate)["total"] - base
                best = delta if best is None else min(best, delta)
    return best


def _assert_booked(booking, new: WorkOrder, top_k: int) -> None:
    """Every recommendation is a valid plan serving the order in a candidate window, best first."""
    recs = booking.recommendations
    assert len(recs) <= top_k
    assert [r.objective_delta for r in recs] == sorted(r.objective_delta for r in recs)
    assert len({(r.technician_id, r.shift_index, r.window_index) for r in recs}) == len(recs)
    for rec in recs:
        assert check_plan(booking.problem, rec.plan) == []
        route = rec.plan.route_of(new.id)
        assert (route.technician_id, route.shift_index) == (rec.technician_id, rec.shift_index)
        stop = next(s for s in route.stops if s.work_order_id == new.id)
        assert (stop.arrival_s, stop.start_s, stop.end_s) == (rec.arrival_s, rec.start_s, rec.end_s)
        if rec.window_index is not None:
            assert new.windows[rec.window_index].contains(rec.start_s)


def test_two_windows_give_a_slot_in_each_best_first():
    """A morning and an afternoon window on a free day: both are offered, the morning first."""
    prob = problem([tech()], [order("W1", location=at(-6))])
    plan = solve_checked(prob)
    new = order("NEW", windows=(window(9, 10), window(14, 15)))
    booking = recommend(prob, plan, new)
    _assert_booked(booking, new, 5)
    assert [r.window_index for r in booking.recommendations] == [0, 1]
    first = booking.recommendations[0]
    assert first.moves == () and first.start_s == 9 * HOUR


def test_a_move_to_another_technician_makes_room():
    """Only T1 can do the new 3-hour hvac job; T1's 2-hour order moves to T2 (30 points)."""
    short = (Shift(8 * HOUR, 12 * HOUR),)
    prob = problem(
        [tech("T1", skills={"hvac": 1}, shifts=short), tech("T2", shifts=short)],
        [order("Y", service_s=2 * HOUR, preferred_technician_ids=("T1",))],
    )
    plan = solve_checked(prob)
    assert plan.route_of("Y").technician_id == "T1"
    new = order("NEW", service_s=3 * HOUR, required_skills={"hvac": 1})
    booking = recommend(prob, plan, new, time_limit_s=5)
    _assert_booked(booking, new, 5)
    (first,) = booking.recommendations
    assert first.technician_id == "T1"
    assert [(m.work_order_id, m.from_technician_id, m.to_technician_id) for m in first.moves] == [
        ("Y", "T1", "T2")
    ]
    assert first.plan.route_of("Y").technician_id == "T2"
    assert _best_single_insertion(prob, plan, new) is None


def test_an_order_nobody_may_serve_gets_the_reason():
    """A skill nobody has: no recommendation, reason no_qualified_technician."""
    prob = problem([tech()], [order("W1")])
    plan = solve_checked(prob)
    booking = recommend(prob, plan, order("NEW", required_skills={"gas": 1}))
    assert booking.recommendations == ()
    assert booking.reason is UnassignedReason.NO_QUALIFIED_TECHNICIAN
    assert booking.detail == "No technician has the required skills (gas>=1)."


def test_a_duplicate_id_is_an_input_error_on_the_new_order():
    """The new order's id is already taken: an input error naming work_orders[1].id."""
    prob = problem([tech()], [order("W1")])
    plan = solve_checked(prob)
    with pytest.raises(InputError) as info:
        recommend(prob, plan, order("W1"))
    assert (info.value.field, info.value.message) == (
        "work_orders[1].id",
        "Duplicate work order id: W1.",
    )


@pytest.mark.parametrize("name", ["metro-small", "vip-windows"])
def test_top_recommendation_beats_every_single_insertion_on_scenarios(name: str):
    """On committed scenarios, the first slot costs no more than the best single insertion."""
    prob = load_problem(get_scenario(name).load())
    plan = solve_checked(prob, time_limit_s=3, solution_limit=40)
    template = next(o for o in prob.work_orders if not o.parts and "gas" not in o.required_skills)
    new = replace(
        template,
        id="NEW",
        windows=(TimeWindow(0, 4 * HOUR), TimeWindow(5 * HOUR, 9 * HOUR)),  # from the epoch
        respond_by_s=None,
        resolve_by_s=None,
        pinned_technician_id=None,
        excluded_technician_ids=(),
        dispatched_technician_id=None,
    )
    booking = recommend(prob, plan, new, top_k=3)
    _assert_booked(booking, new, 3)
    best = _best_single_insertion(prob, plan, new)
    assert best is not None
    assert booking.recommendations[0].objective_delta <= best + 1e-6


@st.composite
def bookable_orders(draw: st.DrawFn, prob: Problem) -> WorkOrder:
    """A new order a technician of ``prob`` is qualified for, in 0-2 windows of the day."""
    skills = {}
    if prob.technicians:
        chosen = draw(st.sampled_from(prob.technicians))
        skills = {s: lvl for s, lvl in chosen.skills.items() if draw(st.booleans())}
    windows = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(12, 36)) * HOUR // 2
        windows.append(TimeWindow(start, start + draw(st.integers(1, 6)) * HOUR // 2))
    return WorkOrder(
        id="NEW",
        location=at(draw(st.integers(-15, 15)), draw(st.integers(-15, 15))),
        service_s=draw(st.integers(0, 6)) * 900,
        required_skills=skills,
        priority=draw(st.sampled_from(list(Priority))),
        windows=tuple(windows),
        respond_by_s=draw(st.none() | st.integers(8, 20).map(lambda h: h * HOUR)),
    )


BOOK_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@BOOK_SETTINGS
@given(st.data())
def test_recommendations_are_valid_and_never_worse_than_a_single_insertion(data):
    """On random problems: valid plans, best first, the first no worse than brute force."""
    prob = data.draw(problems())
    tech_ids = [t.id for t in prob.technicians]
    new = data.draw(work_orders("NEW", tech_ids) | bookable_orders(prob))
    plan = solve_checked(prob, time_limit_s=5, solution_limit=30)
    booking = recommend(prob, plan, new, top_k=3, time_limit_s=5)
    _assert_booked(booking, new, 3)
    best = _best_single_insertion(prob, plan, new)
    if best is not None:
        assert booking.recommendations[0].objective_delta <= best + 1e-6
    if not booking.recommendations:
        assert booking.reason is not None and booking.detail
