"""Re-planning with crews: a member falls ill, the crew is re-planned or reported."""

from __future__ import annotations

import pytest

from optimizer import SolveParams, check_plan, reoptimize
from optimizer.domain import Crew, Dependency
from optimizer.plan import UnassignedReason
from optimizer.replan.events import TechnicianUnavailable
from tests.factories import HOUR, at, order, problem, tech
from tests.optimizer.links.test_search import _checked, _random_day

PARAMS = SolveParams(time_limit_s=3.0, solution_limit=20)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_ill_crew_member_is_replaced_and_the_plan_stays_valid(seed: int) -> None:
    prob = _random_day(seed, n_orders=30)
    plan = _checked(prob, time_limit_s=3.0, solution_limit=30)
    member = next(r.technician_id for r in plan.routes for s in r.stops if s.crew)
    for now in (9 * HOUR, 12 * HOUR):
        result = reoptimize(prob, plan, now, [TechnicianUnavailable(member, now)], params=PARAMS)
        assert check_plan(result.problem, result.plan) == []
        served = {s.work_order_id for r in result.plan.routes for s in r.stops}
        left = [u.work_order_id for u in result.plan.unassigned]
        assert sorted([*served, *left]) == sorted(o.id for o in prob.work_orders)
        late = [s for r in result.plan.routes if r.technician_id == member for s in r.stops]
        assert all(s.start_s < now for s in late)


def test_a_crew_nobody_can_fill_any_more_is_reported_with_what_follows() -> None:
    techs = [tech("T1", skills={"gas": 2}), tech("T2", skills={"gas": 2}), tech("T3")]
    crew = order("A", crew=Crew(({"gas": 2}, {"gas": 2})), location=at(6))
    then = order("B", location=at(7), dependencies=(Dependency("A", min_delay_s=HOUR),))
    other = order("C", location=at(3))
    prob = problem(techs, [crew, then, other])
    plan = _checked(prob)
    assert {r.technician_id for r in plan.routes if any(s.crew for s in r.stops)} == {"T1", "T2"}
    start = next(s.start_s for r in plan.routes for s in r.stops if s.work_order_id == "A")
    now = start - 1200
    result = reoptimize(prob, plan, now, [TechnicianUnavailable("T2", now)], params=PARAMS)
    assert check_plan(result.problem, result.plan) == []
    reasons = {u.work_order_id: u for u in result.plan.unassigned}
    assert reasons["A"].reason is UnassignedReason.NO_QUALIFIED_TECHNICIAN
    assert "crew of 2" in reasons["A"].detail
    assert reasons["B"].reason is UnassignedReason.PREDECESSOR_UNSERVED
