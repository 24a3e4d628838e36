"""Booking a new order into a plan: the best slots to offer, each verified.

:func:`recommend` answers "when can we book this customer?". The new
order's ``windows`` are the candidate windows; for each one:

1. **single insertions**: the order is priced at every position of every
   route allowed to serve it (the search's own insertion pricing,
   :class:`~optimizer.search.lns.solution.Solution`), and each vehicle's best
   position is kept;
2. **with one move**, while time remains: on the routes where it is
   cheapest (and the nearest routes where it does not fit), one order of the
   route is moved to wherever it fits best elsewhere
   (:func:`~optimizer.search.lns.search.best_insertion`) to make room.

The candidates are ranked by the plan's objective, and the best ``top_k``
(one per technician-shift and window) are written into the plan and kept
only when the validator accepts it. Every single insertion is priced, so
the first recommendation is never worse than the best single insertion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from optimizer.domain import TimeWindow, WorkOrder
from optimizer.errors import InputError
from optimizer.explain.unserved import ensure_checked
from optimizer.explain.workspace import Part, Workspace, checked_plan
from optimizer.objective import plan_cost
from optimizer.plan import Plan, Route, SlaStatus, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.lns.search import Neighbourhood, best_insertion
from optimizer.search.prepare import reasons_for
from optimizer.validation import validate_problem

#: Default time for the search with moves, in seconds (single insertions always run).
RECOMMEND_TIME_LIMIT_S = 0.15
#: Routes tried with a move per candidate window: the cheapest for a single insertion ...
MOVE_ROUTES = 6
#: ... and the nearest where the order does not fit alone.
MOVE_ROUTES_FULL = 3
#: Detail when the order could be served but no route has room for it.
NO_ROOM = "No technician has room for it in the candidate windows, even moving one order."


@dataclass(frozen=True, slots=True)
class Move:
    """An order of the plan that goes to another technician-shift to make room."""

    work_order_id: str
    from_technician_id: str
    from_shift_index: int
    to_technician_id: str
    to_shift_index: int


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A slot for the new order, verified by the validator.

    ``window_index`` is the candidate window the service starts in
    (``None`` when the order has none); times are seconds from the epoch;
    ``objective_delta`` is the objective of ``plan`` minus that of the plan
    given (points); ``plan`` is the plan with the order booked, valid for
    the problem with the order.
    """

    technician_id: str
    shift_index: int
    window_index: int | None
    arrival_s: int
    start_s: int
    end_s: int
    objective_delta: float
    sla_status: SlaStatus
    moves: tuple[Move, ...]
    plan: Plan


@dataclass(frozen=True, slots=True)
class Booking:
    """The recommendations for a new order, best first.

    ``problem`` is the problem with the order. When there is none,
    ``reason`` and ``detail`` say why (the reason codes of unassigned
    orders).
    """

    problem: Problem
    recommendations: tuple[Recommendation, ...]
    reason: UnassignedReason | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class _Candidate:
    estimate: float
    window_index: int | None
    workspace: Workspace
    routes: tuple[tuple[int, tuple[int, ...]], ...]
    moves: tuple[tuple[int, int, int], ...]  # (order node, from vehicle, to vehicle)


def recommend(
    problem: Problem,
    plan: Plan,
    order: WorkOrder,
    *,
    top_k: int = 5,
    time_limit_s: float = RECOMMEND_TIME_LIMIT_S,
) -> Booking:
    """The best slots to book ``order`` into ``plan``, best first, each verified.

    Parameters
    ----------
    problem
        A valid problem, without ``order``.
    plan
        A plan of it that :func:`optimizer.check_plan` accepts.
    order
        The new order; its ``windows`` are the candidate windows (none: any
        time its other rules allow).
    top_k
        Most recommendations returned (at most one per technician-shift and
        window).
    time_limit_s
        Seconds for the search with moves (default 0.15); single insertions
        are always all priced.

    Returns
    -------
    Booking

    Raises
    ------
    InputError
        If the problem with the order is invalid (fields ``work_orders[n]``
        name the new order, ``n`` being the number of orders of
        ``problem``), or the plan is not valid (field ``plan``); and, as
        booking does not place crews or linked visits, when the order needs
        a crew (``work_orders[n].crew_size``) or follows another order
        (``work_orders[n].dependencies``), or the problem has either
        (``plan``).
    """
    deadline = time.perf_counter() + time_limit_s
    booked = replace(problem, work_orders=(*problem.work_orders, order))
    issues = validate_problem(booked)
    if issues:
        raise InputError(issues)
    if booked.has_links:
        raise InputError.single(*_links_refusal(order, len(problem.work_orders)))
    ensure_checked(problem, plan)
    base = plan_cost(problem, plan)["total"]
    part = Part(booked, plan, [t.id for t in problem.technicians], {order.id})
    options: list[tuple[int | None, TimeWindow | None]] = list(enumerate(order.windows))
    options = options or [(None, None)]
    candidates: list[_Candidate] = []
    eligible = False
    for wi, window in options:
        variant = order if window is None else replace(order, windows=(window,))
        changed = replace(booked, work_orders=(*problem.work_orders, variant))
        ws = part.workspace(changed, order.id, extra_only=True)
        if ws is None or ws.node is None:
            continue
        eligible = True
        singles = _singles(ws, wi)
        candidates += singles
        candidates += _with_moves(ws, wi, singles, deadline)
    best: dict[tuple[int, int | None], _Candidate] = {}
    for c in sorted(candidates, key=lambda c: c.estimate):
        key = (c.routes[0][0], c.window_index)
        best.setdefault(key, c)
    recommendations: list[Recommendation] = []
    for c in sorted(best.values(), key=lambda c: c.estimate):
        rec = _verified(booked, plan, order, c, base)
        if rec is not None:
            recommendations.append(rec)
            if len(recommendations) == top_k:
                break
    recommendations.sort(key=lambda r: (r.objective_delta, r.start_s))
    if recommendations:
        return Booking(booked, tuple(recommendations))
    if eligible:
        return Booking(booked, (), UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)
    reason, detail = reasons_for(booked, {order.id}).get(
        len(problem.work_orders), (UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)
    )
    return Booking(booked, (), reason, detail)


def _links_refusal(order: WorkOrder, n: int) -> tuple[str, str]:
    """The field and sentence refusing a booking with crews or linked visits."""
    advice = "add it to the problem and solve the day (POST /v1/plans) instead."
    if order.crew is not None:
        return (
            f"work_orders[{n}].crew_size",
            f"Work order {order.id} needs a crew of {order.crew.size}; booking recommends slots "
            f"for one-technician orders only: {advice}",
        )
    if order.dependencies:
        return (
            f"work_orders[{n}].dependencies",
            f"Work order {order.id} follows other orders; booking recommends slots for orders "
            f"without dependencies only: {advice}",
        )
    return (
        "plan",
        f"The plan has crew orders or linked visits, which booking does not move; to book "
        f"work order {order.id}, {advice}",
    )


def _singles(ws: Workspace, wi: int | None) -> list[_Candidate]:
    """The best single insertion on each allowed vehicle, priced by the whole objective."""
    sol = ws.solution
    node = ws.node
    assert node is not None
    before = sol.objective() - sol.model.penalty[node]
    out = []
    for v in sorted(sol.model.allowed[node]):
        got = ws.insertion(vehicles=[v])
        if got is None:
            continue
        nodes = list(sol.routes[v].nodes)
        if sol.insert(v, node, got[2]):
            routes = ((v, tuple(sol.routes[v].nodes)),)
            out.append(_Candidate(sol.objective() - before, wi, ws, routes, ()))
            sol.set_route(v, nodes)
    return out


def _with_moves(
    ws: Workspace, wi: int | None, singles: list[_Candidate], deadline: float
) -> list[_Candidate]:
    """Insertions that move one order of the route elsewhere first, while time remains."""
    if time.perf_counter() >= deadline:
        return []
    sol = ws.solution
    node = ws.node
    assert node is not None
    cheapest = [c.routes[0][0] for c in sorted(singles, key=lambda c: c.estimate)]
    fits = set(cheapest)
    hood = Neighbourhood(ws.index)
    allowed = sol.model.allowed[node]
    full = [v for v in hood.vehicles_by_start[node] if v in allowed and v not in fits]
    before = sol.objective() - sol.model.penalty[node]
    out: list[_Candidate] = []
    for v in cheapest[:MOVE_ROUTES] + full[:MOVE_ROUTES_FULL]:
        nodes = list(sol.routes[v].nodes)
        for y in nodes:
            if time.perf_counter() >= deadline:
                return out
            snapshot = sol.snapshot()
            if sol.set_route(v, [n for n in nodes if n != y]):
                got = ws.insertion(vehicles=[v])
                if got is not None and sol.insert(v, node, got[2]):
                    _, w, pos = best_insertion(sol, y, hood, sol.model.penalty[y])
                    if w >= 0 and sol.insert(w, y, pos):
                        routes = tuple(
                            (u, tuple(sol.routes[u].nodes)) for u in dict.fromkeys((v, w))
                        )
                        moves = ((y, v, w),) if w != v else ()
                        out.append(_Candidate(sol.objective() - before, wi, ws, routes, moves))
            changed = [u for u, r in enumerate(snapshot) if r != sol.routes[u].nodes]
            sol.restore(snapshot, changed)
    return out


def _verified(
    booked: Problem, plan: Plan, order: WorkOrder, c: _Candidate, base: float
) -> Recommendation | None:
    """The candidate written into the plan, if the validator accepts it."""
    ws = c.workspace
    routes: list[Route] = [ws.route(v, nodes) for v, nodes in c.routes]
    new = checked_plan(booked, plan, routes, {order.id}, changed_only=True)
    if new is None:
        return None
    route = new.route_of(order.id)
    assert route is not None
    stop = next(s for s in route.stops if s.work_order_id == order.id)
    vehicles = ws.index.vehicles
    moves = tuple(
        Move(
            ws.index.order_ids[y],
            vehicles[a].technician.id,
            vehicles[a].shift_index,
            vehicles[b].technician.id,
            vehicles[b].shift_index,
        )
        for y, a, b in c.moves
    )
    return Recommendation(
        technician_id=route.technician_id,
        shift_index=route.shift_index,
        window_index=c.window_index,
        arrival_s=stop.arrival_s,
        start_s=stop.start_s,
        end_s=stop.end_s,
        objective_delta=new.stats.objective - base,
        sla_status=stop.sla_status,
        moves=moves,
        plan=new,
    )
