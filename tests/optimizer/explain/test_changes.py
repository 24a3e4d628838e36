"""apply_fix: each kind of fix changes exactly what it says, and nothing else."""

from __future__ import annotations

import pytest

from optimizer import Fix, FixChange, FixKind, Shift, TimeWindow, apply_fix
from tests.factories import HOUR, order, problem, tech, window


def _fix(kind: FixKind, **change) -> Fix:
    return Fix(kind, "", None, False, FixChange(**change))


PROB = problem(
    [
        tech("T1", skills={"hvac": 1}, van_stock={"valve": 1}),
        tech("T2", shifts=(Shift(8 * HOUR, 12 * HOUR), Shift(32 * HOUR, 36 * HOUR))),
    ],
    [
        order(
            "W1",
            windows=(window(9, 10), window(14, 15)),
            respond_by_s=11 * HOUR,
            resolve_by_s=12 * HOUR,
            not_before_s=9 * HOUR,
            excluded_technician_ids=("T1", "T2"),
        ),
        order("W2"),
    ],
)


def test_a_window_end_moves_later_and_its_start_earlier():
    """Window 2 ends 30 min later; window 1 starts 15 min earlier; others unchanged."""
    later = apply_fix(PROB, "W1", _fix(FixKind.WINDOW, window_index=1, side="end", minutes=30))
    assert later.work_order("W1").windows == (window(9, 10), window(14, 15.5))
    earlier = apply_fix(PROB, "W1", _fix(FixKind.WINDOW, window_index=0, side="start", minutes=15))
    assert earlier.work_order("W1").windows == (
        TimeWindow(8 * HOUR + 2700, 10 * HOUR),
        window(14, 15),
    )
    assert later.work_order("W2") == PROB.work_order("W2")


def test_the_not_before_time_moves_earlier():
    """window_index None is the not-before time: 09:00 becomes 08:20."""
    changed = apply_fix(PROB, "W1", _fix(FixKind.WINDOW, side="start", minutes=40))
    assert changed.work_order("W1").not_before_s == 8 * HOUR + 1200


def test_both_deadlines_move_later():
    """Respond-by and resolve-by both move 25 min later."""
    changed = apply_fix(PROB, "W1", _fix(FixKind.DEADLINE, minutes=25)).work_order("W1")
    assert (changed.respond_by_s, changed.resolve_by_s) == (11 * HOUR + 1500, 12 * HOUR + 1500)


def test_overtime_changes_one_shift_of_one_technician():
    """T2's second shift allows 45 min more overtime; its first shift and T1 stay as they were."""
    fix = _fix(FixKind.OVERTIME, technician_id="T2", shift_index=1, side="end", minutes=45)
    changed = apply_fix(PROB, "W1", fix)
    assert changed.technician("T2").shifts == (
        Shift(8 * HOUR, 12 * HOUR),
        Shift(32 * HOUR, 36 * HOUR, max_overtime_s=2700),
    )
    again = apply_fix(changed, "W1", fix).technician("T2").shifts[1]
    assert (again.end_s, again.max_overtime_s) == (36 * HOUR, 5400)
    assert changed.technician("T1") == PROB.technician("T1")


def test_skills_parts_and_exclusions_change_the_named_technician_or_order():
    """hvac 3 for T1; two more valves in T1's van; T2 no longer excluded by W1."""
    skilled = apply_fix(PROB, "W1", _fix(FixKind.SKILL, technician_id="T1", skills={"hvac": 3}))
    assert dict(skilled.technician("T1").skills) == {"hvac": 3}
    stocked = apply_fix(PROB, "W1", _fix(FixKind.PARTS, technician_id="T1", parts={"valve": 2}))
    assert dict(stocked.technician("T1").van_stock) == {"valve": 3}
    allowed = apply_fix(PROB, "W1", _fix(FixKind.EXCLUSION, technician_id="T2"))
    assert allowed.work_order("W1").excluded_technician_ids == ("T1",)


def test_a_bump_leaves_the_problem_alone_and_a_missing_field_is_an_error():
    """A bump changes the plan, not the problem; an overtime without minutes is refused."""
    assert apply_fix(PROB, "W1", _fix(FixKind.BUMP, work_order_id="W2")) is PROB
    with pytest.raises(ValueError, match=r"This fix needs change\.minutes\."):
        apply_fix(PROB, "W1", _fix(FixKind.OVERTIME, technician_id="T1", shift_index=0))
