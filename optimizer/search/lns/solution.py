"""Routes under search: each vehicle's visit sequence with its cached timing and cost.

The large-neighbourhood search (:mod:`optimizer.search.lns.search`) and the
priority audit (:mod:`optimizer.search.lns.audit`) change routes one order at a
time and need two questions answered fast: what would inserting order ``x``
at position ``p`` of route ``v`` cost, and is it feasible? The answer comes
from the timing routine (:mod:`optimizer.search.timing`) re-run from the
insertion point only, on the cached states of the route's prefix, and
stopped early as soon as the timing behind the inserted order is the same
as before (a wait absorbed the delay).

Costs are in objective points (:func:`optimizer.objective.plan_cost`):
driving, lateness (capped), labour, working time, overtime, preference,
reassignment and territory per stop;
the workload-balance term (the busiest shift) is kept on the side and the
unserved penalty of every order left out is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.search.index import SearchInput
from optimizer.search.timing import (
    Closing,
    Lane,
    OrderRules,
    State,
    close,
    extend,
    initial_state,
)
from optimizer.travel import GeodesicTravel, PlanarTravel, RoadGraphTravel

_INFEASIBLE = float("inf")
#: Travel models whose times obey the triangle inequality (shortest paths, straight lines).
METRIC_TRAVEL = (GeodesicTravel, PlanarTravel, RoadGraphTravel)


@dataclass(frozen=True, slots=True)
class CostModel:
    """Everything the search needs to price a route, indexed by order node and vehicle.

    ``is_metric``: the travel model obeys the triangle inequality (no detour
    saves driving), so a route with no room for an order's service has no
    room anywhere along it.
    """

    rules: OrderRules
    lanes: list[Lane]
    penalty: list[float]
    travel_point_per_s: float
    labor_point_per_s: list[float]
    balance_point_per_s: float
    parts: list[dict[str, int]]
    stock: list[dict[str, int]]
    allowed: list[frozenset[int]]
    static: list[dict[int, float]]
    busy_service_s: list[int]
    is_metric: bool = False
    overtime_point_per_s: tuple[float, ...] = ()
    working_point_per_s: float = 0.0

    def end_cost(self, v: int, closing: Closing) -> float:
        """Points of route ``v`` that depend on its start and end.

        Labour, working time and overtime.
        """
        cost = (closing.end_s - closing.start_s) * self.labor_point_per_s[v]
        if self.working_point_per_s:
            work = closing.end_s - closing.start_s - closing.break_s
            cost += work * self.working_point_per_s
        if self.overtime_point_per_s:
            rate = self.overtime_point_per_s[v]
            over = closing.end_s - self.lanes[v].nominal_end_s
            if rate and over > 0:
                cost += over * rate
        return cost

    @classmethod
    def build(cls, inputs: SearchInput, lanes: list[Lane], rules: OrderRules) -> CostModel:
        """Prices of the order nodes of ``inputs`` on its vehicles under its weights."""
        problem, weights, index = inputs.problem, inputs.weights, inputs.index
        orders = [problem.work_orders[o] for o in index.order_of_node]
        vehicles = index.vehicles
        static: list[dict[int, float]] = []
        for node, order in enumerate(orders):
            costs: dict[int, float] = {}
            for v in index.allowed_vehicles[node]:
                tech_id = vehicles[v].technician.id
                extra = 0.0
                if order.preferred_technician_ids and tech_id not in order.preferred_technician_ids:
                    extra += weights.non_preferred_technician
                if order.dispatched_technician_id not in (None, tech_id):
                    extra += weights.reassignment
                tech = vehicles[v].technician
                if not tech.is_territory_hard and tech.is_outside_territory(order):
                    extra += weights.outside_territory
                if extra:
                    costs[v] = extra
            static.append(costs)
        n_vehicles = sum(len(t.shifts) for t in problem.technicians)
        overtime = tuple(
            weights.overtime_rate(veh.shift) / 60 if veh.shift.max_overtime_s else 0.0
            for veh in vehicles
        )
        return cls(
            rules=rules,
            lanes=lanes,
            penalty=[weights.unassigned_penalty(o) for o in orders],
            travel_point_per_s=weights.travel_per_hour / 3600,
            labor_point_per_s=[
                veh.technician.cost_per_hour * weights.labor_cost / 3600 for veh in vehicles
            ],
            balance_point_per_s=(
                weights.workload_balance_per_hour / 3600 if n_vehicles > 1 else 0.0
            ),
            parts=[dict(o.parts) for o in orders],
            stock=[dict(veh.technician.van_stock) for veh in vehicles],
            allowed=list(index.allowed_vehicles),
            static=static,
            busy_service_s=[o.service_s for o in orders],
            is_metric=isinstance(problem.travel, METRIC_TRAVEL),
            overtime_point_per_s=overtime if any(overtime) else (),
            working_point_per_s=weights.working_time_per_hour / 3600,
        )


@dataclass(slots=True)
class RouteState:
    """One vehicle's sequence and what is cached about it.

    ``busy_s`` is its driving and service time; with its breaks, ``fixed_s``:
    the least the route lasts, whatever its waits (an insertion adds at
    least its detour and its service to it).
    """

    nodes: list[int]
    states: list[State]
    closing: Closing | None
    travel_s: int
    cost: float
    busy_s: int
    parts_used: dict[str, int]
    fixed_s: int = 0
    legs: list[int] | None = None


class Solution:
    """Routes of every vehicle, the orders left out and the objective, kept up to date."""

    def __init__(self, model: CostModel, routes: Sequence[Sequence[int]]) -> None:
        self.model = model
        n = len(model.penalty)
        self.route_of = [-1] * n
        self.routes: list[RouteState] = []
        for v, nodes in enumerate(routes):
            state = self._time(v, list(nodes))
            if state is None:  # callers pass feasible routes; keep what fits
                kept: list[int] = []
                for node in nodes:
                    if self._time(v, [*kept, node]) is not None:
                        kept.append(node)
                state = self._time(v, kept)
                assert state is not None
            self.routes.append(state)
            for node in state.nodes:
                self.route_of[node] = v
        self.unassigned = {i for i in range(n) if self.route_of[i] < 0}

    # --- pricing -------------------------------------------------------------

    def _time(self, v: int, nodes: list[int]) -> RouteState | None:
        m = self.model
        lane = m.lanes[v]
        if not nodes:  # an idle vehicle drives nowhere
            return RouteState([], [initial_state(lane)], None, 0, 0.0, 0, {})
        if len(nodes) > lane.max_orders:
            return None
        used: dict[str, int] = {}
        for node in nodes:
            for part, qty in m.parts[node].items():
                used[part] = used.get(part, 0) + qty
        stock = m.stock[v]
        if any(stock.get(p, 0) < q for p, q in used.items()):
            return None
        travel = lane.travel
        states = [initial_state(lane)]
        prev, legs = lane.start_node, []
        for node in nodes:
            legs.append(int(travel.item(prev, node)))
            nxt = extend(lane, m.rules, states[-1], prev, node, False)
            if not any(nxt):
                return None
            states.append(nxt)
            prev = node
        legs.append(int(travel.item(prev, lane.end_node)))
        travel_s = sum(legs)
        if lane.calendar is None and travel_s > lane.max_travel_s:
            return None
        closing = close(lane, states[-1], prev, False) if nodes else None
        if nodes and closing is None:
            return None
        if closing is not None and closing.travel_s >= 0:
            travel_s = closing.travel_s  # timed under a speed profile
        cost = self._route_cost(v, nodes, travel_s, closing)
        busy = travel_s + sum(m.busy_service_s[n] for n in nodes)
        fixed = busy + (closing.break_s if closing is not None else 0)
        return RouteState(nodes, states, closing, travel_s, cost, busy, used, fixed, legs)

    def _route_cost(
        self, v: int, nodes: list[int], travel_s: int, closing: Closing | None
    ) -> float:
        if not nodes or closing is None:
            return 0.0
        m = self.model
        static = m.static
        cost = travel_s * m.travel_point_per_s + closing.lateness
        cost += m.end_cost(v, closing)
        for node in nodes:
            cost += static[node].get(v, 0.0)
        return cost

    def objective(self) -> float:
        """The objective in points: routes, workload balance and unserved penalties."""
        m = self.model
        busiest = max((r.busy_s for r in self.routes), default=0)
        return (
            sum(r.cost for r in self.routes)
            + busiest * m.balance_point_per_s
            + sum(m.penalty[i] for i in self.unassigned)
        )

    def insertion_cost(self, v: int, node: int, pos: int, bound: float) -> float:
        """Added route cost of inserting ``node`` at ``pos`` of route ``v`` (inf: infeasible).

        Candidates whose added driving alone reaches ``bound`` are not timed.
        """
        for added, at in self.insertion_places(v, node):
            if at == pos:
                return self.timed_insertion_cost(v, node, pos, added, bound)
        return _INFEASIBLE

    def insertion_places(self, v: int, node: int) -> list[tuple[int, int]]:
        """``(added driving seconds, position)`` of each place in route ``v`` that may fit ``node``.

        The checks that need no timing are made here: the order and parts
        limits, the driving limit, and whether the route's driving, service
        and breaks plus the detour and the service still fit in the shift
        and the work limit (waits can absorb nothing more).
        """
        m = self.model
        route = self.routes[v]
        nodes = route.nodes
        lane = m.lanes[v]
        if len(nodes) >= lane.max_orders:
            return []
        need = m.parts[node]
        if need:
            stock, used = m.stock[v], route.parts_used
            if any(stock.get(p, 0) < used.get(p, 0) + q for p, q in need.items()):
                return []
        service = m.busy_service_s[node]
        limit = min(
            lane.max_travel_s - route.travel_s,
            lane.shift_s - route.fixed_s - service,
            lane.max_work_s - route.busy_s - service,
        )
        if limit < 0 and m.is_metric:
            return []
        travel = lane.travel
        if lane.calendar is not None:  # free-flow detours at the fastest hour bound the timed ones
            fastest = lane.calendar.min_factor
            limit = int(limit / fastest)
        if not nodes:  # an empty route drives nowhere
            added = int(travel.item(lane.start_node, node)) + int(travel.item(node, lane.end_node))
            return [(added, 0)] if added <= limit else []
        legs = route.legs or []
        prev = lane.start_node
        places = []
        for pos, nxt in enumerate([*nodes, lane.end_node]):
            added = int(travel.item(prev, node)) + int(travel.item(node, nxt)) - legs[pos]
            if added <= limit:
                places.append((added, pos))
            prev = nxt
        return places

    def timed_insertion_cost(self, v: int, node: int, pos: int, added: int, bound: float) -> float:
        """The added cost of a place from :meth:`insertion_places`, timed (inf: infeasible)."""
        m = self.model
        route = self.routes[v]
        nodes = route.nodes
        lane = m.lanes[v]
        if lane.calendar is not None:
            return self._timed_insertion_under_profile(v, node, pos, added, bound)
        base = added * m.travel_point_per_s + m.static[node].get(v, 0.0)
        if base >= bound:
            return _INFEASIBLE
        rules = m.rules
        a = nodes[pos - 1] if pos > 0 else lane.start_node
        state = extend(lane, rules, route.states[pos], a, node, False)
        if not any(state):
            return _INFEASIBLE
        prev = node
        old_states = route.states
        for q in range(pos, len(nodes)):
            nxt = nodes[q]
            state = extend(lane, rules, state, prev, nxt, False)
            if not any(state):
                return _INFEASIBLE
            prev = nxt
            delta = _same_timing(state, old_states[q + 1])
            if delta is not None:
                return base + delta
        closing = close(lane, state, prev, False)
        if closing is None:
            return _INFEASIBLE
        old = route.closing
        if m.overtime_point_per_s or m.working_point_per_s:
            if old is None:
                return base + closing.lateness + m.end_cost(v, closing)
            return (
                base
                + closing.lateness
                - old.lateness
                + (m.end_cost(v, closing) - m.end_cost(v, old))
            )
        labor = m.labor_point_per_s[v]
        if old is None:
            return base + closing.lateness + (closing.end_s - closing.start_s) * labor
        return (
            base
            + closing.lateness
            - old.lateness
            + ((closing.end_s - closing.start_s) - (old.end_s - old.start_s)) * labor
        )

    def _timed_insertion_under_profile(
        self, v: int, node: int, pos: int, added: int, bound: float
    ) -> float:
        """:meth:`timed_insertion_cost` under a speed profile: the route is timed to its end.

        Every leg after the insertion leaves at another time, so no prefix
        of timing can be reused past it; the bound is tried on the free-flow
        detour at the fastest hour.
        """
        m = self.model
        route = self.routes[v]
        nodes = route.nodes
        lane = m.lanes[v]
        assert lane.calendar is not None
        static = m.static[node].get(v, 0.0)
        if added * lane.calendar.min_factor * m.travel_point_per_s + static >= bound:
            return _INFEASIBLE
        a = nodes[pos - 1] if pos > 0 else lane.start_node
        state = extend(lane, m.rules, route.states[pos], a, node, False)
        if not any(state):
            return _INFEASIBLE
        prev = node
        for nxt in nodes[pos:]:
            state = extend(lane, m.rules, state, prev, nxt, False)
            if not any(state):
                return _INFEASIBLE
            prev = nxt
        closing = close(lane, state, prev, False)
        if closing is None:
            return _INFEASIBLE
        cost = (closing.travel_s - route.travel_s) * m.travel_point_per_s + static
        cost += closing.lateness + m.end_cost(v, closing)
        old = route.closing
        if old is not None:
            cost -= old.lateness + m.end_cost(v, old)
        return cost

    # --- changes -------------------------------------------------------------

    def set_route(self, v: int, nodes: list[int]) -> bool:
        """Replace route ``v`` by ``nodes`` if feasible; returns whether it was."""
        state = self._time(v, nodes)
        if state is None:
            return False
        for node in self.routes[v].nodes:
            self.route_of[node] = -1
            self.unassigned.add(node)
        self.routes[v] = state
        for node in nodes:
            self.route_of[node] = v
            self.unassigned.discard(node)
        return True

    def insert(self, v: int, node: int, pos: int) -> bool:
        """Insert ``node`` at ``pos`` of route ``v``; returns whether it was feasible."""
        nodes = self.routes[v].nodes
        return self.set_route(v, [*nodes[:pos], node, *nodes[pos:]])

    def remove(self, nodes: Sequence[int]) -> None:
        """Take ``nodes`` out of their routes (they become unassigned)."""
        by_route: dict[int, set[int]] = {}
        for node in nodes:
            v = self.route_of[node]
            if v >= 0:
                by_route.setdefault(v, set()).add(node)
        for v, gone in by_route.items():
            kept = [n for n in self.routes[v].nodes if n not in gone]
            self.set_route(v, kept)  # keeps the route when shortcuts break the triangle rule

    def snapshot(self) -> list[list[int]]:
        """The sequences of every vehicle (to restore or to write a plan)."""
        return [list(r.nodes) for r in self.routes]

    def restore(self, routes: Sequence[Sequence[int]], changed: Sequence[int]) -> None:
        """Put routes ``changed`` back to the (feasible) sequences in ``routes``."""
        for v in changed:
            for node in self.routes[v].nodes:
                self.route_of[node] = -1
        for v in changed:
            state = self._time(v, list(routes[v]))
            assert state is not None
            self.routes[v] = state
            for node in state.nodes:
                self.route_of[node] = v
        self.unassigned = {i for i, v in enumerate(self.route_of) if v < 0}


def _same_timing(new: State, old: State) -> float | None:
    """Lateness added when ``new`` times every count of breaks like ``old``, else ``None``."""
    delta = None
    for a, b in zip(new, old, strict=True):
        if a is None or b is None:
            if a is not b:
                return None
            continue
        if a[0] != b[0] or a[2] != b[2] or a[4] != b[4]:
            return None
        d = a[1] - b[1]
        if delta is None:
            delta = d
        elif abs(d - delta) > 1e-9:
            return None
    return delta
