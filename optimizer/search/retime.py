"""Timing a plan whose sequences were edited by hand: each route as early as it can go.

A dispatcher moves an order to another technician or another place in a
route; the plan's times are then stale. :func:`retime_plan` keeps every
route's technician, shift and order of stops and times them again with the
search's one timing routine (:mod:`optimizer.search.timing`), so a sequence
the solver would accept gets exactly the times the solver would give it.

A hand-made sequence may break a rule the timing routine enforces; it is
then timed leniently, so that the independent validator can name what it
breaks instead of the plan being refused:

1. as the solver times it;
2. else with the shift end, the working, driving and order limits lifted,
   and service starting on arrival when every appointment window (or
   not-before, or hard deadline) has passed;
3. else (not expected: with every start allowed late, each break can be
   taken on site when its window opens), in addition without breaks.

Skills, pins, exclusions and parts do not change times; the validator
reports them as they are.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Depot, Location, Shift, Technician, WorkOrder
from optimizer.errors import InputError, InputIssue
from optimizer.plan import DepotStop, Plan, Route, Stop
from optimizer.problem import Problem
from optimizer.search.depots import depot_intervals
from optimizer.search.eligibility import Interval
from optimizer.search.timing import Lane, OrderRules, Schedule, schedule_route
from optimizer.search.writer import RouteFrame, finish_plan, route_of_schedule
from optimizer.travel.base import scale_durations
from optimizer.weights import DEFAULT_WEIGHTS

_NEVER = 2**62
EVALUATED = "evaluated"
"""``stats.status`` of a re-timed plan: a plan given by a caller."""


def retime_plan(problem: Problem, plan: Plan) -> Plan:
    """Return ``plan`` with every route re-timed from its sequence of stops.

    Parameters
    ----------
    problem
        The problem the plan answers.
    plan
        A plan whose routes hold the wanted technician, shift and order of
        stops; the times, legs and SLA lights of its stops are ignored.

    Returns
    -------
    Plan
        The same sequences, timed as early as the rules allow (lenient
        where the sequence breaks a time rule, see the module docstring),
        with ``stats.status`` ``"evaluated"``, the objective and the KPIs
        recomputed; ``unassigned`` as given.

    Raises
    ------
    InputError
        Every route naming a technician, a shift or a work order the problem
        does not have (``routes[2].technician_id``...): it cannot be timed.
    """
    started = time.perf_counter()
    technicians = {t.id: t for t in problem.technicians}
    orders = {o.id: o for o in problem.work_orders}
    issues = []
    for r, route in enumerate(plan.routes):
        tech = technicians.get(route.technician_id)
        if tech is None:
            issues.append(
                InputIssue(
                    f"routes[{r}].technician_id",
                    f"Route {r} names technician {route.technician_id}, "
                    "which the problem does not have.",
                )
            )
        elif not 0 <= route.shift_index < len(tech.shifts):
            issues.append(
                InputIssue(
                    f"routes[{r}].shift_index",
                    f"Route {r} of technician {tech.id} names shift_index {route.shift_index}, "
                    f"but the technician has {len(tech.shifts)} shift(s), "
                    "shift_index counting from 0.",
                )
            )
        issues += [
            InputIssue(
                f"routes[{r}].stops[{i}].work_order_id",
                f"Route {r} serves work order {s.work_order_id}, which the problem does not have.",
            )
            for i, s in enumerate(route.stops)
            if s.work_order_id not in orders
        ]
        issues += _unknown_depots(problem, r, route)
    if issues:
        raise InputError(issues)
    if problem.has_links:
        routes = _retime_linked(problem, plan)
    else:
        routes = [
            retime_route(
                problem,
                technicians[route.technician_id],
                route.shift_index,
                [orders[s.work_order_id] for s in route.stops],
                route.depot_stops,
            )
            for route in plan.routes
        ]
    stats = replace(plan.stats, status=EVALUATED)
    return finish_plan(problem, routes, plan.unassigned, stats, started)


#: Rounds of waiting for crew partners and predecessors when re-timing a plan with links.
LINK_ROUNDS = 50


def _retime_linked(problem: Problem, plan: Plan) -> list[Route]:
    """Every route re-timed, crew members and successors waiting for one another.

    Each route is timed as early as it can go; then every crew member may
    not start before the last member's start, and every successor not before
    its predecessor's end plus the minimum delay; the routes are timed again
    under those starts until nothing moves (a wait only ever grows). Crew
    stops name their members. Maximum delays, technicians and days are left
    for the validator to judge.
    """
    technicians = {t.id: t for t in problem.technicians}
    orders = {o.id: o for o in problem.work_orders}
    crews: dict[str, list[str]] = {}
    for route in plan.routes:
        for stop in route.stops:
            if orders[stop.work_order_id].crew is not None:
                crews.setdefault(stop.work_order_id, []).append(route.technician_id)
    earliest: dict[str, int] = {}
    routes: list[Route] = []
    for _ in range(LINK_ROUNDS):
        routes = [
            retime_route(
                problem,
                technicians[route.technician_id],
                route.shift_index,
                [orders[s.work_order_id] for s in route.stops],
                route.depot_stops,
                earliest,
            )
            for route in plan.routes
        ]
        starts: dict[str, list[int]] = {}
        ends: dict[str, int] = {}
        for route in routes:
            for stop in route.stops:
                starts.setdefault(stop.work_order_id, []).append(stop.start_s)
                ends[stop.work_order_id] = max(ends.get(stop.work_order_id, stop.end_s), stop.end_s)
        wanted = dict(earliest)
        for wid in crews:
            wanted[wid] = max(wanted.get(wid, starts[wid][0]), *starts[wid])
        for order in problem.work_orders:
            for dep in order.dependencies:
                if order.id in starts and dep.after in ends:
                    bound = ends[dep.after] + dep.min_delay_s
                    wanted[order.id] = max(wanted.get(order.id, bound), bound)
        if all(min(starts[w]) >= t for w, t in wanted.items() if w in starts):
            break
        earliest = wanted
    return [
        replace(
            route,
            stops=tuple(
                replace(s, crew=tuple(sorted(crews[s.work_order_id])))
                if s.work_order_id in crews
                else s
                for s in route.stops
            ),
        )
        for route in routes
    ]


def retime_route(
    problem: Problem,
    technician: Technician,
    shift_index: int,
    orders: Sequence[WorkOrder],
    depot_stops: Sequence[DepotStop] = (),
    earliest: Mapping[str, int] | None = None,
) -> Route:
    """The route of ``technician``'s shift ``shift_index`` serving ``orders`` in this order.

    Timed as the solver times it when the sequence keeps every time rule,
    else leniently (see the module docstring). ``depot_stops`` (each after
    ``after`` of the orders) are visited where they stand, loading what
    they say, timed with the depot's stop and opening hours. ``earliest``:
    the earliest service start of some orders by id (crew partners,
    predecessors).
    """
    if depot_stops:
        return _retime_with_depots(
            problem, technician, shift_index, orders, depot_stops, earliest or {}
        )
    shift = technician.shifts[shift_index]
    k = len(orders)
    end = technician.end if technician.end is not None else technician.start
    matrices = problem.travel.matrices([*(o.location for o in orders), technician.start, end])
    duration = matrices.duration_s.copy()
    distance = matrices.distance_m.copy()
    if technician.end is None:  # the route ends at the last order
        duration[:, k + 1] = 0
        distance[:, k + 1] = 0
    lane = _lane(problem, technician, shift, duration, k)
    rules = OrderRules.build(orders, problem.weights or DEFAULT_WEIGHTS)
    if earliest:
        for i, order in enumerate(orders):
            if order.id in earliest:
                rules.intervals[i] = _not_before(rules.intervals[i], earliest[order.id])
    schedule = _lenient_schedule(lane, rules, range(k))
    frame = RouteFrame(technician.id, shift_index, lane, distance)
    return route_of_schedule(problem, frame, dict(enumerate(orders)), schedule)


def _lane(
    problem: Problem,
    technician: Technician,
    shift: Shift,
    duration: NDArray[np.int64],
    k: int,
    extra_stops: int = 0,
) -> Lane:
    """The lane of a route of ``k`` visits (start node ``k``, end ``k + 1``), as the search's.

    Overtime (the latest end), the speed profile and the departure rule are
    the solver's (:func:`optimizer.search.timing.lanes_of`); ``extra_stops``
    (depot visits) do not count against the order limit.
    """
    calendar = problem.speed_calendars().get(technician.id)
    limit = technician.max_orders_per_shift
    return Lane(
        travel=scale_durations(duration, technician.speed_factor),
        start_node=k,
        end_node=k + 1,
        shift_start_s=shift.start_s,
        shift_end_s=shift.latest_end_s,
        breaks=tuple((b.duration_s, b.window.start_s, b.window.end_s) for b in shift.breaks),
        max_work_s=technician.max_work_s_per_shift or _NEVER,
        max_travel_s=technician.max_travel_s_per_shift or _NEVER,
        max_orders=limit + extra_stops if limit is not None else _NEVER,
        nominal_end_s=shift.end_s,
        optimise_departure=(problem.weights or DEFAULT_WEIGHTS).working_time_per_hour > 0
        and calendar is None,
        calendar=calendar,
    )


def _unknown_depots(problem: Problem, r: int, route: Route) -> list[InputIssue]:
    """Every depot stop of route ``r`` at a depot the problem does not have."""
    known = {d.id for d in problem.depots}
    out = []
    for i, visit in enumerate(route.visits()):
        if isinstance(visit, DepotStop) and visit.depot_id not in known:
            out.append(
                InputIssue(
                    f"routes[{r}].stops[{i}].depot_id",
                    f"Route {r} visits depot {visit.depot_id}, which the problem does not have.",
                )
            )
    return out


def _retime_with_depots(
    problem: Problem,
    technician: Technician,
    shift_index: int,
    orders: Sequence[WorkOrder],
    depot_stops: Sequence[DepotStop],
    earliest: Mapping[str, int],
) -> Route:
    """:func:`retime_route` of a sequence with depot stops, which keep their loads."""
    merged = Route(
        technician.id, shift_index, 0, 0, tuple(Stop(o.id, 0, 0, 0, 0, 0, 0) for o in orders)
    )
    merged = replace(merged, depot_stops=tuple(depot_stops))
    visits = merged.visits()
    by_id = {o.id: o for o in orders}
    places: list[Location] = []
    kinds: list[WorkOrder | Depot] = []
    for visit in visits:
        if isinstance(visit, DepotStop):
            depot = problem.depot(visit.depot_id)
            kinds.append(depot)
            places.append(depot.location)
        else:
            kinds.append(by_id[visit.work_order_id])
            places.append(by_id[visit.work_order_id].location)
    shift = technician.shifts[shift_index]
    k = len(visits)
    end = technician.end if technician.end is not None else technician.start
    matrices = problem.travel.matrices([*places, technician.start, end])
    duration = matrices.duration_s.copy()
    distance = matrices.distance_m.copy()
    if technician.end is None:
        duration[:, k + 1] = 0
        distance[:, k + 1] = 0
    n_depots = sum(isinstance(x, Depot) for x in kinds)
    lane = _lane(problem, technician, shift, duration, k, extra_stops=n_depots)
    weights = problem.weights or DEFAULT_WEIGHTS
    intervals: list[list[Interval]] = []
    service: list[int] = []
    deadline: list[int] = []
    late: list[float] = []
    cap: list[float] = []
    for x in kinds:
        if isinstance(x, Depot):
            opening = [(w.start_s, w.end_s) for w in x.opening]
            intervals.append(depot_intervals(opening, x.stop_s))
            service.append(x.stop_s)
            deadline.append(_NEVER)
            late.append(0.0)
            cap.append(0.0)
        else:
            one = OrderRules.build([x], weights)
            lo = earliest.get(x.id)
            intervals.append(one.intervals[0] if lo is None else _not_before(one.intervals[0], lo))
            service.append(one.service_s[0])
            deadline.append(one.deadline_s[0])
            late.append(one.late_per_s[0])
            cap.append(one.late_cap[0])
    rules = OrderRules(intervals, service, deadline, late, cap)
    schedule = _lenient_schedule(lane, rules, range(k))
    loads = {
        i: (v.depot_id, dict(v.loaded_parts), tuple(v.loaded_tools))
        for i, v in enumerate(visits)
        if isinstance(v, DepotStop)
    }
    frame = RouteFrame(technician.id, shift_index, lane, distance)
    order_of = {i: x for i, x in enumerate(kinds) if isinstance(x, WorkOrder)}
    return route_of_schedule(problem, frame, order_of, schedule, loads)


def _not_before(intervals: list[Interval], lo: int) -> list[Interval]:
    """``intervals`` cut to starts from ``lo`` on (empty: the lenient timing starts it late)."""
    return [(max(a, lo), b) for a, b in intervals if b >= lo]


def _lenient_schedule(lane: Lane, rules: OrderRules, nodes: Sequence[int]) -> Schedule:
    """The solver's schedule of ``nodes``, else the lenient ones of the module docstring."""
    schedule = schedule_route(lane, rules, nodes)
    if schedule is not None:
        return schedule
    open_lane = replace(
        lane, shift_end_s=_NEVER, max_work_s=_NEVER, max_travel_s=_NEVER, max_orders=_NEVER
    )
    open_rules = replace(rules, intervals=[_open_after(i) for i in rules.intervals])
    schedule = schedule_route(open_lane, open_rules, nodes)
    if schedule is None:  # pragma: no cover - defensive, see the module docstring
        schedule = schedule_route(replace(open_lane, breaks=()), open_rules, nodes)
    if schedule is None:  # pragma: no cover - no rule is left that could refuse it
        raise ValueError(f"Cannot time the sequence {list(nodes)}.")
    return schedule


def _open_after(intervals: list[Interval]) -> list[Interval]:
    """``intervals`` and, after the last, any start at all (service on arrival when late)."""
    last = max((b for _, b in intervals), default=None)
    if last is None:
        return [(-_NEVER, _NEVER)]
    return [*intervals, (last + 1, _NEVER)] if last < _NEVER else list(intervals)
