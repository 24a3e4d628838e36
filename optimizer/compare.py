"""What-if comparisons: solve problem documents and compare their KPIs with a base's.

:func:`solve_document` is self-contained (a JSON document in, a JSON-ready
row out) so that it can run in a worker process; :func:`kpi_deltas` compares
two rows. Every figure comes from :func:`optimizer.kpis.compute_kpis`.
"""

from __future__ import annotations

import time as _clock
from collections.abc import Mapping
from typing import Any

from optimizer.check import check_plan
from optimizer.document import load_problem, plan_to_document
from optimizer.kpis import compute_kpis
from optimizer.params import SolveParams
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.solve import solve
from optimizer.validation import find_warnings

COMPARED_KPIS = (
    "assigned_pct",
    "sla_met_pct",
    "sla_met_pct_by_priority",
    "travel_s_total",
    "distance_m_total",
    "workload_cv",
    "objective",
    "unassigned",
)
"""The KPIs of a what-if row, in display order."""


def kpi_row(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The compared KPIs of ``plan`` (:data:`COMPARED_KPIS`).

    Parameters
    ----------
    problem, plan
        A problem and its plan; KPIs are recomputed, not read from ``plan.kpis``.

    Returns
    -------
    dict
        Percentages in 0-100, seconds, metres, points, and counts.
    """
    kpis = compute_kpis(problem, plan)
    return {key: kpis[key] for key in COMPARED_KPIS}


def kpi_deltas(base: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """Variant minus base for each compared KPI.

    Parameters
    ----------
    base, row
        Rows from :func:`kpi_row`.

    Returns
    -------
    dict
        Same keys; ``sla_met_pct_by_priority`` covers the priorities of
        either side, ``None`` where one side has no order of that priority.
        Floats are rounded to 4 decimals.
    """
    deltas: dict[str, Any] = {}
    for key in COMPARED_KPIS:
        if key == "sla_met_pct_by_priority":
            ours, theirs = row[key], base[key]
            deltas[key] = {
                p: _minus(ours[p], theirs[p]) if p in ours and p in theirs else None
                for p in sorted(ours.keys() | theirs.keys())
            }
        else:
            deltas[key] = _minus(row[key], base[key])
    return deltas


def _minus(a: float, b: float) -> float:
    diff = a - b
    return diff if isinstance(diff, int) else round(diff, 4)


def solve_document(
    document: Mapping[str, Any], time_limit_s: float, seed: int = 0, include_plan: bool = False
) -> dict[str, Any]:
    """Read, solve and check one problem document; meant to run in a worker process.

    Parameters
    ----------
    document
        A problem document (parsed JSON), already known to be valid.
    time_limit_s
        Search budget in seconds.
    seed
        Search seed.
    include_plan
        Also return the plan document, with the validator's findings.

    Returns
    -------
    dict
        ``kpis`` (:func:`kpi_row`), ``status`` (solver status),
        ``violations`` (how many rules :func:`optimizer.check.check_plan`
        finds broken; 0 for every plan the solver returns), ``wall_s``,
        ``warnings`` (``{code, field, message}`` of
        :func:`optimizer.validation.find_warnings`, fields in the document)
        and, with ``include_plan``, ``plan``: the plan document plus
        ``violations`` as ``{code, message, work_order_id, technician_id}``.

    Raises
    ------
    InputError
        If the document is invalid.
    """
    started = _clock.perf_counter()
    problem = load_problem(document)
    plan = solve(problem, params=SolveParams(time_limit_s=time_limit_s, seed=seed))
    violations = check_plan(problem, plan)
    row: dict[str, Any] = {
        "kpis": kpi_row(problem, plan),
        "status": plan.stats.status,
        "violations": len(violations),
        "warnings": [
            {"code": w.code, "field": w.field, "message": w.message} for w in find_warnings(problem)
        ],
    }
    if include_plan:
        row["plan"] = plan_to_document(problem, plan) | {
            "violations": [
                {
                    "code": v.code.value,
                    "message": v.message,
                    "work_order_id": v.work_order_id,
                    "technician_id": v.technician_id,
                }
                for v in violations
            ]
        }
    row["wall_s"] = _clock.perf_counter() - started
    return row
