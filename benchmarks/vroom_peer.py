"""VROOM as a peer solver: map a dispatch problem onto VROOM's model through pyvroom.

pyvroom is an optional benchmark dependency (``pip install -e ".[bench]"``);
it is imported only when :func:`vroom_plan` runs.

The mapping (:func:`build_input`):

- each technician-shift is a VROOM vehicle: start and end at the
  technician's locations (open end when the technician has none), the shift
  as its time window, the lunch breaks as VROOM breaks (start window
  ``[window start, window end - duration]``), ``max_orders_per_shift`` as
  ``max_tasks`` and ``max_travel_s_per_shift`` as ``max_travel_time``;
- skills with levels are expanded into skill ids: a technician with
  ``hvac`` 3 holds ``hvac>=1``, ``hvac>=2`` and ``hvac>=3``, an order
  needing ``hvac`` 2 requires ``hvac>=2``; a pin is a skill only the
  pinned technician holds, an exclusion a skill everybody else holds;
- van stock is capacity, one dimension per part (restocked per shift, as
  each vehicle is one shift), and an order's parts are its delivery;
- appointment windows, ``not_before`` and hard SLA deadlines become job
  time windows on the service start;
- priorities: VROOM first maximises the summed priority of served jobs,
  so each job gets ``round(100 * penalty / largest penalty)`` (at least 1),
  where the penalty is the objective's unserved-order penalty (P1 VIP 100,
  P1 50, P2 VIP 30, ..., P4 2);
- travel: the same integer matrices as the project's travel model, one
  VROOM profile per technician speed factor.

VROOM cannot express soft SLA deadlines (it ignores lateness), preferred
technicians or a working-time limit; plans are judged on the project's
objective all the same. VROOM's routes (who, in which order, where the
breaks fall) are re-timed with the project's conventions
(:func:`retime_route`), at the earliest, which is never later than VROOM's
own schedule; the plan then goes through :func:`optimizer.check.check_plan`
like any other.
"""

from __future__ import annotations

import time as _clock
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Break, Priority, Technician, Tier, WorkOrder
from optimizer.kpis import compute_kpis
from optimizer.objective import plan_cost
from optimizer.plan import PlacedBreak, Plan, Route, SolveStats, Stop
from optimizer.problem import Problem
from optimizer.search.rules.greedy import explain_unassigned
from optimizer.sla import sla_status
from optimizer.travel.base import scale_durations
from optimizer.weights import DEFAULT_WEIGHTS, Weights

_BIG = 2**60


@dataclass(frozen=True, slots=True)
class Lane:
    """One VROOM vehicle: a technician in one shift."""

    tech: Technician
    shift_index: int
    start_node: int
    end_node: int | None
    profile: str


@dataclass(frozen=True, slots=True)
class Mapping:
    """What :func:`build_input` produced, to read VROOM's answer back.

    ``offset_s`` is added to every time given to VROOM (VROOM times are
    unsigned); a job id is the index of its work order (and of its matrix
    node); ``breaks`` maps a VROOM break id to ``(lane, break index in the
    shift)``; ``skipped`` lists orders with no allowed start at all.
    """

    input: Any
    lanes: tuple[Lane, ...]
    breaks: dict[int, tuple[int, int]]
    duration_s: dict[str, NDArray[np.int64]]
    distance_m: NDArray[np.int64]
    offset_s: int
    skipped: tuple[str, ...]


def vroom_priority(order: WorkOrder, weights: Weights) -> int:
    """VROOM priority (1-100) proportional to the order's unserved penalty."""
    top = max(
        weights.unassigned_penalty(WorkOrder("", order.location, 0, priority=p, tier=t))
        for p in Priority
        for t in Tier
    )
    return max(1, min(100, round(100 * weights.unassigned_penalty(order) / top))) if top else 1


def skill_ids(problem: Problem) -> dict[tuple[str, str | int], int]:
    """Integer VROOM skill ids for ``(skill, level)``, ``("pin", tech)`` and ``("not", tech)``."""
    keys: set[tuple[str, str | int]] = set()
    for tech in problem.technicians:
        keys.update((s, lvl) for s, top in tech.skills.items() for lvl in range(1, top + 1))
    for order in problem.work_orders:
        keys.update(order.required_skills.items())
        if order.pinned_technician_id is not None:
            keys.add(("pin", order.pinned_technician_id))
        keys.update(("not", t) for t in order.excluded_technician_ids)
    return {key: i for i, key in enumerate(sorted(keys, key=lambda k: (k[0], str(k[1]))))}


def technician_skill_ids(tech: Technician, ids: dict[tuple[str, str | int], int]) -> set[int]:
    """VROOM skill ids a technician holds: levels up to its own, its pins, others' exclusions."""
    held = {ids[(s, lvl)] for s, top in tech.skills.items() for lvl in range(1, top + 1)}
    for key, i in ids.items():
        if (key[0] == "pin" and key[1] == tech.id) or (key[0] == "not" and key[1] != tech.id):
            held.add(i)
    return held


def order_skill_ids(order: WorkOrder, ids: dict[tuple[str, str | int], int]) -> set[int]:
    """VROOM skill ids an order requires: its skills at their level, its pin and exclusions."""
    needed = {ids[item] for item in order.required_skills.items()}
    if order.pinned_technician_id is not None:
        needed.add(ids[("pin", order.pinned_technician_id)])
    needed.update(ids[("not", t)] for t in order.excluded_technician_ids)
    return needed


def start_intervals(order: WorkOrder) -> list[tuple[int, int]]:
    """Allowed service starts, sorted and merged (VROOM wants disjoint windows).

    The windows, cut by not-before and a hard SLA deadline.
    """
    intervals = [(w.start_s, w.end_s) for w in order.windows] or [(-_BIG, _BIG)]
    lo = order.not_before_s if order.not_before_s is not None else -_BIG
    hi = (
        order.start_deadline_s if order.is_sla_hard and order.start_deadline_s is not None else _BIG
    )
    clipped = sorted((max(a, lo), min(b, hi)) for a, b in intervals)
    merged: list[tuple[int, int]] = []
    for a, b in clipped:
        if a > b:
            continue
        if merged and a <= merged[-1][1] + 1:  # overlapping or touching: one window
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _horizon(problem: Problem) -> tuple[int, int]:
    """Offset making every shift time >= 0, and the latest shift end after it."""
    starts = [s.start_s for t in problem.technicians for s in t.shifts]
    ends = [s.end_s for t in problem.technicians for s in t.shifts]
    offset = max(0, -min(starts, default=0))
    return offset, max(ends, default=0) + offset


def build_input(problem: Problem) -> Mapping:
    """Map ``problem`` onto a ``vroom.Input`` (see the module docstring).

    Raises
    ------
    ImportError
        If pyvroom is not installed.
    """
    import vroom

    weights = problem.weights or DEFAULT_WEIGHTS
    orders, techs = problem.work_orders, problem.technicians
    with_end = [t for t in techs if t.end is not None]
    n, k = len(orders), len(techs)
    end_node = {t.id: n + k + i for i, t in enumerate(with_end)}
    locations = [o.location for o in orders] + [t.start for t in techs]
    locations += [t.end for t in with_end if t.end is not None]
    matrices = problem.travel.matrices(locations)
    offset, horizon = _horizon(problem)
    inp = vroom.Input()
    durations: dict[str, NDArray[np.int64]] = {}
    for factor in sorted({t.speed_factor for t in techs}):
        name = f"speed-{factor:g}"
        durations[name] = scale_durations(matrices.duration_s, factor)
        inp.set_durations_matrix(name, durations[name].astype(np.uint32))
        inp.set_distances_matrix(name, matrices.distance_m.astype(np.uint32))
    parts = sorted({p for o in orders for p in o.parts} | {p for t in techs for p in t.van_stock})
    ids = skill_ids(problem)
    lanes: list[Lane] = []
    break_of: dict[int, tuple[int, int]] = {}
    for i, tech in enumerate(techs):
        for s, shift in enumerate(tech.shifts):
            lane = Lane(tech, s, n + i, end_node.get(tech.id), f"speed-{tech.speed_factor:g}")
            breaks = []
            for b, brk in enumerate(shift.breaks):
                window = vroom.TimeWindow(
                    brk.window.start_s + offset, brk.window.end_s - brk.duration_s + offset
                )
                break_of[len(break_of)] = (len(lanes), b)
                breaks.append(vroom.Break(len(break_of) - 1, [window], brk.duration_s))
            extra: dict[str, Any] = {}
            if tech.max_orders_per_shift is not None:
                extra["max_tasks"] = tech.max_orders_per_shift
            if tech.max_travel_s_per_shift is not None:
                extra["max_travel_time"] = tech.max_travel_s_per_shift
            inp.add_vehicle(
                vroom.Vehicle(
                    len(lanes),
                    start=lane.start_node,
                    end=lane.end_node,
                    profile=lane.profile,
                    capacity=[tech.van_stock.get(p, 0) for p in parts],
                    skills=technician_skill_ids(tech, ids),
                    time_window=vroom.TimeWindow(shift.start_s + offset, shift.end_s + offset),
                    breaks=breaks,
                    description=f"{tech.id}/{s}",
                    **extra,
                )
            )
            lanes.append(lane)
    skipped = []
    for j, order in enumerate(orders):
        windows = [
            (max(a + offset, 0), min(b + offset, horizon))
            for a, b in start_intervals(order)
            if b + offset >= 0 and a + offset <= horizon
        ]
        if not windows:
            skipped.append(order.id)
            continue
        unbounded = windows == [(0, horizon)]
        inp.add_job(
            vroom.Job(
                j,
                location=j,
                default_service=order.service_s,
                delivery=[order.parts.get(p, 0) for p in parts],
                skills=order_skill_ids(order, ids),
                priority=vroom_priority(order, weights),
                time_windows=[] if unbounded else [vroom.TimeWindow(a, b) for a, b in windows],
            )
        )
    return Mapping(
        inp, tuple(lanes), break_of, durations, matrices.distance_m, offset, tuple(skipped)
    )


def _through_gap(depart_s: int, leg_s: int, gap: list[Break]) -> tuple[int, int, list[PlacedBreak]]:
    """Drive ``leg_s`` from ``depart_s`` taking the ``gap`` breaks at the earliest.

    Returns the arrival (a break starting on the road pauses the drive), the
    end of the last break (service starts no earlier) and the placed breaks.
    """
    arrival, ready, placed = depart_s + leg_s, depart_s, []
    for brk in gap:
        start = max(ready, brk.window.start_s)
        if start < arrival:
            arrival += brk.duration_s
        ready = start + brk.duration_s
        placed.append(PlacedBreak(start, ready))
    return arrival, ready, placed


def retime_route(
    problem: Problem,
    lane: Lane,
    sequence: list[int | Break],
    duration_s: NDArray[np.int64],
    distance_m: NDArray[np.int64],
) -> Route:
    """Time a route given as a sequence of work-order indices and breaks, at the earliest.

    Parameters
    ----------
    problem
        The problem; orders are ``problem.work_orders[i]``, whose matrix node is ``i``.
    lane
        The technician-shift driving it.
    sequence
        Work-order indices and the shift's breaks in the order VROOM placed them.
    duration_s, distance_m
        Travel matrices of the lane's profile.

    Returns
    -------
    Route
        Leaving at the shift start (or as late as the first order allows when
        no break comes first), each break taken as soon as its window opens
        after the previous stop, each service at the earliest allowed start.
    """
    shift = lane.tech.shifts[lane.shift_index]
    threshold = problem.sla_yellow_threshold_s
    node, depart = lane.start_node, shift.start_s
    route_start = depart
    stops: list[Stop] = []
    placed: list[PlacedBreak] = []
    gap: list[Break] = []
    for item in sequence:
        if isinstance(item, Break):
            gap.append(item)
            continue
        order = problem.work_orders[item]
        leg = int(duration_s[node, item])
        arrival, ready, new = _through_gap(depart, leg, gap)
        earliest = max(arrival, ready)
        start = next(
            (max(a, earliest) for a, b in start_intervals(order) if earliest <= b), earliest
        )
        if not stops and not new:  # leave no earlier than needed
            route_start = depart = max(depart, start - leg)
            arrival = depart + leg
        end = start + order.service_s
        stops.append(
            Stop(
                work_order_id=order.id,
                arrival_s=arrival,
                start_s=start,
                end_s=end,
                wait_s=start - arrival,
                travel_s=leg,
                distance_m=int(distance_m[node, item]),
                sla_status=sla_status(order, arrival, end, threshold),
            )
        )
        placed += new
        gap = []
        node, depart = item, end
    back = back_m = 0
    if lane.end_node is not None:
        back = int(duration_s[node, lane.end_node])
        back_m = int(distance_m[node, lane.end_node])
    arrival, ready, new = _through_gap(depart, back, gap)
    return Route(
        technician_id=lane.tech.id,
        shift_index=lane.shift_index,
        start_s=route_start,
        end_s=max(arrival, ready),
        stops=tuple(stops),
        breaks=tuple(placed + new),
        end_travel_s=back,
        end_distance_m=back_m,
    )


def vroom_plan(
    problem: Problem,
    *,
    time_limit_s: float = 30.0,
    exploration_level: int = 5,
    threads: int = 1,
) -> Plan:
    """Solve ``problem`` with VROOM and return a plan in the project's format.

    Parameters
    ----------
    problem
        The problem (validated first).
    time_limit_s
        VROOM's timeout in seconds (default 30).
    exploration_level
        VROOM's search depth, 0-5 (default 5, the deepest).
    threads
        VROOM's worker threads (default 1, like our one-core solver).

    Returns
    -------
    Plan
        Re-timed routes, unassigned orders with reasons from
        :func:`optimizer.search.rules.greedy.explain_unassigned`, KPIs;
        ``stats.engine == "vroom"``.

    Raises
    ------
    ImportError
        If pyvroom is not installed.
    InputError
        If the problem is invalid.
    """
    from optimizer.validation import ensure_valid

    started = _clock.perf_counter()
    ensure_valid(problem)
    mapping = build_input(problem)
    routes: list[Route] = []
    served: set[str] = set()
    if problem.technicians and len(mapping.skipped) < len(problem.work_orders):
        solution = mapping.input.solve(
            exploration_level=exploration_level,
            nb_threads=threads,
            timeout=timedelta(seconds=time_limit_s),
        )
        for vroom_route in solution.to_dict().get("routes", []):
            v = int(vroom_route["vehicle"])
            lane = mapping.lanes[v]
            shift = lane.tech.shifts[lane.shift_index]
            sequence: list[int | Break] = []
            for step in vroom_route["steps"]:
                if step["type"] == "job":
                    sequence.append(int(step["id"]))
                elif step["type"] == "break":
                    sequence.append(shift.breaks[mapping.breaks[int(step["id"])][1]])
            if not any(isinstance(x, int) for x in sequence):
                continue
            route = retime_route(
                problem, lane, sequence, mapping.duration_s[lane.profile], mapping.distance_m
            )
            routes.append(route)
            served.update(s.work_order_id for s in route.stops)
    left = [o.id for o in problem.work_orders if o.id not in served]
    unassigned = explain_unassigned(problem, left)
    wall = _clock.perf_counter() - started
    stats = SolveStats("feasible", 0.0, None, wall, 1, "vroom")
    draft = Plan(tuple(routes), unassigned, stats)
    plan = replace(draft, stats=replace(stats, objective=plan_cost(problem, draft)["total"]))
    return replace(plan, kpis=compute_kpis(problem, plan))
