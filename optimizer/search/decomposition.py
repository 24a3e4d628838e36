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

After the last round, a global audit (:mod:`optimizer.search.lns.global_audit`)
looks at every order left out among the routes of all the technicians who
may serve it, whatever their part, and repairs what it can (insertion,
ejection of cheaper work, an idle technician); ``stats.audit_findings``
counts what it could still serve with a gain.

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
from optimizer.search.depots import stock_shares
from optimizer.search.executor import Executor
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
#: More, shorter rounds regroup the routes and the orders left out more
#: often: 4,000 ``nightly-short`` orders at 30 s per 1,000, 2 processes
#: (shared machine, same-run pairs): 6 against 3 gave 0.481 against 0.565
#: and 0.437 against 0.478 of the rules engine's objective.
LATER_ROUNDS = 6
#: Time kept at the end for explaining the orders left out and writing the plan.
FINISH_SHARE = 0.04
#: Time kept after the rounds for the global audit and repair across the
#: parts' borders (:mod:`optimizer.search.lns.global_audit`). On overloaded days
#: it gains more than a last round: 3,000 ``nightly-short`` orders, a plan
#: of 45 s, audited whole in 12 s (2 contended vCPUs): objective -24%, 219
#: more orders served, P1 left out 15 -> 7.
GLOBAL_AUDIT_SHARE = 0.1
#: Later rounds of a solve under an iteration budget (``solution_limit``):
#: counted, so that its plan does not depend on the machine, and as many as
#: before :data:`LATER_ROUNDS` grew (the same plan at the same budget).
COUNTED_ROUNDS = 3
#: Shortest time worth giving one part, in seconds.
MIN_PART_S = 1.0
#: Least time a part of a later round is planned to get, in seconds: on a
#: short budget there are fewer later rounds rather than rounds too short
#: to search.
LATER_PART_S = 2.0


@dataclass(frozen=True, slots=True)
class PartTask:
    """One part to solve: its problem, its search parameters and the routes to start from."""

    problem: Problem
    params: SolveParams
    start: Plan | None


PartSolver = Callable[[PartTask], Plan]
#: The stage after the last round: ``(problem, routes by technician, deadline)``
#: -> the orders it could still serve with a gain (``None``: not all looked at);
#: it changes the routes in place.
RepairStage = Callable[[Problem, dict[str, tuple[Route, ...]], float], int | None]
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
    repair: RepairStage | None = None,
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
    repair
        The global audit and repair after the last round (its findings go
        to ``stats.audit_findings``); ``None``: none.
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
    # Orders some part's technicians could serve alone: left out at the end,
    # they are capacity_exhausted without a new look at eligibility.
    capable: set[str] = set(plan.assigned_ids)
    parts = (
        regions(problem, PART_ORDERS)
        if start is None
        else route_groups(problem, plan, PART_ORDERS, 1)
    )
    if parts is None:
        return None
    deadline = started + params.time_limit_s * (1 - FINISH_SHARE - GLOBAL_AUDIT_SHARE)
    # Under an iteration limit the rounds are counted, so that the plan does
    # not depend on the machine; otherwise they go on until the deadline.
    last_round = 1 + COUNTED_ROUNDS if params.solution_limit is not None else math.inf
    while parts is not None and time.perf_counter() < deadline and rounds < last_round:
        left = deadline - time.perf_counter()
        fresh = start is None and rounds == 0
        waves = _waves(len(parts), executor.workers)
        later = COUNTED_ROUNDS if params.solution_limit is not None else LATER_ROUNDS
        planned = max(later - rounds + 1, 1)
        while planned > 1 and left / planned / waves < LATER_PART_S:
            planned -= 1  # a short budget: fewer later rounds, each worth running
        share = FIRST_ROUND_SHARE if fresh else 1 / planned
        part_s = left * share / waves
        if not fresh and part_s < MIN_PART_S:
            break
        shares = stock_shares(  # every depot for every part; finite stock split among them
            problem, [(p.work_order_ids, p.technician_ids) for p in parts], plan.routes
        )
        tasks = [
            PartTask(
                replace(part_problem(problem, part), depots=shares[k]),
                replace(params, time_limit_s=max(part_s, 0.05), seed=params.seed + k, processes=1),
                None if fresh else _restricted(plan, part),
            )
            for k, part in enumerate(parts)
        ]
        solved = executor.map(solve_part, tasks)
        current = _cost(problem, plan)
        for part, new in zip(parts, solved, strict=True):
            capable |= new.assigned_ids
            capable.update(
                u.work_order_id
                for u in new.unassigned
                if u.reason is UnassignedReason.CAPACITY_EXHAUSTED
            )
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
        parts = route_groups(problem, plan, PART_ORDERS, rounds + (start is not None))
    findings = None
    if repair is not None:
        findings = repair(problem, routes, started + params.time_limit_s * (1 - FINISH_SHARE))
    plan = _combined(problem, routes)
    served = plan.assigned_ids
    left_out = {o.id for o in problem.work_orders if o.id not in served}
    unexplained = left_out - capable
    reasons = reasons_for(problem, unexplained) if unexplained else {}
    unassigned = [
        Unassigned(o.id, *reasons.get(i, (UnassignedReason.CAPACITY_EXHAUSTED, NO_ROOM)))
        for i, o in enumerate(problem.work_orders)
        if o.id in left_out
    ]
    stats = SolveStats(
        "feasible",
        0.0,
        None,
        0.0,
        rounds,
        f"parts+lns({rounds} rounds)",
        audit_findings=findings,
    )
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
