"""KPIs and the objective computed from a hand-built plan (worked by hand in comments)."""

from __future__ import annotations

import pytest

from optimizer import Priority, Weights, compute_kpis, plan_cost
from optimizer.plan import Plan, Route, SlaStatus, SolveStats, Stop, Unassigned, UnassignedReason
from tests.factories import HOUR, order, problem, tech


@pytest.fixture
def prob():
    """T1 and T2 (9 h shifts); W1 (P1, respond by 08:30), W2 (P4), W3 (P2, respond by 09:00)."""
    return problem(
        [tech("T1"), tech("T2")],
        [
            order("W1", priority=Priority.P1, respond_by_s=8 * HOUR + 1800),
            order("W2", priority=Priority.P4),
            order("W3", priority=Priority.P2, respond_by_s=9 * HOUR),
        ],
        weights=Weights(workload_balance_per_hour=0),
    )


@pytest.fixture
def plan():
    """T1 serves W1 (arrives 08:10, 20 min margin: yellow) then W2; W3 unassigned."""
    stops = (
        Stop("W1", 8 * HOUR + 600, 8 * HOUR + 600, 9 * HOUR + 600, 0, 600, 6000, SlaStatus.YELLOW),
        Stop("W2", 9 * HOUR + 600, 9 * HOUR + 600, 10 * HOUR + 600, 0, 0, 0, SlaStatus.NONE),
    )
    route = Route("T1", 0, 8 * HOUR, 10 * HOUR + 600, stops)
    unassigned = (Unassigned("W3", UnassignedReason.CAPACITY_EXHAUSTED),)
    return Plan((route,), unassigned, SolveStats("feasible", 0.0, 0.1, 1.0))


def test_assignment_and_sla_kpis(prob, plan):
    """2 of 3 assigned; SLA: W1 met, W3 unserved counts as breached -> 1/2 = 50%."""
    kpis = compute_kpis(prob, plan)
    assert (kpis["assigned"], kpis["unassigned"], kpis["assigned_pct"]) == (2, 1, 66.67)
    assert (kpis["sla_orders"], kpis["sla_met"], kpis["sla_met_pct"]) == (2, 1, 50.0)
    assert kpis["sla_met_pct_by_priority"] == {"P1": 100.0, "P2": 0.0}
    assert kpis["sla_status_counts"] == {"green": 0, "yellow": 1, "red": 0}


def test_travel_and_workload_kpis(prob, plan):
    """T1 works 08:00-10:10 = 7800 s, T2 0 s: spread 7800 s, CV = 1 (two values, one zero)."""
    kpis = compute_kpis(prob, plan)
    assert kpis["travel_s_total"] == 600 and kpis["distance_m_total"] == 6000
    assert kpis["work_s_by_technician"] == {"T1": 7800, "T2": 0}
    assert kpis["utilisation_by_technician"]["T1"] == round(7800 / (9 * HOUR), 4)
    assert kpis["workload_spread_s"] == 7800
    assert kpis["workload_cv"] == 1.0


def test_objective_terms(prob, plan):
    """Travel 600 s at 60/h = 10; W3 (P2) unassigned = 30000; no lateness: total 30010."""
    terms = plan_cost(prob, plan)
    assert terms["travel"] == pytest.approx(10)
    assert terms["unassigned"] == pytest.approx(30_000)
    assert terms["lateness"] == 0
    assert terms["total"] == pytest.approx(30_010)


def test_lateness_term_uses_priority_weight(prob, plan):
    """W1 (P1, 50 pts/min) starting 10 min past 08:30 adds 500 points."""
    late = Stop("W1", 8 * HOUR + 2400, 8 * HOUR + 2400, 9 * HOUR + 2400, 0, 600, 6000)
    route = plan.routes[0]
    late_plan = Plan(
        (Route("T1", 0, route.start_s, route.end_s, (late, route.stops[1])),),
        plan.unassigned,
        plan.stats,
    )
    assert plan_cost(prob, late_plan)["lateness"] == pytest.approx(500)
