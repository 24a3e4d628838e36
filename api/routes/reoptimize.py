"""Real-time re-planning: ``POST /v1/plans/reoptimize``."""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, HTTPException

from api.deps import SettingsDep
from api.mapping import plan_from_in, plan_to_out, to_domain, violations_to_out
from api.metrics import record_solve
from api.schemas.common import ErrorOut
from api.schemas.whatif import ReoptimizeOut, ReoptimizeRequest
from api.solve_slots import SolveSlotsDep
from api.time_limits import capped_warning
from optimizer import (
    Clock,
    Event,
    GeoPoint,
    InputError,
    InputIssue,
    Location,
    MatrixRef,
    NewOrders,
    OrderCompleted,
    OrderStarted,
    PlanarPoint,
    Problem,
    ReplanDiff,
    TechnicianPosition,
    TechnicianUnavailable,
    WorkOrder,
    check_plan,
    reoptimize,
)
from optimizer.document import GeoPointDoc, MatrixRefDoc, PlanarPointDoc

router = APIRouter(prefix="/v1/plans", tags=["plans"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid input: every issue, each naming its field."},
    429: {
        "model": ErrorOut,
        "description": "Every solver slot stayed busy (code `queue_full`); retry later.",
    },
}


@router.post(
    "/reoptimize",
    response_model=ReoptimizeOut,
    responses=_RESPONSES,
    summary="Re-plan the rest of the day after events",
)
def reoptimize_plan(
    request: ReoptimizeRequest, settings: SettingsDep, slots: SolveSlotsDep
) -> dict[str, Any]:
    """Re-plan what is not done yet after new orders, absences and progress, moving little.

    Work before `now` stays as it is: finished stops, the order each
    technician is serving (or, per the plan, driving to) and orders reported
    started or completed. Every other order is re-planned from where and when
    each technician is free: the last fixed stop, or a newer reported
    position. Giving a dispatched order to another technician costs
    `stability_weight` points (default: the problem's `weights.reassignment`,
    100); `locked_work_order_ids` never move. Technicians reported
    unavailable get no work from that time on.

    The response holds the plan of the day (fixed work, then the new routes)
    and the diff: orders moved between technicians, newly assigned (new
    orders included), newly unassigned with their reason, and start times
    that moved more than `eta_threshold_min`. Send the plan back as is with
    the next events. `time_limit_s` bounds the whole re-plan (1 s is enough
    to insert a P1 into a 200-order day).
    """
    problem, new_orders = _problem_and_new_orders(request)
    plan = plan_from_in(problem, request.plan)
    clock = problem.clock
    events, paths = _events(request, new_orders, clock)
    requested_s = request.time_limit_s or settings.default_time_limit_s
    params = replace(
        settings.search_params(),
        time_limit_s=min(requested_s, settings.max_time_limit_s),
        seed=request.seed,
    )
    if not slots.acquire(timeout=settings.max_time_limit_s):
        raise HTTPException(
            status_code=429,
            detail=f"All solver slots ({slots.count}) stayed busy for "
            f"{settings.max_time_limit_s:g} s; retry later.",
            headers={"Retry-After": str(math.ceil(params.time_limit_s))},
        )
    started = time.perf_counter()
    try:
        replan = reoptimize(
            problem,
            plan,
            clock.seconds(request.now),
            events,
            locked_work_order_ids=request.locked_work_order_ids,
            params=params,
            stability_weight=request.stability_weight,
            eta_threshold_s=round(request.eta_threshold_min * 60),
        )
    except InputError as exc:
        record_solve("reoptimize", "input_error", time.perf_counter() - started)
        raise _on_request_fields(exc, paths) from None
    except Exception:
        record_solve("reoptimize", "error", time.perf_counter() - started)
        raise
    finally:
        slots.release()
    record_solve("reoptimize", replan.plan.stats.status, time.perf_counter() - started)
    out = plan_to_out(replan.problem, replan.plan)
    residual_violations = check_plan(replan.residual_problem, replan.residual_plan)
    out["violations"] = violations_to_out(residual_violations)
    out["warnings"] += capped_warning(request.time_limit_s, settings)
    return {"plan": out, "diff": _diff_out(replan.diff, clock)}


def _problem_and_new_orders(request: ReoptimizeRequest) -> tuple[Problem, tuple[WorkOrder, ...]]:
    """Read the problem with the new orders appended, so both share one clock and one check.

    Issues found in a new order name it as ``events.new_orders[j]``.
    """
    document = request.problem.model_dump(mode="json", by_alias=True, exclude_unset=True)
    base_orders = list(document.get("work_orders", []))
    new_orders = [
        o.model_dump(mode="json", by_alias=True, exclude_unset=True)
        for o in request.events.new_orders
    ]
    n = len(base_orders)
    try:
        day = to_domain({**document, "work_orders": base_orders + new_orders})
    except InputError as exc:
        issues = [InputIssue(_new_order_field(i.field, n), i.message) for i in exc.issues]
        raise InputError(issues) from None
    return replace(day, work_orders=day.work_orders[:n]), day.work_orders[n:]


def _new_order_field(field: str, n_base: int) -> str:
    match = re.fullmatch(r"problem\.work_orders\[(\d+)\](.*)", field)
    if match is None or int(match[1]) < n_base:
        return field
    return f"events.new_orders[{int(match[1]) - n_base}]{match[2]}"


def _location(doc: GeoPointDoc | PlanarPointDoc | MatrixRefDoc) -> Location:
    if isinstance(doc, GeoPointDoc):
        return GeoPoint(doc.lat, doc.lon)
    if isinstance(doc, PlanarPointDoc):
        return PlanarPoint(doc.x, doc.y)
    return MatrixRef(doc.matrix_index)


def _events(
    request: ReoptimizeRequest, new_orders: tuple[WorkOrder, ...], clock: Clock
) -> tuple[list[Event], list[str]]:
    """The core's events, and for each the request field it came from."""
    body = request.events
    events: list[Event] = []
    paths: list[str] = []
    if new_orders:
        events.append(NewOrders(new_orders))
        paths.append("events.new_orders")
    for j, gone in enumerate(body.technicians_unavailable):
        events.append(TechnicianUnavailable(gone.technician_id, clock.seconds(gone.from_)))
        paths.append(f"events.technicians_unavailable[{j}]")
    for name, kind in (("orders_started", OrderStarted), ("orders_completed", OrderCompleted)):
        for j, progress in enumerate(getattr(body, name)):
            events.append(kind(progress.work_order_id, clock.seconds(progress.at)))
            paths.append(f"events.{name}[{j}]")
    for j, fix in enumerate(body.positions):
        at_s = clock.seconds(fix.at)
        events.append(TechnicianPosition(fix.technician_id, _location(fix.location), at_s))
        paths.append(f"events.positions[{j}]")
    return events, paths


def _on_request_fields(error: InputError, paths: list[str]) -> InputError:
    """The core names events by position (``events[2].at``); the request by list and index."""
    issues = []
    for issue in error.issues:
        field = issue.field
        match = re.fullmatch(r"events\[(\d+)\](.*)", field)
        if match is not None:
            base, rest = paths[int(match[1])], match[2]
            field = base + (rest.removeprefix(".orders") if base == "events.new_orders" else rest)
        issues.append(InputIssue(field, issue.message))
    return InputError(issues)


def _diff_out(diff: ReplanDiff, clock: Clock) -> dict[str, Any]:
    return {
        "moved": [
            {
                "work_order_id": m.work_order_id,
                "from_technician_id": m.from_technician_id,
                "to_technician_id": m.to_technician_id,
            }
            for m in diff.moved
        ],
        "newly_assigned": [
            {"work_order_id": a.work_order_id, "technician_id": a.technician_id}
            for a in diff.newly_assigned
        ],
        "newly_unassigned": [
            {"work_order_id": u.work_order_id, "reason": u.reason.value, "detail": u.detail}
            for u in diff.newly_unassigned
        ],
        "eta_changes": [
            {
                "work_order_id": e.work_order_id,
                "old_start": clock.at(e.old_start_s).isoformat(),
                "new_start": clock.at(e.new_start_s).isoformat(),
                "delta_min": round(e.delta_s / 60, 2),
            }
            for e in diff.eta_changes
        ],
    }
