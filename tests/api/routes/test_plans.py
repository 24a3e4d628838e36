"""POST /v1/plans and POST /v1/plans/evaluate: status codes, plans, exact error bodies."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.routes.plans as plans_route
from api.metrics import REGISTRY
from api.solve_slots import SolveSlots
from optimizer import SolveParams, solve
from tests.api.helpers import assert_valid_plan, error_of, mutated

Solved = Callable[..., dict[str, Any]]


def _input_error(field: str, message: str) -> dict[str, Any]:
    return {
        "code": "input_error",
        "message": message,
        "field": field,
        "issues": [{"field": field, "message": message}],
    }


# --- POST /v1/plans: solving ---------------------------------------------------------


def test_plan_serves_what_it_can_and_explains_the_rest(solved: Solved, tiny_problem):
    """WO-1 goes to T1 and WO-2 to T2; WO-3 is unassigned with reason no_qualified_technician."""
    out = solved(tiny_problem)
    served = {s["work_order_id"]: r["technician_id"] for r in out["routes"] for s in r["stops"]}
    assert served == {"WO-1": "T1", "WO-2": "T2"}
    assert [(u["work_order_id"], u["reason"]) for u in out["unassigned"]] == [
        ("WO-3", "no_qualified_technician")
    ]
    assert out["kpis"]["assigned"] == 2
    assert out["stats"]["status"] in ("optimal", "feasible")
    assert "$schema" not in out


def test_plan_of_the_lyon_scenario_is_valid(solved: Solved, lyon_small):
    """lyon-small solves to a valid plan; WO-1011, which nobody is qualified for, is left out."""
    out = solved(lyon_small)
    reasons = {u["work_order_id"]: u["reason"] for u in out["unassigned"]}
    assert reasons["WO-1011"] == "no_qualified_technician"


@pytest.mark.parametrize(
    ("overrides", "fields", "expected_s"),
    [
        ({"default_time_limit_s": 0.25}, {}, 0.25),
        ({"max_time_limit_s": 0.2}, {"time_limit_s": 30}, 0.2),
        ({}, {"time_limit_s": 0.3, "seed": 7}, 0.3),
    ],
    ids=["default", "capped", "as-requested"],
)
def test_time_limit_defaults_and_cap_come_from_settings(
    make_client, monkeypatch, tiny_problem, overrides, fields, expected_s
):
    """time_limit_s defaults to the server default and is lowered to the server cap."""
    seen: list[SolveParams] = []

    def spy(problem, *, params):
        seen.append(params)
        return solve(problem, params=params)

    monkeypatch.setattr(plans_route, "solve", spy)
    client = make_client(**overrides)
    response = client.post("/v1/plans", json={"problem": tiny_problem, **fields})
    assert response.status_code == 200
    assert [p.seed for p in seen] == [fields.get("seed", 0)]
    assert seen[0].time_limit_s == pytest.approx(expected_s, abs=0.05)


def test_search_processes_come_from_settings(make_client, monkeypatch, tiny_problem):
    """DISPATCH_SEARCH_PROCESSES reaches the solve; the pool starts with the app; plan valid."""
    seen: list[SolveParams] = []
    started: list[int] = []

    def spy(problem, *, params):
        seen.append(params)
        return solve(problem, params=params)

    monkeypatch.setattr(plans_route, "solve", spy)
    monkeypatch.setattr(SolveParams, "start_processes", lambda self: started.append(self.processes))
    client = make_client(search_processes=2)
    assert started == [2]
    response = client.post("/v1/plans", json={"problem": tiny_problem, "time_limit_s": 0.5})
    assert response.status_code == 200
    assert_valid_plan(tiny_problem, response.json())
    assert [p.processes for p in seen] == [2]


@pytest.mark.parametrize(
    ("cores", "processes", "slots"), [(8, 1, 8), (8, 2, 4), (8, 3, 2), (2, 4, 1)]
)
def test_solver_slots_share_the_cores_among_search_processes(
    make_client, monkeypatch, cores, processes, slots
):
    """A solve takes DISPATCH_SEARCH_PROCESSES cores: C cores give C // P slots, at least one."""
    monkeypatch.setattr(SolveParams, "usable_cores", staticmethod(lambda: cores))
    monkeypatch.setattr(SolveParams, "start_processes", lambda self: None)
    client = make_client(search_processes=processes)
    assert client.app.state.solve_slots.count == slots


def test_plan_counts_the_solve_in_metrics(solved: Solved, tiny_problem):
    """Each solve adds one to dispatch_solves_total{kind="plan"} under its status."""

    def count(outcome: str) -> float:
        labels = {"kind": "plan", "outcome": outcome}
        return REGISTRY.get_sample_value("dispatch_solves_total", labels) or 0.0

    before = {s: count(s) for s in ("optimal", "feasible")}
    out = solved(tiny_problem)
    status = out["stats"]["status"]
    assert count(status) == before[status] + 1


def test_requests_beyond_the_solver_slots_wait_for_one(make_client, monkeypatch, tiny_problem):
    """With every slot taken, a request waits and solves once a slot is released."""
    slots = SolveSlots(1)
    assert slots.acquire(timeout=0)
    client = make_client(max_time_limit_s=30)
    client.app.state.solve_slots = slots
    answers: list[Any] = []
    body = {"problem": tiny_problem, "time_limit_s": 0.3}
    waiting = threading.Thread(target=lambda: answers.append(client.post("/v1/plans", json=body)))
    waiting.start()
    waiting.join(timeout=0.5)
    assert answers == []  # still waiting for the slot
    slots.release()
    waiting.join()
    assert answers[0].status_code == 200
    assert_valid_plan(tiny_problem, answers[0].json())


def test_waiting_for_a_slot_comes_out_of_the_search(make_client, monkeypatch, tiny_problem):
    """time_limit_s is a deadline: 0.5 s spent waiting leaves about 0.5 s of a 1 s search."""
    seen: list[SolveParams] = []

    def spy(problem, *, params):
        seen.append(params)
        return solve(problem, params=params)

    slots = SolveSlots(1)
    assert slots.acquire(timeout=0)
    monkeypatch.setattr(plans_route, "solve", spy)
    threading.Timer(0.5, slots.release).start()
    client = make_client(max_time_limit_s=30)
    client.app.state.solve_slots = slots
    response = client.post("/v1/plans", json={"problem": tiny_problem, "time_limit_s": 1.0})
    assert response.status_code == 200
    assert 0.25 <= seen[0].time_limit_s <= 0.55  # the floor is DISPATCH_MIN_SEARCH_S = 0.25 s


def test_solver_slots_busy_for_the_cap_is_a_429(make_client, monkeypatch, tiny_problem):
    """When no slot frees up within the synchronous cap, the answer is 429 queue_full."""
    slots = SolveSlots(1)
    assert slots.acquire(timeout=0)
    client = make_client(max_time_limit_s=0.1)
    client.app.state.solve_slots = slots
    response = client.post("/v1/plans", json={"problem": tiny_problem})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert error_of(response) == {
        "code": "queue_full",
        "message": "All solver slots (1) stayed busy for 0.1 s; retry later or use POST /v1/jobs.",
    }


def test_solver_slots_serve_waiters_in_arrival_order():
    """A released slot goes to the longest waiter; a timed-out waiter leaves the queue."""
    slots = SolveSlots(1)
    assert slots.acquire(timeout=0)
    assert not slots.acquire(timeout=0.01)  # times out, leaves no ghost in the queue
    order: list[int] = []

    def wait(i: int) -> None:
        assert slots.acquire(timeout=30)
        order.append(i)
        slots.release()

    threads = []
    for i in range(3):
        threads.append(threading.Thread(target=wait, args=(i,)))
        threads[-1].start()
        while len(slots._waiters) < i + 1:  # queued in this order
            threading.Event().wait(0.001)
    slots.release()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2]
    assert slots.acquire(timeout=0)  # the slot came back


# --- POST /v1/plans: input errors -----------------------------------------------------


def test_negative_service_time_is_reported_in_the_cores_words(client: TestClient, tiny_problem):
    """A negative service_min is a 422 naming problem.work_orders[1].service_min."""
    bad = mutated(tiny_problem, lambda d: d["work_orders"][1].update(service_min=-5))
    response = client.post("/v1/plans", json={"problem": bad})
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        "problem.work_orders[1].service_min",
        "Work order WO-2: service_min must be greater than or equal to 0, got -5.",
    )


def test_unknown_pinned_technician_is_a_422(client: TestClient, tiny_problem):
    """A pin to a technician who does not exist is a cross-field input error."""
    bad = mutated(tiny_problem, lambda d: d["work_orders"][0].update(pinned_technician_id="T9"))
    response = client.post("/v1/plans", json={"problem": bad})
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        "problem.work_orders[0].pinned_technician_id",
        "Work order WO-1 is pinned to unknown technician T9.",
    )


def test_every_shape_error_of_the_problem_is_listed(client: TestClient, tiny_problem):
    """Several shape errors come back together, in document order, fields prefixed."""

    def edit(d: dict[str, Any]) -> None:
        del d["technicians"][1]["shifts"]
        d["work_orders"][2]["priority"] = "P9"

    response = client.post("/v1/plans", json={"problem": mutated(tiny_problem, edit)})
    assert response.status_code == 422
    assert error_of(response)["issues"] == [
        {"field": "problem.technicians[1].shifts", "message": "Technician T2: shifts is required."},
        {
            "field": "problem.work_orders[2].priority",
            "message": "Work order WO-3: priority must be one of 'P1', 'P2', 'P3' or 'P4', "
            'got "P9".',
        },
    ]


def test_invalid_json_names_the_whole_body(client: TestClient):
    """Text that is not JSON is a 422 with field $."""
    response = client.post(
        "/v1/plans", content=b'{"problem": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        "$", "Request body is not valid JSON: Expecting value at character 12."
    )


def test_a_body_that_is_not_json_is_a_415(client: TestClient):
    """A body sent without a JSON content type is refused with unsupported_media_type."""
    response = client.post("/v1/plans", content=b"problem=1")
    assert response.status_code == 415
    assert error_of(response) == {
        "code": "unsupported_media_type",
        "message": "Content-Type must be application/json, got none.",
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "problem", "Request body: problem is required."),
        ([], "$", "Request body must be a JSON object, got []."),
        ({"problem": "x"}, "problem", 'Request body: problem must be an object, got "x".'),
        (
            {"problem": None, "time_limit": 3},
            "problem",
            "Problem document must be an object, got null.",
        ),
    ],
    ids=["empty", "list", "string-problem", "null-problem"],
)
def test_malformed_request_bodies(client: TestClient, body, field, message):
    """Bodies of the wrong shape get one sentence per issue, the first one on top."""
    response = client.post("/v1/plans", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert (error["field"], error["message"]) == (field, message)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"time_limit_s": 0},
            "time_limit_s",
            "Request body: time_limit_s must be greater than 0, got 0.",
        ),
        ({"seed": -1}, "seed", "Request body: seed must be greater than or equal to 0, got -1."),
        ({"seed": "x"}, "seed", 'Request body: seed must be an integer, got "x".'),
        ({"timelimit": 3}, "timelimit", "Request body: unknown field 'timelimit'."),
    ],
    ids=["zero-time-limit", "negative-seed", "text-seed", "unknown-field"],
)
def test_bad_solve_parameters_are_422(client: TestClient, tiny_problem, fields, field, message):
    """time_limit_s must be positive, seed a non-negative integer, and no other field exists."""
    response = client.post("/v1/plans", json={"problem": tiny_problem, **fields})
    assert response.status_code == 422
    assert error_of(response) == _input_error(field, message)


# --- POST /v1/plans/evaluate ------------------------------------------------------------


def test_a_returned_plan_evaluates_as_valid(client: TestClient, solved: Solved, tiny_problem):
    """A PlanOut sent back as is (violations included) is valid and scores its own objective."""
    plan = solved(tiny_problem)
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200
    out = response.json()
    assert (out["is_valid"], out["violations"]) == (True, [])
    assert out["kpis"]["assigned"] == 2
    assert out["objective"]["total"] == pytest.approx(plan["kpis"]["objective"], abs=1e-3)
    # WO-3 (P3, standard) is unserved: 10000 points
    assert out["objective"]["unassigned"] == 10_000


def test_evaluate_lists_violations_of_an_edited_plan(
    client: TestClient, solved: Solved, tiny_problem
):
    """Dropping an unassigned entry makes the plan invalid with missing_work_order."""
    plan = mutated(solved(tiny_problem), lambda p: p.update(unassigned=[]))
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200
    out = response.json()
    assert out["is_valid"] is False
    assert {"code": "missing_work_order", "work_order_id": "WO-3"}.items() <= out["violations"][
        0
    ].items()
    assert out["kpis"] is not None


def test_evaluate_cannot_score_a_plan_with_unknown_ids(
    client: TestClient, solved: Solved, tiny_problem
):
    """A plan naming a work order the problem lacks is invalid and gets null kpis and objective."""
    extra = {"work_order_id": "WO-99", "reason": "capacity_exhausted", "detail": ""}
    plan = mutated(solved(tiny_problem), lambda p: p["unassigned"].append(extra))
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200
    out = response.json()
    assert out["violations"][0] == {
        "code": "unknown_work_order",
        "message": "Work order WO-99 in the plan is not a work order of the problem.",
        "work_order_id": "WO-99",
        "technician_id": None,
    }
    # the plan's own KPIs (1 unassigned) no longer match its 2 unassigned entries
    assert [v["code"] for v in out["violations"]] == ["unknown_work_order", "kpi_mismatch"]
    assert (out["is_valid"], out["kpis"], out["objective"]) == (False, None, None)


def test_a_wrong_wait_is_a_violation_not_an_input_error(
    client: TestClient, solved: Solved, tiny_problem
):
    """A hand-edited wait_s (even negative) is read, and the validator names the stop."""
    plan = mutated(solved(tiny_problem), lambda p: p["routes"][0]["stops"][0].update(wait_s=-1))
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200
    body = response.json()
    assert body["is_valid"] is False
    order_id = plan["routes"][0]["stops"][0]["work_order_id"]
    assert any(order_id in v["message"] and "wait" in v["message"] for v in body["violations"])


def test_route_totals_are_output_only(client: TestClient, solved: Solved, tiny_problem):
    """A stale route travel_s (a hand edit) is ignored on input: the plan is still valid."""
    plan = solved(tiny_problem)
    wrong = plan["routes"][0]["travel_s"] + 1
    plan = mutated(plan, lambda p: p["routes"][0].update(travel_s=wrong, a_later_field="x"))
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200
    assert response.json()["is_valid"] is True


def test_evaluate_reports_problem_and_plan_errors_together(client: TestClient, tiny_problem):
    """Shape errors in both documents are listed, the problem's first."""
    bad = mutated(tiny_problem, lambda d: d["work_orders"][0].update(service_min="long"))
    response = client.post("/v1/plans/evaluate", json={"problem": bad, "plan": {"routes": []}})
    assert response.status_code == 422
    assert [i["field"] for i in error_of(response)["issues"]] == [
        "problem.work_orders[0].service_min",
        "plan.unassigned",
    ]


def _moved(plan: dict[str, Any], order_id: str, to_technician: str) -> dict[str, Any]:
    """``plan`` with ``order_id`` appended to ``to_technician``'s route (stale times kept)."""

    def move(p: dict[str, Any]) -> None:
        stop = next(s for r in p["routes"] for s in r["stops"] if s["work_order_id"] == order_id)
        for route in p["routes"]:
            route["stops"] = [s for s in route["stops"] if s["work_order_id"] != order_id]
        next(r for r in p["routes"] if r["technician_id"] == to_technician)["stops"].append(stop)
        p["routes"] = [r for r in p["routes"] if r["stops"]]

    return mutated(plan, move)


def test_retime_judges_a_dragged_order_with_fresh_times(
    client: TestClient, solved: Solved, tiny_problem
):
    """WO-2 (plumbing) dragged after WO-1 on T1: re-timed, only missing_skill, cost of the move."""
    plan = solved(tiny_problem)
    edited = _moved(plan, "WO-2", "T1")
    response = client.post(
        "/v1/plans/evaluate", json={"problem": tiny_problem, "plan": edited, "retime": True}
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["violations"] == [
        {
            "code": "missing_skill",
            "message": "Technician T1 serves work order WO-2 needing skill plumbing at level 1 "
            "but has level 0.",
            "work_order_id": "WO-2",
            "technician_id": "T1",
        }
    ]
    (route,) = out["plan"]["routes"]
    # WO-1 is 6 km east (600 s at 10 m/s), WO-2 3 km north of the origin: 6,708 m from WO-1.
    assert [(s["work_order_id"], s["arrival"][11:19], s["travel_s"]) for s in route["stops"]] == [
        ("WO-1", "08:10:00", 600),
        ("WO-2", "09:21:11", 671),
    ]
    assert out["plan"]["violations"] == out["violations"]
    assert out["plan"]["stats"]["status"] == "evaluated"
    # T2 has no route left: no work, still counted
    assert out["kpis"]["work_s_by_technician"] == {"T1": route["work_s"], "T2": 0}
    # more driving (1,271 s instead of 600 + 300) and a busier busiest shift: it costs more
    assert out["objective"]["total"] > plan["kpis"]["objective"]


def test_retime_of_an_unchanged_plan_gives_its_times_back(
    client: TestClient, solved: Solved, tiny_problem
):
    """A solver plan sent with retime is valid and keeps every route as it was."""
    plan = solved(tiny_problem)
    response = client.post(
        "/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan, "retime": True}
    )
    assert response.status_code == 200
    out = response.json()
    assert (out["is_valid"], out["violations"]) == (True, [])
    assert out["plan"]["routes"] == plan["routes"]
    assert out["objective"]["total"] == pytest.approx(plan["kpis"]["objective"], abs=1e-3)


def test_retime_ignores_stale_route_totals(client: TestClient, solved: Solved, tiny_problem):
    """Route totals that no longer match the stops are recomputed, not a 422, with retime."""
    plan = mutated(solved(tiny_problem), lambda p: p["routes"][0].update(travel_s=1))
    response = client.post(
        "/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan, "retime": True}
    )
    assert response.status_code == 200
    assert response.json()["is_valid"] is True


def test_retime_of_an_unknown_technician_is_a_422_naming_the_route(
    client: TestClient, solved: Solved, tiny_problem
):
    """A route of technician T9 cannot be timed: 422 on plan.routes[0].technician_id."""
    plan = mutated(solved(tiny_problem), lambda p: p["routes"][0].update(technician_id="T9"))
    response = client.post(
        "/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan, "retime": True}
    )
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        "plan.routes[0].technician_id",
        "Route 0 names technician T9, which the problem does not have.",
    )


def test_bug_14_too_deep_json_is_a_422_on_the_whole_body(client: TestClient):
    """JSON nested 10,000 deep is a 422 with field $ and a plain sentence, not a 400."""
    body = b"[" * 10_000 + b"]" * 10_000
    response = client.post("/v1/plans", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    limit = sys.getrecursionlimit()
    assert error_of(response) == _input_error(
        "$",
        "Request body nests objects and arrays too deeply: "
        f"at most about {limit} levels can be read.",
    )


def test_bug_14_over_long_integer_is_a_422_without_python_hints(client: TestClient):
    """An integer of 5,000 digits is a 422 on its field that does not quote Python's hint."""
    body = b'{"problem": {"technicians": [], "work_orders": []}, "seed": ' + b"7" * 5000 + b"}"
    response = client.post("/v1/plans", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    digits = sys.get_int_max_str_digits()
    assert error_of(response) == _input_error(
        "seed", f"seed is an integer of more than {digits} digits: too long to read."
    )
    assert "set_int_max_str_digits" not in response.text


@pytest.mark.parametrize(
    ("field", "value", "bound"),
    [
        ("seed", 2**31, "less than or equal to 2147483647"),
        ("time_limit_s", 1e308, "less than or equal to 1000000"),
    ],
)
def test_bug_14_seed_and_time_limit_are_bounded(
    client: TestClient, tiny_problem, field, value, bound
):
    """A seed beyond 32-bit signed or a huge time limit is a 422 naming the field and bound."""
    response = client.post("/v1/plans", json={"problem": tiny_problem, field: value})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == field
    assert bound in error["message"]


def test_bug_14_weight_over_its_bound_is_a_422_naming_it(client: TestClient, tiny_problem):
    """vip_multiplier 1e12 (an OR-Tools overflow before) is a 422 naming the weight and bound."""
    doc = mutated(tiny_problem, lambda d: d.update(weights={"vip_multiplier": 1e12}))
    response = client.post("/v1/plans", json={"problem": doc})
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        "problem.weights.vip_multiplier",
        "Weights: vip_multiplier must be less than or equal to 1000, got 1000000000000.0.",
    )


def test_shape_and_cross_field_errors_come_in_one_422(client: TestClient, tiny_problem):
    """A bad service time (shape), a duplicate id and an inverted window (cross-field): one 422."""

    def spoil(d: dict[str, Any]) -> None:
        d["work_orders"][0]["service_min"] = "long"
        d["work_orders"][2]["id"] = "WO-2"
        d["work_orders"][1]["windows"] = [
            {"start": "2026-11-23T12:00:00+01:00", "end": "2026-11-23T08:00:00+01:00"}
        ]

    response = client.post("/v1/plans", json={"problem": mutated(tiny_problem, spoil)})
    assert response.status_code == 422
    assert [i["field"] for i in error_of(response)["issues"]] == [
        "problem.work_orders[0].service_min",
        "problem.work_orders[2].id",
        "problem.work_orders[1].windows[0]",
    ]
