"""Explaining a plan: fixes for every order it leaves out, within a time limit."""

from __future__ import annotations

import time
from dataclasses import replace

from optimizer.check import check_plan
from optimizer.errors import InputError
from optimizer.explain.fixes import FixFinder, FoundFix, OutOfTime
from optimizer.plan import Fix, Plan
from optimizer.problem import Problem
from optimizer.weights import DEFAULT_WEIGHTS

#: Default time for explaining a plan, in seconds.
EXPLAIN_TIME_LIMIT_S = 5.0


def ensure_checked(problem: Problem, plan: Plan) -> None:
    """Raise an input error on ``plan`` unless the validator accepts it.

    Raises
    ------
    InputError
        Field ``plan``: how many rules the plan breaks and the first one.
    """
    violations = check_plan(problem, plan)
    if violations:
        first = violations[0]
        raise InputError.single(
            "plan",
            f"The plan breaks {len(violations)} rule(s) of the problem, the first "
            f"({first.code.value}): {first.message.rstrip('.')}; only a valid plan can be "
            "changed and checked again.",
        )


def find_fixes(
    problem: Problem, plan: Plan, work_order_id: str, *, time_limit_s: float = EXPLAIN_TIME_LIMIT_S
) -> list[FoundFix]:
    """The fixes of one order ``plan`` leaves out, each with its changed problem and plan.

    Parameters
    ----------
    problem
        A valid problem.
    plan
        A plan of it that :func:`optimizer.check_plan` accepts, leaving
        ``work_order_id`` out.
    work_order_id
        The order to explain.
    time_limit_s
        Seconds to search; the fixes found by then are returned.

    Returns
    -------
    list[FoundFix]
        Verified fixes first, by objective change; a verified one carries
        the changed problem and a valid plan of it serving the order.

    Raises
    ------
    InputError
        If ``plan`` is not valid (field ``plan``).
    KeyError
        If ``work_order_id`` is not an order of ``problem``.
    """
    ensure_checked(problem, plan)
    finder = FixFinder(problem, plan, time.perf_counter() + time_limit_s)
    found: list[FoundFix] = []
    try:
        return finder.fixes(work_order_id, found)
    except OutOfTime:
        return found


def explain_plan(
    problem: Problem, plan: Plan, *, time_limit_s: float = EXPLAIN_TIME_LIMIT_S
) -> Plan:
    """``plan`` with ``fixes`` filled for the orders it leaves out.

    Orders are explained most valuable first (unserved penalty) until
    ``time_limit_s`` runs out; an order reached when time ran out keeps the
    fixes found so far, and the orders not reached keep ``fixes=None``.

    Parameters
    ----------
    problem
        A valid problem.
    plan
        A plan of it that :func:`optimizer.check_plan` accepts.
    time_limit_s
        Seconds to spend in all (default 5).

    Returns
    -------
    Plan
        The same plan; each explained :class:`~optimizer.plan.Unassigned`
        has its fixes, verified ones first, cheapest first.

    Raises
    ------
    InputError
        If ``plan`` is not valid (field ``plan``).
    """
    ensure_checked(problem, plan)
    finder = FixFinder(problem, plan, time.perf_counter() + time_limit_s)
    weights = problem.weights or DEFAULT_WEIGHTS
    penalty = {o.id: weights.unassigned_penalty(o) for o in problem.work_orders}
    fixes: dict[str, tuple[Fix, ...]] = {}
    for u in sorted(plan.unassigned, key=lambda u: -penalty[u.work_order_id]):
        found: list[FoundFix] = []
        try:
            finder.fixes(u.work_order_id, found)
        except OutOfTime:
            if found:
                fixes[u.work_order_id] = tuple(f.fix for f in found)
            break
        fixes[u.work_order_id] = tuple(f.fix for f in found)
    return replace(
        plan,
        unassigned=tuple(replace(u, fixes=fixes.get(u.work_order_id)) for u in plan.unassigned),
    )
