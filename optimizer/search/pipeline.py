"""The search pipeline: which engines search a problem, and how they are chained.

:func:`run` is what :func:`optimizer.solve` runs. It validates the problem,
computes the travel matrices, the eligibility and the node index that every
engine reads (:func:`optimizer.search.index.prepare`), then takes one of
three paths:

- **field service** (every problem outside the classic VRPTW shape, unless
  ``engine="ortools"``): the starts are the rules engine's plan
  (:mod:`optimizer.search.rules`), a warm start when given, and on days of
  :data:`PYVRP_START_MIN_ORDERS`+ orders a relaxed PyVRP search
  (:mod:`optimizer.search.pyvrp`); the best of them by the real objective
  is improved by the large-neighbourhood search (:mod:`optimizer.search.lns`)
  until the deadline, then protected (no order left out that cheaper work
  could make room for) and audited;
- **exact PyVRP** (the classic VRPTW shape): PyVRP searches, then
  :mod:`optimizer.search.ortools` restores and times its routes;
- **OR-Tools** (``engine="ortools"``, or a warm start on the classic
  shape): the full model searches, from the start when given, from the
  rules engine's routes on large problems, or from its own first solution;
  if it finds none in time, the rules engine's plan is returned.
"""

from __future__ import annotations

import random
import time as _clock
from collections.abc import Callable, Sequence
from dataclasses import replace

from optimizer.errors import InputError
from optimizer.params import SolveParams
from optimizer.plan import Plan, Route, SolveStats
from optimizer.problem import Problem
from optimizer.search.decomposition import PartTask, should_decompose, solve_in_parts
from optimizer.search.executor import executor_for
from optimizer.search.index import SearchInput, routes_from_plan
from optimizer.search.links import expand, merge_plan
from optimizer.search.lns.audit import audit, protect
from optimizer.search.lns.global_audit import repair_across_parts
from optimizer.search.lns.links import (
    LinkedSolution,
    Links,
    audit_groups,
    improve_linked,
    linked_model,
)
from optimizer.search.lns.search import Neighbourhood, improve, recreate
from optimizer.search.lns.solution import CostModel, Solution
from optimizer.search.ortools.search import SearchSettings, ortools_search
from optimizer.search.prepare import Prepared, prepare
from optimizer.search.progress import (
    Phase,
    Progress,
    ProgressCallback,
    Reporter,
    Stopped,
    part_stop,
)
from optimizer.search.pyvrp.stage import field_service_reason, pyvrp_routes, unsupported_reason
from optimizer.search.rules.greedy import greedy_plan, regional_plan, rules_routes
from optimizer.search.timing import timing_of
from optimizer.search.writer import finish_plan, unassigned_of, write_plan
from optimizer.validation import ensure_valid
from optimizer.weights import DEFAULT_WEIGHTS

__all__ = ["Phase", "Progress", "ProgressCallback", "run", "solve_part"]

#: Share of the remaining budget the exact PyVRP stage gets; OR-Tools then
#: only restores and times its routes (Homberger 400, 4 instances at 30 s:
#: 0.85 with an OR-Tools polish gave a 1.70% mean gap and overran the limit
#: by up to 1.3 s; without the polish, restoring and timing 400 orders
#: takes 0.04 s, and 0.985 leaves room for that and PyVRP's last iteration).
PYVRP_SHARE = 0.985
#: Share of the exact stage's budget after which PyVRP, still without a
#: plan serving every order, searches again with optional orders.
PYVRP_GIVE_UP_SHARE = 0.25
#: Field-service days with at least this many orders also start from a
#: relaxed PyVRP search, which gets :data:`PYVRP_START_SHARE` of the budget.
PYVRP_START_MIN_ORDERS = 200
PYVRP_START_SHARE = 0.3
#: Shortest PyVRP start worth running, in seconds: below it (a part of a
#: large problem under a very short limit) the starts are the rules engine's
#: (unless the solve counts iterations, ``solution_limit``, to be reproducible).
PYVRP_START_MIN_S = 0.5
#: Share of the budget kept after the large-neighbourhood search for the
#: protection, the audit and the writing of the plan.
FINISH_SHARE = 0.03

#: PyVRP iterations per improving solution of ``SolveParams.solution_limit``.
PYVRP_ITERATIONS_PER_SOLUTION = 100
#: Large-neighbourhood iterations per improving solution of ``solution_limit``.
LNS_ITERATIONS_PER_SOLUTION = 20


def _remaining_s(params: SolveParams, started: float) -> float:
    return params.time_limit_s - (_clock.perf_counter() - started)


def _iterations(params: SolveParams, per_solution: int) -> int | None:
    """An iteration limit under ``solution_limit`` (reproducible solves), else ``None``."""
    if params.solution_limit is None:
        return None
    return params.solution_limit * per_solution


#: Measured cost of OR-Tools' parallel cheapest insertion on this project's
#: field-service days (2-vCPU AMD EPYC): 500 orders x 50 technicians took
#: 29.6 s to a first plan; it grows about with orders^2 x vehicles.
_PCI_REFERENCE = (500, 50, 29.6)
#: The greedy start is used when insertion would eat more than this share of the budget.
_PCI_BUDGET_SHARE = 0.3


def _needs_fast_start(inputs: SearchInput, params: SolveParams) -> bool:
    """Start OR-Tools from the rules engine when parallel cheapest insertion would take too long.

    On a 200-order day insertion serves every order in 10 s where the greedy
    start leaves 40% unserved, so the greedy start is kept for problems
    whose estimated insertion time exceeds 30% of the time limit.
    """
    if params.first_solution != "auto":
        return False
    orders, vehicles, seconds = _PCI_REFERENCE
    n, v = len(inputs.index.order_of_node), len(inputs.index.vehicles)
    estimate_s = seconds * (n / orders) ** 2 * (v / vehicles)
    return estimate_s > _PCI_BUDGET_SHARE * params.time_limit_s


def _path(inputs: SearchInput, params: SolveParams, initial_plan: Plan | None) -> str:
    """``"field"``, ``"exact"`` (PyVRP, then OR-Tools restores) or ``"ortools"``."""
    if params.engine == "ortools":
        if inputs.problem.is_time_dependent:
            raise InputError.single(
                "params.engine",
                "The ortools engine cannot model this problem: time-dependent travel "
                "(speed profiles).",
            )
        if inputs.problem.depots:
            raise InputError.single(
                "params.engine",
                "The ortools engine cannot model depot visits (parts and tools picked up "
                "during the day); use engine auto.",
            )
        return "ortools"
    reason = unsupported_reason(inputs)
    if reason is None:
        return "ortools" if initial_plan is not None else "exact"
    if params.engine == "pyvrp":
        raise InputError.single(
            "params.engine", f"The pyvrp engine cannot model this problem: {reason}."
        )
    return "field"


def run(
    problem: Problem,
    *,
    params: SolveParams | None = None,
    initial_plan: Plan | None = None,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    """Assign and sequence the work orders of ``problem``: :func:`optimizer.solve`.

    The parameters, the result and the errors are those of
    :func:`optimizer.solve.solve`.
    """
    params = params or SolveParams()
    started = _clock.perf_counter()
    reporter = Reporter(on_progress, started)
    reporter.enter(Phase.LOADING)
    ensure_valid(problem)
    if params.engine == "auto" and _is_large_field_service(problem):
        executor = executor_for(params.executor, params.processes, params.ray_address)
        plan = solve_in_parts(
            problem,
            params,
            executor,
            solve_part,
            started,
            start=initial_plan,
            reporter=reporter,
            repair=repair_across_parts,
        )
        if plan is not None:
            return plan
    return _run(problem, params, initial_plan, reporter, started)


def solve_part(task: PartTask) -> Plan:
    """Solve one part of a large problem (run by the executor's workers).

    A part solved in the process of the whole solve stops when the whole
    solve is stopped (:func:`~optimizer.search.progress.parts_stop_here`);
    a part in another process runs to its time limit.
    """
    started = _clock.perf_counter()
    stop = part_stop()
    reporter = Reporter(None if stop is None else (lambda _: stop()), started)
    return _run(task.problem, task.params, task.start, reporter, started)


#: CPU seconds per 1,000 orders that a problem solved in parts needs at
#: least for its first plan, whatever its time limit: every part's travel,
#: eligibility and rules-engine routes, and the explanation of the orders
#: left out (10,000 ``nightly`` orders with a 1 s limit: 16-21 s in one
#: process on this project's 2-vCPU machine).
FIRST_PLAN_S_PER_1K = 2.0
#: Seconds of that floor that do not shrink with more processes (combining
#: the parts, writing the plan).
FIRST_PLAN_FIXED_S = 1.0


def least_time_limit_s(problem: Problem, processes: int = 1) -> float:
    """The shortest time limit ``problem`` can meet with ``processes`` search processes.

    0 for problems searched whole (a first plan comes within any limit); for
    a problem solved in parts (:func:`_is_large_field_service`), the time
    its first plan takes: below it the solve runs that long anyway and the
    API says so (``time_limit_below_minimum``).
    """
    if not _is_large_field_service(problem):
        return 0.0
    per_process = FIRST_PLAN_S_PER_1K * len(problem.work_orders) / 1000 / max(processes, 1)
    return round(per_process + FIRST_PLAN_FIXED_S, 1)


def _is_large_field_service(problem: Problem) -> bool:
    """Large enough to be solved in parts, and not of the classic VRPTW shape."""
    if not should_decompose(problem):
        return False
    weights = problem.weights or DEFAULT_WEIGHTS
    return field_service_reason(problem, weights) is not None or any(
        o.required_skills or o.pinned_technician_id or o.excluded_technician_ids or o.parts
        for o in problem.work_orders
    )


def _run(
    problem: Problem,
    params: SolveParams,
    initial_plan: Plan | None,
    reporter: Reporter,
    started: float,
) -> Plan:
    """One problem (or one part) searched whole, from validation on."""
    if problem.has_links:  # crews and linked visits: the field-service search by groups
        return _linked_plan(problem, params, initial_plan, reporter, started)
    reporter.enter(Phase.MATRICES)
    try:
        prepared = prepare(
            problem, params.seed, reporter.should_stop if reporter.is_active else None
        )
    except Stopped:  # before any plan: the rules engine's, region by region (fast)
        return _rules_plan_now(problem)
    inputs = prepared.inputs
    if inputs is None:
        stats = SolveStats("not_solved", 0.0, None, 0.0, 0, "none")
        reasons = prepared.eligibility.reasons
        return finish_plan(
            problem, (), unassigned_of(problem, None, reasons, set()), stats, started
        )
    path = _path(inputs, params, initial_plan)
    if path == "field":
        return _field_plan(prepared, inputs, params, started, initial_plan, reporter)
    return _ortools_plan(prepared, inputs, params, started, initial_plan, path, reporter)


#: Orders per region of the rules engine's plan of a solve stopped before its first plan:
#: regions this small dispatch 2,000 orders in about a second (2-vCPU AMD EPYC).
STOPPED_REGION_ORDERS = 200


def _rules_plan_now(problem: Problem) -> Plan:
    """The rules engine's plan, as fast as it comes: by regions when there are coordinates."""
    plan = regional_plan(problem, STOPPED_REGION_ORDERS) or greedy_plan(problem)
    return replace(plan, stats=replace(plan.stats, engine="greedy(stopped)"))


def _field_plan(
    prepared: Prepared,
    inputs: SearchInput,
    params: SolveParams,
    started: float,
    initial_plan: Plan | None,
    reporter: Reporter,
) -> Plan:
    """Starts (warm, rules engine, relaxed PyVRP), then the large-neighbourhood search.

    The best of the warm and rules-engine starts is reported before the
    relaxed PyVRP search begins, so that a solve stopped at any time after
    the matrices has a plan; a stopped solve skips what is left of the
    search and writes its best plan.
    """
    reporter.enter(Phase.FIRST_PLAN)
    lanes, rules = timing_of(inputs)
    reporter.should_stop()  # heartbeats: the starts take seconds on large days
    model = CostModel.build(inputs, lanes, rules)
    hood = Neighbourhood(inputs.index)
    reporter.should_stop()
    n_orders = len(inputs.index.order_of_node)

    def filled(routes: Sequence[Sequence[int]]) -> Solution:
        # each start filled the way the search fills, then compared
        candidate = Solution(model, routes)
        reporter.should_stop()
        recreate(candidate, sorted(candidate.unassigned), hood, random.Random(params.seed))
        reporter.should_stop()
        return candidate

    def plan_of(routes: list[list[int]], engine: str, solutions: int) -> Callable[[], Plan]:
        def write() -> Plan:
            stats = SolveStats("feasible", 0.0, None, 0.0, solutions, engine)
            return write_plan(
                inputs.problem,
                inputs.index,
                lanes,
                rules,
                routes,
                prepared.eligibility.reasons,
                stats,
                started,
            )

        return write

    candidates: list[tuple[str, Solution]] = []
    if initial_plan is not None:
        candidates.append(("warm", filled(routes_from_plan(inputs.index, initial_plan))))
    greedy = rules_routes(inputs, lanes, rules)
    budget = _remaining_s(params, started) * PYVRP_START_SHARE
    worth = budget >= PYVRP_START_MIN_S or params.solution_limit is not None  # reproducible
    reporter.should_stop()
    candidates.append(("greedy", filled(greedy)))
    if reporter.is_active:
        name, best = min(candidates, key=lambda c: c[1].objective())
        reporter.best(
            best.objective(), n_orders - len(best.unassigned), plan_of(best.snapshot(), name, 0)
        )
    wanted = initial_plan is None and n_orders >= PYVRP_START_MIN_ORDERS and worth
    if wanted and not reporter.stopped:
        iterations = _iterations(params, PYVRP_ITERATIONS_PER_SOLUTION)
        found = pyvrp_routes(
            inputs,
            budget,
            params.seed,
            iterations,
            relaxed=True,
            processes=params.processes,
            stop=reporter.should_stop if reporter.is_active else None,
        )
        candidates += [("pyvrp", filled(routes)) for routes in found]
    first_s = _clock.perf_counter() - started
    name, solution = min(candidates, key=lambda c: c[1].objective())
    best_routes = solution.snapshot()

    def keep(routes: list[list[int]]) -> None:
        nonlocal best_routes
        best_routes = routes

    if reporter.is_active:
        reporter.enter(Phase.IMPROVING)
        objective = solution.objective()
        assigned = n_orders - len(solution.unassigned)
        reporter.best(objective, assigned, lambda: plan_of(best_routes, name + "+lns", 0)())
    if reporter.stopped:
        deadline = _clock.perf_counter()  # stopped by the caller: keep the start
    else:
        deadline = started + params.time_limit_s * (1 - FINISH_SHARE)
    routes, _, iterations = improve(
        solution,
        hood,
        deadline,
        params.seed,
        _iterations(params, LNS_ITERATIONS_PER_SOLUTION),
        on_best=reporter.on_best if reporter.is_active else None,
        keep_best=keep if reporter.is_active else None,
    )
    reporter.enter(Phase.FINISHING)
    solution = Solution(model, routes)
    end = _clock.perf_counter() if reporter.stopped else started + params.time_limit_s
    protect(solution, hood, end)
    findings = audit(solution, hood)
    stats = SolveStats(
        status="feasible",
        objective=0.0,
        first_solution_s=first_s,
        wall_s=0.0,
        solutions=iterations,
        engine=f"{name}+lns",
        audit_findings=len(findings),
    )
    return write_plan(
        inputs.problem,
        inputs.index,
        lanes,
        rules,
        solution.snapshot(),
        prepared.eligibility.reasons,
        stats,
        started,
    )


def _ortools_plan(
    prepared: Prepared,
    inputs: SearchInput,
    params: SolveParams,
    started: float,
    initial_plan: Plan | None,
    path: str,
    reporter: Reporter,
) -> Plan:
    """The full OR-Tools model from a start: a warm start, PyVRP's routes or the rules engine's."""
    start: Sequence[Sequence[int]] | None = None
    engine = "ortools"
    if initial_plan is not None:
        start = routes_from_plan(inputs.index, initial_plan)
    elif path == "exact":
        budget = _remaining_s(params, started) * PYVRP_SHARE
        iterations = _iterations(params, PYVRP_ITERATIONS_PER_SOLUTION)
        found = pyvrp_routes(
            inputs,
            budget,
            params.seed,
            iterations,
            give_up_s=budget * PYVRP_GIVE_UP_SHARE,
            processes=params.processes,
        )
        if not found:  # not every order can be served: they become optional
            budget = _remaining_s(params, started) * PYVRP_SHARE
            found = pyvrp_routes(
                inputs, budget, params.seed, iterations, processes=params.processes
            )
        if found:  # ranked by PyVRP's cost: the exact model's, up to compressed prizes
            start, engine = found[0], "pyvrp+ortools"
    elif _needs_fast_start(inputs, params):
        lanes, rules = timing_of(inputs)
        start, engine = rules_routes(inputs, lanes, rules), "greedy+ortools"
    settings = SearchSettings(
        time_limit_s=params.time_limit_s,
        first_solution=params.first_solution,
        metaheuristic=params.metaheuristic,
        solution_limit=params.solution_limit,
        log_search=params.log_search,
    )

    def on_solution(elapsed: float, objective: float, assigned: int) -> bool | None:
        return reporter.best(objective, assigned)

    result = ortools_search(
        inputs,
        prepared.eligibility,
        settings,
        started,
        start,
        restore_only=engine == "pyvrp+ortools",
        on_solution=on_solution if reporter.is_active else None,
    )
    if result.routes is None:
        # No solution in time: the rules engine's plan is one, so a solve
        # always returns work.
        fallback = greedy_plan(problem=inputs.problem)
        stats = replace(fallback.stats, status="no_solution_found", engine="greedy")
        return finish_plan(inputs.problem, fallback.routes, fallback.unassigned, stats, started)
    served_ids = {stop.work_order_id for route in result.routes for stop in route.stops}
    orders = inputs.problem.work_orders
    served = {n for n, o in enumerate(inputs.index.order_of_node) if orders[o].id in served_ids}
    stats = SolveStats(
        status=result.status,
        objective=0.0,
        first_solution_s=result.first_solution_s,
        wall_s=0.0,
        solutions=result.solutions,
        engine=engine if result.from_start else "ortools",
    )
    if len(served) < len(orders) - len(prepared.eligibility.reasons):
        audited = _protected_exact(prepared, inputs, params, started, result.routes, stats)
        if audited is not None:
            return audited
    unassigned = unassigned_of(inputs.problem, inputs.index, prepared.eligibility.reasons, served)
    return finish_plan(inputs.problem, result.routes, unassigned, stats, started)


def _linked_plan(
    problem: Problem,
    params: SolveParams,
    initial_plan: Plan | None,
    reporter: Reporter,
    started: float,
) -> Plan:
    """Crews and dependencies: the field-service search on the expanded problem, by groups.

    Crew orders become member orders (:func:`optimizer.search.links.expand`);
    the starts are the rules engine's routes, a warm start and (from
    :data:`PYVRP_START_MIN_ORDERS` orders) a relaxed PyVRP search, all
    without the linked orders, each filled by group insertions; the large-neighbourhood
    search by groups (:func:`optimizer.search.lns.links.improve_linked`) runs
    to the deadline; every group left out that fits for less than its
    penalty is then inserted, and the plan is written back for ``problem``.
    Progress phases and stops are those of :func:`_field_plan`.
    """
    if params.engine in ("ortools", "pyvrp"):
        raise InputError.single(
            "params.engine",
            f"The {params.engine} engine cannot model crews or dependencies; use engine auto.",
        )
    expanded, spec = expand(problem)
    reporter.enter(Phase.MATRICES)
    try:
        prepared = prepare(
            expanded, params.seed, reporter.should_stop if reporter.is_active else None
        )
    except Stopped:  # before any plan: the rules engine's (crews and chains kept whole)
        return _rules_plan_now(problem)
    inputs = prepared.inputs
    reasons = prepared.eligibility.reasons
    if inputs is None:
        stats = SolveStats("not_solved", 0.0, None, 0.0, 0, "none")
        draft = finish_plan(
            expanded, (), unassigned_of(expanded, None, reasons, set()), stats, started
        )
        return merge_plan(problem, spec, draft, started)
    reporter.enter(Phase.FIRST_PLAN)
    lanes, rules = timing_of(inputs)
    base = CostModel.build(inputs, lanes, rules)
    links = Links(spec, inputs.index)
    hood = Neighbourhood(inputs.index)
    reporter.should_stop()
    starts: list[tuple[str, Sequence[Sequence[int]]]] = []
    if initial_plan is not None:
        starts.append(("warm", routes_from_plan(inputs.index, initial_plan)))
    starts.append(("greedy", rules_routes(inputs, lanes, rules)))
    n_orders = len(inputs.index.order_of_node)
    budget = _remaining_s(params, started) * PYVRP_START_SHARE
    worth = budget >= PYVRP_START_MIN_S or params.solution_limit is not None  # reproducible
    wanted = initial_plan is None and n_orders >= PYVRP_START_MIN_ORDERS and worth
    if wanted and not reporter.should_stop():  # the orders without links
        iterations = _iterations(params, PYVRP_ITERATIONS_PER_SOLUTION)
        found = pyvrp_routes(
            inputs,
            budget,
            params.seed,
            iterations,
            relaxed=True,
            processes=params.processes,
            stop=reporter.should_stop if reporter.is_active else None,
        )
        starts += [("pyvrp", routes) for routes in found]
    candidates = []
    for name, routes in starts:
        candidate = LinkedSolution(linked_model(base, links), links, hood, routes)
        candidate.recreate(candidate.unserved_groups(), random.Random(params.seed))
        candidates.append((name, candidate))
        reporter.should_stop()
    first_s = _clock.perf_counter() - started
    name, solution = min(candidates, key=lambda c: c[1].objective())

    def plan_of(routes: list[list[int]], engine: str, solutions: int) -> Plan:
        stats = SolveStats("feasible", 0.0, None, 0.0, solutions, engine)
        draft = write_plan(
            expanded, inputs.index, lanes, solution.model.rules, routes, reasons, stats, started
        )
        return merge_plan(problem, spec, draft, started)

    if reporter.is_active:
        start_routes = solution.snapshot()
        reporter.enter(Phase.IMPROVING)
        reporter.best(
            solution.objective(),
            n_orders - len(solution.unassigned),
            lambda: plan_of(start_routes, name, 0),
        )
    if reporter.stopped:
        deadline = _clock.perf_counter()  # stopped by the caller: keep the start
    else:
        deadline = started + params.time_limit_s * (1 - FINISH_SHARE)
    best, _, iterations = improve_linked(
        solution,
        deadline,
        params.seed,
        _iterations(params, LNS_ITERATIONS_PER_SOLUTION),
        on_best=reporter.on_best if reporter.is_active else None,
    )
    reporter.enter(Phase.FINISHING)
    solution.load(best)
    for g in solution.unserved_groups():  # protection: whatever fits for less than it costs
        if solution.insertable(g):
            solution.insert_group(g, solution.group_penalty[g])
    stats = SolveStats(
        status="feasible",
        objective=0.0,
        first_solution_s=first_s,
        wall_s=0.0,
        solutions=iterations,
        engine=f"{name}+lns",
        audit_findings=len(audit_groups(solution)),
    )
    draft = write_plan(
        expanded,
        inputs.index,
        lanes,
        solution.model.rules,
        solution.snapshot(),
        reasons,
        stats,
        started,
    )
    return merge_plan(problem, spec, draft, started)


def _protected_exact(
    prepared: Prepared,
    inputs: SearchInput,
    params: SolveParams,
    started: float,
    routes: Sequence[Route],
    stats: SolveStats,
) -> Plan | None:
    """The exact paths' plan with the field path's priority protection, if it finds a gain.

    PyVRP and OR-Tools price a left-out order by a (compressed) prize: one
    they leave out while cheaper work holds its technician or its parts is
    served here (:func:`~optimizer.search.lns.audit.protect`). ``None`` when
    the audit changes nothing: the plan stays as the engine timed it.
    """
    lanes, rules = timing_of(inputs)
    nodes = routes_from_plan(inputs.index, Plan(tuple(routes), (), stats))
    solution = Solution(CostModel.build(inputs, lanes, rules), nodes)
    hood = Neighbourhood(inputs.index)
    now = _clock.perf_counter()
    finish = max(started + params.time_limit_s, now + FINISH_SHARE * params.time_limit_s)
    if not protect(solution, hood, finish):
        return None
    findings = audit(solution, hood)
    stats = replace(stats, engine=f"{stats.engine}+audit", audit_findings=len(findings))
    return write_plan(
        inputs.problem,
        inputs.index,
        lanes,
        rules,
        solution.snapshot(),
        prepared.eligibility.reasons,
        stats,
        started,
    )
