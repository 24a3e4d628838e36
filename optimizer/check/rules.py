"""Independent plan validator: does a plan obey every rule of its problem?

:func:`check_plan` recomputes travel, timing, breaks, limits, parts, KPIs
and SLA status from the problem alone and lists every disagreement as a
:class:`Violation`. It shares no code with the search engines (it never
imports ``optimizer.search`` or ``optimizer.solve``), so a bug there cannot
hide itself here. Times are integer seconds from the
epoch, distances integer metres; messages print times on the problem's
local clock (``Mon 23 Nov 16:27``, :class:`optimizer.clock.Clock`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from optimizer.check.depots import (
    Finding,
    check_depot_stock,
    check_depot_stops,
    check_tools,
    check_van_along_route,
)
from optimizer.check.links import check_links
from optimizer.check.timing import (
    TravelLegs,
    arrival_after_drive_s,
    expected_sla_status,
    latest_break_end_s,
)
from optimizer.clock import Clock
from optimizer.domain import Shift, Technician, WorkOrder
from optimizer.plan import DepotStop, Plan, Route, Stop
from optimizer.problem import Problem


class ViolationCode(StrEnum):
    """The rule a plan breaks; the values are stable and appear in reports."""

    UNKNOWN_WORK_ORDER = "unknown_work_order"
    DUPLICATE_ASSIGNMENT = "duplicate_assignment"
    ASSIGNED_AND_UNASSIGNED = "assigned_and_unassigned"
    DUPLICATE_UNASSIGNED = "duplicate_unassigned"
    MISSING_WORK_ORDER = "missing_work_order"
    UNKNOWN_TECHNICIAN = "unknown_technician"
    INVALID_SHIFT_INDEX = "invalid_shift_index"
    DUPLICATE_ROUTE = "duplicate_route"
    MISSING_SKILL = "missing_skill"
    PIN_VIOLATED = "pin_violated"
    EXCLUDED_TECHNICIAN = "excluded_technician"
    OUTSIDE_TERRITORY = "outside_territory"
    OUTSIDE_TIME_WINDOW = "outside_time_window"
    BEFORE_NOT_BEFORE = "before_not_before"
    HARD_SLA_BREACHED = "hard_sla_breached"
    SERVICE_DURATION_MISMATCH = "service_duration_mismatch"
    WAIT_MISMATCH = "wait_mismatch"
    START_BEFORE_ARRIVAL = "start_before_arrival"
    TRAVEL_MISMATCH = "travel_mismatch"
    DISTANCE_MISMATCH = "distance_mismatch"
    ARRIVAL_MISMATCH = "arrival_mismatch"
    ROUTE_END_TOO_EARLY = "route_end_too_early"
    OUTSIDE_SHIFT = "outside_shift"
    BREAK_MISSING = "break_missing"
    EXTRA_BREAK = "extra_break"
    BREAK_DURATION_MISMATCH = "break_duration_mismatch"
    BREAK_OUTSIDE_WINDOW = "break_outside_window"
    BREAK_OUTSIDE_ROUTE = "break_outside_route"
    BREAK_OVERLAPS_SERVICE = "break_overlaps_service"
    BREAKS_OVERLAP = "breaks_overlap"
    MAX_ORDERS_EXCEEDED = "max_orders_exceeded"
    MAX_WORK_EXCEEDED = "max_work_exceeded"
    MAX_TRAVEL_EXCEEDED = "max_travel_exceeded"
    PARTS_EXCEEDED = "parts_exceeded"
    UNKNOWN_DEPOT = "unknown_depot"
    DEPOT_CLOSED = "depot_closed"
    DEPOT_STOP_DURATION_MISMATCH = "depot_stop_duration_mismatch"
    DEPOT_LACKS_ITEM = "depot_lacks_item"
    DEPOT_STOCK_EXCEEDED = "depot_stock_exceeded"
    TOOL_MISSING = "tool_missing"
    KPI_MISMATCH = "kpi_mismatch"
    SLA_STATUS_MISMATCH = "sla_status_mismatch"
    CREW_SIZE_MISMATCH = "crew_size_mismatch"
    CREW_NOT_DISTINCT = "crew_not_distinct"
    CREW_NOT_QUALIFIED = "crew_not_qualified"
    CREW_NOT_SYNCHRONISED = "crew_not_synchronised"
    CREW_LIST_MISMATCH = "crew_list_mismatch"
    PREDECESSOR_UNSERVED = "predecessor_unserved"
    DEPENDENCY_TOO_EARLY = "dependency_too_early"
    DEPENDENCY_TOO_LATE = "dependency_too_late"
    DEPENDENCY_OTHER_TECHNICIAN = "dependency_other_technician"
    DEPENDENCY_OTHER_DAY = "dependency_other_day"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule of a plan.

    Parameters
    ----------
    code
        Which rule is broken.
    message
        One sentence naming the entity, its id, the rule and the bad value.
    work_order_id, technician_id
        The work order and technician concerned, when there is one.
    """

    code: ViolationCode
    message: str
    work_order_id: str | None = None
    technician_id: str | None = None


#: KPI keys :func:`check_plan` recomputes when the plan reports them.
CHECKED_KPIS = ("assigned", "unassigned", "travel_s_total", "distance_m_total")

_Visit = tuple[Stop, WorkOrder]


def check_plan(problem: Problem, plan: Plan) -> list[Violation]:
    """Return every rule the plan breaks; an empty list means the plan is valid.

    Parameters
    ----------
    problem
        The problem the plan answers.
    plan
        The plan to check, whoever produced it.

    Returns
    -------
    list[Violation]
        The violations, grouped by rule family and in route order.

    Raises
    ------
    InputError
        If the problem's travel model cannot handle one of its locations.
    """
    orders = {o.id: o for o in problem.work_orders}
    techs = {t.id: t for t in problem.technicians}
    clock = problem.clock
    violations = list(_check_assignment(plan, orders, techs))
    legs = TravelLegs(problem, plan) if any(r.technician_id in techs for r in plan.routes) else None
    for route in plan.routes:
        tech = techs.get(route.technician_id)
        if tech is None or legs is None:
            continue
        visits = [(s, orders[s.work_order_id]) for s in route.stops if s.work_order_id in orders]
        violations += _check_eligibility(tech, visits)
        violations += _check_time_windows(visits, clock)
        violations += _check_hard_sla(visits, clock)
        violations += _check_stop_timing(tech, route, legs, orders, clock)
        violations += _check_route_end(tech, route, legs, clock)
        if 0 <= route.shift_index < len(tech.shifts):
            shift = tech.shifts[route.shift_index]
            violations += _check_shift_bounds(route, shift, clock)
            violations += _check_breaks(route, shift, clock)
        violations += _check_route_limits(tech, route)
        if route.depot_stops:
            violations += _found(check_depot_stops(problem, tech, route, clock))
            violations += _found(check_van_along_route(problem, tech, route))
        else:
            violations += _check_parts(tech, route, visits)
            violations += _found(check_tools(tech, [order for _, order in visits]))
        violations += _check_sla_status(problem.sla_yellow_threshold_s, visits)
    violations += _found(check_depot_stock(problem, plan))
    violations += _check_kpis(plan)
    violations += [
        Violation(ViolationCode(f.code), f.message, f.work_order_id, f.technician_id)
        for f in check_links(orders, techs, plan, clock)
    ]
    return violations


def _found(found: Iterable[Finding]) -> list[Violation]:
    """Violations of the depot and tool rules (:mod:`optimizer.check.depots`)."""
    return [Violation(ViolationCode(code), msg, wid, tid) for code, msg, wid, tid in found]


def is_valid(problem: Problem, plan: Plan) -> bool:
    """Return whether the plan breaks no rule (``check_plan`` finds nothing)."""
    return not check_plan(problem, plan)


def _route_label(route: Route) -> str:
    return f"Route of technician {route.technician_id} in shift {route.shift_index + 1}"


def _check_assignment(
    plan: Plan, orders: Mapping[str, WorkOrder], techs: Mapping[str, Technician]
) -> Iterator[Violation]:
    """Known ids, each order served or unassigned exactly once, one route per shift."""
    code = ViolationCode
    served = Counter(s.work_order_id for r in plan.routes for s in r.stops)
    dropped = Counter(u.work_order_id for u in plan.unassigned)
    for wid in sorted((served | dropped).keys() - orders.keys()):
        msg = f"Work order {wid} in the plan is not a work order of the problem."
        yield Violation(code.UNKNOWN_WORK_ORDER, msg, wid)
    # a crew order is in each member's route: check/links.py counts its members
    for wid in sorted(w for w, n in served.items() if n > 1 and w in orders and not orders[w].crew):
        msg = f"Work order {wid} is served {served[wid]} times; it may be served at most once."
        yield Violation(code.DUPLICATE_ASSIGNMENT, msg, wid)
    for wid in sorted(w for w in served.keys() & dropped.keys() if w in orders):
        msg = f"Work order {wid} is both served in a route and listed as unassigned."
        yield Violation(code.ASSIGNED_AND_UNASSIGNED, msg, wid)
    for wid in sorted(w for w, n in dropped.items() if n > 1 and w in orders):
        msg = f"Work order {wid} is listed {dropped[wid]} times as unassigned; once is allowed."
        yield Violation(code.DUPLICATE_UNASSIGNED, msg, wid)
    for wid in [w for w in orders if w not in served and w not in dropped]:
        msg = f"Work order {wid} is neither served in a route nor listed as unassigned."
        yield Violation(code.MISSING_WORK_ORDER, msg, wid)
    per_shift = Counter((r.technician_id, r.shift_index) for r in plan.routes)
    for route in plan.routes:
        tid, index = route.technician_id, route.shift_index
        if tid not in techs:
            msg = f"Route names technician {tid}, who is not a technician of the problem."
            yield Violation(code.UNKNOWN_TECHNICIAN, msg, technician_id=tid)
        elif not 0 <= index < len(techs[tid].shifts):
            n = len(techs[tid].shifts)
            msg = f"{_route_label(route)} has shift index {index}, outside 0 to {n - 1}."
            yield Violation(code.INVALID_SHIFT_INDEX, msg, technician_id=tid)
    for (tid, index), n in per_shift.items():
        if n > 1:
            msg = f"Technician {tid} has {n} routes in shift {index + 1}; at most one is allowed."
            yield Violation(code.DUPLICATE_ROUTE, msg, technician_id=tid)


def _check_eligibility(tech: Technician, visits: list[_Visit]) -> Iterator[Violation]:
    """Skills at the required level, pinned and excluded technicians, hard territories."""
    for _, order in visits:
        for skill, level in order.required_skills.items():
            have = tech.skills.get(skill, 0)
            if have < level:
                msg = (
                    f"Technician {tech.id} serves work order {order.id} needing skill "
                    f"{skill} at level {level} but has level {have}."
                )
                yield Violation(ViolationCode.MISSING_SKILL, msg, order.id, tech.id)
        pin = order.pinned_technician_id
        if pin is not None and pin != tech.id and order.crew is None:  # crews: check/links.py
            msg = f"Work order {order.id} is pinned to technician {pin} but served by {tech.id}."
            yield Violation(ViolationCode.PIN_VIOLATED, msg, order.id, tech.id)
        if tech.id in order.excluded_technician_ids:
            msg = f"Work order {order.id} excludes technician {tech.id}, who serves it."
            yield Violation(ViolationCode.EXCLUDED_TECHNICIAN, msg, order.id, tech.id)
        territory = order.territory
        if tech.is_territory_hard and territory is not None and territory not in tech.territories:
            msg = (
                f"Technician {tech.id} serves work order {order.id} in territory {territory}, "
                f"outside its territories ({', '.join(tech.territories)}), which are hard."
            )
            yield Violation(ViolationCode.OUTSIDE_TERRITORY, msg, order.id, tech.id)


def _duration(duration_s: int) -> str:
    """``90 min``, ``504.8 min``: minutes, as every message gives durations."""
    return Clock.duration(duration_s)


def _check_time_windows(visits: list[_Visit], clock: Clock) -> Iterator[Violation]:
    """Service starts inside an appointment window and not before ``not_before_s``."""
    at = clock.label
    for stop, order in visits:
        if order.windows and not any(w.contains(stop.start_s) for w in order.windows):
            spans = ", ".join(clock.span(w.start_s, w.end_s) for w in order.windows)
            msg = (
                f"Work order {order.id} starts at {at(stop.start_s)}, outside its windows {spans}."
            )
            yield Violation(ViolationCode.OUTSIDE_TIME_WINDOW, msg, order.id)
        if order.not_before_s is not None and stop.start_s < order.not_before_s:
            msg = (
                f"Work order {order.id} starts at {at(stop.start_s)}, before its "
                f"earliest start {at(order.not_before_s)}."
            )
            yield Violation(ViolationCode.BEFORE_NOT_BEFORE, msg, order.id)


def _check_hard_sla(visits: list[_Visit], clock: Clock) -> Iterator[Violation]:
    """Hard SLA orders arrive by ``respond_by_s`` and finish by ``resolve_by_s``."""
    at = clock.label
    for stop, order in visits:
        if not order.is_sla_hard:
            continue
        if order.respond_by_s is not None and stop.arrival_s > order.respond_by_s:
            msg = (
                f"Work order {order.id} has a hard SLA but arrives at {at(stop.arrival_s)}, "
                f"after its respond-by deadline {at(order.respond_by_s)}."
            )
            yield Violation(ViolationCode.HARD_SLA_BREACHED, msg, order.id)
        if order.resolve_by_s is not None and stop.end_s > order.resolve_by_s:
            msg = (
                f"Work order {order.id} has a hard SLA but ends at {at(stop.end_s)}, "
                f"after its resolve-by deadline {at(order.resolve_by_s)}."
            )
            yield Violation(ViolationCode.HARD_SLA_BREACHED, msg, order.id)


def _check_stop_timing(
    tech: Technician,
    route: Route,
    legs: TravelLegs,
    orders: Mapping[str, WorkOrder],
    clock: Clock,
) -> Iterator[Violation]:
    """Service length, wait, travel and distance legs, and arrival after the gap."""
    code, tid, at = ViolationCode, tech.id, clock.label
    prev_node: int | None = legs.start_node(tech)
    departure_s = route.start_s
    for stop in route.visits():
        node = legs.visit_node(stop)
        if isinstance(stop, DepotStop):
            wid, order, who = None, None, f"Depot stop {stop.depot_id} of technician {tid}"
        else:
            wid = stop.work_order_id
            order, who = orders.get(wid), f"Work order {wid} of technician {tid}"
        if order is not None and stop.end_s != stop.start_s + order.service_s:
            msg = (
                f"{who} ends at {at(stop.end_s)} but starts at {at(stop.start_s)} "
                f"with service {_duration(order.service_s)}."
            )
            yield Violation(code.SERVICE_DURATION_MISMATCH, msg, wid, tid)
        if stop.start_s < stop.arrival_s:
            msg = f"{who} starts at {at(stop.start_s)}, before arrival at {at(stop.arrival_s)}."
            yield Violation(code.START_BEFORE_ARRIVAL, msg, wid, tid)
        elif stop.wait_s != stop.start_s - stop.arrival_s:
            msg = (
                f"{who} reports wait {_duration(stop.wait_s)} but starts "
                f"{_duration(stop.start_s - stop.arrival_s)} after arrival."
            )
            yield Violation(code.WAIT_MISMATCH, msg, wid, tid)
        travel_s = stop.travel_s
        if prev_node is not None and node is not None:
            travel_s, distance_m = legs.leg(tech, prev_node, node, departure_s)
            reported = (stop.travel_s, stop.distance_m)
            yield from _check_leg(route, wid, reported, (travel_s, distance_m), who)
        expected_s = arrival_after_drive_s(route.breaks, departure_s, travel_s)
        if stop.arrival_s != expected_s:
            gap_break_s = expected_s - departure_s - travel_s
            msg = (
                f"{who} arrives at {at(stop.arrival_s)} but departure {at(departure_s)} + "
                f"travel {_duration(travel_s)} + breaks on the way {_duration(gap_break_s)} "
                f"gives {at(expected_s)}."
            )
            yield Violation(code.ARRIVAL_MISMATCH, msg, wid, tid)
        prev_node, departure_s = node, stop.end_s


def _check_leg(
    route: Route,
    wid: str | None,
    reported: tuple[int, int],
    expected: tuple[int, int],
    label: str | None = None,
) -> Iterator[Violation]:
    """Reported ``(travel_s, distance_m)`` of one leg equals the travel model's."""
    tid = route.technician_id
    what = label or (
        f"Work order {wid} of technician {tid}" if wid else f"Leg home of technician {tid}"
    )
    if reported[0] != expected[0]:
        msg = f"{what} reports travel {reported[0]} s but the travel model gives {expected[0]} s."
        yield Violation(ViolationCode.TRAVEL_MISMATCH, msg, wid, tid)
    if reported[1] != expected[1]:
        msg = f"{what} reports distance {reported[1]} m but the travel model gives {expected[1]} m."
        yield Violation(ViolationCode.DISTANCE_MISMATCH, msg, wid, tid)


def _check_route_end(
    tech: Technician, route: Route, legs: TravelLegs, clock: Clock
) -> Iterator[Violation]:
    """The leg home matches the travel model and the route ends no earlier than possible."""
    visits = route.visits()
    last = visits[-1] if visits else None
    departure_s = last.end_s if last else route.start_s
    prev_node = legs.visit_node(last) if last else legs.start_node(tech)
    end_node = legs.end_node(tech)
    home = (route.end_travel_s, route.end_distance_m)
    end_travel_s = 0
    if end_node is None:
        yield from _check_leg(route, None, home, (0, 0))
    else:
        end_travel_s = route.end_travel_s
        if prev_node is not None:
            end_travel_s, end_distance_m = legs.leg(tech, prev_node, end_node, departure_s)
            yield from _check_leg(route, None, home, (end_travel_s, end_distance_m))
    earliest_s = max(
        arrival_after_drive_s(route.breaks, departure_s, end_travel_s),
        latest_break_end_s(route.breaks, departure_s),
    )
    if route.end_s < earliest_s:
        label = _route_label(route)
        at = clock.label
        msg = f"{label} ends at {at(route.end_s)}, before its earliest end {at(earliest_s)}."
        yield Violation(ViolationCode.ROUTE_END_TOO_EARLY, msg, technician_id=tech.id)


def _check_shift_bounds(route: Route, shift: Shift, clock: Clock) -> Iterator[Violation]:
    """The route starts inside its shift and ends by its end plus the allowed overtime."""
    latest_s = shift.end_s + shift.max_overtime_s
    if route.start_s < shift.start_s or route.end_s > latest_s:
        allowed = (
            f" with {_duration(shift.max_overtime_s)} of overtime allowed"
            if shift.max_overtime_s
            else ""
        )
        msg = (
            f"{_route_label(route)} runs {clock.span(route.start_s, route.end_s)}, outside its "
            f"shift {clock.span(shift.start_s, shift.end_s)}{allowed}."
        )
        yield Violation(ViolationCode.OUTSIDE_SHIFT, msg, technician_id=route.technician_id)


def _check_breaks(route: Route, shift: Shift, clock: Clock) -> Iterator[Violation]:
    """Each due shift break placed once, with its duration, in its window, clear of work."""
    code, tid, label = ViolationCode, route.technician_id, _route_label(route)
    span_of = clock.span
    placed = sorted(route.breaks, key=lambda b: (b.start_s, b.end_s))
    candidates = [b for b in shift.breaks if b.window.start_s < route.end_s]
    required = len(candidates) if route.stops else 0
    for k in range(len(placed), required):
        msg = f"{label} lacks break {k + 1} of {_duration(candidates[k].duration_s)}, which is due."
        yield Violation(code.BREAK_MISSING, msg, technician_id=tid)
    for extra in placed[len(candidates) :]:
        msg = f"{label} has an extra break at {span_of(extra.start_s, extra.end_s)}."
        yield Violation(code.EXTRA_BREAK, msg, technician_id=tid)
    for k, (pb, due) in enumerate(zip(placed, candidates, strict=False)):
        span = f"{label} places break {k + 1} at {span_of(pb.start_s, pb.end_s)}"
        window = due.window
        if pb.end_s - pb.start_s != due.duration_s:
            msg = f"{span}, not lasting its {_duration(due.duration_s)}."
            yield Violation(code.BREAK_DURATION_MISMATCH, msg, technician_id=tid)
        if pb.start_s < window.start_s or pb.end_s > window.end_s:
            msg = f"{span}, outside its window {span_of(window.start_s, window.end_s)}."
            yield Violation(code.BREAK_OUTSIDE_WINDOW, msg, technician_id=tid)
        if pb.start_s < route.start_s or pb.end_s > route.end_s:
            msg = f"{span}, outside the route {span_of(route.start_s, route.end_s)}."
            yield Violation(code.BREAK_OUTSIDE_ROUTE, msg, technician_id=tid)
        for stop in route.stops:
            if pb.start_s < stop.end_s and stop.start_s < pb.end_s:
                msg = f"{span}, overlapping the service of work order {stop.work_order_id}."
                yield Violation(code.BREAK_OVERLAPS_SERVICE, msg, stop.work_order_id, tid)
    for before, after in pairwise(placed):
        if after.start_s < before.end_s:
            msg = (
                f"{label} has breaks at {clock.label(before.start_s)} and "
                f"{clock.label(after.start_s)} that overlap."
            )
            yield Violation(code.BREAKS_OVERLAP, msg, technician_id=tid)


def _check_route_limits(tech: Technician, route: Route) -> Iterator[Violation]:
    """Orders, work time and travel time per shift within the technician's limits."""
    label, code = _route_label(route), ViolationCode
    if tech.max_orders_per_shift is not None and len(route.stops) > tech.max_orders_per_shift:
        msg = (
            f"{label} has {len(route.stops)} orders, above the limit of "
            f"{tech.max_orders_per_shift}."
        )
        yield Violation(code.MAX_ORDERS_EXCEEDED, msg, technician_id=tech.id)
    limits = (
        (route.work_s, tech.max_work_s_per_shift, "work", code.MAX_WORK_EXCEEDED),
        (route.travel_s, tech.max_travel_s_per_shift, "driving", code.MAX_TRAVEL_EXCEEDED),
    )
    for value, limit, what, violation_code in limits:
        if limit is not None and value > limit:
            limit_text = _duration(limit)
            msg = f"{label} has {_duration(value)} of {what}, above the limit of {limit_text}."
            yield Violation(violation_code, msg, technician_id=tech.id)


def _check_parts(tech: Technician, route: Route, visits: list[_Visit]) -> Iterator[Violation]:
    """Parts used on one route fit in the technician's van stock."""
    used: Counter[str] = Counter()
    for _, order in visits:
        used.update(order.parts)
    for part, quantity in sorted(used.items()):
        stock = tech.van_stock.get(part, 0)
        if quantity > stock:
            msg = f"{_route_label(route)} uses {quantity} of part {part}, above van stock {stock}."
            yield Violation(ViolationCode.PARTS_EXCEEDED, msg, technician_id=tech.id)


def _check_kpis(plan: Plan) -> Iterator[Violation]:
    """Reported count and total KPIs equal their recomputation from the routes."""
    actual = {
        "assigned": len({s.work_order_id for r in plan.routes for s in r.stops}),
        "unassigned": len(plan.unassigned),
        "travel_s_total": sum(r.travel_s for r in plan.routes),
        "distance_m_total": sum(r.distance_m for r in plan.routes),
    }
    for key in CHECKED_KPIS:
        if key in plan.kpis and plan.kpis[key] != actual[key]:
            msg = f"KPI {key} is {plan.kpis[key]!r} but the plan gives {actual[key]}."
            yield Violation(ViolationCode.KPI_MISMATCH, msg)


def _check_sla_status(yellow_threshold_s: int, visits: list[_Visit]) -> Iterator[Violation]:
    """Each stop's SLA traffic light matches its arrival and end times."""
    for stop, order in visits:
        expected = expected_sla_status(order, stop.arrival_s, stop.end_s, yellow_threshold_s)
        if stop.sla_status != expected:
            msg = (
                f"Work order {order.id} has SLA status {stop.sla_status} but its times "
                f"give {expected}."
            )
            yield Violation(ViolationCode.SLA_STATUS_MISMATCH, msg, order.id)
