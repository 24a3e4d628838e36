"""The working day as it is (issue 24): overtime, and old problems keep their plans.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from optimizer import (
    FixKind,
    InputError,
    Plan,
    Problem,
    SetOvertime,
    Shift,
    SolveParams,
    Weights,
    apply_edits,
    apply_fix,
    check_plan,
    find_fixes,
    plan_cost,
    solve,
)
from optimizer.document import load_problem, plan_to_document, problem_to_document
from optimizer.search.pyvrp.stage import field_service_reason
from scenarios import get_scenario
from tests.factories import HOUR, at, order, problem, solve_checked, tech, window


def _fingerprint(plan: Plan) -> str:
    rows: list[object] = [
        [
            r.technician_id,
            r.shift_index,
            r.start_s,
            r.end_s,
            [[s.work_order_id, s.arrival_s, s.start_s, s.end_s] for s in r.stops],
            [[b.start_s, b.end_s] for b in r.breaks],
        ]
        for r in plan.routes
    ]
    rows.append(sorted(u.work_order_id for u in plan.unassigned))
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


#: Plans of bundled scenarios at seed 3 and 30 improving solutions, computed on main a371c55
#: before any issue-24 field existed (same script, same fingerprint).
BEFORE = {
    "lyon-small": "f6449d5118b338d2",
    "metro-small": "baacb50e3e5ceb96",
    "vip-windows": "cf7c44b689f605fa",
    "overloaded": "b1efd602591861e9",
    "skills-scarce": "731d32daf5927bc7",
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_a_problem_without_the_new_fields_keeps_its_plan(name: str) -> None:
    """Same seed and iteration budget: the same routes, times and unserved orders as before."""
    prob = load_problem(get_scenario(name).load())
    plan = solve_checked(prob, time_limit_s=60, seed=3, solution_limit=30)
    assert _fingerprint(plan) == BEFORE[name]


# --- overtime -------------------------------------------------------------------------


def _late_order_problem(max_overtime_s: int = 0, price: float | None = None) -> Problem:
    """16:00-16:30 window, 1 h of service 6 km out, home 10 min: the route ends 17:10."""
    shift = Shift(8 * HOUR, 17 * HOUR, max_overtime_s=max_overtime_s, overtime_per_minute=price)
    return problem([tech(end=at(0), shifts=(shift,))], [order("W1", windows=(window(16, 16.5),))])


def test_without_overtime_the_order_past_the_shift_end_is_unserved() -> None:
    """The shift ends 17:00 and the route would end 17:10: no overtime, no service."""
    plan = solve_checked(_late_order_problem())
    assert [u.work_order_id for u in plan.unassigned] == ["W1"]


def test_allowed_overtime_serves_it_and_prices_each_minute() -> None:
    """15 min of overtime allowed: served, 10 min over, 10 x 2 (default) = 20 points."""
    prob = _late_order_problem(max_overtime_s=900)
    plan = solve_checked(prob)
    route = plan.routes[0]
    assert route.end_s == 17 * HOUR + 600
    assert plan.kpis["overtime_s_total"] == 600
    assert plan_cost(prob, plan)["overtime"] == pytest.approx(20.0)
    doc = plan_to_document(prob, plan)["routes"][0]
    assert (doc["overtime_s"], doc["shift_end"][11:16]) == (600, "17:00")


def test_a_shift_price_replaces_the_default_price() -> None:
    """A shift's own 3 points a minute: 10 min over costs 30 points."""
    prob = _late_order_problem(900, 3.0)
    plan = solve_checked(prob)
    assert plan_cost(prob, plan)["overtime"] == pytest.approx(30.0)
    weights = Weights(overtime_per_minute=7.0)
    default_priced = replace(_late_order_problem(900), weights=weights)
    assert plan_cost(default_priced, solve_checked(default_priced))["overtime"] == pytest.approx(70)


def test_overtime_is_used_only_when_it_pays() -> None:
    """Two orders fit without overtime in one order; the search does not end late for nothing."""
    orders = [order("W1", windows=(window(9, 16),)), order("W2", location=at(12))]
    shift = Shift(8 * HOUR, 11 * HOUR, max_overtime_s=HOUR)
    prob = problem([tech(end=at(0), shifts=(shift,))], orders)
    plan = solve_checked(prob)
    assert not plan.unassigned
    assert plan.kpis["overtime_s_total"] == 0


def test_or_tools_models_overtime() -> None:
    """The OR-Tools engine serves the late order with overtime too, and the plan is valid."""
    plan = solve_checked(_late_order_problem(max_overtime_s=900), engine="ortools")
    assert plan.routes and plan.routes[0].end_s == 17 * HOUR + 600


def test_exact_pyvrp_refuses_overtime() -> None:
    """Overtime is field service: exact PyVRP says so."""
    prob = _late_order_problem(max_overtime_s=900)
    assert field_service_reason(prob, Weights()) == "overtime"


def test_overtime_round_trips_through_the_document() -> None:
    """max_overtime_min and overtime_per_minute are written and read back."""
    prob = _late_order_problem(900, 3.0)
    doc = problem_to_document(prob)
    assert doc["technicians"][0]["shifts"][0]["max_overtime_min"] == 15
    again = load_problem(doc).technicians[0].shifts[0]
    assert (again.max_overtime_s, again.overtime_per_minute) == (900, 3.0)


def test_set_overtime_edit_allows_it_in_every_shift() -> None:
    """The what-if op set_overtime writes the overtime into the named technician's shifts."""
    doc = problem_to_document(_late_order_problem())
    edited, warnings = apply_edits(doc, [SetOvertime("T1", 15, None, 2.5)])
    assert warnings == []
    shift = load_problem(edited).technicians[0].shifts[0]
    assert (shift.max_overtime_s, shift.overtime_per_minute) == (900, 2.5)
    plan = solve(load_problem(edited), params=SolveParams(time_limit_s=2, solution_limit=50))
    assert plan.kpis["overtime_s_total"] == 600


# --- territories ----------------------------------------------------------------------


def _territory_problem(hard: bool) -> Problem:
    """T1 (north) is 6 km from W1 (south): 10 points of driving; T2 (south) 30 km: 50 points."""
    techs = [
        tech("T1", territories=("north",), is_territory_hard=hard),
        tech("T2", start=at(36), territories=("south",)),
    ]
    return problem(techs, [order("W1", territory="south")])


def test_a_preferred_territory_costs_per_order_outside() -> None:
    """T1: 10 + 20 points outside its territory, below T2's 50 points of driving."""
    prob = _territory_problem(hard=False)
    plan = solve_checked(prob)
    assert plan.routes[0].technician_id == "T1"
    assert plan_cost(prob, plan)["territory"] == pytest.approx(20.0)


def test_a_dearer_territory_sends_the_order_home() -> None:
    """At 200 points an order outside, T1 would cost 210 and T2 50: T2 serves it."""
    prob = replace(_territory_problem(hard=False), weights=Weights(outside_territory=200))
    plan = solve_checked(prob)
    assert plan.routes[0].technician_id == "T2"
    assert plan_cost(prob, plan)["territory"] == 0


def test_a_hard_territory_forbids_the_order() -> None:
    """T1 bound to north may not serve W1 in south: T2 does, at no territory cost."""
    plan = solve_checked(_territory_problem(hard=True))
    assert plan.routes[0].technician_id == "T2"


def test_an_order_only_bound_technicians_could_serve_has_its_reason_and_fix() -> None:
    """Without T2, W1 is outside_territory; the fix adds south to T1's territories."""
    prob = _territory_problem(hard=True)
    prob = replace(prob, technicians=prob.technicians[:1])
    plan = solve_checked(prob)
    assert [(u.work_order_id, u.reason.value) for u in plan.unassigned] == [
        ("W1", "outside_territory")
    ]
    fixes = {f.fix.kind: f for f in find_fixes(prob, plan, "W1")}
    found = fixes[FixKind.TERRITORY]
    assert found.fix.verified and found.fix.change.territory == "south"
    changed = apply_fix(prob, "W1", found.fix)
    assert changed.technician("T1").territories == ("north", "south")
    assert check_plan(changed, found.plan) == []


def test_or_tools_keeps_hard_territories_and_prices_preferred_ones() -> None:
    """The OR-Tools engine: T2 for the hard case, T1 (20 points) for the preferred one."""
    hard = solve_checked(_territory_problem(hard=True), engine="ortools")
    assert hard.routes[0].technician_id == "T2"
    soft_problem = _territory_problem(hard=False)
    soft = solve_checked(soft_problem, engine="ortools")
    assert plan_cost(soft_problem, soft)["territory"] == pytest.approx(20.0)


def test_exact_pyvrp_refuses_territories() -> None:
    """Territories are field service: exact PyVRP says so."""
    weights = Weights(workload_balance_per_hour=0)
    assert field_service_reason(_territory_problem(hard=False), weights) == "territories"


def test_territories_round_trip_and_hard_needs_a_territory() -> None:
    """territories, territory_hard and territory are written and read back; hard needs one."""
    doc = problem_to_document(_territory_problem(hard=True))
    assert doc["technicians"][0]["territories"] == ["north"]
    again = load_problem(doc)
    assert again.technicians[0].is_territory_hard and again.work_orders[0].territory == "south"
    doc["technicians"][0]["territories"] = []
    with pytest.raises(InputError) as info:
        load_problem(doc)
    assert info.value.issues[0].field == "technicians[0].territory_hard"


# --- paid time --------------------------------------------------------------------------


def _waiting_problem(working_time_per_hour: float) -> Problem:
    """W1 (6 km, 08:10-10:00) then W2 (12 km, from 12:00): a long wait between them.

    Leaving at 08:00, W1 runs 08:10-09:10 and W2 is reached at 09:20, 160 min early.
    W1 may start up to 110 min later (by 10:00), so leaving at 09:50 absorbs 110 min of
    the wait: W1 10:00-11:00, W2 reached 11:10, 12:00-13:00; working time 5 h -> 3 h 10.
    """
    orders = [
        order("W1", windows=(window(8 + 10 / 60, 10),)),
        order("W2", location=at(12), windows=(window(12, 13),)),
    ]
    return problem([tech()], orders, weights=Weights(working_time_per_hour=working_time_per_hour))


def test_without_a_working_time_price_the_departure_is_as_before() -> None:
    """Weight 0: the route leaves at 08:00 and waits 160 min at W2."""
    plan = solve_checked(_waiting_problem(0))
    route = plan.routes[0]
    assert (route.start_s, route.end_s, route.wait_s) == (8 * HOUR, 13 * HOUR, 160 * 60)
    assert plan.kpis["working_s_total"] == 5 * HOUR


def test_a_working_time_price_moves_the_departure_to_absorb_the_wait() -> None:
    """Weight 60: the route leaves at 09:50, W1 starts on arrival at 10:00, 50 min wait left."""
    prob = _waiting_problem(60)
    plan = solve_checked(prob)
    route = plan.routes[0]
    assert route.start_s == 9 * HOUR + 50 * 60
    assert [(s.arrival_s, s.start_s) for s in route.stops] == [
        (10 * HOUR, 10 * HOUR),
        (11 * HOUR + 10 * 60, 12 * HOUR),
    ]
    assert plan.kpis["working_s_total"] == 3 * HOUR + 10 * 60
    # 3 h 10 min at 60 points/h = 190 points.
    assert plan_cost(prob, plan)["working_time"] == pytest.approx(190.0)


def test_or_tools_and_pyvrp_on_working_time() -> None:
    """OR-Tools prices it on the route span (valid plan); exact PyVRP refuses it."""
    prob = _waiting_problem(60)
    assert field_service_reason(prob, Weights(working_time_per_hour=60)) == (
        "working time in the objective"
    )
    plan = solve_checked(prob, engine="ortools")
    assert plan.kpis["working_s_total"] <= 5 * HOUR
