"""A rules-engine dispatcher: the baseline that rule-based auto-dispatch stands for.

Work orders are taken one at a time, most urgent first (priority, then SLA
deadline, then VIP before standard, then id). Each goes to the qualified
technician-shift with the earliest feasible arrival and is appended to the
end of that route; nothing already placed ever moves. Lunch breaks are
taken while waiting on site when they fit there, otherwise on the way to
the first order that would leave no room for them later. An order no
route can take is unassigned, with the same reason codes as
:func:`optimizer.solve`.

Timing follows :class:`optimizer.plan.Stop`: integer seconds, a break
starting during a drive pauses it, a break starting after arrival is taken
on site. Plans from here pass :func:`optimizer.check.check_plan`.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Break, Shift, Technician, Tier, WorkOrder
from optimizer.kpis import compute_kpis
from optimizer.objective import plan_cost
from optimizer.plan import PlacedBreak, Plan, Route, SolveStats, Stop, Unassigned, UnassignedReason
from optimizer.problem import Problem
from optimizer.sla import sla_status
from optimizer.travel.base import scale_durations
from optimizer.validation import ensure_valid

_BIG = 2**60
Interval = tuple[int, int]


@dataclass(slots=True)
class _Lane:
    """One technician-shift being built; mutable, private to this module."""

    tech: Technician
    shift_index: int
    shift: Shift
    duration_s: NDArray[np.int64]
    start_node: int
    end_node: int | None
    node: int
    free_s: int
    pending: list[Break]
    parts_left: dict[str, int]
    stops: list[Stop] = field(default_factory=list)
    breaks: list[PlacedBreak] = field(default_factory=list)
    route_start_s: int = 0
    travel_s: int = 0


@dataclass(frozen=True, slots=True)
class _Append:
    """A feasible way to append one order to a lane."""

    depart_s: int
    arrival_s: int
    start_s: int
    travel_s: int
    placed: tuple[PlacedBreak, ...]


class _Network:
    """Travel legs between orders, technician starts and ends, per speed factor."""

    def __init__(self, problem: Problem) -> None:
        orders, techs = problem.work_orders, problem.technicians
        with_end = [t for t in techs if t.end is not None]
        n, k = len(orders), len(techs)
        self.order_node = {o.id: i for i, o in enumerate(orders)}
        self.start_node = {t.id: n + i for i, t in enumerate(techs)}
        self.end_node = {t.id: n + k + i for i, t in enumerate(with_end)}
        locations = [o.location for o in orders] + [t.start for t in techs]
        locations += [t.end for t in with_end if t.end is not None]
        matrices = problem.travel.matrices(locations)
        self.distance_m = matrices.distance_m
        self._base = matrices.duration_s
        self._scaled: dict[float, NDArray[np.int64]] = {}

    def duration_s(self, tech: Technician) -> NDArray[np.int64]:
        factor = tech.speed_factor
        if factor not in self._scaled:
            self._scaled[factor] = scale_durations(self._base, factor)
        return self._scaled[factor]


def _start_intervals(order: WorkOrder) -> list[Interval]:
    """Allowed service starts: windows, cut by not-before and a hard SLA deadline."""
    intervals = [(w.start_s, w.end_s) for w in order.windows] or [(-_BIG, _BIG)]
    lo = order.not_before_s if order.not_before_s is not None else -_BIG
    hi = _BIG
    if order.is_sla_hard and order.start_deadline_s is not None:
        hi = order.start_deadline_s
    clipped = [(max(a, lo), min(b, hi)) for a, b in intervals]
    return sorted((a, b) for a, b in clipped if a <= b)


def _first_start(intervals: list[Interval], t_s: int) -> int | None:
    for a, b in intervals:
        if t_s <= b:
            return max(a, t_s)
    return None


def _is_qualified(tech: Technician, order: WorkOrder) -> bool:
    return all(tech.skills.get(s, 0) >= lvl for s, lvl in order.required_skills.items())


def _is_allowed(tech: Technician, order: WorkOrder) -> bool:
    pin = order.pinned_technician_id
    return (pin is None or pin == tech.id) and tech.id not in order.excluded_technician_ids


def _has_parts(stock: dict[str, int], order: WorkOrder) -> bool:
    return all(stock.get(p, 0) >= q for p, q in order.parts.items())


def _arrive(depart_s: int, travel_s: int, breaks: Iterable[PlacedBreak]) -> int:
    arrival = depart_s + travel_s
    for brk in sorted(breaks, key=lambda b: b.start_s):
        if depart_s <= brk.start_s < arrival:
            arrival += brk.end_s - brk.start_s
    return arrival


def _close(
    lane: _Lane, depart_s: int, node: int, pending: list[Break]
) -> tuple[int, list[PlacedBreak]] | None:
    """Route end and the breaks still due when the route ends after leaving ``node``."""
    back = 0 if lane.end_node is None else int(lane.duration_s[node, lane.end_node])
    final: list[PlacedBreak] = []
    t = depart_s
    for brk in pending:
        end_s = max(_arrive(depart_s, back, final), t)
        if brk.window.start_s >= end_s:
            break  # not due: the route is over before its window opens
        start = max(t, brk.window.start_s)
        if start + brk.duration_s > brk.window.end_s:
            return None
        final.append(PlacedBreak(start, start + brk.duration_s))
        t = start + brk.duration_s
    return max(_arrive(depart_s, back, final), t), final


def _options(lane: _Lane, order: WorkOrder, node: int, intervals: list[Interval]) -> list[_Append]:
    """Ways to reach ``order`` next: taking no break first, or the next due break first."""
    depart = lane.free_s
    leg = int(lane.duration_s[lane.node, node])
    out = []
    arrival = depart + leg
    start = _first_start(intervals, arrival)
    nxt = lane.pending[0] if lane.pending else None
    if start is not None:
        placed: tuple[PlacedBreak, ...] = ()
        if nxt is not None:  # lunch while waiting on site, when the wait is long enough
            b_start = max(arrival, nxt.window.start_s)
            if b_start + nxt.duration_s <= min(start, nxt.window.end_s):
                placed = (PlacedBreak(b_start, b_start + nxt.duration_s),)
        out.append(_Append(depart, arrival, start, leg, placed))
    if nxt is not None:
        b_start = max(depart, nxt.window.start_s)
        b_end = b_start + nxt.duration_s
        if b_end <= nxt.window.end_s:
            if b_start < depart + leg:  # starts on the road: pauses the drive
                arrival = depart + leg + nxt.duration_s
                start = _first_start(intervals, arrival)
            else:  # the window opens after arrival: taken on site
                arrival = depart + leg
                start = _first_start(intervals, b_end)
            if start is not None:
                out.append(_Append(depart, arrival, start, leg, (PlacedBreak(b_start, b_end),)))
    return out


def _evaluate(
    lane: _Lane, order: WorkOrder, node: int, intervals: list[Interval]
) -> _Append | None:
    """The best feasible way to append ``order`` to ``lane`` (earliest start), or ``None``."""
    tech = lane.tech
    if tech.max_orders_per_shift is not None and len(lane.stops) >= tech.max_orders_per_shift:
        return None
    best: _Append | None = None
    for option in _options(lane, order, node, intervals):
        end_s = option.start_s + order.service_s
        pending = lane.pending[len(option.placed) :]
        closed = _close(lane, end_s, node, pending)
        if closed is None:
            continue
        route_end, final = closed
        if route_end > lane.shift.end_s:
            continue
        first = not lane.stops
        route_start = lane.route_start_s
        if first:
            route_start = option.depart_s
            if not option.placed:  # leave home no earlier than needed
                route_start = max(option.depart_s, option.start_s - option.travel_s)
        if tech.max_travel_s_per_shift is not None:
            back = 0 if lane.end_node is None else int(lane.duration_s[node, lane.end_node])
            if lane.travel_s + option.travel_s + back > tech.max_travel_s_per_shift:
                continue
        if tech.max_work_s_per_shift is not None:
            breaks = [*lane.breaks, *option.placed, *final]
            work = route_end - route_start - sum(b.end_s - b.start_s for b in breaks)
            if work > tech.max_work_s_per_shift:
                continue
        if first and not option.placed:
            option = _Append(
                route_start, route_start + option.travel_s, option.start_s, option.travel_s, ()
            )
        key = (option.start_s, -len(option.placed))
        if best is None or key < (best.start_s, -len(best.placed)):
            best = option
    return best


def _commit(
    lane: _Lane, order: WorkOrder, node: int, step: _Append, threshold_s: int, distance_m: int
) -> None:
    if not lane.stops:
        lane.route_start_s = step.depart_s
    lane.breaks.extend(step.placed)
    del lane.pending[: len(step.placed)]
    end_s = step.start_s + order.service_s
    lane.stops.append(
        Stop(
            work_order_id=order.id,
            arrival_s=step.arrival_s,
            start_s=step.start_s,
            end_s=end_s,
            wait_s=step.start_s - step.arrival_s,
            travel_s=step.travel_s,
            distance_m=distance_m,
            sla_status=sla_status(order, step.arrival_s, end_s, threshold_s),
        )
    )
    lane.travel_s += step.travel_s
    for part, qty in order.parts.items():
        lane.parts_left[part] -= qty
    lane.node, lane.free_s = node, end_s


def _lanes(problem: Problem, net: _Network) -> list[_Lane]:
    return [
        _Lane(
            tech=tech,
            shift_index=s,
            shift=shift,
            duration_s=net.duration_s(tech),
            start_node=net.start_node[tech.id],
            end_node=net.end_node.get(tech.id),
            node=net.start_node[tech.id],
            free_s=shift.start_s,
            pending=list(shift.breaks),
            parts_left=dict(tech.van_stock),
        )
        for tech in problem.technicians
        for s, shift in enumerate(tech.shifts)
    ]


def _finish(lane: _Lane, net: _Network) -> Route:
    closed = _close(lane, lane.free_s, lane.node, lane.pending)
    assert closed is not None  # every committed append checked it
    end_s, final = closed
    end_node = lane.end_node
    back = 0 if end_node is None else int(lane.duration_s[lane.node, end_node])
    back_m = 0 if end_node is None else int(net.distance_m[lane.node, end_node])
    return Route(
        technician_id=lane.tech.id,
        shift_index=lane.shift_index,
        start_s=lane.route_start_s,
        end_s=end_s,
        stops=tuple(lane.stops),
        breaks=tuple(sorted([*lane.breaks, *final], key=lambda b: b.start_s)),
        end_travel_s=back,
        end_distance_m=back_m,
    )


def dispatch_order(order: WorkOrder) -> tuple[int, int, int, str]:
    """Sort key of the rules engine: priority, SLA deadline, VIP first, then id."""
    deadline = order.start_deadline_s
    return (
        int(order.priority),
        _BIG if deadline is None else deadline,
        0 if order.tier is Tier.VIP else 1,
        order.id,
    )


def _lane_may_serve(lane: _Lane, order: WorkOrder) -> bool:
    return (
        _is_qualified(lane.tech, order)
        and _is_allowed(lane.tech, order)
        and _has_parts(lane.parts_left, order)
    )


def greedy_plan(problem: Problem) -> Plan:
    """Dispatch ``problem`` the way a rules engine does.

    Parameters
    ----------
    problem
        The problem; it is validated first.

    Returns
    -------
    Plan
        Routes of every technician-shift with work, timed in integer
        seconds with their breaks; unassigned orders with reasons; KPIs from
        :func:`optimizer.kpis.compute_kpis`. ``stats.engine`` is
        ``"greedy"`` and ``stats.objective`` is
        :func:`optimizer.objective.plan_cost`'s total.

    Raises
    ------
    InputError
        If the problem is invalid (every issue is listed).
    """
    started = _clock.perf_counter()
    ensure_valid(problem)
    net = _Network(problem)
    lanes = _lanes(problem, net)
    left = _dispatch(problem, sorted(problem.work_orders, key=dispatch_order), lanes, net)
    return _plan(problem, lanes, net, left, started, "greedy")


def sequenced_plan(
    problem: Problem, sequences: Mapping[tuple[str, int], Sequence[str]], *, engine: str
) -> Plan:
    """Time given visit sequences with the rules engine's conventions, then dispatch the rest.

    Used to turn another search's routes into a timed plan. Each sequence
    (work-order ids per ``(technician id, shift index)``) is appended in
    its order; an order that does not fit where it is given (qualification,
    parts, windows, breaks, limits) is skipped, and every order left over is
    then dispatched by the rules engine (appended where it arrives
    earliest). ``problem`` must be valid.

    Returns
    -------
    Plan
        Like :func:`greedy_plan`'s, with ``stats.engine == engine``.
    """
    started = _clock.perf_counter()
    net = _Network(problem)
    lanes = _lanes(problem, net)
    by_key = {(lane.tech.id, lane.shift_index): lane for lane in lanes}
    threshold = problem.sla_yellow_threshold_s
    placed: set[str] = set()
    for key, ids in sequences.items():
        lane = by_key[key]
        for order_id in ids:
            order = problem.work_order(order_id)
            node = net.order_node[order_id]
            if not _lane_may_serve(lane, order):
                continue
            step = _evaluate(lane, order, node, _start_intervals(order))
            if step is not None:
                _commit(lane, order, node, step, threshold, int(net.distance_m[lane.node, node]))
                placed.add(order_id)
    rest = sorted((o for o in problem.work_orders if o.id not in placed), key=dispatch_order)
    left = _dispatch(problem, rest, lanes, net)
    return _plan(problem, lanes, net, left, started, engine)


def _dispatch(
    problem: Problem, orders: Iterable[WorkOrder], lanes: list[_Lane], net: _Network
) -> list[str]:
    """Append each order where it arrives earliest; returns the ids that fit nowhere."""
    threshold = problem.sla_yellow_threshold_s
    left: list[str] = []
    for order in orders:
        node = net.order_node[order.id]
        intervals = _start_intervals(order)
        best: tuple[tuple[int, int, int, int], _Lane, _Append] | None = None
        for k, lane in enumerate(lanes):
            if not _lane_may_serve(lane, order):
                continue
            if (
                best is not None
                and lane.free_s + int(lane.duration_s[lane.node, node]) > best[0][0]
            ):
                continue  # cannot arrive earlier than the best so far
            step = _evaluate(lane, order, node, intervals)
            if step is None:
                continue
            key = (step.arrival_s, step.start_s, step.travel_s, k)
            if best is None or key < best[0]:
                best = (key, lane, step)
        if best is None:
            left.append(order.id)
            continue
        _, lane, step = best
        distance = int(net.distance_m[lane.node, node])
        _commit(lane, order, node, step, threshold, distance)
    return left


def _plan(
    problem: Problem,
    lanes: list[_Lane],
    net: _Network,
    left: list[str],
    started: float,
    engine: str,
) -> Plan:
    routes = tuple(_finish(lane, net) for lane in lanes if lane.stops)
    unassigned = explain_unassigned(problem, left, _network=net)
    wall = _clock.perf_counter() - started
    if problem.work_orders:
        stats = SolveStats("feasible", 0.0, wall, wall, 1, engine)
    else:
        stats = SolveStats("not_solved", 0.0, None, wall, 0, "none")
    draft = Plan(routes, unassigned, stats)
    plan = replace(draft, stats=replace(stats, objective=plan_cost(problem, draft)["total"]))
    return replace(plan, kpis=compute_kpis(problem, plan))


def explain_unassigned(
    problem: Problem, work_order_ids: Iterable[str], *, _network: _Network | None = None
) -> tuple[Unassigned, ...]:
    """Why each of these orders is left out, by the first check that fails.

    The checks, in order: skills, pins and exclusions, van parts, a shift
    overlapping the allowed start times, reaching it on an empty route
    (every break, shift and limit rule included); an order passing them
    all is ``capacity_exhausted``. Used for the baseline's and for peer
    solvers' plans, which give no reasons of their own.

    Parameters
    ----------
    problem
        The problem.
    work_order_ids
        Ids of orders of ``problem``, in the order to report them.

    Returns
    -------
    tuple[Unassigned, ...]
        One entry per id, with a reason and a sentence.
    """
    net = _network or _Network(problem)
    out = []
    for wid in work_order_ids:
        order = problem.work_order(wid)
        reason, detail = _reason(problem, net, order)
        out.append(Unassigned(wid, reason, detail))
    return tuple(out)


def _reason(problem: Problem, net: _Network, order: WorkOrder) -> tuple[UnassignedReason, str]:
    techs = [t for t in problem.technicians if _is_qualified(t, order)]
    if not techs:
        need = ", ".join(f"{s}>={lvl}" for s, lvl in sorted(order.required_skills.items()))
        return (
            UnassignedReason.NO_QUALIFIED_TECHNICIAN,
            f"No technician has the required skills ({need}).",
        )
    techs = [t for t in techs if _is_allowed(t, order)]
    if not techs:
        return (
            UnassignedReason.PIN_OR_EXCLUSION_CONFLICT,
            "Every qualified technician is ruled out by the pin or the exclusions.",
        )
    techs = [t for t in techs if _has_parts(dict(t.van_stock), order)]
    if not techs:
        return (
            UnassignedReason.MISSING_PARTS,
            "No qualified technician carries the required parts.",
        )
    ids = {t.id for t in techs}
    intervals = _start_intervals(order)
    lanes = [
        lane
        for lane in _lanes(problem.subset(technician_ids=ids, work_order_ids=set()), net)
        if (first := _first_start(intervals, lane.shift.start_s)) is not None
        and first <= lane.shift.end_s
    ]
    if not lanes:
        return (
            UnassignedReason.NO_SHIFT_COVERS_WINDOW,
            "No shift of a qualified technician overlaps the allowed start times.",
        )
    node = net.order_node[order.id]
    if not any(_evaluate(lane, order, node, intervals) is not None for lane in lanes):
        return (
            UnassignedReason.UNREACHABLE_IN_TIME,
            "No qualified technician can reach it in time, even with an empty route.",
        )
    return (
        UnassignedReason.CAPACITY_EXHAUSTED,
        "Feasible alone, but no route had room left for it when its turn came.",
    )
