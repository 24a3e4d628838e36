"""Synchronous plans: solve (``POST /v1/plans``), check (``/evaluate``), explain (``/explain``)."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, HTTPException

from api.deps import SettingsDep
from api.mapping import (
    evaluation_to_out,
    plan_from_in,
    plan_to_out,
    retimed_plan_from_in,
    to_domain,
)
from api.metrics import record_solve
from api.schemas.common import ErrorOut
from api.schemas.plans import EvaluateOut, EvaluateRequest, ExplainRequest, PlanOut, PlanRequest
from api.solve_slots import SolveSlots, SolveSlotsDep
from api.time_limits import below_minimum_warning, capped_warning
from optimizer import explain_plan, solve

log = logging.getLogger("api")

router = APIRouter(prefix="/v1/plans", tags=["plans"])


_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid input: every issue, each naming its field."},
}
_BUSY: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorOut,
        "description": "Every solver slot stayed busy for DISPATCH_MAX_TIME_LIMIT_S seconds "
        "(code `queue_full`); retry after `Retry-After` seconds or use POST /v1/jobs.",
    }
}


@router.post(
    "", response_model=PlanOut, responses=_RESPONSES | _BUSY, summary="Solve a problem now"
)
def create_plan(
    request: PlanRequest, settings: SettingsDep, slots: SolveSlotsDep
) -> dict[str, Any]:
    """Assign and sequence the work orders of `problem` and return the plan.

    The search runs for `time_limit_s` seconds (default 5, at most 30 on a
    default server) and returns the best plan found: routes with timed stops,
    every order that could not be served with its reason code, KPIs and
    solve statistics. An infeasible request is not an error: what cannot be
    served is listed in `unassigned`. `violations` is the independent
    validator's verdict and is empty for every plan the solver returns.

    `time_limit_s` is the deadline of the answer: the server searches as
    many plans at once as it has CPUs per `DISPATCH_SEARCH_PROCESSES`,
    further requests wait for a free slot,
    and the wait comes out of their search (down to `DISPATCH_MIN_SEARCH_S`,
    0.25 s by default; 429 `queue_full` after waiting the synchronous cap).
    Use `POST /v1/jobs` for solves longer than the cap. With `analysis: true`
    the answer also holds the score analysis: the objective per order and
    per technician, with a sentence each.
    """
    arrived = time.perf_counter()
    problem = to_domain(request.problem)
    requested_s = (
        settings.default_time_limit_s if request.time_limit_s is None else request.time_limit_s
    )
    deadline_s = min(requested_s, settings.max_time_limit_s)
    _acquire(slots, settings.max_time_limit_s, deadline_s)
    started = time.perf_counter()
    # The time limit is the answer's deadline: waiting for a slot comes out
    # of the search, down to a floor that still finds a first plan.
    search_s = max(deadline_s - (started - arrived), min(settings.min_search_s, deadline_s))
    params = replace(settings.search_params(), time_limit_s=search_s, seed=request.seed)
    try:
        plan = solve(problem, params=params)
    except Exception:
        record_solve("plan", "error", time.perf_counter() - started)
        raise
    finally:
        slots.release()
    record_solve("plan", plan.stats.status, time.perf_counter() - started)
    out = plan_to_out(problem, plan, analysis=request.analysis)
    out["warnings"] += capped_warning(request.time_limit_s, settings)
    out["warnings"] += below_minimum_warning(deadline_s, problem, params.processes)
    if out["violations"]:
        log.error("solver returned an invalid plan: %s", out["violations"][:3])
    return out


def _acquire(slots: SolveSlots, wait_s: float, retry_after_s: float) -> None:
    """Take a solver slot, or answer 429 after waiting ``wait_s`` seconds."""
    if not slots.acquire(timeout=wait_s):
        raise HTTPException(
            status_code=429,
            detail=f"All solver slots ({slots.count}) stayed busy for "
            f"{wait_s:g} s; retry later or use POST /v1/jobs.",
            headers={"Retry-After": str(math.ceil(retry_after_s))},
        )


@router.post("/evaluate", response_model=EvaluateOut, responses=_RESPONSES, summary="Check a plan")
def evaluate_plan(request: EvaluateRequest) -> dict[str, Any]:
    """Check `plan` against `problem` and score it, without solving.

    Returns whether the plan is valid, every rule it breaks (see the
    violation codes in docs/API.md), its KPIs recomputed from the problem,
    its objective broken down by term (points) and the score analysis: the
    objective per order and per technician, with a sentence each that adds
    it up ("WO-17 starts 25 min after its respond-by (12:00): 25 min × 50 ×
    2 (VIP) = 2,500 points."); the entries add up to the objective exactly.
    Use it on hand-edited plans, plans from other tools, or an earlier
    answer after the problem changed. A plan from `POST /v1/plans` can be
    sent back as is: its `violations` and `analysis` fields are ignored.

    With `retime`, only each route's technician, shift and order of stops
    are taken from `plan`; everything else is computed again before judging,
    and the re-timed plan comes back as `plan`. This is what a dispatch
    console sends after an order is dragged to another technician or place:
    the answer shows at once what the move breaks and what it costs.
    """
    problem = to_domain(request.problem)
    if request.retime:
        return evaluation_to_out(
            problem, retimed_plan_from_in(problem, request.plan), include_plan=True
        )
    plan = plan_from_in(problem, request.plan)
    return evaluation_to_out(problem, plan)


@router.post(
    "/explain",
    response_model=PlanOut,
    responses=_RESPONSES | _BUSY,
    summary="What would serve each unserved order",
)
def explain(request: ExplainRequest, settings: SettingsDep, slots: SolveSlotsDep) -> dict[str, Any]:
    """Return `plan` with `fixes` for every order it leaves out.

    A fix is the smallest single change found that makes the order
    servable: an appointment window widened or a hard deadline moved by N
    minutes, a named technician's shift extended by N minutes (overtime), a
    named lower-priority order taken out (bump), a skill level given to a
    technician, parts added to a van, an exclusion lifted. Each verified fix
    was checked by inserting the order into the plan under the changed
    problem and running the validator on the result; `cost_delta` is that
    plan's objective minus this one's (points). A skill or parts change that
    would not make room on its own is listed unverified (`cost_delta` null).

    Orders are explained most valuable first within `time_limit_s`; those not
    reached have no `fixes` field. The plan must be valid (422 on `plan`
    otherwise). Runs in a solver slot, like `POST /v1/plans`.
    """
    problem = to_domain(request.problem)
    plan = plan_from_in(problem, request.plan)
    requested_s = (
        settings.default_time_limit_s if request.time_limit_s is None else request.time_limit_s
    )
    limit_s = min(requested_s, settings.max_time_limit_s)
    _acquire(slots, settings.max_time_limit_s, limit_s)
    started = time.perf_counter()
    try:
        explained = explain_plan(problem, plan, time_limit_s=limit_s)
    finally:
        slots.release()
    record_solve("explain", "explained", time.perf_counter() - started)
    out = plan_to_out(problem, explained)
    out["warnings"] += capped_warning(request.time_limit_s, settings)
    return out
