"""The single entry point: ``solve(problem) -> Plan``.

Which engines search, and how they are chained, is decided by
:mod:`optimizer.search.pipeline`.
"""

from __future__ import annotations

from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.search.pipeline import Phase as Phase
from optimizer.search.pipeline import Progress as Progress
from optimizer.search.pipeline import ProgressCallback as ProgressCallback
from optimizer.search.pipeline import run


def solve(
    problem: Problem,
    *,
    params: SolveParams | None = None,
    initial_plan: Plan | None = None,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    """Assign and sequence the work orders of ``problem``.

    Parameters
    ----------
    problem
        The problem; it is validated first.
    params
        Search parameters (default :class:`SolveParams`: 10 s, seed 0).
    initial_plan
        A previous plan to start from (warm start); orders and technicians
        it names that are not in ``problem`` are ignored.
    on_progress
        Called with a :class:`Progress` on entering each phase, on each new
        best plan, and at least every 0.25 s while the solve works (the
        first call comes at its start); return ``True`` to stop: the best
        plan so far is returned (the rules engine's when the search has
        none yet).

    Returns
    -------
    Plan
        Routes, unassigned orders with reasons, KPIs and solve statistics.
        An infeasible request is not an error: what cannot be served is
        listed in ``Plan.unassigned``.

    Raises
    ------
    InputError
        If the problem is invalid (every issue is listed).
    """
    return run(problem, params=params, initial_plan=initial_plan, on_progress=on_progress)
