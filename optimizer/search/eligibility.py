"""Who may serve what: the technician-shift x work-order eligibility, and why not.

Built once per solve. It restricts the OR-Tools model (allowed vehicles per
order) and explains unassigned orders: each reason is the first check that
failed, in this order: skills, pins/exclusions, hard territories, parts, tools, shift coverage,
reachability on an empty route. An order that passes them all but is still
left out is ``capacity_exhausted``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Depot, Shift, Technician, WorkOrder
from optimizer.plan import UnassignedReason
from optimizer.problem import Problem

Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One technician in one shift: the unit OR-Tools routes."""

    tech_index: int
    shift_index: int
    technician: Technician
    shift: Shift


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Allowed vehicles per order and the reasons for orders nobody may serve.

    ``allowed[o]`` lists vehicle indices able to serve order ``o`` alone;
    orders in ``reasons`` have no such vehicle.
    """

    vehicles: tuple[Vehicle, ...]
    allowed: dict[int, list[int]]
    reasons: dict[int, tuple[UnassignedReason, str]]


def vehicles_of(problem: Problem) -> tuple[Vehicle, ...]:
    """Expand technicians into one vehicle per (technician, shift)."""
    return tuple(
        Vehicle(t, s, tech, shift)
        for t, tech in enumerate(problem.technicians)
        for s, shift in enumerate(tech.shifts)
    )


def start_intervals(order: WorkOrder) -> list[Interval]:
    """Allowed service-start intervals of ``order`` (windows, not-before, hard SLA)."""
    big = 2**60
    intervals = [(w.start_s, w.end_s) for w in order.windows] or [(-big, big)]
    lo = order.not_before_s if order.not_before_s is not None else -big
    hi = big
    if order.is_sla_hard and order.start_deadline_s is not None:
        hi = order.start_deadline_s
    clipped = [(max(a, lo), min(b, hi)) for a, b in intervals]
    return sorted((a, b) for a, b in clipped if a <= b)


def _skill_ok(tech: Technician, order: WorkOrder) -> bool:
    return all(tech.skills.get(s, 0) >= lvl for s, lvl in order.required_skills.items())


def _parts_ok(tech: Technician, order: WorkOrder, depots: tuple[Depot, ...] = ()) -> bool:
    """Each part in the van, or the shortfall at one depot (picked up on the way)."""
    for part, qty in order.parts.items():
        short = qty - tech.van_stock.get(part, 0)
        if short <= 0:
            continue
        if not any((a := d.available(part)) is None or a >= short for d in depots):
            return False
    return True


def _tools_ok(tech: Technician, order: WorkOrder, depots: tuple[Depot, ...]) -> bool:
    """Each required tool carried from the start or kept at some depot."""
    return all(
        tool in tech.tools or any(tool in d.tools for d in depots) for tool in order.required_tools
    )


def _pin_ok(tech: Technician, order: WorkOrder) -> bool:
    if order.pinned_technician_id is not None and tech.id != order.pinned_technician_id:
        return False
    return tech.id not in order.excluded_technician_ids


def first_start(intervals: list[Interval], t_s: int) -> int | None:
    """Earliest start >= t_s inside one of the sorted intervals."""
    for a, b in intervals:
        if t_s <= b:
            return max(a, t_s)
    return None


def _may_fit_alone(
    vehicle: Vehicle, order: WorkOrder, intervals: list[Interval], out_s: int, back_s: int
) -> bool:
    """Whether the vehicle might serve the order as its only stop: every limit, breaks aside.

    Breaks can only make a route longer, so a pair failing here is
    infeasible; the pairs passing are timed exactly, breaks included, by
    :func:`optimizer.search.prepare.prepare`.
    """
    tech, shift = vehicle.technician, vehicle.shift
    start = first_start(intervals, shift.start_s + out_s)
    if start is None or start + order.service_s + back_s > shift.latest_end_s:
        return False
    if tech.max_orders_per_shift is not None and tech.max_orders_per_shift < 1:
        return False
    if tech.max_travel_s_per_shift is not None and out_s + back_s > tech.max_travel_s_per_shift:
        return False
    work_s = out_s + order.service_s + back_s
    return tech.max_work_s_per_shift is None or work_s <= tech.max_work_s_per_shift


def compute_eligibility(
    problem: Problem,
    out_s: NDArray[np.int64],
    back_s: NDArray[np.int64],
) -> Eligibility:
    """Check every (vehicle, order) pair.

    Parameters
    ----------
    problem
        The (validated) problem.
    out_s, back_s
        ``out_s[v, o]``: driving seconds from vehicle ``v``'s start to order
        ``o``; ``back_s[v, o]``: from order ``o`` to ``v``'s end location (0
        when the technician has none). Already scaled by speed factor.

    Returns
    -------
    Eligibility
    """
    vehicles = vehicles_of(problem)
    allowed: dict[int, list[int]] = {}
    reasons: dict[int, tuple[UnassignedReason, str]] = {}
    for o, order in enumerate(problem.work_orders):
        techs = [t for t in problem.technicians if _skill_ok(t, order)]
        if not techs:
            need = ", ".join(f"{s}>={lvl}" for s, lvl in sorted(order.required_skills.items()))
            reasons[o] = (
                UnassignedReason.NO_QUALIFIED_TECHNICIAN,
                f"No technician has the required skills ({need}).",
            )
            continue
        techs = [t for t in techs if _pin_ok(t, order)]
        if not techs:
            reasons[o] = (
                UnassignedReason.PIN_OR_EXCLUSION_CONFLICT,
                "Every qualified technician is ruled out by the pin or the exclusions.",
            )
            continue
        techs = [t for t in techs if not (t.is_territory_hard and t.is_outside_territory(order))]
        if not techs:
            reasons[o] = (
                UnassignedReason.OUTSIDE_TERRITORY,
                f"Every qualified technician is bound to other territories than the order's "
                f"({order.territory}).",
            )
            continue
        depots = problem.depots
        techs = [t for t in techs if _parts_ok(t, order, depots)]
        if not techs:
            reasons[o] = (
                UnassignedReason.MISSING_PARTS,
                "No qualified technician carries the required parts"
                + (", and no depot stocks them." if depots else "."),
            )
            continue
        if order.required_tools:
            techs = [t for t in techs if _tools_ok(t, order, depots)]
            if not techs:
                tools = ", ".join(sorted(order.required_tools))
                reasons[o] = (
                    UnassignedReason.MISSING_TOOLS,
                    f"No qualified technician carries the required tools ({tools}) "
                    "and no depot has them.",
                )
                continue
        ids = {t.id for t in techs}
        intervals = start_intervals(order)
        covering = [
            v
            for v, veh in enumerate(vehicles)
            if veh.technician.id in ids
            and (first := first_start(intervals, veh.shift.start_s)) is not None
            and first <= veh.shift.latest_end_s
        ]
        if not covering:
            reasons[o] = (
                UnassignedReason.NO_SHIFT_COVERS_WINDOW,
                "No shift of a qualified technician overlaps the allowed start times.",
            )
            continue
        fits = [
            v
            for v in covering
            if _may_fit_alone(vehicles[v], order, intervals, int(out_s[v, o]), int(back_s[v, o]))
        ]
        if not fits:
            reasons[o] = (
                UnassignedReason.UNREACHABLE_IN_TIME,
                "No qualified technician can reach it in time, even with an empty route.",
            )
            continue
        allowed[o] = fits
    return Eligibility(vehicles=vehicles, allowed=allowed, reasons=reasons)
