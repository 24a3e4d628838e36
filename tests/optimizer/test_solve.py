"""Constraint by constraint: a satisfied case and a violated case for each rule of the model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer import (
    Break,
    InputError,
    Priority,
    Shift,
    SolveParams,
    Tier,
    Weights,
    plan_cost,
    solve,
)
from optimizer.plan import SlaStatus
from tests.factories import (
    HOUR,
    at,
    order,
    problem,
    reasons,
    solve_checked,
    tech,
    technician_of,
    window,
)


def test_skill_level_met_is_served():
    """A technician at the required level (or above) serves the order."""
    plan = solve_checked(problem([tech(skills={"hvac": 2})], [order(required_skills={"hvac": 2})]))
    assert technician_of(plan, "W1") == "T1"


def test_skill_level_below_is_no_qualified_technician():
    """A level-1 technician cannot do a level-2 job: no_qualified_technician."""
    plan = solve_checked(problem([tech(skills={"hvac": 1})], [order(required_skills={"hvac": 2})]))
    assert reasons(plan) == {"W1": "no_qualified_technician"}


def test_pin_wins_over_distance():
    """A pinned order goes to its technician even when another is closer."""
    techs = [tech("T1", start=at(6)), tech("T2", start=at(-20))]
    plan = solve_checked(problem(techs, [order(pinned_technician_id="T2")]))
    assert technician_of(plan, "W1") == "T2"


def test_pin_to_unqualified_technician_is_a_conflict():
    """Pinned to a technician without the skill: pin_or_exclusion_conflict."""
    techs = [tech("T1", skills={"gas": 1}), tech("T2")]
    prob = problem(techs, [order(required_skills={"gas": 1}, pinned_technician_id="T2")])
    assert reasons(solve_checked(prob)) == {"W1": "pin_or_exclusion_conflict"}


def test_exclusion_sends_order_to_another_technician():
    """An excluded technician never gets the order; the other one does."""
    techs = [tech("T1", start=at(6)), tech("T2", start=at(-20))]
    plan = solve_checked(problem(techs, [order(excluded_technician_ids=("T1",))]))
    assert technician_of(plan, "W1") == "T2"


def test_all_qualified_excluded_is_a_conflict():
    """Excluding every qualified technician: pin_or_exclusion_conflict."""
    prob = problem([tech("T1")], [order(excluded_technician_ids=("T1",))])
    assert reasons(solve_checked(prob)) == {"W1": "pin_or_exclusion_conflict"}


def test_parts_in_stock_are_used_once_per_unit():
    """Stock of one part serves one order; the second says which order took the part."""
    prob = problem(
        [tech(van_stock={"valve": 1})],
        [order("W1", parts={"valve": 1}), order("W2", location=at(7), parts={"valve": 1})],
    )
    plan = solve_checked(prob)
    assert len(plan.assigned_ids) == 1
    assert list(reasons(plan).values()) == ["parts_taken_by_other_order"]
    (left,) = plan.unassigned
    (served,) = plan.assigned_ids
    assert left.detail == (
        f"P3 {left.work_order_id} needs a valve; only T1 has a valve, and its only valve goes to "
        f"P3 {served}."
    )


def test_parts_nobody_carries_are_missing_parts():
    """No van carries the part: missing_parts."""
    prob = problem([tech(van_stock={"valve": 1})], [order(parts={"valve": 2})])
    assert reasons(solve_checked(prob)) == {"W1": "missing_parts"}


def test_service_starts_inside_one_of_several_windows():
    """With windows 09-10 and 14-15 (09-10 excluded by not_before), service starts 14-15."""
    prob = problem(
        [tech()],
        [order(windows=(window(9, 10), window(14, 15)), not_before_s=11 * HOUR)],
    )
    stop = solve_checked(prob).routes[0].stops[0]
    assert 14 * HOUR <= stop.start_s <= 15 * HOUR


def test_window_outside_every_shift_is_reported():
    """A window in the evening, after every shift: no_shift_covers_window."""
    prob = problem([tech()], [order(windows=(window(18, 20),))])
    assert reasons(solve_checked(prob)) == {"W1": "no_shift_covers_window"}


def test_window_too_early_to_reach_is_unreachable():
    """Window 08:00-08:05 but 10 min of driving from 08:00: unreachable_in_time."""
    prob = problem([tech()], [order(windows=(window(8, 8 + 5 / 60),))])
    assert reasons(solve_checked(prob)) == {"W1": "unreachable_in_time"}


def test_route_stays_within_shift():
    """Service (1 h) that must start by 16:00 fits a shift ending 17:00."""
    prob = problem([tech()], [order(windows=(window(15.5, 16),))])
    route = solve_checked(prob).routes[0]
    assert route.start_s >= 8 * HOUR and route.end_s <= 17 * HOUR


def test_order_longer_than_shift_is_unreachable():
    """A 10-hour job cannot fit a 9-hour shift: unreachable_in_time."""
    prob = problem([tech()], [order(service_s=10 * HOUR)])
    assert reasons(solve_checked(prob)) == {"W1": "unreachable_in_time"}


def test_break_is_placed_in_its_window_between_services():
    """A 30-min lunch in 11:30-14:00 is placed in the window and never during service."""
    shift = Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(11.5, 14)),))
    orders = [order(f"W{i}", location=at(i), service_s=2 * HOUR) for i in range(1, 4)]
    route = solve_checked(problem([tech(shifts=(shift,))], orders)).routes[0]
    assert len(route.breaks) == 1
    brk = route.breaks[0]
    assert brk.start_s >= 11.5 * HOUR and brk.end_s <= 14 * HOUR
    assert all(brk.end_s <= s.start_s or brk.start_s >= s.end_s for s in route.stops)


def test_break_not_needed_when_work_ends_before_its_window():
    """One short morning job: the route ends before 11:30, so no break is placed."""
    shift = Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(11.5, 14)),))
    prob = problem([tech(shifts=(shift,))], [order(windows=(window(8, 9),))])
    assert solve_checked(prob).routes[0].breaks == ()


def test_max_orders_per_shift_caps_the_route():
    """At most two orders per shift: the third is capacity_exhausted."""
    orders = [order(f"W{i}", location=at(i)) for i in range(1, 4)]
    plan = solve_checked(problem([tech(max_orders_per_shift=2)], orders))
    assert len(plan.routes[0].stops) == 2
    assert list(reasons(plan).values()) == ["capacity_exhausted"]


def test_max_work_per_shift_caps_the_route():
    """Two 1-hour jobs 100 s apart need > 2 h of work; a 2 h limit fits one."""
    orders = [order("W1", location=at(1)), order("W2", location=at(2))]
    plan = solve_checked(problem([tech(max_work_s_per_shift=2 * HOUR)], orders))
    assert len(plan.assigned_ids) == 1
    assert plan.routes[0].work_s <= 2 * HOUR


def test_max_travel_per_shift_caps_the_route():
    """Orders 6 km out and 6 km back (600 s each way) exceed a 15-min travel budget."""
    prob = problem([tech(end=at(0), max_travel_s_per_shift=900)], [order()])
    assert reasons(solve_checked(prob)) == {"W1": "unreachable_in_time"}
    prob = replace(prob, technicians=(tech(end=at(0), max_travel_s_per_shift=1200),))
    assert solve_checked(prob).routes[0].travel_s == 1200


def test_soft_sla_lateness_is_penalised_per_minute():
    """Earliest start 08:10 vs respond_by 08:00 + 2 min: 8 min late x 5 pts (P3) = 40 pts."""
    deadline = 8 * HOUR + 120
    prob = problem(
        [tech()],
        [order(respond_by_s=deadline, priority=Priority.P3)],
        weights=Weights(workload_balance_per_hour=0),
    )
    plan = solve_checked(prob)
    stop = plan.routes[0].stops[0]
    assert stop.sla_status is SlaStatus.RED
    # travel 600 s = 10 pts at 60/h, lateness (8*3600+600 - deadline)/60 = 8 min * 5 = 40
    assert plan.stats.objective == pytest.approx(10 + 40)
    assert plan.kpis["objective"] == pytest.approx(50)


def test_hard_sla_unmeetable_is_unreachable():
    """A hard respond_by before the technician can possibly arrive: unreachable_in_time."""
    prob = problem([tech()], [order(respond_by_s=8 * HOUR + 120, is_sla_hard=True)])
    assert reasons(solve_checked(prob)) == {"W1": "unreachable_in_time"}


def test_sla_status_yellow_inside_threshold():
    """Arrival 08:10 with respond_by 08:20 and a 30-min threshold: yellow."""
    prob = problem([tech()], [order(respond_by_s=8 * HOUR + 1200)])
    assert solve_checked(prob).routes[0].stops[0].sla_status is SlaStatus.YELLOW


def test_p1_wins_the_last_slot_over_p4():
    """One slot, a P4 next door and a P1 farther away: the P1 is served."""
    orders = [
        order("P4-near", location=at(1), priority=Priority.P4),
        order("P1-far", location=at(20), priority=Priority.P1),
    ]
    plan = solve_checked(problem([tech(max_orders_per_shift=1)], orders))
    assert plan.assigned_ids == {"P1-far"}


def test_vip_wins_the_last_slot_over_standard():
    """Same priority, one slot: the VIP customer is served."""
    orders = [order("STD", location=at(1)), order("VIP", location=at(20), tier=Tier.VIP)]
    plan = solve_checked(problem([tech(max_orders_per_shift=1)], orders))
    assert plan.assigned_ids == {"VIP"}


def test_preferred_technician_gets_the_order():
    """Two equal technicians; the preferred one (farther by 1 km) gets it."""
    techs = [tech("T1", start=at(6)), tech("T2", start=at(7))]
    plan = solve_checked(problem(techs, [order(preferred_technician_ids=("T2",))]))
    assert technician_of(plan, "W1") == "T2"


def test_preference_yields_when_it_costs_too_much():
    """Preferred technician 100 km away: the 30-point penalty is cheaper than 3 h driving."""
    techs = [tech("T1", start=at(6)), tech("T2", start=at(106))]
    plan = solve_checked(problem(techs, [order(preferred_technician_ids=("T2",))]))
    assert technician_of(plan, "W1") == "T1"


def test_workload_balance_spreads_orders():
    """Two technicians at the same depot, four equal orders: two each."""
    orders = [order(f"W{i}", location=at(1, i)) for i in range(4)]
    plan = solve_checked(problem([tech("T1"), tech("T2")], orders))
    assert sorted(len(r.stops) for r in plan.routes) == [2, 2]


def test_without_balance_weight_one_technician_may_take_all():
    """With the balance weight at 0, nothing forces a split (objective is travel only)."""
    orders = [order(f"W{i}", location=at(1, i)) for i in range(4)]
    prob = problem([tech("T1"), tech("T2")], orders, weights=Weights(workload_balance_per_hour=0))
    plan = solve_checked(prob)
    assert plan.kpis["objective"] == pytest.approx(plan.stats.objective, abs=1e-3)


def test_speed_factor_shortens_travel():
    """A technician driving twice as fast takes 300 s for the 6 km leg."""
    plan = solve_checked(problem([tech(speed_factor=2.0)], [order()]))
    assert plan.routes[0].stops[0].travel_s == 300


def test_end_location_adds_the_leg_home():
    """With an end location the route drives back: 600 s out, 600 s home."""
    plan = solve_checked(problem([tech(end=at(0))], [order()]))
    assert plan.routes[0].end_travel_s == 600
    assert plan.routes[0].travel_s == 1200


def test_second_shift_serves_next_day_window():
    """Two daily shifts; an order with a next-day window lands in shift 1."""
    shifts = (Shift(8 * HOUR, 17 * HOUR), Shift(32 * HOUR, 41 * HOUR))
    plan = solve_checked(problem([tech(shifts=shifts)], [order(windows=(window(33, 35),))]))
    assert plan.routes[0].shift_index == 1


def test_warm_start_from_previous_plan_is_valid():
    """Solving again from a previous plan returns a valid plan at least as good."""
    orders = [order(f"W{i}", location=at(i, i % 3)) for i in range(8)]
    prob = problem([tech("T1"), tech("T2")], orders)
    first = solve_checked(prob, solution_limit=5)
    second = solve(prob, params=SolveParams(time_limit_s=5, solution_limit=50), initial_plan=first)
    assert second.stats.objective <= first.stats.objective + 1e-9


def test_subset_solves_one_team():
    """Problem.subset keeps only the named technicians and orders."""
    orders = [order(f"W{i}", location=at(i)) for i in range(4)]
    prob = problem([tech("T1"), tech("T2")], orders)
    part = prob.subset(work_order_ids={"W1", "W2"}, technician_ids={"T2"})
    plan = solve_checked(part)
    assert {r.technician_id for r in plan.routes} == {"T2"}
    assert plan.assigned_ids == {"W1", "W2"}


def test_subset_drops_references_to_other_teams():
    """Orders pinned to a technician left out go too; preferences for them are dropped."""
    orders = [
        order("W1", pinned_technician_id="T1"),
        order("W2", preferred_technician_ids=("T1", "T2"), excluded_technician_ids=("T1",)),
    ]
    part = problem([tech("T1"), tech("T2")], orders).subset(technician_ids={"T2"})
    assert [o.id for o in part.work_orders] == ["W2"]
    assert part.work_orders[0].preferred_technician_ids == ("T2",)
    assert part.work_orders[0].excluded_technician_ids == ()
    assert solve_checked(part).assigned_ids == {"W2"}


def test_no_technicians_leaves_everything_unassigned():
    """An empty fleet is not an error: every order is unassigned with a reason."""
    plan = solve_checked(problem([], [order()]))
    assert reasons(plan) == {"W1": "no_qualified_technician"}
    assert plan.kpis["assigned_pct"] == 0.0


def test_same_seed_and_solution_limit_give_the_same_plan():
    """Determinism: fixed seed + solution limit (no clock) reproduce the plan exactly."""
    orders = [order(f"W{i}", location=at(i % 5, i // 5), service_s=1800) for i in range(15)]
    prob = problem([tech("T1"), tech("T2"), tech("T3")], orders)
    params = {"time_limit_s": 60, "solution_limit": 300, "seed": 7}
    first, second = solve_checked(prob, **params), solve_checked(prob, **params)
    assert first.routes == second.routes
    assert first.stats.objective == second.stats.objective


def test_dispatched_order_stays_with_its_technician():
    """Already dispatched to T2, 1 km farther: moving it would cost 100 points, so it stays."""
    techs = [tech("T1", start=at(6)), tech("T2", start=at(7))]
    plan = solve_checked(problem(techs, [order(dispatched_technician_id="T2")]))
    assert technician_of(plan, "W1") == "T2"
    assert plan.kpis["objective"] == pytest.approx(plan.stats.objective, abs=1e-3)


def test_dispatched_order_moves_when_staying_costs_more():
    """With reassignment at 1 point, the 100 s detour (1.7 points) is worth a move to T1."""
    techs = [tech("T1", start=at(6)), tech("T2", start=at(7))]
    prob = problem(
        techs,
        [order(dispatched_technician_id="T2")],
        weights=Weights(reassignment=1.0, workload_balance_per_hour=0),
    )
    plan = solve_checked(prob)
    assert technician_of(plan, "W1") == "T1"
    assert plan_cost(prob, plan)["reassignment"] == pytest.approx(1.0)


def _vrptw_shaped():
    """Three technicians, twelve orders with one window each, no breaks, travel-only objective."""
    orders = [
        order(f"W{i}", location=at(i % 4, i // 4), service_s=1800, windows=(window(8, 16),))
        for i in range(12)
    ]
    techs = [tech(f"T{i}", end=at(0), van_stock={"load": 5}) for i in range(3)]
    orders = [replace(o, parts={"load": 1}) for o in orders]
    return problem(techs, orders, weights=Weights(workload_balance_per_hour=0))


def test_pyvrp_stage_runs_on_vrptw_shaped_problems():
    """A classic VRPTW shape goes through PyVRP, then OR-Tools; the plan is valid."""
    plan = solve_checked(_vrptw_shaped(), time_limit_s=2, engine="pyvrp")
    assert plan.stats.engine == "pyvrp+ortools"
    assert len(plan.assigned_ids) == 12
    assert all(len(r.stops) <= 5 for r in plan.routes)  # van stock of 5 "load" units


def test_pyvrp_stage_serves_what_it_can_when_the_fleet_is_short():
    """One van for twelve orders (room for 5): PyVRP gives up on serving all, then serves 5."""
    prob = _vrptw_shaped()
    prob = replace(prob, technicians=prob.technicians[:1])
    plan = solve_checked(prob, time_limit_s=2, solution_limit=None, engine="pyvrp")
    assert plan.stats.engine == "pyvrp+ortools"
    assert len(plan.assigned_ids) == 5
    assert plan.stats.wall_s <= 2 * 1.05 + 1


def test_pyvrp_engine_refuses_field_service_features():
    """Asking for the PyVRP stage on a problem with breaks is an input error naming the feature."""
    shift = Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(11.5, 14)),))
    prob = problem([tech(shifts=(shift,))], [order()])
    with pytest.raises(InputError) as err:
        solve(prob, params=SolveParams(time_limit_s=1, engine="pyvrp"))
    assert err.value.field == "params.engine"
    assert err.value.message == "The pyvrp engine cannot model this problem: breaks."


def test_auto_engine_searches_field_service_problems_with_the_lns():
    """Default weights (workload balance) are field service: rules-engine start, then the LNS."""
    plan = solve_checked(problem([tech("T1"), tech("T2")], [order()]))
    assert plan.stats.engine == "greedy+lns"
    assert plan.stats.audit_findings == 0


def test_pyvrp_stage_is_deterministic_with_a_solution_limit():
    """Same seed and solution limit through the PyVRP stage: the same routes."""
    prob = _vrptw_shaped()
    params = {"time_limit_s": 30, "solution_limit": 20, "seed": 5, "engine": "pyvrp"}
    assert solve_checked(prob, **params).routes == solve_checked(prob, **params).routes


def test_bug_lunch_taken_while_waiting_for_a_late_window():
    """Lunch fits in the wait before a 15:00 window: the order is served, not unreachable."""
    shift = Shift(8 * HOUR, 16 * HOUR + 1800, (Break(1800, window(11.5, 14)),))
    prob = problem(
        [tech(shifts=(shift,))],
        [order(location=at(15), service_s=2700, windows=(window(15, 16),))],
    )
    plan = solve_checked(prob)
    assert plan.assigned_ids == {"W1"}
    assert len(plan.routes[0].breaks) == 1


def test_bug_no_first_solution_falls_back_to_the_greedy_plan():
    """OR-Tools with a limit too short for any solution: no_solution_found, and the greedy plan."""
    shift = Shift(8 * HOUR, 17 * HOUR, (Break(1800, window(11.5, 14)),))
    orders = [order(f"W{i}", location=at(i % 12, i // 12), service_s=600) for i in range(140)]
    techs = [tech(f"T{i}", shifts=(shift,)) for i in range(10)]
    plan = solve_checked(
        problem(techs, orders),
        time_limit_s=0.001,
        first_solution="PARALLEL_CHEAPEST_INSERTION",
        engine="ortools",
    )
    assert plan.stats.status == "no_solution_found"
    assert plan.stats.engine == "greedy"
    assert len(plan.assigned_ids) > 0
