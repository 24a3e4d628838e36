"""Re-planning with crews and linked visits: whole crews fixed, links to fixed work kept.

The residual problem (:mod:`optimizer.replan.residual`) is built route by
route; with crews and dependencies three things are added:

- :func:`whole_crews`: a crew order fixed in one member's route (started,
  or being driven to) is fixed in every member's route, with what comes
  before it there, so that no crew is split between the day that stays and
  the day re-planned;
- :func:`residual_links`: an order that follows fixed work keeps the link
  as times: its start is confined to after the predecessor's end plus the
  minimum delay (and before it plus the maximum delay, on its day), and a
  same-technician successor is pinned to that technician;
- a crew order that the technicians left can no longer fill (a member fell
  ill and nobody else is qualified), or a linked order with no start left,
  is not re-planned but reported unassigned with the reason, and so are the
  orders that follow it.
"""

from __future__ import annotations

from dataclasses import replace

from optimizer.check.timing import arrival_after_drive_s
from optimizer.domain import TimeWindow, WorkOrder
from optimizer.link_rules import crew_candidates, fillable
from optimizer.plan import PlacedBreak, Plan, Route, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.replan.residual import FixedPart, Key
from optimizer.search.links import LinkSpec

#: Detail of a crew order that the technicians left cannot fill.
CREW_GONE = "Not enough qualified technicians are left for its crew of {k}."
#: Detail of an order whose link to fixed work leaves no start.
LINK_GONE = "It follows {after}, which ended at a time that leaves it no allowed start."


def whole_crews(
    problem: Problem, plan: Plan, fixed: dict[Key, FixedPart], unavailable_from_s: dict[str, int]
) -> dict[Key, FixedPart]:
    """``fixed`` with every crew order fixed in one member's route fixed in all of them.

    A crew order not started whose member is unavailable by its start is
    fixed nowhere (re-planned): it is taken off the end of the fixed parts.
    """
    crews = {o.id for o in problem.work_orders if o.crew is not None}
    fixed = dict(fixed)
    gone = set()
    for route in plan.routes:
        cut = unavailable_from_s.get(route.technician_id)
        if cut is not None:
            gone |= {s.work_order_id for s in route.stops if s.start_s >= cut} & crews
    for key, kept in list(fixed.items()):
        stops = list(kept.stops)
        while stops and stops[-1].work_order_id in gone:
            stops.pop()
        if len(stops) < len(kept.stops):
            if stops or kept.breaks:
                fixed[key] = FixedPart(kept.route, tuple(stops), kept.breaks, False)
            else:
                del fixed[key]
    crews -= gone
    changed = True
    while changed:
        changed = False
        held = {s.work_order_id for f in fixed.values() for s in f.stops} & crews
        for route in plan.routes:
            key = (route.technician_id, route.shift_index)
            part: FixedPart | None = fixed.get(key)
            have = {s.work_order_id for s in part.stops} if part else set()
            wanted = [s for s in route.stops if s.work_order_id in held - have]
            if not wanted:
                continue
            until = max(s.start_s for s in wanted)
            stops = sorted(
                {
                    s.work_order_id: s
                    for s in (*(part.stops if part else ()), *route.stops)
                    if s.work_order_id in have or s.start_s <= until
                }.values(),
                key=lambda s: s.start_s,
            )
            end = max(s.end_s for s in stops)
            breaks: tuple[PlacedBreak, ...] = tuple(
                b for b in route.breaks if b.start_s < end or (part and b in part.breaks)
            )
            fixed[key] = FixedPart(route, tuple(stops), breaks, len(stops) == len(route.stops))
            changed = True
    return fixed


def residual_links(
    full: Problem, residual: Problem, fixed: dict[Key, FixedPart]
) -> tuple[Problem, list[Unassigned]]:
    """``residual`` with its links to fixed work turned into times, and the orders it must drop."""
    ends: dict[str, int] = {}
    starts: dict[str, int] = {}
    tech_of: dict[str, str] = {}
    for (tid, _), part in fixed.items():
        for stop in part.stops:
            ends[stop.work_order_id] = max(ends.get(stop.work_order_id, stop.end_s), stop.end_s)
            starts[stop.work_order_id] = min(
                starts.get(stop.work_order_id, stop.start_s), stop.start_s
            )
            tech_of[stop.work_order_id] = tid
    days = LinkSpec({}, (), {}, full.clock)
    kept_ids = {o.id for o in residual.work_orders}
    tech_ids = {t.id for t in residual.technicians if t.shifts}
    horizon_s = max((s.end_s for t in full.technicians for s in t.shifts), default=0)
    dropped: dict[str, Unassigned] = {}
    orders: list[WorkOrder] = []
    for order in residual.work_orders:
        new, reason = _timed_links(
            order, ends, starts, tech_of, tech_ids, days, kept_ids, horizon_s
        )
        if reason is not None:
            dropped[order.id] = reason
            continue
        if new.crew is not None and not fillable(
            crew_candidates(new, [t for t in residual.technicians if t.shifts]),
            new.pinned_technician_id,
        ):
            dropped[order.id] = Unassigned(
                order.id,
                UnassignedReason.NO_QUALIFIED_TECHNICIAN,
                CREW_GONE.format(k=new.crew.size),
            )
            continue
        orders.append(new)
    while True:  # what follows a dropped order is dropped too
        follow = [o for o in orders if any(d.after in dropped for d in o.dependencies)]
        if not follow:
            break
        for o in follow:
            after = ", ".join(d.after for d in o.dependencies if d.after in dropped)
            dropped[o.id] = Unassigned(
                o.id, UnassignedReason.PREDECESSOR_UNSERVED, f"It follows {after}, not served."
            )
        orders = [o for o in orders if o.id not in dropped]
    out = [dropped[o.id] for o in full.work_orders if o.id in dropped]
    return replace(residual, work_orders=tuple(orders)), out


def _timed_links(
    order: WorkOrder,
    ends: dict[str, int],
    starts: dict[str, int],
    tech_of: dict[str, str],
    tech_ids: set[str],
    days: LinkSpec,
    kept_ids: set[str],
    horizon_s: int,
) -> tuple[WorkOrder, Unassigned | None]:
    """The order with its dependencies on fixed work made into windows and a pin.

    ``horizon_s``: the latest shift end (no start is later), closing a
    window that has no maximum delay or day.
    """
    if not any(d.after in ends for d in order.dependencies):
        return order, None
    lo: int | None = None
    hi: int | None = None
    pin = order.pinned_technician_id
    for dep in order.dependencies:
        if dep.after not in ends:
            continue
        bound = ends[dep.after] + dep.min_delay_s
        lo = bound if lo is None else max(lo, bound)
        limits = []
        if dep.max_delay_s is not None:
            limits.append(ends[dep.after] + dep.max_delay_s)
        if dep.same_day:
            limits.append(days.day_of(starts[dep.after])[1])
        for limit in limits:
            hi = limit if hi is None else min(hi, limit)
        if dep.same_technician:
            pin = tech_of[dep.after] if pin in (None, tech_of[dep.after]) else "\x00"
    gone = Unassigned(
        order.id,
        UnassignedReason.UNREACHABLE_IN_TIME,
        LINK_GONE.format(after=", ".join(d.after for d in order.dependencies if d.after in ends)),
    )
    if pin is not None and pin not in tech_ids:
        return order, gone
    floor = lo if lo is not None else -(2**40)
    top = hi if hi is not None else horizon_s
    windows = tuple(
        TimeWindow(max(w.start_s, floor), min(w.end_s, top))
        for w in (order.windows or (TimeWindow(floor, top),))
        if max(w.start_s, floor) <= min(w.end_s, top)
    )
    if not windows:
        return order, gone
    deps = tuple(d for d in order.dependencies if d.after in kept_ids)
    return replace(order, windows=windows, pinned_technician_id=pin, dependencies=deps), None


def left_when_free(routes: tuple[Route, ...], fixed: dict[Key, FixedPart]) -> tuple[Route, ...]:
    """Routes whose re-planned part leaves from the last fixed stop as soon as it ends.

    A crew stop taken off a fixed part (its partner fell ill) leaves the
    technician idle at the stop before it: the drive to the next stop then
    starts when that stop ends, and the technician waits on arrival.
    """
    out = []
    for route in routes:
        part = fixed.get((route.technician_id, route.shift_index))
        k = len(part.stops) if part is not None else 0
        if part is None or not part.stops or k >= len(route.stops):
            out.append(route)
            continue
        stop = route.stops[k]
        arrival = arrival_after_drive_s(route.breaks, route.stops[k - 1].end_s, stop.travel_s)
        if arrival < stop.arrival_s and arrival <= stop.start_s:
            stop = replace(stop, arrival_s=arrival, wait_s=stop.start_s - arrival)
            route = replace(route, stops=(*route.stops[:k], stop, *route.stops[k + 1 :]))
        out.append(route)
    return tuple(out)
