"""Applying a fix to a problem: the one place that says what each kind of fix changes.

A :class:`~optimizer.plan.Fix` describes its change in machine-readable form
(:class:`~optimizer.plan.FixChange`); :func:`apply_fix` makes the changed
problem. The fix search (:mod:`optimizer.explain.fixes`) uses it to try each
candidate and to verify the one it reports, and callers (and the tests) use
it to apply a reported fix themselves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from optimizer.domain import Technician, TimeWindow, WorkOrder
from optimizer.plan import Fix, FixKind
from optimizer.problem import Problem

_T = TypeVar("_T")


def apply_fix(problem: Problem, work_order_id: str, fix: Fix) -> Problem:
    """Return ``problem`` with the change of ``fix`` made for the order ``work_order_id``.

    Parameters
    ----------
    problem
        The problem the fix was found for.
    work_order_id
        The unserved order the fix is for.
    fix
        The fix; a ``bump`` changes the plan, not the problem, so the problem
        comes back unchanged. A two-change fix makes its ``also`` change too.

    Returns
    -------
    Problem
        A new problem; ``problem`` is not modified.

    Raises
    ------
    KeyError
        If the order or the technician named by the fix is not in ``problem``.
    ValueError
        If the change lacks a field its kind needs.
    """
    changed = _apply_one(problem, work_order_id, fix)
    return changed if fix.also is None else apply_fix(changed, work_order_id, fix.also)


def _apply_one(problem: Problem, work_order_id: str, fix: Fix) -> Problem:
    """The change of ``fix`` itself (not its ``also``)."""
    change = fix.change
    kind = fix.kind
    if kind in (FixKind.BUMP, FixKind.DEPOT):  # a change of the plan, not of the problem
        return problem
    if kind in (FixKind.WINDOW, FixKind.DEADLINE, FixKind.EXCLUSION):
        order = problem.work_order(work_order_id)
        if kind is FixKind.EXCLUSION:
            tech_id = _needed(change.technician_id, "technician_id")
            changed = replace(
                order,
                excluded_technician_ids=tuple(
                    t for t in order.excluded_technician_ids if t != tech_id
                ),
            )
        elif kind is FixKind.DEADLINE:
            changed = moved_deadlines(order, _needed(change.minutes, "minutes") * 60)
        else:
            changed = widened(
                order, change.window_index, change.side or "end", _needed(change.minutes, "minutes")
            )
        return _with_order(problem, changed)
    tech = problem.technician(_needed(change.technician_id, "technician_id"))
    if kind is FixKind.OVERTIME:
        shift_index = _needed(change.shift_index, "shift_index")
        changed_tech = extended(
            tech, shift_index, change.side or "end", _needed(change.minutes, "minutes")
        )
    elif kind is FixKind.SKILL:
        changed_tech = replace(tech, skills={**tech.skills, **change.skills})
    elif kind is FixKind.TERRITORY:
        territory = _needed(change.territory, "territory")
        if territory not in tech.territories:
            changed_tech = replace(tech, territories=(*tech.territories, territory))
        else:
            changed_tech = tech
    else:  # parts
        stock = dict(tech.van_stock)
        for part, qty in change.parts.items():
            stock[part] = stock.get(part, 0) + qty
        changed_tech = replace(tech, van_stock=stock)
    return _with_technician(problem, changed_tech)


def widened(order: WorkOrder, window_index: int | None, side: str, minutes: int) -> WorkOrder:
    """``order`` with window ``window_index`` (``None``: its not-before) widened by ``minutes``.

    ``side="end"`` moves the window's end later, ``"start"`` its start
    earlier; a not-before time can only move earlier.
    """
    delta = minutes * 60
    if window_index is None:
        if order.not_before_s is None:
            raise ValueError(f"Work order {order.id} has no not-before time to move.")
        return replace(order, not_before_s=order.not_before_s - delta)
    windows = list(order.windows)
    w = windows[window_index]
    windows[window_index] = (
        TimeWindow(w.start_s, w.end_s + delta)
        if side == "end"
        else TimeWindow(w.start_s - delta, w.end_s)
    )
    return replace(order, windows=tuple(windows))


def moved_deadlines(order: WorkOrder, delta_s: int) -> WorkOrder:
    """``order`` with its SLA deadlines (whichever it has) ``delta_s`` seconds later."""
    return replace(
        order,
        respond_by_s=None if order.respond_by_s is None else order.respond_by_s + delta_s,
        resolve_by_s=None if order.resolve_by_s is None else order.resolve_by_s + delta_s,
    )


def extended(tech: Technician, shift_index: int, side: str, minutes: int) -> Technician:
    """``tech`` with shift ``shift_index`` ``minutes`` longer.

    ``side="end"`` raises the shift's allowed overtime by ``minutes`` (its
    nominal end stays, so every minute past it is priced as overtime);
    ``"start"`` moves its start earlier.
    """
    shifts = list(tech.shifts)
    shift = shifts[shift_index]
    delta = minutes * 60
    shifts[shift_index] = (
        replace(shift, max_overtime_s=shift.max_overtime_s + delta)
        if side == "end"
        else replace(shift, start_s=shift.start_s - delta)
    )
    return replace(tech, shifts=tuple(shifts))


def _with_order(problem: Problem, order: WorkOrder) -> Problem:
    orders = tuple(order if o.id == order.id else o for o in problem.work_orders)
    return replace(problem, work_orders=orders)


def _with_technician(problem: Problem, tech: Technician) -> Problem:
    techs = tuple(tech if t.id == tech.id else t for t in problem.technicians)
    return replace(problem, technicians=techs)


def _needed(value: _T | None, name: str) -> _T:
    if value is None:
        raise ValueError(f"This fix needs change.{name}.")
    return value
