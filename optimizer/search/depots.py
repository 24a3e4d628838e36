"""Depot visits as the search sees them: nodes, their timing rules and the loading rule.

A depot visit is a node of a route like an order node (the node layout of
:mod:`optimizer.search.index` puts one node per depot after the end
nodes), timed by the one timing routine with the depot's stop duration as
service and its opening hours as start intervals. What a visit loads is not
searched: it follows from the sequence by one deterministic rule
(:meth:`DepotSupply.loads`):

- parts: at a visit, for each part this depot stocks, load what the orders
  after it need until the next visit to a depot stocking that part (or the
  end of the route), less what is already on board;
- tools: at a visit, load every tool this depot has that an order after it
  needs and that is not yet on board (tools are never consumed);
- an order needs its tools on board and its parts in the van when it
  starts; a visit that loads nothing is not needed and is dropped.

The depots' stock is shared by every technician over the horizon: the sum
of the loads of every route stays within it (checked by the callers that
hold every route, :class:`optimizer.search.lns.solution.Solution`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from optimizer.domain import Depot
from optimizer.plan import Route
from optimizer.problem import Problem
from optimizer.search.eligibility import Interval
from optimizer.search.index import ModelIndex, SearchInput

#: One visit's load: (position in the route, depot, parts loaded, tools loaded).
Load = tuple[int, int, dict[str, int], tuple[str, ...]]


def depot_intervals(opening: Sequence[tuple[int, int]], stop_s: int) -> list[Interval]:
    """Start intervals of a visit that must end inside one opening interval."""
    if not opening:
        return [(-(2**60), 2**60)]
    out = [(a, b - stop_s) for a, b in opening if b - stop_s >= a]
    return sorted(out)


def depot_node_rules(inputs: SearchInput) -> list[tuple[int, list[Interval], int]]:
    """``(node, start intervals, stop seconds)`` of each depot node of ``inputs`` (none without).

    The timing routine (:func:`optimizer.search.timing.timing_of`) times a
    visit like an order: the stop duration as service, the opening hours
    as start intervals, no deadline.
    """
    index = inputs.index
    out = []
    for node, depot in zip(index.depot_nodes, inputs.problem.depots, strict=True):
        opening = [(w.start_s, w.end_s) for w in depot.opening]
        out.append((node, depot_intervals(opening, depot.stop_s), depot.stop_s))
    return out


@dataclass(frozen=True, slots=True)
class RouteSupply:
    """The loading rule's result on one route, with what each visit needed and carried.

    ``loads`` as :meth:`DepotSupply.loads`; per visit (same order)
    ``needs`` (part to what the orders until the next visit stocking it
    use) and ``carried_before`` (the van's parts on arrival);
    ``carried_after``: the van's parts at the end of the route.
    """

    loads: list[Load]
    needs: list[dict[str, int]]
    carried_before: list[dict[str, int]]
    carried_after: dict[str, int]


@dataclass(frozen=True, slots=True)
class DepotSupply:
    """What depot visits can load and what each order node and vehicle needs or carries.

    Attributes
    ----------
    first_node
        Node of depot 0; depot ``d`` is node ``first_node + d``.
    depot_ids
        Depot ids, in problem order.
    stock
        Per depot: part to quantity over the horizon (``None``: unlimited).
    is_unlimited
        Per depot: every part in any quantity.
    tools
        Per depot: the tools it has.
    order_parts, order_tools
        Per order node: parts consumed and tools required.
    van_parts, van_tools
        Per vehicle: parts and tools on board at the start of the shift.
    stocked
        Per depot: the parts it holds any of (``stock`` not 0).
    """

    first_node: int
    depot_ids: tuple[str, ...]
    stock: tuple[dict[str, int | None], ...]
    is_unlimited: tuple[bool, ...]
    tools: tuple[frozenset[str], ...]
    order_parts: tuple[dict[str, int], ...]
    order_tools: tuple[frozenset[str], ...]
    van_parts: tuple[dict[str, int], ...]
    van_tools: tuple[frozenset[str], ...]
    stocked: tuple[frozenset[str], ...] = ()

    @classmethod
    def build(cls, inputs: SearchInput) -> DepotSupply | None:
        """The supply of ``inputs``; ``None`` when the problem has no depot."""
        return cls.of(inputs.problem, inputs.index)

    @classmethod
    def of(cls, problem: Problem, index: ModelIndex) -> DepotSupply | None:
        """The supply of ``problem`` laid out on ``index``; ``None`` without depots."""
        if not index.depot_nodes:
            return None
        orders = [problem.work_orders[o] for o in index.order_of_node]
        return cls(
            first_node=index.depot_nodes[0],
            depot_ids=tuple(d.id for d in problem.depots),
            stock=tuple(dict(d.stock) for d in problem.depots),
            is_unlimited=tuple(d.is_stock_unlimited for d in problem.depots),
            tools=tuple(frozenset(d.tools) for d in problem.depots),
            order_parts=tuple(dict(o.parts) for o in orders),
            order_tools=tuple(frozenset(o.required_tools) for o in orders),
            van_parts=tuple(dict(veh.technician.van_stock) for veh in index.vehicles),
            van_tools=tuple(frozenset(veh.technician.tools) for veh in index.vehicles),
            stocked=tuple(
                frozenset(p for p, q in d.stock.items() if q is None or q > 0)
                for d in problem.depots
            ),
        )

    @property
    def n_depots(self) -> int:
        """Number of depots."""
        return len(self.depot_ids)

    def is_depot(self, node: int) -> bool:
        """Whether ``node`` is a depot node."""
        return node >= self.first_node

    def available(self, d: int, part: str) -> int | None:
        """Quantity of ``part`` at depot ``d`` over the horizon (``None``: unlimited)."""
        if self.is_unlimited[d]:
            return None
        return self.stock[d].get(part, 0)

    def stocks(self, d: int, part: str) -> bool:
        """Whether depot ``d`` holds any of ``part``."""
        return self.is_unlimited[d] or part in self.stocked[d]

    def needs(self, node: int) -> bool:
        """Whether order ``node`` needs parts or tools (so a visit may serve it)."""
        return bool(self.order_parts[node] or self.order_tools[node])

    def helpful_depots(self, v: int, node: int) -> list[int]:
        """Depots with a part or tool order ``node`` needs that vehicle ``v`` lacks at its start."""
        parts = [p for p, q in self.order_parts[node].items() if self.van_parts[v].get(p, 0) < q]
        tools = self.order_tools[node] - self.van_tools[v]
        return [
            d
            for d in range(self.n_depots)
            if any(self.stocks(d, p) for p in parts) or tools & self.tools[d]
        ]

    def loads(self, v: int, nodes: Sequence[int]) -> list[Load] | None:
        """The loading rule on route ``nodes`` of vehicle ``v``; ``None`` when infeasible.

        One entry per visit, in route order (an entry may load nothing: the
        visit is not needed). Infeasible: an order starts without one of
        its tools, or the van would run out of a part. Linear in the route:
        a backward pass sums what each visit is the last chance for (until
        the next visit stocking it), a forward pass loads and consumes.
        """
        if not any(n >= self.first_node for n in nodes):  # no visit: the van alone
            return self._van_alone(v, nodes)
        found = self.details(v, nodes)
        return None if found is None else found.loads

    def details(self, v: int, nodes: Sequence[int]) -> RouteSupply | None:
        """:meth:`loads` with what each visit needed and carried (``None`` when infeasible)."""
        first = self.first_node
        needs: dict[int, dict[str, int]] = {}
        later_tools: dict[int, frozenset[str]] = {}
        acc: dict[str, int] = {}
        tools_after: set[str] = set()
        for i in range(len(nodes) - 1, -1, -1):
            node = nodes[i]
            if node < first:
                for part, qty in self.order_parts[node].items():
                    acc[part] = acc.get(part, 0) + qty
                tools_after |= self.order_tools[node]
                continue
            d = node - first
            if self.is_unlimited[d]:
                needs[i], acc = {p: q for p, q in acc.items() if q}, {}
            else:
                stocked = self.stocked[d]
                needs[i] = {p: q for p, q in acc.items() if q and p in stocked}
                for part in needs[i]:
                    acc[part] = 0
            later_tools[i] = frozenset(tools_after & self.tools[d])
        carried = dict(self.van_parts[v])
        on_board = set(self.van_tools[v])
        out: list[Load] = []
        before: list[dict[str, int]] = []
        for i, node in enumerate(nodes):
            if node < first:
                if not self.order_tools[node] <= on_board:
                    return None
                for part, qty in self.order_parts[node].items():
                    left = carried.get(part, 0) - qty
                    if left < 0:
                        return None
                    carried[part] = left
                continue
            before.append(dict(carried))
            parts: dict[str, int] = {}
            for part, qty in needs[i].items():
                load = qty - carried.get(part, 0)
                if load > 0:
                    parts[part] = load
                    carried[part] = qty
            new_tools = tuple(sorted(later_tools[i] - on_board))
            on_board.update(new_tools)
            out.append((i, node - first, parts, new_tools))
        return RouteSupply(out, [needs[pos] for pos, _, _, _ in out], before, carried)

    def plain_insertion(
        self, v: int, info: RouteSupply, node: int, pos: int
    ) -> dict[tuple[int, str], int] | None:
        """Whether order ``node`` inserted at ``pos`` alone is supplied, and what loads change.

        ``info`` is :meth:`details` of the route (before the insertion).
        Returns the change of the parts each depot gives out,
        ``(depot, part) -> quantity`` (the depots' stock is the caller's to
        check), or ``None`` when the loading rule cannot supply the order
        there: a tool no depot visited before ``pos`` has, or a part the van
        lacks before the first visit stocking it. Exactly what :meth:`loads`
        of the new route gives, without going through the route.
        """
        visits = info.loads
        tools = self.order_tools[node] - self.van_tools[v]
        if tools:
            have: set[str] = set()
            for at, d, _, _ in visits:
                if at >= pos:
                    break
                have |= self.tools[d]
            if not tools <= have:
                return None
        deltas: dict[tuple[int, str], int] = {}
        for part, qty in self.order_parts[node].items():
            chain = [k for k, (_, d, _, _) in enumerate(visits) if self.stocks(d, part)]
            ahead = [k for k in chain if visits[k][0] < pos]
            extra = {ahead[-1]: qty} if ahead else {}
            if ahead:
                start = chain.index(ahead[-1])
                cb_old = cb_new = info.carried_before[ahead[-1]].get(part, 0)
            elif chain:
                start = 0
                cb_old = info.carried_before[chain[0]].get(part, 0)
                cb_new = cb_old - qty
                if cb_new < 0:
                    return None
            else:
                if info.carried_after.get(part, 0) < qty:
                    return None
                continue
            for k in chain[start:]:
                need_old = info.needs[k].get(part, 0)
                need_new = need_old + extra.get(k, 0)
                load_old = max(0, need_old - cb_old)
                load_new = max(0, need_new - cb_new)
                if load_new != load_old:
                    key = (visits[k][1], part)
                    deltas[key] = deltas.get(key, 0) + load_new - load_old
                cb_old, cb_new = cb_old + load_old - need_old, cb_new + load_new - need_new
                if cb_old == cb_new:
                    break
        return deltas

    def _van_alone(self, v: int, nodes: Sequence[int]) -> list[Load] | None:
        """:meth:`loads` of a route without visits: ``[]``, or ``None`` when the van falls short."""
        tools = self.van_tools[v]
        used: dict[str, int] = {}
        for node in nodes:
            if not self.order_tools[node] <= tools:
                return None
            for part, qty in self.order_parts[node].items():
                used[part] = used.get(part, 0) + qty
        van = self.van_parts[v]
        return None if any(van.get(p, 0) < q for p, q in used.items()) else []

    def within_stock(self, used: Sequence[dict[str, int]]) -> bool:
        """Whether the loads ``used[d]`` (part to quantity, all routes) fit every depot's stock."""
        for d, parts in enumerate(used):
            for part, qty in parts.items():
                limit = self.available(d, part)
                if limit is not None and qty > limit:
                    return False
        return True


def drop_idle_visits(nodes: Sequence[int], loads: Sequence[Load]) -> list[int]:
    """``nodes`` without the visits that load nothing (the rule gives the others the same loads)."""
    idle = {pos for pos, _, parts, tools in loads if not parts and not tools}
    return [n for i, n in enumerate(nodes) if i not in idle]


def route_loads(loads: Sequence[Load]) -> dict[int, dict[str, int]]:
    """Parts a route takes from each depot (depot to part to quantity)."""
    out: dict[int, dict[str, int]] = {}
    for _, d, parts, _ in loads:
        if parts:
            mine = out.setdefault(d, {})
            for part, qty in parts.items():
                mine[part] = mine.get(part, 0) + qty
    return out


def stock_shares(
    problem: Problem,
    parts: Sequence[tuple[frozenset[str], frozenset[str]]],
    routes: Sequence[Route],
) -> list[tuple[Depot, ...]]:
    """The depots each part of a decomposed solve may draw on, so that parts never over-draw.

    Every part sees every depot (a depot serves any part that needs it);
    a finite stock is split among the parts solved at once: each keeps what
    its technicians' ``routes`` already loaded there, and the rest (the
    stock less every route's loads) is shared in proportion to the part's
    orders' demand for that part (by floor, so the shares never add up to
    more than the stock).

    Parameters
    ----------
    problem
        The whole problem.
    parts
        ``(work order ids, technician ids)`` of each part solved at once.
    routes
        The current routes of the whole problem (none in a first round).
    """
    if not problem.depots:
        return [problem.depots for _ in parts]
    demand: list[dict[str, int]] = []
    for order_ids, _ in parts:
        need: dict[str, int] = {}
        for o in problem.work_orders:
            if o.id in order_ids:
                for part, qty in o.parts.items():
                    need[part] = need.get(part, 0) + qty
        demand.append(need)
    out: list[list[Depot]] = [[] for _ in parts]
    for depot in problem.depots:
        finite = {p: q for p, q in depot.stock.items() if q is not None}
        if depot.is_stock_unlimited or not finite:
            for share in out:
                share.append(depot)
            continue
        own = [_loaded(routes, depot.id, techs) for _, techs in parts]
        everyone = _loaded(routes, depot.id, None)
        stocks: list[dict[str, int | None]] = [dict(depot.stock) for _ in parts]
        for part, qty in finite.items():
            slack = max(qty - everyone.get(part, 0), 0)
            weights = [d.get(part, 0) for d in demand]
            total = sum(weights)
            for k in range(len(parts)):
                extra = slack * weights[k] // total if total else 0
                stocks[k][part] = own[k].get(part, 0) + extra
        for k, share in enumerate(out):
            share.append(replace(depot, stock=stocks[k]))
    return [tuple(share) for share in out]


def _loaded(routes: Sequence[Route], depot_id: str, techs: frozenset[str] | None) -> dict[str, int]:
    """Parts loaded at ``depot_id`` by the routes of ``techs`` (``None``: every route)."""
    out: dict[str, int] = {}
    for route in routes:
        if techs is not None and route.technician_id not in techs:
            continue
        for stop in route.depot_stops:
            if stop.depot_id == depot_id:
                for part, qty in stop.loaded_parts.items():
                    out[part] = out.get(part, 0) + qty
    return out
