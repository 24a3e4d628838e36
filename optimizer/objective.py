"""The project's objective, computed from any plan (ours, a baseline's, a hand-edited one)."""

from __future__ import annotations

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.weights import DEFAULT_WEIGHTS


def plan_cost(problem: Problem, plan: Plan) -> dict[str, float]:
    """Break the weighted objective of ``plan`` down by term, in points.

    Terms: ``travel``, ``lateness`` (soft SLA deadlines, on the service
    start, capped per order by ``Weights.lateness_cap_share``),
    ``unassigned``, ``non_preferred``, ``reassignment`` (orders moved away
    from the technician they were dispatched to), ``workload_balance`` (busiest
    shift's driving + service hours), ``labor``, ``overtime`` (minutes a
    route ends past its shift's nominal end, at the shift's price or
    ``Weights.overtime_per_minute``), ``working_time`` (hours from
    departure to return less breaks, ``Route.work_s``, at
    ``Weights.working_time_per_hour``), ``territory`` (orders served outside
    a technician's preferred territories, ``Weights.outside_territory``
    each); ``total`` is their sum.
    This is the same objective the solver minimises, so plans from
    different solvers compare on equal terms. A crew order of k members is
    a stop in k routes: its unserved penalty counts once, and its lateness,
    preference, reassignment and territory costs are shared (1/k per member stop), so
    its lateness is the mean of its members'.
    """
    weights = problem.weights or DEFAULT_WEIGHTS
    orders = {o.id: o for o in problem.work_orders}
    techs = {t.id: t for t in problem.technicians}
    travel_s = sum(r.travel_s for r in plan.routes)
    lateness = non_preferred = reassigned = territory = 0.0
    busiest_s = 0
    labor = overtime = 0.0
    for route in plan.routes:
        busy = route.travel_s
        for stop in route.stops:
            order = orders[stop.work_order_id]
            busy += order.service_s
            share = 1.0 / order.crew_size  # a crew order's per-stop costs are shared
            deadline = order.start_deadline_s
            if deadline is not None and not order.is_sla_hard and stop.start_s > deadline:
                lateness += weights.lateness_cost(order, stop.start_s - deadline) * share
            if (
                order.preferred_technician_ids
                and route.technician_id not in order.preferred_technician_ids
            ):
                non_preferred += weights.non_preferred_technician * share
            if order.dispatched_technician_id not in (None, route.technician_id):
                reassigned += weights.reassignment * share
            tech = techs[route.technician_id]
            if not tech.is_territory_hard and tech.is_outside_territory(order):
                territory += weights.outside_territory * share
        busiest_s = max(busiest_s, busy)
        tech = techs[route.technician_id]
        labor += (route.end_s - route.start_s) / 3600 * tech.cost_per_hour * weights.labor_cost
        if 0 <= route.shift_index < len(tech.shifts):
            overtime += weights.overtime_cost(tech.shifts[route.shift_index], route.end_s)
    n_vehicles = sum(len(t.shifts) for t in problem.technicians)
    balance = busiest_s / 3600 * weights.workload_balance_per_hour if n_vehicles > 1 else 0.0
    terms = {
        "travel": travel_s / 3600 * weights.travel_per_hour,
        "lateness": lateness,
        "unassigned": sum(
            weights.unassigned_penalty(orders[u.work_order_id]) for u in plan.unassigned
        ),
        "non_preferred": non_preferred,
        "reassignment": reassigned,
        "workload_balance": balance,
        "labor": labor,
        "overtime": overtime,
        "working_time": sum(r.work_s for r in plan.routes) / 3600 * weights.working_time_per_hour,
        "territory": territory,
    }
    terms["total"] = sum(terms.values())
    return terms
