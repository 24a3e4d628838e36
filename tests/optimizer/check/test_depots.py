"""Validator rules of depot stops and tools, one satisfied/violated pair per rule.

Planar travel at 10 m/s. T-1 starts and ends at the origin with an empty
van; WO-1, 6 km east, needs one pump and a ladder; depot D-1, 3 km east,
stocks one pump and has ladders (stop 10 min, open 08:00-17:00). Worked
timeline of the base plan::

    28800 depart the origin (08:00)
    29100 arrive D-1 (300 s drive), load 1 pump + ladder 29100-29700
    30000 arrive WO-1 (300 s drive), serve to 33600
    34200 home (600 s drive)

Route travel 1200 s, distance 12000 m.
"""

from __future__ import annotations

import dataclasses

from optimizer.check import ViolationCode, check_plan
from optimizer.domain import Depot, Shift, Technician, TimeWindow, WorkOrder
from optimizer.plan import DepotStop, Plan, Route, SolveStats, Stop
from optimizer.problem import Problem
from tests.factories import HOUR, at, problem

D1 = Depot(
    "D-1",
    at(3),
    opening=(TimeWindow(8 * HOUR, 17 * HOUR),),
    stop_s=600,
    stock={"pump": 1},
    tools=("ladder",),
)
T1 = Technician("T-1", (Shift(8 * HOUR, 17 * HOUR),), at(0), end=at(0))
W1 = WorkOrder("WO-1", at(6), HOUR, parts={"pump": 1}, required_tools=("ladder",))
VISIT = DepotStop("D-1", 0, 29100, 29100, 29700, 0, 300, 3000, {"pump": 1}, ("ladder",))
STOP = Stop("WO-1", 30000, 30000, 33600, 0, 300, 3000)


def _problem(**kw: object) -> Problem:
    depots = kw.pop("depots", (D1,))
    techs = kw.pop("techs", [T1])
    orders = kw.pop("orders", [W1])
    return problem(techs, orders, depots=depots)  # type: ignore[arg-type]


def _plan(*routes: Route) -> Plan:
    return Plan(tuple(routes), (), SolveStats("evaluated", 0.0, None, 0.0))


def _route(visit: DepotStop | None = VISIT, tech_id: str = "T-1", **kw: object) -> Route:
    stops = (STOP,)
    depot_stops = () if visit is None else (visit,)
    defaults: dict[str, object] = {
        "start_s": 28800,
        "end_s": 34200,
        "end_travel_s": 600,
        "end_distance_m": 6000,
    }
    defaults.update(kw)
    return Route(tech_id, 0, stops=stops, depot_stops=depot_stops, **defaults)  # type: ignore[arg-type]


def _codes(prob: Problem, plan: Plan) -> list[ViolationCode]:
    return [v.code for v in check_plan(prob, plan)]


def test_depot_visit_plan_is_valid() -> None:
    """The worked plan: a visit loads the pump and the ladder before the order; no violation."""
    assert check_plan(_problem(), _plan(_route())) == []


def test_route_totals_count_the_depot_legs() -> None:
    """Travel, distance and loading time of a route include its depot stop (1200 s, 12000 m)."""
    route = _route()
    assert (route.travel_s, route.distance_m, route.depot_s) == (1200, 12000, 600)
    # work 5400 = travel 1200 + service 3600 + depot 600 + wait 0
    assert (route.work_s, route.wait_s) == (5400, 0)


def test_depot_closed() -> None:
    """A depot opening at 09:00 makes the 08:05 visit a depot_closed violation."""
    late = dataclasses.replace(D1, opening=(TimeWindow(9 * HOUR, 17 * HOUR),))
    assert _codes(_problem(depots=(late,)), _plan(_route())) == [ViolationCode.DEPOT_CLOSED]


def test_depot_stop_duration() -> None:
    """A 5-minute stop at a depot whose stop lasts 10 minutes is reported."""
    short = dataclasses.replace(VISIT, end_s=29400)
    codes = _codes(_problem(), _plan(_route(short)))
    assert ViolationCode.DEPOT_STOP_DURATION_MISMATCH in codes


def test_depot_lacks_part_and_tool() -> None:
    """Loading a part the depot does not stock and a tool it lacks: two depot_lacks_item."""
    visit = dataclasses.replace(
        VISIT, loaded_parts={"pump": 1, "valve": 1}, loaded_tools=("ladder", "drill")
    )
    codes = _codes(_problem(), _plan(_route(visit)))
    assert codes.count(ViolationCode.DEPOT_LACKS_ITEM) == 2


def test_van_runs_out_without_load() -> None:
    """A visit that loads no pump leaves the van 1 pump short at WO-1: parts_exceeded."""
    visit = dataclasses.replace(VISIT, loaded_parts={})
    assert _codes(_problem(), _plan(_route(visit))) == [ViolationCode.PARTS_EXCEEDED]


def test_tool_missing_after_visit_without_tool() -> None:
    """A visit that loads no ladder: WO-1 starts without its tool (tool_missing)."""
    visit = dataclasses.replace(VISIT, loaded_tools=())
    assert _codes(_problem(), _plan(_route(visit))) == [ViolationCode.TOOL_MISSING]


def test_tool_missing_without_depot_stops() -> None:
    """Without depot stops the technician's own tools are checked (satisfied, then violated)."""
    order = dataclasses.replace(W1, parts={})
    plain = _route(None, start_s=29400, end_s=33600 + 600)
    stop = dataclasses.replace(STOP, arrival_s=30000, travel_s=600, distance_m=6000)
    plain = dataclasses.replace(plain, stops=(stop,))
    carrying = dataclasses.replace(T1, tools=("ladder",))
    assert _codes(_problem(orders=[order], techs=[carrying]), _plan(plain)) == []
    assert _codes(_problem(orders=[order]), _plan(plain)) == [ViolationCode.TOOL_MISSING]


def test_depot_stock_shared_by_all_routes() -> None:
    """Two technicians each loading D-1's only pump: depot_stock_exceeded (2 > 1)."""
    t2 = dataclasses.replace(T1, id="T-2")
    w2 = dataclasses.replace(W1, id="WO-2")
    second = dataclasses.replace(
        _route(tech_id="T-2"), stops=(dataclasses.replace(STOP, work_order_id="WO-2"),)
    )
    prob = _problem(techs=[T1, t2], orders=[W1, w2])
    assert _codes(prob, _plan(_route())) == [ViolationCode.MISSING_WORK_ORDER]
    codes = _codes(prob, _plan(_route(), second))
    assert codes == [ViolationCode.DEPOT_STOCK_EXCEEDED]
    unlimited = dataclasses.replace(D1, stock={"pump": None})
    prob = _problem(techs=[T1, t2], orders=[W1, w2], depots=(unlimited,))
    assert _codes(prob, _plan(_route(), second)) == []


def test_unknown_depot() -> None:
    """A depot stop naming no depot of the problem is unknown_depot (and its load counts not)."""
    visit = dataclasses.replace(VISIT, depot_id="D-9")
    codes = _codes(_problem(), _plan(_route(visit)))
    assert ViolationCode.UNKNOWN_DEPOT in codes


def test_depot_leg_travel_checked() -> None:
    """The leg to the depot is checked against the travel model like any leg."""
    visit = dataclasses.replace(VISIT, travel_s=200, arrival_s=29000)
    codes = _codes(_problem(), _plan(_route(visit, start_s=28800)))
    assert ViolationCode.TRAVEL_MISMATCH in codes
