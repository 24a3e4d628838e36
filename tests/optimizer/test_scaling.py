"""The document's number bounds and the scaled-cost check keep the search models in 64 bits."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import InputError, SolveParams, check_plan, plan_cost, solve
from optimizer.cli import main
from optimizer.document import load_problem
from optimizer.document.models import (
    MAX_COORDINATE_M,
    MAX_COST_PER_HOUR,
    MAX_COUNT,
    MAX_VIP_MULTIPLIER,
    MAX_WEIGHT,
)
from optimizer.scaling import COST_LIMIT, COST_SCALE, INT64_MAX, largest_scaled_cost

LYON = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "lyon-small.json"

# The ten inputs of issue 14 that reached OR-Tools and failed there (500 / traceback).
OVERFLOWING = [
    ("technicians[0].max_orders_per_shift", ("technicians", 0, "max_orders_per_shift"), 2**63),
    ("technicians[0].van_stock.filter", ("technicians", 0, "van_stock", "filter"), 2**63),
    ("weights.vip_multiplier", ("weights", "vip_multiplier"), 1e12),
    ("weights.unassigned_by_priority.P2", ("weights", "unassigned_by_priority", "P2"), 1e16),
    (
        "weights.late_per_minute_by_priority.P1",
        ("weights", "late_per_minute_by_priority", "P1"),
        1e308,
    ),
    ("weights.non_preferred_technician", ("weights", "non_preferred_technician"), 1e308),
    ("weights.workload_balance_per_hour", ("weights", "workload_balance_per_hour"), 1e308),
    ("weights.labor_cost", ("weights", "labor_cost"), 1e308),
    ("weights.travel_per_hour", ("weights", "travel_per_hour"), 1e308),
    ("technicians[0].cost_per_hour", ("technicians", 0, "cost_per_hour"), 1e308),
]


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        if isinstance(key, str) and key not in node:
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return doc


def _lyon() -> dict[str, Any]:
    return json.loads(LYON.read_text())


@pytest.mark.parametrize(("field", "path", "value"), OVERFLOWING, ids=[c[0] for c in OVERFLOWING])
def test_bug_14_out_of_range_numbers_are_input_errors(field, path, value):
    """Each number that overflowed OR-Tools is refused when read, naming its field and bound."""
    with pytest.raises(InputError) as caught:
        load_problem(_set(_lyon(), path, value))
    assert caught.value.issues[0].field == field
    assert "must be less than or equal to" in caught.value.issues[0].message


def test_bug_14_cli_exits_2_without_traceback(tmp_path, capsys):
    """dispatch solve on a too-large weight prints the field and exits 2, no traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_set(_lyon(), ("weights", "vip_multiplier"), 1e12)))
    assert main(["solve", str(bad), "--time-limit", "1"]) == 2
    printed = capsys.readouterr()
    assert "weights.vip_multiplier" in printed.err + printed.out
    assert "Traceback" not in printed.err + printed.out


def test_single_coefficients_at_the_bounds_fit_64_bits():
    """The largest single coefficient any bounded weight gives is far below 2**63."""
    # unserved: weight x VIP x scale; lateness: per minute -> per second; labour: per hour.
    unserved = MAX_WEIGHT * MAX_VIP_MULTIPLIER * COST_SCALE  # 3.6e15
    late_per_s = MAX_WEIGHT * MAX_VIP_MULTIPLIER * COST_SCALE / 60  # 6e13
    labor_per_s = MAX_COST_PER_HOUR * MAX_WEIGHT * COST_SCALE / 3600  # 1e15
    assert max(unserved, late_per_s, labor_per_s, MAX_COUNT) < INT64_MAX / 1000


def test_weights_too_large_for_the_problem_are_refused_naming_weights():
    """Lateness weights at their bound over a year-long horizon: an error naming weights."""
    doc = _lyon()
    doc["technicians"][0]["shifts"][0]["end"] = "2027-11-23T17:00:00+01:00"
    doc["weights"] = {
        "unassigned_by_priority": dict.fromkeys(("P1", "P2", "P3", "P4"), MAX_WEIGHT),
        "late_per_minute_by_priority": dict.fromkeys(("P1", "P2", "P3", "P4"), MAX_WEIGHT),
        "vip_multiplier": MAX_VIP_MULTIPLIER,
    }
    with pytest.raises(InputError) as caught:
        load_problem(doc)
    issue = caught.value.issues[0]
    assert issue.field == "weights"
    assert "too large for this problem" in issue.message


_EDGE_WEIGHT = st.sampled_from([0.0, 1.0, 1e4, 1e6, MAX_WEIGHT])


@st.composite
def _extreme_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Planar problems of 1-4 orders with weights, spans and horizons at their edges."""
    span = draw(st.sampled_from([1.0, 1e4, MAX_COORDINATE_M]))
    end_year = draw(st.sampled_from([2026, 2027, 2100, 9999]))
    shift = {"start": "2026-11-23T08:00:00+00:00", "end": f"{end_year}-11-23T17:00:00+00:00"}
    n_orders = draw(st.integers(1, 4))
    return {
        "travel": {"kind": "planar", "speed_mps": draw(st.sampled_from([0.01, 1.0, 10_000]))},
        "weights": {
            "travel_per_hour": draw(_EDGE_WEIGHT),
            "unassigned_by_priority": {"P1": draw(_EDGE_WEIGHT), "P3": draw(_EDGE_WEIGHT)},
            "late_per_minute_by_priority": {"P1": draw(_EDGE_WEIGHT)},
            "vip_multiplier": draw(st.sampled_from([0.0, 2.0, MAX_VIP_MULTIPLIER])),
            "non_preferred_technician": draw(_EDGE_WEIGHT),
            "workload_balance_per_hour": draw(_EDGE_WEIGHT),
            "labor_cost": draw(_EDGE_WEIGHT),
        },
        "technicians": [
            {
                "id": f"T{t}",
                "shifts": [shift],
                "start": {"x": -span, "y": 0},
                "cost_per_hour": draw(st.sampled_from([0.0, MAX_COST_PER_HOUR])),
                "max_orders_per_shift": draw(st.sampled_from([None, MAX_COUNT])),
            }
            for t in range(2)
        ],
        "work_orders": [
            {
                "id": f"WO-{i}",
                "location": {"x": span if i % 2 else 0, "y": span},
                "service_min": 30,
                "priority": "P1" if i % 2 else "P3",
                "tier": "vip" if i == 0 else "standard",
                "respond_by": "2026-11-23T09:00:00+00:00",
                "preferred_technician_ids": ["T0"],
            }
            for i in range(n_orders)
        ],
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_extreme_documents())
def test_bug_14_no_valid_document_overflows_the_model(doc):
    """Every extreme document is refused on weights, or solves with its cost under the bound."""
    try:
        problem = load_problem(doc)
    except InputError as exc:
        assert [i.field for i in exc.issues] == ["weights"]
        return
    bound = largest_scaled_cost(problem)
    assert bound <= COST_LIMIT
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        plan = solve(problem, params=SolveParams(time_limit_s=0.3, engine="ortools"))
    assert check_plan(problem, plan) == []
    assert plan_cost(problem, plan)["total"] * COST_SCALE <= bound
