"""Splitting a large problem into parts of nearby technicians and orders (geometry only).

Two ways, both by recursive bisection of weighted points at the weighted
median along one direction, until every part weighs at most a bound:

- :func:`regions` (the first split): orders by count, then each part gets
  the nearest technicians for its share of the orders;
- :func:`route_groups` (every later split): each technician's route weighs
  its stops and sits at their barycentre, idle technicians at their start,
  orders left out at their location. Each round turns the directions, so
  that the borders of one round fall inside the parts of the next (route-based
  decomposition, as in Santini et al., IJOC 2023).

Orders pinned to a technician always join that technician's part. Problems
whose locations have no coordinates (an explicit matrix) are not split.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import GeoPoint, Location, PlanarPoint
from optimizer.plan import Plan
from optimizer.problem import Problem

#: Orders per part the splits aim at.
PART_ORDERS = 400
#: Problems with more orders than this are split (when they have coordinates):
#: up to here one search over the whole day does better (metro-large, 2,000 orders).
SPLIT_MIN_ORDERS = 2_500

#: Angle between the cutting directions of two successive rounds (the golden
#: angle, so that no two rounds cut alike).
TURN_RAD = math.pi * (3 - math.sqrt(5))


@dataclass(frozen=True, slots=True)
class Part:
    """Technician ids and work-order ids that are solved together."""

    technician_ids: frozenset[str]
    work_order_ids: frozenset[str]


def part_problem(problem: Problem, part: Part) -> Problem:
    """The problem of one part: its technicians and orders, references to others kept.

    Unlike :meth:`Problem.subset`, preferences and dispatch references to
    technicians of other parts stay, so that the part pays for them as the
    whole problem does.
    """
    return replace(
        problem,
        technicians=tuple(t for t in problem.technicians if t.id in part.technician_ids),
        work_orders=tuple(o for o in problem.work_orders if o.id in part.work_order_ids),
    )


def planar_km(locations: Sequence[Location]) -> NDArray[np.float64] | None:
    """``(n, 2)`` coordinates in kilometres on a local plane, or ``None`` without coordinates.

    Geographic points are projected equirectangularly around their mean
    latitude (plenty for grouping within a region).
    """
    if locations and all(isinstance(loc, GeoPoint) for loc in locations):
        lat = np.array([loc.lat for loc in locations])  # type: ignore[union-attr]
        lon = np.array([loc.lon for loc in locations])  # type: ignore[union-attr]
        scale = math.cos(math.radians(float(lat.mean())))
        return np.column_stack((lon * 111.32 * scale, lat * 110.57))
    if locations and all(isinstance(loc, PlanarPoint) for loc in locations):
        return np.array([(loc.x_m / 1000, loc.y_m / 1000) for loc in locations])  # type: ignore[union-attr]
    return None


def bisect(
    points: NDArray[np.float64], weights: NDArray[np.float64], limit: float, angle: float
) -> list[list[int]]:
    """Groups of point indices of total weight at most ``limit`` (or single points).

    Each cut halves a group's weight at the median along the direction, of
    ``angle`` and ``angle + 90°``, over which the group is spread widest.
    """
    directions = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    projected = points @ directions.T
    out: list[list[int]] = []
    stack = [np.arange(len(points))]
    while stack:
        group = stack.pop()
        if weights[group].sum() <= limit or len(group) < 2:
            out.append(sorted(int(i) for i in group))
            continue
        spread = projected[group].max(axis=0) - projected[group].min(axis=0)
        axis = int(np.argmax(spread))
        order = group[np.argsort(projected[group, axis], kind="stable")]
        cumulative = np.cumsum(weights[order])
        cut = int(np.searchsorted(cumulative, cumulative[-1] / 2)) + 1
        cut = min(max(cut, 1), len(order) - 1)
        stack += [order[cut:], order[:cut]]
    return sorted(out, key=lambda g: g[0])


def _parts(problem: Problem, groups: list[list[int]], owners: list[tuple[str, str]]) -> list[Part]:
    """Parts from groups of indices into ``owners`` (``("tech", id)`` or ``("order", id)``)."""
    part_of_tech: dict[str, int] = {}
    techs: list[set[str]] = [set() for _ in groups]
    orders: list[set[str]] = [set() for _ in groups]
    for k, group in enumerate(groups):
        for i in group:
            kind, item = owners[i]
            if kind == "tech":
                techs[k].add(item)
                part_of_tech[item] = k
            else:
                orders[k].add(item)
    for order in problem.work_orders:  # pinned orders go with their technician
        pin = order.pinned_technician_id
        if pin in part_of_tech:
            for k in range(len(groups)):
                orders[k].discard(order.id)
            orders[part_of_tech[pin]].add(order.id)
    return [Part(frozenset(t), frozenset(o)) for t, o in zip(techs, orders, strict=True) if t or o]


def _load_per_technician(problem: Problem) -> float:
    return len(problem.work_orders) / max(len(problem.technicians), 1)


def regions(problem: Problem, part_orders: int) -> list[Part] | None:
    """The first split: nearby orders, about ``part_orders`` a part, with technicians to serve them.

    Orders are bisected alone; then technicians are handed out, nearest
    (start to the part's centre) first, until every part has its share of
    the fleet for its share of the orders; the rest go to their nearest
    part. ``None`` when the locations have no coordinates.
    """
    orders, techs = problem.work_orders, problem.technicians
    points = planar_km([o.location for o in orders])
    starts = planar_km([t.start for t in techs])
    if points is None or starts is None:
        return None
    groups = bisect(points, np.ones(len(orders)), part_orders, 0.0)
    centres = np.array([points[g].mean(axis=0) for g in groups])
    distance = np.hypot(*(starts[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    wanted = [len(g) * len(techs) / max(len(orders), 1) for g in groups]
    given = [0] * len(groups)
    home: dict[int, int] = {}
    for flat in np.argsort(distance, axis=None, kind="stable"):
        t, k = divmod(int(flat), len(groups))
        if t not in home and given[k] < round(wanted[k]):
            home[t] = k
            given[k] += 1
    for t in range(len(techs)):
        home.setdefault(t, int(np.argmin(distance[t])))
    owners = [("order", o.id) for o in orders] + [("tech", t.id) for t in techs]
    members = [list(g) for g in groups]
    for t, k in home.items():
        members[k].append(len(orders) + t)
    return _parts(problem, members, owners)


def route_groups(problem: Problem, plan: Plan, part_orders: int, round_: int) -> list[Part] | None:
    """A later split: routes grouped by barycentre, turned by round ``round_``.

    ``None`` when the locations have no coordinates.
    """
    location_of = {o.id: o.location for o in problem.work_orders}
    stops: dict[str, list[Location]] = {t.id: [] for t in problem.technicians}
    for route in plan.routes:
        stops[route.technician_id] += [location_of[s.work_order_id] for s in route.stops]
    left = [u.work_order_id for u in plan.unassigned]
    all_locations = [loc for locs in stops.values() for loc in locs]
    all_locations += [t.start for t in problem.technicians] + [location_of[o] for o in left]
    if planar_km(all_locations) is None:
        return None
    points, weights, owners = [], [], []
    per_tech = _load_per_technician(problem)
    for tech in problem.technicians:
        served = stops[tech.id]
        where = planar_km(served or [tech.start])
        assert where is not None
        points.append(where.mean(axis=0))
        weights.append(max(len(served), per_tech))
        owners.append(("tech", tech.id))
    unplaced = planar_km([location_of[o] for o in left]) if left else None
    for k, order_id in enumerate(left):
        assert unplaced is not None
        points.append(unplaced[k])
        weights.append(1.0)
        owners.append(("order", order_id))
    groups = bisect(np.array(points), np.array(weights), 2 * part_orders, round_ * TURN_RAD)
    parts = _parts(problem, groups, owners)
    served_by = {s.work_order_id: r.technician_id for r in plan.routes for s in r.stops}
    out: list[Part] = []
    for part in parts:  # a technician's part holds the orders it serves
        own = {o for o, t in served_by.items() if t in part.technician_ids}
        out.append(Part(part.technician_ids, part.work_order_ids | own))
    return out
