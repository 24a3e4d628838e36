"""POST /v1/whatif: rows and deltas, worker processes, limits, metrics, exact error bodies.

The base problem (planar, 36 km/h, one-hour orders, shifts 08:00-17:00 +01:00)::

    T1 at (0, 0) km    W1 (6, 0), W2 (12, 0)
    T2 at (0, 30) km   W3 (0, 36)

Most tests replace the process pool by an in-process one (same calls,
no spawn cost); one test runs the real spawned workers.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future
from multiprocessing import get_context
from typing import Any, ClassVar

import pytest

from api.metrics import REGISTRY
from api.solve_pool import SolvePool
from scenarios import get_scenario
from tests.api.helpers import assert_valid_plan, error_of

DAY = "2026-11-23T{}:00+01:00"


def _order(wid: str, x_km: float, y_km: float, **fields: Any) -> dict[str, Any]:
    return {
        "id": wid,
        "location": {"x": x_km * 1000, "y": y_km * 1000},
        "service_min": 60,
        **fields,
    }


@pytest.fixture
def base() -> dict[str, Any]:
    """The base problem of the module docstring."""
    shift = {"start": DAY.format("08:00"), "end": DAY.format("17:00")}
    return {
        "travel": {"kind": "planar", "speed_mps": 10},
        "technicians": [
            {"id": "T1", "shifts": [shift], "start": {"x": 0, "y": 0}},
            {"id": "T2", "shifts": [shift], "start": {"x": 0, "y": 30000}},
        ],
        "work_orders": [_order("W1", 6, 0), _order("W2", 12, 0), _order("W3", 0, 36)],
    }


class InlinePool:
    """A ProcessPoolExecutor stand-in: runs jobs in the calling thread, records its arguments."""

    created: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kwargs: Any) -> None:
        InlinePool.created.append(kwargs)

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future


def use_inline_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every app's solver pool (:class:`api.solve_pool.SolvePool`) an :class:`InlinePool`."""
    InlinePool.created = []
    pools: dict[int, InlinePool] = {}

    def executor(self: SolvePool) -> InlinePool:
        if id(self) not in pools:
            pools[id(self)] = InlinePool(max_workers=self.workers, mp_context=get_context("spawn"))
        return pools[id(self)]

    monkeypatch.setattr(SolvePool, "executor", executor)


@pytest.fixture
def inline_pool(monkeypatch) -> type[InlinePool]:
    """Replace the app's process pool by :class:`InlinePool`."""
    use_inline_pools(monkeypatch)
    return InlinePool


NO_T2 = {"name": "no-T2", "patch": [{"op": "remove", "path": "/technicians/1"}]}
MORE = {
    "name": "more-demand",
    "patch": [{"op": "add", "path": "/work_orders/-", "value": _order("W4", 3, 0)}],
}


def _body(base: dict[str, Any], *variants: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"base": base, "variants": list(variants), "time_limit_s": 0.3, **fields}


def test_rows_compare_each_variant_with_the_base(client, inline_pool, base):
    """The base row comes first with zero deltas; without T2, T1 drives to W3 and back."""
    response = client.post("/v1/whatif", json=_body(base, NO_T2, MORE))
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [r["name"] for r in rows] == ["base", "no-T2", "more-demand"]
    assert all(r["violations"] == 0 for r in rows)  # check_plan ran in the worker
    base_row, no_t2, more = rows
    assert base_row["kpis"]["assigned_pct"] == 100.0
    assert all(v in (0, 0.0, {}) for v in base_row["deltas"].values())
    assert no_t2["deltas"]["travel_s_total"] > 0
    assert no_t2["deltas"]["travel_s_total"] == (
        no_t2["kpis"]["travel_s_total"] - base_row["kpis"]["travel_s_total"]
    )
    assert more["kpis"]["unassigned"] == 0 and more["deltas"]["unassigned"] == 0
    assert set(base_row["kpis"]) == {
        "assigned_pct",
        "sla_met_pct",
        "sla_met_pct_by_priority",
        "travel_s_total",
        "distance_m_total",
        "workload_cv",
        "objective",
        "unassigned",
    }


def test_sla_deltas_by_priority_cover_both_sides(client, inline_pool, base):
    """A priority only a variant has gets a null delta; shared ones get a number."""
    base["work_orders"][0].update(priority="P2", resolve_by=DAY.format("12:00"))
    urgent = _order("P1", 1, 0, priority="P1", respond_by=DAY.format("09:00"))
    variant = {"name": "p1", "patch": [{"op": "add", "path": "/work_orders/-", "value": urgent}]}
    response = client.post("/v1/whatif", json=_body(base, variant))
    assert response.status_code == 200
    row = response.json()["rows"][1]
    assert row["kpis"]["sla_met_pct_by_priority"] == {"P1": 100.0, "P2": 100.0}
    assert row["deltas"]["sla_met_pct_by_priority"] == {"P1": None, "P2": 0.0}


def test_workers_and_time_limit_come_from_settings(make_client, inline_pool, base):
    """The app's one pool has DISPATCH_WHATIF_WORKERS spawned processes, shared by every
    request; the time limit is capped."""
    client = make_client(whatif_workers=3, max_time_limit_s=0.2)
    response = client.post("/v1/whatif", json=_body(base, NO_T2, time_limit_s=10))
    assert response.status_code == 200
    assert client.post("/v1/whatif", json=_body(base, NO_T2)).status_code == 200
    (pool,) = inline_pool.created  # one pool for both requests
    assert pool["max_workers"] == 3
    assert pool["mp_context"].get_start_method() == "spawn"
    assert response.json()["rows"][0]["status"] in ("optimal", "feasible")


def test_each_solve_is_counted_in_metrics(client, inline_pool, base):
    """Base and variants add one each to dispatch_solves_total{kind="whatif"}."""

    def count() -> float:
        return sum(
            s.value
            for m in REGISTRY.collect()
            for s in m.samples
            if s.name == "dispatch_solves_total" and s.labels["kind"] == "whatif"
        )

    before = count()
    assert client.post("/v1/whatif", json=_body(base, NO_T2, MORE)).status_code == 200
    assert count() == before + 3


def test_variants_run_in_real_worker_processes(client, base):
    """With the real spawned pool, every row comes back solved and valid; a second request
    is solved by the same processes (started once, with the app)."""
    response = client.post("/v1/whatif", json=_body(base, NO_T2, time_limit_s=0.2))
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [(r["name"], r["violations"]) for r in rows] == [("base", 0), ("no-T2", 0)]
    pool = client.app.state.solve_pool.executor()
    pids = set(pool._processes)
    assert client.post("/v1/whatif", json=_body(base, NO_T2, time_limit_s=0.2)).status_code == 200
    assert pids and set(pool._processes) == pids


# --- errors ------------------------------------------------------------------------


def _input_error(*issues: tuple[str, str]) -> dict[str, Any]:
    return {
        "code": "input_error",
        "message": issues[0][1],
        "field": issues[0][0],
        "issues": [{"field": f, "message": m} for f, m in issues],
    }


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            [
                {"op": "remove", "path": "/technicians/1"},
                {"op": "remove", "path": "/technicians/5"},
            ],
            "Variant v: patch operation 1 (remove /technicians/5) cannot be applied: "
            "can't remove a non-existent object '5'.",
        ),
        (
            [{"op": "add", "path": "/shifts"}],
            "Variant v: patch operation 0 (add /shifts) cannot be applied: add needs a value.",
        ),
        (
            [{"op": "test", "path": "/technicians/0/id", "value": "T9"}],
            "Variant v: patch operation 0 (test /technicians/0/id) cannot be applied: "
            "the value at /technicians/0/id is not the tested value.",
        ),
        (
            [{"op": "add", "path": "/weights/travel_per_hour", "value": 1}],
            "Variant v: patch operation 0 (add /weights/travel_per_hour) cannot be applied: "
            "member 'weights' not found.",
        ),
        (
            [{"op": "move", "from": "/nowhere", "path": "/x"}],
            "Variant v: patch operation 0 (move /x) cannot be applied: "
            "/nowhere does not exist in the document.",
        ),
    ],
    ids=["missing-index", "no-value", "test-failed", "missing-parent", "missing-from"],
)
def test_patch_that_cannot_be_applied_names_the_operation(client, base, patch, message):
    """A failing operation is a 422 on variants[i].patch[j], without echoing the document."""
    variant = {"name": "v", "patch": patch}
    response = client.post("/v1/whatif", json=_body(base, variant))
    assert response.status_code == 422
    field = f"variants[0].patch[{len(patch) - 1}]"
    assert error_of(response) == _input_error((field, message))


def test_invalid_patched_document_uses_the_core_wording(client, base):
    """Every issue of every patched document is reported under variants[i].document."""
    bad_order = {
        "name": "bad-order",
        "patch": [{"op": "replace", "path": "/work_orders/0/service_min", "value": -5}],
    }
    bad_pin = {
        "name": "bad-pin",
        "patch": [{"op": "add", "path": "/work_orders/1/pinned_technician_id", "value": "T9"}],
    }
    response = client.post("/v1/whatif", json=_body(base, bad_order, bad_pin))
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        (
            "variants[0].document.work_orders[0].service_min",
            "Work order W1: service_min must be greater than or equal to 0, got -5.",
        ),
        (
            "variants[1].document.work_orders[1].pinned_technician_id",
            "Work order W2 is pinned to unknown technician T9.",
        ),
    )


def test_variant_names_are_unique_and_not_base(client, base):
    """A variant named base, or a name used twice, is a 422 on its name."""
    response = client.post(
        "/v1/whatif", json=_body(base, {"name": "base", "patch": []}, NO_T2, copy.deepcopy(NO_T2))
    )
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        (
            "variants[0].name",
            "Variant name base is the base row's name; variant names must be unique and not base.",
        ),
        (
            "variants[2].name",
            "Variant name no-T2 is used twice; variant names must be unique and not base.",
        ),
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"variants": []},
            "variants",
            "Request body: variants must not be empty, got [].",
        ),
        (
            {"variants": [{"name": "v", "patch": [{"op": "frob", "path": "/x"}]}]},
            "variants[0].patch[0].op",
            "Request body: variants[0].patch[0].op must be one of 'add', 'remove', 'replace', "
            "'move', 'copy' or 'test', got \"frob\".",
        ),
    ],
    ids=["no-variants", "unknown-op"],
)
def test_bad_request_fields_are_422(client, base, fields, field, message):
    """Shape errors of the request body name the field."""
    response = client.post("/v1/whatif", json={**_body(base, NO_T2), **fields})
    assert response.status_code == 422
    assert error_of(response) == _input_error((field, message))


def test_too_many_variants_is_422(client, base):
    """More than 20 variants is refused on the variants field."""
    variants = [{"name": f"v{k}", "patch": []} for k in range(21)]
    response = client.post("/v1/whatif", json={**_body(base), "variants": variants})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "variants"
    assert error["message"].startswith("Request body: variants must have at most 20 item(s), got [")


def test_invalid_base_uses_the_core_wording(client, base):
    """An invalid base problem is reported under base, like a problem elsewhere."""
    base["work_orders"][0]["service_min"] = -1
    response = client.post("/v1/whatif", json=_body(base, NO_T2))
    assert response.status_code == 422
    assert error_of(response) == _input_error(
        (
            "base.work_orders[0].service_min",
            "Work order W1: service_min must be greater than or equal to 0, got -1.",
        )
    )


def test_bug_patch_replacing_the_whole_document_is_an_input_error(client, base):
    """A patch that replaces the document with null is a 422 naming the variant, not a 500."""
    variant = {"name": "null", "patch": [{"op": "add", "path": "", "value": None}]}
    response = client.post("/v1/whatif", json=_body(base, variant))
    assert response.status_code == 422
    assert response.json()["error"]["field"].startswith("variants[0].document")


# --- POST /v1/whatif/tradeoff ---------------------------------------------------------


def test_tradeoff_sweeps_travel_against_lateness(make_client, base):
    """Three factors of travel_per_hour, each plan valid, the non-dominated first, by factor."""
    client = make_client(whatif_workers=1)
    base["work_orders"][1]["respond_by"] = DAY.format("08:30")
    body = {
        "problem": base,
        "sweep": "travel_per_hour",
        "points": 3,
        "low": 0.5,
        "high": 2,
        "time_limit_s": 0.3,
    }
    response = client.post("/v1/whatif/tradeoff", json=body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["sweep"], out["measure"], out["against"]) == (
        "travel_per_hour",
        "travel_h",
        "lateness_min",
    )
    points = out["points"] + out["dominated"]
    assert sorted(p["factor"] for p in points) == [0.5, 1.0, 2.0]
    assert [p["factor"] for p in out["points"]] == sorted(p["factor"] for p in out["points"])
    assert all(p["violations"] == 0 for p in points)  # check_plan ran on each point
    assert out["warnings"] == []  # known skills, time limit under the cap
    assert {p["factor"]: p["value"] for p in points} == {0.5: 30.0, 1.0: 60.0, 2.0: 120.0}
    for p in out["dominated"]:
        assert any(
            q["measures"]["travel_h"] <= p["measures"]["travel_h"]
            and q["measures"]["lateness_min"] <= p["measures"]["lateness_min"]
            for q in out["points"]
        )


def test_tradeoff_of_a_zero_weight_is_a_422_on_sweep(client, base):
    """labor_cost is 0 by default: a multiple of it sweeps nothing."""
    response = client.post("/v1/whatif/tradeoff", json={"problem": base, "sweep": "labor_cost"})
    assert response.status_code == 422
    message = (
        "The problem's weight labor_cost is 0: a multiple of it sweeps nothing; give it a "
        "value in the problem's weights first."
    )
    assert error_of(response) == {
        "code": "input_error",
        "message": message,
        "field": "sweep",
        "issues": [{"field": "sweep", "message": message}],
    }


def test_tradeoff_grid_limits_are_422(client, base):
    """Too many points and a reversed grid are each named."""
    too_many = {"problem": base, "sweep": "travel_per_hour", "points": 13}
    assert error_of(client.post("/v1/whatif/tradeoff", json=too_many))["field"] == "points"
    reversed_ = {"problem": base, "sweep": "travel_per_hour", "low": 3, "high": 1}
    error = error_of(client.post("/v1/whatif/tradeoff", json=reversed_))
    assert (error["field"], error["message"]) == (
        "high",
        "Invalid grid: low 3 and high 1 need 0 < low <= high.",
    )


# --- named operations (issue 15) ---------------------------------------------------


def test_bug_15_documented_example_removes_t02_with_its_references(client, inline_pool):
    """lyon-small without T-02: 200, its preference on WO-1008 removed and reported, plans back."""
    lyon = get_scenario("lyon-small").load()
    variant = {
        "name": "T-02 off",
        "operations": [{"op": "remove_technician", "technician_id": "T-02"}],
    }
    response = client.post("/v1/whatif", json=_body(lyon, variant, include_plans=True))
    assert response.status_code == 200, response.text
    base_row, off = response.json()["rows"]
    assert off["warnings"] == [
        {
            "code": "references_removed",
            "field": "variants[0].document.work_orders[7].preferred_technician_ids",
            "message": "Work order WO-1008 preferred T-02; T-02 is removed from its "
            "preferred_technician_ids.",
        },
        {
            "code": "unknown_skill",
            "field": "variants[0].document.work_orders[10].required_skills.gas",
            "message": "Work order WO-1011 requires skill gas, which no technician has: "
            "it cannot be served.",
        },
    ]
    assert {r["technician_id"] for r in off["plan"]["routes"]} <= {"T-01", "T-03"}
    assert_valid_plan(lyon, base_row["plan"])
    without = {**lyon, "technicians": [t for t in lyon["technicians"] if t["id"] != "T-02"]}
    for order in without["work_orders"]:
        order["preferred_technician_ids"] = [
            t for t in order.get("preferred_technician_ids", []) if t != "T-02"
        ]
    assert_valid_plan(without, off["plan"])
    assert off["deltas"]["unassigned"] == off["kpis"]["unassigned"] - base_row["kpis"]["unassigned"]


def test_json_patch_removal_points_at_remove_technician(client, inline_pool):
    """A JSON Patch removing T-02 still fails, and the message says what to use instead."""
    lyon = get_scenario("lyon-small").load()
    variant = {"name": "v", "patch": [{"op": "remove", "path": "/technicians/1"}]}
    response = client.post("/v1/whatif", json=_body(lyon, variant))
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "variants[0].document.work_orders[7].preferred_technician_ids[0]"
    assert error["message"] == (
        "Work order WO-1008 prefers unknown technician T-02. A JSON Patch remove leaves a "
        "technician's references behind; the remove_technician operation removes them too."
    )


def test_pins_exclusions_and_dispatches_are_removed_with_the_technician(client, inline_pool, base):
    """Each reference to the removed T2 goes, one warning each; the variant is solvable."""
    base["work_orders"][0].update(pinned_technician_id="T2", excluded_technician_ids=["T1"])
    base["work_orders"][1].update(excluded_technician_ids=["T2"], dispatched_technician_id="T2")
    variant = {"name": "v", "operations": [{"op": "remove_technician", "technician_id": "T2"}]}
    response = client.post("/v1/whatif", json=_body(base, variant, include_plans=True))
    assert response.status_code == 200, response.text
    row = response.json()["rows"][1]
    prefix = "variants[0].document.work_orders"
    assert [w["field"] for w in row["warnings"]] == [
        f"{prefix}[0].pinned_technician_id",
        f"{prefix}[1].dispatched_technician_id",
        f"{prefix}[1].excluded_technician_ids",
    ]
    assert row["plan"]["violations"] == []
    assert {r["technician_id"] for r in row["plan"]["routes"]} == {"T1"}


def test_add_technician_copies_one_with_changes(client, inline_pool, base):
    """A copy of T1 placed at W3 takes W3 over: less driving than the base."""
    variant = {
        "name": "van at W3",
        "operations": [
            {
                "op": "add_technician",
                "copy_of": "T1",
                "id": "T3",
                "changes": {"start": {"x": 0, "y": 36000}, "name": "Temp"},
            }
        ],
    }
    response = client.post("/v1/whatif", json=_body(base, variant, include_plans=True))
    assert response.status_code == 200, response.text
    row = response.json()["rows"][1]
    assert row["deltas"]["travel_s_total"] < 0
    served_by = {
        s["work_order_id"]: r["technician_id"] for r in row["plan"]["routes"] for s in r["stops"]
    }
    assert served_by["W3"] == "T3"
    assert row["plan"]["violations"] == []


def test_change_shift_set_weights_and_add_orders(client, inline_pool, base):
    """A shift cut to 08:00-09:30, P3 orders free to drop, and one more order, in one variant."""
    variant = {
        "name": "short day",
        "operations": [
            {"op": "change_shift", "technician_id": "T1", "end": DAY.format("09:30")},
            {"op": "set_weights", "weights": {"unassigned_by_priority": {"P3": 0}}},
            {"op": "add_orders", "work_orders": [_order("W4", 3, 0)]},
        ],
    }
    response = client.post("/v1/whatif", json=_body(base, variant, include_plans=True))
    assert response.status_code == 200, response.text
    row = response.json()["rows"][1]
    routes = row["plan"]["routes"]
    assert all(r["end"] <= DAY.format("09:30") for r in routes if r["technician_id"] == "T1")
    left = {u["work_order_id"] for u in row["plan"]["unassigned"]}
    assert row["kpis"]["unassigned"] == len(left) >= 1
    assert "W4" in left | {s["work_order_id"] for r in routes for s in r["stops"]}
    assert row["plan"]["violations"] == []


def test_operations_naming_unknown_technicians_or_shifts_are_422(client, inline_pool, base):
    """Every bad operation is listed with its path and one sentence; nothing is solved."""
    variant: dict[str, Any] = {
        "name": "v",
        "operations": [
            {"op": "remove_technician", "technician_id": "T9"},
            {"op": "change_shift", "technician_id": "T1", "shift_index": 3},
            {"op": "add_technician", "copy_of": "T1", "id": "T2"},
        ],
    }
    response = client.post("/v1/whatif", json=_body(base, variant))
    assert response.status_code == 422
    assert error_of(response)["issues"] == [
        {
            "field": "variants[0].operations[0]",
            "message": "Cannot remove technician T9: the problem has no technician T9 "
            "(technicians: T1, T2).",
        },
        {
            "field": "variants[0].operations[1]",
            "message": "Cannot change shift 3 of technician T1: it has 1 shift(s), "
            "numbered from 0.",
        },
        {
            "field": "variants[0].operations[2]",
            "message": "Cannot add technician T2 as a copy of T1: technician T2 already exists.",
        },
    ]
    assert inline_pool.created == []


def test_unknown_operation_is_422_naming_op(client, inline_pool, base):
    """An operation kind that does not exist is refused with the allowed ones named."""
    variant = {"name": "v", "operations": [{"op": "fire_technician", "technician_id": "T1"}]}
    response = client.post("/v1/whatif", json=_body(base, variant))
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "variants[0].operations[0]"
    assert "remove_technician" in error["message"] and "add_orders" in error["message"]


def test_capped_time_limit_is_reported(make_client, inline_pool, base):
    """A time_limit_s above the cap runs at the cap and says so in a warning."""
    client = make_client(max_time_limit_s=0.2)
    variant = {"name": "v", "operations": [{"op": "remove_technician", "technician_id": "T2"}]}
    response = client.post("/v1/whatif", json=_body(base, variant, time_limit_s=999))
    assert response.status_code == 200, response.text
    assert response.json()["warnings"] == [
        {
            "code": "time_limit_capped",
            "field": "time_limit_s",
            "message": "time_limit_s 999 is above this server's cap of 0.2 s "
            "(DISPATCH_MAX_TIME_LIMIT_S): the solve ran for 0.2 s; longer solves belong "
            "in POST /v1/jobs.",
        }
    ]
