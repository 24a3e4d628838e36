"""POST /v1/plans/explain and the score analysis of /v1/plans and /v1/plans/evaluate.

``tiny_problem`` (tests/api/conftest.py): T1 hvac 2 and T2 plumbing 1, both
08:00-17:00 (+01:00); WO-3 needs electrical, which nobody has.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from api.mapping import plan_from_in, to_domain
from optimizer import apply_fix, check_plan, find_fixes
from tests.api.helpers import assert_valid_plan, error_of

Solved = Callable[..., dict[str, Any]]


def _assert_adds_up(analysis: dict[str, Any], objective: float) -> None:
    """Entries, terms and the per-order and per-technician sums all add up to the objective."""
    total = Decimal(repr(analysis["total"]))
    assert analysis["total"] == objective
    assert sum(Decimal(repr(e["points"])) for e in analysis["entries"]) == total
    assert sum(Decimal(repr(v)) for v in analysis["terms"].values()) == total
    parts = [*analysis["by_order"].values(), *analysis["by_technician"].values()]
    assert sum(Decimal(repr(v)) for v in parts) == total


def test_explain_gives_the_unqualified_order_a_verified_skill_fix(
    client: TestClient, solved: Solved, tiny_problem
):
    """WO-3 needs electrical: giving it to a technician serves it, and the validator agrees."""
    plan = solved(tiny_problem)
    response = client.post("/v1/plans/explain", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200, response.text
    out = response.json()
    assert_valid_plan(tiny_problem, out)
    (unserved,) = out["unassigned"]
    (fix,) = unserved["fixes"]
    assert (fix["kind"], fix["verified"]) == ("skill", True)
    assert fix["change"]["skills"] == {"electrical": 1}
    assert fix["detail"].startswith("Nobody has electrical at level 1: with ")
    assert fix["cost_delta"] < -9000  # a 10,000-point P3 served for some driving
    problem = to_domain(tiny_problem)
    domain_plan = plan_from_in(problem, plan)
    (found,) = find_fixes(problem, domain_plan, "WO-3")
    assert check_plan(apply_fix(problem, "WO-3", found.fix), found.plan) == []
    assert found.fix.detail == fix["detail"]


def test_an_explained_plan_reads_back_with_its_fixes(
    client: TestClient, solved: Solved, tiny_problem
):
    """The explained plan is a plan document: evaluate accepts it as valid."""
    plan = solved(tiny_problem)
    explained = client.post(
        "/v1/plans/explain", json={"problem": tiny_problem, "plan": plan}
    ).json()
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": explained})
    assert response.status_code == 200
    assert response.json()["is_valid"] is True


def test_explain_refuses_an_invalid_plan_naming_it(
    client: TestClient, solved: Solved, tiny_problem
):
    """A plan missing an order is a 422 on plan with the validator's first finding."""
    plan = solved(tiny_problem)
    plan["unassigned"] = []
    plan["kpis"] = {}
    response = client.post("/v1/plans/explain", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 422
    message = (
        "The plan breaks 1 rule(s) of the problem, the first (missing_work_order): Work order "
        "WO-3 is neither served in a route nor listed as unassigned; only a valid plan can be "
        "changed and checked again."
    )
    assert error_of(response) == {
        "code": "input_error",
        "message": message,
        "field": "plan",
        "issues": [{"field": "plan", "message": message}],
    }


def test_explain_time_limit_is_bounded(client: TestClient, solved: Solved, tiny_problem):
    """A negative time limit is a 422 naming time_limit_s."""
    plan = solved(tiny_problem)
    body = {"problem": tiny_problem, "plan": plan, "time_limit_s": -1}
    response = client.post("/v1/plans/explain", json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] == "time_limit_s"


def test_plans_add_the_analysis_on_request(solved: Solved, tiny_problem):
    """analysis: true adds the score analysis, which adds up to the objective; else it is null."""
    plain = solved(tiny_problem)
    assert plain["analysis"] is None
    out = solved(tiny_problem, analysis=True)
    _assert_adds_up(out["analysis"], out["kpis"]["objective"])
    unserved = out["analysis"]["by_order"]
    assert unserved == {"WO-3": 10000.0}
    (entry,) = [e for e in out["analysis"]["entries"] if e["term"] == "unassigned"]
    assert entry["sentence"] == "WO-3 (P3, standard) is not served: 10,000 points."


def test_evaluate_returns_the_analysis(client: TestClient, solved: Solved, tiny_problem):
    """Evaluate always has the analysis; a plan sent back with its analysis is accepted."""
    plan = solved(tiny_problem, analysis=True)
    response = client.post("/v1/plans/evaluate", json={"problem": tiny_problem, "plan": plan})
    assert response.status_code == 200
    out = response.json()
    _assert_adds_up(out["analysis"], out["kpis"]["objective"])
    technicians = {e["technician_id"] for e in out["analysis"]["entries"] if e["term"] == "travel"}
    assert technicians == {"T1", "T2"}
