"""The rules engine with crews and dependencies: valid plans, common starts, predecessors first."""

from __future__ import annotations

import pytest

from optimizer import check_plan
from optimizer.domain import Crew, Dependency, TimeWindow
from optimizer.plan import UnassignedReason
from optimizer.search.rules.greedy import greedy_plan
from tests.factories import HOUR, at, order, problem, tech
from tests.optimizer.links.test_search import _random_day


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rules_engine_plans_with_links_are_valid(seed: int) -> None:
    prob = _random_day(seed, n_orders=40)
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    assert plan.stats.engine == "greedy"
    assert plan.kpis["crew_orders_served"] >= 3


def test_crew_goes_where_two_qualified_technicians_share_the_earliest_start() -> None:
    techs = [
        tech("T1", skills={"elec": 3}),
        tech("T2", start=at(6)),  # next door: could start at 08:00 alone
        tech("T3", skills={"elec": 3}, start=at(60)),  # qualified but an hour and more away
    ]
    prob = problem(techs, [order("A", crew=Crew(({"elec": 3}, {})))])
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    stops = [(r.technician_id, s) for r in plan.routes for s in r.stops]
    assert sorted(t for t, _ in stops) == ["T1", "T2"]
    assert {s.start_s for _, s in stops} == {8 * HOUR + 600}  # T1's drive sets the start


def test_predecessor_is_scheduled_first_even_when_less_urgent() -> None:
    techs = [tech("T1")]
    inspect = order("I", priority=4, location=at(3))
    install = order(
        "X",
        priority=1,
        location=at(3),
        dependencies=(Dependency("I", HOUR),),
        windows=(TimeWindow(8 * HOUR, 16 * HOUR),),
    )
    plan = greedy_plan(problem(techs, [inspect, install]))
    assert check_plan(problem(techs, [inspect, install]), plan) == []
    stops = {s.work_order_id: s for r in plan.routes for s in r.stops}
    assert stops["X"].start_s >= stops["I"].end_s + HOUR


def test_rules_engine_leaves_the_successor_of_an_unserved_order_out() -> None:
    prob = problem(
        [tech("T1")],
        [order("P", required_skills={"gas": 1}), order("S", dependencies=(Dependency("P"),))],
    )
    plan = greedy_plan(prob)
    assert check_plan(prob, plan) == []
    reasons = {u.work_order_id: u.reason for u in plan.unassigned}
    assert reasons["S"] is UnassignedReason.PREDECESSOR_UNSERVED
