"""POST /v1/recommendations: slots for a new order, verified, and exact error bodies.

``tiny_problem`` (tests/api/conftest.py): T1 hvac 2 and T2 plumbing 1, both
08:00-17:00 (+01:00) from the origin, 36 km/h, lunch 30 min between 11:30
and 14:00; WO-3 needs electrical, which nobody has.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.mapping import booking_inputs, plan_from_in, to_domain
from api.schemas.recommendations import RecommendationRequest
from optimizer import check_plan, recommend
from optimizer.document.io import DERIVED_ROUTE_FIELDS
from tests.api.helpers import error_of

Solved = Callable[..., dict[str, Any]]
DAY = "2026-11-23T{}:00+01:00"


def _new(**fields: Any) -> dict[str, Any]:
    """A one-hour hvac 1 order 3 km east, in a morning and an afternoon window."""
    order = {
        "id": "NEW",
        "location": {"x": 3000, "y": 0},
        "service_min": 60,
        "required_skills": {"hvac": 1},
        "windows": [
            {"start": DAY.format("09:00"), "end": DAY.format("10:00")},
            {"start": DAY.format("15:00"), "end": DAY.format("16:00")},
        ],
    }
    order.update(fields)
    return order


def test_slots_in_both_windows_best_first_and_each_a_valid_plan(
    client: TestClient, solved: Solved, tiny_problem
):
    """Only T1 has hvac: a slot in each window, best first; booking the first is a valid plan."""
    plan = solved(tiny_problem)
    body = {"problem": tiny_problem, "plan": plan, "work_order": _new(), "top_k": 5}
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 200, response.text
    out = response.json()
    recs = out["recommendations"]
    assert {(r["technician_id"], r["window_index"]) for r in recs} == {("T1", 0), ("T1", 1)}
    deltas = [r["objective_delta"] for r in recs]
    assert deltas == sorted(deltas)
    assert (out["reason"], out["detail"]) == (None, "")
    for rec in recs:
        start = datetime.fromisoformat(rec["start"])
        window = _new()["windows"][rec["window_index"]]
        assert datetime.fromisoformat(window["start"]) <= start
        assert start <= datetime.fromisoformat(window["end"])
        assert datetime.fromisoformat(rec["end"]) - start == timedelta(minutes=60)
        assert rec["moves"] == [] and rec["sla_status"] == "none"
    request = RecommendationRequest.model_validate(body)
    problem, domain_plan, order = booking_inputs(request.problem, request.plan, request.work_order)
    booking = recommend(problem, domain_plan, order)
    assert [r.objective_delta for r in booking.recommendations] == deltas
    assert all(check_plan(booking.problem, r.plan) == [] for r in booking.recommendations)


def test_nobody_qualified_gives_no_slot_and_the_reason(
    client: TestClient, solved: Solved, tiny_problem
):
    """A gas job: no recommendation, reason no_qualified_technician with its sentence."""
    plan = solved(tiny_problem)
    body = {
        "problem": tiny_problem,
        "plan": plan,
        "work_order": _new(required_skills={"gas": 1}),
    }
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "recommendations": [],
        "reason": "no_qualified_technician",
        "detail": "No technician has the required skills (gas>=1).",
    }


def test_issues_of_the_new_order_name_work_order(client: TestClient, solved: Solved, tiny_problem):
    """A reversed window and a taken id are named on work_order, in the core's words."""
    plan = solved(tiny_problem)
    bad = _new(
        id="WO-1",
        windows=[{"start": DAY.format("12:00"), "end": DAY.format("09:00")}],
    )
    response = client.post(
        "/v1/recommendations", json={"problem": tiny_problem, "plan": plan, "work_order": bad}
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["issues"] == [
        {"field": "work_order.id", "message": "Duplicate work order id: WO-1."},
        {
            "field": "work_order.windows[0]",
            "message": "Invalid time window for work order WO-1: start 2026-11-23T12:00:00+01:00 "
            "is after end 2026-11-23T09:00:00+01:00.",
        },
    ]


def test_shape_errors_and_top_k_are_422(client: TestClient, solved: Solved, tiny_problem):
    """A negative service time and top_k 0 are both listed, naming their fields."""
    plan = solved(tiny_problem)
    body = {
        "problem": tiny_problem,
        "plan": plan,
        "work_order": _new(service_min=-5),
        "top_k": 0,
    }
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 422
    fields = [i["field"] for i in error_of(response)["issues"]]
    assert fields == ["work_order.service_min", "top_k"]


def test_an_invalid_plan_is_a_422_on_plan(client: TestClient, solved: Solved, tiny_problem):
    """A plan serving WO-1 twice is refused before anything is booked."""
    plan = solved(tiny_problem)
    route = next(r for r in plan["routes"] if r["technician_id"] == "T1")
    route["stops"] = route["stops"] * 2
    for key in DERIVED_ROUTE_FIELDS:  # totals of the doubled route would be a 422 on their own
        route.pop(key)
    plan["kpis"] = {}
    body = {"problem": tiny_problem, "plan": plan, "work_order": _new()}
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "plan"
    assert error["message"].startswith("The plan breaks ")
    problem = to_domain(tiny_problem)
    assert check_plan(problem, plan_from_in(problem, plan)) != []
