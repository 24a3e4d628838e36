"""Trade-off curves: sweep one weight over a log grid, solve each point, keep the non-dominated.

:func:`tradeoff` multiplies one weight of the problem (a per-priority
weight as a whole) by factors spread evenly on a log scale between ``low``
and ``high``, solves the problem under each (in parallel processes), and
measures each plan on two axes: what the swept weight prices (``lateness_min``
for ``late_per_minute``, ...) and what it is traded against (``travel_h``
by default). A point is dominated when another is no worse on both axes
and better on one.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from optimizer.check import check_plan
from optimizer.compare import kpi_row
from optimizer.errors import InputError, InputIssue
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.solve import solve
from optimizer.validation import validate_problem
from optimizer.weights import DEFAULT_WEIGHTS, Weights

#: Weights that can be swept, each with the measure it prices; per-priority
#: weights (``late_per_minute``, ``unassigned``) are scaled as a whole.
SWEEPS: dict[str, str] = {
    "late_per_minute": "lateness_min",
    "travel_per_hour": "travel_h",
    "unassigned": "unassigned",
    "workload_balance_per_hour": "busiest_h",
    "non_preferred_technician": "non_preferred",
    "reassignment": "reassigned",
    "labor_cost": "labor",
}
#: What each measure counts (all lower is better).
MEASURES: dict[str, str] = {
    "lateness_min": "minutes past soft SLA deadlines, served orders, uncapped",
    "travel_h": "hours of driving",
    "unassigned": "orders left out",
    "busiest_h": "hours of driving and service of the busiest shift",
    "non_preferred": "orders served by a technician they do not prefer",
    "reassigned": "orders moved from the technician they were dispatched to",
    "labor": "labour cost (cost_per_hour x route hours)",
}
_FIELDS = {
    "late_per_minute": "late_per_minute_by_priority",
    "unassigned": "unassigned_by_priority",
}
MAX_POINTS = 12
"""Most points of one sweep."""


@dataclass(frozen=True, slots=True)
class TradeoffPoint:
    """One solved point: its factor, the weight's value, the measures and KPIs of its plan.

    ``value`` is the swept weight (a number, or per priority ``{1: ..}``);
    ``measures`` holds every measure of :data:`MEASURES`; ``kpis`` the
    compared KPIs of :func:`optimizer.compare.kpi_row` (``objective`` under
    the point's own weights); ``violations`` the validator's count (0).
    """

    factor: float
    value: float | dict[int, float]
    measures: dict[str, float]
    kpis: dict[str, Any]
    violations: int


@dataclass(frozen=True, slots=True)
class Tradeoff:
    """A sweep: the non-dominated ``points`` (by factor) and the ``dominated`` ones."""

    sweep: str
    measure: str
    against: str
    points: tuple[TradeoffPoint, ...]
    dominated: tuple[TradeoffPoint, ...]


def log_grid(low: float, high: float, points: int) -> list[float]:
    """``points`` factors from ``low`` to ``high``, evenly spaced on a log scale (3 digits)."""
    if points == 1:
        return [low]
    step = (math.log(high) - math.log(low)) / (points - 1)
    return [float(f"{math.exp(math.log(low) + i * step):.3g}") for i in range(points)]


def swept_weights(weights: Weights, sweep: str, factor: float) -> Weights:
    """``weights`` with the weight ``sweep`` multiplied by ``factor``."""
    name = _FIELDS.get(sweep, sweep)
    value = getattr(weights, name)
    scaled: float | dict[int, float] = (
        {p: w * factor for p, w in value.items()} if isinstance(value, dict) else value * factor
    )
    return replace(weights, **{name: scaled})  # type: ignore[arg-type]


def measures(problem: Problem, plan: Plan) -> dict[str, float]:
    """Every measure of :data:`MEASURES` for ``plan``."""
    orders = {o.id: o for o in problem.work_orders}
    techs = {t.id: t for t in problem.technicians}
    late_s = busiest = non_preferred = reassigned = 0
    labor = 0.0
    for route in plan.routes:
        busy = route.travel_s
        for stop in route.stops:
            order = orders[stop.work_order_id]
            busy += order.service_s
            deadline = order.start_deadline_s
            if deadline is not None and not order.is_sla_hard:
                late_s += max(0, stop.start_s - deadline)
            preferred = order.preferred_technician_ids
            non_preferred += bool(preferred) and route.technician_id not in preferred
            reassigned += order.dispatched_technician_id not in (None, route.technician_id)
        busiest = max(busiest, busy)
        labor += (route.end_s - route.start_s) / 3600 * techs[route.technician_id].cost_per_hour
    return {
        "lateness_min": round(late_s / 60, 2),
        "travel_h": round(sum(r.travel_s for r in plan.routes) / 3600, 3),
        "unassigned": len(plan.unassigned),
        "busiest_h": round(busiest / 3600, 3),
        "non_preferred": non_preferred,
        "reassigned": reassigned,
        "labor": round(labor, 2),
    }


def solve_point(problem: Problem, time_limit_s: float, seed: int) -> dict[str, Any]:
    """Solve one point and measure it (run in a worker process)."""
    plan = solve(problem, params=SolveParams(time_limit_s=time_limit_s, seed=seed))
    return {
        "measures": measures(problem, plan),
        "kpis": kpi_row(problem, plan),
        "violations": len(check_plan(problem, plan)),
    }


def tradeoff(
    problem: Problem,
    sweep: str,
    *,
    points: int = 6,
    low: float = 0.1,
    high: float = 10.0,
    against: str | None = None,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    executor: Executor | None = None,
) -> Tradeoff:
    """Sweep the weight ``sweep`` and return the trade-off against ``against``.

    Parameters
    ----------
    problem
        A valid problem; its weights (or the defaults) are the base.
    sweep
        A key of :data:`SWEEPS`.
    points
        Factors on the grid (1 … :data:`MAX_POINTS`, default 6).
    low, high
        Smallest and largest factor (default 0.1 and 10; ``0 < low <= high``).
    against
        A key of :data:`MEASURES` other than the swept one; default
        ``travel_h`` (``lateness_min`` when sweeping travel).
    time_limit_s
        Seconds per solve.
    seed
        Seed of every solve.
    workers
        Points solved at once, each in its own process (1: in this one).
    executor
        Where the points are solved when ``workers`` > 1: a long-lived pool
        of the caller's (a server's); ``None``: processes started for this
        call.

    Returns
    -------
    Tradeoff

    Raises
    ------
    InputError
        Naming ``sweep``, ``against``, ``points``, ``low`` or ``high``: an
        unknown name, a grid out of range, a base weight of 0 (a multiple of
        it sweeps nothing) or weights too large for the problem at a factor.
    """
    weights = problem.weights or DEFAULT_WEIGHTS
    measure = SWEEPS.get(sweep, "")
    against = against or ("lateness_min" if sweep == "travel_per_hour" else "travel_h")
    _check_request(weights, sweep, measure, against, points, low, high)
    factors = log_grid(low, high, points)
    problems = [replace(problem, weights=swept_weights(weights, sweep, f)) for f in factors]
    for factor, variant in zip(factors, problems, strict=True):
        issues = validate_problem(variant)
        if issues:
            raise InputError.single(
                "high" if factor > 1 else "low",
                f"At factor {factor:g} of {sweep}: {issues[0].message}",
            )
    if workers > 1 and points > 1 and executor is not None:
        futures = [executor.submit(solve_point, p, time_limit_s, seed) for p in problems]
        rows = [f.result() for f in futures]
    elif workers > 1 and points > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(workers, points), mp_context=context) as pool:
            futures = [pool.submit(solve_point, p, time_limit_s, seed) for p in problems]
            rows = [f.result() for f in futures]
    else:
        rows = [solve_point(p, time_limit_s, seed) for p in problems]
    solved = [
        TradeoffPoint(
            factor,
            _value(variant.weights or weights, sweep),
            row["measures"],
            row["kpis"],
            row["violations"],
        )
        for factor, variant, row in zip(factors, problems, rows, strict=True)
    ]
    dominated = [
        any(_dominates(q.measures, p.measures, measure, against) for q in solved) for p in solved
    ]
    keep = tuple(p for p, out in zip(solved, dominated, strict=True) if not out)
    dropped = tuple(p for p, out in zip(solved, dominated, strict=True) if out)
    return Tradeoff(sweep, measure, against, keep, dropped)


def _check_request(
    weights: Weights, sweep: str, measure: str, against: str, points: int, low: float, high: float
) -> None:
    issues = []
    if not measure:
        issues.append(
            InputIssue("sweep", f"Unknown sweep {sweep!r}: it must be one of {', '.join(SWEEPS)}.")
        )
    elif _is_zero(getattr(weights, _FIELDS.get(sweep, sweep))):
        issues.append(
            InputIssue(
                "sweep",
                f"The problem's weight {sweep} is 0: a multiple of it sweeps nothing; give it "
                "a value in the problem's weights first.",
            )
        )
    if against not in MEASURES or against == measure:
        issues.append(
            InputIssue(
                "against",
                f"Invalid measure against: {against!r} must be one of "
                f"{', '.join(m for m in MEASURES if m != measure)}.",
            )
        )
    if not 1 <= points <= MAX_POINTS:
        issues.append(
            InputIssue("points", f"Invalid points: {points} must be from 1 to {MAX_POINTS}.")
        )
    if not (0 < low <= high and math.isfinite(high)):
        issues.append(
            InputIssue("high", f"Invalid grid: low {low:g} and high {high:g} need 0 < low <= high.")
        )
    if issues:
        raise InputError(issues)


def _is_zero(value: float | Mapping[int, float]) -> bool:
    if isinstance(value, Mapping):
        return not any(value.values())
    return not value


def _value(weights: Weights, sweep: str) -> float | dict[int, float]:
    value = getattr(weights, _FIELDS.get(sweep, sweep))
    return dict(value) if isinstance(value, dict) else float(value)


def _dominates(a: dict[str, float], b: dict[str, float], x: str, y: str) -> bool:
    """Whether ``a`` is no worse than ``b`` on ``x`` and ``y`` and better on one."""
    return a[x] <= b[x] and a[y] <= b[y] and (a[x] < b[x] or a[y] < b[y])
