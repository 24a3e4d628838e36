"""The search's one timing routine: when each stop of a route starts, with breaks.

Every engine that turns a visit sequence into times uses it: the rules
engine (appending), the exact one-order fits of eligibility, the
large-neighbourhood search and the writing of plans (only the OR-Tools
model and the independent validator keep their own encodings). It follows
the validator's conventions (:mod:`optimizer.check`), which stay the
reference:

- integer seconds; service starts at the earliest allowed instant
  (appointment windows, not-before, a hard SLA deadline) after arrival;
- a break that starts while driving pauses the drive (the arrival moves
  back by its duration); one that starts after arrival is taken on site,
  before the service;
- a break is due when its window opens before the route ends; it must fit
  inside its window and inside the route;
- the first drive leaves as late as possible without delaying the first
  service (when no break is taken on the way);
- when working time is priced (``Lane.optimise_departure``), the departure
  moves later still, to absorb waits further along: a wait at stop ``k``
  is taken off by leaving up to that much later, as far as every earlier
  stop can start later within its window (and by its soft deadline, so
  lateness never grows) and every earlier break can end later within
  its window. Everything before ``k`` moves by the same amount, so
  services still start on arrival where they did and the end of the
  route does not move: every rule that held still holds and the working
  time (end - departure - breaks) falls by what was absorbed;
- lateness past a soft SLA deadline is measured on the service start and
  costs :meth:`optimizer.weights.Weights.lateness_cost`.

Timing a sequence is a dynamic programme over (stop, breaks taken so far):
for each count of breaks taken it keeps the earliest time the technician is
free, which dominates because every rule only asks to start no earlier or
end no later. Ties keep the lower lateness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from optimizer.domain import WorkOrder
from optimizer.search.depots import depot_node_rules
from optimizer.search.eligibility import Interval, start_intervals
from optimizer.search.index import ModelIndex, SearchInput
from optimizer.weights import Weights

_NEVER = 2**62


@dataclass(frozen=True, slots=True)
class OrderRules:
    """What timing needs of each order node, in parallel lists indexed by node."""

    intervals: list[list[Interval]]
    service_s: list[int]
    deadline_s: list[int]
    late_per_s: list[float]
    late_cap: list[float]

    @classmethod
    def build(cls, orders: Sequence[WorkOrder], weights: Weights) -> OrderRules:
        """Rules of ``orders`` (node ``i`` is ``orders[i]``) under ``weights``."""
        deadlines: list[int] = []
        rates: list[float] = []
        caps: list[float] = []
        for order in orders:
            deadline = order.start_deadline_s
            soft = deadline is not None and not order.is_sla_hard
            deadlines.append(deadline if soft and deadline is not None else _NEVER)
            rates.append(weights.late_per_minute(order) / 60)
            caps.append(weights.lateness_cap(order))
        return cls(
            intervals=[start_intervals(o) for o in orders],
            service_s=[o.service_s for o in orders],
            deadline_s=deadlines,
            late_per_s=rates,
            late_cap=caps,
        )


@dataclass(frozen=True, slots=True)
class Lane:
    """One vehicle (technician-shift) as the timing sees it.

    ``travel`` is the node x node driving-seconds matrix at the
    technician's speed; ``breaks`` are ``(duration, window start, window
    end)`` in the shift's order, the order they are taken in.
    ``shift_end_s`` is the latest end, overtime included; ``nominal_end_s``
    the shift's end, past which every second is overtime (priced by the
    caller, :mod:`optimizer.search.lns.solution`). ``optimise_departure``:
    the departure absorbs later waits (see the module docstring).
    """

    travel: NDArray[np.int64]
    start_node: int
    end_node: int
    shift_start_s: int
    shift_end_s: int
    breaks: tuple[tuple[int, int, int], ...]
    max_work_s: int
    max_travel_s: int
    max_orders: int
    nominal_end_s: int = _NEVER
    optimise_departure: bool = False

    @property
    def shift_s(self) -> int:
        """Length of the shift: no route lasts longer."""
        return self.shift_end_s - self.shift_start_s

    @property
    def break_total_s(self) -> list[int]:
        """Total duration of the first ``b`` breaks, for ``b`` = 0..len(breaks)."""
        out = [0]
        for dur, _, _ in self.breaks:
            out.append(out[-1] + dur)
        return out


# A DP entry for one count of breaks taken: (free at, lateness points, route
# start, trace, room). ``trace`` is ``None`` unless a schedule is being
# written; ``room`` is how much later every stop so far may still start (so
# how much more of a later wait the departure may absorb; 0 unless
# ``Lane.optimise_departure``).
Entry = tuple[int, float, int, object, int]
# One step of a trace: (previous step or None, node, arrival, begin, breaks
# placed, route start after this stop).
Trace = tuple[object, int, int, int, tuple[Interval, ...], int]
State = list[Entry | None]


def initial_state(lane: Lane) -> State:
    """Before the first leg: at the start location, free from the shift start."""
    state: State = [None] * (len(lane.breaks) + 1)
    room = _NEVER if lane.optimise_departure else 0
    state[0] = (lane.shift_start_s, 0.0, lane.shift_start_s, None, room)
    return state


def _leg(lane: Lane, t: int, b: int, leg: int) -> list[tuple[int, int, int, tuple[Interval, ...]]]:
    """Ways to drive ``leg`` seconds from ``t`` with ``b`` breaks taken.

    Returns ``(breaks taken here, arrival, free on site, placed breaks)``
    for taking 0, 1, ... of the next breaks on the way (pausing the drive)
    or on site after arriving.
    """
    arrival = t + leg
    out: list[tuple[int, int, int, tuple[Interval, ...]]] = [(0, arrival, arrival, ())]
    prev_end = t
    on_site = False
    placed: list[Interval] = []
    free = arrival
    for k in range(b, len(lane.breaks)):
        dur, ws, we = lane.breaks[k]
        s = prev_end if prev_end > ws else ws
        if not on_site and s < arrival:
            arrival += dur
            free = arrival
        else:
            on_site = True
            if s < arrival:
                s = arrival
            free = s + dur
        if s + dur > we:
            break
        prev_end = s + dur
        placed.append((s, s + dur))
        out.append((k - b + 1, arrival, free, tuple(placed)))
    return out


def _absorb(
    lane: Lane,
    b: int,
    rs: int,
    room: int,
    arrival: int,
    begin: int,
    placed: tuple[Interval, ...],
) -> tuple[int, int, tuple[Interval, ...], int]:
    """Leave later to absorb the idle time before a service: ``(start, arrival, breaks, room)``.

    ``placed`` are the breaks ``b``, ``b + 1``, ... taken on this leg: those
    on the way (starting before ``arrival``) move with the departure, those
    on site stay, and the idle time absorbed is what precedes the first of
    them on site (or the service). The room left bounds later absorptions,
    which move everything here by the same amount.
    """
    breaks = lane.breaks
    left = room
    on_way = 0
    for i, (s, e) in enumerate(placed):
        if s >= arrival:
            break
        on_way += 1
        spare = breaks[b + i][2] - e
        if spare < left:
            left = spare
    idle = (placed[on_way][0] if on_way < len(placed) else begin) - arrival
    start = rs
    if idle > 0 and left > 0:
        shift = idle if idle < left else left
        start += shift
        arrival += shift
        left -= shift
        if on_way:
            moved = tuple((s + shift, e + shift) for s, e in placed[:on_way])
            placed = moved + placed[on_way:]
    for i in range(on_way, len(placed)):
        spare = breaks[b + i][2] - placed[i][1]
        if spare < left:
            left = spare
    return start, arrival, placed, left


def extend(lane: Lane, rules: OrderRules, state: State, prev: int, node: int, track: bool) -> State:
    """The state after driving from node ``prev`` to order ``node`` and serving it."""
    leg = lane.travel.item(prev, node)
    intervals = rules.intervals[node]
    service = rules.service_s[node]
    deadline = rules.deadline_s[node]
    first = prev == lane.start_node
    optimise = lane.optimise_departure
    last_b = len(state) - 1
    out: State = [None] * len(state)
    for b in range(last_b + 1):
        entry = state[b]
        if entry is None:
            continue
        t, late, rs, trace, room = entry
        options = _leg(lane, t, b, leg) if b < last_b else ((0, t + leg, t + leg, ()),)
        for j, arrival, free, placed in options:
            begin = None
            end_of = 0
            for lo, hi in intervals:
                if free <= hi:
                    begin = lo if lo > free else free
                    end_of = hi
                    break
            if begin is None:
                continue
            route_start = rs
            left = 0
            if optimise:
                route_start, arrival, placed, left = _absorb(
                    lane, b, rs, room, arrival, begin, placed
                )
                if begin > deadline:
                    left = 0  # starting later would add lateness
                else:
                    bound = end_of if end_of < deadline else deadline
                    if bound - begin < left:
                        left = bound - begin
            elif first and not j and begin > arrival:  # leave later rather than wait
                route_start = begin - leg
                arrival = begin
            cost = late
            if begin > deadline:
                extra = (begin - deadline) * rules.late_per_s[node]
                cap = rules.late_cap[node]
                cost += extra if extra < cap else cap
            done = begin + service
            k = b + j
            if optimise and left < 0:
                left = 0
            old = out[k]
            if (
                old is None
                or done < old[0]
                or (done == old[0] and cost < old[1])
                or (optimise and done == old[0] and cost == old[1] and route_start > old[2])
            ):
                info = (trace, node, arrival, begin, placed, route_start) if track else None
                out[k] = (done, cost, route_start, info, left)
    return out


@dataclass(frozen=True, slots=True)
class Closing:
    """How a route ends: its end time, lateness, start, breaks taken and (when tracked) trace."""

    end_s: int
    lateness: float
    start_s: int
    trace: object
    break_s: int = 0


def close(lane: Lane, state: State, last: int, track: bool) -> Closing | None:
    """The earliest feasible end of a route whose last stop is ``last``, or ``None``.

    Checks the shift end (overtime included), the breaks still due and the working-time limit
    (the driving and order-count limits are the caller's, they do not
    depend on times).
    """
    leg = int(lane.travel.item(last, lane.end_node))
    totals = lane.break_total_s
    n_breaks = len(lane.breaks)
    best: Closing | None = None
    for b, entry in enumerate(state):
        if entry is None:
            continue
        t, late, rs, trace, _ = entry
        for j, arrival, free, placed in _leg(lane, t, b, leg):
            end = arrival if arrival > free else free
            if any(lane.breaks[k][1] < end for k in range(b + j, n_breaks)):
                continue  # a break would still be due
            if end > lane.shift_end_s:
                continue
            if end - rs - totals[b + j] > lane.max_work_s:
                continue
            if (
                best is None
                or end < best.end_s
                or (end == best.end_s and late < best.lateness)
                or (
                    lane.optimise_departure
                    and end == best.end_s
                    and late == best.lateness
                    and end - rs - totals[b + j] < best.end_s - best.start_s - best.break_s
                )
            ):
                info = (trace, -1, arrival, end, placed, rs) if track else None
                best = Closing(end, late, rs, info, totals[b + j])
    return best


def route_travel_s(lane: Lane, nodes: Sequence[int]) -> int:
    """Driving seconds of visiting ``nodes`` in order, from start to end location."""
    travel = lane.travel
    prev, total = lane.start_node, 0
    for node in nodes:
        total += int(travel.item(prev, node))
        prev = node
    return total + int(travel.item(prev, lane.end_node))


def time_route(
    lane: Lane, rules: OrderRules, nodes: Sequence[int], track: bool = False
) -> Closing | None:
    """Time ``nodes`` on ``lane``; ``None`` when a time rule or limit makes it infeasible.

    Order-count and driving limits are checked here too; spare parts and
    eligibility are the caller's.
    """
    if len(nodes) > lane.max_orders:
        return None
    if route_travel_s(lane, nodes) > lane.max_travel_s:
        return None
    state = initial_state(lane)
    prev = lane.start_node
    for node in nodes:
        state = extend(lane, rules, state, prev, node, track)
        if not any(state):
            return None
        prev = node
    return close(lane, state, prev, track)


@dataclass(frozen=True, slots=True)
class TimedStop:
    """One stop as the validator sees it."""

    node: int
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """A timed route: its stops, breaks, start and end."""

    start_s: int
    end_s: int
    stops: tuple[TimedStop, ...]
    breaks: tuple[Interval, ...]
    end_travel_s: int
    lateness: float


def schedule_route(lane: Lane, rules: OrderRules, nodes: Sequence[int]) -> Schedule | None:
    """The full timing of ``nodes`` on ``lane`` (``None`` when infeasible)."""
    closing = time_route(lane, rules, nodes, track=True)
    if closing is None:
        return None
    legs: list[tuple[int, int, int, tuple[Interval, ...], int]] = []
    trace = closing.trace
    while trace is not None:
        step = cast(Trace, trace)
        trace = step[0]
        legs.append(step[1:])
    legs.reverse()
    stops: list[TimedStop] = []
    breaks: list[Interval] = []
    prev = lane.start_node
    final_start = closing.start_s
    for node, arrival, begin, placed, start_after in legs:
        later = final_start - start_after  # the waits absorbed further along
        breaks.extend((s + later, e + later) for s, e in placed)
        if node < 0:
            break
        leg = int(lane.travel.item(prev, node))
        begin += later
        stops.append(TimedStop(node, arrival + later, begin, begin + rules.service_s[node], leg))
        prev = node
    end_travel = int(lane.travel.item(prev, lane.end_node))
    return Schedule(
        closing.start_s, closing.end_s, tuple(stops), tuple(breaks), end_travel, closing.lateness
    )


def lanes_of(index: ModelIndex, optimise_departure: bool = False) -> list[Lane]:
    """One :class:`Lane` per vehicle of ``index`` (departures optimised or not)."""
    out = []
    for v, veh in enumerate(index.vehicles):
        tech, shift = veh.technician, veh.shift
        out.append(
            Lane(
                travel=index.vehicle_travel(v),
                start_node=index.starts[v],
                end_node=index.ends[v],
                shift_start_s=shift.start_s,
                shift_end_s=shift.latest_end_s,
                breaks=tuple(
                    (b.duration_s, b.window.start_s, b.window.end_s) for b in shift.breaks
                ),
                max_work_s=tech.max_work_s_per_shift or _NEVER,
                max_travel_s=tech.max_travel_s_per_shift or _NEVER,
                max_orders=(
                    tech.max_orders_per_shift if tech.max_orders_per_shift is not None else _NEVER
                ),
                nominal_end_s=shift.end_s,
                optimise_departure=optimise_departure,
            )
        )
    return out


def timing_of(inputs: SearchInput) -> tuple[list[Lane], OrderRules]:
    """The lanes of every vehicle and the rules of every order node of ``inputs``."""
    problem, index = inputs.problem, inputs.index
    orders = [problem.work_orders[o] for o in index.order_of_node]
    optimise = inputs.weights.working_time_per_hour > 0
    rules = OrderRules.build(orders, inputs.weights)
    for node, intervals, stop_s in depot_node_rules(inputs):  # depot visits: timed like orders
        while len(rules.service_s) < node:  # start and end nodes: never stops
            _append_rule(rules, [], 0)
        _append_rule(rules, intervals, stop_s)
    return lanes_of(index, optimise), rules


def _append_rule(rules: OrderRules, intervals: list[Interval], service_s: int) -> None:
    """One more node without deadline (a depot visit, or padding before it)."""
    rules.intervals.append(intervals)
    rules.service_s.append(service_s)
    rules.deadline_s.append(_NEVER)
    rules.late_per_s.append(0.0)
    rules.late_cap.append(0.0)
