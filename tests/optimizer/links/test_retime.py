"""Evaluate with retime: crew members wait for one another, successors for predecessors."""

from __future__ import annotations

from dataclasses import replace

from optimizer import check_plan
from optimizer.domain import Crew, Dependency
from optimizer.plan import Plan, Route, SolveStats, Stop
from optimizer.search.retime import retime_plan
from tests.factories import HOUR, at, order, problem, tech
from tests.optimizer.links.test_search import _checked, _random_day


def _bare(wid: str) -> Stop:
    return Stop(wid, 0, 0, 0, 0, 0, 0)


def test_retimed_crew_starts_together_and_successor_waits() -> None:
    techs = [tech("T1"), tech("T2", start=at(-30))]  # T2 is 30 km further: 50 min later
    crew = order("A", crew=Crew(({}, {})), location=at(6))
    then = order("B", location=at(6), dependencies=(Dependency("A", min_delay_s=HOUR),))
    prob = problem(techs, [crew, then])
    sequences = [
        Route("T1", 0, 0, 0, (_bare("A"), _bare("B"))),
        Route("T2", 0, 0, 0, (_bare("A"),)),
    ]
    plan = retime_plan(prob, Plan(tuple(sequences), (), SolveStats("given", 0.0, None, 0.0)))
    assert check_plan(prob, plan) == []
    stops = {(r.technician_id, s.work_order_id): s for r in plan.routes for s in r.stops}
    assert stops["T1", "A"].start_s == stops["T2", "A"].start_s == 8 * HOUR + 3600
    assert stops["T1", "A"].crew == ("T1", "T2")
    assert stops["T1", "B"].start_s == stops["T1", "A"].end_s + HOUR


def test_retiming_our_plan_keeps_it_valid() -> None:
    prob = _random_day(2, n_orders=25)
    plan = _checked(prob)
    again = retime_plan(prob, replace(plan, kpis={}))
    codes = {v.code.value for v in check_plan(prob, again)}
    assert not {c for c in codes if c.startswith(("crew", "dependency", "predecessor"))}
