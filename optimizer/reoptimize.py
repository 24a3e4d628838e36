"""Real-time re-planning: keep what is done, re-plan the rest with a stability cost.

:func:`reoptimize` takes the problem, the current plan, the current time and
the events of the day (:mod:`optimizer.replan_events`) and returns a
:class:`Replan`. What it does, per technician and shift:

- **Fixed**: stops finished before now, stops in progress (started, by event
  or because the plan's service spans now) and completed orders stay where
  they are, with the times the events report. Breaks started before now stay.
- **Residual view**: the technician is available from ``max(now, end of the
  fixed work)``, at the last fixed stop, at a reported position newer than
  it, or at the start location if nothing happened yet; its shift is cut
  where it becomes unavailable; limits and van stock are reduced by the
  fixed work; breaks already taken are dropped. Orders not started are
  re-planned with ``dispatched_technician_id`` set to their current
  technician, so moving one costs ``Weights.reassignment`` (the stability
  weight); locked orders are pinned. The solve is warm-started from the
  current plan.
- **Merge**: the fixed part followed by the re-planned routes.

Validity. The re-planned part is checked in the residual view:
``check_plan(replan.residual_problem, replan.residual_plan)`` is empty. The
merged ``replan.plan`` answers ``replan.problem`` (the request's problem with
the new orders, dispatch references and locks) and is what a caller keeps and
sends back at the next event; its fixed part is history as reported, and its
re-planned part keeps its true times (a technician who idled until now leaves
now, not when the last stop ended), so ``check_plan(replan.problem,
replan.plan)`` is empty only where reality matched the plan: when every
technician is exactly at the end of their fixed work at now. Times are
seconds from the problem's epoch.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Sequence
from dataclasses import dataclass, replace

from optimizer.check_timing import TravelLegs, arrival_after_drive_s
from optimizer.domain import Break, Location, Problem, Shift, Technician, TimeWindow, WorkOrder
from optimizer.errors import InputError, InputIssue
from optimizer.kpis import compute_kpis
from optimizer.params import SolveParams
from optimizer.plan import PlacedBreak, Plan, Route, Stop, Unassigned
from optimizer.replan_events import DayState, Event, read_events
from optimizer.sla import sla_status
from optimizer.solve import solve
from optimizer.validation import validate_problem
from optimizer.weights import DEFAULT_WEIGHTS

_Key = tuple[str, int]  # (technician id, shift index)


@dataclass(frozen=True, slots=True)
class Move:
    """A work order given to another technician."""

    work_order_id: str
    from_technician_id: str
    to_technician_id: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """A work order served now that was not served before (new, or unassigned)."""

    work_order_id: str
    technician_id: str


@dataclass(frozen=True, slots=True)
class EtaChange:
    """A work order served before and now whose service start moved, in seconds."""

    work_order_id: str
    old_start_s: int
    new_start_s: int

    @property
    def delta_s(self) -> int:
        """New start minus old start (positive: later)."""
        return self.new_start_s - self.old_start_s


@dataclass(frozen=True, slots=True)
class ReplanDiff:
    """What changed between the current plan and the new one.

    Attributes
    ----------
    moved
        Orders served by another technician than before.
    newly_assigned
        Orders served now and not before (new orders, formerly unassigned).
    newly_unassigned
        Orders unassigned now and not before (formerly served, or new), with
        the reason.
    eta_changes
        Orders served before and now whose start moved by more than the
        threshold.
    """

    moved: tuple[Move, ...] = ()
    newly_assigned: tuple[Assignment, ...] = ()
    newly_unassigned: tuple[Unassigned, ...] = ()
    eta_changes: tuple[EtaChange, ...] = ()


@dataclass(frozen=True, slots=True)
class Replan:
    """The result of :func:`reoptimize`.

    Attributes
    ----------
    plan
        The merged plan of the day: fixed work, then the re-planned routes,
        with KPIs over ``problem``.
    diff
        What changed against the current plan.
    problem
        The request's problem with the new orders appended, each order's
        ``dispatched_technician_id`` set to its technician in the current
        plan, locked orders pinned, and the stability weight in ``weights``.
    residual_problem, residual_plan
        What was re-solved (technicians from their current place and time,
        orders not started) and its plan; ``check_plan`` on them is empty.
    """

    plan: Plan
    diff: ReplanDiff
    problem: Problem
    residual_problem: Problem
    residual_plan: Plan


def reoptimize(
    problem: Problem,
    plan: Plan,
    now_s: int,
    events: Sequence[Event] = (),
    *,
    locked_work_order_ids: Sequence[str] = (),
    params: SolveParams | None = None,
    stability_weight: float | None = None,
    eta_threshold_s: int = 900,
) -> Replan:
    """Re-plan the rest of the day after ``events``, moving as little as possible.

    Parameters
    ----------
    problem
        The problem the current plan answers.
    plan
        The current plan; orders it does not mention count as unassigned.
    now_s
        The current time, seconds from the problem's epoch. Work before it
        stays as it is.
    events
        New orders, unavailable technicians, started and completed orders,
        positions (:mod:`optimizer.replan_events`).
    locked_work_order_ids
        Orders that must stay with the technician the plan gives them (hard).
    params
        Search parameters; ``time_limit_s`` bounds the whole re-plan, model
        building included (default :class:`SolveParams`).
    stability_weight
        Points for moving a dispatched, not started order to another
        technician; ``None`` keeps the problem's ``Weights.reassignment``
        (default 100).
    eta_threshold_s
        Start-time changes larger than this (seconds, default 900) are listed
        in ``diff.eta_changes``.

    Returns
    -------
    Replan

    Raises
    ------
    InputError
        Listing every issue, with fields naming the argument: ``problem.*``,
        ``plan.*``, ``events[k].*``, ``locked_work_order_ids[j]``,
        ``stability_weight``, ``eta_threshold_s``.
    """
    started = _clock.perf_counter()
    params = params or SolveParams()
    _check_arguments(problem, stability_weight, eta_threshold_s)
    state = read_events(problem, plan, now_s, events, locked_work_order_ids)
    full = _stability_problem(state, set(locked_work_order_ids), stability_weight)
    fixed = _fixed_parts(full, plan, now_s, state)
    residual, vehicle_of = _residual_problem(full, fixed, now_s, state)
    warm = _warm_start(plan, fixed, {key: rk for rk, key in vehicle_of.items()})
    remaining_s = params.time_limit_s - (_clock.perf_counter() - started)
    residual_plan = solve(
        residual,
        params=replace(params, time_limit_s=max(remaining_s, 0.05)),
        initial_plan=warm,
    )
    routes = _merge(full, fixed, residual_plan, vehicle_of)
    stats = replace(residual_plan.stats, wall_s=_clock.perf_counter() - started)
    merged = Plan(routes, residual_plan.unassigned, stats)
    merged = replace(merged, kpis=compute_kpis(full, merged))
    diff = compute_diff(plan, merged, eta_threshold_s)
    return Replan(merged, diff, full, residual, residual_plan)


def compute_diff(old: Plan, new: Plan, eta_threshold_s: int = 900) -> ReplanDiff:
    """Compare two plans of the same day.

    Parameters
    ----------
    old, new
        The plan before and after re-planning.
    eta_threshold_s
        Only start changes strictly larger than this (seconds) are listed.

    Returns
    -------
    ReplanDiff
        Lists in the order of the new plan's routes and unassigned entries.
    """
    old_stops = {s.work_order_id: (r.technician_id, s) for r in old.routes for s in r.stops}
    old_unassigned = {u.work_order_id for u in old.unassigned}
    moved, assigned, etas = [], [], []
    for route in new.routes:
        tid = route.technician_id
        for stop in route.stops:
            wid = stop.work_order_id
            before = old_stops.get(wid)
            if before is None:
                assigned.append(Assignment(wid, tid))
                continue
            if before[0] != tid:
                moved.append(Move(wid, before[0], tid))
            if abs(stop.start_s - before[1].start_s) > eta_threshold_s:
                etas.append(EtaChange(wid, before[1].start_s, stop.start_s))
    dropped = tuple(u for u in new.unassigned if u.work_order_id not in old_unassigned)
    return ReplanDiff(tuple(moved), tuple(assigned), dropped, tuple(etas))


# --- arguments and the stability problem ----------------------------------------------


def _check_arguments(problem: Problem, stability_weight: float | None, eta_s: int) -> None:
    issues = [InputIssue(f"problem.{i.field}", i.message) for i in validate_problem(problem)]
    if stability_weight is not None and not 0 <= stability_weight < float("inf"):
        msg = f"Stability weight must be a finite number >= 0, got {stability_weight!r}."
        issues.append(InputIssue("stability_weight", msg))
    if eta_s < 0:
        issues.append(InputIssue("eta_threshold_s", f"ETA threshold must be >= 0, got {eta_s}."))
    if issues:
        raise InputError(issues)


def _stability_problem(state: DayState, locked: set[str], weight: float | None) -> Problem:
    """The day's problem with dispatch references, locks as pins and the stability weight."""
    problem = state.problem
    orders = tuple(
        replace(
            o,
            dispatched_technician_id=state.technician_of.get(o.id, o.dispatched_technician_id),
            pinned_technician_id=(
                state.technician_of[o.id] if o.id in locked else o.pinned_technician_id
            ),
        )
        for o in problem.work_orders
    )
    weights = problem.weights
    if weight is not None:
        weights = replace(weights or DEFAULT_WEIGHTS, reassignment=float(weight))
    return replace(problem, work_orders=orders, weights=weights)


# --- the fixed part ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fixed:
    """The part of one route that stays: stops and breaks, and the route they come from."""

    route: Route
    stops: tuple[Stop, ...]
    breaks: tuple[PlacedBreak, ...]
    is_whole: bool  # the route is entirely fixed and unchanged

    @property
    def end_s(self) -> int:
        return max([*(s.end_s for s in self.stops), *(b.end_s for b in self.breaks)], default=0)


def _fixed_parts(problem: Problem, plan: Plan, now_s: int, state: DayState) -> dict[_Key, _Fixed]:
    """Per (technician, shift): what is done or in progress, re-timed by the events."""
    orders = {o.id: o for o in problem.work_orders}
    threshold = problem.sla_yellow_threshold_s
    fixed = {}
    for route in plan.routes:
        stops, is_retimed = [], False
        for stop in route.stops:
            order = orders[stop.work_order_id]
            wid = order.id
            if wid in state.completed_s or wid in state.started_s:
                start, end = _reported_times(order, state)
                arrival = min(stop.arrival_s, start)
                status = sla_status(order, arrival, end, threshold)
                stops.append(
                    replace(
                        stop,
                        arrival_s=arrival,
                        start_s=start,
                        end_s=end,
                        wait_s=start - arrival,
                        sla_status=status,
                    )
                )
                is_retimed = is_retimed or (start, end) != (stop.start_s, stop.end_s)
            elif stop.start_s < now_s:
                stops.append(stop)
        breaks = tuple(b for b in route.breaks if b.start_s < now_s)
        if stops or breaks:
            whole = len(stops) == len(route.stops) and not is_retimed
            stops.sort(key=lambda s: s.start_s)
            fixed[(route.technician_id, route.shift_index)] = _Fixed(
                route, tuple(stops), breaks, whole
            )
    return fixed


def _reported_times(order: WorkOrder, state: DayState) -> tuple[int, int]:
    """Service start and end from the events; the missing one is derived from ``service_s``."""
    start = state.started_s.get(order.id)
    end = state.completed_s.get(order.id)
    if start is None:
        assert end is not None
        return end - order.service_s, end
    return start, start + order.service_s if end is None else end


# --- the residual view -----------------------------------------------------------------


def _residual_problem(
    problem: Problem, fixed: dict[_Key, _Fixed], now_s: int, state: DayState
) -> tuple[Problem, dict[_Key, _Key]]:
    """The technicians from their current place and time, and the orders not started.

    Returns the residual problem and a map from its (technician, shift) to
    the day's. A technician whose current shift starts somewhere else than
    its later shifts is split: the later shifts go to a twin with a derived
    id, and orders pinned to (or preferring, or excluding) the technician
    treat the twin alike.
    """
    techs: list[Technician] = []
    vehicle_of: dict[_Key, _Key] = {}
    twins: dict[str, str] = {}
    ids = {t.id for t in problem.technicians}
    for tech in problem.technicians:
        current, later = _residual_shifts(tech, fixed, now_s, state)
        if current is None:
            parts = [(tech, later)]
        else:
            now_tech = _current_technician(problem, tech, fixed.get((tech.id, current[0])), state)
            if not later or now_tech == tech:
                parts = [(now_tech, sorted([current, *later]))]
            else:
                twin_id = _fresh_id(f"{tech.id}@later", ids)
                twins[tech.id] = twin_id
                parts = [(now_tech, [current]), (replace(tech, id=twin_id), later)]
        for part, shifts in parts:
            techs.append(replace(part, shifts=tuple(s for _, s in shifts)))
            for k, (index, _) in enumerate(shifts):
                vehicle_of[(part.id, k)] = (tech.id, index)
    done = {s.work_order_id for f in fixed.values() for s in f.stops}
    orders = tuple(
        _with_twins(o, twins, [t.id for t in techs])
        for o in problem.work_orders
        if o.id not in done
    )
    return replace(problem, technicians=tuple(techs), work_orders=orders), vehicle_of


def _residual_shifts(
    tech: Technician, fixed: dict[_Key, _Fixed], now_s: int, state: DayState
) -> tuple[tuple[int, Shift] | None, list[tuple[int, Shift]]]:
    """The shift running at now (if it has time left) and the later shifts, cut and trimmed."""
    cut_s = state.unavailable_from_s.get(tech.id)
    current, later = None, []
    for index, shift in enumerate(tech.shifts):
        part = fixed.get((tech.id, index))
        start_s = max(shift.start_s, now_s, part.end_s if part else 0)
        end_s = shift.end_s if cut_s is None else min(shift.end_s, cut_s)
        if start_s >= end_s:
            continue
        taken = len(part.breaks) if part else 0
        breaks = tuple(
            b for b in (_due(b, start_s, end_s) for b in shift.breaks[taken:]) if b is not None
        )
        residual = (index, Shift(start_s, end_s, breaks))
        if shift.start_s <= now_s < shift.end_s and current is None:
            current = residual
        else:
            later.append(residual)
    return current, later


def _due(brk: Break, start_s: int, end_s: int) -> Break | None:
    """A break still to take in ``[start_s, end_s]``; one whose window closed is taken at once."""
    window = brk.window
    if min(window.end_s, end_s) - max(window.start_s, start_s) >= brk.duration_s:
        return brk
    if window.start_s <= start_s and start_s + brk.duration_s <= end_s:
        return Break(brk.duration_s, TimeWindow(start_s, start_s + brk.duration_s))
    return None  # the shift is cut before it: not due any more


def _current_technician(
    problem: Problem, tech: Technician, part: _Fixed | None, state: DayState
) -> Technician:
    """The technician as it stands now: where it is, and the limits and stock left."""
    location: Location = tech.start
    last_end_s = None
    if part is not None and part.stops:
        last = max(part.stops, key=lambda s: s.end_s)
        location, last_end_s = problem.work_order(last.work_order_id).location, last.end_s
    position = state.positions.get(tech.id)
    if position is not None and (last_end_s is None or position[1] >= last_end_s):
        location = position[0]
    if part is None:
        return replace(tech, start=location)
    used: dict[str, int] = {}
    for stop in part.stops:
        for name, quantity in problem.work_order(stop.work_order_id).parts.items():
            used[name] = used.get(name, 0) + quantity
    stock = {name: max(q - used.get(name, 0), 0) for name, q in tech.van_stock.items()}
    breaks_s = sum(b.end_s - b.start_s for b in part.breaks)
    worked_s = part.end_s - part.route.start_s - breaks_s
    driven_s = sum(s.travel_s for s in part.stops)

    def left(limit: int | None, used_up: int) -> int | None:
        return None if limit is None else max(limit - used_up, 0)

    return replace(
        tech,
        start=location,
        max_orders_per_shift=left(tech.max_orders_per_shift, len(part.stops)),
        max_work_s_per_shift=left(tech.max_work_s_per_shift, max(worked_s, 0)),
        max_travel_s_per_shift=left(tech.max_travel_s_per_shift, driven_s),
        van_stock=stock,
    )


def _fresh_id(base: str, taken: set[str]) -> str:
    candidate = base
    while candidate in taken:
        candidate += "+"
    taken.add(candidate)
    return candidate


def _with_twins(order: WorkOrder, twins: dict[str, str], all_ids: list[str]) -> WorkOrder:
    """Make an order's technician references cover the twins of split technicians."""
    if not twins:
        return order
    pinned = order.pinned_technician_id
    excluded = list(order.excluded_technician_ids)
    if pinned in twins:
        allowed = {pinned, twins[pinned]}
        excluded += [t for t in all_ids if t not in allowed and t not in excluded]
        pinned = None
    excluded += [twins[t] for t in order.excluded_technician_ids if t in twins]
    preferred = [*order.preferred_technician_ids]
    preferred += [twins[t] for t in order.preferred_technician_ids if t in twins]
    return replace(
        order,
        pinned_technician_id=pinned,
        excluded_technician_ids=tuple(excluded),
        preferred_technician_ids=tuple(preferred),
    )


def _warm_start(plan: Plan, fixed: dict[_Key, _Fixed], residual_of: dict[_Key, _Key]) -> Plan:
    """The current plan's stops not started, on the residual technicians and shifts."""
    done = {s.work_order_id for f in fixed.values() for s in f.stops}
    routes = []
    for route in plan.routes:
        key = residual_of.get((route.technician_id, route.shift_index))
        stops = tuple(s for s in route.stops if s.work_order_id not in done)
        if key is not None and stops:
            routes.append(replace(route, technician_id=key[0], shift_index=key[1], stops=stops))
    return Plan(tuple(routes), (), plan.stats)


# --- the merge -------------------------------------------------------------------------------


def _merge(
    problem: Problem,
    fixed: dict[_Key, _Fixed],
    residual_plan: Plan,
    vehicle_of: dict[_Key, _Key],
) -> tuple[Route, ...]:
    """Fixed work followed by the re-planned routes, one route per technician and shift."""
    replanned = {vehicle_of[(r.technician_id, r.shift_index)]: r for r in residual_plan.routes}
    routes = []
    for tech in problem.technicians:
        for index in range(len(tech.shifts)):
            part, new = fixed.get((tech.id, index)), replanned.get((tech.id, index))
            if new is not None:
                routes.append(_joined(tech.id, index, part, new))
            elif part is not None and part.stops:
                routes.append(part.route if part.is_whole else _closed(problem, tech, index, part))
    return tuple(routes)


def _joined(tech_id: str, index: int, part: _Fixed | None, new: Route) -> Route:
    if part is None:
        return replace(new, technician_id=tech_id, shift_index=index)
    return Route(
        technician_id=tech_id,
        shift_index=index,
        start_s=min(part.route.start_s, new.start_s),
        end_s=new.end_s,
        stops=part.stops + new.stops,
        breaks=part.breaks + new.breaks,
        end_travel_s=new.end_travel_s,
        end_distance_m=new.end_distance_m,
    )


def _closed(problem: Problem, tech: Technician, index: int, part: _Fixed) -> Route:
    """A route cut after its fixed stops: the leg home, and breaks that fall due on it."""
    last = part.stops[-1]
    end_travel_s = end_distance_m = 0
    if tech.end is not None:
        order = problem.work_order(last.work_order_id)
        legs = TravelLegs(replace(problem, technicians=(tech,), work_orders=(order,)))
        end_node = legs.end_node(tech)
        if end_node is not None:
            end_travel_s, end_distance_m = legs.leg(tech, 0, end_node)
    breaks = list(part.breaks)
    end_s = arrival_after_drive_s(breaks, last.end_s, end_travel_s)
    for brk in tech.shifts[index].breaks[len(breaks) :]:
        if brk.window.start_s >= end_s:
            break
        start_s = max(brk.window.start_s, last.end_s, *(b.end_s for b in breaks))
        breaks.append(PlacedBreak(start_s, start_s + brk.duration_s))
        end_s = arrival_after_drive_s(breaks, last.end_s, end_travel_s)
    end_s = max([end_s, *(b.end_s for b in breaks)])
    return Route(
        technician_id=tech.id,
        shift_index=index,
        start_s=part.route.start_s,
        end_s=end_s,
        stops=part.stops,
        breaks=tuple(breaks),
        end_travel_s=end_travel_s,
        end_distance_m=end_distance_m,
    )
