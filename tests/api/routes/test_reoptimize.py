"""POST /v1/plans/reoptimize: the new plan and its diff, events, locks, limits, exact error bodies.

The day (planar, 36 km/h, one-hour orders, shifts 08:00-17:00 +01:00)::

    T1 at (0, 0) km    W1 (6, 0), W2 (12, 0), W3 (18, 0)     08:10, 09:20, 10:30
    T2 at (0, 30) km   W4 (0, 36), W5 (0, 42), W6 (0, 48)    same times

At 09:30 (``NOW``) W2 and W5 are in service, so every technician is busy
and the whole plan of the day passes ``check_plan``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.routes.reoptimize as reoptimize_route
from api.mapping import plan_from_in, to_domain
from api.metrics import REGISTRY
from optimizer import check_plan
from optimizer.replan.reoptimize import reoptimize
from tests.api.helpers import error_of

DAY = "2026-11-23T{}:00+01:00"
NOW = DAY.format("09:30")


def _order(wid: str, x_km: float, y_km: float, **fields: Any) -> dict[str, Any]:
    return {
        "id": wid,
        "location": {"x": x_km * 1000, "y": y_km * 1000},
        "service_min": 60,
        **fields,
    }


@pytest.fixture
def day_problem() -> dict[str, Any]:
    """The two-technician day of the module docstring."""
    shift = {"start": DAY.format("08:00"), "end": DAY.format("17:00")}
    return {
        "travel": {"kind": "planar", "speed_mps": 10},
        "technicians": [
            {"id": "T1", "shifts": [shift], "start": {"x": 0, "y": 0}},
            {"id": "T2", "shifts": [shift], "start": {"x": 0, "y": 30000}},
        ],
        "work_orders": [_order(f"W{k}", 6 * k, 0) for k in (1, 2, 3)]
        + [_order(f"W{k}", 0, 30 + 6 * (k - 3)) for k in (4, 5, 6)],
    }


@pytest.fixture
def day_plan(client: TestClient, day_problem: dict[str, Any]) -> dict[str, Any]:
    """The solved day (a PlanOut), each row of orders with its technician."""
    response = client.post("/v1/plans", json={"problem": day_problem, "time_limit_s": 0.5})
    assert response.status_code == 200
    plan: dict[str, Any] = response.json()
    served = {s["work_order_id"]: r["technician_id"] for r in plan["routes"] for s in r["stops"]}
    assert served == {"W1": "T1", "W2": "T1", "W3": "T1", "W4": "T2", "W5": "T2", "W6": "T2"}
    return plan


P1 = _order("P1", 20, 2, priority="P1", respond_by=DAY.format("13:00"))


def _body(problem: dict[str, Any], plan: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"problem": problem, "plan": plan, "now": NOW, "time_limit_s": 0.3, **fields}


def _post_valid(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """POST a re-plan; assert 200, no violations, and check the day's plan against its problem."""
    response = client.post("/v1/plans/reoptimize", json=body)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    assert out["plan"]["violations"] == []
    day = copy.deepcopy(body["problem"])
    day["work_orders"] += body.get("events", {}).get("new_orders", [])
    problem = to_domain(day)
    assert check_plan(problem, plan_from_in(problem, out["plan"])) == []
    return out


def _served(out: dict[str, Any]) -> dict[str, str]:
    return {
        s["work_order_id"]: r["technician_id"] for r in out["plan"]["routes"] for s in r["stops"]
    }


def test_p1_is_served_and_the_diff_names_only_it(client, day_problem, day_plan):
    """A P1 coming in at 09:30 is served by T1 (the nearest); nothing else moves."""
    out = _post_valid(client, _body(day_problem, day_plan, events={"new_orders": [P1]}))
    assert out["diff"] == {
        "moved": [],
        "newly_assigned": [{"work_order_id": "P1", "technician_id": "T1"}],
        "newly_unassigned": [],
        "eta_changes": [],
    }
    stops = {s["work_order_id"]: s for r in out["plan"]["routes"] for s in r["stops"]}
    old = {s["work_order_id"]: s for r in day_plan["routes"] for s in r["stops"]}
    for wid in ("W1", "W2", "W4", "W5"):  # done or in service at 09:30: untouched
        assert stops[wid] == old[wid]


def test_the_new_plan_can_be_sent_back_with_the_next_events(client, day_problem, day_plan):
    """The returned PlanOut, violations included, is accepted as the next request's plan."""
    first = _post_valid(client, _body(day_problem, day_plan, events={"new_orders": [P1]}))
    day = copy.deepcopy(day_problem)
    day["work_orders"].append(P1)
    body = _body(day, first["plan"], now=DAY.format("10:25"))
    body["events"] = {"orders_completed": [{"work_order_id": "W2", "at": DAY.format("10:20")}]}
    second = _post_valid(client, body)
    assert second["diff"]["moved"] == []
    assert _served(second)["P1"] == "T1"


def test_unavailable_technician_hands_over_its_orders(client, day_problem, day_plan):
    """T2 goes home at 09:30 after W5: W6, not started, moves to T1."""
    gone = {"technicians_unavailable": [{"technician_id": "T2", "from": NOW}]}
    out = _post_valid(client, _body(day_problem, day_plan, events=gone))
    assert out["diff"]["moved"] == [
        {"work_order_id": "W6", "from_technician_id": "T2", "to_technician_id": "T1"}
    ]
    assert _served(out)["W5"] == "T2"


def test_locked_order_of_an_unavailable_technician_is_dropped_not_moved(
    client, day_problem, day_plan
):
    """Locks are hard: W6 locked to T2, who is gone, ends unassigned with its reason."""
    gone = {"technicians_unavailable": [{"technician_id": "T2", "from": NOW}]}
    body = _body(day_problem, day_plan, events=gone, locked_work_order_ids=["W6"])
    out = _post_valid(client, body)
    assert out["diff"]["moved"] == []
    assert [(u["work_order_id"], u["reason"]) for u in out["diff"]["newly_unassigned"]] == [
        ("W6", "no_shift_covers_window")
    ]


def test_late_start_is_reported_as_eta_changes(client, day_problem, day_plan):
    """W2 started 40 min late: it and W3 after it are listed with both datetimes."""
    started = {"orders_started": [{"work_order_id": "W2", "at": DAY.format("10:00")}]}
    out = _post_valid(client, _body(day_problem, day_plan, now=DAY.format("10:05"), events=started))
    assert out["diff"]["eta_changes"] == [
        {
            "work_order_id": "W2",
            "old_start": "2026-11-23T09:20:00+01:00",
            "new_start": "2026-11-23T10:00:00+01:00",
            "delta_min": 40.0,
        },
        {
            "work_order_id": "W3",
            "old_start": "2026-11-23T10:30:00+01:00",
            "new_start": "2026-11-23T11:10:00+01:00",
            "delta_min": 40.0,
        },
    ]


@pytest.mark.parametrize(
    ("overrides", "fields", "expected_s"),
    [
        ({"default_time_limit_s": 0.25}, {}, 0.25),
        ({"max_time_limit_s": 0.2}, {"time_limit_s": 9}, 0.2),
    ],
    ids=["default", "capped"],
)
def test_time_limit_defaults_and_cap_come_from_settings(
    make_client, monkeypatch, day_problem, day_plan, overrides, fields, expected_s
):
    """time_limit_s defaults to the server default and is lowered to the server cap."""
    seen = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["params"].time_limit_s)
        result = reoptimize(*args, **kwargs)
        assert check_plan(result.residual_problem, result.residual_plan) == []
        return result

    monkeypatch.setattr(reoptimize_route, "reoptimize", spy)
    body = {"problem": day_problem, "plan": day_plan, "now": NOW, **fields}
    assert make_client(**overrides).post("/v1/plans/reoptimize", json=body).status_code == 200
    assert seen == [expected_s]


def test_reoptimize_counts_the_solve_in_metrics(client, day_problem, day_plan):
    """Each re-plan adds one to dispatch_solves_total{kind="reoptimize"}."""

    def count() -> float:
        total = 0.0
        for metric in REGISTRY.collect():
            for sample in metric.samples:
                if sample.name == "dispatch_solves_total" and sample.labels["kind"] == "reoptimize":
                    total += sample.value
        return total

    before = count()
    _post_valid(client, _body(day_problem, day_plan))
    assert count() == before + 1


# --- errors ------------------------------------------------------------------------


def _input_error(*issues: tuple[str, str]) -> dict[str, Any]:
    return {
        "code": "input_error",
        "message": issues[0][1],
        "field": issues[0][0],
        "issues": [{"field": f, "message": m} for f, m in issues],
    }


@pytest.mark.parametrize(
    ("events", "issues"),
    [
        (
            {"orders_started": [{"work_order_id": "W9", "at": DAY.format("09:00")}]},
            [
                (
                    "events.orders_started[0].work_order_id",
                    "Work order W9 is started, but it is not a work order of the problem.",
                )
            ],
        ),
        (
            {"orders_completed": [{"work_order_id": "W1", "at": DAY.format("12:00")}]},
            [
                (
                    "events.orders_completed[0].at",
                    "Work order W1 is completed at 2026-11-23T12:00:00+01:00, "
                    "after now 2026-11-23T09:30:00+01:00.",
                )
            ],
        ),
        (
            {"new_orders": [P1, _order("W1", 1, 1)]},
            [("events.new_orders[1].id", "Duplicate work order id: W1.")],
        ),
        (
            {"new_orders": [_order("N1", 1, 1, pinned_technician_id="T9")]},
            [
                (
                    "events.new_orders[0].pinned_technician_id",
                    "Work order N1 is pinned to unknown technician T9.",
                )
            ],
        ),
        (
            {
                "technicians_unavailable": [{"technician_id": "T9", "from": NOW}],
                "positions": [
                    {"technician_id": "T1", "location": {"lat": 45, "lon": 4}, "at": NOW}
                ],
            },
            [
                (
                    "events.technicians_unavailable[0].technician_id",
                    "Technician T9 in the event is not a technician of the problem.",
                ),
                (
                    "events.positions[0].location",
                    "Technician T1 has a position given as lat/lon, but the planar travel "
                    "model needs x/y locations.",
                ),
            ],
        ),
    ],
    ids=["unknown-order", "after-now", "duplicate-new-id", "new-order-rule", "tech-and-position"],
)
def test_bad_events_name_their_field(client, day_problem, day_plan, events, issues):
    """Events the core refuses come back as 422 naming the event's list and index."""
    response = client.post("/v1/plans/reoptimize", json=_body(day_problem, day_plan, events=events))
    assert response.status_code == 422
    assert error_of(response) == _input_error(*issues)


def test_bad_locks_and_plan_name_their_field(client, day_problem, day_plan):
    """Unknown locked orders and plan routes naming unknown technicians are 422s."""
    plan = copy.deepcopy(day_plan)
    plan["routes"][0]["technician_id"] = "T9"
    body = _body(day_problem, plan, locked_work_order_ids=["W9"])
    response = client.post("/v1/plans/reoptimize", json=body)
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        (
            "plan.routes[0].technician_id",
            "Route names technician T9, who is not a technician of the problem.",
        ),
        ("locked_work_order_ids[0]", "Work order W9 cannot be locked: it is not a work order."),
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"now": "2026-11-23T09:30:00"},
            "now",
            "Request body: now must include a UTC offset (a naive datetime is ambiguous), "
            'got "2026-11-23T09:30:00".',
        ),
        (
            {"stability_weight": -1},
            "stability_weight",
            "Request body: stability_weight must be greater than or equal to 0, got -1.",
        ),
        (
            {"events": {"new_orders": [_order("N1", 1, 1, service_min=-5)]}},
            "events.new_orders[0].service_min",
            "Request body: events.new_orders[0].service_min must be greater than or equal "
            "to 0, got -5.",
        ),
    ],
    ids=["naive-now", "negative-weight", "new-order-shape"],
)
def test_bad_fields_are_422(client, day_problem, day_plan, fields, field, message):
    """Shape and range errors of the request body name the field."""
    response = client.post("/v1/plans/reoptimize", json=_body(day_problem, day_plan, **fields))
    assert response.status_code == 422
    assert error_of(response) == _input_error((field, message))


def test_bad_problem_uses_the_core_wording(client, day_problem, day_plan):
    """An invalid problem document is reported like POST /v1/plans does, under problem."""
    day_problem["work_orders"][0]["service_min"] = -1
    response = client.post("/v1/plans/reoptimize", json=_body(day_problem, day_plan))
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        (
            "problem.work_orders[0].service_min",
            "Work order W1: service_min must be greater than or equal to 0, got -1.",
        )
    )
