"""Writing a plan from routes of order nodes: timed stops, reasons, statistics, KPIs.

The engines that work on node sequences (the rules engine, the
large-neighbourhood search) hand their routes here. Each route is timed by
the one timing routine (:mod:`optimizer.search.timing`), orders nobody may
serve keep the reason eligibility found, and the other orders left out are
``capacity_exhausted``, or the binding constraint the routes show
(:mod:`optimizer.search.reasons`: parts taken by other orders, the only
qualified technician busy). The statistics are fixed before the KPIs are
computed, so ``kpis["solve"]`` always equals ``stats``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import WorkOrder
from optimizer.kpis import compute_kpis
from optimizer.objective import plan_cost
from optimizer.plan import (
    DepotStop,
    PlacedBreak,
    Plan,
    Route,
    SolveStats,
    Stop,
    Unassigned,
    UnassignedReason,
)
from optimizer.problem import Problem
from optimizer.search.depots import DepotSupply
from optimizer.search.index import ModelIndex
from optimizer.search.reasons import NO_ROOM as NO_ROOM
from optimizer.search.reasons import binding_reasons
from optimizer.search.timing import Lane, OrderRules, Schedule, schedule_route
from optimizer.search.visits import visit_lane
from optimizer.sla import sla_status


def timed_route(
    problem: Problem, index: ModelIndex, v: int, lane: Lane, rules: OrderRules, nodes: Sequence[int]
) -> Route:
    """The plan route of order nodes ``nodes`` on vehicle ``v``.

    Raises
    ------
    ValueError
        If the sequence breaks a time rule or limit (engines only pass
        sequences the timing routine accepted).
    """
    supply = DepotSupply.of(problem, index)
    visits: dict[int, tuple[str, dict[str, int], tuple[str, ...]]] = {}
    if supply is not None:
        loads = supply.loads(v, nodes)
        if loads is None:
            raise ValueError(f"Unsupplied sequence for vehicle {v}: {list(nodes)}.")
        visits = {pos: (supply.depot_ids[d], parts, tools) for pos, d, parts, tools in loads}
        lane = visit_lane(lane, nodes, supply.first_node)
    schedule = schedule_route(lane, rules, nodes)
    if schedule is None:
        raise ValueError(f"Infeasible sequence for vehicle {v}: {list(nodes)}.")
    vehicle = index.vehicles[v]
    orders = {
        s.node: problem.work_orders[index.order_of_node[s.node]]
        for k, s in enumerate(schedule.stops)
        if k not in visits
    }
    return route_of_schedule(
        problem,
        RouteFrame(vehicle.technician.id, vehicle.shift_index, lane, index.distance_m),
        orders,
        schedule,
        visits,
    )


@dataclass(frozen=True, slots=True)
class RouteFrame:
    """Whose route a schedule is, and the nodes it was timed on.

    ``lane`` gives the start and end nodes; ``distance_m`` is the node x node
    driving-metres matrix of the same nodes.
    """

    technician_id: str
    shift_index: int
    lane: Lane
    distance_m: NDArray[np.int64]


def route_of_schedule(
    problem: Problem,
    frame: RouteFrame,
    orders: Mapping[int, WorkOrder],
    schedule: Schedule,
    visits: Mapping[int, tuple[str, dict[str, int], tuple[str, ...]]] | None = None,
) -> Route:
    """The plan route of ``schedule``: stops with legs and SLA lights, breaks, the leg home.

    ``orders[node]`` is the work order of each order node of the schedule;
    ``visits[k]`` is ``(depot id, parts loaded, tools loaded)`` of the
    schedule's ``k``-th stop when it is a depot visit.
    """
    distance = frame.distance_m
    threshold = problem.sla_yellow_threshold_s
    stops: list[Stop] = []
    depot_stops: list[DepotStop] = []
    prev = frame.lane.start_node
    for k, stop in enumerate(schedule.stops):
        if visits and k in visits:
            depot_id, parts, tools = visits[k]
            depot_stops.append(
                DepotStop(
                    depot_id=depot_id,
                    after=len(stops),
                    arrival_s=stop.arrival_s,
                    start_s=stop.start_s,
                    end_s=stop.end_s,
                    wait_s=stop.start_s - stop.arrival_s,
                    travel_s=stop.travel_s,
                    distance_m=int(distance.item(prev, stop.node)),
                    loaded_parts=dict(parts),
                    loaded_tools=tuple(tools),
                )
            )
            prev = stop.node
            continue
        order = orders[stop.node]
        stops.append(
            Stop(
                work_order_id=order.id,
                arrival_s=stop.arrival_s,
                start_s=stop.start_s,
                end_s=stop.end_s,
                wait_s=stop.start_s - stop.arrival_s,
                travel_s=stop.travel_s,
                distance_m=int(distance.item(prev, stop.node)),
                sla_status=sla_status(order, stop.arrival_s, stop.end_s, threshold),
            )
        )
        prev = stop.node
    return Route(
        technician_id=frame.technician_id,
        shift_index=frame.shift_index,
        start_s=schedule.start_s,
        end_s=schedule.end_s,
        stops=tuple(stops),
        breaks=tuple(PlacedBreak(a, b) for a, b in schedule.breaks),
        end_travel_s=schedule.end_travel_s,
        end_distance_m=int(distance.item(prev, frame.lane.end_node)),
        depot_stops=tuple(depot_stops),
    )


def unassigned_of(
    problem: Problem,
    index: ModelIndex | None,
    reasons: Mapping[int, tuple[UnassignedReason, str]],
    served_nodes: set[int],
) -> tuple[Unassigned, ...]:
    """Every order left out, in problem order: eligibility's reason, else ``capacity_exhausted``.

    ``reasons`` are by problem order index (orders nobody may serve);
    ``served_nodes`` are the order nodes of ``index`` in some route.
    """
    left = dict(reasons)
    if index is not None:
        for node, o in enumerate(index.order_of_node):
            if node not in served_nodes:
                left[o] = (UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)
    return tuple(
        Unassigned(problem.work_orders[o].id, reason, detail)
        for o, (reason, detail) in sorted(left.items())
    )


def finish_plan(
    problem: Problem,
    routes: Sequence[Route],
    unassigned: Sequence[Unassigned],
    stats: SolveStats,
    started: float,
) -> Plan:
    """The plan with its objective, its wall time since ``started`` and its KPIs.

    ``stats.objective`` and ``stats.wall_s`` are replaced by the plan's
    :func:`~optimizer.objective.plan_cost` total and the elapsed time
    (``time.perf_counter()`` clock), before the KPIs are computed.
    """
    draft = Plan(tuple(routes), binding_reasons(problem, routes, unassigned), stats)
    final = replace(
        stats, objective=plan_cost(problem, draft)["total"], wall_s=time.perf_counter() - started
    )
    plan = replace(draft, stats=final)
    return replace(plan, kpis=compute_kpis(problem, plan))


def write_plan(
    problem: Problem,
    index: ModelIndex,
    lanes: Sequence[Lane],
    rules: OrderRules,
    routes: Sequence[Sequence[int]],
    reasons: Mapping[int, tuple[UnassignedReason, str]],
    stats: SolveStats,
    started: float,
) -> Plan:
    """Time ``routes`` (order nodes per vehicle of ``index``) and write the whole plan."""
    timed = [
        timed_route(problem, index, v, lanes[v], rules, nodes)
        for v, nodes in enumerate(routes)
        if nodes
    ]
    served = {node for nodes in routes for node in nodes if node < len(index.order_of_node)}
    return finish_plan(
        problem, timed, unassigned_of(problem, index, reasons, served), stats, started
    )
