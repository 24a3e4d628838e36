"""Helpers of the HTTP API tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from api.mapping import plan_from_in, to_domain
from optimizer import check_plan


def assert_valid_plan(problem_doc: dict[str, Any], plan_out: dict[str, Any]) -> None:
    """Map a PlanOut back to the domain and check it with the independent validator."""
    problem = to_domain(problem_doc)
    plan = plan_from_in(problem, plan_out)
    assert check_plan(problem, plan) == []
    assert plan_out["violations"] == []
    served = sorted({s.work_order_id for r in plan.routes for s in r.stops})  # crews: k stops
    left = [u.work_order_id for u in plan.unassigned]
    assert sorted(served + left) == sorted(o.id for o in problem.work_orders)


def mutated(document: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A deep copy of ``document`` changed by ``edit``."""
    copied = copy.deepcopy(document)
    edit(copied)
    return copied


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of an error response."""
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}, body
    return body["error"]
