"""The sentences of fixes: the change, and what it lets the technician do."""

from __future__ import annotations

from collections.abc import Mapping

from optimizer.domain import Technician, WorkOrder
from optimizer.explain.text import clock, minutes, order_label, points
from optimizer.plan import Fix, FixKind, Route, Stop
from optimizer.problem import Problem
from optimizer.weights import DEFAULT_WEIGHTS


def fix_sentence(problem: Problem, order: WorkOrder, fix: Fix, route: Route, stop: Stop) -> str:
    """One sentence for a verified ``fix`` of ``order``, served at ``stop`` of ``route``."""
    if fix.also is not None:
        return _two_changes(problem, fix, route, stop)
    change = fix.change
    n = (change.minutes or 0) * 60
    tech = route.technician_id
    serves = f"{tech} serves it at {clock(problem, stop.start_s)}"
    if fix.kind is FixKind.WINDOW:
        if change.window_index is None:
            assert order.not_before_s is not None
            return (
                f"Move its not-before time {minutes(n)} earlier, to "
                f"{clock(problem, order.not_before_s - n)}: {serves}."
            )
        w = order.windows[change.window_index]
        span = (
            f"window {change.window_index + 1} "
            f"({clock(problem, w.start_s)}–{clock(problem, w.end_s)})"
        )
        if change.side == "end":
            moved = f"to end {minutes(n)} later, at {clock(problem, w.end_s + n)}"
        else:
            moved = f"to start {minutes(n)} earlier, at {clock(problem, w.start_s - n)}"
        return f"Widen {span} {moved}: {serves}."
    if fix.kind is FixKind.DEADLINE:
        deadlines = [
            f"{name} {clock(problem, t)} → {clock(problem, t + n)}"
            for name, t in (("respond-by", order.respond_by_s), ("resolve-by", order.resolve_by_s))
            if t is not None
        ]
        return (
            f"Move its hard SLA deadline{'s' if len(deadlines) > 1 else ''} {minutes(n)} later "
            f"({', '.join(deadlines)}): {tech} arrives at {clock(problem, stop.arrival_s)} and "
            f"finishes at {clock(problem, stop.end_s)}."
        )
    if fix.kind is FixKind.OVERTIME:
        technician = problem.technician(tech)
        j = change.shift_index or 0
        shift = technician.shifts[j]
        which = f"shift {j + 1}" if len(technician.shifts) > 1 else "shift"
        if change.side == "start":
            return (
                f"Start {tech}'s {which} {minutes(n)} earlier, at "
                f"{clock(problem, shift.start_s - n)}, as overtime: {serves}."
            )
        allowed = shift.max_overtime_s + n
        return (
            f"Raise {tech}'s max overtime in its {which} by {minutes(n)} (to {minutes(allowed)}, "
            f"ending by {clock(problem, shift.latest_end_s + n)}): {serves}."
        )
    if fix.kind is FixKind.BUMP:
        assert change.work_order_id is not None
        bumped = problem.work_order(change.work_order_id)
        weights = problem.weights or DEFAULT_WEIGHTS
        return (
            f"Take {order_label(bumped)} out of {tech}'s route (unserved, it costs "
            f"{points(weights.unassigned_penalty(bumped))}): {serves} instead."
        )
    if fix.kind is FixKind.SKILL:
        technician = problem.technician(tech)
        levels = _levels(technician, change.skills)
        qualified = [
            t.id
            for t in problem.technicians
            if all(t.skills.get(s, 0) >= lvl for s, lvl in order.required_skills.items())
        ]
        if not qualified:
            return f"Nobody has {_needs(order)}: with {tech}'s {levels}, {serves}."
        return (
            f"Only {_names(qualified)} {'has' if len(qualified) == 1 else 'have'} "
            f"{_needs(order)}: with {tech}'s {levels}, {serves}."
        )
    if fix.kind is FixKind.PARTS:
        return f"{tech}'s van lacks {_items(change.parts)}: with them on board, {serves}."
    if fix.kind is FixKind.TERRITORY:
        return f"Add territory {change.territory} to {tech}'s territories: {serves}."
    return f"Lift the order's exclusion of {tech}: {serves}."


def _two_changes(problem: Problem, fix: Fix, route: Route, stop: Stop) -> str:
    """"Two changes together (neither alone is enough): add …, and extend …: T serves it at …"."""
    assert fix.also is not None
    phrases = [_change_phrase(problem, f) for f in (fix, fix.also)]
    return (
        f"Two changes together (neither alone is enough): {phrases[0]}, and {phrases[1]}: "
        f"{route.technician_id} serves it at {clock(problem, stop.start_s)}."
    )


def _change_phrase(problem: Problem, fix: Fix) -> str:
    """The change of one part of a two-change fix, as a clause."""
    change = fix.change
    tech = change.technician_id or ""
    if fix.kind is FixKind.PARTS:
        return f"add {_items(change.parts)} to {tech}'s van"
    if fix.kind is FixKind.SKILL:
        return f"raise {tech}'s {_levels(problem.technician(tech), change.skills)}"
    if fix.kind is FixKind.OVERTIME:
        technician = problem.technician(tech)
        j = change.shift_index or 0
        n = (change.minutes or 0) * 60
        which = f"shift {j + 1}" if len(technician.shifts) > 1 else "shift"
        end = technician.shifts[j].end_s + n
        return (
            f"extend {tech}'s {which} by {minutes(n)} of overtime, to end at "
            f"{clock(problem, end)}"
        )
    return f"{fix.kind.value} for {tech}"


def unverified_skill(order: WorkOrder, tech: Technician) -> str:
    """Nobody has the skills; raising the closest technician alone does not fit the order in."""
    gap = {s: lvl for s, lvl in order.required_skills.items() if tech.skills.get(s, 0) < lvl}
    return (
        f"Nobody has {_needs(order)}; {tech.id} comes closest, but raising its "
        f"{_levels(tech, gap)} alone does not make the order fit in its day."
    )


def unverified_parts(order: WorkOrder, tech: Technician, add: Mapping[str, int]) -> str:
    """No van has the parts; adding them to the nearest one alone does not fit the order in."""
    return (
        f"No qualified technician carries {_items(order.parts)}; {tech.id}'s van lacks "
        f"{_items(add)}, but adding them alone does not make the order fit in its day."
    )


def _needs(order: WorkOrder) -> str:
    return " and ".join(f"{s} at level {lvl}" for s, lvl in sorted(order.required_skills.items()))


def _levels(tech: Technician, skills: Mapping[str, int]) -> str:
    parts = []
    for skill, level in sorted(skills.items()):
        have = tech.skills.get(skill, 0)
        parts.append(f"{skill} from {have} to {level}" if have else f"{skill} to level {level}")
    return " and ".join(parts)


def _names(ids: list[str]) -> str:
    if len(ids) > 3:
        return f"{', '.join(ids[:3])} and {len(ids) - 3} more"
    return " and ".join(ids) if len(ids) <= 2 else f"{ids[0]}, {ids[1]} and {ids[2]}"


def _items(parts: Mapping[str, int]) -> str:
    return ", ".join(f"{qty} × {part}" for part, qty in sorted(parts.items()))
