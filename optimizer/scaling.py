"""The largest integer cost a problem can put in the search models, checked before building.

OR-Tools and PyVRP work in 64-bit integers: the OR-Tools model scales each
weight to whole units (``COST_SCALE`` units to a point, per second of
time) and its objective sums them. :func:`largest_scaled_cost` bounds that
sum from above for a given problem without building anything, and
:func:`scaling_issues` turns a bound above :data:`COST_LIMIT` into an input
error naming ``weights``, so that no problem that passes validation can make
the model overflow (``tests/optimizer/test_scaling.py`` proves the bound on
documents at every edge of the document's ranges).

The bound adds, in units:

- every order's unserved penalty (``unassigned × vip_multiplier``);
- every order's lateness coefficient times the horizon (no start can be
  later than the latest shift end);
- every order's preference and reassignment costs;
- travel: one leg per order and per shift, each at most the longest leg the
  travel model can give (:func:`longest_leg_s`), at ``travel_per_hour``;
- workload balance and labour cost times the horizon.
"""

from __future__ import annotations

import math

from optimizer.domain import GeoPoint, PlanarPoint
from optimizer.errors import InputIssue
from optimizer.problem import Problem
from optimizer.travel import GeodesicTravel, MatrixTravel, PlanarTravel, RoadGraphTravel
from optimizer.weights import DEFAULT_WEIGHTS

#: Objective units per point: a per-hour weight becomes an integer
#: coefficient per second, a per-minute weight a coefficient of ``60 * w``.
COST_SCALE = 3600

INT64_MAX = 2**63 - 1
"""Largest value of a signed 64-bit integer."""

COST_LIMIT = 2**62
"""Largest scaled cost a problem may reach: half of ``INT64_MAX``, the rest is headroom
for the sums OR-Tools forms while it searches (cost of a move plus the current cost)."""

_EARTH_RADIUS_M = 6_371_008.8


def _geo_span_m(points: list[GeoPoint]) -> float:
    """An upper bound of the great-circle distance between any two of ``points``.

    The path along a meridian over the latitude span, then along a parallel
    over the longitude span (at most half the globe), is no shorter than
    the great circle.
    """
    if len(points) < 2:
        return 0.0
    lats = [math.radians(p.lat) for p in points]
    lons = [math.radians(p.lon) for p in points]
    lon_span = min(max(lons) - min(lons), math.pi)
    return _EARTH_RADIUS_M * (max(lats) - min(lats) + lon_span)


def longest_leg_s(problem: Problem) -> float:
    """An upper bound, in seconds, of any driving time the travel model gives for ``problem``.

    Geodesic and planar travel bound the distance by the locations' extent;
    a matrix by its largest entry; a road graph by the sum of all its edge
    durations (no shortest path is longer). Divided by the slowest
    technician's ``speed_factor``.
    """
    travel = problem.travel
    locations = [t.start for t in problem.technicians]
    locations += [t.end for t in problem.technicians if t.end is not None]
    locations += [o.location for o in problem.work_orders]
    leg_s = 0.0
    if isinstance(travel, MatrixTravel):
        durations = travel.durations_s
        leg_s = float(durations.max()) if durations.size else 0.0  # type: ignore[union-attr]
    elif isinstance(travel, GeodesicTravel):
        geo = [loc for loc in locations if isinstance(loc, GeoPoint)]
        leg_s = _geo_span_m(geo) * travel.circuity / (travel.speed_kmh / 3.6)
    elif isinstance(travel, PlanarTravel):
        planar = [loc for loc in locations if isinstance(loc, PlanarPoint)]
        if planar:
            dx = max(p.x_m for p in planar) - min(p.x_m for p in planar)
            dy = max(p.y_m for p in planar) - min(p.y_m for p in planar)
            leg_s = math.hypot(dx, dy) / travel.speed_mps
    elif isinstance(travel, RoadGraphTravel):
        leg_s = sum(
            float(d.get(travel.duration_attr, 0.0)) for _, _, d in travel.graph.edges(data=True)
        )
    slowest = min((t.speed_factor for t in problem.technicians), default=1.0)
    return math.ceil(leg_s / slowest) + 1.0


def largest_scaled_cost(problem: Problem) -> float:
    """An upper bound of the OR-Tools objective of any solution of ``problem``, in units.

    Parameters
    ----------
    problem
        A problem whose single fields are in range (as a document read by
        :func:`optimizer.document.load_problem` is).

    Returns
    -------
    float
        The bound (a float: it may exceed what 64 bits hold, which is the
        point of computing it).
    """
    weights = problem.weights or DEFAULT_WEIGHTS
    shift_ends = [s.latest_end_s for t in problem.technicians for s in t.shifts]
    horizon_s = float(max(max(shift_ends, default=0), 0) + 1)
    shifts = len(shift_ends)
    per_order = 0.0
    for order in problem.work_orders:
        per_order += weights.unassigned_penalty(order) * COST_SCALE
        per_order += weights.late_per_minute(order) * COST_SCALE / 60 * horizon_s
        per_order += (weights.non_preferred_technician + weights.reassignment) * COST_SCALE
        if order.territory is not None:
            per_order += weights.outside_territory * COST_SCALE
    legs = len(problem.work_orders) + shifts
    travel = legs * longest_leg_s(problem) * weights.travel_per_hour * COST_SCALE / 3600
    balance = weights.workload_balance_per_hour * COST_SCALE / 3600 * horizon_s
    balance += weights.working_time_per_hour * COST_SCALE / 3600 * horizon_s * shifts
    labor = sum(
        t.cost_per_hour * weights.labor_cost * COST_SCALE / 3600 * horizon_s * len(t.shifts)
        for t in problem.technicians
    )
    overtime = sum(
        weights.overtime_rate(s) * COST_SCALE / 60 * s.max_overtime_s
        for t in problem.technicians
        for s in t.shifts
    )
    return per_order + travel + balance + labor + overtime


def scaling_issues(problem: Problem) -> list[InputIssue]:
    """An issue on ``weights`` when :func:`largest_scaled_cost` exceeds :data:`COST_LIMIT`.

    Returns
    -------
    list of InputIssue
        Empty when the problem's costs fit the search models' integers.
    """
    bound = largest_scaled_cost(problem)
    if bound <= COST_LIMIT:
        return []
    return [
        InputIssue(
            "weights",
            f"The objective weights are too large for this problem: its cost could reach "
            f"{bound:.3g} solver units, above the limit of {COST_LIMIT:.3g} (64-bit integers); "
            "lower the largest weights, the horizon or the travel distances.",
        )
    ]
