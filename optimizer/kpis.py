"""The one KPI function: assigned %, SLA met %, travel, workload spread, solve statistics."""

from __future__ import annotations

import statistics
from typing import Any

from optimizer.objective import plan_cost
from optimizer.plan import Plan, SlaStatus
from optimizer.problem import Problem
from optimizer.sla import sla_margin_s


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 100.0


def compute_kpis(problem: Problem, plan: Plan) -> dict[str, Any]:
    """Key figures of ``plan``; the only definition used by the CLI, API and benchmarks.

    Returns
    -------
    dict
        ``orders``, ``assigned``, ``unassigned``, ``assigned_pct``;
        ``sla_orders`` (orders with a deadline), ``sla_met``, ``sla_met_pct``
        (an unserved order with a deadline counts as breached) and
        ``sla_met_pct_by_priority`` (``"P1"``..``"P4"``);
        ``sla_status_counts`` (green/yellow/red among served orders);
        ``travel_s_total``, ``travel_s_mean`` (per technician with work),
        ``distance_m_total``, ``distance_m_mean``;
        ``working_s_total`` (paid time: departure to return, waiting
        included, breaks excluded, all routes), ``service_s_total``,
        ``wait_s_total`` (waiting for windows, breaks
        excluded) and ``break_s_total``: with the travel total, the split of
        all work;
        ``work_s_by_technician`` (clock time less breaks, all shifts) and
        ``utilisation_by_technician`` (work / shift time, 0-1);
        ``overtime_s_total`` (seconds routes end past their shifts'
        nominal ends, allowed overtime);
        ``workload_spread_s`` (max - min work) and ``workload_cv``
        (coefficient of variation) over all technicians;
        ``objective`` (points, :func:`optimizer.objective.plan_cost`) and
        ``solve`` (status, objective, first_solution_s, wall_s);
        for a problem with depots only: ``depot_stops`` (visits, all
        routes), ``depot_s_total`` (time loading at depots) and
        ``depot_parts_loaded`` (part to quantity taken from the depots);
        for problems with crews or dependencies, the figures of
        :func:`_link_kpis`.
    """
    stops = {s.work_order_id: s for r in plan.routes for s in r.stops}
    sla_orders = sla_met = 0
    by_priority: dict[str, list[int]] = {f"P{p}": [0, 0] for p in range(1, 5)}
    for order in problem.work_orders:
        if order.respond_by_s is None and order.resolve_by_s is None:
            continue
        stop = stops.get(order.id)
        margin = sla_margin_s(order, stop.arrival_s, stop.end_s) if stop else None
        met = margin is not None and margin >= 0
        sla_orders += 1
        sla_met += met
        counts = by_priority[f"P{int(order.priority)}"]
        counts[0] += 1
        counts[1] += met
    status_counts = {s.value: 0 for s in (SlaStatus.GREEN, SlaStatus.YELLOW, SlaStatus.RED)}
    for stop in stops.values():
        if stop.sla_status is not SlaStatus.NONE:
            status_counts[stop.sla_status.value] += 1
    techs = {t.id: t for t in problem.technicians}
    overtime = sum(
        techs[r.technician_id].shifts[r.shift_index].overtime_s(r.end_s)
        for r in plan.routes
        if r.technician_id in techs and 0 <= r.shift_index < len(techs[r.technician_id].shifts)
    )
    work = {t.id: 0 for t in problem.technicians}
    shift_s = {t.id: sum(s.end_s - s.start_s for s in t.shifts) for t in problem.technicians}
    for route in plan.routes:
        work[route.technician_id] += route.work_s
    active = [r for r in plan.routes if r.stops]
    travel_total = sum(r.travel_s for r in plan.routes)
    distance_total = sum(r.distance_m for r in plan.routes)
    loads = list(work.values())
    mean_load = statistics.fmean(loads) if loads else 0.0
    n = len(problem.work_orders)
    out: dict[str, Any] = {
        "orders": n,
        "assigned": len(stops),
        "unassigned": len(plan.unassigned),
        "assigned_pct": _pct(len(stops), n),
        "sla_orders": sla_orders,
        "sla_met": sla_met,
        "sla_met_pct": _pct(sla_met, sla_orders),
        "sla_met_pct_by_priority": {p: _pct(c[1], c[0]) for p, c in by_priority.items() if c[0]},
        "sla_status_counts": status_counts,
        "travel_s_total": travel_total,
        "travel_s_mean": round(travel_total / len(active), 1) if active else 0.0,
        "distance_m_total": distance_total,
        "distance_m_mean": round(distance_total / len(active), 1) if active else 0.0,
        "working_s_total": sum(r.work_s for r in plan.routes),
        "service_s_total": sum(r.service_s for r in plan.routes),
        "wait_s_total": sum(r.wait_s for r in plan.routes),
        "break_s_total": sum(r.break_s for r in plan.routes),
        "work_s_by_technician": work,
        "utilisation_by_technician": {
            t: round(work[t] / shift_s[t], 4) if shift_s[t] else 0.0 for t in work
        },
        "overtime_s_total": overtime,
        "workload_spread_s": (max(loads) - min(loads)) if loads else 0,
        "workload_cv": round(statistics.pstdev(loads) / mean_load, 4) if mean_load else 0.0,
        "objective": round(plan_cost(problem, plan)["total"], 3),
        "solve": {
            "status": plan.stats.status,
            "objective": round(plan.stats.objective, 3),
            "first_solution_s": plan.stats.first_solution_s,
            "wall_s": round(plan.stats.wall_s, 3),
        },
    }
    if problem.depots:
        out.update(_depot_kpis(plan))
    if problem.has_links:
        out.update(_link_kpis(problem, plan, set(stops)))
    return out


def _depot_kpis(plan: Plan) -> dict[str, Any]:
    """Depot stops, time loading and parts taken, over all routes."""
    loaded: dict[str, int] = {}
    for route in plan.routes:
        for stop in route.depot_stops:
            for part, qty in stop.loaded_parts.items():
                loaded[part] = loaded.get(part, 0) + qty
    return {
        "depot_stops": sum(len(r.depot_stops) for r in plan.routes),
        "depot_s_total": sum(r.depot_s for r in plan.routes),
        "depot_parts_loaded": dict(sorted(loaded.items())),
    }


def _link_kpis(problem: Problem, plan: Plan, served: set[str]) -> dict[str, Any]:
    """Crew and linked-visit figures (only for problems that have them).

    ``crew_orders``/``crew_orders_served``; ``crew_s_total``: technician
    seconds on crew orders (service x members); ``linked_orders`` (orders
    that follow another) and ``linked_orders_served``.
    """
    crews = {o.id for o in problem.work_orders if o.crew is not None}
    linked = {o.id for o in problem.work_orders if o.dependencies}
    return {
        "crew_orders": len(crews),
        "crew_orders_served": len(crews & served),
        "crew_s_total": sum(
            s.end_s - s.start_s for r in plan.routes for s in r.stops if s.work_order_id in crews
        ),
        "linked_orders": len(linked),
        "linked_orders_served": len(linked & served),
    }
