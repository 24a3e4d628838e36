"""Score analysis: the objective of a plan, point by point, per order and per technician.

:func:`analyse_score` breaks the objective of
:func:`optimizer.objective.plan_cost` into one entry per order (lateness,
unserved penalty, preference miss, reassignment) and per technician-shift
(driving, labour, and the workload-balance term of the busiest shift), each
with its points and a sentence that shows the sum, e.g. "WO-17 starts
25 min after its respond-by (12:00): 25 min × 50 × 2 (VIP) = 2,500 points."

Each entry's points are computed exactly (fractions of the weights) and
rounded to the thousandth of a point by largest remainders, so that the
entries add up to the objective as the KPIs report it
(``kpis["objective"]``, ``plan_cost(...)["total"]`` rounded to three
decimals) exactly, in decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from optimizer.domain import Tier, WorkOrder
from optimizer.explain.text import clock, minutes, number, order_label, points
from optimizer.objective import plan_cost
from optimizer.plan import Plan, Route
from optimizer.problem import Problem
from optimizer.weights import DEFAULT_WEIGHTS, Weights

#: Terms of the objective, in the order of :func:`optimizer.objective.plan_cost`.
TERMS = (
    "travel",
    "lateness",
    "unassigned",
    "non_preferred",
    "reassignment",
    "workload_balance",
    "labor",
    "overtime",
    "working_time",
    "territory",
)
#: Terms charged to a technician-shift rather than to an order.
_ROUTE_TERMS = ("travel", "labor", "workload_balance", "overtime", "working_time")
_MILLI = 1000


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """Points of one term for one order or one technician-shift.

    Order entries (``lateness``, ``unassigned``, ``non_preferred``,
    ``reassignment``) have ``work_order_id`` (and the serving technician
    when served); technician entries (``travel``, ``labor``,
    ``workload_balance``, ``overtime``) have ``technician_id`` and ``shift_index`` only.
    ``points`` is rounded to the thousandth (see the module).
    """

    term: str
    points: float
    sentence: str
    work_order_id: str | None = None
    technician_id: str | None = None
    shift_index: int | None = None


@dataclass(frozen=True, slots=True)
class ScoreAnalysis:
    """The objective of a plan, entry by entry.

    ``total`` equals ``kpis["objective"]``; ``terms`` are the sums of the
    entries per term, ``by_order`` and ``by_technician`` per order and per
    technician (all shifts); all of them add up to ``total`` exactly.
    """

    total: float
    terms: dict[str, float]
    by_order: dict[str, float]
    by_technician: dict[str, float]
    entries: tuple[ScoreEntry, ...]


@dataclass(slots=True)
class _Raw:
    term: str
    exact: Fraction
    sentence: str
    work_order_id: str | None = None
    technician_id: str | None = None
    shift_index: int | None = None


def analyse_score(problem: Problem, plan: Plan) -> ScoreAnalysis:
    """The objective of ``plan`` per order and per technician, in points, with a sentence each.

    Parameters
    ----------
    problem
        The problem.
    plan
        Any plan of it naming only its orders and technicians (valid or not).

    Returns
    -------
    ScoreAnalysis
        Entries with non-zero points, largest first; they add up exactly to
        ``round(plan_cost(problem, plan)["total"], 3)``.

    Raises
    ------
    KeyError
        If the plan names an order or technician the problem lacks.
    """
    weights = problem.weights or DEFAULT_WEIGHTS
    orders = {o.id: o for o in problem.work_orders}
    raw: list[_Raw] = []
    for route in plan.routes:
        raw += _route_entries(problem, weights, route)
        for stop in route.stops:
            raw += _stop_entries(problem, weights, orders[stop.work_order_id], route, stop.start_s)
    for u in plan.unassigned:
        order = orders[u.work_order_id]
        raw.append(
            _Raw(
                "unassigned",
                _unserved(weights, order),
                _unserved_sentence(weights, order),
                order.id,
            )
        )
    busiest = _busiest(problem, weights, plan, orders)
    if busiest is not None:
        raw.append(busiest)
    target = round(Fraction(plan_cost(problem, plan)["total"]) * _MILLI)
    milli = _apportion([r.exact for r in raw], target)
    entries = [
        ScoreEntry(r.term, m / _MILLI, r.sentence, r.work_order_id, r.technician_id, r.shift_index)
        for r, m in zip(raw, milli, strict=True)
        if m or r.exact
    ]
    entries.sort(key=lambda e: -e.points)
    terms = {t: 0 for t in TERMS}
    by_order: dict[str, int] = {}
    by_tech: dict[str, int] = {}
    for r, m in zip(raw, milli, strict=True):
        terms[r.term] += m
        if r.term in _ROUTE_TERMS:
            assert r.technician_id is not None
            by_tech[r.technician_id] = by_tech.get(r.technician_id, 0) + m
        else:
            assert r.work_order_id is not None
            by_order[r.work_order_id] = by_order.get(r.work_order_id, 0) + m
    return ScoreAnalysis(
        total=target / _MILLI,
        terms={t: v / _MILLI for t, v in terms.items()},
        by_order={k: v / _MILLI for k, v in by_order.items()},
        by_technician={k: v / _MILLI for k, v in by_tech.items()},
        entries=tuple(entries),
    )


def _apportion(values: list[Fraction], target: int) -> list[int]:
    """Thousandths per value summing to ``target``: floors, then the largest remainders."""
    scaled = [v * _MILLI for v in values]
    floors = [int(s // 1) for s in scaled]
    left = target - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: -(scaled[i] - floors[i]))
    step = 1 if left >= 0 else -1
    k = 0
    while left and by_remainder:  # the exact sum and the float total differ by < 1 thousandth
        floors[by_remainder[k % len(by_remainder)]] += step
        left -= step
        k += 1
    return floors


def _via_depots(route: Route) -> str:
    """`` (2 depot stops: 25 min driving to them, 30 min loading)`` or nothing."""
    if not route.depot_stops:
        return ""
    n = len(route.depot_stops)
    legs = sum(d.travel_s for d in route.depot_stops)
    return (
        f" ({n} depot stop{'s' if n > 1 else ''}: {minutes(legs)} driving to "
        f"{'them' if n > 1 else 'it'}, {minutes(route.depot_s)} loading)"
    )


def _route_entries(problem: Problem, weights: Weights, route: Route) -> list[_Raw]:
    who = route.technician_id
    shift = _shift_name(problem, route)
    out = []
    if route.travel_s:
        exact = Fraction(route.travel_s, 3600) * Fraction(weights.travel_per_hour)
        out.append(
            _Raw(
                "travel",
                exact,
                f"{who}{shift} drives {minutes(route.travel_s)}{_via_depots(route)} at "
                f"{number(weights.travel_per_hour)} points/h: {points(float(exact))}.",
                technician_id=who,
                shift_index=route.shift_index,
            )
        )
    rate = problem.technician(who).cost_per_hour
    if weights.labor_cost and rate and route.end_s > route.start_s:
        hours = Fraction(route.end_s - route.start_s, 3600)
        exact = hours * Fraction(rate) * Fraction(weights.labor_cost)
        out.append(
            _Raw(
                "labor",
                exact,
                f"{who}{shift} works {minutes(route.end_s - route.start_s)} (departure to end) "
                f"at {number(rate)}/h × labour weight {number(weights.labor_cost)}: "
                f"{points(float(exact))}.",
                technician_id=who,
                shift_index=route.shift_index,
            )
        )
    if weights.working_time_per_hour and route.work_s > 0:
        exact = Fraction(route.work_s, 3600) * Fraction(weights.working_time_per_hour)
        out.append(
            _Raw(
                "working_time",
                exact,
                f"{who}{shift} works {minutes(route.work_s)} (departure to end, breaks "
                f"excluded) at {number(weights.working_time_per_hour)} points/h: "
                f"{points(float(exact))}.",
                technician_id=who,
                shift_index=route.shift_index,
            )
        )
    overtime = _overtime_entry(problem, weights, route)
    if overtime is not None:
        out.append(overtime)
    return out


def _overtime_entry(problem: Problem, weights: Weights, route: Route) -> _Raw | None:
    """The overtime entry of ``route``: minutes past its shift's end at the shift's price."""
    shifts = problem.technician(route.technician_id).shifts
    if not 0 <= route.shift_index < len(shifts):
        return None
    shift = shifts[route.shift_index]
    over_s = shift.overtime_s(route.end_s)
    rate = weights.overtime_rate(shift)
    if not over_s or not rate:
        return None
    exact = Fraction(over_s, 60) * Fraction(rate)
    return _Raw(
        "overtime",
        exact,
        f"{route.technician_id}{_shift_name(problem, route)} ends {minutes(over_s)} past its "
        f"shift's end ({clock(problem, shift.end_s)}): {number(over_s / 60)} min × "
        f"{number(rate)} points/min = {points(float(exact))}.",
        technician_id=route.technician_id,
        shift_index=route.shift_index,
    )


def _stop_entries(
    problem: Problem, weights: Weights, order: WorkOrder, route: Route, start_s: int
) -> list[_Raw]:
    who = route.technician_id
    out = []
    share = Fraction(1, order.crew_size)  # a crew order's per-stop costs are shared
    deadline = order.start_deadline_s
    if deadline is not None and not order.is_sla_hard and start_s > deadline:
        late_s = start_s - deadline
        exact = share * min(
            Fraction(late_s, 60) * _late_rate(weights, order),
            Fraction(weights.lateness_cap_share) * _unserved(weights, order),
        )
        out.append(
            _Raw("lateness", exact, _late_sentence(problem, weights, order, late_s), order.id, who)
        )
    if order.preferred_technician_ids and who not in order.preferred_technician_ids:
        wanted = ", ".join(order.preferred_technician_ids)
        out.append(
            _Raw(
                "non_preferred",
                share * Fraction(weights.non_preferred_technician),
                f"{order.id} goes to {who}, not to a preferred technician ({wanted}): "
                f"{points(weights.non_preferred_technician)}.",
                order.id,
                who,
            )
        )
    tech = problem.technician(who) if order.territory is not None else None
    if tech is not None and not tech.is_territory_hard and tech.is_outside_territory(order):
        out.append(
            _Raw(
                "territory",
                Fraction(weights.outside_territory),
                f"{order.id} lies in territory {order.territory}, outside {who}'s "
                f"({', '.join(tech.territories)}): {points(weights.outside_territory)}.",
                order.id,
                who,
            )
        )
    if order.dispatched_technician_id not in (None, who):
        out.append(
            _Raw(
                "reassignment",
                share * Fraction(weights.reassignment),
                f"{order.id} moves from {order.dispatched_technician_id}, to whom it was "
                f"dispatched, to {who}: {points(weights.reassignment)}.",
                order.id,
                who,
            )
        )
    if order.crew_size > 1:
        k = order.crew_size
        out = [
            replace(r, sentence=f"{r.sentence[:-1]}, shared by its crew of {k}: 1/{k} here.")
            for r in out
        ]
    return out


def _late_rate(weights: Weights, order: WorkOrder) -> Fraction:
    rate = Fraction(weights.late_per_minute_by_priority[int(order.priority)])
    return rate * Fraction(weights.vip_multiplier) if order.tier is Tier.VIP else rate


def _unserved(weights: Weights, order: WorkOrder) -> Fraction:
    base = Fraction(weights.unassigned_by_priority[int(order.priority)])
    return base * Fraction(weights.vip_multiplier) if order.tier is Tier.VIP else base


def _late_sentence(problem: Problem, weights: Weights, order: WorkOrder, late_s: int) -> str:
    deadline = order.start_deadline_s
    assert deadline is not None
    if order.respond_by_s is not None and order.respond_by_s == deadline:
        what = f"its respond-by ({clock(problem, deadline)})"
    else:
        assert order.resolve_by_s is not None
        what = (
            f"the latest start meeting its resolve-by ({clock(problem, order.resolve_by_s)} "
            f"less {minutes(order.service_s)} of service)"
        )
    per_minute = number(weights.late_per_minute_by_priority[int(order.priority)])
    factors = f"{number(late_s / 60)} min × {per_minute}"
    if order.tier is Tier.VIP:
        factors += f" × {number(weights.vip_multiplier)} (VIP)"
    value = float(Fraction(late_s, 60) * _late_rate(weights, order))
    cap = float(Fraction(weights.lateness_cap_share) * _unserved(weights, order))
    head = f"{order.id} starts {minutes(late_s)} after {what}: {factors}"
    if value <= cap:
        return f"{head} = {points(value)}."
    return (
        f"{head} = {number(value)}, capped at {number(weights.lateness_cap_share)} × its "
        f"unserved penalty: {points(cap)}."
    )


def _unserved_sentence(weights: Weights, order: WorkOrder) -> str:
    base = weights.unassigned_by_priority[int(order.priority)]
    if order.tier is Tier.VIP:
        value = float(_unserved(weights, order))
        return (
            f"{order_label(order)} is not served: {number(base)} × "
            f"{number(weights.vip_multiplier)} (VIP) = {points(value)}."
        )
    return f"{order_label(order)} is not served: {points(base)}."


def _busiest(
    problem: Problem, weights: Weights, plan: Plan, orders: dict[str, WorkOrder]
) -> _Raw | None:
    """The workload-balance entry: the busiest shift's driving and service hours."""
    if sum(len(t.shifts) for t in problem.technicians) <= 1 or not plan.routes:
        return None
    busy = [
        (r.travel_s + sum(orders[s.work_order_id].service_s for s in r.stops), i)
        for i, r in enumerate(plan.routes)
    ]
    busy_s, i = max(busy, key=lambda b: (b[0], -b[1]))
    if not busy_s:
        return None
    route = plan.routes[i]
    exact = Fraction(busy_s, 3600) * Fraction(weights.workload_balance_per_hour)
    return _Raw(
        "workload_balance",
        exact,
        f"{route.technician_id}{_shift_name(problem, route)} is the busiest shift: "
        f"{minutes(busy_s)} of driving and service at "
        f"{number(weights.workload_balance_per_hour)} points/h: {points(float(exact))}.",
        technician_id=route.technician_id,
        shift_index=route.shift_index,
    )


def _shift_name(problem: Problem, route: Route) -> str:
    if len(problem.technician(route.technician_id).shifts) > 1:
        return f" (shift {route.shift_index + 1})"
    return ""
