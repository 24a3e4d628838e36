"""api.mapping: problem and plan documents to the domain and back, errors with request paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from api.mapping import (
    edits_to_domain,
    evaluation_to_out,
    plan_from_in,
    plan_to_out,
    prefix_field,
    to_domain,
)
from api.schemas import PlanIn, PlanOut, ProblemIn
from api.schemas.whatif import OperationIn
from optimizer import CloseDepot, InputError, Problem, SolveParams, check_plan, solve
from optimizer.document import load_problem, problem_to_document
from tests.strategies import problems

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def solved_tiny(tiny_problem: dict[str, Any]) -> tuple[Problem, Any]:
    """The tiny problem and a checked plan for it (solution limit, no clock dependence)."""
    problem = to_domain(tiny_problem)
    plan = solve(problem, params=SolveParams(time_limit_s=2, solution_limit=20))
    assert check_plan(problem, plan) == []
    return problem, plan


def test_to_domain_reads_validated_and_raw_documents_alike(lyon_small):
    """A ProblemIn, its raw dict and load_problem give the same Problem."""
    expected = load_problem(lyon_small)
    assert to_domain(ProblemIn.model_validate(lyon_small)) == expected
    assert to_domain(lyon_small) == expected


@settings(max_examples=25, deadline=None)
@given(problems())
def test_problem_document_round_trip(problem: Problem):
    """to_domain(problem_to_document(to_domain(doc))) == to_domain(doc) for random problems."""
    document = problem_to_document(problem)
    domain = to_domain(ProblemIn.model_validate(document))
    assert to_domain(problem_to_document(domain)) == domain


def test_plan_round_trip_through_plan_out(solved_tiny):
    """plan_from_in(problem, plan_to_out(problem, plan)) == plan, also through PlanOut/PlanIn."""
    problem, plan = solved_tiny
    out = plan_to_out(problem, plan)
    assert out["violations"] == []
    assert plan_from_in(problem, out) == plan
    assert plan_from_in(problem, PlanOut.model_validate(out)) == plan
    plan_doc = {k: v for k, v in out.items() if k not in ("violations", "warnings")}
    assert plan_from_in(problem, PlanIn.model_validate(plan_doc)) == plan


def test_evaluation_of_a_solved_plan(solved_tiny):
    """A solver plan evaluates as valid with the solver's KPIs and objective terms."""
    problem, plan = solved_tiny
    out = evaluation_to_out(problem, plan)
    assert (out["is_valid"], out["violations"]) == (True, [])
    assert out["kpis"]["assigned"] == plan.kpis["assigned"]
    assert out["objective"]["total"] == pytest.approx(plan.kpis["objective"], abs=1e-3)


def test_problem_errors_are_prefixed_with_the_body_field(tiny_problem):
    """InputError fields name the document's place in the request body."""
    tiny_problem["work_orders"][2]["service_min"] = -1
    with pytest.raises(InputError) as caught:
        to_domain(tiny_problem, field_prefix="base")
    assert caught.value.field == "base.work_orders[2].service_min"
    assert caught.value.message == (
        "Work order WO-3: service_min must be greater than or equal to 0, got -1."
    )


def test_plan_errors_are_prefixed_with_the_body_field(solved_tiny):
    """A malformed plan document raises InputError with fields under plan."""
    problem, _ = solved_tiny
    with pytest.raises(InputError) as caught:
        plan_from_in(problem, {"routes": [{"technician_id": "T1"}], "unassigned": []})
    fields = [i.field for i in caught.value.issues]
    assert fields and all(f.startswith("plan.routes[0].") for f in fields)


@pytest.mark.parametrize(
    ("field", "prefix", "expected"),
    [
        ("work_orders[3].service_min", "problem", "problem.work_orders[3].service_min"),
        ("$", "problem", "problem"),
        ("[0]", "variants", "variants[0]"),
        ("travel.kind", "", "travel.kind"),
    ],
)
def test_prefix_field(field, prefix, expected):
    """Document paths become body paths; $ (the whole document) becomes the prefix itself."""
    assert prefix_field(field, prefix) == expected


@given(st.text(max_size=20))
def test_prefix_never_loses_the_field(field: str):
    """Every prefixed field starts with the prefix and keeps the original path after it."""
    prefixed = prefix_field(field or "$", "problem")
    assert prefixed.startswith("problem")
    assert field in ("", "$") or prefixed.endswith(field)


def test_plan_with_depot_stops_round_trips_through_plan_out():
    """A plan visiting a depot goes out as PlanOut (depot stops in stops) and back unchanged."""
    doc = json.loads((ROOT / "scenarios/data/metro-depots.json").read_text(encoding="utf-8"))
    problem = to_domain(doc)
    plan = solve(problem, params=SolveParams(time_limit_s=5, solution_limit=10, seed=1))
    assert check_plan(problem, plan) == []
    assert any(r.depot_stops for r in plan.routes)
    out = plan_to_out(problem, plan)
    kinds = {s.get("kind", "work_order") for r in out["routes"] for s in r["stops"]}
    assert kinds == {"work_order", "depot"}
    assert plan_from_in(problem, PlanOut.model_validate(out)) == plan


def test_close_depot_operation_maps_to_the_core_edit():
    """The what-if operation close_depot becomes optimizer.CloseDepot."""
    op = TypeAdapter(OperationIn).validate_python({"op": "close_depot", "depot_id": "D-1"})
    assert edits_to_domain([op]) == [CloseDepot("D-1")]
