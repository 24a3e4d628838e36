"""Timing arithmetic for the plan validator: travel legs, breaks in gaps, SLA status.

These helpers recompute, from the problem alone, the quantities a plan
reports, so that :mod:`optimizer.check.rules` can compare them. Like the validator
they share no code with the model builder.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from optimizer.domain import Technician, WorkOrder
from optimizer.plan import DepotStop, PlacedBreak, Plan, SlaStatus, Stop
from optimizer.problem import Problem
from optimizer.travel.base import scale_durations


class TravelLegs:
    """Travel time and distance of the legs a plan drives, per technician.

    The locations are numbered ``[orders..., technician starts..., ends...,
    depots...]`` (ends only for technicians that have one). Only the legs the plan's
    routes drive are asked of the travel model (:meth:`TravelModel.legs`),
    so a plan of any size is checked without a square matrix; durations are
    scaled by each technician's ``speed_factor``, distances are not.

    Parameters
    ----------
    problem
        The problem whose travel model and locations to use.
    plan
        The plan whose legs to compute.

    Raises
    ------
    InputError
        If the travel model cannot handle one of the locations.
    """

    def __init__(self, problem: Problem, plan: Plan) -> None:
        orders = problem.work_orders
        techs = problem.technicians
        with_end = [t for t in techs if t.end is not None]
        n_orders, n_techs = len(orders), len(techs)
        self._order_node = {o.id: i for i, o in enumerate(orders)}
        self._start_node = {t.id: n_orders + k for k, t in enumerate(techs)}
        self._end_node = {t.id: n_orders + n_techs + k for k, t in enumerate(with_end)}
        self._locations = [o.location for o in orders] + [t.start for t in techs]
        self._locations += [t.end for t in with_end if t.end is not None]
        first_depot = len(self._locations)
        self._depot_node = {d.id: first_depot + k for k, d in enumerate(problem.depots)}
        self._locations += [d.location for d in problem.depots]
        self._travel = problem.travel
        self._legs: dict[tuple[int, int], tuple[int, int]] = {}
        self._fetch(self._plan_legs(plan))

    def _plan_legs(self, plan: Plan) -> set[tuple[int, int]]:
        """Every (from, to) node pair the routes of ``plan`` drive, start and end legs included."""
        pairs = set()
        for route in plan.routes:
            prev = self._start_node.get(route.technician_id)
            for stop in route.visits():
                node = self.visit_node(stop)
                if prev is not None and node is not None:
                    pairs.add((prev, node))
                prev = node
            end = self._end_node.get(route.technician_id)
            if prev is not None and end is not None:
                pairs.add((prev, end))
        return pairs

    def _fetch(self, pairs: set[tuple[int, int]]) -> None:
        todo = sorted(pairs - self._legs.keys())
        if not todo:
            return
        found = self._travel.legs(
            [self._locations[a] for a, _ in todo], [self._locations[b] for _, b in todo]
        )
        for pair, duration, distance in zip(
            todo, found.duration_s.tolist(), found.distance_m.tolist(), strict=True
        ):
            self._legs[pair] = (duration, distance)

    def visit_node(self, stop: Stop | DepotStop) -> int | None:
        """Return the node of a stop's location (order or depot), or ``None`` if unknown."""
        if isinstance(stop, DepotStop):
            return self._depot_node.get(stop.depot_id)
        return self._order_node.get(stop.work_order_id)

    def order_node(self, work_order_id: str) -> int | None:
        """Return the node of a work order's location, or ``None`` if unknown."""
        return self._order_node.get(work_order_id)

    def start_node(self, tech: Technician) -> int:
        """Return the node of the technician's start location."""
        return self._start_node[tech.id]

    def end_node(self, tech: Technician) -> int | None:
        """Return the node of the technician's end location, or ``None``."""
        return self._end_node.get(tech.id)

    def leg(self, tech: Technician, from_node: int, to_node: int) -> tuple[int, int]:
        """Return ``(travel_s, distance_m)`` of one leg driven by ``tech``.

        Parameters
        ----------
        tech
            The driver; its ``speed_factor`` scales the duration (rounded up).
        from_node, to_node
            Nodes from :meth:`order_node`, :meth:`start_node` or :meth:`end_node`.

        Returns
        -------
        tuple[int, int]
            Travel time in seconds and distance in metres.
        """
        self._fetch({(from_node, to_node)})
        duration, distance = self._legs[(from_node, to_node)]
        scaled = scale_durations(np.array([duration], dtype=np.int64), tech.speed_factor)
        return int(scaled[0]), distance


def arrival_after_drive_s(breaks: Iterable[PlacedBreak], departure_s: int, travel_s: int) -> int:
    """Return when a drive of ``travel_s`` leaving at ``departure_s`` arrives.

    A break that starts while the technician is still on the road (at or
    after departure, before the arrival so far) pauses the drive and pushes
    the arrival back by its duration; breaks starting later are taken on
    site while waiting.
    """
    arrival_s = departure_s + travel_s
    for brk in sorted(breaks, key=lambda b: b.start_s):
        if departure_s <= brk.start_s < arrival_s:
            arrival_s += brk.end_s - brk.start_s
    return arrival_s


def latest_break_end_s(breaks: Iterable[PlacedBreak], after_s: int) -> int:
    """Return the latest end of a break starting at or after ``after_s``, else ``after_s``."""
    return max([after_s, *(b.end_s for b in breaks if b.start_s >= after_s)])


def expected_sla_status(
    order: WorkOrder, arrival_s: int, end_s: int, yellow_threshold_s: int
) -> SlaStatus:
    """Return the SLA traffic light of a visit from its times.

    Parameters
    ----------
    order
        The work order, whose ``respond_by_s``/``resolve_by_s`` are the deadlines.
    arrival_s, end_s
        Arrival and end of service, seconds from the epoch.
    yellow_threshold_s
        Margin below which a met SLA is yellow, in seconds.

    Returns
    -------
    SlaStatus
        ``NONE`` without deadlines; ``RED`` if arrival is after ``respond_by_s``
        or the end after ``resolve_by_s``; otherwise ``YELLOW`` when the
        smallest margin is below the threshold, else ``GREEN``.
    """
    margins_s = []
    if order.respond_by_s is not None:
        margins_s.append(order.respond_by_s - arrival_s)
    if order.resolve_by_s is not None:
        margins_s.append(order.resolve_by_s - end_s)
    if not margins_s:
        return SlaStatus.NONE
    margin_s = min(margins_s)
    if margin_s < 0:
        return SlaStatus.RED
    return SlaStatus.YELLOW if margin_s < yellow_threshold_s else SlaStatus.GREEN
