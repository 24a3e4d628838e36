"""Real-time re-planning: keep what is done, re-plan the rest with a stability cost.

:func:`reoptimize` takes the problem, the current plan, the current time and
the events of the day (:mod:`optimizer.replan.events`) and returns a
:class:`Replan`. Per technician and shift (:mod:`optimizer.replan.residual`):

- **Fixed**: stops finished before now, the stop in service at now, orders
  reported started or completed (with the reported times), and the stop the
  technician is driving to per the plan (it must have left already to start
  it on time; a position newer than its last stop cancels that). Breaks
  started before now stay.
- **Residual view**: the technician is free from ``max(now, end of the fixed
  work)`` at the last fixed stop, at a newer reported position, or at its
  start location; its shift is cut where it becomes unavailable; limits and
  van stock are reduced by the fixed work; breaks taken are dropped; later
  shifts start from home (a twin technician when the current shift starts
  elsewhere). Orders not started are re-planned with
  ``dispatched_technician_id`` set to their current technician, so moving
  one costs ``Weights.reassignment`` (the stability weight); locked orders
  are pinned.
- **Search**: warm-started from the current plan. New orders (and
  technicians whose plan no longer holds) are first solved on a small
  sub-problem with the nearest technicians, then the whole residual view
  from that result. Routes whose sequence did not change keep their planned
  times; the others leave as soon as the technician is free.
- **Merge**: the fixed part followed by the re-planned routes.

Validity. ``check_plan(replan.residual_problem, replan.residual_plan)`` is
always empty: the re-planned work is valid where and when each technician
really is. The merged ``replan.plan`` is the plan of the day for
``replan.problem`` (the request's problem with the new orders, dispatch
references and locks); a caller keeps it and sends it back with the next
events. ``check_plan(replan.problem, replan.plan)`` is also empty when the
fixed work is consistent with the travel model and every technician is busy
(or driving to a stop) at now. It reports the truth otherwise: a plan leaves
each stop as soon as the previous one ends, so a technician idle at now,
who in fact leaves now, shows an ``arrival_mismatch`` on its first
re-planned stop (a reported position adds a ``travel_mismatch``), and
reported service times that disagree with the estimate show in the history.
Times are seconds from the problem's epoch.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from optimizer.domain import WorkOrder
from optimizer.errors import InputError, InputIssue
from optimizer.kpis import compute_kpis
from optimizer.params import SolveParams
from optimizer.plan import Plan, Route, Unassigned
from optimizer.problem import Problem
from optimizer.replan.events import DayState, Event, read_events
from optimizer.replan.links import left_when_free, residual_links, whole_crews
from optimizer.replan.residual import (
    fixed_parts,
    merge_routes,
    residual_problem,
    settle_times,
    warm_start,
)
from optimizer.solve import solve
from optimizer.travel.base import scale_durations
from optimizer.validation import validate_problem
from optimizer.weights import DEFAULT_WEIGHTS

FOCUS_TECHNICIANS = 4
"""Technicians re-planned first around each new order: the nearest ones able to serve it."""

FOCUS_SHARE = 0.5
"""Share of the search budget spent on the focused sub-problem."""

MERGE_RESERVE_S = 0.05
"""Seconds of the budget kept for merging, KPIs and the diff after the search."""


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
        positions (:mod:`optimizer.replan.events`).
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
    fixed = fixed_parts(full, plan, now_s, state)
    dropped: list[Unassigned] = []
    if full.has_links:  # crews fixed whole; links to fixed work kept as times (replan/links.py)
        fixed = whole_crews(full, plan, fixed, state.unavailable_from_s)
    residual, vehicle_of = residual_problem(full, fixed, now_s, state)
    if full.has_links:
        residual, dropped = residual_links(full, residual, fixed)
    hint = warm_start(plan, fixed, {key: rk for rk, key in vehicle_of.items()})
    if dropped:  # orders reported rather than re-planned leave the hint
        gone = {u.work_order_id for u in dropped}
        hint = replace(
            hint,
            routes=tuple(
                replace(r, stops=tuple(s for s in r.stops if s.work_order_id not in gone))
                for r in hint.routes
                if any(s.work_order_id not in gone for s in r.stops)
            ),
        )
    deadline = started + params.time_limit_s - MERGE_RESERVE_S
    focus_orders = set(state.new_order_ids) - {
        s.work_order_id for f in fixed.values() for s in f.stops
    }
    unavailable = {rt for (rt, _), (t, _) in vehicle_of.items() if t in state.unavailable_from_s}
    residual_plan = _search(residual, hint, focus_orders, unavailable, params, deadline)
    residual_plan = settle_times(residual, residual_plan, hint)
    routes = merge_routes(full, fixed, residual_plan, vehicle_of)
    if full.has_links:
        routes = left_when_free(routes, fixed)
    stats = replace(residual_plan.stats, wall_s=_clock.perf_counter() - started)
    merged = Plan(routes, (*residual_plan.unassigned, *dropped), stats)
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


# --- the search ----------------------------------------------------------------------


def _search(
    residual: Problem,
    hint: Plan,
    focus_orders: set[str],
    unavailable: set[str],
    params: SolveParams,
    deadline: float,
) -> Plan:
    """Solve the residual problem from the hint, focusing first on what changed.

    Technicians whose hint no longer holds (unavailable, or unable to reach
    their next stop on time from where they are now) lose their hint. When
    there are new orders or such technicians, a sub-problem of them and the
    :data:`FOCUS_TECHNICIANS` nearest technicians able to serve each new order
    is solved first for :data:`FOCUS_SHARE` of the budget (a packed day only
    makes room for a P1 by moving or dropping work around it, which the
    search finds far faster on a few routes than on all of them); the whole
    residual problem is then solved from the result.
    """
    duration_s = _durations(residual)
    disturbed = unavailable | _late_for_hint(residual, hint, duration_s)
    focus = disturbed | _nearest(residual, hint, focus_orders, duration_s)
    kept = tuple(r for r in hint.routes if r.technician_id not in disturbed)
    active = {t.id for t in residual.technicians if t.shifts}
    if focus and not active <= focus and not residual.has_links:  # a subset would cut links
        ids = {s.work_order_id for r in hint.routes if r.technician_id in focus for s in r.stops}
        sub = residual.subset(work_order_ids=ids | focus_orders, technician_ids=focus)
        budget_s = FOCUS_SHARE * (deadline - _clock.perf_counter())
        first = solve(
            sub,
            params=replace(params, time_limit_s=max(budget_s, 0.01)),
            initial_plan=_hint(hint, tuple(r for r in kept if r.technician_id in focus)),
        )
        kept = tuple(r for r in kept if r.technician_id not in focus) + first.routes
    return solve(
        residual,
        params=replace(params, time_limit_s=max(deadline - _clock.perf_counter(), 0.01)),
        initial_plan=_hint(hint, kept),
    )


def _hint(hint: Plan, routes: tuple[Route, ...]) -> Plan | None:
    """A warm start with these routes; none at all (a cold start) when they are empty."""
    return replace(hint, routes=routes) if routes else None


def _durations(residual: Problem) -> np.ndarray:
    """Driving seconds between technicians' starts (first) and the orders (after)."""
    locations = [t.start for t in residual.technicians] + [o.location for o in residual.work_orders]
    return residual.travel.matrices(locations).duration_s


def _late_for_hint(residual: Problem, hint: Plan, duration_s: np.ndarray) -> set[str]:
    """Technicians who cannot reach the first stop of their hint by its planned start."""
    n_tech = len(residual.technicians)
    tech_index = {t.id: k for k, t in enumerate(residual.technicians)}
    order_index = {o.id: n_tech + j for j, o in enumerate(residual.work_orders)}
    late = set()
    for route in hint.routes:
        k = tech_index[route.technician_id]
        tech = residual.technicians[k]
        free_s = tech.shifts[route.shift_index].start_s
        first = route.stops[0]
        drive_s = scale_durations(
            duration_s[k : k + 1, order_index[first.work_order_id]], tech.speed_factor
        )
        paused_s = sum(
            b.end_s - b.start_s for b in route.breaks if free_s <= b.start_s < first.start_s
        )
        if free_s + int(drive_s[0]) + paused_s > first.start_s:
            late.add(tech.id)
    return late


def _nearest(
    residual: Problem, hint: Plan, order_ids: set[str], duration_s: np.ndarray
) -> set[str]:
    """The technicians nearest each order (from their start or a hinted stop) able to serve it."""
    n_tech = len(residual.technicians)
    order_index = {o.id: n_tech + j for j, o in enumerate(residual.work_orders)}
    places: dict[str, list[int]] = {t.id: [k] for k, t in enumerate(residual.technicians)}
    for route in hint.routes:
        places[route.technician_id] += [order_index[s.work_order_id] for s in route.stops]
    chosen: set[str] = set()
    for order in residual.work_orders:
        if order.id not in order_ids:
            continue
        node = order_index[order.id]
        ranked = sorted(
            (int(duration_s[places[t.id], node].min()), t.id)
            for t in residual.technicians
            if t.shifts and _may_serve(t.id, t.skills, order)
        )
        chosen |= {tid for _, tid in ranked[:FOCUS_TECHNICIANS]}
    return chosen


def _may_serve(tech_id: str, skills: Mapping[str, int], order: WorkOrder) -> bool:
    if (
        order.pinned_technician_id not in (None, tech_id)
        or tech_id in order.excluded_technician_ids
    ):
        return False
    return all(skills.get(name, 0) >= level for name, level in order.required_skills.items())
