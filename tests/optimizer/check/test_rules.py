"""Tests of the independent plan validator, one satisfied/violated pair per rule.

The base problem lies on a line of four points, ``MatrixRef(0..3)``, 600 s
and 5000 m apart. T-1 (depot 0 and back) serves WO-1 then WO-2 with a lunch
break between them; WO-3 is unassigned. Worked timeline of the base plan::

    31800 depart depot 0
    32400 arrive WO-1 (600 s drive), serve to 36000      respond-by 33000: yellow
    36600 arrive WO-2 = 36000 + 600 drive; wait 10200
    43200-45000 break on site while waiting (window 43200-46800, 1800 s)
    46800 start WO-2 (window 46800-50400), serve to 48600  resolve-by 54000: green
    49800 home = 48600 + 1200 drive

Route travel 2400 s, distance 20000 m, work 49800 - 31800 - 1800 = 16200 s;
T-1's limits (2 orders, 16200 s work, 2400 s travel, 2 filters) are exactly met.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optimizer.check import Violation, ViolationCode, check_plan, is_valid
from optimizer.domain import (
    Break,
    Location,
    MatrixRef,
    Shift,
    Technician,
    TimeWindow,
    WorkOrder,
)
from optimizer.plan import (
    PlacedBreak,
    Plan,
    Route,
    SlaStatus,
    SolveStats,
    Stop,
    Unassigned,
    UnassignedReason,
)
from optimizer.problem import Problem
from optimizer.travel.base import TravelMatrices, TravelModel

C = ViolationCode
LUNCH = Break(1800, TimeWindow(43200, 46800))


class LineTravel(TravelModel):
    """Test double: ``MatrixRef(i)`` to ``MatrixRef(j)`` is 600 s and 5000 m per step."""

    def matrices(self, locations: Sequence[Location]) -> TravelMatrices:
        """Return the line matrices between ``locations`` (all ``MatrixRef``)."""
        index = np.array([loc.index for loc in locations if isinstance(loc, MatrixRef)])
        steps = np.abs(index[:, None] - index[None, :]).astype(np.int64)
        return TravelMatrices(duration_s=600 * steps, distance_m=5000 * steps)


@pytest.fixture
def problem() -> Problem:
    """T-1 (hvac 2, returns to depot, lunch break, tight limits), T-2 (fast, no end); 3 orders."""
    t1 = Technician(
        id="T-1",
        shifts=(Shift(28800, 61200, (LUNCH,)),),
        start=MatrixRef(0),
        end=MatrixRef(0),
        skills={"hvac": 2},
        max_orders_per_shift=2,
        max_work_s_per_shift=16200,
        max_travel_s_per_shift=2400,
        van_stock={"filter": 2},
    )
    t2 = Technician(
        id="T-2",
        shifts=(Shift(28800, 61200),),
        start=MatrixRef(0),
        skills={"hvac": 1, "plumbing": 1},
        van_stock={"filter": 1},
        speed_factor=2.0,
    )
    orders = (
        WorkOrder(
            id="WO-1",
            location=MatrixRef(1),
            service_s=3600,
            required_skills={"hvac": 1},
            windows=(TimeWindow(32400, 36000),),
            respond_by_s=33000,
            is_sla_hard=True,
            parts={"filter": 1},
        ),
        WorkOrder(
            id="WO-2",
            location=MatrixRef(2),
            service_s=1800,
            windows=(TimeWindow(46800, 50400),),
            resolve_by_s=54000,
            not_before_s=46800,
            parts={"filter": 1},
        ),
        WorkOrder(id="WO-3", location=MatrixRef(3), service_s=600),
    )
    return Problem(technicians=(t1, t2), work_orders=orders, travel=LineTravel())


@pytest.fixture
def plan() -> Plan:
    """The valid base plan of the module docstring, with matching KPIs."""
    stops = (
        Stop("WO-1", 32400, 32400, 36000, 0, 600, 5000, SlaStatus.YELLOW),
        Stop("WO-2", 36600, 46800, 48600, 10200, 600, 5000, SlaStatus.GREEN),
    )
    route = Route("T-1", 0, 31800, 49800, stops, (PlacedBreak(43200, 45000),), 1200, 10000)
    kpis = {"assigned": 2, "unassigned": 1, "travel_s_total": 2400, "distance_m_total": 20000}
    return Plan(
        routes=(route,),
        unassigned=(Unassigned("WO-3", UnassignedReason.CAPACITY_EXHAUSTED),),
        stats=SolveStats("evaluated", 0.0, None, 0.0),
        kpis=kpis,
    )


def codes(problem: Problem, plan: Plan) -> list[str]:
    """Return the violation codes of ``plan``, in order."""
    return [v.code for v in check_plan(problem, plan)]


def with_order(problem: Problem, order_id: str, **changes: Any) -> Problem:
    """Return ``problem`` with one work order replaced."""
    orders = tuple(
        dataclasses.replace(o, **changes) if o.id == order_id else o for o in problem.work_orders
    )
    return dataclasses.replace(problem, work_orders=orders)


def with_tech(problem: Problem, tech_id: str, **changes: Any) -> Problem:
    """Return ``problem`` with one technician replaced."""
    techs = tuple(
        dataclasses.replace(t, **changes) if t.id == tech_id else t for t in problem.technicians
    )
    return dataclasses.replace(problem, technicians=techs)


def with_route(plan: Plan, index: int = 0, **changes: Any) -> Plan:
    """Return ``plan`` with route ``index`` replaced, KPIs kept."""
    routes = list(plan.routes)
    routes[index] = dataclasses.replace(routes[index], **changes)
    return dataclasses.replace(plan, routes=tuple(routes))


def with_stop(plan: Plan, stop: int, route: int = 0, **changes: Any) -> Plan:
    """Return ``plan`` with one stop of one route replaced."""
    stops = list(plan.routes[route].stops)
    stops[stop] = dataclasses.replace(stops[stop], **changes)
    return with_route(plan, route, stops=tuple(stops))


def no_kpis(plan: Plan) -> Plan:
    """Return ``plan`` without KPIs, so that totals are not compared."""
    return dataclasses.replace(plan, kpis={})


def with_lunch(
    problem: Problem,
    plan: Plan,
    breaks: tuple[Break, ...],
    placed: tuple[PlacedBreak, ...],
    wo2_arrival_s: int,
) -> tuple[Problem, Plan]:
    """Return T-1 with shift ``breaks``, ``placed`` breaks and WO-2 re-timed to arrive then."""
    problem = with_tech(problem, "T-1", shifts=(Shift(28800, 61200, breaks),))
    plan = with_route(plan, breaks=placed)
    plan = with_stop(plan, 1, arrival_s=wo2_arrival_s, wait_s=46800 - wo2_arrival_s)
    return problem, plan


def t2_plan() -> Plan:
    """T-2 alone serves WO-1: 300 s drive at double speed, no end location."""
    stop = Stop("WO-1", 32400, 32400, 36000, 0, 300, 5000, SlaStatus.YELLOW)
    return Plan(
        routes=(Route("T-2", 0, 32100, 36000, (stop,)),),
        unassigned=(
            Unassigned("WO-2", UnassignedReason.CAPACITY_EXHAUSTED),
            Unassigned("WO-3", UnassignedReason.CAPACITY_EXHAUSTED),
        ),
        stats=SolveStats("evaluated", 0.0, None, 0.0),
    )


# --- whole plan -------------------------------------------------------------


def test_valid_plan_passes(problem: Problem, plan: Plan) -> None:
    """The hand-built base plan breaks no rule."""
    assert check_plan(problem, plan) == []
    assert is_valid(problem, plan)


def test_is_valid_false_on_any_violation(problem: Problem, plan: Plan) -> None:
    """is_valid is false as soon as check_plan finds something."""
    assert not is_valid(problem, dataclasses.replace(plan, unassigned=()))


def test_messages_are_sentences_naming_the_ids(problem: Problem, plan: Plan) -> None:
    """Every message is one sentence ending in a full stop that names the ids it carries."""
    bad = with_stop(plan, 0, travel_s=1, distance_m=1, sla_status=SlaStatus.RED)
    bad = dataclasses.replace(bad, unassigned=(), kpis={"assigned": 9})
    violations = check_plan(with_order(problem, "WO-1", pinned_technician_id="T-2"), bad)
    assert {v.code for v in violations} == {
        C.MISSING_WORK_ORDER,
        C.PIN_VIOLATED,
        C.TRAVEL_MISMATCH,
        C.DISTANCE_MISMATCH,
        C.SLA_STATUS_MISMATCH,
        C.KPI_MISMATCH,
    }
    for v in violations:
        assert isinstance(v, Violation)
        assert v.message.endswith(".") and v.message.count(". ") == 0, v.message
        for entity_id in (v.work_order_id, v.technician_id):
            assert entity_id is None or entity_id in v.message, v.message


def test_validator_shares_no_code_with_the_model_builder() -> None:
    """optimizer/check/ never imports the search (engines, eligibility) or solve."""
    root = Path(__file__).parents[3] / "optimizer" / "check"
    forbidden = ("optimizer.search", "optimizer.solve")
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(forbidden), node.module
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith(forbidden) for a in node.names)


# --- assignment ---------------------------------------------------------------


def test_unknown_unassigned_order(problem: Problem, plan: Plan) -> None:
    """An unassigned id that is not a work order of the problem is reported."""
    extra = Unassigned("WO-9", UnassignedReason.CAPACITY_EXHAUSTED)
    bad = dataclasses.replace(no_kpis(plan), unassigned=(*plan.unassigned, extra))
    assert codes(problem, bad) == [C.UNKNOWN_WORK_ORDER]


def test_unknown_stop_order_leaves_other_checks_running(problem: Problem, plan: Plan) -> None:
    """A stop with an unknown id is reported, and the order it replaced goes missing."""
    assert codes(problem, with_stop(plan, 1, work_order_id="WO-9")) == [
        C.UNKNOWN_WORK_ORDER,
        C.MISSING_WORK_ORDER,
    ]


def test_order_served_twice(problem: Problem, plan: Plan) -> None:
    """The same order in two routes is a duplicate assignment (each route valid alone)."""
    assert check_plan(problem, t2_plan()) == []
    bad = dataclasses.replace(no_kpis(plan), routes=(*plan.routes, *t2_plan().routes))
    assert codes(problem, bad) == [C.DUPLICATE_ASSIGNMENT]


def test_order_both_served_and_unassigned(problem: Problem, plan: Plan) -> None:
    """An order cannot be in a route and in unassigned."""
    extra = Unassigned("WO-1", UnassignedReason.CAPACITY_EXHAUSTED)
    bad = dataclasses.replace(no_kpis(plan), unassigned=(*plan.unassigned, extra))
    assert codes(problem, bad) == [C.ASSIGNED_AND_UNASSIGNED]


def test_order_unassigned_twice(problem: Problem, plan: Plan) -> None:
    """An order listed twice as unassigned is reported."""
    bad = dataclasses.replace(no_kpis(plan), unassigned=plan.unassigned * 2)
    assert codes(problem, bad) == [C.DUPLICATE_UNASSIGNED]


def test_order_neither_served_nor_unassigned(problem: Problem, plan: Plan) -> None:
    """Every order must be accounted for."""
    assert codes(problem, dataclasses.replace(no_kpis(plan), unassigned=())) == [
        C.MISSING_WORK_ORDER
    ]


def test_empty_route_is_allowed(problem: Problem, plan: Plan) -> None:
    """A route with no stops inside its shift is valid, if pointless."""
    empty = Route("T-2", 0, 30000, 30000, ())
    assert check_plan(problem, dataclasses.replace(plan, routes=(*plan.routes, empty))) == []


def test_unknown_technician(problem: Problem, plan: Plan) -> None:
    """A route of a technician who is not in the problem is reported."""
    ghost = Route("T-9", 0, 30000, 30000, ())
    assert codes(problem, dataclasses.replace(plan, routes=(*plan.routes, ghost))) == [
        C.UNKNOWN_TECHNICIAN
    ]


def test_shift_index_out_of_range(problem: Problem, plan: Plan) -> None:
    """shift_index must name one of the technician's shifts."""
    bad = Route("T-2", 1, 30000, 30000, ())
    assert codes(problem, dataclasses.replace(plan, routes=(*plan.routes, bad))) == [
        C.INVALID_SHIFT_INDEX
    ]


def test_two_routes_in_one_shift(problem: Problem, plan: Plan) -> None:
    """A technician has at most one route per shift."""
    empty = Route("T-2", 0, 30000, 30000, ())
    bad = dataclasses.replace(plan, routes=(*plan.routes, empty, empty))
    assert codes(problem, bad) == [C.DUPLICATE_ROUTE]


# --- eligibility --------------------------------------------------------------


def test_skill_at_exact_level_is_enough(problem: Problem, plan: Plan) -> None:
    """A technician at exactly the required level qualifies (hvac 2 >= 2)."""
    assert check_plan(with_order(problem, "WO-1", required_skills={"hvac": 2}), plan) == []


def test_skill_level_too_low(problem: Problem, plan: Plan) -> None:
    """hvac 2 does not satisfy a requirement of hvac 3."""
    assert codes(with_order(problem, "WO-1", required_skills={"hvac": 3}), plan) == [
        C.MISSING_SKILL
    ]


def test_skill_missing_entirely(problem: Problem, plan: Plan) -> None:
    """A skill the technician does not have at all counts as level 0."""
    assert codes(with_order(problem, "WO-2", required_skills={"gas": 1}), plan) == [C.MISSING_SKILL]


def test_pin_respected(problem: Problem, plan: Plan) -> None:
    """An order pinned to its own technician is fine."""
    assert check_plan(with_order(problem, "WO-1", pinned_technician_id="T-1"), plan) == []


def test_pin_violated(problem: Problem, plan: Plan) -> None:
    """An order pinned to T-2 but served by T-1 is reported."""
    assert codes(with_order(problem, "WO-1", pinned_technician_id="T-2"), plan) == [C.PIN_VIOLATED]


def test_exclusion_respected(problem: Problem, plan: Plan) -> None:
    """Excluding another technician does not affect T-1."""
    assert check_plan(with_order(problem, "WO-1", excluded_technician_ids=("T-2",)), plan) == []


def test_exclusion_violated(problem: Problem, plan: Plan) -> None:
    """An order excluding T-1 cannot be served by T-1."""
    assert codes(with_order(problem, "WO-1", excluded_technician_ids=("T-1",)), plan) == [
        C.EXCLUDED_TECHNICIAN
    ]


def test_hard_territory_respected(problem: Problem, plan: Plan) -> None:
    """T-1 bound to north and east serves WO-1 in east; WO-2 has no territory."""
    bound = with_tech(problem, "T-1", territories=("north", "east"), is_territory_hard=True)
    assert check_plan(with_order(bound, "WO-1", territory="east"), plan) == []


def test_hard_territory_violated(problem: Problem, plan: Plan) -> None:
    """T-1 bound to north alone may not serve WO-1 in east."""
    bound = with_tech(problem, "T-1", territories=("north",), is_territory_hard=True)
    assert codes(with_order(bound, "WO-1", territory="east"), plan) == [C.OUTSIDE_TERRITORY]


def test_preferred_territory_is_a_cost_not_a_rule(problem: Problem, plan: Plan) -> None:
    """A preferred (not hard) territory of T-1 outside which it serves breaks no rule."""
    prefers = with_tech(problem, "T-1", territories=("north",))
    assert check_plan(with_order(prefers, "WO-1", territory="east"), plan) == []


# --- windows and hard SLA -----------------------------------------------------


def test_start_on_window_end_is_inside(problem: Problem, plan: Plan) -> None:
    """Windows include both ends: WO-1 starting at 32400 fits 30000-32400 or a later one."""
    windows = (TimeWindow(30000, 32400), TimeWindow(40000, 41000))
    assert check_plan(with_order(problem, "WO-1", windows=windows), plan) == []


def test_start_outside_every_window(problem: Problem, plan: Plan) -> None:
    """WO-1 starting at 32400 misses a window ending at 32399."""
    windows = (TimeWindow(30000, 32399), TimeWindow(40000, 41000))
    assert codes(with_order(problem, "WO-1", windows=windows), plan) == [C.OUTSIDE_TIME_WINDOW]


def test_not_before_violated(problem: Problem, plan: Plan) -> None:
    """WO-2 starts at 46800, one second before not_before 46801 (46800 itself is fine)."""
    assert codes(with_order(problem, "WO-2", not_before_s=46801), plan) == [C.BEFORE_NOT_BEFORE]


def test_hard_respond_by_met_on_the_second(problem: Problem, plan: Plan) -> None:
    """Arriving at 32400 meets a hard respond-by of 32400 (margin 0: yellow)."""
    assert check_plan(with_order(problem, "WO-1", respond_by_s=32400), plan) == []


def test_hard_respond_by_breached(problem: Problem, plan: Plan) -> None:
    """Arriving at 32400 breaches a hard respond-by of 32399 (status red, as reported)."""
    bad = with_stop(plan, 0, sla_status=SlaStatus.RED)
    assert codes(with_order(problem, "WO-1", respond_by_s=32399), bad) == [C.HARD_SLA_BREACHED]


def test_soft_respond_by_breach_is_allowed(problem: Problem, plan: Plan) -> None:
    """A soft SLA may be breached; only the status must say red."""
    soft = with_order(problem, "WO-1", respond_by_s=32399, is_sla_hard=False)
    assert check_plan(soft, with_stop(plan, 0, sla_status=SlaStatus.RED)) == []


def test_hard_resolve_by_met(problem: Problem, plan: Plan) -> None:
    """Ending WO-2 at 48600 meets a hard resolve-by of 54000."""
    assert check_plan(with_order(problem, "WO-2", is_sla_hard=True), plan) == []


def test_hard_resolve_by_breached(problem: Problem, plan: Plan) -> None:
    """Ending WO-2 at 48600 breaches a hard resolve-by of 48599."""
    hard = with_order(problem, "WO-2", is_sla_hard=True, resolve_by_s=48599)
    bad = with_stop(plan, 1, sla_status=SlaStatus.RED)
    assert codes(hard, bad) == [C.HARD_SLA_BREACHED]


# --- stop timing --------------------------------------------------------------


def test_service_duration_mismatch(problem: Problem, plan: Plan) -> None:
    """WO-1 runs 32400-36000 = 3600 s, not the 3601 s of service it needs."""
    assert codes(with_order(problem, "WO-1", service_s=3601), plan) == [C.SERVICE_DURATION_MISMATCH]


def test_wait_mismatch(problem: Problem, plan: Plan) -> None:
    """WO-2 waits 46800 - 38400 = 8400 s, not 8399."""
    assert codes(problem, with_stop(plan, 1, wait_s=8399)) == [C.WAIT_MISMATCH]


def test_start_before_arrival(problem: Problem, plan: Plan) -> None:
    """Arriving at 46801 for a 46800 start is negative wait (and the wrong arrival)."""
    bad = with_stop(plan, 1, arrival_s=46801, wait_s=-1)
    assert codes(problem, bad) == [C.START_BEFORE_ARRIVAL, C.ARRIVAL_MISMATCH]


def test_travel_mismatch(problem: Problem, plan: Plan) -> None:
    """Depot to WO-1 is one step, 600 s, not 599."""
    assert codes(problem, no_kpis(with_stop(plan, 0, travel_s=599))) == [C.TRAVEL_MISMATCH]


def test_distance_mismatch(problem: Problem, plan: Plan) -> None:
    """Depot to WO-1 is one step, 5000 m, not 5001."""
    assert codes(problem, no_kpis(with_stop(plan, 0, distance_m=5001))) == [C.DISTANCE_MISMATCH]


def test_speed_factor_scales_travel(problem: Problem) -> None:
    """T-2 drives twice as fast: 600 s becomes 300 s, and 600 s is then wrong."""
    assert check_plan(problem, t2_plan()) == []
    assert codes(problem, with_stop(t2_plan(), 0, travel_s=600)) == [C.TRAVEL_MISMATCH]


def test_arrival_mismatch(problem: Problem, plan: Plan) -> None:
    """WO-2 arrives at 36000 + 600 = 36600 (lunch is later, on site), not 36601."""
    assert codes(problem, with_stop(plan, 1, arrival_s=36601, wait_s=10199)) == [C.ARRIVAL_MISMATCH]


def test_break_on_the_road_delays_arrival(problem: Problem, plan: Plan) -> None:
    """A break 36000-37800 as T-1 leaves WO-1 pauses the drive: arrival 38400, not 36600."""
    early = Break(1800, TimeWindow(36000, 46800))
    problem, good = with_lunch(problem, plan, (early,), (PlacedBreak(36000, 37800),), 38400)
    assert check_plan(problem, good) == []
    problem, bad = with_lunch(problem, plan, (early,), (PlacedBreak(36000, 37800),), 36600)
    assert codes(problem, bad) == [C.ARRIVAL_MISMATCH]


def test_arrival_of_first_stop_counts_from_route_start(problem: Problem, plan: Plan) -> None:
    """WO-1 arrives at route start 31800 + 600 = 32400, so 31801 departure is wrong."""
    bad = with_route(plan, start_s=31801)
    assert codes(problem, no_kpis(bad)) == [C.ARRIVAL_MISMATCH]


# --- route end and shift ------------------------------------------------------


def test_end_travel_mismatch(problem: Problem, plan: Plan) -> None:
    """WO-2 to depot is two steps, 1200 s, not 1199."""
    assert codes(problem, no_kpis(with_route(plan, end_travel_s=1199))) == [C.TRAVEL_MISMATCH]


def test_end_distance_mismatch(problem: Problem, plan: Plan) -> None:
    """WO-2 to depot is two steps, 10000 m, not 9999."""
    assert codes(problem, no_kpis(with_route(plan, end_distance_m=9999))) == [C.DISTANCE_MISMATCH]


def test_route_ends_before_getting_home(problem: Problem, plan: Plan) -> None:
    """Home is reached at 48600 + 1200 = 49800, so ending at 49799 is too early."""
    assert codes(problem, with_route(plan, end_s=49799)) == [C.ROUTE_END_TOO_EARLY]


def test_no_end_location_route_ends_at_last_stop(problem: Problem, plan: Plan) -> None:
    """Without an end location the route ends at WO-2's end, 48600, with no leg home."""
    open_ended = with_tech(problem, "T-1", end=None)
    good = no_kpis(with_route(plan, end_s=48600, end_travel_s=0, end_distance_m=0))
    assert check_plan(open_ended, good) == []
    assert codes(open_ended, with_route(good, end_s=48599)) == [C.ROUTE_END_TOO_EARLY]


def test_no_end_location_has_no_leg_home(problem: Problem, plan: Plan) -> None:
    """Without an end location, a reported leg home of 1200 s and 10000 m is wrong."""
    open_ended = with_tech(problem, "T-1", end=None)
    assert codes(open_ended, plan) == [C.TRAVEL_MISMATCH, C.DISTANCE_MISMATCH]


def test_no_end_location_route_covers_break_after_last_stop(problem: Problem) -> None:
    """T-2 (no end) breaking 36000-36600 after WO-1 ends no earlier than 36600, not 36599."""
    rested = with_tech(
        problem, "T-2", shifts=(Shift(28800, 61200, (Break(600, TimeWindow(36000, 40000)),)),)
    )
    good = with_route(t2_plan(), breaks=(PlacedBreak(36000, 36600),), end_s=36600)
    assert check_plan(rested, good) == []
    assert codes(rested, with_route(good, end_s=36599)) == [
        C.ROUTE_END_TOO_EARLY,
        C.BREAK_OUTSIDE_ROUTE,
    ]


def test_route_exactly_fills_shift(problem: Problem, plan: Plan) -> None:
    """A route 31800-49800 fits a shift 31800-49800 (both ends inclusive)."""
    tight = with_tech(problem, "T-1", shifts=(Shift(31800, 49800, (LUNCH,)),))
    assert check_plan(tight, plan) == []


def test_route_outside_shift(problem: Problem, plan: Plan) -> None:
    """A route leaving at 31800 starts before a shift starting at 31801."""
    late = with_tech(problem, "T-1", shifts=(Shift(31801, 49800, (LUNCH,)),))
    assert codes(late, plan) == [C.OUTSIDE_SHIFT]


def test_route_ends_in_allowed_overtime(problem: Problem, plan: Plan) -> None:
    """A route ending 49800 fits a shift ending 48000 with 30 min (1800 s) of overtime allowed."""
    # 49800 - 48000 = 1800 s past the nominal end, exactly the allowed overtime.
    shift = Shift(28800, 48000, (LUNCH,), max_overtime_s=1800)
    assert check_plan(with_tech(problem, "T-1", shifts=(shift,)), plan) == []


def test_route_ends_past_allowed_overtime(problem: Problem, plan: Plan) -> None:
    """A route ending 49800 breaks a shift ending 48000 with only 1799 s of overtime allowed."""
    shift = Shift(28800, 48000, (LUNCH,), max_overtime_s=1799)
    late = with_tech(problem, "T-1", shifts=(shift,))
    assert codes(late, plan) == [C.OUTSIDE_SHIFT]
    assert "with 29.98 min of overtime allowed" in check_plan(late, plan)[0].message


# --- breaks -------------------------------------------------------------------


def test_break_missing(problem: Problem, plan: Plan) -> None:
    """A route spanning the lunch window must take lunch (WO-2 re-timed, work limit lifted)."""
    problem = with_tech(problem, "T-1", max_work_s_per_shift=None)
    problem, bad = with_lunch(problem, plan, (LUNCH,), (), 36600)
    assert codes(problem, bad) == [C.BREAK_MISSING]


def test_break_due_after_route_end_may_be_omitted(problem: Problem, plan: Plan) -> None:
    """A break whose window opens at the route end (49800) need not be taken."""
    problem = with_tech(problem, "T-1", max_work_s_per_shift=None)
    evening = Break(1800, TimeWindow(49800, 52000))
    problem, good = with_lunch(problem, plan, (evening,), (), 36600)
    assert check_plan(problem, good) == []


def test_extra_break(problem: Problem, plan: Plan) -> None:
    """A second placed break 45000-45600 has no shift break to match."""
    problem, bad = with_lunch(
        problem, plan, (LUNCH,), (PlacedBreak(43200, 45000), PlacedBreak(45000, 45600)), 36600
    )
    assert codes(problem, bad) == [C.EXTRA_BREAK]


def test_break_duration_mismatch(problem: Problem, plan: Plan) -> None:
    """The placed lunch lasts 1800 s, not the 1700 s the shift asks for."""
    short = Break(1700, LUNCH.window)
    assert codes(with_tech(problem, "T-1", shifts=(Shift(28800, 61200, (short,)),)), plan) == [
        C.BREAK_DURATION_MISMATCH
    ]


def test_break_fills_its_window_exactly(problem: Problem, plan: Plan) -> None:
    """Lunch 43200-45000 fits a window 43200-45000 (both ends inclusive)."""
    tight = Break(1800, TimeWindow(43200, 45000))
    assert (
        check_plan(with_tech(problem, "T-1", shifts=(Shift(28800, 61200, (tight,)),)), plan) == []
    )


def test_break_outside_window(problem: Problem, plan: Plan) -> None:
    """Lunch starting at 43200 is before a window opening at 43201."""
    late = Break(1800, TimeWindow(43201, 46800))
    assert codes(with_tech(problem, "T-1", shifts=(Shift(28800, 61200, (late,)),)), plan) == [
        C.BREAK_OUTSIDE_WINDOW
    ]


def test_break_outside_route(problem: Problem, plan: Plan) -> None:
    """A break 30000-31800 ends as the route starts (31800): outside the route."""
    early = Break(1800, TimeWindow(28800, 40000))
    problem, bad = with_lunch(problem, plan, (early,), (PlacedBreak(30000, 31800),), 36600)
    assert codes(problem, bad) == [C.BREAK_OUTSIDE_ROUTE]


def test_break_overlaps_service(problem: Problem, plan: Plan) -> None:
    """A break 33000-34800 falls inside WO-1's service 32400-36000."""
    mid = Break(1800, TimeWindow(32400, 36000))
    problem, bad = with_lunch(problem, plan, (mid,), (PlacedBreak(33000, 34800),), 36600)
    assert codes(problem, bad) == [C.BREAK_OVERLAPS_SERVICE]


def test_two_adjacent_breaks_are_fine(problem: Problem, plan: Plan) -> None:
    """Breaks 43200-45000 and 45000-45600 touch but do not overlap."""
    coffee = Break(600, LUNCH.window)
    problem, good = with_lunch(
        problem,
        plan,
        (LUNCH, coffee),
        (PlacedBreak(43200, 45000), PlacedBreak(45000, 45600)),
        36600,
    )
    assert check_plan(problem, good) == []


def test_breaks_overlap(problem: Problem, plan: Plan) -> None:
    """Breaks 43200-45000 and 44400-45000 overlap by 600 s."""
    coffee = Break(600, LUNCH.window)
    problem, bad = with_lunch(
        problem,
        plan,
        (LUNCH, coffee),
        (PlacedBreak(43200, 45000), PlacedBreak(44400, 45000)),
        36600,
    )
    assert codes(problem, bad) == [C.BREAKS_OVERLAP]


# --- limits and parts ---------------------------------------------------------


def test_too_many_orders(problem: Problem, plan: Plan) -> None:
    """Two stops exceed a limit of one order per shift (two is exactly met in the base)."""
    assert codes(with_tech(problem, "T-1", max_orders_per_shift=1), plan) == [C.MAX_ORDERS_EXCEEDED]


def test_too_much_work(problem: Problem, plan: Plan) -> None:
    """16200 s of work (49800 - 31800 - 1800 break) exceed a limit of 16199 s."""
    assert codes(with_tech(problem, "T-1", max_work_s_per_shift=16199), plan) == [
        C.MAX_WORK_EXCEEDED
    ]


def test_too_much_travel(problem: Problem, plan: Plan) -> None:
    """600 + 600 + 1200 = 2400 s of travel exceed a limit of 2399 s."""
    assert codes(with_tech(problem, "T-1", max_travel_s_per_shift=2399), plan) == [
        C.MAX_TRAVEL_EXCEEDED
    ]


def test_parts_exceed_van_stock(problem: Problem, plan: Plan) -> None:
    """Two filters (one per order) exceed a van stock of one (two is exactly met)."""
    assert codes(with_tech(problem, "T-1", van_stock={"filter": 1}), plan) == [C.PARTS_EXCEEDED]


def test_parts_not_in_van(problem: Problem, plan: Plan) -> None:
    """A part the van does not carry at all counts as stock 0."""
    assert codes(with_order(problem, "WO-2", parts={"valve": 1}), plan) == [C.PARTS_EXCEEDED]


# --- KPIs and SLA status ------------------------------------------------------


def test_kpis_absent_are_not_checked(problem: Problem, plan: Plan) -> None:
    """An empty KPI dict, or unknown keys, are not compared."""
    assert check_plan(problem, no_kpis(plan)) == []
    assert check_plan(problem, dataclasses.replace(plan, kpis={"sla_met_pct": 3.0})) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("assigned", 3), ("unassigned", 0), ("travel_s_total", 2399), ("distance_m_total", 1)],
)
def test_kpi_mismatch(problem: Problem, plan: Plan, key: str, value: int) -> None:
    """Each recomputed KPI (2 assigned, 1 unassigned, 2400 s, 20000 m) must match."""
    bad = dataclasses.replace(plan, kpis={**plan.kpis, key: value})
    assert codes(problem, bad) == [C.KPI_MISMATCH]


def test_sla_yellow_below_threshold(problem: Problem, plan: Plan) -> None:
    """WO-1's 600 s respond margin is yellow under a 601 s threshold."""
    assert check_plan(dataclasses.replace(problem, sla_yellow_threshold_s=601), plan) == []


def test_sla_green_at_threshold(problem: Problem, plan: Plan) -> None:
    """WO-1's 600 s margin is green under a 600 s threshold, so yellow is wrong."""
    assert codes(dataclasses.replace(problem, sla_yellow_threshold_s=600), plan) == [
        C.SLA_STATUS_MISMATCH
    ]


def test_sla_status_none_without_deadlines(problem: Problem, plan: Plan) -> None:
    """An order without deadlines must report none, not green."""
    no_deadline = with_order(problem, "WO-2", resolve_by_s=None)
    assert codes(no_deadline, plan) == [C.SLA_STATUS_MISMATCH]
    assert check_plan(no_deadline, with_stop(plan, 1, sla_status=SlaStatus.NONE)) == []


def test_sla_status_red_when_breached(problem: Problem, plan: Plan) -> None:
    """A soft resolve-by of 48599 breached by ending at 48600 must report red."""
    late = with_order(problem, "WO-2", resolve_by_s=48599)
    assert codes(late, plan) == [C.SLA_STATUS_MISMATCH]
    assert check_plan(late, with_stop(plan, 1, sla_status=SlaStatus.RED)) == []


def test_limit_messages_speak_minutes_and_count_shifts_from_one(problem: Problem, plan: Plan):
    """Issue 23: "shift 1" for shift_index 0, durations in minutes, never raw seconds."""
    limited = with_tech(problem, "T-1", max_work_s_per_shift=16199)
    (violation,) = check_plan(limited, plan)
    assert violation.message == (
        "Route of technician T-1 in shift 1 has 270 min of work, above the limit of 269.98 min."
    )
