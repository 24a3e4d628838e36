"""Large problems in parts: the split, the rounds, and the executors that run them."""

from __future__ import annotations

import time
from collections import Counter
from itertools import pairwise

import pytest

from optimizer import SolveParams, check_plan
from optimizer.document import load_problem
from optimizer.search import decomposition, pipeline
from optimizer.search.decomposition import solve_in_parts
from optimizer.search.executor import LocalExecutor, executor_for
from optimizer.search.partition import regions, route_groups
from optimizer.search.progress import Phase, Progress, Reporter
from scenarios.build import build_scenario
from scenarios.params import ScenarioParams

PART = 20


@pytest.fixture(scope="module")
def two_day_problem():
    """8 technicians over 2 days, 90 orders with skills, parts, windows, SLAs and two pins."""
    document = build_scenario(ScenarioParams(n_technicians=8, n_orders=90, n_days=2, seed=4))
    for k, order in enumerate(document["work_orders"][:2]):
        order["pinned_technician_id"] = document["technicians"][k]["id"]
        order.pop("excluded_technician_ids", None)
    return load_problem(document)


def _every_once(problem, parts) -> None:
    techs = Counter(t for p in parts for t in p.technician_ids)
    orders = Counter(o for p in parts for o in p.work_order_ids)
    assert set(techs) == {t.id for t in problem.technicians} and max(techs.values()) == 1
    assert set(orders) == {o.id for o in problem.work_orders} and max(orders.values()) == 1


def test_regions_split_every_technician_and_order_once(two_day_problem):
    """The first split: about PART orders a part, each technician and order in exactly one."""
    parts = regions(two_day_problem, PART)
    assert len(parts) >= 4
    _every_once(two_day_problem, parts)
    assert max(len(p.work_order_ids) for p in parts) <= PART + 2  # + the pinned orders


def test_pinned_orders_go_with_their_technician(two_day_problem):
    """An order pinned to a technician is in that technician's part, in every split."""
    plan = pipeline.run(two_day_problem, params=SolveParams(time_limit_s=5, solution_limit=5))
    for parts in (regions(two_day_problem, PART), route_groups(two_day_problem, plan, PART, 3)):
        _every_once(two_day_problem, parts)
        for order in two_day_problem.work_orders:
            if order.pinned_technician_id:
                (part,) = [p for p in parts if order.id in p.work_order_ids]
                assert order.pinned_technician_id in part.technician_ids


def test_route_groups_keep_each_route_with_its_orders(two_day_problem):
    """Later splits move whole routes: a technician's part holds every order it serves."""
    plan = pipeline.run(two_day_problem, params=SolveParams(time_limit_s=5, solution_limit=5))
    for round_ in (1, 2):
        parts = route_groups(two_day_problem, plan, PART, round_)
        _every_once(two_day_problem, parts)
        for route in plan.routes:
            (part,) = [p for p in parts if route.technician_id in p.technician_ids]
            assert {s.work_order_id for s in route.stops} <= part.work_order_ids


def _in_parts(problem, executor, seconds=60.0, limit=4):
    params = SolveParams(time_limit_s=seconds, solution_limit=limit, seed=3)
    return solve_in_parts(problem, params, executor, pipeline.solve_part, time.perf_counter())


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decomposition, "PART_ORDERS", PART)


@pytest.mark.usefixtures("small_parts")
def test_a_solve_in_parts_is_valid_and_loses_no_order(two_day_problem):
    """Pins, skills, parts and both days survive: the combined plan is valid, each order once."""
    plan = _in_parts(two_day_problem, LocalExecutor(1), seconds=20, limit=None)
    assert check_plan(two_day_problem, plan) == []
    served = [s.work_order_id for r in plan.routes for s in r.stops]
    left = [u.work_order_id for u in plan.unassigned]
    assert sorted(served + left) == sorted(o.id for o in two_day_problem.work_orders)
    assert {r.shift_index for r in plan.routes} == {0, 1}
    for order in two_day_problem.work_orders:
        route = plan.route_of(order.id)
        if order.pinned_technician_id and route is not None:
            assert route.technician_id == order.pinned_technician_id
    assert plan.stats.engine.startswith("parts+lns")
    assert plan.kpis["solve"]["objective"] == round(plan.stats.objective, 3)
    assert plan.stats.audit_findings == 0  # the global audit looked across the parts


@pytest.mark.usefixtures("small_parts")
def test_later_rounds_never_make_the_plan_worse(two_day_problem):
    """Each round keeps a part's new plan only when it is cheaper: objectives never rise."""
    seen: list[float] = []

    def after_round(progress: Progress) -> None:
        if progress.phase is Phase.PARTITION and progress.objective is not None:
            seen.append(progress.objective)

    params = SolveParams(time_limit_s=20, seed=1)
    started = time.perf_counter()
    plan = solve_in_parts(
        two_day_problem,
        params,
        LocalExecutor(1),
        pipeline.solve_part,
        started,
        reporter=Reporter(after_round, started),
    )
    assert check_plan(two_day_problem, plan) == []
    assert len(seen) >= 2
    assert all(b <= a + 1e-6 for a, b in pairwise(seen))


@pytest.mark.usefixtures("small_parts")
def test_two_workers_give_the_plan_of_one(two_day_problem):
    """With a fixed seed and iteration limits, the pool of 2 workers gives the sequential plan."""
    one = _in_parts(two_day_problem, LocalExecutor(1))
    two = _in_parts(two_day_problem, LocalExecutor(2))
    assert check_plan(two_day_problem, two) == []
    assert one.routes == two.routes


@pytest.mark.usefixtures("small_parts")
def test_ray_gives_the_plan_of_the_local_pool(two_day_problem):
    """Ray (a local cluster of 2 CPUs) solves the same parts into the same plan."""
    pytest.importorskip("ray")
    local = _in_parts(two_day_problem, LocalExecutor(2))
    ray_plan = _in_parts(two_day_problem, executor_for("ray", 2))
    assert check_plan(two_day_problem, ray_plan) == []
    assert local.routes == ray_plan.routes


def test_the_rules_engine_dispatches_a_large_problem_region_by_region(
    two_day_problem, monkeypatch: pytest.MonkeyPatch
):
    """Above the split size the rules engine works per region: valid, each order once."""
    from optimizer.search.rules import greedy

    monkeypatch.setattr(greedy, "SPLIT_MIN_ORDERS", 50)
    monkeypatch.setattr(greedy, "PART_ORDERS", PART)
    plan = greedy.greedy_plan(two_day_problem)
    assert check_plan(two_day_problem, plan) == []
    served = [s.work_order_id for r in plan.routes for s in r.stops]
    left = [u.work_order_id for u in plan.unassigned]
    assert sorted(served + left) == sorted(o.id for o in two_day_problem.work_orders)
    assert plan.stats.engine == "greedy"
