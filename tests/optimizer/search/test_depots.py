"""Depot visits in the search: the loading rule, insertion with a visit, shared stock.

Planar travel at 10 m/s (``tests.factories``): 1 km is 100 s of driving.
"""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from optimizer import (
    InputError,
    SolveParams,
    Weights,
    analyse_score,
    apply_fix,
    check_plan,
    explain_plan,
    recommend,
    solve,
)
from optimizer.domain import Depot, Priority, TimeWindow
from optimizer.plan import FixKind, Plan, SolveStats, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.replan import reoptimize
from optimizer.replan.events import read_events
from optimizer.replan.residual import fixed_parts, residual_problem
from optimizer.search.depots import DepotSupply, stock_shares
from optimizer.search.lns.audit import audit_plan
from optimizer.search.lns.search import Neighbourhood, recreate
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.prepare import prepare
from optimizer.search.retime import retime_plan
from optimizer.search.rules.greedy import greedy_plan
from optimizer.search.timing import timing_of
from tests.factories import HOUR, at, order, problem, solve_checked, tech, window

DEPOT = Depot("D-1", at(5, 5), stop_s=600, stock={"pump": 2}, tools=("ladder",))


def _pump_day(depots: tuple[Depot, ...] = (DEPOT,), **kw: object) -> Problem:
    """Two technicians with empty vans; 3 of 6 orders need a pump, one a ladder."""
    techs = [tech("T1", end=at(0)), tech("T2", start=at(10), end=at(10))]
    orders = [
        order(
            f"W{i}",
            location=at(2 * i, 3 * (i % 2)),
            service_s=1800,
            parts={"pump": 1} if i in (0, 2, 4) else {},
            required_tools=("ladder",) if i == 3 else (),
        )
        for i in range(6)
    ]
    return problem(techs, orders, depots=depots, **kw)  # type: ignore[arg-type]


def _depot_ids(plan: Plan) -> list[str]:
    return [d.depot_id for r in plan.routes for d in r.depot_stops]


def test_solve_fetches_parts_at_the_depot() -> None:
    """Two pumps at D-1 for three pump orders: two served through a visit, one left out."""
    prob = _pump_day()
    plan = solve_checked(prob, seed=1)
    loaded = sum(d.loaded_parts.get("pump", 0) for r in plan.routes for d in r.depot_stops)
    assert loaded == 2
    assert len(plan.unassigned) == 1
    assert plan.unassigned[0].work_order_id in {"W0", "W2", "W4"}
    assert "W3" in plan.assigned_ids  # its ladder comes from the depot too
    assert plan.stats.audit_findings == 0


def test_unlimited_stock_serves_every_order() -> None:
    """With unlimited pumps every order is served, and depot stops carry what they loaded."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    plan = solve_checked(prob, seed=1)
    assert plan.unassigned == ()
    loaded = sum(d.loaded_parts.get("pump", 0) for r in plan.routes for d in r.depot_stops)
    assert loaded == 3
    assert plan.kpis["depot_stops"] == len(_depot_ids(plan)) >= 1


def test_without_depot_the_orders_are_missing_parts() -> None:
    """Without the depot, pump and ladder orders have no supply: missing_parts / missing_tools."""
    plan = solve_checked(_pump_day(()), seed=1)
    reasons = {u.work_order_id: u.reason.value for u in plan.unassigned}
    assert reasons == {
        "W0": "missing_parts",
        "W2": "missing_parts",
        "W4": "missing_parts",
        "W3": "missing_tools",
    }


def test_van_stock_and_carried_tools_need_no_visit() -> None:
    """A van with three pumps and a ladder serves everything without a depot stop."""
    prob = _pump_day()
    techs = tuple(
        dataclasses.replace(t, van_stock={"pump": 3}, tools=("ladder",)) for t in prob.technicians
    )
    plan = solve_checked(dataclasses.replace(prob, technicians=techs), seed=1)
    assert plan.unassigned == ()
    assert _depot_ids(plan) == []


def test_visit_respects_opening_hours() -> None:
    """A depot open 12:00-13:00 only: every visit lies inside, loading 10 min."""
    noon = dataclasses.replace(DEPOT, opening=(TimeWindow(12 * HOUR, 13 * HOUR),))
    plan = solve_checked(_pump_day((noon,)), seed=1)
    stops = [d for r in plan.routes for d in r.depot_stops]
    assert stops
    assert all(d.start_s >= 12 * HOUR and d.end_s <= 13 * HOUR for d in stops)
    assert all(d.end_s - d.start_s == 600 for d in stops)


def test_rules_engine_appends_a_visit() -> None:
    """The rules engine appends "visit + order" when the van lacks the part; the plan is valid."""
    prob = _pump_day()
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert _depot_ids(plan)
    assert len(plan.unassigned) == 1  # the third pump order: D-1 holds two


def test_loading_rule_loads_until_the_next_visit() -> None:
    """A visit loads what the orders until the next visit stocking the part need, less the van."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    inputs = prepare(prob).inputs
    assert inputs is not None
    supply = DepotSupply.build(inputs)
    assert supply is not None
    index = inputs.index
    node = {oid: n for n, oid in enumerate(index.order_ids)}
    d = index.depot_nodes[0]
    route = [d, node["W0"], node["W1"], node["W2"], d, node["W4"]]
    loads = supply.loads(0, route)
    assert loads is not None
    assert [(pos, parts) for pos, _, parts, _ in loads] == [(0, {"pump": 2}), (4, {"pump": 1})]
    assert supply.loads(0, [node["W0"], d]) is None  # the pump comes too late


def test_removing_the_order_drops_its_visit() -> None:
    """Taking out the only order a visit serves takes the visit out too (no longer needed)."""
    prob = _pump_day()
    inputs = prepare(prob).inputs
    assert inputs is not None
    lanes, rules = timing_of(inputs)
    sol = Solution(CostModel.build(inputs, lanes, rules), [[] for _ in inputs.index.vehicles])
    node = inputs.index.order_ids.index("W0")
    places = sol.insertion_places(0, node)
    assert places  # only with a visit: the van is empty
    _, pos = places[0]
    assert sol.insert(0, node, pos)
    assert len(sol.routes[0].nodes) == 2 and sol.routes[0].n_visits == 1
    assert sol.depot_used[0] == {"pump": 1}
    sol.remove([node])
    assert sol.routes[0].nodes == []
    assert sol.depot_used[0] == {"pump": 0}


def test_unused_depot_changes_nothing() -> None:
    """A problem whose orders need nothing plans the same with or without a depot (fixed budget)."""
    prob = _pump_day()
    plain = tuple(dataclasses.replace(o, parts={}, required_tools=()) for o in prob.work_orders)
    base = dataclasses.replace(prob, work_orders=plain, depots=())
    with_depot = dataclasses.replace(base, depots=(DEPOT,))
    a = solve_checked(base, seed=2)
    b = solve_checked(with_depot, seed=2)
    assert a.routes == b.routes
    assert a.stats.objective == b.stats.objective


def test_same_seed_same_plan_with_depots() -> None:
    """Determinism: the same seed and iteration limit give the same plan."""
    prob = _pump_day()
    a = solve_checked(prob, seed=4)
    b = solve_checked(prob, seed=4)
    assert a.routes == b.routes


def test_ortools_engine_refuses_depots() -> None:
    """engine='ortools' cannot model depot visits: an InputError naming params.engine."""
    with pytest.raises(InputError) as err:
        solve(_pump_day(), params=SolveParams(engine="ortools", time_limit_s=1))
    assert err.value.field == "params.engine"


def test_stock_shares_never_over_draw() -> None:
    """Parts solved at once split a finite stock by demand and keep what they already loaded."""
    prob = _pump_day((dataclasses.replace(DEPOT, stock={"pump": 3}),))
    first = (frozenset({"W0", "W2"}), frozenset({"T1"}))
    second = (frozenset({"W4", "W1"}), frozenset({"T2"}))
    shares = stock_shares(prob, [first, second], ())
    # demand 2 and 1 of the 3 pumps: 3 * 2 // 3 = 2 and 3 * 1 // 3 = 1
    assert [s[0].stock["pump"] for s in shares] == [2, 1]
    plan = solve_checked(prob, seed=1)
    shares = stock_shares(prob, [first, second], plan.routes)
    mine = [
        sum(
            d.loaded_parts.get("pump", 0)
            for r in plan.routes
            if r.technician_id == tid
            for d in r.depot_stops
        )
        for tid in ("T1", "T2")
    ]
    got = [s[0].stock["pump"] for s in shares]
    assert all(g >= m for g, m in zip(got, mine, strict=True))  # each keeps its own loads
    assert sum(g or 0 for g in got) <= 3


def test_depot_fix_explains_an_order_left_out() -> None:
    """A cheap order needing a pump kept 30 km away is left out; the fix fetches it at D-1."""
    far = Depot("D-1", at(0, 30), stop_s=600, stock={"pump": 5})
    weights = Weights(unassigned_by_priority={1: 100000, 2: 30000, 3: 10000, 4: 50})
    prob = problem(
        [tech("T1", end=at(0))],
        [order("W1", parts={"pump": 1}, priority=Priority.P4)],
        depots=(far,),
        weights=weights,
    )
    plan = solve_checked(prob, seed=1)
    assert [u.work_order_id for u in plan.unassigned] == ["W1"]
    explained = explain_plan(prob, plan, time_limit_s=30)
    fixes = explained.unassigned[0].fixes or ()
    depot = [f for f in fixes if f.kind is FixKind.DEPOT]
    assert depot and depot[0].verified
    fix = depot[0]
    assert fix.change.depot_id == "D-1" and fix.change.parts == {"pump": 1}
    # 6000 s of extra driving (30 km there and back) + 600 s loading + 1 h service
    assert fix.change.minutes is not None and fix.change.minutes >= 100
    assert fix.detail.startswith("Fetch 1 pump at depot D-1 on the way (+")
    assert fix.cost_delta is not None and fix.cost_delta > 0  # dearer than its penalty
    fixed = apply_fix(prob, "W1", fix)
    assert fixed is prob


def test_replan_keeps_loaded_parts_after_a_visit() -> None:
    """Re-planning after a depot visit: the visit stays, the van carries what it loaded."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    plan = solve_checked(prob, seed=1)
    route = next(r for r in plan.routes if r.depot_stops)
    visit = route.depot_stops[0]
    now = visit.end_s + 1  # just after loading, before the order it loaded for
    replan = reoptimize(prob, plan, now, params=SolveParams(time_limit_s=3, solution_limit=50))
    assert check_plan(replan.problem, replan.plan) == []
    merged = next(
        r
        for r in replan.plan.routes
        if (r.technician_id, r.shift_index) == (route.technician_id, route.shift_index)
    )
    assert visit in merged.depot_stops  # the past visit is kept as it was
    assert replan.plan.unassigned == ()
    loaded = sum(d.loaded_parts.get("pump", 0) for r in replan.plan.routes for d in r.depot_stops)
    assert loaded == 3  # no part fetched twice


def test_residual_van_counts_the_loads() -> None:
    """The residual technician leaves from the depot (or the stop it drives to), loads on board."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    plan = solve_checked(prob, seed=1)
    route = next(r for r in plan.routes if r.depot_stops)
    visit = route.depot_stops[0]
    state = read_events(prob, plan, visit.end_s + 1, ())
    fixed = fixed_parts(prob, plan, visit.end_s + 1, state)
    residual, _ = residual_problem(prob, fixed, visit.end_s + 1, state)
    tech = residual.technician(route.technician_id)
    part = fixed[(route.technician_id, route.shift_index)]
    after = [s for s in part.stops if s.end_s > visit.end_s]  # the stop it is driving to
    where = prob.work_order(after[-1].work_order_id).location if after else DEPOT.location
    assert tech.start == where
    used = sum(prob.work_order(s.work_order_id).parts.get("pump", 0) for s in part.stops)
    assert tech.van_stock.get("pump", 0) == visit.loaded_parts.get("pump", 0) - used
    assert set(visit.loaded_tools) <= set(tech.tools)


def test_score_analysis_names_depot_stops_and_adds_up() -> None:
    """Score analysis: a route's driving names its depot stops; entries add up to the objective."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    plan = solve_checked(prob, seed=1)
    analysis = analyse_score(prob, plan)
    total = sum(e.points for e in analysis.entries)
    assert round(total, 3) == plan.kpis["objective"]
    assert any("depot stop" in e.sentence for e in analysis.entries)


def test_booking_an_order_needing_a_depot_part() -> None:
    """Booking a new pump order: the slots fetch the pump at D-1 first; each plan is valid."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    plan = solve_checked(prob, seed=1)
    new = order("W-new", location=at(4, 4), service_s=1800, parts={"pump": 1})
    booking = recommend(prob, plan, new, top_k=3, time_limit_s=1.0)
    assert booking.recommendations
    for rec in booking.recommendations:
        assert check_plan(booking.problem, rec.plan) == []
        route = next(
            r
            for r in rec.plan.routes
            if (r.technician_id, r.shift_index) == (rec.technician_id, rec.shift_index)
        )
        pumps = sum(d.loaded_parts.get("pump", 0) for d in route.depot_stops)
        used = sum(
            prob.work_order(s.work_order_id).parts.get("pump", 0)
            for s in route.stops
            if s.work_order_id != "W-new"
        )
        assert pumps == used + 1  # the new order's pump is loaded too


def test_audit_finds_an_order_a_depot_visit_would_serve() -> None:
    """A plan leaving out a pump order that a visit to D-1 serves cheaply: the audit says so."""
    prob = problem([tech("T1", end=at(0))], [order("W1", parts={"pump": 1})], depots=(DEPOT,))
    empty = Plan(
        (),
        (Unassigned("W1", UnassignedReason.CAPACITY_EXHAUSTED),),
        SolveStats("evaluated", 0.0, None, 0.0),
    )
    assert check_plan(prob, empty) == []
    findings = audit_plan(prob, empty)
    assert [(f.work_order_id, f.technician_id, f.via_depot) for f in findings] == [
        ("W1", "T1", "D-1")
    ]
    assert findings[0].gain_points > 0
    assert solve_checked(prob, seed=1).stats.audit_findings == 0


def test_improve_visits_moves_a_visit_to_its_best_place() -> None:
    """A visit put first, 10 km out, moves to just before the pump order: 36 km become 20 km."""
    far = Depot("D-1", at(10), stop_s=600, stock={"pump": 1})
    prob = problem(
        [tech("T1", end=at(0))],
        [order("A", location=at(9), parts={"pump": 1}), order("B", location=at(1))],
        depots=(far,),
    )
    inputs = prepare(prob).inputs
    assert inputs is not None
    lanes, rules = timing_of(inputs)
    node = {oid: n for n, oid in enumerate(inputs.index.order_ids)}
    d = inputs.index.depot_nodes[0]
    sol = Solution(CostModel.build(inputs, lanes, rules), [[d, node["B"], node["A"]]])
    assert sol.routes[0].travel_s == 3600  # 10 + 9 + 8 + 9 km at 10 m/s
    assert sol.improve_visits(0)
    assert sol.routes[0].nodes == [node["B"], d, node["A"]]
    assert sol.routes[0].travel_s == 2000  # 1 + 9 + 1 + 9 km


def test_retime_keeps_depot_stops_and_their_loads() -> None:
    """Re-timing a solved plan with depot stops gives the same routes (the solver's timing)."""
    prob = _pump_day((dataclasses.replace(DEPOT, is_stock_unlimited=True),))
    plan = solve_checked(prob, seed=1)
    again = retime_plan(prob, plan)
    assert check_plan(prob, again) == []
    assert again.routes == plan.routes
    ghost = dataclasses.replace(plan.routes[0].depot_stops[0], depot_id="D-9")
    bad = dataclasses.replace(
        plan, routes=(dataclasses.replace(plan.routes[0], depot_stops=(ghost,)),)
    )
    with pytest.raises(InputError) as err:
        retime_plan(prob, bad)
    assert err.value.field.startswith("routes[0].stops[")
    assert err.value.field.endswith("].depot_id")


@pytest.mark.parametrize("seed", range(6))
def test_fast_plain_insertion_check_equals_the_loading_rule(seed: int) -> None:
    """plain_insertion + stock says what the loading rule of the new route says, everywhere."""
    rng = random.Random(seed)
    parts = ["pump", "valve", "seal"]
    depots = (
        Depot("D-1", at(5, 5), stock={"pump": 3, "valve": None}, tools=("ladder",)),
        Depot("D-2", at(1, 8), stock={"seal": 2, "pump": 1}, tools=("drill",)),
    )
    orders = [
        order(
            f"W{i}",
            location=at(rng.uniform(0, 10), rng.uniform(0, 10)),
            service_s=600,
            parts={p: rng.randint(1, 2) for p in rng.sample(parts, rng.randint(0, 2))},
            required_tools=tuple(rng.sample(["ladder", "drill"], rng.randint(0, 1))),
        )
        for i in range(9)
    ]
    techs = [
        tech("T1", end=at(0), van_stock={"pump": 1, "seal": 1}, tools=("ladder",)),
        tech("T2", start=at(9), end=at(9), van_stock={"valve": 2}),
    ]
    prob = problem(techs, orders, depots=depots)
    inputs = prepare(prob).inputs
    assert inputs is not None
    lanes, rules = timing_of(inputs)
    sol = Solution(CostModel.build(inputs, lanes, rules), [[] for _ in inputs.index.vehicles])
    supply = sol.model.depots
    assert supply is not None
    recreate_all = sorted(sol.unassigned)
    hood = Neighbourhood(inputs.index)
    recreate(sol, recreate_all, hood, rng)
    checked = 0
    for v in range(len(sol.routes)):
        info = supply.details(v, sol.routes[v].nodes)
        assert info is not None
        for node in range(len(inputs.index.order_of_node)):
            if sol.route_of[node] == v:
                continue
            nodes = sol.routes[v].nodes
            for pos in range(len(nodes) + 1):
                deltas = supply.plain_insertion(v, info, node, pos)
                fast = deltas is not None and sol._within_stock(deltas)
                slow = sol._supplied(v, [*nodes[:pos], node, *nodes[pos:]])
                assert fast == slow, (v, node, pos)
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("seed", range(4))
def test_priced_visit_insertions_equal_the_retimed_route(seed: int) -> None:
    """The incremental price of "visit + order" equals the whole route timed again."""
    rng = random.Random(seed)
    depots = (Depot("D-1", at(5, 5), stock={"pump": 4}, tools=("ladder",), stop_s=900),)
    orders = [
        order(
            f"W{i}",
            location=at(rng.uniform(0, 10), rng.uniform(0, 10)),
            service_s=rng.choice([900, 1800, 3600]),
            windows=(window(rng.choice([8, 10, 13]), rng.choice([14, 16, 17])),),
            parts={"pump": 1} if rng.random() < 0.4 else {},
            required_tools=("ladder",) if rng.random() < 0.3 else (),
        )
        for i in range(10)
    ]
    techs = [tech("T1", end=at(0)), tech("T2", start=at(9), end=at(9))]
    prob = problem(techs, orders, depots=depots)
    inputs = prepare(prob).inputs
    assert inputs is not None
    lanes, rules = timing_of(inputs)
    sol = Solution(CostModel.build(inputs, lanes, rules), [[] for _ in inputs.index.vehicles])
    recreate(sol, sorted(sol.unassigned), Neighbourhood(inputs.index), rng)
    sol.remove(rng.sample(range(len(inputs.index.order_of_node)), 4))
    compared = 0
    for node in sorted(sol.unassigned):
        for v in range(len(sol.routes)):
            for added, pos in sol.insertion_places(v, node):
                cost = sol.timed_insertion_cost(v, node, pos, added, math.inf)
                timed = sol._time(v, sol.placed(v, node, pos))
                if timed is None:
                    assert cost == math.inf
                else:
                    assert cost == pytest.approx(timed.cost - sol.routes[v].cost, abs=1e-6)
                compared += 1
    assert compared > 0
