"""A rules-engine dispatcher: the baseline that rule-based auto-dispatch stands for.

Work orders are taken one at a time, most urgent first (priority, then SLA
deadline, then VIP before standard, then id). Each goes to the qualified
technician-shift where it can start earliest and is appended to the end of
that route; nothing already placed ever moves. An order no route can take
is unassigned, with the same reason codes as :func:`optimizer.solve`.
Crews and linked visits: :mod:`optimizer.search.rules.crews`.

Problems of more than :data:`~optimizer.search.partition.SPLIT_MIN_ORDERS`
orders are dispatched region by region (the first split of a decomposed
solve), as regional dispatch desks would.

Routes are timed by the search's one timing routine
(:mod:`optimizer.search.timing`): earliest service starts, breaks taken on
the way or on site wherever they fit, as the validator
(:func:`optimizer.check_plan`) counts them.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Iterable
from dataclasses import replace

from optimizer.domain import Tier, WorkOrder
from optimizer.plan import Plan, SolveStats, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.depots import DepotSupply, route_loads, stock_shares
from optimizer.search.index import SearchInput
from optimizer.search.links import expand, merge_plan
from optimizer.search.partition import PART_ORDERS, SPLIT_MIN_ORDERS, Part, part_problem, regions
from optimizer.search.prepare import prepare, reasons_for
from optimizer.search.rules.crews import linked_rules_routes
from optimizer.search.timing import (
    Lane,
    OrderRules,
    State,
    close,
    extend,
    initial_state,
    schedule_route,
    timing_of,
)
from optimizer.search.visits import visit_lane
from optimizer.search.writer import NO_ROOM, finish_plan, timed_route, unassigned_of, write_plan
from optimizer.validation import ensure_valid

_BIG = 2**60


def dispatch_order(order: WorkOrder) -> tuple[int, int, int, str]:
    """Sort key of the rules engine: priority, SLA deadline, VIP first, then id."""
    deadline = order.start_deadline_s
    return (
        int(order.priority),
        _BIG if deadline is None else deadline,
        0 if order.tier is Tier.VIP else 1,
        order.id,
    )


def rules_routes(inputs: SearchInput, lanes: list[Lane], rules: OrderRules) -> list[list[int]]:
    """The rules engine's routes: order nodes per vehicle of ``inputs.index``.

    Each order, most urgent first, is appended where it can start earliest
    (ties: shorter drive, then the vehicle listed first) among the vehicles
    allowed to serve it with parts, order and driving limits left.
    """
    supply = DepotSupply.build(inputs)
    if supply is not None:
        return _routes_with_depots(inputs, lanes, rules, supply)
    problem, index = inputs.problem, inputs.index
    orders = [problem.work_orders[o] for o in index.order_of_node]
    n_vehicles = len(index.vehicles)
    routes: list[list[int]] = [[] for _ in range(n_vehicles)]
    states = [initial_state(lane) for lane in lanes]
    last = [lane.start_node for lane in lanes]
    driven = [0] * n_vehicles
    stock = [dict(veh.technician.van_stock) for veh in index.vehicles]
    for node in sorted(range(len(orders)), key=lambda n: dispatch_order(orders[n])):
        parts = orders[node].parts
        service = rules.service_s[node]
        best: tuple[tuple[int, int, int], int, State] | None = None
        for v in sorted(index.allowed_vehicles[node]):
            lane = lanes[v]
            if len(routes[v]) >= lane.max_orders:
                continue
            if any(stock[v].get(p, 0) < q for p, q in parts.items()):
                continue
            leg = lane.travel.item(last[v], node)
            free = min(e[0] for e in states[v] if e is not None)
            if best is not None and free + leg > best[0][0]:
                continue  # cannot start earlier than the best so far
            if driven[v] + leg + lane.travel.item(node, lane.end_node) > lane.max_travel_s:
                continue
            state = extend(lane, rules, states[v], last[v], node, False)
            if not any(state) or close(lane, state, node, False) is None:
                continue
            start = min(e[0] for e in state if e is not None) - service
            key = (start, leg, v)
            if best is None or key < best[0]:
                best = (key, v, state)
        if best is None:
            continue
        _, v, state = best
        routes[v].append(node)
        driven[v] += lanes[v].travel.item(last[v], node)
        states[v], last[v] = state, node
        for part, qty in parts.items():
            stock[v][part] -= qty
    return routes


def _routes_with_depots(
    inputs: SearchInput, lanes: list[Lane], rules: OrderRules, supply: DepotSupply
) -> list[list[int]]:
    """:func:`rules_routes` with depots: an order the van cannot supply is appended after a visit.

    Each order, most urgent first, goes where it starts earliest, appended
    alone when the loading rule supplies it (van stock, or a visit already
    in the route), otherwise appended with a visit before it to the depot
    that lets it start earliest; the depots' stock is shared by all routes.
    Nothing placed ever moves.
    """
    problem, index = inputs.problem, inputs.index
    orders = [problem.work_orders[o] for o in index.order_of_node]
    routes: list[list[int]] = [[] for _ in index.vehicles]
    taken: list[dict[int, dict[str, int]]] = [{} for _ in index.vehicles]
    used: list[dict[str, int]] = [{} for _ in range(supply.n_depots)]
    first = supply.first_node

    def fits_stock(v: int, loads: dict[int, dict[str, int]]) -> bool:
        for d, parts in loads.items():
            for part, qty in parts.items():
                limit = supply.available(d, part)
                mine = taken[v].get(d, {}).get(part, 0)
                if limit is not None and used[d].get(part, 0) - mine + qty > limit:
                    return False
        return True

    for node in sorted(range(len(orders)), key=lambda n: dispatch_order(orders[n])):
        best: tuple[tuple[int, int, int], int, list[int], dict[int, dict[str, int]]] | None = None
        for v in sorted(index.allowed_vehicles[node]):
            route = routes[v]
            if len(route) - sum(1 for n in route if n >= first) >= lanes[v].max_orders:
                continue
            tails = [[node]] + [[first + d, node] for d in supply.helpful_depots(v, node)]
            for tail in tails:
                seq = [*route, *tail]
                loads = supply.loads(v, seq)
                if loads is None:
                    continue
                by_depot = route_loads(loads)
                if not fits_stock(v, by_depot):
                    continue
                schedule = schedule_route(visit_lane(lanes[v], seq, first), rules, seq)
                if schedule is None:
                    continue
                key = (schedule.stops[-1].start_s, len(tail), v)
                if best is None or key < best[0]:
                    best = (key, v, seq, by_depot)
                if len(tail) == 1:
                    break  # appended alone: a visit only when needed
        if best is None:
            continue
        _, v, seq, by_depot = best
        for d, parts in taken[v].items():
            for part, qty in parts.items():
                used[d][part] -= qty
        for d, parts in by_depot.items():
            for part, qty in parts.items():
                used[d][part] = used[d].get(part, 0) + qty
        routes[v], taken[v] = seq, by_depot
    return routes


def greedy_plan(problem: Problem) -> Plan:
    """Dispatch ``problem`` the way a rules engine does.

    Parameters
    ----------
    problem
        The problem; it is validated first.

    Returns
    -------
    Plan
        Routes of every technician-shift with work, timed in integer
        seconds with their breaks; unassigned orders with reasons; KPIs from
        :func:`optimizer.kpis.compute_kpis`. ``stats.engine`` is
        ``"greedy"`` and ``stats.objective`` is
        :func:`optimizer.objective.plan_cost`'s total.

    Raises
    ------
    InputError
        If the problem is invalid (every issue is listed).
    """
    started = _clock.perf_counter()
    ensure_valid(problem)
    if problem.has_links:
        return _linked_plan(problem, started)
    parts = regions(problem, PART_ORDERS) if len(problem.work_orders) > SPLIT_MIN_ORDERS else None
    if parts is not None:
        return _by_region(problem, parts, started)
    prepared = prepare(problem)
    reasons = prepared.eligibility.reasons
    if prepared.inputs is None:
        status, engine = ("feasible", "greedy") if problem.work_orders else ("not_solved", "none")
        stats = SolveStats(status, 0.0, None, 0.0, 1 if problem.work_orders else 0, engine)
        return finish_plan(
            problem, (), unassigned_of(problem, None, reasons, set()), stats, started
        )
    lanes, rules = timing_of(prepared.inputs)
    routes = rules_routes(prepared.inputs, lanes, rules)
    elapsed = _clock.perf_counter() - started
    stats = SolveStats("feasible", 0.0, elapsed, 0.0, 1, "greedy")
    return write_plan(problem, prepared.inputs.index, lanes, rules, routes, reasons, stats, started)


def _linked_plan(problem: Problem, started: float) -> Plan:
    """Crews and dependencies: :func:`optimizer.search.rules.crews.linked_rules_routes`."""
    expanded, spec = expand(problem)
    prepared = prepare(expanded)
    reasons = prepared.eligibility.reasons
    if prepared.inputs is None:
        stats = SolveStats("feasible", 0.0, None, 0.0, 1, "greedy")
        draft = finish_plan(
            expanded, (), unassigned_of(expanded, None, reasons, set()), stats, started
        )
        return merge_plan(problem, spec, draft, started)
    lanes, rules = timing_of(prepared.inputs)
    routes, locked = linked_rules_routes(prepared.inputs, lanes, rules, spec, dispatch_order)
    stats = SolveStats("feasible", 0.0, _clock.perf_counter() - started, 0.0, 1, "greedy")
    index = prepared.inputs.index
    draft = write_plan(expanded, index, lanes, locked, routes, reasons, stats, started)
    return merge_plan(problem, spec, draft, started)


def regional_plan(problem: Problem, part_orders: int) -> Plan | None:
    """The rules engine's plan of a valid ``problem`` dispatched region by region.

    Regions of about ``part_orders`` orders (:func:`regions`): far cheaper
    than :func:`greedy_plan` on a large day, since no matrix of the whole
    problem is built, and a little worse. ``None`` without coordinates, and
    with crews or dependencies (a region could split a crew or a chain).
    """
    if problem.has_links:
        return None
    parts = regions(problem, part_orders)
    return None if parts is None else _by_region(problem, parts, _clock.perf_counter())


def _by_region(problem: Problem, parts: list[Part], started: float) -> Plan:
    """A large problem dispatched region by region, as regional dispatch desks would.

    The regions are the first split of a decomposed solve
    (:func:`optimizer.search.partition.regions`); each is dispatched on its
    own, so no square matrix of the whole problem is built.
    """
    routes = []
    shares = stock_shares(problem, [(p.work_order_ids, p.technician_ids) for p in parts], ())
    for part, depots in zip(parts, shares, strict=True):
        sub = replace(part_problem(problem, part), depots=depots)
        prepared = prepare(sub)
        if prepared.inputs is None:
            continue
        lanes, rules = timing_of(prepared.inputs)
        nodes = rules_routes(prepared.inputs, lanes, rules)
        index = prepared.inputs.index
        routes += [
            timed_route(sub, index, v, lanes[v], rules, route)
            for v, route in enumerate(nodes)
            if route
        ]
    served = {s.work_order_id for r in routes for s in r.stops}
    left = {o.id for o in problem.work_orders if o.id not in served}
    reasons = reasons_for(problem, left) if left else {}
    unassigned = [
        Unassigned(o.id, *reasons.get(i, (UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)))
        for i, o in enumerate(problem.work_orders)
        if o.id in left
    ]
    elapsed = _clock.perf_counter() - started
    stats = SolveStats("feasible", 0.0, elapsed, 0.0, 1, "greedy")
    return finish_plan(problem, routes, unassigned, stats, started)


def explain_unassigned(problem: Problem, work_order_ids: Iterable[str]) -> tuple[Unassigned, ...]:
    """Why each of these orders is left out, by the first check that fails.

    The checks, in order (those of :mod:`optimizer.search.eligibility`):
    skills, pins and exclusions, van parts, a shift overlapping the allowed
    start times, reaching it on an empty route (every break, shift and
    limit rule included); an order passing them all is
    ``capacity_exhausted``. Used for peer solvers' plans, which give no
    reasons of their own.

    Parameters
    ----------
    problem
        The (valid) problem.
    work_order_ids
        Ids of orders of ``problem``, in the order to report them.

    Returns
    -------
    tuple[Unassigned, ...]
        One entry per id, with a reason and a sentence.
    """
    prepared = prepare(problem)
    position = {o.id: i for i, o in enumerate(problem.work_orders)}
    out = []
    for wid in work_order_ids:
        reason = prepared.eligibility.reasons.get(position[wid])
        out.append(
            Unassigned(wid, *reason)
            if reason
            else Unassigned(wid, UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)
        )
    return tuple(out)
