"""Turn an OR-Tools assignment into plan routes, timed in exact integer seconds."""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp

from optimizer.plan import PlacedBreak, Route, Stop
from optimizer.search.ortools.context import ModelContext
from optimizer.sla import sla_status


def _placed_breaks(ctx: ModelContext, solution: pywrapcp.Assignment, v: int) -> list[PlacedBreak]:
    placed = []
    for interval in ctx.breaks.get(v, []):
        if solution.PerformedValue(interval):
            start = solution.StartValue(interval)
            placed.append(PlacedBreak(start, start + interval.DurationMin()))
    return sorted(placed, key=lambda b: b.start_s)


def _arrive(depart_s: int, travel_s: int, breaks: list[PlacedBreak]) -> int:
    """Arrival after driving ``travel_s`` from ``depart_s``; breaks starting on the way pause it."""
    arrival = depart_s + travel_s
    for brk in breaks:
        if depart_s <= brk.start_s < arrival:
            arrival += brk.end_s - brk.start_s
    return arrival


def route_nodes(ctx: ModelContext, solution: pywrapcp.Assignment, v: int) -> list[int]:
    """Order nodes of vehicle ``v`` in visiting order."""
    nodes: list[int] = []
    index = ctx.routing.Start(v)
    while True:
        index = solution.Value(ctx.routing.NextVar(index))
        if ctx.routing.IsEnd(index):
            return nodes
        nodes.append(ctx.manager.IndexToNode(index))


def extract_routes(ctx: ModelContext, solution: pywrapcp.Assignment) -> list[Route]:
    """Timed routes of every vehicle that serves at least one order."""
    problem, idx = ctx.problem, ctx.index
    threshold = problem.sla_yellow_threshold_s
    routes = []
    for v, veh in enumerate(idx.vehicles):
        nodes = route_nodes(ctx, solution, v)
        if not nodes:
            continue
        travel = idx.vehicle_travel(v)
        breaks = _placed_breaks(ctx, solution, v)
        starts = [solution.Min(ctx.time.CumulVar(ctx.order_index(n))) for n in nodes]
        depart = solution.Min(ctx.time.CumulVar(ctx.routing.Start(v)))
        first_leg = int(travel[idx.starts[v], nodes[0]])
        if not any(b.start_s < starts[0] for b in breaks):
            depart = max(depart, starts[0] - first_leg)  # leave home no earlier than needed
        # A break the solver placed before departure opens the working day.
        route_start = depart = min([depart, *(b.start_s for b in breaks)])
        stops = []
        prev = idx.starts[v]
        for node, start in zip(nodes, starts, strict=True):
            order = problem.work_orders[idx.order_of_node[node]]
            leg = int(travel[prev, node])
            arrival = _arrive(depart, leg, breaks)
            end = start + order.service_s
            stops.append(
                Stop(
                    work_order_id=order.id,
                    arrival_s=arrival,
                    start_s=start,
                    end_s=end,
                    wait_s=start - arrival,
                    travel_s=leg,
                    distance_m=int(idx.distance_m[prev, node]),
                    sla_status=sla_status(order, arrival, end, threshold),
                )
            )
            prev, depart = node, end
        end_node = idx.ends[v]
        end_leg = int(travel[prev, end_node])
        route_end = _arrive(depart, end_leg, breaks)
        route_end = max([route_end, *(b.end_s for b in breaks)])
        routes.append(
            Route(
                technician_id=veh.technician.id,
                shift_index=veh.shift_index,
                start_s=route_start,
                end_s=route_end,
                stops=tuple(stops),
                breaks=tuple(breaks),
                end_travel_s=end_leg,
                end_distance_m=int(idx.distance_m[prev, end_node]),
            )
        )
    return routes
