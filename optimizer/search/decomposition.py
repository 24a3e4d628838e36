"""Large field-service problems in parts: nearby technicians and orders solved together, in rounds.

The first round splits the region into parts of about
:data:`~optimizer.search.partition.PART_ORDERS` orders with the technicians
to serve them (:func:`~optimizer.search.partition.regions`) and solves
every part with the full-fidelity search (a part is an ordinary problem
for :func:`optimizer.search.pipeline.run`). Each later round groups the
routes found so far differently, by their barycentres along turned
directions (:func:`~optimizer.search.partition.route_groups`), with the
orders left out near them, and improves every part from its current
routes; a part's new routes are kept only when the whole problem's
objective does not rise. The parts of a round are independent, so they
run on the executor's workers (:mod:`optimizer.search.executor`) at once.
Memory and time grow with the part size times the number of parts, not
with the square of the problem.

No order is lost or duplicated: the parts of a round partition the
technicians and the orders, every order of a part is either in one of its
routes or left out, and the plan is rebuilt from the parts each round.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from optimizer.objective import plan_cost
from optimizer.params import SolveParams
from optimizer.plan import Plan, Route, SolveStats, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.executor import Executor
from optimizer.search.link_parts import whole_links
from optimizer.search.links import with_predecessor_reasons
from optimizer.search.partition import (
    PART_ORDERS,
    SPLIT_MIN_ORDERS,
    Part,
    part_problem,
    regions,
    route_groups,
)
from optimizer.search.prepare import reasons_for
from optimizer.search.writer import NO_ROOM, finish_plan

#: Share of the budget the first round gets; later rounds share the rest.
FIRST_ROUND_SHARE = 0.45
#: Later rounds after the first one that share the rest of the budget; any
#: round after them gets all the time left (fewer when time runs short).
LATER_ROUNDS = 3
#: Time kept at the end for explaining the orders left out and writing the plan.
FINISH_SHARE = 0.04
#: Shortest time worth giving one part, in seconds.
MIN_PART_S = 1.0


@dataclass(frozen=True, slots=True)
class PartTask:
    """One part to solve: its problem, its search parameters and the routes to start from."""

    problem: Problem
    params: SolveParams
    start: Plan | None


PartSolver = Callable[[PartTask], Plan]
RoundCallback = Callable[[float, int], bool | None]


def should_decompose(problem: Problem) -> bool:
    """Whether ``problem`` is large enough to be solved in parts."""
    return len(problem.work_orders) > SPLIT_MIN_ORDERS


def _restricted(plan: Plan, part: Part) -> Plan:
    """The routes of ``plan`` driven by the part's technicians (its warm start)."""
    routes = tuple(r for r in plan.routes if r.technician_id in part.technician_ids)
    return Plan(routes, (), plan.stats)


def _waves(n_parts: int, workers: int) -> int:
    return max(math.ceil(n_parts / workers), 1)


def solve_in_parts(
    problem: Problem,
    params: SolveParams,
    executor: Executor,
    solve_part: PartSolver,
    started: float,
    start: Plan | None = None,
    on_round: RoundCallback | None = None,
) -> Plan | None:
    """Solve ``problem`` part by part until the deadline; ``None`` without coordinates.

    Parameters
    ----------
    problem
        A valid problem with geographic or planar locations.
    params
        The solve's parameters: its time limit (counted from ``started``,
        ``time.perf_counter()``), seed and solution limit (each part gets
        the same, so that results do not depend on the executor).
    executor
        Where the parts of a round run.
    solve_part
        A module-level function solving one :class:`PartTask`.
    start
        A plan to start from (a warm start): then every round groups its
        routes, the first one included.
    on_round
        Called after each round with the objective and the orders served;
        returning ``True`` stops.
    """
    routes: dict[str, tuple[Route, ...]] = {}
    if start is not None:
        known = {o.id for o in problem.work_orders}
        for route in start.routes:
            if all(s.work_order_id in known for s in route.stops):
                routes.setdefault(route.technician_id, ())
                routes[route.technician_id] += (route,)
    plan = _combined(problem, routes)
    rounds = 0
    parts = whole_links(  # crews and dependency chains stay whole (link_parts.py)
        problem,
        regions(problem, PART_ORDERS)
        if start is None
        else route_groups(problem, plan, PART_ORDERS, 1),
        plan,
    )
    if parts is None:
        return None
    deadline = started + params.time_limit_s * (1 - FINISH_SHARE)
    # Under an iteration limit the rounds are counted, so that the plan does
    # not depend on the machine; otherwise they go on until the deadline.
    last_round = 1 + LATER_ROUNDS if params.solution_limit is not None else math.inf
    while parts is not None and time.perf_counter() < deadline and rounds < last_round:
        left = deadline - time.perf_counter()
        fresh = start is None and rounds == 0
        share = FIRST_ROUND_SHARE if fresh else 1 / max(LATER_ROUNDS - rounds + 1, 1)
        part_s = left * share / _waves(len(parts), executor.workers)
        if not fresh and part_s < MIN_PART_S:
            break
        tasks = [
            PartTask(
                part_problem(problem, part),
                replace(params, time_limit_s=max(part_s, 0.05), seed=params.seed + k, processes=1),
                None if fresh else _restricted(plan, part),
            )
            for k, part in enumerate(parts)
        ]
        solved = executor.map(solve_part, tasks)
        current = _cost(problem, plan)
        for part, new in zip(parts, solved, strict=True):
            before = {t: routes.get(t, ()) for t in part.technician_ids}
            for tech_id in part.technician_ids:
                routes[tech_id] = tuple(r for r in new.routes if r.technician_id == tech_id)
            if fresh:
                continue
            cost = _cost(problem, _combined(problem, routes))
            if cost > current:  # judged on the whole problem: keep the old routes
                routes.update(before)
            else:
                current = cost
        plan = _combined(problem, routes)
        rounds += 1
        if on_round is not None:
            objective = plan_cost(problem, plan)["total"]
            if on_round(objective, len(plan.assigned_ids)):
                break
        parts = whole_links(
            problem, route_groups(problem, plan, PART_ORDERS, rounds + (start is not None)), plan
        )
    served = plan.assigned_ids
    left_out = {o.id for o in problem.work_orders if o.id not in served}
    reasons = reasons_for(problem, left_out) if left_out else {}
    unassigned = [
        Unassigned(o.id, *reasons.get(i, (UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)))
        for i, o in enumerate(problem.work_orders)
        if o.id in left_out
    ]
    if problem.has_links:
        unassigned = with_predecessor_reasons(problem, unassigned, served)
    stats = SolveStats("feasible", 0.0, None, 0.0, rounds, f"parts+lns({rounds} rounds)")
    return finish_plan(problem, plan.routes, unassigned, stats, started)


def _plan_of(problem: Problem, routes: Sequence[Route]) -> Plan:
    """The plan of ``routes`` in ``problem``, every other order left out (for costing)."""
    served = {s.work_order_id for r in routes for s in r.stops}
    left = tuple(
        Unassigned(o.id, UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)
        for o in problem.work_orders
        if o.id not in served
    )
    return Plan(tuple(routes), left, SolveStats("feasible", 0.0, None, 0.0))


def _combined(problem: Problem, routes: dict[str, tuple[Route, ...]]) -> Plan:
    """One plan of the routes of every part (orders on no route left out)."""
    ordered = [r for t in problem.technicians for r in routes.get(t.id, ())]
    return _plan_of(problem, ordered)


def _cost(problem: Problem, plan: Plan) -> float:
    return plan_cost(problem, plan)["total"]
