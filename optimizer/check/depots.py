"""Validator rules of depot visits and tools: opening hours, what a depot has, stock.

Like :mod:`optimizer.check.rules` (which turns these findings into
violations) it recomputes everything from the problem and the plan alone:

- a depot stop names a depot of the problem, lasts its stop duration and
  lies inside one of its opening intervals, and loads only parts the depot
  stocks and tools it has;
- along each route the van never runs out: the stock at the start plus
  what the depot stops loaded, less what the orders served so far used,
  never goes below zero for any part;
- every order starts with its required tools on board: carried from the
  start or loaded at an earlier depot stop;
- each depot's stock of a part, shared by every technician over the
  horizon, covers what all routes loaded there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from optimizer.clock import Clock
from optimizer.domain import Technician, WorkOrder
from optimizer.plan import DepotStop, Plan, Route
from optimizer.problem import Problem

#: One broken rule: (violation code value, message, work order id, technician id).
Finding = tuple[str, str, str | None, str | None]


def _label(route: Route) -> str:
    return f"Route of technician {route.technician_id} in shift {route.shift_index}"


def check_depot_stops(
    problem: Problem, tech: Technician, route: Route, clock: Clock
) -> Iterator[Finding]:
    """Each depot stop: a known depot, its stop duration, its opening hours, what it has."""
    depots = {d.id: d for d in problem.depots}
    tid = tech.id
    for stop in route.depot_stops:
        depot = depots.get(stop.depot_id)
        who = f"Depot stop {stop.depot_id} of technician {tid}"
        if depot is None:
            yield ("unknown_depot", f"{who} names a depot that is not in the problem.", None, tid)
            continue
        if stop.end_s - stop.start_s != depot.stop_s:
            msg = (
                f"{who} lasts {stop.end_s - stop.start_s} s but the depot's stop duration "
                f"is {depot.stop_s} s."
            )
            yield ("depot_stop_duration_mismatch", msg, None, tid)
        if depot.opening and not any(
            w.start_s <= stop.start_s and stop.end_s <= w.end_s for w in depot.opening
        ):
            hours = ", ".join(clock.span(w.start_s, w.end_s) for w in depot.opening)
            msg = (
                f"{who} runs {clock.span(stop.start_s, stop.end_s)}, outside its opening "
                f"hours {hours}."
            )
            yield ("depot_closed", msg, None, tid)
        for part, qty in sorted(stop.loaded_parts.items()):
            if qty > 0 and not depot.supplies(part):
                msg = f"{who} loads {qty} of part {part}, which the depot does not stock."
                yield ("depot_lacks_item", msg, None, tid)
        for tool in stop.loaded_tools:
            if tool not in depot.tools:
                msg = f"{who} loads tool {tool}, which the depot does not have."
                yield ("depot_lacks_item", msg, None, tid)
        for brk in route.breaks:
            if brk.start_s < stop.end_s and stop.start_s < brk.end_s:
                msg = (
                    f"{_label(route)} places a break at {clock.span(brk.start_s, brk.end_s)}, "
                    f"overlapping depot stop {stop.depot_id}."
                )
                yield ("break_overlaps_service", msg, None, tid)


def check_van_along_route(problem: Problem, tech: Technician, route: Route) -> Iterator[Finding]:
    """Van stock never negative and tools on board, stop by stop along the route."""
    orders = {o.id: o for o in problem.work_orders}
    carried: Counter[str] = Counter(tech.van_stock)
    tools = set(tech.tools)
    short: set[str] = set()
    for stop in route.visits():
        if isinstance(stop, DepotStop):
            carried.update(stop.loaded_parts)
            tools.update(stop.loaded_tools)
            continue
        order = orders.get(stop.work_order_id)
        if order is None:
            continue
        yield from _tools_on_board(tech, order, tools)
        for part, qty in sorted(order.parts.items()):
            carried[part] -= qty
            if carried[part] < 0 and part not in short:
                short.add(part)
                msg = (
                    f"{_label(route)} runs out of part {part} at work order {order.id}: "
                    f"{-carried[part]} missing from the van."
                )
                yield ("parts_exceeded", msg, order.id, tech.id)


def check_tools(tech: Technician, orders: Sequence[WorkOrder]) -> Iterator[Finding]:
    """Every order of a route without depot stops needs only tools carried from the start."""
    tools = set(tech.tools)
    for order in orders:
        yield from _tools_on_board(tech, order, tools)


def _tools_on_board(tech: Technician, order: WorkOrder, tools: set[str]) -> Iterator[Finding]:
    for tool in order.required_tools:
        if tool not in tools:
            msg = (
                f"Technician {tech.id} serves work order {order.id} needing tool {tool} "
                "without it on board."
            )
            yield ("tool_missing", msg, order.id, tech.id)


def check_depot_stock(problem: Problem, plan: Plan) -> Iterator[Finding]:
    """What all routes loaded at each depot, part by part, within its stock over the horizon."""
    if not problem.depots:
        return
    loaded: dict[str, Counter[str]] = {d.id: Counter() for d in problem.depots}
    for route in plan.routes:
        for stop in route.depot_stops:
            if stop.depot_id in loaded:
                loaded[stop.depot_id].update(stop.loaded_parts)
    for depot in problem.depots:
        for part, qty in sorted(loaded[depot.id].items()):
            limit = depot.available(part)
            if limit is not None and qty > limit:
                msg = (
                    f"Depot {depot.id} gives out {qty} of part {part} over all routes, "
                    f"above its stock {limit}."
                )
                yield ("depot_stock_exceeded", msg, None, None)
