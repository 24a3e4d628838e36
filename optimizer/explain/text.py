"""How explanations print times, durations and points in their sentences."""

from __future__ import annotations

from optimizer.domain import Tier, WorkOrder
from optimizer.problem import Problem

_DAY_S = 86_400


def clock(problem: Problem, t_s: int) -> str:
    """``t_s`` (seconds from the epoch) on the problem's local clock: ``11:45``.

    Local time is the problem's :class:`~optimizer.clock.Clock` (its time
    zone, daylight saving included). The weekday is added (``Tue 11:45``)
    when the problem's shifts span more than one day; without an epoch,
    hours from it (``3.75 h``).
    """
    if problem.epoch is None:
        return f"{t_s / 3600:.2f} h"
    when = problem.clock.at(t_s)
    ends = [s.end_s for t in problem.technicians for s in t.shifts]
    multi_day = bool(ends) and max(ends) > _DAY_S
    return when.strftime("%a %H:%M" if multi_day else "%H:%M")


def minutes(duration_s: float) -> str:
    """A duration in minutes: ``25 min``, ``25.5 min``."""
    value = duration_s / 60
    return f"{value:,.0f} min" if value == round(value) else f"{value:,.1f} min"


def number(value: float) -> str:
    """A number with thousands separators and at most two decimals: ``2,500``, ``12.75``."""
    if value == round(value):
        return f"{value:,.0f}"
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".")


def points(value: float) -> str:
    """Points as a sentence prints them: ``2,500 points``, ``1 point``."""
    return f"{number(value)} point{'' if value == 1 else 's'}"


def order_label(order: WorkOrder) -> str:
    """``WO-17 (P2, VIP)``."""
    tier = "VIP" if order.tier is Tier.VIP else "standard"
    return f"{order.id} (P{int(order.priority)}, {tier})"
