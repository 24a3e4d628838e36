"""Making a problem ready for the engines: travel, eligibility, the node layout, exact fits.

Eligibility (:mod:`optimizer.search.eligibility`) rules out the pairs of
vehicle and order that cannot work (skills, pins, parts, shifts, a route of
that one order ignoring breaks); the pairs left are then timed exactly by
the one timing routine (:mod:`optimizer.search.timing`), breaks included,
so that "allowed" means "can serve it alone" for every engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from optimizer.plan import UnassignedReason
from optimizer.problem import Problem
from optimizer.search.depots import DepotSupply
from optimizer.search.eligibility import Eligibility, compute_eligibility, vehicles_of
from optimizer.search.index import SearchInput, build_index, problem_locations
from optimizer.search.progress import Stopped
from optimizer.search.timing import time_route, timing_of
from optimizer.search.visits import alone_with_visit
from optimizer.travel.base import TravelMatrices, scale_durations
from optimizer.weights import DEFAULT_WEIGHTS

#: Reason given to an order no vehicle can time, breaks included.
UNREACHABLE_DETAIL = "No qualified technician can reach it in time, even with an empty route."


def leg_matrices(problem: Problem, matrices: TravelMatrices) -> tuple[np.ndarray, np.ndarray]:
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


@dataclass(frozen=True, slots=True)
class Prepared:
    """A (valid) problem made ready for the engines.

    ``inputs`` is ``None`` when no order can be served by anybody; the
    reasons are in ``eligibility.reasons``.
    """

    eligibility: Eligibility
    inputs: SearchInput | None


def prepare(
    problem: Problem, seed: int = 0, should_stop: Callable[[], bool] | None = None
) -> Prepared:
    """Travel matrices, eligibility and the node layout of a valid ``problem``.

    With a ``seed``, the order nodes are laid out in a shuffled order (the
    engines' tie-breaks then differ between seeds). ``should_stop`` is asked
    between the steps and every few orders of the timing check; when it
    returns ``True``, :class:`~optimizer.search.progress.Stopped` is raised.
    """
    stop = should_stop or _never
    weights = problem.weights or DEFAULT_WEIGHTS
    matrices = problem.travel.matrices(problem_locations(problem))
    if stop():
        raise Stopped
    out, back = leg_matrices(problem, matrices)
    eligibility = compute_eligibility(problem, out, back)
    if stop():
        raise Stopped
    order_nodes = sorted(eligibility.allowed)
    if seed:
        np.random.default_rng(seed).shuffle(order_nodes)
    if not order_nodes:
        return Prepared(eligibility, None)
    index = build_index(problem, eligibility, matrices, order_nodes)
    inputs = SearchInput(problem, weights, index)
    exact = _timed_fits(inputs, stop)
    if exact == eligibility.allowed:
        return Prepared(eligibility, inputs)
    lost = {o for o, vehicles in exact.items() if not vehicles}
    reasons = dict(eligibility.reasons)
    reasons.update({o: (UnassignedReason.UNREACHABLE_IN_TIME, UNREACHABLE_DETAIL) for o in lost})
    eligibility = replace(
        eligibility, allowed={o: v for o, v in exact.items() if v}, reasons=reasons
    )
    order_nodes = [o for o in order_nodes if o not in lost]
    if not order_nodes:
        return Prepared(eligibility, None)
    index = build_index(problem, eligibility, matrices, order_nodes)
    return Prepared(eligibility, SearchInput(problem, weights, index))


def _never() -> bool:
    return False


def _timed_fits(inputs: SearchInput, stop: Callable[[], bool] = _never) -> dict[int, list[int]]:
    """Allowed vehicles per problem order whose one-order route the timing routine accepts.

    With depots, an order needing what the van lacks is timed with one
    visit before it (:func:`optimizer.search.visits.alone_with_visit`).
    ``stop()`` is asked every 50 orders; :class:`Stopped` is raised when it
    says so.
    """
    lanes, rules = timing_of(inputs)
    index = inputs.index
    supply = DepotSupply.build(inputs)
    fits = {}
    for node, o in enumerate(index.order_of_node):
        if node % 50 == 0 and stop():
            raise Stopped
        vehicles = sorted(index.allowed_vehicles[node])
        if supply is not None:
            fits[o] = [
                v
                for v in vehicles
                if alone_with_visit(supply, lanes[v], rules, v, node) is not None
            ]
        else:
            fits[o] = [v for v in vehicles if time_route(lanes[v], rules, [node])]
    return fits


def reasons_for(
    problem: Problem, work_order_ids: set[str]
) -> dict[int, tuple[UnassignedReason, str]]:
    """Why nobody may serve some of ``work_order_ids``: eligibility's reasons, by problem index.

    Only those orders and every technician are laid out, so a large
    problem's left-over orders are explained without its full matrices.
    Orders not in the result could be served alone (``capacity_exhausted``
    when left out).
    """
    position = {o.id: i for i, o in enumerate(problem.work_orders)}
    subset = problem.subset(work_order_ids=work_order_ids)
    matrices = subset.travel.matrices(problem_locations(subset))
    out, back = leg_matrices(subset, matrices)
    eligibility = compute_eligibility(subset, out, back)
    return {position[subset.work_orders[o].id]: reason for o, reason in eligibility.reasons.items()}
