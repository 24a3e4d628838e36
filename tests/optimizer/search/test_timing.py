"""The one timing routine: earliest starts, breaks on the way or on site, limits, lateness.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

import random

from hypothesis import given, settings

from optimizer import Break, Shift, Weights, check_plan
from optimizer.plan import Plan, SolveStats
from optimizer.search.prepare import prepare
from optimizer.search.timing import schedule_route, time_route, timing_of
from optimizer.search.writer import finish_plan, timed_route, unassigned_of
from tests.factories import HOUR, at, order, problem, tech, window
from tests.strategies import problems

LUNCH = Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(12, 14)),))


def _timing(prob):
    inputs = prepare(prob).inputs
    assert inputs is not None
    lanes, rules = timing_of(inputs)
    node = {order_id: n for n, order_id in enumerate(inputs.index.order_ids)}
    return inputs, lanes, rules, node


def _plan_of(prob, routes: dict[int, list[int]]) -> Plan:
    """The plan of order nodes per vehicle, written as the engines write theirs."""
    inputs, lanes, rules, _ = _timing(prob)
    timed = [timed_route(prob, inputs.index, v, lanes[v], rules, n) for v, n in routes.items()]
    served = {n for nodes in routes.values() for n in nodes}
    reasons = prepare(prob).eligibility.reasons
    unassigned = unassigned_of(prob, inputs.index, reasons, served)
    return finish_plan(prob, timed, unassigned, SolveStats("feasible", 0, None, 0), 0.0)


def test_lunch_is_taken_while_waiting_for_a_window():
    """Arriving at 8:10 for a 14:00 window after a 1 h job: lunch fits in the wait."""
    prob = problem(
        [tech(shifts=(LUNCH,))],
        [order("W1"), order("W2", windows=(window(14, 15),))],
    )
    _, lanes, rules, node = _timing(prob)
    schedule = schedule_route(lanes[0], rules, [node["W1"], node["W2"]])
    assert schedule is not None
    assert [s.start_s for s in schedule.stops] == [8 * HOUR + 600, 14 * HOUR]
    (lunch,) = schedule.breaks
    assert lunch[0] >= 12 * HOUR and lunch[1] <= 14 * HOUR


def test_a_missed_window_and_a_late_return_are_infeasible():
    """A 9:00-9:30 window reached after a 4 h job is missed; a route ending after 17:00 too."""
    prob = problem(
        [tech(shifts=(LUNCH,))],
        [
            order("W1", service_s=4 * HOUR),
            order("W2", windows=(window(9, 9.5),)),
            order("W3", service_s=5 * HOUR),
        ],
    )
    _, lanes, rules, node = _timing(prob)
    w1, w2, w3 = node["W1"], node["W2"], node["W3"]
    assert time_route(lanes[0], rules, [w2, w1]) is not None
    assert time_route(lanes[0], rules, [w1, w2]) is None
    assert time_route(lanes[0], rules, [w1, w3]) is None


def test_a_break_starting_on_the_road_pauses_the_drive():
    """Leaving at 12:00 for a 10 min drive: lunch 12:00-12:30 on the way, arrival 12:40."""
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(12, 12.5)),)),))],
        [order("W1", service_s=4 * HOUR - 600), order("W2", location=at(12))],
    )
    _, lanes, rules, node = _timing(prob)
    schedule = schedule_route(lanes[0], rules, [node["W1"], node["W2"]])
    assert schedule is not None
    assert schedule.breaks == ((12 * HOUR, 12 * HOUR + 1800),)
    assert schedule.stops[1].arrival_s == 12 * HOUR + 1800 + 600
    assert check_plan(prob, _plan_of(prob, {0: [node["W1"], node["W2"]]})) == []


def test_the_first_drive_leaves_as_late_as_the_first_window_allows():
    """A 10:00 window 10 min away: the technician leaves at 9:50 and does not wait."""
    prob = problem([tech()], [order("W1", windows=(window(10, 11),))])
    _, lanes, rules, node = _timing(prob)
    schedule = schedule_route(lanes[0], rules, [node["W1"]])
    assert schedule is not None
    assert schedule.start_s == 10 * HOUR - 600
    assert schedule.stops[0].arrival_s == schedule.stops[0].start_s == 10 * HOUR


def test_lateness_is_capped_at_a_share_of_the_unserved_penalty():
    """A P4 due 8:00 started at 11:00 at 100 points a minute costs half its 3,000 penalty."""
    late = order("W1", respond_by_s=8 * HOUR, windows=(window(11, 12),), priority=4)
    weights = Weights(late_per_minute_by_priority={1: 50, 2: 20, 3: 5, 4: 100})
    prob = problem([tech()], [late], weights=weights)
    _, lanes, rules, node = _timing(prob)
    closing = time_route(lanes[0], rules, [node["W1"]])
    assert closing is not None
    # 180 min late x 100 points = 18,000, capped at 0.5 x 3,000 = 1,500.
    assert closing.lateness == 1500


@settings(max_examples=60, deadline=None)
@given(problems())
def test_every_sequence_the_timing_accepts_is_valid_to_the_validator(prob):
    """Random sequences of allowed orders: when the timing accepts a route, check_plan does too."""
    prepared = prepare(prob)
    if prepared.inputs is None:
        return
    inputs = prepared.inputs
    lanes, rules = timing_of(inputs)
    rng = random.Random(len(prob.work_orders))
    routes: dict[int, list[int]] = {}
    for node in rng.sample(range(len(inputs.index.order_ids)), len(inputs.index.order_ids)):
        v = rng.choice(sorted(inputs.index.allowed_vehicles[node]))
        trial = [*routes.get(v, []), node]
        rng.shuffle(trial)
        parts: dict[str, int] = {}
        for n in trial:
            for part, qty in prob.work_orders[inputs.index.order_of_node[n]].parts.items():
                parts[part] = parts.get(part, 0) + qty
        stock = inputs.index.vehicles[v].technician.van_stock
        if all(stock.get(p, 0) >= q for p, q in parts.items()) and time_route(
            lanes[v], rules, trial
        ):
            routes[v] = trial
    plan = _plan_of(prob, routes)
    assert check_plan(prob, plan) == []
