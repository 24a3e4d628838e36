"""Examples of every operation in the OpenAPI schema, built from the bundled scenarios.

Request examples are real requests on the ``lyon-small`` scenario (a test
posts each one and expects a success); response examples show the shape of
an answer. :func:`document_examples` adds them to the generated schema by
``operationId``.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from scenarios import get_scenario

SCENARIO = "lyon-small"
"""The bundled scenario the examples are built from."""

NOW = "2026-11-23T11:00:00+01:00"
"""The re-planning instant of the examples (the scenario's morning)."""


@cache
def _lyon() -> dict[str, Any]:
    return get_scenario(SCENARIO).load()


def lyon() -> dict[str, Any]:
    """A fresh copy of the ``lyon-small`` problem document."""
    return copy.deepcopy(_lyon())


def unplanned(problem: dict[str, Any]) -> dict[str, Any]:
    """A valid plan of ``problem`` that serves nothing: every order unassigned."""
    return {
        "routes": [],
        "unassigned": [
            {"work_order_id": o["id"], "reason": "capacity_exhausted", "detail": ""}
            for o in problem["work_orders"]
        ],
        "stats": {"status": "evaluated", "objective": 0, "wall_s": 0},
    }


def _job(status: str = "succeeded") -> dict[str, Any]:
    return {
        "id": "5f0c6b2a9d8e4f1a8b7c6d5e4f3a2b1c",
        "status": status,
        "created_at": "2026-11-23T06:40:00Z",
        "started_at": "2026-11-23T06:40:00Z",
        "finished_at": "2026-11-23T06:40:10Z" if status == "succeeded" else None,
        "time_limit_s": 10,
        "seed": 0,
        "attempt": 1,
        "cancel_requested": False,
        "has_plan": status == "succeeded",
        "progress": {"elapsed_s": 9.8, "objective": 30172.5, "assigned": 11},
        "error": None,
        "error_code": None,
        "warnings": [],
    }


NEW_ORDER: dict[str, Any] = {
    "id": "WO-NEW",
    "location": {"lat": 45.76, "lon": 4.84},
    "service_min": 45,
    "required_skills": {"hvac": 1},
    "windows": [
        {"start": "2026-11-23T08:00:00+01:00", "end": "2026-11-23T12:00:00+01:00"},
        {"start": "2026-11-23T13:00:00+01:00", "end": "2026-11-23T17:00:00+01:00"},
    ],
}
"""The order of the booking example: an hvac visit, morning or afternoon."""


def only_gas_order(problem: dict[str, Any]) -> dict[str, Any]:
    """``problem`` with only its order nobody can serve (WO-1011 needs gas at level 2)."""
    return {**problem, "work_orders": [o for o in problem["work_orders"] if o["id"] == "WO-1011"]}


def request_examples() -> dict[str, dict[str, Any]]:
    """``operationId`` to one request body, for every operation that takes one."""
    problem = lyon()
    gas = only_gas_order(lyon())
    return {
        "create_plan": {"problem": problem, "time_limit_s": 1},
        "evaluate_plan": {"problem": problem, "plan": unplanned(problem)},
        "explain": {"problem": gas, "plan": unplanned(gas), "time_limit_s": 1},
        "recommend_slots": {
            "problem": problem,
            "plan": unplanned(problem),
            "work_order": copy.deepcopy(NEW_ORDER),
            "top_k": 3,
        },
        "reoptimize_plan": {
            "problem": problem,
            "plan": unplanned(problem),
            "now": NOW,
            "events": {"technicians_unavailable": [{"technician_id": "T-02", "from": NOW}]},
            "time_limit_s": 1,
        },
        "submit_job": {"problem": problem, "time_limit_s": 10},
        "compare_variants": {
            "base": problem,
            "variants": [
                {
                    "name": "T-02 off",
                    "operations": [{"op": "remove_technician", "technician_id": "T-02"}],
                },
                {
                    "name": "one more hvac technician",
                    "operations": [
                        {"op": "add_technician", "copy_of": "T-01", "id": "T-04"},
                        {"op": "set_weights", "weights": {"unassigned_by_priority": {"P4": 0}}},
                    ],
                },
            ],
            "time_limit_s": 1,
            "include_plans": False,
        },
        "tradeoff_curve": {
            "problem": problem,
            "sweep": "late_per_minute",
            "points": 4,
            "low": 0.1,
            "high": 10,
            "time_limit_s": 1,
        },
    }


def response_examples() -> dict[str, Any]:
    """``operationId`` to one 200 (or 202) answer, for operations whose answer is short."""
    return {
        "list_scenarios": {
            "data": [
                {
                    "name": SCENARIO,
                    "purpose": "A Lyon morning: 3 technicians, 12 work orders, skills, breaks, "
                    "a VIP, an order nobody can do.",
                    "technicians": 3,
                    "work_orders": 12,
                }
            ],
            "count": 1,
        },
        "get_scenario_problem": lyon(),
        "health": {"status": "ok", "database": "ok"},
        "metrics": "# HELP dispatch_http_requests_total HTTP requests.\n",
        "submit_job": _job("queued") | {"started_at": None, "progress": None},
        "list_jobs": {"data": [_job()], "count": 1, "limit": 50, "offset": 0},
        "get_job": _job(),
        "get_job_plan": unplanned(lyon()) | {"violations": [], "warnings": []},
        "cancel_job": _job("cancelled") | {"cancel_requested": True},
    }


def document_examples(schema: dict[str, Any]) -> None:
    """OpenAPI hook: add the request and response examples to their operations."""
    requests, responses = request_examples(), response_examples()
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            op_id = operation.get("operationId")
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if op_id in requests and body is not None:
                body["example"] = requests[op_id]
            if op_id in responses:
                for status in ("200", "202"):
                    answer = operation.get("responses", {}).get(status)
                    if answer is None:
                        continue
                    content = answer.setdefault("content", {})
                    media = "text/plain" if op_id == "metrics" else "application/json"
                    content.setdefault(media, {})["example"] = responses[op_id]
                    break
