"""Recombining the routes a PyVRP search found: set partitioning over its route pool.

Late in an iterated local search, each new best solution differs from the
one before in a few routes, and a route that was better for one part of the
day may sit in an older best solution than the one the search ends with.
:class:`RoutePool` collects every route of every new best solution during
the search (PyVRP's ``on_best`` callback, so it costs nothing per
iteration); :func:`recombine` then picks the cheapest set of those routes
that serves every required order exactly once and every optional one at
most once (a set-partitioning model, solved by SCIP through OR-Tools),
starting from the search's own best solution, so the result is never worse.

Measured on Homberger 400 (r1_4_1, r1_4_2, rc1_4_1, rc1_4_2): a 28.5 s
search pools about 1,000 distinct routes. Over the newer half of them SCIP
proves the best combination in 0.1-0.2 s and takes 0.11 points off the gap
to the best-known cost (8 pools); the whole pool takes 0.12 off, but half of
those models were still open after 1.5 s, hence two passes (newer half,
then all). End to end with one search process at 30 s, 4 seeds run side by
side with the code before: 1.07% -> 0.97% (BENCHMARKS.md).
"""

from __future__ import annotations

import time

import pyvrp
from ortools.linear_solver import pywraplp
from pyvrp.IteratedLocalSearch import IteratedLocalSearch, IteratedLocalSearchCallbacks

#: A route's identity: its vehicle type and its clients in visiting order.
RouteKey = tuple[int, tuple[int, ...]]


def route_key(route: pyvrp.Route) -> RouteKey:
    """The vehicle type and client indices (visiting order) of ``route``."""
    return route.vehicle_type(), tuple(a.idx for a in route if a.is_client())


def route_cost(route: pyvrp.Route) -> int:
    """``route``'s share of PyVRP's objective: its costs less the prizes it collects."""
    return (
        route.distance_cost() + route.duration_cost() + route.fixed_vehicle_cost() - route.prizes()
    )


#: Most routes a pool keeps (the oldest go first): bounds the time to build
#: the set-partitioning model on large days (Homberger 400 pools hold about 1,000).
MAX_POOL_ROUTES = 20_000


class RoutePool(IteratedLocalSearchCallbacks):
    """The feasible routes of the start solution and of every new best solution of a search."""

    def __init__(self, max_routes: int = MAX_POOL_ROUTES) -> None:
        self.costs: dict[RouteKey, int] = {}
        self._max_routes = max_routes

    def add(self, solution: pyvrp.Solution) -> None:
        """Add the feasible routes of ``solution``, dropping the oldest beyond the limit."""
        for route in solution.routes():
            key = route_key(route)
            if key not in self.costs and route.is_feasible():
                self.costs[key] = route_cost(route)
                if len(self.costs) > self._max_routes:
                    del self.costs[next(iter(self.costs))]

    def on_start(self, ils: IteratedLocalSearch) -> None:
        """PyVRP's callback at the start of the search."""
        self.add(ils.initial_solution)

    def on_best(self, best: pyvrp.Solution) -> None:
        """PyVRP's callback for each new best solution (always feasible)."""
        self.add(best)


def recombine(
    data: pyvrp.ProblemData,
    pool: dict[RouteKey, int],
    incumbent: pyvrp.Solution,
    *,
    deadline: float,
    max_nodes: int | None = None,
) -> pyvrp.Solution:
    """The cheapest solution found from ``pool``'s routes, or ``incumbent`` when none is cheaper.

    Two passes: first over the newer half of the pool (routes of the late,
    good solutions: SCIP usually proves it optimal in a fraction of a
    second), then over the whole pool from that result while time is left.

    Parameters
    ----------
    data
        The PyVRP instance the routes belong to.
    pool
        Routes (see :func:`route_key`) and their costs (see :func:`route_cost`),
        oldest first.
    incumbent
        A feasible solution; its routes join every pass, which starts from it.
    deadline
        ``time.monotonic()`` by which the answer is due.
    max_nodes
        Also stop SCIP after this many branch-and-bound nodes per pass
        (reproducible runs: the result does not depend on the machine's
        speed as long as the deadline is not reached).

    Returns
    -------
    pyvrp.Solution
        A feasible solution costing no more than ``incumbent`` (``incumbent``
        itself when it is infeasible).
    """
    if not incumbent.is_feasible() or data.num_groups or data.num_shipments:
        return incumbent
    keys = list(pool)
    newer = {key: pool[key] for key in keys[len(keys) // 2 :]}
    best = _partition(data, newer, incumbent, deadline, max_nodes)
    if len(newer) < len(pool):
        best = _partition(data, pool, best, deadline, max_nodes)
    return best


def _partition(
    data: pyvrp.ProblemData,
    pool: dict[RouteKey, int],
    incumbent: pyvrp.Solution,
    deadline: float,
    max_nodes: int | None,
) -> pyvrp.Solution:
    """One set-partitioning pass of :func:`recombine`."""
    left_ms = int((deadline - time.monotonic()) * 1000)
    if left_ms <= 0:
        return incumbent
    costs = dict(pool)
    for route in incumbent.routes():
        costs.setdefault(route_key(route), route_cost(route))
    if len(costs) == incumbent.num_routes():
        return incumbent  # nothing to choose from
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # an OR-Tools build without SCIP
        return incumbent
    keys = list(costs)
    chosen = set(map(route_key, incumbent.routes()))
    use = [solver.BoolVar(f"r{j}") for j in range(len(keys))]
    serves: dict[int, pywraplp.Constraint] = {}
    fleet = [solver.Constraint(0, vt.num_available) for vt in data.vehicle_types()]
    objective = solver.Objective()
    for var, key in zip(use, keys, strict=True):
        vehicle_type, clients = key
        objective.SetCoefficient(var, costs[key])
        fleet[vehicle_type].SetCoefficient(var, 1)
        for client in clients:
            if client not in serves:
                required = data.client(client).required
                serves[client] = solver.Constraint(1 if required else 0, 1)
            serves[client].SetCoefficient(var, 1)
    objective.SetMinimization()
    solver.SetHint(use, [1.0 if key in chosen else 0.0 for key in keys])
    if max_nodes is not None:
        solver.SetSolverSpecificParametersAsString(f"limits/nodes = {max_nodes}\n")
    solver.SetTimeLimit(max(int((deadline - time.monotonic()) * 1000), 1))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return incumbent
    picked = [key for var, key in zip(use, keys, strict=True) if var.solution_value() > 0.5]
    candidate = pyvrp.Solution(
        data, [pyvrp.Route(data, list(clients), vehicle_type) for vehicle_type, clients in picked]
    )
    evaluator = pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0)
    if candidate.is_feasible() and evaluator.cost(candidate) < evaluator.cost(incumbent):
        return candidate
    return incumbent
