"""Running the OR-Tools routing search on the full model, from a start or from scratch."""

from __future__ import annotations

import time as _clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from optimizer.plan import Route
from optimizer.search.eligibility import Eligibility
from optimizer.search.index import SearchInput
from optimizer.search.ortools.builder import build_model
from optimizer.search.ortools.context import COST_SCALE, ModelContext
from optimizer.search.ortools.extract import extract_routes

_SEARCH_STATUS = routing_enums_pb2.RoutingSearchStatus
_STATUS = {
    _SEARCH_STATUS.ROUTING_SUCCESS: "feasible",
    _SEARCH_STATUS.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED: "feasible",
    _SEARCH_STATUS.ROUTING_OPTIMAL: "optimal",
}

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


@dataclass(frozen=True, slots=True)
class SearchSettings:
    """How OR-Tools searches: strategy names, limits and logging."""

    time_limit_s: float
    first_solution: str = "auto"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None
    log_search: bool = False


def _search_parameters(settings: SearchSettings) -> pywrapcp.RoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    for name in _IDLE_OPERATORS:
        setattr(search.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
    strategy = (
        "PARALLEL_CHEAPEST_INSERTION"
        if settings.first_solution == "auto"
        else settings.first_solution
    )
    search.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy)
    search.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, settings.metaheuristic
    )
    search.time_limit.FromMilliseconds(max(int(settings.time_limit_s * 1000), 10))
    if settings.solution_limit is not None:
        search.solution_limit = settings.solution_limit
    search.log_search = settings.log_search
    return search


@dataclass(frozen=True, slots=True)
class OrtoolsResult:
    """What the search found: timed routes and how the search went.

    ``routes`` is ``None`` when no solution was found in time.
    """

    routes: list[Route] | None
    status: str
    objective: float
    first_solution_s: float | None
    solutions: int
    from_start: bool


#: Called with (elapsed seconds, objective, orders served) on each solution;
#: returning ``True`` stops the search.
SolutionCallback = Callable[[float, float, int], bool | None]


def ortools_search(
    inputs: SearchInput,
    eligibility: Eligibility,
    settings: SearchSettings,
    started: float,
    start: Sequence[Sequence[int]] | None = None,
    *,
    restore_only: bool = False,
    on_solution: SolutionCallback | None = None,
) -> OrtoolsResult:
    """Build the full model of ``inputs`` and search it.

    ``start`` gives order nodes per vehicle to start from (orders on a
    vehicle the model does not allow are skipped); with ``restore_only``
    the search stops at the first solution (the start, restored and timed).
    When the start is rejected, the search starts from scratch.
    """
    ctx = build_model(inputs.problem, inputs.weights, eligibility, inputs.index)
    first_s: float | None = None
    count = 0
    n_orders = len(inputs.index.order_of_node)

    def at_solution() -> None:
        nonlocal first_s, count
        now = _clock.perf_counter() - started
        count += 1
        if first_s is None:
            first_s = now
        if on_solution is None:
            return
        assigned = sum(
            1
            for n in range(n_orders)
            if ctx.routing.NextVar(ctx.order_index(n)).Value() != ctx.order_index(n)
        )
        if on_solution(now, ctx.routing.CostVar().Value() / COST_SCALE, assigned):
            ctx.routing.solver().FinishCurrentSearch()

    ctx.routing.AddAtSolutionCallback(at_solution)
    solution, from_start = _solve(ctx, settings, started, start, restore_only)
    if count == 0 or solution is None:
        # OR-Tools falls back to its all-unperformed assignment when the
        # limit strikes before a first solution: that is not a plan.
        return OrtoolsResult(None, "no_solution_found", 0.0, None, 0, from_start)
    return OrtoolsResult(
        routes=extract_routes(ctx, solution),
        status=_STATUS.get(ctx.routing.status(), "feasible"),
        objective=solution.ObjectiveValue() / COST_SCALE,
        first_solution_s=first_s,
        solutions=count,
        from_start=from_start,
    )


def _remaining(settings: SearchSettings, started: float) -> SearchSettings:
    left = settings.time_limit_s - (_clock.perf_counter() - started)
    return SearchSettings(
        left, settings.first_solution, settings.metaheuristic, settings.solution_limit,
        settings.log_search,
    )  # fmt: skip


def _solve(
    ctx: ModelContext,
    settings: SearchSettings,
    started: float,
    start: Sequence[Sequence[int]] | None,
    restore_only: bool,
) -> tuple[pywrapcp.Assignment | None, bool]:
    search = _search_parameters(_remaining(settings, started))
    if start is not None:
        if restore_only:
            # Restore and time the start only: OR-Tools' local search on
            # PyVRP's routes rarely improved the distance and overran the
            # time limit by seconds on 400-order instances (its first pass
            # is not interruptible).
            search.solution_limit = 1
        routes = [
            [
                ctx.order_index(n)
                for n in nodes
                if ctx.routing.VehicleVar(ctx.order_index(n)).Contains(v)
            ]
            for v, nodes in enumerate(start)
        ]
        assignment = ctx.routing.ReadAssignmentFromRoutes(routes, True)
        if assignment is not None:
            solution = ctx.routing.SolveFromAssignmentWithParameters(assignment, search)
            if solution is not None:
                return solution, True
        search = _search_parameters(_remaining(settings, started))
    return ctx.routing.SolveWithParameters(search), False
