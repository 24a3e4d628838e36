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

from optimizer.search.depots import (
    DepotSupply,
    Load,
    RouteSupply,
    drop_idle_visits,
    route_loads,
)
from optimizer.search.index import SearchInput
from optimizer.search.timing import (
    Closing,
    Lane,
    OrderRules,
    State,
    close,
    extend,
    initial_state,
    route_travel_s,
)
from optimizer.travel import GeodesicTravel, PlanarTravel, RoadGraphTravel

_INFEASIBLE = float("inf")
#: Depot visits tried per insertion place (the cheapest detours first).
VISIT_TRIES = 4
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
    depots: DepotSupply | None = None

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
            depots=DepotSupply.build(inputs),
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
    n_visits: int = 0
    depot_loads: dict[int, dict[str, int]] | None = None


class Solution:
    """Routes of every vehicle, the orders left out and the objective, kept up to date."""

    def __init__(self, model: CostModel, routes: Sequence[Sequence[int]]) -> None:
        self.model = model
        n = len(model.penalty)
        self.route_of = [-1] * n
        self.routes: list[RouteState] = []
        # With depots: parts taken from each depot by all routes, and the
        # routes with a visit priced by the last insertion_places.
        n_depots = model.depots.n_depots if model.depots is not None else 0
        self.depot_used: list[dict[str, int]] = [{} for _ in range(n_depots)]
        self._pending: dict[tuple[int, int, int], tuple[RouteState, list[int], int]] = {}
        self._supply_cache: dict[int, tuple[RouteState, RouteSupply | None]] = {}
        for v, nodes in enumerate(routes):
            self.routes.append(RouteState([], [], None, 0, 0.0, 0, {}))
            state = self._time(v, list(nodes))
            if state is None:  # callers pass feasible routes; keep what fits
                kept: list[int] = []
                for node in nodes:
                    if self._time(v, [*kept, node]) is not None:
                        kept.append(node)
                state = self._time(v, kept)
                assert state is not None
            self._put(v, state)
        self.unassigned = {i for i in range(n) if self.route_of[i] < 0}

    def _put(self, v: int, state: RouteState, clear_old: bool = True) -> None:
        """Make ``state`` route ``v``, keeping ``route_of`` and the depots' use up to date.

        ``clear_old=False``: the caller already cleared the old route's orders.
        """
        n = len(self.route_of)
        old = self.routes[v]
        self._pending.clear()
        self._count_loads(old, -1)
        if clear_old:
            for node in old.nodes:
                if node < n:
                    self.route_of[node] = -1
        self.routes[v] = state
        self._count_loads(state, 1)
        for node in state.nodes:
            if node < n:
                self.route_of[node] = v

    def _count_loads(self, state: RouteState, sign: int) -> None:
        if state.depot_loads:
            for d, parts in state.depot_loads.items():
                used = self.depot_used[d]
                for part, qty in parts.items():
                    used[part] = used.get(part, 0) + sign * qty

    # --- pricing -------------------------------------------------------------

    def _time(self, v: int, nodes: list[int], check_stock: bool = True) -> RouteState | None:
        m = self.model
        lane = m.lanes[v]
        if m.depots is not None:
            return self._time_with_depots(v, nodes, check_stock)
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
        return self._timed(v, nodes, used)

    def _timed(
        self,
        v: int,
        nodes: list[int],
        used: dict[str, int],
        n_visits: int = 0,
        depot_loads: dict[int, dict[str, int]] | None = None,
    ) -> RouteState | None:
        """Time ``nodes`` (limits on parts and orders already checked) and price the route."""
        m = self.model
        lane = m.lanes[v]
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
        if travel_s > lane.max_travel_s:
            return None
        closing = close(lane, states[-1], prev, False) if nodes else None
        if nodes and closing is None:
            return None
        cost = self._route_cost(v, nodes, travel_s, closing)
        if n_visits:
            n_orders = len(m.busy_service_s)
            busy = travel_s + sum(m.busy_service_s[n] for n in nodes if n < n_orders)
        else:
            busy = travel_s + sum(m.busy_service_s[n] for n in nodes)
        fixed = busy + (closing.break_s if closing is not None else 0)
        if n_visits:  # the visits' stops last at least their duration too
            fixed += sum(m.rules.service_s[n] for n in nodes if n >= len(m.busy_service_s))
        return RouteState(
            nodes, states, closing, travel_s, cost, busy, used, fixed, legs, n_visits, depot_loads
        )

    def _time_with_depots(self, v: int, nodes: list[int], check_stock: bool) -> RouteState | None:
        """Time a route that may visit depots: the loading rule, the depots' stock, then timing.

        Visits that load nothing are dropped (no longer needed).
        """
        m = self.model
        supply = m.depots
        assert supply is not None
        lane = m.lanes[v]
        loads = supply.loads(v, nodes)
        if loads is None:
            return None
        kept = drop_idle_visits(nodes, loads)
        if len(kept) < len(nodes):
            nodes = kept
            loads = supply.loads(v, nodes)
            assert loads is not None
        if not nodes:
            return RouteState([], [initial_state(lane)], None, 0, 0.0, 0, {})
        n_visits = len(loads)
        if len(nodes) - n_visits > lane.max_orders:
            return None
        by_depot = route_loads(loads)
        if check_stock and by_depot:
            mine = self.routes[v].depot_loads or {}
            for d, parts in by_depot.items():
                used, old = self.depot_used[d], mine.get(d, {})
                for part, qty in parts.items():
                    limit = supply.available(d, part)
                    if limit is not None and used.get(part, 0) - old.get(part, 0) + qty > limit:
                        return None
        return self._timed(v, nodes, {}, n_visits, by_depot)

    def _route_cost(
        self, v: int, nodes: list[int], travel_s: int, closing: Closing | None
    ) -> float:
        if not nodes or closing is None:
            return 0.0
        m = self.model
        static = m.static
        cost = travel_s * m.travel_point_per_s + closing.lateness
        cost += m.end_cost(v, closing)
        n_orders = len(static)
        for node in nodes:
            if node < n_orders:  # depot visits have no per-order cost
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
        if m.depots is not None and m.depots.needs(node):
            return self._depot_places(v, node)
        route = self.routes[v]
        nodes = route.nodes
        lane = m.lanes[v]
        if len(nodes) - route.n_visits >= lane.max_orders:
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

    def _depot_places(self, v: int, node: int) -> list[tuple[int, int]]:
        """Places of an order needing parts or tools, with a depot visit before it when needed.

        At each position the plain insertion is kept when the loading rule
        supplies the order (van stock, or a visit earlier in the route);
        otherwise one visit to a depot that has what is missing is inserted
        before it, where it adds the least driving: the place then stands
        for "order + visit" as one move (see :meth:`insert`).
        """
        m = self.model
        supply = m.depots
        assert supply is not None
        route = self.routes[v]
        nodes = route.nodes
        lane = m.lanes[v]
        if len(nodes) - route.n_visits >= lane.max_orders:
            return []
        room = lane.max_travel_s - route.travel_s
        t = lane.travel.item
        ends = [lane.start_node, *nodes, lane.end_node]
        helpful: list[int] | None = None
        places = []
        info = self._route_supply(v)
        for pos in range(len(nodes) + 1):
            prev, nxt = ends[pos], ends[pos + 1]
            added = int(t(prev, node)) + int(t(node, nxt)) - int(t(prev, nxt))
            if added > room:
                continue
            deltas = supply.plain_insertion(v, info, node, pos) if info is not None else None
            if deltas is not None and self._within_stock(deltas):
                places.append((added, pos))
                continue
            seq = [*nodes[:pos], node, *nodes[pos:]]
            if helpful is None:
                helpful = supply.helpful_depots(v, node)
            full = [lane.start_node, *seq]
            options = []
            for d in helpful:
                dn = supply.first_node + d
                for q in range(pos + 1):  # the visit goes before seq[q]
                    a, b = full[q], full[q + 1]
                    extra = int(t(a, dn)) + int(t(dn, b)) - int(t(a, b))
                    options.append((added + extra, q, dn))
            options.sort()
            for total, q, dn in options[:VISIT_TRIES]:
                if total > room:
                    break
                with_visit = [*seq[:q], dn, *seq[q:]]
                loads = self._supplied_loads(v, with_visit)
                if loads is None:
                    continue
                if any(not parts and not tools for _, _, parts, tools in loads):
                    # a visit it makes idle goes: price the route as it will be
                    with_visit = drop_idle_visits(with_visit, loads)
                    total = route_travel_s(lane, with_visit) - route.travel_s
                    q = -1
                self._pending[(v, node, pos)] = (route, with_visit, q)
                places.append((total, pos))
                break
        return places

    def _route_supply(self, v: int) -> RouteSupply | None:
        """The loading rule's details of route ``v`` as it stands (cached until it changes)."""
        route = self.routes[v]
        cached = self._supply_cache.get(v)
        if cached is not None and cached[0] is route:
            return cached[1]
        supply = self.model.depots
        assert supply is not None
        info = supply.details(v, route.nodes)
        self._supply_cache[v] = (route, info)
        return info

    def _within_stock(self, deltas: dict[tuple[int, str], int]) -> bool:
        """Whether the depots' stock allows these changes of what they give out."""
        supply = self.model.depots
        assert supply is not None
        for (d, part), delta in deltas.items():
            limit = supply.available(d, part)
            if limit is not None and self.depot_used[d].get(part, 0) + delta > limit:
                return False
        return True

    def _supplied(self, v: int, nodes: list[int]) -> bool:
        """Whether the loading rule supplies every order of ``nodes`` within the depots' stock."""
        return self._supplied_loads(v, nodes) is not None

    def _supplied_loads(self, v: int, nodes: list[int]) -> list[Load] | None:
        """The loads of ``nodes`` on route ``v`` when supplied within the stock, else ``None``."""
        supply = self.model.depots
        assert supply is not None
        loads = supply.loads(v, nodes)
        if loads is None:
            return None
        mine = self.routes[v].depot_loads or {}
        for d, parts in route_loads(loads).items():
            used, old = self.depot_used[d], mine.get(d, {})
            for part, qty in parts.items():
                limit = supply.available(d, part)
                if limit is not None and used.get(part, 0) - old.get(part, 0) + qty > limit:
                    return None
        return loads

    def placed(self, v: int, node: int, pos: int) -> list[int]:
        """The sequence :meth:`insert` would give route ``v`` for ``node`` at ``pos``.

        With depots that may be "visit + order" (as :meth:`insertion_places`
        priced it); otherwise the order alone at ``pos``.
        """
        if self.model.depots is not None:
            with_visit = self._with_visit(v, node, pos)
            if with_visit is not None:
                return list(with_visit)
        nodes = self.routes[v].nodes
        return [*nodes[:pos], node, *nodes[pos:]]

    def improve_visits(self, v: int) -> bool:
        """Move, re-target or drop each depot visit of route ``v`` while that lowers its cost.

        Each visit in turn is taken out and put back at the cheapest place
        (any position, any depot) where the loading rule still supplies
        every order, or left out when the others suffice. Returns whether
        the route changed.
        """
        supply = self.model.depots
        if supply is None:
            return False
        changed = False
        k = 0
        while True:
            nodes = self.routes[v].nodes
            visits = [i for i, n in enumerate(nodes) if supply.is_depot(n)]
            if k >= len(visits):
                return changed
            i = visits[k]
            base = [*nodes[:i], *nodes[i + 1 :]]
            best_cost, best = self.routes[v].cost - 1e-9, None
            options = [base] + [
                [*base[:q], supply.first_node + d, *base[q:]]
                for d in range(supply.n_depots)
                for q in range(len(base) + 1)
                if [*base[:q], supply.first_node + d, *base[q:]] != nodes
            ]
            for option in options:
                if not self._supplied(v, option):
                    continue
                state = self._time(v, option)
                if state is not None and state.cost < best_cost:
                    best_cost, best = state.cost, option
            if best is not None and self.set_route(v, best):
                changed = True
                continue  # the visits moved: look at them again from the same index
            k += 1

    def _with_visit(self, v: int, node: int, pos: int) -> list[int] | None:
        """The sequence "order + visit" that :meth:`_depot_places` priced at ``pos``, if current."""
        pending = self._pending.get((v, node, pos))
        if pending is not None and pending[0] is self.routes[v]:
            return pending[1]
        return None

    def _visit_cost(self, v: int, node: int, pos: int, base: float) -> float | None:
        """:meth:`timed_insertion_cost` of a place priced with a visit (``None``: not one).

        Timed from the visit on, on the cached states of the prefix, and
        stopped as soon as the timing behind the order is the old one.
        """
        pending = self._pending.get((v, node, pos))
        if pending is None or pending[0] is not self.routes[v]:
            return None
        m = self.model
        route = self.routes[v]
        lane = m.lanes[v]
        _, seq, q = pending
        if q < 0:  # the visit made another idle: the whole route is timed again
            timed = self._time(v, seq)
            return _INFEASIBLE if timed is None else timed.cost - route.cost
        nodes, old_states = route.nodes, route.states
        state = old_states[q]
        prev = nodes[q - 1] if q > 0 else lane.start_node
        for i in range(q, len(seq)):  # seq: nodes with the visit at q and the order at pos + 1
            nxt = seq[i]
            state = extend(lane, m.rules, state, prev, nxt, False)
            if not any(state):
                return _INFEASIBLE
            prev = nxt
            if i > pos + 1:  # behind both: old node i - 2
                delta = _same_timing(state, old_states[i - 1])
                if delta is not None:
                    return base + delta
        return self._closing_delta(v, state, prev, base)

    def timed_insertion_cost(self, v: int, node: int, pos: int, added: int, bound: float) -> float:
        """The added cost of a place from :meth:`insertion_places`, timed (inf: infeasible)."""
        m = self.model
        route = self.routes[v]
        nodes = route.nodes
        lane = m.lanes[v]
        base = added * m.travel_point_per_s + m.static[node].get(v, 0.0)
        if base >= bound:
            return _INFEASIBLE
        if m.depots is not None:
            cost = self._visit_cost(v, node, pos, base)
            if cost is not None:
                return cost
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
        return self._closing_delta(v, state, prev, base)

    def _closing_delta(self, v: int, state: State, prev: int, base: float) -> float:
        """``base`` plus the lateness and end costs that change when route ``v`` closes."""
        m = self.model
        route = self.routes[v]
        lane = m.lanes[v]
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

    # --- changes -------------------------------------------------------------

    def set_route(self, v: int, nodes: list[int]) -> bool:
        """Replace route ``v`` by ``nodes`` if feasible; returns whether it was.

        With depots, visits that load nothing are dropped from ``nodes``.
        """
        state = self._time(v, nodes)
        if state is None:
            return False
        n = len(self.route_of)
        for node in self.routes[v].nodes:
            if node < n:
                self.unassigned.add(node)
        self._put(v, state)
        for node in state.nodes:
            if node < n:
                self.unassigned.discard(node)
        return True

    def insert(self, v: int, node: int, pos: int) -> bool:
        """Insert ``node`` at ``pos`` of route ``v``; returns whether it was feasible.

        When :meth:`insertion_places` priced the place with a depot visit
        before the order, the visit is inserted with it.
        """
        if self.model.depots is not None:
            with_visit = self._with_visit(v, node, pos)
            if with_visit is not None:
                return self.set_route(v, with_visit)
        nodes = self.routes[v].nodes
        return self.set_route(v, [*nodes[:pos], node, *nodes[pos:]])

    def remove(self, nodes: Sequence[int]) -> None:
        """Take ``nodes`` out of their routes (they become unassigned; depot nodes are ignored)."""
        by_route: dict[int, set[int]] = {}
        n = len(self.route_of)
        for node in nodes:
            if node >= n:
                continue
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
        n = len(self.route_of)
        for v in changed:
            for node in self.routes[v].nodes:
                if node < n:
                    self.route_of[node] = -1
        for v in changed:
            state = self._time(v, list(routes[v]), check_stock=False)
            assert state is not None
            self._put(v, state, clear_old=False)
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
