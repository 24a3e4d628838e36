"""Node layout and travel matrices every search engine reads.

Node and vehicle indices are internal to :mod:`optimizer.search`: order
nodes come first, then one start node and one end node per vehicle
(technician-shift). A technician without an end location gets an end node
that every node reaches in zero time, so the route ends at the last order.
Engines exchange routes as order nodes per vehicle; only the OR-Tools
engine translates them into its routing indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Location
from optimizer.plan import DepotStop, Plan, Route
from optimizer.problem import Problem
from optimizer.search.eligibility import Eligibility, Vehicle
from optimizer.travel.base import TravelMatrices, scale_durations
from optimizer.weights import Weights


def problem_locations(problem: Problem) -> list[Location]:
    """Locations in matrix order: orders, technician starts, technician ends, depots.

    A technician with no end location repeats its start (the column is
    zeroed later).
    """
    return (
        [o.location for o in problem.work_orders]
        + [t.start for t in problem.technicians]
        + [t.end if t.end is not None else t.start for t in problem.technicians]
        + [d.location for d in problem.depots]
    )


@dataclass(frozen=True, slots=True)
class ModelIndex:
    """Everything indexed by model node.

    Attributes
    ----------
    order_of_node
        Problem work-order index of each order node (``len`` = order nodes).
    vehicles
        Vehicles (technician-shifts), in model order.
    starts, ends
        Start and end node of each vehicle.
    service_s
        Service seconds per node (0 for start/end nodes).
    travel_s
        Node x node driving seconds, one matrix per distinct speed factor.
    distance_m
        Node x node driving metres.
    allowed_vehicles
        Vehicles allowed to serve each order node (from eligibility).
    order_ids
        Work-order id of each order node.
    depot_nodes, depot_ids
        Node of each depot of the problem (after the end nodes), in problem
        order, and their ids; empty without depots (:mod:`optimizer.search.depots`).
    """

    order_of_node: list[int]
    vehicles: tuple[Vehicle, ...]
    starts: list[int]
    ends: list[int]
    service_s: NDArray[np.int64]
    travel_s: dict[float, NDArray[np.int64]]
    distance_m: NDArray[np.int64]
    allowed_vehicles: tuple[frozenset[int], ...]
    order_ids: tuple[str, ...]
    depot_nodes: tuple[int, ...] = ()
    depot_ids: tuple[str, ...] = ()

    @property
    def n_nodes(self) -> int:
        """Number of order, start and end nodes (orders + 2 per vehicle; depots after them)."""
        return len(self.order_of_node) + 2 * len(self.vehicles)

    @property
    def horizon_s(self) -> int:
        """Latest instant any vehicle may still be working."""
        return max((veh.shift.latest_end_s for veh in self.vehicles), default=0) + 1

    def vehicle_travel(self, v: int) -> NDArray[np.int64]:
        """Driving-seconds matrix of vehicle ``v`` (its speed factor applied)."""
        return self.travel_s[self.vehicles[v].technician.speed_factor]


def build_index(
    problem: Problem,
    eligibility: Eligibility,
    matrices: TravelMatrices,
    order_nodes: list[int],
) -> ModelIndex:
    """Lay out the nodes for the orders ``order_nodes`` (problem indices).

    ``matrices`` are over :func:`problem_locations`.
    """
    n_all = len(problem.work_orders)
    n_tech = len(problem.technicians)
    vehicles = eligibility.vehicles
    n_veh = len(vehicles)
    m = len(order_nodes)
    n_depots = len(problem.depots)
    loc = np.empty(m + 2 * n_veh + n_depots, dtype=np.int64)
    loc[:m] = order_nodes
    for v, veh in enumerate(vehicles):
        loc[m + v] = n_all + veh.tech_index
        loc[m + n_veh + v] = n_all + n_tech + veh.tech_index
    for d in range(n_depots):
        loc[m + 2 * n_veh + d] = n_all + 2 * n_tech + d
    sub = np.ix_(loc, loc)
    duration = matrices.duration_s[sub]
    distance = matrices.distance_m[sub].copy()
    no_end = [m + n_veh + v for v, veh in enumerate(vehicles) if veh.technician.end is None]
    duration = duration.copy()
    duration[:, no_end] = 0
    distance[:, no_end] = 0
    # Nothing ever leaves an end node, and nothing arrives at a start node.
    duration[m + n_veh : m + 2 * n_veh, :] = 0
    distance[m + n_veh : m + 2 * n_veh, :] = 0
    service = np.zeros(m + 2 * n_veh + n_depots, dtype=np.int64)
    service[:m] = [problem.work_orders[o].service_s for o in order_nodes]
    speeds = sorted({veh.technician.speed_factor for veh in vehicles}) or [1.0]
    travel = {f: scale_durations(duration, f) for f in speeds}
    return ModelIndex(
        order_of_node=list(order_nodes),
        vehicles=vehicles,
        starts=[m + v for v in range(n_veh)],
        ends=[m + n_veh + v for v in range(n_veh)],
        service_s=service,
        travel_s=travel,
        distance_m=distance,
        allowed_vehicles=tuple(frozenset(eligibility.allowed[o]) for o in order_nodes),
        order_ids=tuple(problem.work_orders[o].id for o in order_nodes),
        depot_nodes=tuple(m + 2 * n_veh + d for d in range(n_depots)),
        depot_ids=tuple(d.id for d in problem.depots),
    )


@dataclass(frozen=True, slots=True)
class SearchInput:
    """What every engine reads: the problem, its weights and the node layout.

    Engines take this, not one another's models, so that each can run alone
    (the OR-Tools engine's :class:`~optimizer.search.ortools.context.ModelContext`
    holds the same three).
    """

    problem: Problem
    weights: Weights
    index: ModelIndex


def routes_from_plan(index: ModelIndex, plan: Plan) -> list[list[int]]:
    """Order nodes per vehicle of ``index`` taken from ``plan`` (a warm start).

    Orders and technician-shifts the index does not know, and orders on a
    vehicle not allowed to serve them, are skipped.
    """
    vehicle_of = {(veh.technician.id, veh.shift_index): v for v, veh in enumerate(index.vehicles)}
    node_of = {order_id: n for n, order_id in enumerate(index.order_ids)}
    routes: list[list[int]] = [[] for _ in index.vehicles]
    for route in plan.routes:
        v = vehicle_of.get((route.technician_id, route.shift_index))
        if v is None:
            continue
        if route.depot_stops and index.depot_nodes:
            routes[v] = _with_depot_nodes(index, route, v, node_of)
            continue
        for stop in route.stops:
            node = node_of.get(stop.work_order_id)
            if node is not None and v in index.allowed_vehicles[node]:
                routes[v].append(node)
    return routes


def _with_depot_nodes(
    index: ModelIndex, route: Route, v: int, node_of: dict[str, int]
) -> list[int]:
    """Order and depot nodes of a plan route that visits depots (depots by their position)."""
    depot_of = dict(zip(index.depot_ids, index.depot_nodes, strict=True))
    nodes = []
    for visit in route.visits():
        if isinstance(visit, DepotStop):
            node = depot_of.get(visit.depot_id)
            if node is not None:
                nodes.append(node)
            continue
        node = node_of.get(visit.work_order_id)
        if node is not None and v in index.allowed_vehicles[node]:
            nodes.append(node)
    return nodes
