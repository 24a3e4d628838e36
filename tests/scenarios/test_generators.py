"""Scenario generators: determinism per seed, parameter checks, valid documents, set shapes."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from optimizer import Priority, SolveParams, Tier, check_plan, solve
from optimizer.document import load_problem
from optimizer.domain import GeoPoint, WorkOrder
from optimizer.plan import Plan, UnassignedReason
from optimizer.problem import Problem
from optimizer.search.rules.greedy import greedy_plan
from optimizer.weights import DEFAULT_WEIGHTS
from scenarios.generators import (
    COMMITTED_SETS,
    DATA_DIR,
    SCENARIO_SETS,
    generate,
    main,
    scenario_params,
)
from scenarios.geography import LYON, METROS, Metro
from scenarios.params import ScenarioParams

HOUR = 3600


@pytest.fixture(scope="module")
def problems() -> dict[str, Problem]:
    """Every set at its default seed, loaded (metro-large: 200 technicians, 2,000 orders)."""
    return {name: load_problem(generate(name)) for name in SCENARIO_SETS}


def _local(problem: Problem, t_s: int) -> datetime:
    assert problem.epoch is not None
    return problem.epoch + timedelta(seconds=t_s)


def _in_box(metro: Metro, point: object) -> bool:
    assert isinstance(point, GeoPoint)
    return metro.contains(point.lat, point.lon)


def _is_qualified_with_parts(problem: Problem, order: WorkOrder) -> bool:
    return any(
        all(t.skills.get(s, 0) >= lvl for s, lvl in order.required_skills.items())
        and all(t.van_stock.get(p, 0) >= q for p, q in order.parts.items())
        for t in problem.technicians
    )


def _shift_hours(problem: Problem) -> float:
    return (
        sum(
            s.end_s - s.start_s - sum(b.duration_s for b in s.breaks)
            for t in problem.technicians
            for s in t.shifts
        )
        / HOUR
    )


# --- every set ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SCENARIO_SETS))
def test_every_set_passes_input_validation_with_its_size(name, problems):
    """Each set loads through load_problem with the technician and order counts of its params."""
    params = SCENARIO_SETS[name].params
    problem = problems[name]
    assert len(problem.technicians) == params.n_technicians
    assert len(problem.work_orders) == params.n_orders
    assert all(len(t.shifts) == params.n_days for t in problem.technicians)


@pytest.mark.parametrize("name", COMMITTED_SETS)
@pytest.mark.parametrize("seed", [1, 2, 3, 17])
def test_other_seeds_pass_input_validation(name, seed):
    """Small sets generated with other seeds also load without an input error."""
    problem = load_problem(generate(name, seed=seed))
    assert len(problem.work_orders) == SCENARIO_SETS[name].params.n_orders


@pytest.mark.parametrize("name", list(SCENARIO_SETS))
def test_same_seed_gives_the_same_document(name):
    """Generating a set twice with one seed gives equal documents."""
    assert generate(name, seed=11) == generate(name, seed=11)


@pytest.mark.parametrize("name", list(SCENARIO_SETS))
def test_different_seeds_give_different_documents(name):
    """Seeds 0 and 1 of a set differ."""
    assert generate(name, seed=0) != generate(name, seed=1)


def test_committed_documents_are_the_default_seed():
    """scenarios/data/<set>.json equals generate(set) for every committed set; --check agrees."""
    for name in COMMITTED_SETS:
        on_disk = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == generate(name), name
    assert main(["--check"]) == 0


def test_every_set_has_a_purpose_line_and_a_default_seed():
    """Each set has a one-line purpose and default params with a seed >= 0."""
    for name, entry in SCENARIO_SETS.items():
        assert entry.purpose.strip() and "\n" not in entry.purpose, name
        assert entry.params.seed >= 0


def test_unknown_set_is_a_key_error_listing_the_known_sets():
    """generate('atlantis') raises KeyError naming the known sets."""
    with pytest.raises(KeyError, match=r"Unknown scenario set: atlantis\. Known sets: metro-small"):
        generate("atlantis")


def test_seed_replaces_only_the_seed():
    """scenario_params(name, seed) is the set's params with that seed."""
    params = scenario_params("week", seed=9)
    assert params.seed == 9
    assert params.n_days == SCENARIO_SETS["week"].params.n_days


# --- parameter validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_technicians": 0}, "n_technicians: 0 must be an integer of at least 1"),
        ({"n_orders": -5}, "n_orders: -5 must be an integer of at least 1"),
        ({"seed": -1}, "seed: -1 must be an integer >= 0"),
        ({"metro": "atlantis"}, "metro: 'atlantis' must be one of lyon, paris, rhone-alpes"),
        ({"n_days": 11}, "n_days: 11 must be an integer from 1 to 10"),
        ({"start_date": date(2026, 11, 22)}, "start_date: '2026-11-22' must be a weekday"),
        ({"vip_share": 1.5}, "vip_share: 1.5 must be a share between 0 and 1"),
        ({"appointment_share": math.nan}, "appointment_share: nan must be a share"),
        ({"priority_mix": (0.5, 0.5, 0.5, 0.0)}, r"priority_mix: \(0.5, 0.5, 0.5, 0.0\) must sum"),
        ({"priority_mix": (1.0, 0.0, 0.0)}, "priority_mix: .* must be four shares"),
        ({"vip_window_min": 5}, "vip_window_min: 5 must be 15 to 240 minutes"),
        ({"service_scale": 0.0}, "service_scale: 0.0 must be between 0.2 and 3"),
        ({"rare_skill": "juggling"}, "rare_skill: 'juggling' must be one of"),
        ({"rare_skill_technicians": 11}, r"rare_skill_technicians: 11 must be from 1 to n_tech"),
        ({"surge_end": time(8, 0)}, "surge_end: '08:00:00' must be after surge_start"),
    ],
)
def test_params_name_the_bad_field_and_value(changes, message):
    """An out-of-range parameter raises ValueError naming the field and the value."""
    with pytest.raises(ValueError, match=f"Invalid scenario parameter {message}"):
        ScenarioParams(**changes)


# --- what a scenario looks like ----------------------------------------------------------------


@pytest.mark.parametrize("name", [*COMMITTED_SETS, "metro-medium", "week"])
def test_every_order_has_a_qualified_technician_with_its_parts(name, problems):
    """Some technician has each order's skills at the level and carries its parts."""
    problem = problems[name]
    assert all(_is_qualified_with_parts(problem, o) for o in problem.work_orders)


def test_real_geography_depots_and_home_based_technicians(problems):
    """Every set stays in its metro's box (Lyon, Paris, the region); several depots and homes."""
    for name, problem in problems.items():
        metro = METROS[SCENARIO_SETS[name].params.metro]
        assert all(_in_box(metro, o.location) for o in problem.work_orders), name
        assert all(_in_box(metro, t.start) for t in problem.technicians), name
    small = problems["metro-small"]
    depots = {(d.lat, d.lon) for d in LYON.depots}
    starts = [(t.start.lat, t.start.lon) for t in small.technicians]  # type: ignore[union-attr]
    assert len({s for s in starts if s in depots}) >= 2  # several depots
    assert any(s not in depots for s in starts)  # technicians starting from home
    assert all(t.end == t.start for t in small.technicians)


def test_first_day_is_a_fixed_monday_with_the_metro_offset(problems):
    """Shifts start on Monday 2026-11-23 at UTC+01:00, with a 30-min lunch in 11:30-14:00."""
    problem = problems["metro-small"]
    assert problem.epoch is not None
    assert problem.epoch.date() == date(2026, 11, 23)
    assert problem.epoch.utcoffset() == timedelta(hours=1)
    for tech in problem.technicians:
        (brk,) = tech.shifts[0].breaks
        assert brk.duration_s == 1800
        assert _local(problem, brk.window.start_s).time() == time(11, 30)
        assert _local(problem, brk.window.end_s).time() == time(14, 0)


def test_skill_mix_has_levels_and_a_priority_mix(problems):
    """metro-medium has technicians at levels 1-3, orders needing levels 1-3, and P1-P4 and VIP."""
    problem = problems["metro-medium"]
    tech_levels = {lvl for t in problem.technicians for lvl in t.skills.values()}
    order_levels = {lvl for o in problem.work_orders for lvl in o.required_skills.values()}
    assert tech_levels == order_levels == {1, 2, 3}
    assert {o.priority for o in problem.work_orders} == set(Priority)
    assert any(o.tier is Tier.VIP for o in problem.work_orders)
    assert any(o.parts for o in problem.work_orders)


def test_sla_deadlines_follow_the_policies(problems):
    """P1: respond-by only (VIP within 2 h of the plan); P2: due the first day (VIP 13:00)."""
    problem = problems["metro-medium"]
    first_day = date(2026, 11, 23)
    for order in problem.work_orders:
        if order.priority is Priority.P1:
            assert order.respond_by_s is not None and order.resolve_by_s is None
            assert not order.windows
            due = _local(problem, order.respond_by_s)
            latest = time(9, 45) if order.tier is Tier.VIP else time(11, 45)
            assert due.date() == first_day and time(8, 0) <= due.time() <= latest
        else:
            assert order.resolve_by_s is not None and order.respond_by_s is None
            due = _local(problem, order.resolve_by_s)
            assert due.time() == (time(13, 0) if order.tier is Tier.VIP else time(18, 0)) or (
                order.priority is not Priority.P2 and due.time() == time(18, 0)
            )
            if order.priority is Priority.P2:
                assert due.date() == first_day
            assert due.date() >= first_day  # nothing is already overdue


def test_appointment_windows_are_am_or_pm_before_the_deadline(problems):
    """metro-small windows are 08:00-12:00 or 12:00-16:00 and end before a same-day deadline."""
    problem = problems["metro-small"]
    spans = Counter()
    for order in problem.work_orders:
        for window in order.windows:
            start, end = _local(problem, window.start_s), _local(problem, window.end_s)
            spans[(start.time(), end.time())] += 1
            if order.resolve_by_s is not None:
                assert window.start_s + order.service_s <= order.resolve_by_s
    assert set(spans) == {(time(8), time(12)), (time(12), time(16))}


def test_week_spreads_appointments_over_five_days(problems):
    """week: 20 technicians x 5 shifts Monday-Friday; windows fall on all five days."""
    problem = problems["week"]
    days = {_local(problem, s.start_s).date() for t in problem.technicians for s in t.shifts}
    assert days == {date(2026, 11, 23) + timedelta(days=k) for k in range(5)}
    window_days = {
        _local(problem, w.start_s).date() for o in problem.work_orders for w in o.windows
    }
    assert window_days == days


def test_skills_scarce_makes_the_rare_skill_the_bottleneck(problems):
    """skills-scarce: exactly 2 technicians hold gas; 15-35% of orders need gas at level >= 2."""
    problem = problems["skills-scarce"]
    assert sum("gas" in t.skills for t in problem.technicians) == 2
    gas = [o for o in problem.work_orders if "gas" in o.required_skills]
    assert 0.15 <= len(gas) / len(problem.work_orders) <= 0.35
    assert all(o.required_skills["gas"] >= 2 for o in gas)


def test_p1_surge_is_a_burst_released_when_reported(problems):
    """p1-surge: 27 P1 orders released 09:00-11:00, respond-by 4 h later (VIP 2 h)."""
    problem = problems["p1-surge"]
    surge = [o for o in problem.work_orders if o.not_before_s is not None]
    assert len(surge) == 27
    for order in surge:
        assert order.priority is Priority.P1
        assert time(9) <= _local(problem, order.not_before_s).time() <= time(11)
        hours = 2 if order.tier is Tier.VIP else 4
        assert order.respond_by_s == order.not_before_s + hours * HOUR


def test_vip_windows_are_one_hour_wide(problems):
    """vip-windows: about a third VIP; every non-P1 VIP order has one 60-minute window."""
    problem = problems["vip-windows"]
    vips = [o for o in problem.work_orders if o.tier is Tier.VIP]
    assert 0.2 <= len(vips) / len(problem.work_orders) <= 0.5
    booked = [o for o in vips if o.priority is not Priority.P1]
    assert booked
    for order in booked:
        assert [w.end_s - w.start_s for w in order.windows] in ([HOUR], [])
    assert sum(bool(o.windows) for o in booked) >= len(booked) - 1


@pytest.mark.parametrize("seed", range(5))
def test_overloaded_demand_exceeds_capacity_but_urgent_work_fits(seed):
    """overloaded: on-site hours exceed shift hours; P1, P2 and VIP need under half of them."""
    problem = load_problem(generate("overloaded", seed=seed))
    capacity = _shift_hours(problem)
    service = sum(o.service_s for o in problem.work_orders) / HOUR
    urgent = sum(
        o.service_s for o in problem.work_orders if o.priority <= Priority.P2 or o.tier is Tier.VIP
    )
    assert service > 1.05 * capacity
    assert urgent / HOUR < 0.5 * capacity


def _dropped_for_capacity(problem: Problem, plan: Plan) -> list[WorkOrder]:
    return [
        problem.work_order(u.work_order_id)
        for u in plan.unassigned
        if u.reason is UnassignedReason.CAPACITY_EXHAUSTED
    ]


def _served_share(problem: Problem, plan: Plan, priority: Priority) -> float:
    orders = [o for o in problem.work_orders if o.priority is priority]
    return sum(o.id in plan.assigned_ids for o in orders) / len(orders)


def test_overloaded_greedy_drops_only_p3_and_p4(problems):
    """The baseline serves every P1 and P2, drops only P3/P4 for capacity, P3 before P4."""
    problem = problems["overloaded"]
    plan = greedy_plan(problem)
    assert check_plan(problem, plan) == []
    dropped = _dropped_for_capacity(problem, plan)
    assert dropped
    assert {o.priority for o in dropped} <= {Priority.P3, Priority.P4}
    assert _served_share(problem, plan, Priority.P3) >= _served_share(problem, plan, Priority.P4)


def test_overloaded_solver_drop_order_follows_the_objective(problems):
    """Ours (seed 0, 100 solutions) serves every P1/P2 and drops cheaper work than it serves.

    Not a theorem but a regression check of the search at a fixed budget:
    a heuristic may keep a P4 over a P3 when time windows force it, and with
    only 50 improving solutions it still drops two P2 orders on this
    instance (its first solutions cost more than the baseline's). At 100 the
    plan costs no more than the baseline's, drops no P1/P2, and the dropped
    orders' mean unserved penalty is below the served orders'.
    """
    problem = problems["overloaded"]
    plan = solve(problem, params=SolveParams(time_limit_s=60, solution_limit=100))
    assert check_plan(problem, plan) == []
    dropped = _dropped_for_capacity(problem, plan)
    assert dropped
    assert {o.priority for o in dropped} <= {Priority.P3, Priority.P4}
    penalty = DEFAULT_WEIGHTS.unassigned_penalty
    served = [o for o in problem.work_orders if o.id in plan.assigned_ids]
    mean_dropped = sum(map(penalty, dropped)) / len(dropped)
    assert mean_dropped < sum(map(penalty, served)) / len(served)
    assert plan.kpis["objective"] <= greedy_plan(problem).kpis["objective"]


def test_nightly_short_asks_more_of_the_same_fleet_with_about_5_percent_p1():
    """``nightly-short``: the nightly fleet and orders, on-site work 0.9x+ the net shift hours."""

    def on_site_share(problem: Problem) -> float:
        shift_s = sum(
            s.end_s - s.start_s - sum(b.duration_s for b in s.breaks)
            for t in problem.technicians
            for s in t.shifts
        )
        return sum(o.service_s for o in problem.work_orders) / shift_s

    short = load_problem(generate("nightly-short"))
    nightly = load_problem(generate("nightly"))
    assert len(short.technicians) == len(nightly.technicians) == 1000
    assert len(short.work_orders) == 10_000
    assert on_site_share(short) >= 0.9
    assert on_site_share(short) >= 1.15 * on_site_share(nightly)
    p1 = sum(o.priority.name == "P1" for o in short.work_orders) / len(short.work_orders)
    assert 0.04 <= p1 <= 0.06
