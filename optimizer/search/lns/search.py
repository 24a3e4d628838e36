"""Large-neighbourhood search on the real objective (ruin and recreate).

Every move is priced by :class:`optimizer.search.lns.solution.Solution`
with the request's weights at their real ratios: driving, capped lateness,
labour, preferences, reassignment, workload balance and, for every order
left out, its unserved penalty. So a P1 is never left out to make room
for a P4 unless the P1 truly does not fit, and a soft SLA deadline is a
cost, never a wall.

One iteration removes a few orders (at random, a cluster around one order,
strings from nearby routes, or the orders of one short route) and puts
them back, together with the orders left out near them, most valuable
first, each where it adds the least cost; an order is left out only when
its cheapest place costs more than its penalty. The new plan is kept when
it is better, or not much worse while the temperature allows (simulated
annealing, cooling to zero at the deadline); the best plan seen is
returned.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from optimizer.search.index import ModelIndex
from optimizer.search.lns.solution import Solution

#: Nearest orders kept per order (by driving time) for related removals and
#: for choosing the routes an order may go to.
NEIGHBOURS = 24
#: Vehicles offered to an order besides the routes of its neighbours: the
#: nearest allowed ones by start location; all allowed when so few are.
NEAREST_VEHICLES, FEW_VEHICLES = 3, 8
#: Nearest vehicles (by start location) kept per order.
VEHICLE_LIST = 40
#: Orders removed per iteration: between these bounds, and at most this share.
REMOVE_MIN, REMOVE_MAX, REMOVE_SHARE = 4, 30, 0.15
#: Iterations without a new best before stopping: per order, plus a floor.
STALL_PER_ORDER, STALL_MIN = 50, 200
#: Longest wait between two calls of the progress callback (cancel checks).
HEARTBEAT_S = 0.5
#: Starting temperature, as a share of the mean per-order cost of the start.
START_TEMPERATURE = 0.5


def stall_limit(n_orders: int) -> int:
    """Iterations without a new best after which the search stops: ample for its size.

    A 5-order day stops after 450 fruitless iterations (a fraction of a
    second); a 450-order day would need 22,700, more than a dispatch budget.
    """
    return STALL_PER_ORDER * n_orders + STALL_MIN


class Neighbourhood:
    """Nearest orders of each order and nearest vehicles by start location (driving time)."""

    def __init__(self, index: ModelIndex) -> None:
        travel = index.travel_s[min(index.travel_s)]
        n_orders = len(index.order_of_node)
        sub = travel[:n_orders, :n_orders]
        k = min(NEIGHBOURS, max(n_orders - 1, 0))
        near: list[list[int]] = []
        for i in range(n_orders):
            row = sub[i]
            if k and n_orders > k + 1:
                idx = np.argpartition(row, k + 1)[: k + 1]
                idx = idx[np.argsort(row[idx], kind="stable")]
            else:
                idx = np.argsort(row, kind="stable")
            near.append([int(j) for j in idx if j != i][:k])
        self.orders = near
        starts_arr = np.asarray(index.starts)
        self.vehicles_by_start = [
            [int(v) for v in np.argsort(travel[starts_arr, i], kind="stable")[:VEHICLE_LIST]]
            for i in range(n_orders)
        ]


def best_insertion(
    sol: Solution, node: int, hood: Neighbourhood, bound: float
) -> tuple[float, int, int]:
    """Cheapest feasible ``(added cost, vehicle, position)`` of ``node`` below ``bound``.

    Routes tried: those of the order's nearest orders and the nearest empty
    vehicles, among the vehicles allowed to serve it. ``(inf, -1, -1)``
    when nothing is below ``bound``.
    """
    m = sol.model
    allowed = m.allowed[node]
    if len(allowed) <= FEW_VEHICLES:
        routes = set(allowed)
    else:
        routes = {sol.route_of[j] for j in hood.orders[node]}
        routes.discard(-1)
        routes &= allowed
        added = 0
        for v in hood.vehicles_by_start[node]:
            if v in allowed and v not in routes:
                routes.add(v)
                added += 1
                if added >= NEAREST_VEHICLES:
                    break
    candidates: list[tuple[float, int, int, int]] = []
    wt = m.travel_point_per_s
    for v in routes:
        static = m.static[node].get(v, 0.0)
        for added, pos in sol.insertion_places(v, node):
            candidates.append((added * wt + static, v, pos, added))
    candidates.sort()
    best = (math.inf, -1, -1)
    for lower, v, pos, added in candidates:
        if lower >= min(bound, best[0]):
            break
        cost = sol.timed_insertion_cost(v, node, pos, added, min(bound, best[0]))
        if cost < best[0] and cost < bound:
            best = (cost, v, pos)
    return best


def recreate(sol: Solution, pool: Sequence[int], hood: Neighbourhood, rng: random.Random) -> None:
    """Insert the orders of ``pool``, most valuable first, each where it costs least.

    An order stays out when its cheapest place costs more than its unserved
    penalty (or there is none).
    """
    penalty = sol.model.penalty
    order = sorted(pool, key=lambda n: (-penalty[n], rng.random()))
    for node in order:
        if sol.route_of[node] >= 0:
            continue
        _, v, pos = best_insertion(sol, node, hood, penalty[node])
        if v >= 0:
            sol.insert(v, node, pos)


def _ruin(sol: Solution, hood: Neighbourhood, rng: random.Random) -> list[int]:
    """Choose orders to remove (not yet removed)."""
    served = [n for n in range(len(sol.route_of)) if sol.route_of[n] >= 0]
    if not served:
        return []
    q = max(REMOVE_MIN, min(REMOVE_MAX, int(REMOVE_SHARE * len(served))))
    q = rng.randint(min(REMOVE_MIN, len(served)), min(q, len(served)))
    kind = rng.random()
    if sol.unassigned and kind < 0.25:  # make room for an order left out, in its routes
        return _room_for(sol, hood, rng, q)
    kind = rng.random()
    seed = rng.choice(served)
    if kind < 0.15:
        return rng.sample(served, q)
    if kind < 0.55:  # a cluster around one order
        near = [j for j in hood.orders[seed] if sol.route_of[j] >= 0]
        return [seed, *near[: q - 1]]
    if kind < 0.9:  # strings of consecutive stops from nearby routes
        out: list[int] = []
        seen_routes = set()
        for j in [seed, *hood.orders[seed]]:
            v = sol.route_of[j]
            if v < 0 or v in seen_routes:
                continue
            seen_routes.add(v)
            nodes = sol.routes[v].nodes
            length = rng.randint(1, max(1, min(len(nodes), 2 * q // 3)))
            at = nodes.index(j)
            first = max(0, min(at - rng.randint(0, length - 1), len(nodes) - length))
            out.extend(nodes[first : first + length])
            if len(out) >= q:
                break
        return out
    v = sol.route_of[seed]  # one route, with its neighbours' nearest stops
    return list(sol.routes[v].nodes)


def _room_for(sol: Solution, hood: Neighbourhood, rng: random.Random, q: int) -> list[int]:
    """Orders near a left-out order (chosen by penalty) on routes allowed to serve it."""
    left = sorted(sol.unassigned)
    penalty = sol.model.penalty
    weights = [penalty[n] for n in left]
    # weights all 0 (unserved orders that cost nothing): choose among them evenly
    target = rng.choices(left, weights=weights)[0] if sum(weights) > 0 else rng.choice(left)
    allowed = sol.model.allowed[target]
    near = [j for j in hood.orders[target] if sol.route_of[j] in allowed]
    if not near:  # its neighbours are elsewhere: the nearest allowed routes' stops
        for v in hood.vehicles_by_start[target]:
            if v in allowed and sol.routes[v].nodes:
                near.extend(sol.routes[v].nodes)
                if len(near) >= q:
                    break
    return near[: max(1, q // 2)]


def _pool(sol: Solution, removed: list[int], hood: Neighbourhood, rng: random.Random) -> list[int]:
    """The removed orders plus the orders left out near them, and a few others left out."""
    pool = set(removed)
    for node in removed:
        for j in hood.orders[node][:8]:
            if sol.route_of[j] < 0:
                pool.add(j)
    left = list(sol.unassigned - pool)
    if left:
        pool.update(rng.sample(left, min(len(left), 3)))
    return list(pool)


def improve(
    sol: Solution,
    hood: Neighbourhood,
    deadline: float,
    seed: int,
    max_iterations: int | None = None,
    on_best: Callable[[float, int], bool | None] | None = None,
    keep_best: Callable[[list[list[int]]], None] | None = None,
) -> tuple[list[list[int]], float, int]:
    """Run the search until ``deadline`` (``time.perf_counter()``) or ``max_iterations``.

    It also stops once :func:`stall_limit` iterations in a row found no new
    best (small problems are done long before a dispatch budget ends).
    Returns the best routes, their objective and the iterations made.
    ``on_best(objective, assigned)`` is called on each new best, and with
    the best so far at least every :data:`HEARTBEAT_S` seconds; returning
    ``True`` stops the search. ``keep_best(routes)`` is given every new
    best's routes (not to be changed), first the start's.
    """
    rng = random.Random(seed)
    recreate(sol, sorted(sol.unassigned), hood, rng)
    current = sol.objective()
    best_routes, best = sol.snapshot(), current
    if keep_best is not None:
        keep_best(best_routes)
    n = max(len(sol.route_of), 1)
    t0 = START_TEMPERATURE * current / n
    started = time.perf_counter()
    span = max(deadline - started, 1e-6)
    iterations = last_best = 0
    stall = stall_limit(n)
    best_assigned = n - len(sol.unassigned)
    told = started
    while True:
        now = time.perf_counter()
        if on_best is not None and now - told >= HEARTBEAT_S:
            told = now
            if on_best(best, best_assigned):
                break
        if now >= deadline or (max_iterations is not None and iterations >= max_iterations):
            break
        if iterations - last_best >= stall:
            break
        iterations += 1
        if max_iterations is not None:
            progress = iterations / max_iterations
        else:
            progress = (now - started) / span
        temperature = t0 * (1 - progress)
        before = sol.snapshot()
        removed = _ruin(sol, hood, rng)
        if sol.model.depots is not None:  # depot visits go with the orders they serve
            removed = [x for x in removed if x < n]
        touched = {sol.route_of[x] for x in removed}
        sol.remove(removed)
        pool = _pool(sol, removed, hood, rng)
        recreate(sol, pool, hood, rng)
        value = sol.objective()
        if value < current - 1e-9 or value < current + temperature * -math.log(
            max(rng.random(), 1e-12)
        ):
            current = value
            if value < best - 1e-9:
                best, best_routes, last_best = value, sol.snapshot(), iterations
                best_assigned = n - len(sol.unassigned)
                if keep_best is not None:
                    keep_best(best_routes)
                if on_best is not None:
                    told = time.perf_counter()
                    if on_best(best, best_assigned):
                        break
        else:
            changed = [v for v in range(len(before)) if before[v] != sol.routes[v].nodes]
            touched.update(changed)
            sol.restore(before, sorted(touched - {-1}))
    if sol.model.depots is not None:  # the best routes' depot visits, each at its best place
        sol.restore(best_routes, range(len(best_routes)))
        if any([sol.improve_visits(v) for v in range(len(best_routes))]):
            best_routes, best = sol.snapshot(), sol.objective()
    return best_routes, best, iterations
