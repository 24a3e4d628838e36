"""The search pipeline: which engines search a problem, and how they are chained.

:func:`run` is what :func:`optimizer.solve` runs. It validates the problem,
computes the travel matrices, the eligibility and the node index that every
engine reads, then takes one of three paths:

- **relaxed PyVRP** (field-service days of :data:`RELAXED_MIN_ORDERS`+ orders,
  no warm start): :mod:`optimizer.search.pyvrp` searches a relaxed model,
  :mod:`optimizer.search.repair` fits its routes to the full time rules and
  :mod:`optimizer.search.rules` times them (see :func:`_relaxed_plan`);
- **exact PyVRP** (the classic VRPTW shape): PyVRP searches, then
  :mod:`optimizer.search.ortools` restores and times its routes;
- **OR-Tools**: the full model searches, from a warm start, from the rules
  engine's greedy plan (large problems) or from its own first solution; if
  it finds none in time, the greedy plan is returned.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from optimizer.errors import InputError
from optimizer.kpis import compute_kpis
from optimizer.params import SolveParams
from optimizer.plan import Plan, Route, SolveStats, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.eligibility import compute_eligibility, vehicles_of
from optimizer.search.index import SearchInput, build_index, problem_locations
from optimizer.search.ortools.builder import build_model
from optimizer.search.ortools.context import COST_SCALE, ModelContext
from optimizer.search.ortools.extract import extract_routes
from optimizer.search.pyvrp.stage import pyvrp_routes, unsupported_reason
from optimizer.search.repair.routes import repair_routes
from optimizer.search.rules.greedy import greedy_plan, sequenced_plan
from optimizer.travel.base import TravelMatrices, scale_durations
from optimizer.validation import ensure_valid
from optimizer.weights import DEFAULT_WEIGHTS

#: Share of the remaining budget the exact PyVRP stage gets; OR-Tools then
#: only restores and times its routes (Homberger 400, 4 instances at 30 s:
#: 0.85 with an OR-Tools polish gave a 1.70% mean gap and overran the limit
#: by up to 1.3 s; without the polish, restoring and timing 400 orders
#: takes 0.04 s, and 0.985 leaves room for that and PyVRP's last iteration).
PYVRP_SHARE = 0.985
#: Share of the exact stage's budget after which PyVRP, still without a
#: plan serving every order, searches again with optional orders.
PYVRP_GIVE_UP_SHARE = 0.25
#: Share of the time budget the relaxed PyVRP stage gets; the rest covers
#: PyVRP's overshoot on large days (up to ~3 s at 2,000 orders), the repair
#: and the timing of the plan.
PYVRP_RELAXED_SHARE = 0.85
#: Field-service days with at least this many orders are solved by the
#: relaxed PyVRP stage (see :func:`_relaxed_plan`); smaller ones by OR-Tools.
RELAXED_MIN_ORDERS = 200

_SEARCH_STATUS = routing_enums_pb2.RoutingSearchStatus
_STATUS = {
    _SEARCH_STATUS.ROUTING_SUCCESS: "feasible",
    _SEARCH_STATUS.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: "feasible",
    _SEARCH_STATUS.ROUTING_OPTIMAL: "optimal",
}


@dataclass(frozen=True, slots=True)
class Progress:
    """A new best plan was found during the search."""

    elapsed_s: float
    objective: float
    assigned: int


ProgressCallback = Callable[[Progress], bool | None]


def _leg_matrices(problem: Problem, matrices: TravelMatrices) -> tuple[np.ndarray, np.ndarray]:
    """Driving seconds per vehicle: start -> order (out) and order -> end (back)."""
    n = len(problem.work_orders)
    n_tech = len(problem.technicians)
    vehicles = vehicles_of(problem)
    out = np.zeros((len(vehicles), n), dtype=np.int64)
    back = np.zeros((len(vehicles), n), dtype=np.int64)
    for v, veh in enumerate(vehicles):
        t = veh.tech_index
        dur = matrices.duration_s
        out[v] = scale_durations(dur[n + t, :n], veh.technician.speed_factor)
        if veh.technician.end is not None:
            back[v] = scale_durations(dur[:n, n + n_tech + t], veh.technician.speed_factor)
    return out, back


#: Local-search operators that cannot help this model (no pickup-delivery
#: pairs, no visit types) or cost more than they find (path LNS): turning
#: them off gives GLS more iterations (6 hard Solomon instances at 5 s:
#: mean gap 3.70% -> 3.22%).
_IDLE_OPERATORS = (
    "use_relocate_pair",
    "use_light_relocate_pair",
    "use_exchange_pair",
    "use_relocate_subtrip",
    "use_exchange_subtrip",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
)


def _search_parameters(params: SolveParams, remaining_s: float) -> pywrapcp.RoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    for name in _IDLE_OPERATORS:
        setattr(search.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
    strategy = (
        "PARALLEL_CHEAPEST_INSERTION" if params.first_solution == "auto" else params.first_solution
    )
    search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    search.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
    )
    search.time_limit.FromMilliseconds(max(int(remaining_s * 1000), 10))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = params.log_search
    return search


def _initial_routes(ctx: ModelContext, plan: Plan) -> list[list[int]]:
    """Routing indices per vehicle taken from a previous plan (unknown orders skipped)."""
    node_of = {ctx.problem.work_orders[o].id: n for n, o in enumerate(ctx.index.order_of_node)}
    vehicle_of = {
        (veh.technician.id, veh.shift_index): v for v, veh in enumerate(ctx.index.vehicles)
    }
    routes: list[list[int]] = [[] for _ in ctx.index.vehicles]
    for route in plan.routes:
        v = vehicle_of.get((route.technician_id, route.shift_index))
        if v is None:
            continue
        for stop in route.stops:
            node = node_of.get(stop.work_order_id)
            if node is not None:
                index = ctx.order_index(node)
                if ctx.routing.VehicleVar(index).Contains(v):
                    routes[v].append(index)
    return routes


def _remaining_s(params: SolveParams, started: float) -> float:
    return params.time_limit_s - (_clock.perf_counter() - started)


#: PyVRP iterations per OR-Tools improving solution of ``SolveParams.solution_limit``.
PYVRP_ITERATIONS_PER_SOLUTION = 100


def _pyvrp_iterations(params: SolveParams) -> int | None:
    """PyVRP's iteration limit under ``solution_limit`` (reproducible solves), else ``None``."""
    if params.solution_limit is None:
        return None
    return params.solution_limit * PYVRP_ITERATIONS_PER_SOLUTION


#: Measured cost of OR-Tools' parallel cheapest insertion on this project's
#: field-service days (2-vCPU AMD EPYC): 500 orders x 50 technicians took
#: 29.6 s to a first plan; it grows about with orders^2 x vehicles.
_PCI_REFERENCE = (500, 50, 29.6)
#: The greedy start is used when insertion would eat more than this share of the budget.
_PCI_BUDGET_SHARE = 0.3


def _needs_fast_start(ctx: SearchInput, params: SolveParams) -> bool:
    """Start from the greedy plan when parallel cheapest insertion would take too long.

    On a 200-order day insertion serves every order in 10 s where the greedy
    start leaves 40% unserved, so the greedy start is kept for problems
    whose estimated insertion time exceeds 30% of the time limit.
    """
    if params.first_solution != "auto" or _pyvrp_fidelity(ctx, params) == "exact":
        return False
    orders, vehicles, seconds = _PCI_REFERENCE
    n, v = len(ctx.index.order_of_node), len(ctx.index.vehicles)
    estimate_s = seconds * (n / orders) ** 2 * (v / vehicles)
    return estimate_s > _PCI_BUDGET_SHARE * params.time_limit_s


def _pyvrp_fidelity(ctx: SearchInput, params: SolveParams) -> str | None:
    """Which PyVRP stage provides the first solution: ``exact``, ``relaxed`` or none."""
    if params.engine == "ortools":
        return None
    if unsupported_reason(ctx) is None:
        return "exact"
    if params.engine == "auto" and len(ctx.index.order_of_node) >= RELAXED_MIN_ORDERS:
        return "relaxed"
    return None


def _relaxed_plan(ctx: SearchInput, params: SolveParams, started: float) -> Plan | None:
    """Solve a large field-service day with the relaxed PyVRP stage, without OR-Tools.

    From 200 orders, OR-Tools' local search barely improves a first plan
    within a dispatch budget (500 orders, 30 s: 85% served, from the greedy
    start), and restoring a 2,000-order plan into its model alone takes
    about 20 s. PyVRP searches the relaxed model; its routes are repaired
    against the full model's time rules, the orders left out are inserted
    where they fit, and the rules engine's timing turns the sequences into
    the plan (what still does not fit is dispatched by the rules engine).
    Preferences, workload balance and labour cost are not optimised on this
    path. ``None`` when PyVRP finds no feasible solution.
    """
    budget = _remaining_s(params, started) * PYVRP_RELAXED_SHARE
    found = pyvrp_routes(
        ctx,
        budget,
        params.seed,
        _pyvrp_iterations(params),
        relaxed=True,
        processes=params.processes,
    )
    if not found:
        return None
    # PyVRP ranks its solutions by the relaxed model's cost; with several
    # processes, each one's solution is timed and the real objective picks
    # (metro-medium seed 0, 2 processes: the relaxed model's best gave
    # 515,135 points, the other 477,503).
    plan = min((_sequenced(ctx, routes) for routes in found), key=lambda p: p.stats.objective)
    stats = replace(plan.stats, first_solution_s=None, wall_s=_clock.perf_counter() - started)
    return replace(plan, stats=stats)


def _sequenced(ctx: SearchInput, routes: list[list[int]]) -> Plan:
    """The plan of PyVRP's routes once repaired, filled and timed by the rules engine."""
    problem, idx = ctx.problem, ctx.index
    sequences = {
        (veh.technician.id, veh.shift_index): [
            problem.work_orders[idx.order_of_node[n]].id for n in route
        ]
        for veh, route in zip(idx.vehicles, repair_routes(ctx, routes), strict=True)
        if route
    }
    return sequenced_plan(problem, sequences, engine="pyvrp")


def _greedy_start(ctx: ModelContext) -> pywrapcp.Assignment | None:
    """The greedy rules-engine plan as a starting assignment."""
    routes = _initial_routes(ctx, greedy_plan(ctx.problem))
    return ctx.routing.ReadAssignmentFromRoutes(routes, True)


def _run_search(
    ctx: ModelContext,
    inputs: SearchInput,
    params: SolveParams,
    started: float,
    initial_plan: Plan | None,
) -> tuple[pywrapcp.Assignment | None, str]:
    """Search for a plan; returns the best assignment and the engine(s) that produced it.

    With a warm start, OR-Tools starts from the given plan; large problems
    start from the greedy rules-engine plan. Otherwise, when
    the engine allows it and the problem has the classic VRPTW shape, PyVRP
    searches for almost all of the budget and OR-Tools restores its routes.
    """
    start = None
    engine = "ortools"
    if initial_plan is None and _needs_fast_start(inputs, params):
        start = _greedy_start(ctx)
        engine = "greedy+ortools"
    elif initial_plan is not None:
        start = ctx.routing.ReadAssignmentFromRoutes(_initial_routes(ctx, initial_plan), True)
    elif params.engine != "ortools":
        reason = unsupported_reason(inputs)
        if reason is not None and params.engine == "pyvrp":
            raise InputError.single(
                "params.engine", f"The pyvrp engine cannot model this problem: {reason}."
            )
        if _pyvrp_fidelity(inputs, params) == "exact":
            budget = _remaining_s(params, started) * PYVRP_SHARE
            iterations = _pyvrp_iterations(params)
            give_up = budget * PYVRP_GIVE_UP_SHARE
            found = pyvrp_routes(
                inputs,
                budget,
                params.seed,
                iterations,
                give_up_s=give_up,
                processes=params.processes,
            )
            if not found:  # not every order can be served: they become optional
                budget = _remaining_s(params, started) * PYVRP_SHARE
                found = pyvrp_routes(
                    inputs, budget, params.seed, iterations, processes=params.processes
                )
            if found:  # ranked by PyVRP's cost: the exact model's, up to compressed prizes
                routes = [[ctx.order_index(n) for n in route] for route in found[0]]
                start = ctx.routing.ReadAssignmentFromRoutes(routes, True)
                engine = "pyvrp+ortools"
    search = _search_parameters(params, _remaining_s(params, started))
    if engine == "pyvrp+ortools":
        # Restore and time PyVRP's routes only: OR-Tools' local search on
        # them rarely improved the distance and overran the time limit by
        # seconds on 400-order instances (its first pass is not interruptible).
        search.solution_limit = 1
    if start is not None:
        solution = ctx.routing.SolveFromAssignmentWithParameters(start, search)
        if solution is not None:
            return solution, engine
        search = _search_parameters(params, _remaining_s(params, started))
    return ctx.routing.SolveWithParameters(search), "ortools"


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
    ensure_valid(problem)
    weights = problem.weights or DEFAULT_WEIGHTS
    matrices = problem.travel.matrices(problem_locations(problem))
    out, back = _leg_matrices(problem, matrices)
    eligibility = compute_eligibility(problem, out, back)
    order_nodes = sorted(eligibility.allowed)
    if params.seed:
        np.random.default_rng(params.seed).shuffle(order_nodes)
    unassigned = [
        Unassigned(problem.work_orders[o].id, reason, detail)
        for o, (reason, detail) in sorted(eligibility.reasons.items())
    ]
    routes: list[Route] = []
    status, objective, first_s, solutions, engine = "not_solved", 0.0, None, 0, "none"
    if order_nodes:
        index = build_index(problem, eligibility, matrices, order_nodes)
        inputs = SearchInput(problem, weights, index)
        if initial_plan is None and _pyvrp_fidelity(inputs, params) == "relaxed":
            relaxed = _relaxed_plan(inputs, params, started)
            if relaxed is not None:
                return relaxed
        ctx = build_model(problem, weights, eligibility, index)
        state = {"first": None, "count": 0}

        def at_solution() -> None:
            now = _clock.perf_counter() - started
            state["count"] += 1
            if state["first"] is None:
                state["first"] = now
            if on_progress is None:
                return
            assigned = sum(
                1
                for n in range(len(order_nodes))
                if ctx.routing.NextVar(ctx.order_index(n)).Value() != ctx.order_index(n)
            )
            cost = ctx.routing.CostVar().Value() / COST_SCALE
            if on_progress(Progress(now, cost, assigned)):
                ctx.routing.solver().FinishCurrentSearch()

        ctx.routing.AddAtSolutionCallback(at_solution)
        solution, engine = _run_search(ctx, inputs, params, started, initial_plan)
        first_s, solutions = state["first"], state["count"]
        if solutions == 0:
            # OR-Tools falls back to its all-unperformed assignment when the
            # limit strikes before a first solution: that is not a plan. The
            # greedy rules-engine plan is, so a solve always returns work.
            fallback = greedy_plan(problem)
            routes, unassigned = list(fallback.routes), list(fallback.unassigned)
            status, engine = "no_solution_found", "greedy"
            objective = fallback.stats.objective
        elif solution is not None:
            status = _STATUS.get(ctx.routing.status(), "feasible")
            objective = solution.ObjectiveValue() / COST_SCALE
            routes = extract_routes(ctx, solution)
            served = {s.work_order_id for r in routes for s in r.stops}
            unassigned += [
                Unassigned(
                    problem.work_orders[o].id,
                    UnassignedReason.CAPACITY_EXHAUSTED,
                    "Feasible alone, but no room was left for it in this plan.",
                )
                for o in sorted(order_nodes)
                if problem.work_orders[o].id not in served
            ]
    stats = SolveStats(
        status=status,
        objective=objective,
        first_solution_s=first_s,
        wall_s=_clock.perf_counter() - started,
        solutions=solutions,
        engine=engine,
    )
    plan = Plan(routes=tuple(routes), unassigned=tuple(unassigned), stats=stats)
    return Plan(plan.routes, plan.unassigned, plan.stats, compute_kpis(problem, plan))
