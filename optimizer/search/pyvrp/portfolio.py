"""Several PyVRP searches at once, one per process, meeting to share the best solution.

PyVRP's iterated local search runs on one core and its result depends on
its seed. With more cores, :func:`portfolio_search` runs one search per
process, each with its own seed, and splits the budget into rounds: at the
end of a round every search restarts from the best solution any of them has
found (measured on 22 hard Solomon instances at 10 s on 2 cores, mean gap
over the best-known distances: one search 0.60%, best of two independent
searches 0.48%, two searches meeting twice 0.43%, four times 0.38%).

Each search ends by recombining the routes of the best solutions it found
(:mod:`optimizer.search.pyvrp.route_pool`), in the last :data:`RECOMBINE_SHARE` of
its time.

The extra searches run in the process pool of :mod:`optimizer.search.executor`
(:meth:`optimizer.SolveParams.start_processes` starts it ahead of the first
solve; otherwise the first solve pays the start-up, about a second). If the
pool cannot be used (for example a script without an
``if __name__ == "__main__"`` guard, which ``spawn`` cannot start), the
search goes on in this process alone.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

from optimizer.search import executor
from optimizer.search.pyvrp.route_pool import RoutePool, recombine

#: Share of each search's time kept for recombining its routes (see
#: :mod:`optimizer.search.pyvrp.route_pool`).
RECOMBINE_SHARE = 0.03
#: SCIP's node limit when recombining in reproducible runs (an iteration limit).
RECOMBINE_NODES = 200

#: How long past a round's end the searches in other processes are waited
#: for; one that is later (a busy machine) is left out of that round.
_GRACE_S = 0.25


class _Until:
    """Stops the search at ``deadline`` (``time.monotonic()``, the same clock in every process)."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        return time.monotonic() >= self._deadline


class _NoFeasibleSolutionBy:
    """Stops the search when it still has no feasible solution at ``deadline``."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, best_cost: float) -> bool:
        # PyVRP's cost of an infeasible solution is the largest cost value.
        return best_cost >= INFEASIBLE_COST and time.monotonic() >= self._deadline


INFEASIBLE_COST = float(2**62)


@dataclass(frozen=True, slots=True)
class _Round:
    """One search of one round, as sent to a process."""

    data: pyvrp.ProblemData
    seed: int
    deadline: float
    max_iterations: int | None
    give_up_at: float | None
    initial: pyvrp.Solution | None


class _Asked:
    """Stops the search when ``stop()`` returns ``True`` (the caller's stop request)."""

    def __init__(self, stop: Callable[[], bool]) -> None:
        self._stop = stop

    def __call__(self, best_cost: float) -> bool:
        return self._stop()


def _search(task: _Round, stop: Callable[[], bool] | None = None) -> pyvrp.Solution:
    """Run one PyVRP search, then recombine its routes; module level so that worker
    processes can run it. ``stop`` (in this process only) ends it early."""
    started = time.monotonic()
    search_until = task.deadline - RECOMBINE_SHARE * max(task.deadline - started, 0.0)
    criteria: list[StoppingCriterion] = [_Until(search_until)]
    if stop is not None:
        criteria.append(_Asked(stop))
    if task.max_iterations is not None:
        criteria.append(MaxIterations(max(task.max_iterations, 1)))
    if task.give_up_at is not None:
        criteria.append(_NoFeasibleSolutionBy(task.give_up_at))
    with warnings.catch_warnings():
        # Raised when penalties saturate; the caller checks feasibility.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        pool = RoutePool()
        result = pyvrp.solve(
            task.data,
            stop=MultipleCriteria(criteria),
            seed=task.seed,
            display=False,
            collect_stats=False,
            params=pyvrp.SolveParams(ils=pyvrp.IteratedLocalSearchParams(callbacks=pool)),
            initial_solution=task.initial,
        )
    return recombine(
        task.data,
        pool.costs,
        result.best,
        deadline=task.deadline,
        max_nodes=None if task.max_iterations is None else RECOMBINE_NODES,
    )


def _cost(data: pyvrp.ProblemData, solution: pyvrp.Solution) -> float:
    """PyVRP's objective of ``solution``; :data:`INFEASIBLE_COST` or more when infeasible."""
    evaluator = pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0)
    return float(evaluator.cost(solution))


def _submit(tasks: list[_Round]) -> list[Future[pyvrp.Solution]]:
    if not tasks:
        return []
    try:
        pool = executor.shared_pool(len(tasks))
        return [pool.submit(_search, task) for task in tasks] if pool else []
    except Exception as error:  # e.g. a broken pool, or a daemon process (no children)
        executor.drop_pool(error)
        return []


def _collect(futures: list[Future[pyvrp.Solution]], deadline: float) -> list[pyvrp.Solution]:
    found = []
    for future in futures:
        try:
            found.append(future.result(timeout=max(deadline - time.monotonic(), 0) + _GRACE_S))
        except FutureTimeout:
            future.cancel()  # a late search stops by itself at its deadline
        except CancelledError:  # another solve replaced the pool with a larger one
            pass
        except Exception as error:  # a worker died or could not start
            executor.drop_pool(error)
    return found


def _seed(seed: int, search: int) -> int:
    """PyVRP's seed of the ``search``-th search of a solve with ``seed``; runs with nearby
    seeds share none."""
    return (seed + 1_000_003 * search) % 2**32


def portfolio_search(
    data: pyvrp.ProblemData,
    *,
    time_limit_s: float,
    seed: int,
    processes: int = 1,
    rounds: int = 1,
    max_iterations: int | None = None,
    give_up_s: float | None = None,
    coords: np.ndarray | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[pyvrp.Solution]:
    """The solutions of ``processes`` PyVRP searches meeting ``rounds`` times, best first.

    Parameters
    ----------
    data
        The PyVRP instance.
    time_limit_s
        Wall-clock budget of the whole search.
    seed
        Seed of the first search; every other search, in every round, has its own.
    processes
        Searches run at once (one here, the others in worker processes).
    rounds
        Rounds the budget is split into; every round restarts all searches
        from the best solution so far.
    max_iterations
        Iterations of each search over all rounds (reproducible runs).
    give_up_s
        When no search has a feasible solution after this many seconds,
        stop and return the best infeasible one.
    coords
        Planar coordinates of each client (``(num_clients, 2)``). With them,
        two processes or more and :data:`SPLIT_MIN_CLIENTS` clients, the
        searches cooperate by splitting the instance (:func:`split_search`).
    stop
        Returning ``True`` ends the search in this process and the rounds
        (searches in other processes end at their round's deadline).

    Returns
    -------
    list[pyvrp.Solution]
        The last round's solutions and the best of the earlier rounds, by
        PyVRP's cost (ties: lowest seed first). The first is the best found;
        it may be infeasible (check ``is_feasible()``). Callers whose real
        objective differs from PyVRP's cost can judge the others too.
    """
    if coords is not None and processes >= 2 and data.num_clients >= SPLIT_MIN_CLIENTS:
        return split_search(
            data,
            coords,
            time_limit_s=time_limit_s,
            seed=seed,
            processes=processes,
            max_iterations=max_iterations,
            give_up_s=give_up_s,
        )
    start = time.monotonic()
    give_up_at = None if give_up_s is None else start + give_up_s
    per_round = None if max_iterations is None else max(max_iterations // rounds, 1)
    best: pyvrp.Solution | None = None
    found: list[pyvrp.Solution] = []
    for r in range(rounds):
        deadline = start + time_limit_s * (r + 1) / rounds
        tasks = [
            _Round(data, _seed(seed, r * processes + k), deadline, per_round, give_up_at, best)
            for k in range(processes)
        ]
        futures = _submit(tasks[1:])
        mine = _search(tasks[0], stop)
        if stop is not None and stop():  # the others' late results are not waited for
            deadline = time.monotonic()
        found = [mine, *_collect(futures, deadline)]
        if best is not None:
            found.append(best)
        found.sort(key=lambda s: _cost(data, s))  # stable: ties keep the lowest seed first
        best = found[0]
        late = give_up_at is not None and time.monotonic() >= give_up_at
        if (late and not best.is_feasible()) or (stop is not None and stop()):
            break
    return found


#: Instances with at least this many clients, searched by two processes or
#: more, are split between the processes (:func:`split_search`): at 1,000
#: clients independent searches stop paying off (Homberger 1000, 60 s: the
#: best of two searches is as far from the best-known as one).
SPLIT_MIN_CLIENTS = 600
#: Share of the budget the whole-instance searches get before the first split.
SPLIT_FIRST_SHARE = 0.3
#: Split rounds after that, each turning the cut by the golden angle.
SPLIT_ROUNDS = 3
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def split_search(
    data: pyvrp.ProblemData,
    coords: np.ndarray,
    *,
    time_limit_s: float,
    seed: int,
    processes: int,
    max_iterations: int | None = None,
    give_up_s: float | None = None,
) -> list[pyvrp.Solution]:
    """Route-based decomposition of a large instance across ``processes`` searches.

    The searches first run on the whole instance (:data:`SPLIT_FIRST_SHARE`
    of the budget, best kept); then, :data:`SPLIT_ROUNDS` times, the best
    solution's routes are cut into ``processes`` sectors of about as many
    clients (by the angle of each route's barycentre around the clients'
    centre, turned every round), each process improves its sector's
    routes as an instance of its own, and the sectors are put back together
    (kept when not worse). Returns the best solution found (in a list).
    """
    start = time.monotonic()
    share = max(math.floor((max_iterations or 0) * SPLIT_FIRST_SHARE), 1)
    found = portfolio_search(
        data,
        time_limit_s=time_limit_s * SPLIT_FIRST_SHARE,
        seed=seed,
        processes=processes,
        max_iterations=None if max_iterations is None else share,
        give_up_s=give_up_s,
    )
    best = found[0]
    if not best.is_feasible():
        return found
    per_round = None if max_iterations is None else max((max_iterations - share) // SPLIT_ROUNDS, 1)
    for r in range(SPLIT_ROUNDS):
        deadline = start + time_limit_s * (
            SPLIT_FIRST_SHARE + (1 - SPLIT_FIRST_SHARE) * (r + 1) / SPLIT_ROUNDS
        )
        sectors = _sectors(data, best, coords, processes, (r + 1) * _GOLDEN_ANGLE)
        parts = [_part(data, best, sector) for sector in sectors]
        tasks = [
            _Round(
                part.data, _seed(seed, 7919 * (r + 1) + k), deadline, per_round, None, part.start
            )
            for k, part in enumerate(parts)
        ]
        futures = _submit(tasks[1:])
        solved = [_search(tasks[0]), *_collect(futures, deadline)]
        if len(solved) < len(parts):  # a late worker: its sector keeps its routes
            solved += [part.start for part in parts[len(solved) :]]
        merged = _merged(data, parts, solved)
        if merged.is_feasible() and _cost(data, merged) <= _cost(data, best):
            best = merged
    return [best]


def _sectors(
    data: pyvrp.ProblemData,
    solution: pyvrp.Solution,
    coords: np.ndarray,
    parts: int,
    angle: float,
) -> list[list[int]]:
    """Route indices of ``solution`` in ``parts`` angular sectors of about equal client counts."""
    routes = solution.routes()
    centre = coords.mean(axis=0)
    angles = []
    for route in routes:
        clients = [a.idx for a in route if a.is_client()]
        dx, dy = coords[clients].mean(axis=0) - centre
        angles.append((math.atan2(dy, dx) - angle) % (2 * math.pi))
    order = sorted(range(len(routes)), key=lambda k: angles[k])
    total = sum(len(r) for r in routes)
    sectors: list[list[int]] = [[] for _ in range(min(parts, len(routes)))]
    done = 0
    for k in order:
        part = min(int(done * len(sectors) / max(total, 1)), len(sectors) - 1)
        sectors[part].append(k)
        done += routes[k].num_clients()
    return [s for s in sectors if s]


@dataclass(frozen=True, slots=True)
class _Sector:
    """One sector as an instance: its clients and vehicle types by global index, its start."""

    data: pyvrp.ProblemData
    clients: list[int]
    types: list[int]
    start: pyvrp.Solution


def _part(data: pyvrp.ProblemData, solution: pyvrp.Solution, sector: list[int]) -> _Sector:
    """The sector's instance: its clients, as many vehicles as it has routes, its routes."""
    routes = [solution.routes()[k] for k in sector]
    clients = sorted(a.idx for route in routes for a in route if a.is_client())
    local = {c: i for i, c in enumerate(clients)}
    types = sorted({route.vehicle_type() for route in routes})
    local_type = {t: i for i, t in enumerate(types)}
    all_clients, all_types = data.clients(), data.vehicle_types()
    sub = data.replace(
        clients=[all_clients[c] for c in clients],
        vehicle_types=[
            all_types[t].replace(num_available=sum(r.vehicle_type() == t for r in routes))
            for t in types
        ],
        groups=[],
    )
    start = pyvrp.Solution(
        sub,
        [
            pyvrp.Route(
                sub,
                [local[a.idx] for a in route if a.is_client()],
                local_type[route.vehicle_type()],
            )
            for route in routes
        ],
    )
    return _Sector(sub, clients, types, start)


def _merged(
    data: pyvrp.ProblemData, sectors: list[_Sector], solved: list[pyvrp.Solution]
) -> pyvrp.Solution:
    """The whole instance's solution made of each sector's better of its start and its search."""
    routes = []
    for sector, found in zip(sectors, solved, strict=True):
        start = sector.start
        better = found.is_feasible() and _cost(sector.data, found) <= _cost(sector.data, start)
        for route in (found if better else start).routes():
            visits = [sector.clients[a.idx] for a in route if a.is_client()]
            routes.append(pyvrp.Route(data, visits, sector.types[route.vehicle_type()]))
    return pyvrp.Solution(data, routes)
