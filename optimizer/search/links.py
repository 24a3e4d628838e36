"""Crews and linked visits as the engines see them: member orders, groups, edges and locks.

A crew order of k technicians becomes k **member orders** in an expanded
problem (:func:`expand`), one per member requirement, so that eligibility,
the node index and the timing routine treat each member as an ordinary
order. What ties them is kept aside in a :class:`LinkSpec`: the members of
each order (its **group**) and the dependencies between groups (**edges**).
The engines keep those rules by **locks**: a member's service start is
confined to ``[T, T + tolerance]`` for the crew's common start ``T``, a
successor's start to after its predecessor's end plus the delay (and a
predecessor's to what keeps that true), a same-technician successor to the
predecessor's technician. Every lock is a start interval or a technician,
so the one timing routine (:mod:`optimizer.search.timing`) keeps it and a
route that is feasible under its locks keeps every rule across routes.

:func:`merge_plan` writes the plan of the expanded problem back for the
problem: each member's stop takes the order's id and names the whole crew,
an order is left out once, and the successors of an order left out are
left out with ``predecessor_unserved``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from datetime import time as daytime

from optimizer.clock import Clock
from optimizer.domain import Dependency, WorkOrder
from optimizer.plan import Plan, Route, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.eligibility import Interval
from optimizer.search.writer import finish_plan

#: Separates an order's id from its member number in member ids (ids never hold it).
MEMBER_SEP = "\x00"
#: Unbounded ends of a lock.
OPEN_LO, OPEN_HI = -(2**60), 2**60


def member_id(order_id: str, member: int) -> str:
    """The id of member ``member`` of crew order ``order_id`` in the expanded problem."""
    return f"{order_id}{MEMBER_SEP}{member}"


def order_id_of(expanded_id: str) -> str:
    """The problem's order id of an expanded problem's order id."""
    return expanded_id.split(MEMBER_SEP, 1)[0]


@dataclass(frozen=True, slots=True)
class Edge:
    """``succ`` follows ``pred`` (problem order ids) under ``dep``."""

    pred: str
    succ: str
    dep: Dependency


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """What ties the orders of an expanded problem.

    ``groups`` maps each problem order id to its expanded ids (its members
    for a crew order, itself otherwise); ``edges`` are the dependencies;
    ``tolerance_s`` the sync tolerance of each crew order.
    """

    groups: Mapping[str, tuple[str, ...]]
    edges: tuple[Edge, ...]
    tolerance_s: Mapping[str, int]
    clock: Clock

    def day_of(self, t_s: int) -> Interval:
        """``[midnight, next midnight - 1]`` of the calendar day of ``t_s`` (problem clock)."""
        local = self.clock.at(t_s)
        midnight = datetime.combine(local.date(), daytime(0), tzinfo=local.tzinfo)
        start = self.clock.seconds(midnight)
        nxt = datetime.combine(local.date() + timedelta(days=1), daytime(0), tzinfo=local.tzinfo)
        return start, self.clock.seconds(nxt) - 1


def _pin_member(order: WorkOrder, needs: Sequence[Mapping[str, int]], problem: Problem) -> int:
    """The member a crew order's pinned technician fills (-1: no pin)."""
    pin = order.pinned_technician_id
    if pin is None:
        return -1
    tech = next((t for t in problem.technicians if t.id == pin), None)
    for i, need in enumerate(needs):
        if tech is not None and all(tech.skills.get(s, 0) >= lv for s, lv in need.items()):
            return i
    return 0


def expand(problem: Problem) -> tuple[Problem, LinkSpec]:
    """The expanded problem (crew orders as member orders, no dependencies) and its links.

    Member ``i`` of a crew order needs member requirement ``i``; all keep
    the order's place, windows, deadlines, priority and exclusions; the
    pinned technician fills the first member requirement they qualify for.
    """
    orders: list[WorkOrder] = []
    groups: dict[str, tuple[str, ...]] = {}
    tolerance: dict[str, int] = {}
    edges: list[Edge] = []
    known = {o.id for o in problem.work_orders}
    for order in problem.work_orders:  # (a part of a large problem keeps its chains whole)
        edges += [Edge(d.after, order.id, d) for d in order.dependencies if d.after in known]
        if order.crew is None:
            orders.append(replace(order, dependencies=()) if order.dependencies else order)
            groups[order.id] = (order.id,)
            continue
        needs = order.member_requirements()
        pinned = _pin_member(order, needs, problem)
        members = []
        for i, need in enumerate(needs):
            mid = member_id(order.id, i)
            members.append(mid)
            orders.append(
                replace(
                    order,
                    id=mid,
                    required_skills=need,
                    crew=None,
                    dependencies=(),
                    pinned_technician_id=order.pinned_technician_id if i == pinned else None,
                )
            )
        groups[order.id] = tuple(members)
        tolerance[order.id] = order.crew.sync_tolerance_s
    expanded = replace(problem, work_orders=tuple(orders))
    return expanded, LinkSpec(groups, tuple(edges), tolerance, problem.clock)


def successors_closure(spec: LinkSpec, order_ids: set[str]) -> set[str]:
    """``order_ids`` with every order that follows one of them, directly or not."""
    after: dict[str, list[str]] = {}
    for edge in spec.edges:
        after.setdefault(edge.pred, []).append(edge.succ)
    out = set(order_ids)
    stack = list(order_ids)
    while stack:
        for nxt in after.get(stack.pop(), ()):
            if nxt not in out:
                out.add(nxt)
                stack.append(nxt)
    return out


def clip(intervals: Sequence[Interval], lo: int, hi: int) -> list[Interval]:
    """``intervals`` cut to ``[lo, hi]`` (empty intervals dropped)."""
    if lo <= OPEN_LO and hi >= OPEN_HI:
        return list(intervals)
    out = []
    for a, b in intervals:
        a, b = max(a, lo), min(b, hi)
        if a <= b:
            out.append((a, b))
    return out


#: Detail of a crew order that could be served, but not at once by a whole crew.
CREW_NO_ROOM = (
    "Feasible for a crew of {k}, but no {k} qualified technicians had a common free slot "
    "left in this plan."
)
#: Detail of an order left out because an order it follows is left out.
PREDECESSOR_DETAIL = "It follows {after}, which is not served."


def merge_plan(problem: Problem, spec: LinkSpec, plan: Plan, started: float) -> Plan:
    """The plan of the expanded problem written back for ``problem`` (statistics kept).

    ``started`` is the solve's start (``time.perf_counter()`` clock), for
    the wall time; the objective and KPIs are ``problem``'s.
    """
    crews: dict[str, list[str]] = {}
    for route in plan.routes:
        for stop in route.stops:
            wid = order_id_of(stop.work_order_id)
            if wid != stop.work_order_id:
                crews.setdefault(wid, []).append(route.technician_id)
    routes: list[Route] = []
    for route in plan.routes:
        stops = []
        for stop in route.stops:
            wid = order_id_of(stop.work_order_id)
            if wid == stop.work_order_id:
                stops.append(stop)
            else:
                stops.append(replace(stop, work_order_id=wid, crew=tuple(sorted(crews[wid]))))
        routes.append(replace(route, stops=tuple(stops)))
    served = {s.work_order_id for r in routes for s in r.stops}
    reason_of: dict[str, Unassigned] = {}
    for u in plan.unassigned:
        wid = order_id_of(u.work_order_id)
        known = reason_of.get(wid)
        if known is None or (
            known.reason is UnassignedReason.CAPACITY_EXHAUSTED
            and u.reason is not UnassignedReason.CAPACITY_EXHAUSTED
        ):
            reason_of[wid] = replace(u, work_order_id=wid)
    preds: dict[str, list[str]] = {}
    for edge in spec.edges:
        preds.setdefault(edge.succ, []).append(edge.pred)
    unassigned = []
    for order in problem.work_orders:
        if order.id in served:
            continue
        missing = [p for p in preds.get(order.id, ()) if p not in served]
        if missing and reason_of.get(order.id) is not None:
            current = reason_of[order.id]
            if current.reason is UnassignedReason.CAPACITY_EXHAUSTED:
                current = Unassigned(
                    order.id,
                    UnassignedReason.PREDECESSOR_UNSERVED,
                    PREDECESSOR_DETAIL.format(after=", ".join(missing)),
                )
            unassigned.append(current)
        elif order.id in reason_of:
            current = reason_of[order.id]
            if order.crew is not None and current.reason is UnassignedReason.CAPACITY_EXHAUSTED:
                current = replace(current, detail=CREW_NO_ROOM.format(k=order.crew.size))
            unassigned.append(current)
        else:
            unassigned.append(
                Unassigned(
                    order.id,
                    UnassignedReason.PREDECESSOR_UNSERVED,
                    PREDECESSOR_DETAIL.format(after=", ".join(missing) or "another order"),
                )
            )
    return finish_plan(problem, routes, unassigned, plan.stats, started)


def with_predecessor_reasons(
    problem: Problem, unassigned: Sequence[Unassigned], served: set[str]
) -> list[Unassigned]:
    """``unassigned`` with ``predecessor_unserved`` for the orders that only lacked room
    because an order they follow is not served."""
    after = {o.id: [d.after for d in o.dependencies] for o in problem.work_orders}
    out = []
    for u in unassigned:
        missing = [p for p in after.get(u.work_order_id, ()) if p not in served]
        if missing and u.reason is UnassignedReason.CAPACITY_EXHAUSTED:
            detail = PREDECESSOR_DETAIL.format(after=", ".join(missing))
            u = Unassigned(u.work_order_id, UnassignedReason.PREDECESSOR_UNSERVED, detail)
        out.append(u)
    return out
