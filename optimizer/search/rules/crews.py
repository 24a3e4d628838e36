"""The rules engine with crews and linked visits: earliest common starts, predecessors first.

The rules engine (:func:`optimizer.search.rules.greedy.rules_routes`) extended
honestly, on the expanded problem (:func:`optimizer.search.links.expand`):
orders are taken most urgent first, but an order only once every order it
follows has been placed (or left out: then it is left out too). Nothing
placed ever moves, and every order is appended to the end of a route:

- a one-technician order goes where it can start earliest, its start
  locked to after each predecessor's latest possible end plus the delay
  (before its earliest possible end plus the maximum delay), on the
  predecessor's day and technician when asked;
- a crew order goes to the k distinct technicians who share the earliest
  feasible common start ``T`` (each member locked to ``[T, T + tolerance]``).

"Possible" times are those of the timing routine's states after the
predecessor (:mod:`optimizer.search.timing`): whichever way the breaks of
the rest of the route fall, the predecessor's times are one of them. The
locks are written into a copy of the order rules, which the plan writer
then times with.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import replace
from itertools import product

from optimizer.domain import WorkOrder
from optimizer.search.index import SearchInput
from optimizer.search.links import OPEN_HI, OPEN_LO, LinkSpec, clip
from optimizer.search.timing import Lane, OrderRules, State, close, extend, initial_state

#: Common starts tried per crew order (the members' earliest starts, ascending).
CREW_STARTS = 40

Span = tuple[int, int, int, int]  # earliest start, latest start, earliest end, latest end


class _Routes:
    """Routes being appended to, with what each append needs."""

    def __init__(self, inputs: SearchInput, lanes: list[Lane], rules: OrderRules) -> None:
        index = inputs.index
        self.index, self.lanes, self.rules = index, lanes, rules
        n = len(index.vehicles)
        self.nodes: list[list[int]] = [[] for _ in range(n)]
        self.states = [initial_state(lane) for lane in lanes]
        self.last = [lane.start_node for lane in lanes]
        self.driven = [0] * n
        self.stock = [dict(veh.technician.van_stock) for veh in index.vehicles]
        orders = inputs.problem.work_orders
        self.parts = [orders[o].parts for o in index.order_of_node]
        # the rules engine loads nothing at depots: parts and tools come from the van
        self.tools = [frozenset(veh.technician.tools) for veh in index.vehicles]
        self.needs_tools = [frozenset(orders[o].required_tools) for o in index.order_of_node]
        self.vehicle_of: dict[int, int] = {}
        self.span: dict[int, Span] = {}

    def try_append(self, v: int, node: int) -> tuple[int, State] | None:
        """``(earliest start, state)`` of ``node`` appended to route ``v``, or ``None``."""
        lane = self.lanes[v]
        if len(self.nodes[v]) >= lane.max_orders:
            return None
        if any(self.stock[v].get(p, 0) < q for p, q in self.parts[node].items()):
            return None
        if not self.needs_tools[node] <= self.tools[v]:
            return None
        leg = lane.travel.item(self.last[v], node)
        if self.driven[v] + leg + lane.travel.item(node, lane.end_node) > lane.max_travel_s:
            return None
        state = extend(lane, self.rules, self.states[v], self.last[v], node, False)
        if not any(state) or close(lane, state, node, False) is None:
            return None
        done = [e[0] for e in state if e is not None]
        return min(done) - self.rules.service_s[node], state

    def append(self, v: int, node: int, state: State) -> None:
        """Append ``node`` to route ``v`` with the state :meth:`try_append` gave."""
        lane = self.lanes[v]
        self.nodes[v].append(node)
        self.driven[v] += int(lane.travel.item(self.last[v], node))
        self.states[v], self.last[v] = state, node
        for part, qty in self.parts[node].items():
            self.stock[v][part] -= qty
        done = [e[0] for e in state if e is not None]
        service = self.rules.service_s[node]
        self.span[node] = (min(done) - service, max(done) - service, min(done), max(done))
        self.vehicle_of[node] = v


def linked_rules_routes(
    inputs: SearchInput,
    lanes: list[Lane],
    rules: OrderRules,
    spec: LinkSpec,
    dispatch_order: Callable[[WorkOrder], tuple[int, int, int, str]],
) -> tuple[list[list[int]], OrderRules]:
    """The rules engine's routes of an expanded problem, and the order rules with their locks.

    ``dispatch_order`` is the rules engine's urgency key
    (:func:`optimizer.search.rules.greedy.dispatch_order`).

    Routes are order nodes per vehicle of ``inputs.index``; the rules
    returned (a copy of ``rules``) hold the locks the routes were timed
    with, for the plan writer.
    """
    index = inputs.index
    rules = replace(rules, intervals=list(rules.intervals))
    base = list(rules.intervals)
    node_of = {oid: n for n, oid in enumerate(index.order_ids)}
    orders = inputs.problem.work_orders
    names = list(spec.groups)
    groups = {name: [node_of[m] for m in spec.groups[name] if m in node_of] for name in names}
    preds: dict[str, list[int]] = {name: [] for name in names}
    succs: dict[str, list[str]] = {name: [] for name in names}
    for e, edge in enumerate(spec.edges):
        preds[edge.succ].append(e)
        succs[edge.pred].append(edge.succ)
    first = {o.id.split("\x00", 1)[0]: o for o in orders}
    key = {name: dispatch_order(first[name]) for name in names}
    waiting = {name: len(preds[name]) for name in names}
    ready = [(key[name], name) for name in names if not waiting[name]]
    heapq.heapify(ready)
    routes = _Routes(inputs, lanes, rules)
    placed: set[str] = set()
    owner = [veh.tech_index for veh in index.vehicles]
    while ready:
        _, name = heapq.heappop(ready)
        nodes = groups[name]
        complete = len(nodes) == len(spec.groups[name])
        if complete and all(spec.edges[e].pred in placed for e in preds[name]):
            locks = _locks(routes, spec, preds[name], groups, owner)
            if locks is not None and _place(routes, nodes, locks, base, spec, name, owner):
                placed.add(name)
        for nxt in succs[name]:
            waiting[nxt] -= 1
            if not waiting[nxt]:
                heapq.heappush(ready, (key[nxt], nxt))
    return routes.nodes, rules


def _locks(
    routes: _Routes,
    spec: LinkSpec,
    edges: list[int],
    groups: dict[str, list[int]],
    owner: list[int],
) -> tuple[int, int, int | None] | None:
    """``(earliest start, latest start, technician)`` its placed predecessors allow."""
    lo, hi, tech = OPEN_LO, OPEN_HI, None
    for e in edges:
        edge = spec.edges[e]
        spans = [routes.span[n] for n in groups[edge.pred]]
        latest_end = max(s[3] for s in spans)
        earliest_end = max(s[2] for s in spans)
        lo = max(lo, latest_end + edge.dep.min_delay_s)
        if edge.dep.max_delay_s is not None:
            hi = min(hi, earliest_end + edge.dep.max_delay_s)
        if edge.dep.same_day:
            day = spec.day_of(min(s[0] for s in spans))
            if spec.day_of(max(s[1] for s in spans)) != day:
                return None
            lo, hi = max(lo, day[0]), min(hi, day[1])
        if edge.dep.same_technician:
            pred_tech = owner[routes.vehicle_of[groups[edge.pred][0]]]
            if tech is not None and tech != pred_tech:
                return None
            tech = pred_tech
    return (lo, hi, tech) if lo <= hi else None


def _place(
    routes: _Routes,
    nodes: list[int],
    locks: tuple[int, int, int | None],
    base: list[list[tuple[int, int]]],
    spec: LinkSpec,
    name: str,
    owner: list[int],
) -> bool:
    """Append the group where it starts earliest; returns whether it found room."""
    lo, hi, tech = locks
    rules, index = routes.rules, routes.index
    for n in nodes:
        rules.intervals[n] = clip(base[n], lo, hi)

    def vehicles(n: int) -> list[int]:
        allowed = sorted(index.allowed_vehicles[n])
        return [v for v in allowed if tech is None or owner[v] == tech]

    if len(nodes) == 1:
        node = nodes[0]
        best: tuple[tuple[int, int, int], State] | None = None
        for v in vehicles(node):
            found = routes.try_append(v, node)
            if found is None:
                continue
            leg = int(routes.lanes[v].travel.item(routes.last[v], node))
            if best is None or (found[0], leg, v) < best[0]:
                best = ((found[0], leg, v), found[1])
        if best is None:
            rules.intervals[node] = base[node]
            return False
        routes.append(best[0][2], node, best[1])
        return True
    tol = spec.tolerance_s.get(name, 0)
    earliest = sorted(
        {found[0] for n in nodes for v in vehicles(n) if (found := routes.try_append(v, n))}
    )
    for start in earliest[:CREW_STARTS]:
        for n in nodes:
            rules.intervals[n] = clip(base[n], max(lo, start), min(hi, start + tol))
        options: list[list[tuple[int, int, State]]] = []
        for n in nodes:
            fits = []
            for v in vehicles(n):
                found = routes.try_append(v, n)
                if found is not None:
                    fits.append((int(routes.lanes[v].travel.item(routes.last[v], n)), v, found[1]))
            options.append(sorted(fits, key=lambda f: (f[0], f[1]))[:6])
        best_combo = None
        for combo in product(*options):
            if len({owner[v] for _, v, _ in combo}) == len(combo):
                total = sum(leg for leg, _, _ in combo)
                if best_combo is None or total < best_combo[0]:
                    best_combo = (total, combo)
        if best_combo is not None:
            for n, (_, v, state) in zip(nodes, best_combo[1], strict=True):
                routes.append(v, n, state)
            return True
    for n in nodes:
        rules.intervals[n] = base[n]
    return False
