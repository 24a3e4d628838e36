"""PyVRP as a peer on the classic VRPTW instances: plain PyVRP on a Solomon instance.

Our engine ``auto`` itself starts with a PyVRP stage; this module is the
other thing, PyVRP on its own with its default parameters, so the
benchmark can show what the OR-Tools model and the dispatch mapping add or
cost next to it.

The data follow :func:`benchmarks.solomon.to_problem` exactly, so all
solvers see the same integers:

- one vehicle type, ``num_available`` = the instance's vehicles, with the
  instance capacity and the depot's window (start rounded up, end down);
- one client per customer, with its demand, its service time rounded up,
  its window start rounded up and its window end rounded down;
- one matrix for both distance and duration: the Euclidean distances of the
  coordinates scaled by ``scale`` and rounded **up** to integers (the
  project's :class:`~optimizer.travel.planar.PlanarTravel` at 1 m/s), so a
  solution feasible in integers is feasible in exact arithmetic.

Judging the routes is left to :func:`benchmarks.solomon.check_solution`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from benchmarks.solomon import Instance, scaled_down, scaled_up
from optimizer.domain import PlanarPoint
from optimizer.travel.planar import PlanarTravel


@dataclass(frozen=True, slots=True)
class PyVRPRun:
    """What one PyVRP solve returned.

    ``routes`` holds the customer numbers of each non-empty route in
    visiting order (depot excluded); ``is_feasible`` is PyVRP's own verdict
    on its integer model; ``runtime_s`` is the wall time from the call start,
    model building included; ``iterations`` counts PyVRP's search iterations.
    """

    routes: list[list[int]]
    is_feasible: bool
    runtime_s: float
    iterations: int


def build_data(instance: Instance, scale: int = 1000) -> pyvrp.ProblemData:
    """PyVRP data for ``instance`` with the conventions of ``to_problem`` (module docstring).

    Parameters
    ----------
    instance
        The parsed instance.
    scale
        Integer units (seconds, and distance units) per instance unit (default 1000).

    Returns
    -------
    pyvrp.ProblemData
        Location 0 and depot 0 are the instance depot; client ``k`` (location
        ``k + 1``) is ``instance.customers[k]``.
    """
    depot = instance.depot
    sites = [depot, *instance.customers]
    points = [PlanarPoint(c.x * scale, c.y * scale) for c in sites]
    matrix = np.ascontiguousarray(PlanarTravel(speed_mps=1.0).matrices(points).duration_s)
    tw_early, tw_late = scaled_up(depot.ready, scale), scaled_down(depot.due, scale)
    clients = [
        pyvrp.Client(
            location=k + 1,
            delivery=[c.demand],
            service_duration=scaled_up(c.service, scale),
            tw_early=scaled_up(c.ready, scale),
            tw_late=scaled_down(c.due, scale),
        )
        for k, c in enumerate(instance.customers)
    ]
    vehicle_type = pyvrp.VehicleType(
        num_available=instance.vehicles,
        capacity=[instance.capacity],
        tw_early=tw_early,
        tw_late=tw_late,
    )
    return pyvrp.ProblemData(
        locations=[pyvrp.Location(p.x_m, p.y_m) for p in points],
        clients=clients,
        depots=[pyvrp.Depot(0, tw_early=tw_early, tw_late=tw_late)],
        vehicle_types=[vehicle_type],
        distance_matrices=[matrix],
        duration_matrices=[matrix],
    )


def pyvrp_solve(
    instance: Instance,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    scale: int = 1000,
    params: pyvrp.SolveParams | None = None,
    max_iterations: int | None = None,
) -> PyVRPRun:
    """Solve ``instance`` with plain PyVRP (default parameters unless given, one thread).

    Parameters
    ----------
    instance
        The parsed instance.
    time_limit_s
        PyVRP's ``MaxRuntime`` in seconds (default 10); model building, a few
        milliseconds, comes on top.
    seed
        PyVRP's random seed (default 0).
    scale
        Integer units per instance unit (default 1000, as ``to_problem``).
    params
        PyVRP's solver parameters (default: PyVRP's defaults).
    max_iterations
        Also stop after this many iterations (machine-independent runs).

    Returns
    -------
    PyVRPRun
        The best solution's routes as customer numbers, PyVRP's feasibility
        verdict and the wall time of the whole call.
    """
    started = time.perf_counter()
    data = build_data(instance, scale)
    with warnings.catch_warnings():
        # Raised when PyVRP's penalties saturate; the routes are judged by the caller.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        stops: list[StoppingCriterion] = [MaxRuntime(time_limit_s)]
        if max_iterations is not None:
            stops.append(MaxIterations(max_iterations))
        result = pyvrp.solve(
            data,
            stop=MultipleCriteria(stops),
            seed=seed,
            display=False,
            params=params or pyvrp.SolveParams(),
        )
    numbers = [c.number for c in instance.customers]
    routes = [[numbers[a.idx] for a in route if a.is_client()] for route in result.best.routes()]
    return PyVRPRun(
        routes=[r for r in routes if r],
        is_feasible=result.is_feasible(),
        runtime_s=time.perf_counter() - started,
        iterations=result.num_iterations,
    )


#: The machine-speed probe: this Solomon instance, PyVRP seed 0, this many iterations.
PROBE_INSTANCE = "RC101"
PROBE_ITERATIONS = 3000


@dataclass(frozen=True, slots=True)
class SpeedProbe:
    """Seconds one core of this machine took for a fixed PyVRP search (see :func:`speed_probe`)."""

    instance: str
    iterations: int
    seconds: float


def speed_probe(
    instance: Instance, iterations: int = PROBE_ITERATIONS, repeats: int = 3
) -> SpeedProbe:
    """Time plain PyVRP for exactly ``iterations`` iterations (seed 0) on ``instance``.

    The work is the same on every machine and every day, so the ratio of two
    probes is the ratio of single-core speeds when they ran: benchmark
    results record it, because this shared machine's speed moves between
    days by more than most solver changes gain. ``seconds`` is the median of
    ``repeats`` runs, model building included.
    """
    runs = [
        pyvrp_solve(instance, time_limit_s=3600.0, seed=0, max_iterations=iterations).runtime_s
        for _ in range(max(repeats, 1))
    ]
    return SpeedProbe(instance.name, iterations, sorted(runs)[len(runs) // 2])
