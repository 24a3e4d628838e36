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
from optimizer.search.progress import Phase, Reporter, parts_stop_here
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
    reporter: Reporter | None = None,
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
    reporter
        Told the phase (``partition``, then ``parts``: part k of n in round
        r), the best plan so far (the parts solved so far in the first
        round, then each round's plan); when it says stop, the parts not yet
        solved are given up and the plan so far is finished.
    repair
        The global audit and repair after the last round (its findings go
        to ``stats.audit_findings``); ``None``: none.

    The whole time limit is used: a round whose parts would get less than
    :data:`MIN_PART_S` each gets all the time left, and when even that is
    too short, only the parts it has time for are solved.
    """
    reporter = reporter or Reporter(None, started)
    reporter.enter(Phase.PARTITION)
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
    parts = whole_links(  # crews and dependency chains stay whole (link_parts.py)
        problem,
        regions(problem, PART_ORDERS)
        if start is None
        else route_groups(problem, plan, PART_ORDERS, 1),
        plan,
    )
    if parts is None:
        return None
    deadline = started + params.time_limit_s * (1 - FINISH_SHARE - GLOBAL_AUDIT_SHARE)
    # Under an iteration limit the rounds are counted, so that the plan does
    # not depend on the machine; otherwise they go on until the deadline.
    counted = params.solution_limit is not None
    last_round = 1 + COUNTED_ROUNDS if counted else math.inf
    while (
        parts is not None
        and time.perf_counter() < deadline
        and rounds < last_round
        and not reporter.stopped
    ):
        left = deadline - time.perf_counter()
        fresh = start is None and rounds == 0
        waves = _waves(len(parts), executor.workers)
        later = COUNTED_ROUNDS if counted else LATER_ROUNDS
        planned = max(later - rounds + 1, 1)
        while planned > 1 and left / planned / waves < LATER_PART_S:
            planned -= 1  # a short budget: fewer later rounds, each worth running
        share = FIRST_ROUND_SHARE if fresh else 1 / planned
        part_s = left * share / waves
        if not fresh and part_s < MIN_PART_S:  # too short a share: the round takes all time left
            part_s = left / waves
            if part_s < MIN_PART_S:  # only the parts there is time for
                fit = int(left // MIN_PART_S) * executor.workers
                if fit < 1:
                    break
                parts, part_s = parts[:fit], left / _waves(fit, executor.workers)
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
        current = _cost(problem, plan)
        watch = _RoundWatch(problem, parts, routes, reporter, fresh, rounds + 1)
        reporter.enter(Phase.PARTS, part=0, parts=len(parts), round=rounds + 1)
        with parts_stop_here(_stop_of(reporter, None if counted else deadline)):
            solved = executor.map_until(solve_part, tasks, watch)
        for k, part in enumerate(parts):
            if k not in solved:
                continue  # given up: a stopped solve keeps the routes it had
            new = solved[k]
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
        if len(solved) < len(parts):
            break  # stopped
        rounds += 1
        if reporter.is_active:
            objective = plan_cost(problem, plan)["total"]
            if reporter.best(objective, len(plan.assigned_ids), _const(plan)):
                break
        reporter.enter(Phase.PARTITION)
        parts = whole_links(
            problem, route_groups(problem, plan, PART_ORDERS, rounds + (start is not None)), plan
        )
    reporter.enter(Phase.FINISHING)
    repair_until = started + params.time_limit_s * (1 - FINISH_SHARE)
    if reporter.stopped:  # a stopped solve finishes at once
        repair_until = time.perf_counter()
    findings = None if repair is None else repair(problem, routes, repair_until)
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
    if problem.has_links:
        unassigned = with_predecessor_reasons(problem, unassigned, served)
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


class _RoundWatch:
    """Reports the parts of a round as they are solved; says whether to stop.

    In the first round the parts are disjoint: the routes of each part
    solved join the best plan so far at once.
    """

    def __init__(
        self,
        problem: Problem,
        parts: Sequence[Part],
        routes: dict[str, tuple[Route, ...]],
        reporter: Reporter,
        fresh: bool,
        round_: int,
    ) -> None:
        self.problem, self.parts, self.routes = problem, parts, routes
        self.reporter, self.fresh, self.round = reporter, fresh, round_
        self.seen: set[int] = set()

    def __call__(self, done: dict[int, Plan]) -> bool:
        new = sorted(set(done) - self.seen)
        if not new:
            return self.reporter.should_stop()
        self.seen.update(new)
        self.reporter.move(Phase.PARTS, part=len(done), parts=len(self.parts), round=self.round)
        if not (self.fresh and self.reporter.is_active):
            return self.reporter.tell()
        for k in new:
            for tech_id in self.parts[k].technician_ids:
                self.routes[tech_id] = tuple(
                    r for r in done[k].routes if r.technician_id == tech_id
                )
        partial = _combined(self.problem, self.routes)
        return self.reporter.best(
            _cost(self.problem, partial), len(partial.assigned_ids), _const(partial)
        )


def _stop_of(reporter: Reporter, deadline: float | None) -> Callable[[], bool] | None:
    """When parts solved in this process stop: on the reporter's stop, or at ``deadline``
    (parts that overran their share do not push the whole solve past its limit)."""
    if deadline is None:
        return reporter.should_stop if reporter.is_active else None
    return lambda: reporter.should_stop() or time.perf_counter() >= deadline


def _const(plan: Plan) -> Callable[[], Plan]:
    return lambda: plan


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
