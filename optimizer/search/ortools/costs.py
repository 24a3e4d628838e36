"""Objective terms: travel, unassigned penalties, technician affinity, workload balance, labour.

Every coefficient is in objective units, ``COST_SCALE`` units to a point.
"""

from __future__ import annotations

import numpy as np

from optimizer.domain import Technician, WorkOrder
from optimizer.search.ortools.context import AFFINITY, COST_SCALE, WORKLOAD, ModelContext


def add_travel_cost(ctx: ModelContext) -> None:
    """Each second of driving costs ``travel_per_hour`` units (points per hour)."""
    rate = ctx.weights.travel_per_hour * COST_SCALE / 3600
    by_speed = {
        speed: ctx.routing.RegisterTransitMatrix(np.rint(travel * rate).astype(np.int64).tolist())
        for speed, travel in ctx.index.travel_s.items()
    }
    if len(by_speed) == 1:
        ctx.routing.SetArcCostEvaluatorOfAllVehicles(next(iter(by_speed.values())))
        return
    for v, veh in enumerate(ctx.index.vehicles):
        ctx.routing.SetArcCostEvaluatorOfVehicle(by_speed[veh.technician.speed_factor], v)


def add_unassigned_penalties(ctx: ModelContext) -> None:
    """Every order may be dropped at a penalty growing with priority and tier."""
    for node, o in enumerate(ctx.index.order_of_node):
        order = ctx.problem.work_orders[o]
        penalty = round(ctx.weights.unassigned_penalty(order) * COST_SCALE)
        ctx.routing.AddDisjunction([ctx.order_index(node)], max(penalty, 1))


def add_allowed_vehicles(ctx: ModelContext, allowed: dict[int, list[int]]) -> None:
    """Restrict each order to the vehicles eligibility allows (skills, pins, parts, time).

    ``allowed`` maps problem order index to a non-empty vehicle list; an
    empty list would mean *any* vehicle to OR-Tools, so it is refused here.
    """
    n_veh = len(ctx.index.vehicles)
    for node, o in enumerate(ctx.index.order_of_node):
        vehicles = allowed[o]
        if not vehicles:
            raise ValueError(f"Order node {node} has no allowed vehicle; it must not be modelled.")
        if len(vehicles) < n_veh:
            # -1 keeps "unperformed" possible (the order stays droppable).
            ctx.routing.VehicleVar(ctx.order_index(node)).SetValues([-1, *vehicles])


def _affinity_cost(ctx: ModelContext, order: WorkOrder, tech: Technician) -> int:
    """Units charged when ``tech`` serves ``order``: preference miss, reassignment, territory."""
    tech_id = tech.id
    points = 0.0
    if order.preferred_technician_ids and tech_id not in order.preferred_technician_ids:
        points += ctx.weights.non_preferred_technician
    if order.dispatched_technician_id not in (None, tech_id):
        points += ctx.weights.reassignment
    if not tech.is_territory_hard and tech.is_outside_territory(order):
        points += ctx.weights.outside_territory
    return round(points * COST_SCALE)


def add_technician_affinity(ctx: ModelContext) -> None:
    """Preferred technicians, territories and re-planning stability: a cost per order.

    A unary dimension accumulates, along each route, the cost of giving
    each order to this technician rather than a preferred one (or the one
    it was already dispatched to, or one of its territory); its value at the route end is charged
    one unit per unit.
    """
    orders = [ctx.problem.work_orders[o] for o in ctx.index.order_of_node]
    if not any(
        o.preferred_technician_ids or o.dispatched_technician_id or o.territory for o in orders
    ):
        return
    padding = [0] * (2 * len(ctx.index.vehicles))
    by_tech: dict[str, int] = {}
    totals = []
    transits = []
    for veh in ctx.index.vehicles:
        tech_id = veh.technician.id
        if tech_id not in by_tech:
            costs = [_affinity_cost(ctx, order, veh.technician) for order in orders]
            by_tech[tech_id] = ctx.routing.RegisterUnaryTransitVector(costs + padding)
            totals.append(sum(costs))
        transits.append(by_tech[tech_id])
    if max(totals) == 0:
        return
    capacity = max(totals) + 1
    dim = ctx.add_dimension(transits, 0, [capacity] * len(transits), AFFINITY)
    for v in range(len(ctx.index.vehicles)):
        dim.SetCumulVarSoftUpperBound(ctx.routing.End(v), 0, 1)


def add_workload_balance(ctx: ModelContext) -> None:
    """Penalise the busiest shift's driving + service time, which spreads work."""
    coefficient = round(ctx.weights.workload_balance_per_hour * COST_SCALE / 3600)
    if coefficient <= 0 or len(ctx.index.vehicles) < 2:
        return
    capacity = int(max(veh.shift.end_s - veh.shift.start_s for veh in ctx.index.vehicles)) + 1
    dim = ctx.add_dimension(ctx.time_transits, 0, [capacity] * len(ctx.index.vehicles), WORKLOAD)
    dim.SetGlobalSpanCostCoefficient(coefficient)


def add_labor_cost(ctx: ModelContext) -> None:
    """Labour (``cost_per_hour`` x ``labor_cost``) and working time on the route's time span.

    The span includes breaks, which the working time does not: a route's
    breaks are a fixed cost once taken, so the span prices what varies.
    """
    working = ctx.weights.working_time_per_hour
    if ctx.weights.labor_cost <= 0 and working <= 0:
        return
    for v, veh in enumerate(ctx.index.vehicles):
        hourly = veh.technician.cost_per_hour * ctx.weights.labor_cost + working
        rate = hourly * COST_SCALE / 3600
        if rate > 0:
            ctx.time.SetSpanCostCoefficientForVehicle(round(rate), v)
