"""The residual view of a re-plan: what stays, what is left, and the merge of the two.

Used by :func:`optimizer.replan.reoptimize.reoptimize`. Per technician and shift of
the plan, :func:`fixed_parts` finds the work that stays (finished, in
progress, started or completed by event, or being driven to per the plan);
:func:`residual_problem` builds the problem of what is left, with each
technician where and when it becomes free; :func:`warm_start` turns the
current plan into a hint for it; :func:`merge_routes` puts the fixed work and
the re-planned routes back together. Times are seconds from the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from optimizer.check import check_plan
from optimizer.check.timing import arrival_after_drive_s
from optimizer.domain import Break, Depot, Location, Shift, Technician, TimeWindow, WorkOrder
from optimizer.kpis import compute_kpis
from optimizer.plan import DepotStop, PlacedBreak, Plan, Route, SolveStats, Stop
from optimizer.problem import Problem
from optimizer.replan.events import DayState
from optimizer.sla import sla_status
from optimizer.travel.base import scale_durations

Key = tuple[str, int]
"""A technician id and a shift index."""

_REPLAYED = SolveStats(status="evaluated", objective=0.0, first_solution_s=None, wall_s=0.0)


# --- the fixed part ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FixedPart:
    """The part of one route that stays: stops and breaks, and the route they come from."""

    route: Route
    stops: tuple[Stop, ...]
    breaks: tuple[PlacedBreak, ...]
    is_whole: bool  # the route is entirely fixed and unchanged
    depot_stops: tuple[DepotStop, ...] = ()  # depot visits started before now

    @property
    def end_s(self) -> int:
        """When the fixed work ends: the latest end of its stops, depot stops and breaks."""
        ends = [s.end_s for s in self.stops] + [d.end_s for d in self.depot_stops]
        return max([*ends, *(b.end_s for b in self.breaks)], default=0)


def fixed_parts(problem: Problem, plan: Plan, now_s: int, state: DayState) -> dict[Key, FixedPart]:
    """Per (technician, shift) of the plan: the work that stays.

    Parameters
    ----------
    problem
        The day's problem (new orders included).
    plan
        The current plan, already checked by :func:`optimizer.replan.events.read_events`.
    now_s
        The current time.
    state
        The events.

    Returns
    -------
    dict
        Routes with something fixed: orders started or completed by event
        (re-timed to the reported times), stops the plan starts before now
        (unless the technician was unavailable by then), the stop the
        technician is driving to or waiting at per the plan (unless a
        position newer than the last fixed stop says where it is) and
        breaks started before now. Fixed stops are sorted by start.
    """
    orders = {o.id: o for o in problem.work_orders}
    fixed = {}
    for route in plan.routes:
        tid = route.technician_id
        cut_s = state.unavailable_from_s.get(tid)
        gone_s = now_s if cut_s is None else min(now_s, cut_s)
        stops, is_retimed = [], False
        for stop in route.stops:
            order = orders[stop.work_order_id]
            if order.id in state.completed_s or order.id in state.started_s:
                retimed = _retimed(stop, order, state, problem.sla_yellow_threshold_s)
                is_retimed = is_retimed or retimed != stop
                stops.append(retimed)
            elif stop.start_s < gone_s:
                stops.append(stop)
        position = state.positions.get(tid)
        last_end_s = max((s.end_s for s in stops), default=route.start_s)
        if position is None or position[1] < last_end_s:
            heading = _heading_to(route, {s.work_order_id for s in stops}, now_s)
            if heading is not None and (cut_s is None or heading.start_s < cut_s):
                stops.append(heading)
        breaks = tuple(b for b in route.breaks if b.start_s < now_s)
        depots = tuple(d for d in route.depot_stops if d.start_s < gone_s)
        if stops or breaks or depots:
            whole = (
                len(stops) == len(route.stops)
                and len(depots) == len(route.depot_stops)
                and not is_retimed
            )
            stops.sort(key=lambda s: s.start_s)
            fixed[(tid, route.shift_index)] = FixedPart(route, tuple(stops), breaks, whole, depots)
    return fixed


def _retimed(stop: Stop, order: WorkOrder, state: DayState, yellow_threshold_s: int) -> Stop:
    """The stop with the service times the events report (arrival no later than the start)."""
    start_s = state.started_s.get(order.id)
    end_s = state.completed_s.get(order.id)
    if start_s is None:
        start_s = (end_s or 0) - order.service_s
    if end_s is None:
        end_s = start_s + order.service_s
    arrival_s = min(stop.arrival_s, start_s)
    return replace(
        stop,
        arrival_s=arrival_s,
        start_s=start_s,
        end_s=end_s,
        wait_s=start_s - arrival_s,
        sla_status=sla_status(order, arrival_s, end_s, yellow_threshold_s),
    )


def _heading_to(route: Route, fixed_ids: set[str], now_s: int) -> Stop | None:
    """The stop the technician is driving to (or waiting at) at ``now_s``, per the plan.

    That is the first stop not fixed, when every stop before it is fixed and
    the technician must already have left to start it on time (its start,
    less the drive and the breaks planned since the previous stop, is not
    after ``now_s``).
    """
    previous_end_s = route.start_s
    for stop in route.stops:
        if stop.work_order_id in fixed_ids:
            previous_end_s = stop.end_s
            continue
        paused_s = sum(
            b.end_s - b.start_s for b in route.breaks if previous_end_s <= b.start_s < stop.start_s
        )
        return stop if stop.start_s - stop.travel_s - paused_s <= now_s else None
    return None


# --- the residual view -----------------------------------------------------------------


def residual_problem(
    problem: Problem, fixed: dict[Key, FixedPart], now_s: int, state: DayState
) -> tuple[Problem, dict[Key, Key]]:
    """The technicians from their current place and time, and the orders not started.

    Parameters
    ----------
    problem
        The day's problem (new orders, dispatch references and locks included).
    fixed
        The fixed work, from :func:`fixed_parts`.
    now_s
        The current time.
    state
        The events (unavailability, positions).

    Returns
    -------
    tuple
        The residual problem, and a map from its (technician, shift index)
        to the day's. Each shift starts at ``max(shift start, now, end of
        the fixed work)`` and ends where the technician becomes unavailable;
        shifts with no time left are dropped (a technician may keep none).
        The shift running at now starts from the last fixed stop, a newer
        position, or the start location, with limits and van stock reduced
        by the fixed work. When that differs from the technician's later
        shifts, those go to a twin with a derived id (``T1@later``), and
        orders pinned to (preferring, excluding) the technician treat the
        twin alike; moving an order to the twin still costs a reassignment.
    """
    techs: list[Technician] = []
    vehicle_of: dict[Key, Key] = {}
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
    depots = _depots_left(problem, fixed)
    residual = replace(problem, technicians=tuple(techs), work_orders=orders, depots=depots)
    return residual, vehicle_of


def _depots_left(problem: Problem, fixed: dict[Key, FixedPart]) -> tuple[Depot, ...]:
    """The depots with their finite stock less what the fixed depot stops loaded."""
    taken: dict[str, dict[str, int]] = {}
    for part in fixed.values():
        for visit in part.depot_stops:
            mine = taken.setdefault(visit.depot_id, {})
            for name, quantity in visit.loaded_parts.items():
                mine[name] = mine.get(name, 0) + quantity
    out = []
    for depot in problem.depots:
        used = taken.get(depot.id, {})
        stock = {
            name: None if q is None else max(q - used.get(name, 0), 0)
            for name, q in depot.stock.items()
        }
        out.append(replace(depot, stock=stock) if used else depot)
    return tuple(out)


def _residual_shifts(
    tech: Technician, fixed: dict[Key, FixedPart], now_s: int, state: DayState
) -> tuple[tuple[int, Shift] | None, list[tuple[int, Shift]]]:
    """The shift running at now (if it has time left) and the later shifts, cut and trimmed."""
    cut_s = state.unavailable_from_s.get(tech.id)
    current, later = None, []
    for index, shift in enumerate(tech.shifts):
        part = fixed.get((tech.id, index))
        start_s = max(shift.start_s, now_s, part.end_s if part else 0)
        latest_s = shift.latest_end_s if cut_s is None else min(shift.latest_end_s, cut_s)
        if start_s >= latest_s:
            continue
        # The residual shift keeps the nominal end (overtime after it, at the
        # shift's price); past it, everything left is overtime.
        end_s = max(min(shift.end_s, latest_s), start_s + 1)
        taken = len(part.breaks) if part else 0
        breaks = tuple(
            b for b in (_due(b, start_s, end_s) for b in shift.breaks[taken:]) if b is not None
        )
        residual = (
            index,
            Shift(start_s, end_s, breaks, latest_s - end_s, shift.overtime_per_minute),
        )
        if shift.start_s <= now_s < shift.latest_end_s and current is None:
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
    problem: Problem, tech: Technician, part: FixedPart | None, state: DayState
) -> Technician:
    """The technician as it stands now: where it is, and the limits and stock left."""
    location: Location = tech.start
    last_end_s = None
    if part is not None and part.stops:
        last = max(part.stops, key=lambda s: s.end_s)
        location, last_end_s = problem.work_order(last.work_order_id).location, last.end_s
    if part is not None and part.depot_stops:  # after a depot visit: at the depot
        visit = max(part.depot_stops, key=lambda d: d.end_s)
        if last_end_s is None or visit.end_s > last_end_s:
            location, last_end_s = problem.depot(visit.depot_id).location, visit.end_s
    position = state.positions.get(tech.id)
    if position is not None and (last_end_s is None or position[1] >= last_end_s):
        location = position[0]
    if part is None:
        return replace(tech, start=location)
    used: dict[str, int] = {}
    for stop in part.stops:
        for name, quantity in problem.work_order(stop.work_order_id).parts.items():
            used[name] = used.get(name, 0) + quantity
    loaded: dict[str, int] = {}
    for visit in part.depot_stops:  # what the van took on board at depots
        for name, quantity in visit.loaded_parts.items():
            loaded[name] = loaded.get(name, 0) + quantity
    carried = {n: tech.van_stock.get(n, 0) + loaded.get(n, 0) for n in {*tech.van_stock, *loaded}}
    stock = {name: max(q - used.get(name, 0), 0) for name, q in carried.items()}
    tools = tuple(sorted({*tech.tools, *(t for d in part.depot_stops for t in d.loaded_tools)}))
    driven_s = sum(s.travel_s for s in part.stops) + sum(d.travel_s for d in part.depot_stops)
    breaks_s = sum(b.end_s - b.start_s for b in part.breaks)
    worked_s = part.end_s - part.route.start_s - breaks_s

    def left(limit: int | None, used_up: int) -> int | None:
        return None if limit is None else max(limit - used_up, 0)

    return replace(
        tech,
        start=location,
        max_orders_per_shift=left(tech.max_orders_per_shift, len(part.stops)),
        max_work_s_per_shift=left(tech.max_work_s_per_shift, max(worked_s, 0)),
        max_travel_s_per_shift=left(tech.max_travel_s_per_shift, driven_s),
        van_stock=stock,
        tools=tools,
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


def warm_start(plan: Plan, fixed: dict[Key, FixedPart], residual_of: dict[Key, Key]) -> Plan:
    """The current plan as a warm start of the residual problem.

    Parameters
    ----------
    plan
        The current plan.
    fixed
        The fixed work, left out of the hint.
    residual_of
        The day's (technician, shift) to the residual one's.

    Returns
    -------
    Plan
        Routes with the stops not fixed, in the plan's order, on the residual
        technicians and shifts (times and breaks are the plan's, unchanged).
    """
    done = {s.work_order_id for f in fixed.values() for s in f.stops}
    visited = {id(d) for f in fixed.values() for d in f.depot_stops}
    routes = []
    for route in plan.routes:
        key = residual_of.get((route.technician_id, route.shift_index))
        stops = tuple(s for s in route.stops if s.work_order_id not in done)
        if key is not None and stops:
            depots = []  # the depot stops still ahead, after the orders still ahead of them
            ahead = 0
            for visit in route.visits():
                if isinstance(visit, DepotStop):
                    if id(visit) not in visited:
                        depots.append(replace(visit, after=ahead))
                elif visit.work_order_id not in done:
                    ahead += 1
            routes.append(
                replace(
                    route,
                    technician_id=key[0],
                    shift_index=key[1],
                    stops=stops,
                    depot_stops=tuple(depots),
                )
            )
    return Plan(tuple(routes), (), plan.stats)


def settle_times(residual: Problem, solved: Plan, hint: Plan) -> Plan:
    """Give the re-planned routes stable, plan-like times.

    The solver returns one feasible schedule among many: a route it did not
    change can come back with its stops shifted by an hour, and its first
    leg leaves "no earlier than needed" where the rest of a plan leaves as
    soon as the previous stop ends. Each route is therefore replayed, in
    this order of preference, (1) with the current plan's times when its
    order sequence did not change, (2) leaving as soon as the technician is
    free; the first replay :func:`optimizer.check.check_plan` finds valid in
    the residual view is kept, else the solver's times stay.

    Parameters
    ----------
    residual
        The residual problem.
    solved
        Its plan, from the solver.
    hint
        The current plan's stops not started, per residual technician and
        shift (:func:`warm_start`).

    Returns
    -------
    Plan
        ``solved`` with the replayed routes, KPIs recomputed.
    """
    planned = {(r.technician_id, r.shift_index): r for r in hint.routes}
    linked = {o.id for o in residual.work_orders if o.crew is not None or o.dependencies}
    linked |= {d.after for o in residual.work_orders for d in o.dependencies}
    routes = []
    for route in solved.routes:
        old = planned.get((route.technician_id, route.shift_index))
        candidates = [old] if old is not None and _sequence(old) == _sequence(route) else []
        if linked & set(_sequence(route)):  # old times could break a crew's or a link's times
            candidates = []
        replay = None
        for timed in [*candidates, route]:
            replay = _replayed(residual, route, timed)
            if replay is not None:
                break
        routes.append(replay or route)
    plan = replace(solved, routes=tuple(routes), kpis={})
    return replace(plan, kpis=compute_kpis(residual, plan))


def _sequence(route: Route) -> list[str]:
    return [s.work_order_id for s in route.stops]


def _replayed(residual: Problem, route: Route, timed: Route) -> Route | None:
    """``route`` with the times of ``timed``, leaving when free; ``None`` if that is invalid."""
    tech = residual.technician(route.technician_id)
    free_s = tech.shifts[route.shift_index].start_s
    breaks = tuple(b for b in timed.breaks if b.start_s >= free_s)
    first, leg = timed.stops[0], route.stops[0]
    arrival_s = arrival_after_drive_s(breaks, free_s, leg.travel_s)
    if arrival_s > first.start_s:
        return None
    order = residual.work_order(first.work_order_id)
    status = sla_status(order, arrival_s, first.end_s, residual.sla_yellow_threshold_s)
    first = replace(
        first,
        arrival_s=arrival_s,
        wait_s=first.start_s - arrival_s,
        travel_s=leg.travel_s,
        distance_m=leg.distance_m,
        sla_status=status,
    )
    replay = replace(
        timed,
        technician_id=route.technician_id,
        shift_index=route.shift_index,
        start_s=free_s,
        stops=(first, *timed.stops[1:]),
        breaks=breaks,
    )
    alone = residual.subset(work_order_ids=set(_sequence(route)), technician_ids={tech.id})
    checked = replay
    if alone.has_links:  # the starts are the solver's: crews and links hold across routes
        alone = replace(
            alone,
            work_orders=tuple(replace(o, crew=None, dependencies=()) for o in alone.work_orders),
        )
        checked = replace(replay, stops=tuple(replace(s, crew=()) for s in replay.stops))
    return replay if not check_plan(alone, Plan((checked,), (), _REPLAYED)) else None


# --- the merge -------------------------------------------------------------------------------


def merge_routes(
    problem: Problem,
    fixed: dict[Key, FixedPart],
    residual_plan: Plan,
    vehicle_of: dict[Key, Key],
) -> tuple[Route, ...]:
    """Fixed work followed by the re-planned routes, one route per technician and shift.

    Parameters
    ----------
    problem
        The day's problem.
    fixed
        The fixed work.
    residual_plan
        The plan of the residual problem.
    vehicle_of
        The residual (technician, shift) to the day's.

    Returns
    -------
    tuple of Route
        In the day's technician and shift order. A route left with only
        fixed work is kept as it was when nothing of it changed, else it
        ends after its last fixed stop (the leg home, and breaks due by then).
    """
    replanned = {vehicle_of[(r.technician_id, r.shift_index)]: r for r in residual_plan.routes}
    routes = []
    for tech in problem.technicians:
        for index in range(len(tech.shifts)):
            part, new = fixed.get((tech.id, index)), replanned.get((tech.id, index))
            if new is not None:
                routes.append(_joined(tech.id, index, part, new))
            elif part is not None and (part.stops or part.depot_stops):
                routes.append(part.route if part.is_whole else _closed(problem, tech, index, part))
    return tuple(routes)


def _joined(tech_id: str, index: int, part: FixedPart | None, new: Route) -> Route:
    if part is None:
        return replace(new, technician_id=tech_id, shift_index=index)
    shifted = tuple(replace(d, after=d.after + len(part.stops)) for d in new.depot_stops)
    return Route(
        technician_id=tech_id,
        shift_index=index,
        start_s=min(part.route.start_s, new.start_s),
        end_s=new.end_s,
        stops=part.stops + new.stops,
        breaks=part.breaks + new.breaks,
        end_travel_s=new.end_travel_s,
        end_distance_m=new.end_distance_m,
        depot_stops=part.depot_stops + shifted,
    )


def _closed(problem: Problem, tech: Technician, index: int, part: FixedPart) -> Route:
    """A route cut after its fixed stops: the leg home, and breaks that fall due on it."""
    visits: list[Stop | DepotStop] = [*part.stops, *part.depot_stops]
    last = max(visits, key=lambda s: s.end_s)
    end_travel_s = end_distance_m = 0
    if tech.end is not None:
        where = (
            problem.depot(last.depot_id).location
            if isinstance(last, DepotStop)
            else problem.work_order(last.work_order_id).location
        )
        leg = problem.travel.legs([where], [tech.end])
        end_travel_s = int(scale_durations(leg.duration_s, tech.speed_factor)[0])
        end_distance_m = int(leg.distance_m[0])
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
        depot_stops=part.depot_stops,
    )
