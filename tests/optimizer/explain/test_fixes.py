"""Fixes of unserved orders: the smallest single change, verified by the validator.

Problems are planar at 10 m/s (6 km = 600 s); times are seconds from midnight.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from optimizer import (
    FixKind,
    InputError,
    Plan,
    Priority,
    Problem,
    Shift,
    Weights,
    apply_fix,
    check_plan,
    explain_plan,
    find_fixes,
)
from optimizer.document import load_problem
from scenarios import get_scenario
from tests.factories import HOUR, at, order, problem, solve_checked, tech, window
from tests.strategies import problems


def _by_kind(prob: Problem, order_id: str) -> dict[FixKind, object]:
    plan = solve_checked(prob)
    assert order_id in {u.work_order_id for u in plan.unassigned}
    return {f.fix.kind: f for f in find_fixes(prob, plan, order_id)}


def _assert_serves(prob: Problem, order_id: str, found) -> None:
    """The fix applied to the problem has a valid plan serving the order."""
    changed = apply_fix(prob, order_id, found.fix)
    assert check_plan(changed, found.plan) == []
    assert found.plan.route_of(order_id) is not None


def test_a_window_before_the_shift_is_widened_or_the_shift_starts_earlier():
    """A 06:00-06:30 window 10 min away from an 08:00 start: +100 min either way."""
    prob = problem([tech()], [order("W1", windows=(window(6, 6.5),))])
    fixes = _by_kind(prob, "W1")
    widen = fixes[FixKind.WINDOW]
    assert (widen.fix.change.window_index, widen.fix.change.side) == (0, "end")
    assert widen.fix.change.minutes == 100  # arrival 08:10 = 06:30 + 100 min
    assert widen.fix.verified and widen.fix.cost_delta < 0
    assert widen.fix.detail == (
        "Widen window 1 (6.00 h–6.50 h) to end 100 min later, at 8.17 h: T1 serves it at 8.17 h."
    )
    early = fixes[FixKind.OVERTIME]
    assert (early.fix.change.technician_id, early.fix.change.side) == ("T1", "start")
    assert early.fix.change.minutes == 100  # leave at 06:20 to arrive at 06:30
    for found in fixes.values():
        _assert_serves(prob, "W1", found)


def test_a_hard_deadline_moves_by_the_minutes_missing():
    """Respond by 08:05 when the earliest arrival is 08:10: the deadline moves 5 min."""
    prob = problem([tech()], [order("W1", respond_by_s=8 * HOUR + 300, is_sla_hard=True)])
    found = _by_kind(prob, "W1")[FixKind.DEADLINE]
    assert found.fix.change.minutes == 5
    assert found.fix.verified
    _assert_serves(prob, "W1", found)


def test_overtime_extends_the_shift_end_by_what_the_order_runs_over():
    """Two hours from 16:00 and 10 min home: the 17:00 shift needs 70 min more."""
    prob = problem([tech(end=at(0))], [order("W1", service_s=2 * HOUR, windows=(window(16, 16),))])
    found = _by_kind(prob, "W1")[FixKind.OVERTIME]
    assert (found.fix.change.side, found.fix.change.minutes) == ("end", 70)
    _assert_serves(prob, "W1", found)
    # The fix is the real overtime feature: 70 min allowed past 17:00, priced at the
    # default 2 points a minute (140 points) on top of the order's own cost.
    changed = apply_fix(prob, "W1", found.fix).technician("T1").shifts[0]
    assert (changed.end_s, changed.max_overtime_s) == (17 * HOUR, 70 * 60)
    assert found.plan.kpis["overtime_s_total"] == 70 * 60
    assert "Raise T1's max overtime" in found.fix.detail


def test_a_lower_priority_order_is_bumped_at_a_cost():
    """A far P3 is worth less than a near P4 here; bumping the P4 serves it for +200 points."""
    weights = Weights(
        travel_per_hour=600,  # 10 points a minute
        unassigned_by_priority={1: 100_000, 2: 30_000, 3: 1_500, 4: 900},
        workload_balance_per_hour=0,
    )
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 12 * HOUR),), end=at(0))],
        [
            order("NEAR", service_s=2 * HOUR, priority=Priority.P4),
            order("FAR", location=at(30), service_s=2 * HOUR),
        ],
        weights=weights,
    )
    found = _by_kind(prob, "FAR")[FixKind.BUMP]
    assert found.fix.change.work_order_id == "NEAR"
    # -1,500 (FAR served) + 900 (NEAR left out) + 10 x (100 - 20) driving minutes
    assert found.fix.cost_delta == pytest.approx(200)
    assert found.plan.route_of("NEAR") is None
    _assert_serves(prob, "FAR", found)


def test_a_skill_nobody_has_is_given_to_the_closest_technician():
    """Electrical 2 is needed, T1 has level 1 and T2 none: T1 is raised to 2."""
    prob = problem(
        [tech("T1", skills={"electrical": 1}), tech("T2")],
        [order("W1", required_skills={"electrical": 2})],
    )
    found = _by_kind(prob, "W1")[FixKind.SKILL]
    assert found.fix.change.technician_id == "T1"
    assert dict(found.fix.change.skills) == {"electrical": 2}
    assert found.fix.detail.startswith("Nobody has electrical at level 2: with T1's electrical")
    _assert_serves(prob, "W1", found)


def test_a_missing_part_is_added_to_the_van():
    """Nobody carries the valve: one is added to T1's van."""
    prob = problem([tech()], [order("W1", parts={"valve": 1})])
    found = _by_kind(prob, "W1")[FixKind.PARTS]
    assert (found.fix.change.technician_id, dict(found.fix.change.parts)) == ("T1", {"valve": 1})
    assert found.fix.detail.startswith("T1's van lacks 1 × valve")
    _assert_serves(prob, "W1", found)


def test_an_exclusion_of_the_only_technician_is_lifted():
    """The order excludes T1, the only technician: lifting the exclusion serves it."""
    prob = problem([tech()], [order("W1", excluded_technician_ids=("T1",))])
    found = _by_kind(prob, "W1")[FixKind.EXCLUSION]
    assert found.fix.change.technician_id == "T1"
    _assert_serves(prob, "W1", found)


def test_a_skill_fix_that_cannot_fit_is_reported_unverified():
    """Nobody has gas and the only technician's day is full: the fix names the gap, unverified."""
    prob = problem(
        [tech(shifts=(Shift(8 * HOUR, 10 * HOUR),))],
        [
            order("BUSY", location=at(0.5), service_s=2 * HOUR - 120, priority=Priority.P1),
            order("GAS", location=at(0.5), required_skills={"gas": 1}),
        ],
    )
    found = _by_kind(prob, "GAS")[FixKind.SKILL]
    assert not found.fix.verified and found.fix.cost_delta is None and found.plan is None
    assert found.fix.detail == (
        "Nobody has gas at level 1; T1 comes closest, but raising its gas to level 1 "
        "alone does not make the order fit in its day."
    )


def test_explain_fills_the_fixes_of_every_unserved_order():
    """explain_plan keeps the plan and gives each unserved order its list of fixes."""
    prob = problem([tech()], [order("W1", parts={"valve": 1}), order("W2", location=at(1))])
    plan = solve_checked(prob)
    explained = explain_plan(prob, plan)
    assert explained.routes == plan.routes
    (unserved,) = explained.unassigned
    assert [f.kind for f in unserved.fixes] == [FixKind.PARTS]
    assert check_plan(prob, explained) == []


def test_explain_without_time_leaves_the_fixes_unknown():
    """With no time at all, no order is explained: every fixes is None, not empty."""
    prob = problem([tech()], [order("W1", parts={"valve": 1})])
    plan = solve_checked(prob)
    explained = explain_plan(prob, plan, time_limit_s=0)
    assert [u.fixes for u in explained.unassigned] == [None]


def test_an_invalid_plan_is_refused():
    """A plan the validator rejects is an input error on the field plan."""
    prob = problem([tech()], [order("W1", parts={"valve": 1})])
    plan = solve_checked(prob)
    bad = Plan(plan.routes, (), plan.stats)  # W1 neither served nor listed
    with pytest.raises(InputError) as info:
        explain_plan(prob, bad)
    assert info.value.field == "plan"
    assert info.value.message == (
        "The plan breaks 1 rule(s) of the problem, the first (missing_work_order): Work order "
        "W1 is neither served in a route nor listed as unassigned; only a valid plan can be "
        "changed and checked again."
    )


FIX_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FIX_SETTINGS
@given(problems())
def test_every_verified_fix_applied_to_the_problem_serves_the_order(prob: Problem):
    """On random problems, each verified fix's change has a valid plan that serves the order."""
    plan = solve_checked(prob, time_limit_s=5, solution_limit=30)
    for u in plan.unassigned:
        for found in find_fixes(prob, plan, u.work_order_id, time_limit_s=5):
            if found.fix.verified:
                _assert_serves(prob, u.work_order_id, found)
            else:
                assert found.fix.cost_delta is None and found.plan is None


@pytest.mark.parametrize(
    "name", ["lyon-small", "metro-small", "skills-scarce", "overloaded", "vip-windows"]
)
def test_fixes_on_the_committed_scenarios_serve_their_orders(name: str):
    """On the committed scenarios, every verified fix applied serves its order, validly."""
    prob = load_problem(get_scenario(name).load())
    plan = solve_checked(prob, time_limit_s=3, solution_limit=40)
    explained = explain_plan(prob, plan, time_limit_s=20)
    fixes = 0
    for u in explained.unassigned:
        assert u.fixes is not None
        for fix in u.fixes:
            if fix.verified:
                fixes += 1
                changed = apply_fix(prob, u.work_order_id, fix)
                (found,) = [
                    f
                    for f in find_fixes(prob, plan, u.work_order_id)
                    if f.fix.kind is fix.kind and f.fix.verified
                ]
                assert found.fix == fix
                assert check_plan(changed, found.plan) == []
                assert found.plan.route_of(u.work_order_id) is not None
    assert fixes or not plan.unassigned or name == "lyon-small"


def test_a_part_taken_by_an_equal_priority_order_gets_a_two_change_fix():
    """Issue 23's case: only T-037 has gas 2; its one thermocouple goes to P1 WO-0125 and its
    short shift is full. Neither a thermocouple alone nor overtime alone serves P1 WO-0140:
    the fix is both, marked (``also``) and verified like the others.
    """
    prob = problem(
        [
            tech(
                "T-037",
                shifts=(Shift(8 * HOUR, 10 * HOUR + 1200),),
                skills={"gas": 2},
                van_stock={"thermocouple": 1},
            ),
            tech("T-001", start=at(1)),
        ],
        [
            order("WO-0125", priority=Priority.P1, parts={"thermocouple": 1}),
            order("WO-0202", priority=Priority.P1, required_skills={"gas": 2}),
            order(
                "WO-0140",
                priority=Priority.P1,
                required_skills={"gas": 2},
                parts={"thermocouple": 1},
            ),
        ],
    )
    plan = solve_checked(prob)
    (left,) = plan.unassigned
    assert left.work_order_id == "WO-0140"
    assert left.reason.value == "parts_taken_by_other_order"
    found = find_fixes(prob, plan, "WO-0140")
    two = [f for f in found if f.fix.also is not None]
    assert two and two[0].fix.verified
    fix = two[0].fix
    assert (fix.kind, fix.change.parts, fix.also.kind) == (
        FixKind.PARTS,
        {"thermocouple": 1},
        FixKind.OVERTIME,
    )
    assert fix.also.change.technician_id == "T-037" and fix.also.change.minutes == 50
    assert fix.detail.startswith(
        "Two changes together (neither alone is enough): add 1 × thermocouple to T-037's van, "
        "and extend T-037's shift by 50 min of overtime, to end at "
    )
    _assert_serves(prob, "WO-0140", two[0])
    assert not any(f.fix.verified for f in found if f.fix.also is None)
    explained = explain_plan(prob, plan)
    from optimizer.document import plan_from_document, plan_to_document

    doc = plan_to_document(prob, explained)
    assert any("also" in f for f in doc["unassigned"][0]["fixes"])
    assert plan_from_document(prob, doc) == explained
