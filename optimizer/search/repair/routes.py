"""Make routes from a simplified search fit the full model before OR-Tools reads them.

The relaxed PyVRP stage does not see breaks or second appointment windows,
and OR-Tools rejects a whole starting solution if one route breaks one
rule; proving that takes it seconds to minutes on a large day. Each route
is therefore checked here first, in the model's own terms (its matrices,
service times, start intervals, shifts and breaks), and the orders that do
not fit are left out for OR-Tools to insert again.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import Break
from optimizer.search.eligibility import first_start, start_intervals
from optimizer.search.index import SearchInput

_NEVER = 2**62
#: Cheapest places tried per left-out order: an order that fits none of
#: them is left to OR-Tools (on an overloaded day most fit nowhere).
_INSERTION_TRIES = 40


@dataclass(frozen=True, slots=True)
class _Lane:
    """What one vehicle's route must respect."""

    travel: NDArray[np.int64]
    start_node: int
    end_node: int
    shift_start: int
    shift_end: int
    breaks: tuple[Break, ...]
    max_work: int
    max_travel: int


def _take_break(brk: Break, t: int) -> int | None:
    """When a break that may start at ``t`` ends, or ``None`` if its window has passed."""
    begin = max(t, brk.window.start_s)
    if begin > brk.window.end_s - brk.duration_s:
        return None
    return begin + brk.duration_s


class RouteChecker:
    """Earliest-time feasibility of an order sequence on one vehicle, breaks included.

    A break is taken right after a service (before driving on) or on arrival
    (before the service); every placement is tried by dynamic programming
    over (stop, breaks taken), keeping the earliest time, which dominates
    because every rule only asks to start no earlier or finish no later.
    """

    def __init__(self, ctx: SearchInput) -> None:
        self._ctx = ctx
        idx = ctx.index
        horizon = max((veh.shift.end_s for veh in idx.vehicles), default=0) + 1
        self._intervals = [
            [(max(a, 0), min(b, horizon)) for a, b in start_intervals(ctx.problem.work_orders[o])]
            for o in idx.order_of_node
        ]
        self._service = [int(s) for s in idx.service_s]
        self._lanes: dict[int, _Lane] = {}

    def _lane(self, v: int) -> _Lane:
        if v not in self._lanes:
            idx = self._ctx.index
            veh = idx.vehicles[v]
            tech = veh.technician
            self._lanes[v] = _Lane(
                travel=idx.vehicle_travel(v),
                start_node=idx.starts[v],
                end_node=idx.ends[v],
                shift_start=max(veh.shift.start_s, 0),
                shift_end=veh.shift.end_s,
                breaks=tuple(sorted(veh.shift.breaks, key=lambda b: b.window.start_s)),
                max_work=tech.max_work_s_per_shift or _NEVER,
                max_travel=tech.max_travel_s_per_shift or _NEVER,
            )
        return self._lanes[v]

    def feasible(self, v: int, nodes: list[int]) -> bool:
        """Whether vehicle ``v`` can serve order nodes ``nodes`` in this order."""
        lane = self._lane(v)
        path = [lane.start_node, *nodes, lane.end_node]
        driving = sum(int(lane.travel[a, b]) for a, b in pairwise(path))
        if driving > lane.max_travel:
            return False
        n_breaks = len(lane.breaks)
        # ready[b]: earliest time free to drive on from the current stop, b breaks taken.
        ready: list[int | None] = self._after_breaks(lane, [lane.shift_start] + [None] * n_breaks)
        for prev, node in pairwise(path[:-1]):
            leg = int(lane.travel[prev, node])
            arrived = self._after_breaks(lane, [None if t is None else t + leg for t in ready])
            ready = [None] * (n_breaks + 1)
            for b, t in enumerate(arrived):
                begin = None if t is None else first_start(self._intervals[node], t)
                if begin is not None:
                    ready[b] = begin + self._service[node]
            ready = self._after_breaks(lane, ready)
        leg = int(lane.travel[path[-2], lane.end_node])
        for b, t in enumerate(ready):
            if t is None:
                continue
            for end, taken in self._closing_times(lane, b, t, leg):
                work = end - lane.shift_start - sum(brk.duration_s for brk in lane.breaks[:taken])
                if end <= lane.shift_end and work <= lane.max_work:
                    return True
        return False

    @staticmethod
    def _after_breaks(lane: _Lane, times: list[int | None]) -> list[int | None]:
        """Earliest times after also taking the next breaks here, where that is earlier."""
        out = list(times)
        for b, brk in enumerate(lane.breaks):
            t = out[b]
            done = None if t is None else _take_break(brk, t)
            if done is not None and (out[b + 1] is None or done < out[b + 1]):
                out[b + 1] = done
        return out

    @staticmethod
    def _closing_times(lane: _Lane, b: int, t: int, leg: int) -> list[tuple[int, int]]:
        """``(route end, breaks taken)`` options from ``t`` with ``b`` breaks taken.

        Drive home and stop there if no later break has opened by then;
        otherwise take the remaining breaks before or after the last leg.
        """
        rest = lane.breaks[b:]
        options = []
        if all(t + leg <= brk.window.start_s for brk in rest):
            options.append((t + leg, b))
        for depart, extra in ((t, 0), (t + leg, leg)):
            for brk in rest:
                done = _take_break(brk, depart)
                if done is None:
                    break
                depart = done
            else:
                options.append((depart + leg - extra, len(lane.breaks)))
        return options


def repair_routes(ctx: SearchInput, routes: list[list[int]]) -> list[list[int]]:
    """Make each route fit the full model's time rules, then insert the orders left out.

    ``routes`` are order nodes per vehicle. A route that breaks a time
    rule keeps, in order, each order it still fits with. Then every order
    on no route, most urgent first, goes where it adds the least driving
    among the :data:`_INSERTION_TRIES` cheapest places where its route
    still fits (van stock and order limits respected); serving late is
    allowed here, as in the model.
    """
    checker = RouteChecker(ctx)
    plan = [list(route) for route in routes]
    for v, route in enumerate(plan):
        if not checker.feasible(v, route):
            kept: list[int] = []
            for node in route:
                if checker.feasible(v, [*kept, node]):
                    kept.append(node)
            plan[v] = kept
    _insert_left_out(ctx, checker, plan)
    return plan


def _insert_left_out(ctx: SearchInput, checker: RouteChecker, plan: list[list[int]]) -> None:
    idx = ctx.index
    orders = [ctx.problem.work_orders[o] for o in idx.order_of_node]
    stock = [dict(veh.technician.van_stock) for veh in idx.vehicles]
    room = [veh.technician.max_orders_per_shift or _NEVER for veh in idx.vehicles]
    for v, route in enumerate(plan):
        room[v] -= len(route)
        for node in route:
            for part, qty in orders[node].parts.items():
                stock[v][part] = stock[v].get(part, 0) - qty
    served = {n for route in plan for n in route}
    left = sorted(
        (n for n in range(len(orders)) if n not in served),
        key=lambda n: (orders[n].priority, orders[n].start_deadline_s or _NEVER, n),
    )
    for node in left:
        order = orders[node]
        candidates = []
        for v, route in enumerate(plan):
            fits = room[v] > 0 and v in idx.allowed_vehicles[node]
            if not fits or any(stock[v].get(p, 0) < q for p, q in order.parts.items()):
                continue
            travel = idx.vehicle_travel(v)
            path = [idx.starts[v], *route, idx.ends[v]]
            for pos in range(len(path) - 1):
                a, b = path[pos], path[pos + 1]
                added = int(travel[a, node] + travel[node, b] - travel[a, b])
                candidates.append((added, v, pos))
        for _, v, pos in sorted(candidates)[:_INSERTION_TRIES]:
            trial = [*plan[v][:pos], node, *plan[v][pos:]]
            if checker.feasible(v, trial):
                plan[v] = trial
                room[v] -= 1
                for part, qty in order.parts.items():
                    stock[v][part] -= qty
                break
