"""Score analysis: the objective per order and per technician, summing to it exactly.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from optimizer import Plan, Priority, Problem, Tier, Weights, analyse_score, compute_kpis, plan_cost
from optimizer.document import load_problem
from scenarios import get_scenario
from tests.factories import HOUR, at, order, problem, solve_checked, tech
from tests.strategies import problems


def _assert_exact(prob: Problem, plan: Plan) -> None:
    """Entries, terms, orders and technicians each add up to the KPI objective, in decimal."""
    analysis = analyse_score(prob, plan)
    total = Decimal(repr(analysis.total))
    assert analysis.total == compute_kpis(prob, plan)["objective"]
    assert analysis.total == round(plan_cost(prob, plan)["total"], 3)
    assert sum(Decimal(repr(e.points)) for e in analysis.entries) == total
    assert sum(Decimal(repr(v)) for v in analysis.terms.values()) == total
    parts = [*analysis.by_order.values(), *analysis.by_technician.values()]
    assert sum(Decimal(repr(v)) for v in parts) == total
    for term, value in plan_cost(prob, plan).items():
        if term != "total":
            assert analysis.terms[term] == pytest.approx(value, abs=0.002)


def test_a_late_vip_p1_reads_minutes_times_rate_times_multiplier():
    """25 min past a P1 VIP respond-by: 25 min x 50 x 2 (VIP) = 2,500 points."""
    prob = problem(
        [tech()],
        [order("WO-17", priority=Priority.P1, tier=Tier.VIP, respond_by_s=7 * HOUR + 2700)],
    )
    plan = solve_checked(prob)  # leaves at 08:00, arrives and starts at 08:10
    (late,) = [e for e in analyse_score(prob, plan).entries if e.term == "lateness"]
    assert late.points == 2500.0
    assert (late.work_order_id, late.technician_id) == ("WO-17", "T1")
    assert late.sentence == (
        "WO-17 starts 25 min after its respond-by (7.75 h): 25 min × 50 × 2 (VIP) = 2,500 points."
    )
    _assert_exact(prob, plan)


def test_lateness_past_the_cap_says_so():
    """A P4 370 min late at 10 points a minute: 3,700, capped at half its 3,000-point penalty."""
    prob = problem(
        [tech()],
        [order("W1", priority=Priority.P4, resolve_by_s=3 * HOUR)],
        weights=Weights(late_per_minute_by_priority={1: 50, 2: 20, 3: 5, 4: 10}),
    )
    plan = solve_checked(prob)  # starts 08:10, latest start meeting resolve-by 02:00
    (late,) = [e for e in analyse_score(prob, plan).entries if e.term == "lateness"]
    # 370 min x 10 = 3,700, capped at 0.5 x 3,000 = 1,500
    assert late.points == 1500.0
    assert late.sentence.endswith("= 3,700, capped at 0.5 × its unserved penalty: 1,500 points.")
    _assert_exact(prob, plan)


def test_each_technician_has_its_driving_and_the_busiest_its_balance():
    """Two routes: a travel entry each, one workload-balance entry on the busiest shift."""
    prob = problem(
        [tech("T1", skills={"hvac": 1}), tech("T2")],
        [order("A", required_skills={"hvac": 1}, service_s=2 * HOUR), order("B", location=at(3))],
    )
    plan = solve_checked(prob)
    analysis = analyse_score(prob, plan)
    travel = {e.technician_id: e for e in analysis.entries if e.term == "travel"}
    assert set(travel) == {"T1", "T2"}
    assert travel["T1"].points == 10.0  # 10 min out, no way home, 60 points an hour
    assert travel["T1"].sentence == "T1 drives 10 min at 60 points/h: 10 points."
    (balance,) = [e for e in analysis.entries if e.term == "workload_balance"]
    assert balance.technician_id == "T1"
    assert balance.points == pytest.approx(130 / 60 * 10, abs=0.001)
    _assert_exact(prob, plan)


def test_an_unserved_vip_order_shows_its_multiplier():
    """An unserved P3 VIP: 10,000 x 2 (VIP) = 20,000 points, in by_order."""
    prob = problem([tech()], [order("W1", tier=Tier.VIP, required_skills={"gas": 1})])
    plan = solve_checked(prob)
    analysis = analyse_score(prob, plan)
    (entry,) = analysis.entries
    assert entry.sentence == "W1 (P3, VIP) is not served: 10,000 × 2 (VIP) = 20,000 points."
    assert analysis.by_order == {"W1": 20000.0}
    _assert_exact(prob, plan)


@pytest.mark.parametrize("name", ["metro-small", "overloaded", "vip-windows", "p1-surge"])
def test_the_analysis_of_scenario_plans_sums_to_the_objective(name: str):
    """On committed scenarios the entries add up to the objective exactly."""
    prob = load_problem(get_scenario(name).load())
    _assert_exact(prob, solve_checked(prob, time_limit_s=3, solution_limit=40))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_analysis_of_random_plans_sums_to_the_objective(prob: Problem):
    """On random problems the entries add up to the objective exactly."""
    _assert_exact(prob, solve_checked(prob, time_limit_s=5, solution_limit=30))
