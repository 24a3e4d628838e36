"""The field-service search with crews and linked visits: every plan valid, costs exact."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from optimizer import SolveParams, check_plan, solve
from optimizer.domain import Crew, Dependency, Shift, TimeWindow, WorkOrder
from optimizer.errors import InputError
from optimizer.objective import plan_cost
from optimizer.plan import Plan, SolveStats, UnassignedReason
from optimizer.problem import Problem
from optimizer.search import pipeline
from optimizer.search.links import expand, merge_plan
from optimizer.search.lns.links import LinkedSolution, Links, linked_model
from optimizer.search.lns.search import Neighbourhood
from optimizer.search.lns.solution import CostModel
from optimizer.search.prepare import prepare
from optimizer.search.rules.greedy import rules_routes
from optimizer.search.timing import timing_of
from optimizer.search.writer import write_plan
from tests.factories import HOUR, at, order, problem, tech


def _random_day(seed: int, n_orders: int = 30, n_techs: int = 5) -> Problem:
    rng = random.Random(seed)
    techs = [
        tech(
            f"T{i}",
            start=at(rng.uniform(0, 20), rng.uniform(0, 20)),
            skills={"elec": rng.choice([1, 2, 3])},
            cost_per_hour=rng.choice([0.0, 30.0]),
        )
        for i in range(n_techs)
    ]
    orders: list[WorkOrder] = []
    for i in range(n_orders):
        kw: dict[str, object] = {"priority": rng.choice([1, 2, 3, 4])}
        if i % 7 == 0:
            kw["crew"] = Crew(({"elec": 2}, {}), sync_tolerance_s=rng.choice([0, 600]))
        elif i % 9 == 4:
            kw["dependencies"] = (
                Dependency(
                    f"W{i - 1}",
                    min_delay_s=1800,
                    same_day=True,
                    max_delay_s=rng.choice([None, 4 * HOUR]),
                ),
            )
        if rng.random() < 0.3:
            kw["resolve_by_s"] = rng.randint(10, 14) * HOUR
        if rng.random() < 0.2:
            kw["preferred_technician_ids"] = (f"T{rng.randrange(n_techs)}",)
        orders.append(
            order(
                f"W{i}",
                location=at(rng.uniform(0, 20), rng.uniform(0, 20)),
                service_s=rng.choice([1800, 3600, 5400]),
                **kw,
            )  # type: ignore[arg-type]
        )
    return problem(techs, orders)


def _checked(prob: Problem, **params: object) -> Plan:
    params.setdefault("time_limit_s", 5.0)
    params.setdefault("solution_limit", 60)
    plan = solve(prob, params=SolveParams(**params))  # type: ignore[arg-type]
    assert check_plan(prob, plan) == []
    served = {s.work_order_id for r in plan.routes for s in r.stops}
    left = [u.work_order_id for u in plan.unassigned]
    assert sorted([*served, *left]) == sorted(o.id for o in prob.work_orders)
    return plan


@pytest.mark.parametrize("seed", [1, 2])
def test_random_days_with_crews_and_chains_are_valid(seed: int) -> None:
    prob = _random_day(seed)
    plan = _checked(prob)
    assert plan.stats.engine.endswith("+lns")
    assert plan.kpis["crew_orders"] == 5
    assert plan.kpis["crew_orders_served"] >= 4  # room for them on a quiet day
    assert plan.stats.audit_findings == 0


def test_crew_stop_is_in_each_members_route_at_one_start() -> None:
    techs = [tech("T1", skills={"elec": 3}), tech("T2"), tech("T3", start=at(30))]
    crew = Crew(({"elec": 3}, {}))
    prob = problem(techs, [order("A", crew=crew, windows=(TimeWindow(10 * HOUR, 11 * HOUR),))])
    plan = _checked(prob)
    stops = [(r.technician_id, s) for r in plan.routes for s in r.stops]
    assert sorted(t for t, _ in stops) == ["T1", "T2"]
    assert {s.start_s for _, s in stops} == {10 * HOUR}
    assert all(s.crew == ("T1", "T2") for _, s in stops)


def test_unservable_predecessor_leaves_its_chain_out() -> None:
    techs = [tech("T1")]
    first = order("P", required_skills={"gas": 1})
    then = order("S", dependencies=(Dependency("P"),))
    last = order("U", dependencies=(Dependency("S"),))
    plan = _checked(problem(techs, [first, then, last]))
    reasons = {u.work_order_id: u.reason for u in plan.unassigned}
    assert reasons["P"] is UnassignedReason.NO_QUALIFIED_TECHNICIAN
    assert reasons["S"] is UnassignedReason.PREDECESSOR_UNSERVED
    assert reasons["U"] is UnassignedReason.PREDECESSOR_UNSERVED


def test_same_technician_and_delay_are_kept() -> None:
    techs = [tech("T1"), tech("T2"), tech("T3")]
    first = order("P", location=at(5))
    then = order(
        "S",
        location=at(8),
        dependencies=(Dependency("P", min_delay_s=2 * HOUR, same_technician=True),),
    )
    plan = _checked(problem(techs, [first, then]))
    route_p, route_s = plan.route_of("P"), plan.route_of("S")
    assert route_p is not None and route_p is route_s


def test_successor_fits_within_the_maximum_delay_only() -> None:
    techs = [tech("T1", shifts=(Shift(8 * HOUR, 12 * HOUR),))]
    first = order("P", windows=(TimeWindow(8 * HOUR, 9 * HOUR),))
    then = order("S", dependencies=(Dependency("P", min_delay_s=HOUR, max_delay_s=HOUR),))
    plan = _checked(problem(techs, [first, then]))
    route = plan.route_of("S")
    assert route is not None
    starts = {s.work_order_id: s for s in route.stops}
    assert starts["S"].start_s == starts["P"].end_s + HOUR


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_search_cost_equals_the_objective_of_its_plan(seed: int) -> None:
    prob = _random_day(seed, n_orders=25)
    expanded, spec = expand(prob)
    prepared = prepare(expanded)
    inputs = prepared.inputs
    assert inputs is not None
    lanes, rules = timing_of(inputs)
    links = Links(spec, inputs.index)
    sol = LinkedSolution(
        linked_model(CostModel.build(inputs, lanes, rules), links),
        links,
        Neighbourhood(inputs.index),
        rules_routes(inputs, lanes, rules),
    )
    sol.recreate(sol.unserved_groups(), random.Random(seed))
    stats = SolveStats("feasible", 0.0, None, 0.0)
    draft = write_plan(
        expanded,
        inputs.index,
        lanes,
        sol.model.rules,
        sol.snapshot(),
        prepared.eligibility.reasons,
        stats,
        0.0,
    )
    plan = merge_plan(prob, spec, draft, 0.0)
    assert check_plan(prob, plan) == []
    assert plan_cost(prob, plan)["total"] == pytest.approx(sol.objective(), abs=1e-6)


def test_problems_without_links_never_take_the_linked_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> Plan:
        raise AssertionError("linked path taken")

    monkeypatch.setattr(pipeline, "_linked_plan", refuse)
    prob = _random_day(6)
    plain = replace(
        prob, work_orders=tuple(replace(o, crew=None, dependencies=()) for o in prob.work_orders)
    )
    _checked(plain, time_limit_s=2.0, solution_limit=20)


def test_exact_engines_refuse_crews_and_dependencies() -> None:
    prob = _random_day(7, n_orders=10)
    for engine in ("ortools", "pyvrp"):
        with pytest.raises(InputError) as err:
            solve(prob, params=SolveParams(engine=engine, time_limit_s=1.0))
        assert err.value.field == "params.engine"
        assert "crews or dependencies" in err.value.message


def test_fixed_seed_and_budget_give_the_same_plan() -> None:
    prob = _random_day(8)
    first = _checked(prob, solution_limit=30, time_limit_s=30.0)
    again = _checked(prob, solution_limit=30, time_limit_s=30.0)
    assert first.routes == again.routes


def test_the_audit_counts_crews_once_and_finds_nothing_in_our_plans() -> None:
    from optimizer import audit_plan
    from optimizer.search.rules.greedy import greedy_plan

    prob = _random_day(1, n_orders=40)
    ours = _checked(prob)
    assert audit_plan(prob, ours) == []
    findings = audit_plan(prob, greedy_plan(prob))
    ids = [f.work_order_id for f in findings]
    assert len(ids) == len(set(ids))  # a crew order is one finding, not one per member
    assert all(f.gain_points > 0 for f in findings)


def test_booking_refuses_crews_and_linked_visits_with_a_sentence() -> None:
    from optimizer import recommend

    prob = _random_day(3, n_orders=12, n_techs=3)
    plan = _checked(prob, time_limit_s=2.0, solution_limit=10)
    crew = replace(prob.work_orders[1], id="NEW", crew=Crew(({}, {})), dependencies=())
    with pytest.raises(InputError) as err:
        recommend(prob, plan, crew)
    assert err.value.field == "work_orders[12].crew_size"
    assert "crew of 2" in err.value.message and "solve the day" in err.value.message
    single = replace(crew, crew=None)
    with pytest.raises(InputError) as err:
        recommend(prob, plan, single)
    assert err.value.field == "plan"


def test_score_analysis_counts_a_crew_orders_costs_once() -> None:
    from fractions import Fraction

    from optimizer import analyse_score
    from optimizer.weights import Weights

    weights = Weights(non_preferred_technician=90.0, travel_per_hour=0.0)
    techs = [tech("T1"), tech("T2")]
    crew = order("A", crew=Crew(({}, {}, {})), preferred_technician_ids=("T3",))
    prob = problem([*techs, tech("T3")], [crew], weights=weights)
    plan = _checked(prob)
    analysis = analyse_score(prob, plan)
    assert analysis.terms["non_preferred"] == pytest.approx(60.0)  # 2 of 3 members: 2/3 x 90
    assert analysis.by_order["A"] == pytest.approx(60.0)
    assert sum(e.points for e in analysis.entries) == pytest.approx(analysis.total)
    assert all("crew of 3" in e.sentence for e in analysis.entries if e.work_order_id == "A")
    assert Fraction(analysis.total).limit_denominator(1000) == Fraction(
        round(plan_cost(prob, plan)["total"], 3)
    ).limit_denominator(1000)
