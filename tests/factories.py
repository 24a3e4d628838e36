"""Small builders for hand-made problems in tests (planar metres, 10 m/s driving)."""

from __future__ import annotations

from typing import Any

from optimizer import (
    Plan,
    PlanarPoint,
    Problem,
    Shift,
    SolveParams,
    Technician,
    TimeWindow,
    WorkOrder,
    check_plan,
    solve,
)
from optimizer.travel import PlanarTravel

HOUR = 3600
SPEED_MPS = 10.0  # 36 km/h: 6 km is 600 s of driving


def at(x_km: float, y_km: float = 0.0) -> PlanarPoint:
    """A planar point given in kilometres."""
    return PlanarPoint(x_km * 1000, y_km * 1000)


def tech(tech_id: str = "T1", *, start: PlanarPoint | None = None, **kw: Any) -> Technician:
    """A technician working 08:00-17:00 (as seconds from midnight) at the origin."""
    kw.setdefault("shifts", (Shift(8 * HOUR, 17 * HOUR),))
    return Technician(id=tech_id, start=start or at(0), **kw)


def order(order_id: str = "W1", *, location: PlanarPoint | None = None, **kw: Any) -> WorkOrder:
    """A one-hour work order 6 km east of the origin."""
    kw.setdefault("service_s", HOUR)
    return WorkOrder(id=order_id, location=location or at(6), **kw)


def window(start_h: float, end_h: float) -> TimeWindow:
    """A time window given in hours from midnight."""
    return TimeWindow(round(start_h * HOUR), round(end_h * HOUR))


def problem(techs: list[Technician], orders: list[WorkOrder], **kw: Any) -> Problem:
    """A problem with planar travel at ``SPEED_MPS``."""
    return Problem(tuple(techs), tuple(orders), PlanarTravel(speed_mps=SPEED_MPS), **kw)


def solve_checked(prob: Problem, **params: Any) -> Plan:
    """Solve with a small deterministic budget and assert the plan is valid."""
    params.setdefault("time_limit_s", 2.0)
    params.setdefault("solution_limit", 100)
    plan = solve(prob, params=SolveParams(**params))
    violations = check_plan(prob, plan)
    assert violations == [], violations
    served = [s.work_order_id for r in plan.routes for s in r.stops]
    left = [u.work_order_id for u in plan.unassigned]
    assert sorted(served + left) == sorted(o.id for o in prob.work_orders)
    return plan


def reasons(plan: Plan) -> dict[str, str]:
    """Unassigned order id -> reason code."""
    return {u.work_order_id: u.reason.value for u in plan.unassigned}


def technician_of(plan: Plan, order_id: str) -> str | None:
    """Id of the technician serving ``order_id``, or ``None``."""
    route = plan.route_of(order_id)
    return route.technician_id if route else None
