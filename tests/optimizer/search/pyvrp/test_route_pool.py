"""Recombining a search's routes: the set-partitioning step after each PyVRP search."""

from __future__ import annotations

import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations

from optimizer.search.pyvrp.route_pool import RoutePool, recombine, route_cost, route_key
from tests.optimizer.search.pyvrp.test_portfolio import _data

# Client indices of the line instance: A and B east of the depot, C and D north, E far east.
A, B, C, D, E = range(5)


def _line_data(optional_far_client: bool = False, capacity: int = 5) -> pyvrp.ProblemData:
    """Depot at the origin; A (10, 0), B (11, 0), C (0, 10), D (0, 11); E (100, 0) optional."""
    points = [(0, 0), (10, 0), (11, 0), (0, 10), (0, 11)]
    clients = [pyvrp.Client(location=k + 1, delivery=[1]) for k in range(4)]
    if optional_far_client:
        points.append((100, 0))
        clients.append(pyvrp.Client(location=5, delivery=[1], prize=5, required=False))
    xy = np.array(points)
    diff = xy[:, None, :] - xy[None, :, :]
    matrix = np.ceil(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(int(x), int(y)) for x, y in points],
        clients=clients,
        depots=[pyvrp.Depot(0)],
        vehicle_types=[pyvrp.VehicleType(num_available=2, capacity=[capacity])],
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )


def _solution(data: pyvrp.ProblemData, *routes: list[int]) -> pyvrp.Solution:
    return pyvrp.Solution(data, [pyvrp.Route(data, list(r), 0) for r in routes])


def _pool(data: pyvrp.ProblemData, *routes: list[int]) -> dict:
    built = [pyvrp.Route(data, list(r), 0) for r in routes]
    return {route_key(r): route_cost(r) for r in built}


def _cost(data: pyvrp.ProblemData, solution: pyvrp.Solution) -> int:
    return pyvrp.CostEvaluator([0.0] * data.num_load_dimensions, 0.0, 0.0).cost(solution)


def _visits(solution: pyvrp.Solution) -> set[tuple[int, ...]]:
    return {route_key(r)[1] for r in solution.routes()}


def _later(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


def test_routes_of_another_solution_replace_a_zigzag():
    """Incumbent A-C / B-D; the pool holds A-B and C-D from an earlier best: they are taken."""
    data = _line_data()
    zigzag = _solution(data, [A, C], [B, D])
    found = recombine(data, _pool(data, [A, B], [C, D]), zigzag, deadline=_later())
    assert found.is_feasible()
    assert _visits(found) == {(A, B), (C, D)}
    assert _cost(data, found) < _cost(data, zigzag)


def test_nothing_better_in_the_pool_keeps_the_incumbent():
    """A pool whose routes cannot beat the incumbent leaves it as it was."""
    data = _line_data()
    good = _solution(data, [A, B], [C, D])
    found = recombine(data, _pool(data, [A, C], [B, D], [A, D], [B, C]), good, deadline=_later())
    assert found is good


def test_an_optional_client_is_dropped_when_its_prize_does_not_pay():
    """E (prize 5) lies 100 away: a pooled route without it wins, E is left unplanned."""
    data = _line_data(optional_far_client=True)
    with_e = _solution(data, [A, B, E], [C, D])
    found = recombine(data, _pool(data, [A, B]), with_e, deadline=_later())
    assert _visits(found) == {(A, B), (C, D)}
    assert [a.idx for a in found.unplanned()] == [E]
    assert _cost(data, found) == _cost(data, with_e) - (route_cost(with_e.routes()[0]) - 22)


def test_required_clients_stay_served():
    """Pooled routes that would leave required client D out are not enough to drop it."""
    data = _line_data()
    incumbent = _solution(data, [A, B], [C, D])
    found = recombine(data, _pool(data, [A, B], [C]), incumbent, deadline=_later())
    assert found.is_complete()
    assert _visits(found) == {(A, B), (C, D)}


def test_an_infeasible_incumbent_or_a_passed_deadline_returns_the_incumbent():
    """Nothing to recombine from an infeasible start, and no time left means no model."""
    data = _line_data(capacity=3)
    pool = _pool(data, [A, B], [C, D])
    too_full = _solution(data, [A, C, B, D])
    assert not too_full.is_feasible()
    assert recombine(data, pool, too_full, deadline=_later()) is too_full
    zigzag = _solution(data, [A, C], [B, D])
    assert recombine(data, pool, zigzag, deadline=time.monotonic() - 1) is zigzag


def test_the_pool_collects_every_new_best_of_a_search():
    """RoutePool as PyVRP's callbacks: the final best's routes are in it, with their costs."""
    data = _data()
    pool = RoutePool()
    params = pyvrp.SolveParams(ils=pyvrp.IteratedLocalSearchParams(callbacks=pool))
    result = pyvrp.solve(data, stop=MaxIterations(300), seed=2, params=params)
    assert result.best.is_feasible()
    best_routes = {route_key(r): route_cost(r) for r in result.best.routes()}
    assert best_routes.items() <= pool.costs.items()
    assert len(pool.costs) > len(best_routes)  # earlier bests left other routes
    found = recombine(data, pool.costs, result.best, deadline=_later())
    assert found.is_feasible() and _cost(data, found) <= _cost(data, result.best)


def test_a_full_pool_drops_its_oldest_routes():
    """With room for two routes, the third new route pushes out the first."""
    data = _line_data()
    pool = RoutePool(max_routes=2)
    pool.add(_solution(data, [A, C], [B, D]))
    pool.add(_solution(data, [A, B], [C, D]))
    assert [visits for _, visits in pool.costs] == [(A, B), (C, D)]
