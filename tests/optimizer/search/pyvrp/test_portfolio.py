"""Several PyVRP searches in worker processes, meeting between rounds."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest
import pyvrp

from optimizer import SolveParams
from optimizer.search import executor
from optimizer.search.pyvrp import portfolio
from optimizer.search.pyvrp.portfolio import portfolio_search, split_search
from tests.factories import solve_checked
from tests.optimizer.test_solve import _vrptw_shaped


def _data(clients: int = 25, vans: int = 5, capacity: int = 6) -> pyvrp.ProblemData:
    """A depot at the origin and ``clients`` points of demand 1 on a seeded grid."""
    rng = np.random.default_rng(7)
    points = np.vstack([[0, 0], rng.integers(-100, 100, size=(clients, 2))])
    diff = points[:, None, :] - points[None, :, :]
    matrix = np.ceil(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(int(x), int(y)) for x, y in points],
        clients=[pyvrp.Client(location=k + 1, delivery=[1]) for k in range(clients)],
        depots=[pyvrp.Depot(0)],
        vehicle_types=[pyvrp.VehicleType(num_available=vans, capacity=[capacity])],
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )


def _cost(solution: pyvrp.Solution) -> int:
    assert solution.is_feasible()
    return solution.distance()


def _routes(solution: pyvrp.Solution) -> list[list[int]]:
    return [[a.idx for a in route] for route in solution.routes()]


def test_a_second_process_never_does_worse_with_the_same_seed():
    """One round, iteration-bound: two searches keep the first one's result or better it."""
    data = _data()
    one = portfolio_search(data, time_limit_s=30, seed=3, processes=1, max_iterations=400)
    two = portfolio_search(data, time_limit_s=30, seed=3, processes=2, max_iterations=400)
    assert [len(one), len(two)] == [1, 2]
    assert _cost(two[0]) <= _cost(two[1])  # best first
    assert _cost(two[0]) <= _cost(one[0])


def test_rounds_are_reproducible_with_an_iteration_limit():
    """Same seed, processes, rounds and iteration limit: the same routes."""
    data = _data()
    runs = [
        portfolio_search(data, time_limit_s=30, seed=1, processes=2, rounds=3, max_iterations=300)
        for _ in range(2)
    ]
    assert _routes(runs[0][0]) == _routes(runs[1][0])


def test_search_goes_on_alone_when_worker_processes_fail(monkeypatch, caplog):
    """A pool that cannot start: a warning each time, and the search here still delivers."""

    def broken(workers):
        raise OSError("no processes here")

    monkeypatch.setattr(executor, "shared_pool", broken)
    with caplog.at_level(logging.WARNING, logger=executor.__name__):
        SolveParams(processes=2).start_processes()
        found = portfolio_search(_data(), time_limit_s=0.5, seed=0, processes=2, rounds=2)
    assert found[0].is_feasible()
    assert caplog.text.count("searching in one process: no processes here") == 3


def test_search_gives_up_when_no_plan_serves_every_client():
    """5 vans x 4 units for 25 required clients: no feasible plan; it stops at give_up_s."""
    started = time.monotonic()
    found = portfolio_search(
        _data(capacity=4), time_limit_s=20, seed=0, processes=2, rounds=4, give_up_s=0.5
    )
    assert not found[0].is_feasible()
    assert time.monotonic() - started < 5


def test_solve_with_two_processes_gives_a_valid_plan():
    """The exact PyVRP stage with two search processes: every order served, plan valid."""
    plan = solve_checked(_vrptw_shaped(), time_limit_s=2, engine="pyvrp", processes=2)
    assert plan.stats.engine == "pyvrp+ortools"
    assert len(plan.assigned_ids) == 12


def test_processes_must_be_positive():
    """processes=0 is refused with a message naming the field."""
    with pytest.raises(ValueError, match="Invalid processes: 0 must be at least 1"):
        SolveParams(processes=0)


def _coords(data: pyvrp.ProblemData) -> np.ndarray:
    locations = data.locations()
    return np.array([(locations[c.location].x, locations[c.location].y) for c in data.clients()])


def test_split_search_keeps_every_client_once_and_never_does_worse():
    """Two processes split 80 clients into sectors: every client once, no worse than the start."""
    data = _data(clients=80, vans=16, capacity=6)
    first = portfolio_search(data, time_limit_s=30, seed=2, processes=2, max_iterations=60)
    (found,) = split_search(
        data, _coords(data), time_limit_s=30, seed=2, processes=2, max_iterations=200
    )
    assert found.is_feasible()
    visits = sorted(a.idx for route in found.routes() for a in route if a.is_client())
    assert visits == list(range(80))
    assert _cost(found) <= _cost(first[0])


def test_split_search_is_reproducible_with_an_iteration_limit():
    """Same seed and iteration limit: the same routes after the split rounds."""
    data = _data(clients=80, vans=16, capacity=6)
    runs = [
        split_search(data, _coords(data), time_limit_s=30, seed=5, processes=2, max_iterations=120)
        for _ in range(2)
    ]
    assert _routes(runs[0][0]) == _routes(runs[1][0])


def test_large_instances_with_two_processes_are_split(monkeypatch):
    """From SPLIT_MIN_CLIENTS clients and two processes, portfolio_search cooperates by sectors."""
    calls = []
    monkeypatch.setattr(portfolio, "SPLIT_MIN_CLIENTS", 50)
    monkeypatch.setattr(portfolio, "split_search", lambda *a, **k: calls.append(k) or ["split"])
    data = _data(clients=80, vans=16, capacity=6)
    assert portfolio_search(data, time_limit_s=1, seed=0, processes=2, coords=_coords(data)) == [
        "split"
    ]
    assert portfolio_search(data, time_limit_s=1, seed=0, processes=1, coords=_coords(data))
    assert len(calls) == 1
