"""The one bridge between HTTP schemas and the solver's domain objects.

Problems and plans travel as the core's own documents, so mapping them is
reading and writing those documents with :mod:`optimizer.document`. What
this module adds is the request context: an :class:`~optimizer.InputError`
raised while reading the ``problem`` of a request names
``problem.work_orders[3].service_min``, not ``work_orders[3].service_min``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from api.schemas.common import PlanIn, ProblemIn
from api.schemas.plans import drop_output_fields
from api.schemas.whatif import (
    AddOrdersIn,
    AddTechnicianIn,
    ChangeShiftIn,
    CloseDepotIn,
    OperationIn,
    RemoveTechnicianIn,
    SetOvertimeIn,
)
from optimizer import (
    AddOrders,
    AddTechnician,
    Booking,
    ChangeShift,
    CloseDepot,
    DispatchWarning,
    Edit,
    InputError,
    InputIssue,
    Plan,
    Problem,
    RemoveTechnician,
    SetOvertime,
    SetWeights,
    Tradeoff,
    TradeoffPoint,
    Violation,
    ViolationCode,
    WorkOrder,
    analyse_score,
    check_plan,
    compute_kpis,
    find_warnings,
    plan_cost,
    retime_plan,
)
from optimizer.document import (
    DERIVED_ROUTE_FIELDS,
    load_problem,
    plan_from_document,
    plan_to_document,
)

_UNKNOWN_IDS = frozenset({ViolationCode.UNKNOWN_WORK_ORDER, ViolationCode.UNKNOWN_TECHNICIAN})


def prefix_field(field: str, prefix: str) -> str:
    """Return ``field`` (a document path) as a path inside the request body.

    Parameters
    ----------
    field
        A path such as ``work_orders[3].service_min``, or ``$`` for the
        whole document.
    prefix
        The body field holding the document, e.g. ``problem``; empty leaves
        ``field`` unchanged.

    Returns
    -------
    str
        ``problem.work_orders[3].service_min``; ``problem`` for ``$``.
    """
    if not prefix:
        return field
    if field in ("", "$"):
        return prefix
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


def prefix_error(error: InputError, prefix: str) -> InputError:
    """Return a copy of ``error`` whose issue fields are prefixed by ``prefix``."""
    return InputError([InputIssue(prefix_field(i.field, prefix), i.message) for i in error.issues])


def _as_json(document: BaseModel | Mapping[str, Any]) -> Any:
    if isinstance(document, BaseModel):
        return document.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return document


def to_domain(problem: ProblemIn | Mapping[str, Any], field_prefix: str = "problem") -> Problem:
    """Read a problem document of a request into a validated :class:`~optimizer.Problem`.

    Parameters
    ----------
    problem
        The document, validated (``ProblemIn``) or as parsed JSON.
    field_prefix
        Where the document sits in the request body (default ``problem``);
        prefixed to the field of every issue.

    Returns
    -------
    Problem
        Times in whole seconds from the earliest shift start.

    Raises
    ------
    InputError
        Every shape and cross-field issue (duplicate ids, unknown pinned
        technician, window start after end...), fields prefixed.
    """
    try:
        return load_problem(_as_json(problem))
    except InputError as exc:
        raise prefix_error(exc, field_prefix) from None


def plan_from_in(
    problem: Problem, plan: PlanIn | Mapping[str, Any], field_prefix: str = "plan"
) -> Plan:
    """Read the plan document of a request (or a ``PlanOut`` sent back) into a ``Plan``.

    Parameters
    ----------
    problem
        The problem the plan answers; its epoch turns datetimes into seconds.
    plan
        A plan document, validated or as parsed JSON. The output-only
        ``violations`` of a ``PlanOut`` is ignored.
    field_prefix
        Where the plan sits in the request body (default ``plan``).

    Returns
    -------
    Plan
        Not checked for feasibility; that is :func:`optimizer.check_plan`'s job.

    Raises
    ------
    InputError
        Shape errors, or route totals that do not match their stops; fields prefixed.
    """
    try:
        return plan_from_document(problem, drop_output_fields(_as_json(plan)))
    except InputError as exc:
        raise prefix_error(exc, field_prefix) from None


def retimed_plan_from_in(
    problem: Problem, plan: PlanIn | Mapping[str, Any], field_prefix: str = "plan"
) -> Plan:
    """Read a hand-edited plan and time its sequences again (:func:`optimizer.retime_plan`).

    Only each route's technician, shift and order of stops count: the route
    totals are not compared with the stale stops, and the times are
    recomputed.

    Raises
    ------
    InputError
        Shape errors, or a route naming a technician, shift or work order
        the problem does not have; fields prefixed.
    """
    document = drop_output_fields(_as_json(plan))
    if isinstance(document, dict) and isinstance(document.get("routes"), list):
        routes = [
            {k: v for k, v in route.items() if k not in DERIVED_ROUTE_FIELDS}
            if isinstance(route, dict)
            else route
            for route in document["routes"]
        ]
        document = {**document, "routes": routes}
    try:
        return retime_plan(problem, plan_from_document(problem, document))
    except InputError as exc:
        raise prefix_error(exc, field_prefix) from None


def violations_to_out(violations: list[Violation]) -> list[dict[str, Any]]:
    """Write validator findings as ``ViolationOut`` dictionaries."""
    return [
        {
            "code": v.code.value,
            "message": v.message,
            "work_order_id": v.work_order_id,
            "technician_id": v.technician_id,
        }
        for v in violations
    ]


def plan_to_out(problem: Problem, plan: Plan, *, analysis: bool = False) -> dict[str, Any]:
    """Write ``plan`` as a ``PlanOut``: its plan document, the validator's violations, warnings.

    Parameters
    ----------
    problem
        The problem solved.
    plan
        Its plan, ``kpis`` already filled (as :func:`optimizer.solve` returns it).
    analysis
        Add the score analysis (:func:`analysis_to_out`).

    Returns
    -------
    dict
        ``routes``, ``unassigned``, ``kpis``, ``stats``, ``violations``,
        ``warnings`` (the problem's input warnings, fields under ``problem``)
        and, when asked for, ``analysis``.
    """
    out = plan_to_document(problem, plan)
    out["violations"] = violations_to_out(check_plan(problem, plan))
    out["warnings"] = problem_warnings(problem)
    if analysis:
        out["analysis"] = analysis_to_out(problem, plan)
    return out


def analysis_to_out(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The score analysis of ``plan`` (:func:`optimizer.analyse_score`), a ``ScoreAnalysisOut``."""
    result = analyse_score(problem, plan)
    return {
        "total": result.total,
        "terms": result.terms,
        "by_order": result.by_order,
        "by_technician": result.by_technician,
        "entries": [
            {
                "term": e.term,
                "points": e.points,
                "sentence": e.sentence,
                "work_order_id": e.work_order_id,
                "technician_id": e.technician_id,
                "shift_index": e.shift_index,
            }
            for e in result.entries
        ],
    }


def evaluation_to_out(problem: Problem, plan: Plan, include_plan: bool = False) -> dict[str, Any]:
    """Check and score ``plan`` against ``problem`` without solving (an ``EvaluateOut``).

    Parameters
    ----------
    include_plan
        Add the plan judged as ``plan`` (a ``PlanOut``), e.g. a re-timed one.

    Returns
    -------
    dict
        ``is_valid``, ``violations``, recomputed ``kpis``, the ``objective``
        by term (points) and ``plan`` (``None`` unless ``include_plan``).
        ``kpis`` and ``objective`` are ``None`` when the plan names a work
        order or technician that the problem lacks: there is nothing to
        score them against.
    """
    violations = check_plan(problem, plan)
    is_scorable = not any(v.code in _UNKNOWN_IDS for v in violations)
    out: dict[str, Any] = {
        "is_valid": not violations,
        "violations": violations_to_out(violations),
        "kpis": compute_kpis(problem, plan) if is_scorable else None,
        "objective": plan_cost(problem, plan) if is_scorable else None,
        "analysis": analysis_to_out(problem, plan) if is_scorable else None,
        "plan": None,
    }
    if include_plan:
        out["plan"] = plan_to_document(problem, plan) | {
            "violations": out["violations"],
            "warnings": problem_warnings(problem),
        }
    return out


def booking_inputs(
    problem: ProblemIn, plan: PlanIn | Mapping[str, Any], work_order: BaseModel
) -> tuple[Problem, Plan, WorkOrder]:
    """Read a booking request: the problem, its plan and the new order, on one clock.

    The order is read as the last order of the problem document, so it
    obeys the same rules; issues about it name ``work_order`` (and
    ``work_order.windows[0]`` ...), the others ``problem.`` and ``plan.``.

    Raises
    ------
    InputError
        Every issue found, fields on the request.
    """
    document = _as_json(problem)
    orders = list(document.get("work_orders", []))
    n = len(orders)
    try:
        booked = to_domain({**document, "work_orders": [*orders, _as_json(work_order)]})
    except InputError as exc:
        issues = [InputIssue(_booking_field(i.field, n), i.message) for i in exc.issues]
        raise InputError(issues) from None
    day = replace(booked, work_orders=booked.work_orders[:n])
    return day, plan_from_in(day, plan), booked.work_orders[n]


def _booking_field(field: str, n: int) -> str:
    match = re.fullmatch(r"problem\.work_orders\[(\d+)\](.*)", field)
    if match is None or int(match[1]) != n:
        return field
    return f"work_order{match[2]}"


def booking_to_out(booking: Booking) -> dict[str, Any]:
    """A ``RecommendationsOut``: the slots, best first, times as datetimes with an offset."""
    at = booking.problem.clock.iso  # the plan document's clock: its time zone, DST included

    return {
        "recommendations": [
            {
                "technician_id": r.technician_id,
                "shift_index": r.shift_index,
                "window_index": r.window_index,
                "arrival": at(r.arrival_s),
                "start": at(r.start_s),
                "end": at(r.end_s),
                "objective_delta": r.objective_delta,
                "sla_status": r.sla_status.value,
                "moves": [
                    {
                        "work_order_id": m.work_order_id,
                        "from_technician_id": m.from_technician_id,
                        "from_shift_index": m.from_shift_index,
                        "to_technician_id": m.to_technician_id,
                        "to_shift_index": m.to_shift_index,
                    }
                    for m in r.moves
                ],
            }
            for r in booking.recommendations
        ],
        "reason": booking.reason.value if booking.reason is not None else None,
        "detail": booking.detail,
    }


def tradeoff_to_out(result: Tradeoff) -> dict[str, Any]:
    """A ``TradeoffOut``: the non-dominated points and the dominated ones, with their KPIs."""

    def point(p: TradeoffPoint) -> dict[str, Any]:
        value = p.value if isinstance(p.value, float) else {f"P{k}": v for k, v in p.value.items()}
        return {
            "factor": p.factor,
            "value": value,
            "measures": p.measures,
            "kpis": p.kpis,
            "violations": p.violations,
        }

    return {
        "sweep": result.sweep,
        "measure": result.measure,
        "against": result.against,
        "points": [point(p) for p in result.points],
        "dominated": [point(p) for p in result.dominated],
    }


def warnings_to_out(
    found: list[DispatchWarning] | list[dict[str, str]], field_prefix: str = "problem"
) -> list[dict[str, str]]:
    """Write core warnings (or their ``{code, field, message}`` dicts) as ``WarningOut``.

    Parameters
    ----------
    found
        :class:`~optimizer.DispatchWarning` objects, or the dictionaries
        :func:`optimizer.solve_document` returns.
    field_prefix
        Where the document sits in the request body; prefixed to each field.
    """
    out = []
    for w in found:
        code, field, message = (
            (w["code"], w["field"], w["message"])
            if isinstance(w, dict)
            else (w.code, w.field, w.message)
        )
        out.append({"code": code, "field": prefix_field(field, field_prefix), "message": message})
    return out


def problem_warnings(problem: Problem, field_prefix: str = "problem") -> list[dict[str, str]]:
    """The input warnings of ``problem`` (:func:`optimizer.find_warnings`) as ``WarningOut``."""
    return warnings_to_out(find_warnings(problem), field_prefix)


def edits_to_domain(operations: list[OperationIn]) -> list[Edit]:
    """The core's what-if edits (:mod:`optimizer.variants`) for a variant's ``operations``."""
    edits: list[Edit] = []
    for op in operations:
        if isinstance(op, RemoveTechnicianIn):
            edits.append(RemoveTechnician(op.technician_id))
        elif isinstance(op, AddTechnicianIn):
            edits.append(AddTechnician(op.copy_of, op.id, op.changes))
        elif isinstance(op, ChangeShiftIn):
            breaks = (
                None
                if op.breaks is None
                else [b.model_dump(mode="json", by_alias=True) for b in op.breaks]
            )
            edits.append(ChangeShift(op.technician_id, op.shift_index, op.start, op.end, breaks))
        elif isinstance(op, SetOvertimeIn):
            edits.append(
                SetOvertime(
                    op.technician_id, op.max_overtime_min, op.shift_index, op.overtime_per_minute
                )
            )
        elif isinstance(op, AddOrdersIn):
            orders = [
                o.model_dump(mode="json", by_alias=True, exclude_unset=True) for o in op.work_orders
            ]
            edits.append(AddOrders(orders))
        elif isinstance(op, CloseDepotIn):
            edits.append(CloseDepot(op.depot_id))
        else:
            edits.append(SetWeights(op.weights.model_dump(mode="json", exclude_unset=True)))
    return edits
