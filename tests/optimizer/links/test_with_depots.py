"""Crews and linked visits on a day with depots, tools and territories (both features at once)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optimizer import check_plan, retime_plan, solve
from optimizer.document import load_problem
from optimizer.params import SolveParams
from optimizer.problem import Problem
from optimizer.search.rules.greedy import greedy_plan

DATA = Path(__file__).resolve().parents[3] / "scenarios" / "data" / "metro-depots.json"


def _linked_depot_day() -> Problem:
    """metro-depots with two crew orders (one needs a tool), two dependencies, territories."""
    doc: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    orders = doc["work_orders"]
    plain = [w for w in orders if not w.get("parts") and not w.get("required_tools")]
    tooled = [w for w in orders if w.get("required_tools") and not w.get("parts")]
    with_parts = [w for w in orders if w.get("parts")]
    plain[0]["crew_size"] = 2
    tooled[0]["crew_size"] = 2
    plain[1]["dependencies"] = [{"after": plain[2]["id"], "min_delay_min": 30}]
    with_parts[0]["dependencies"] = [{"after": plain[3]["id"]}]
    for tech in doc["technicians"][:6]:
        tech["territories"] = ["north"]
    for order in orders[:20]:
        order["territory"] = "north"
    return load_problem(doc)


def test_search_serves_crews_chains_and_depot_visits_together() -> None:
    problem = _linked_depot_day()
    plan = solve(problem, params=SolveParams(time_limit_s=20, solution_limit=30, seed=1))
    assert check_plan(problem, plan) == []
    crews = {o.id for o in problem.work_orders if o.crew is not None}
    members = {
        wid: [r.technician_id for r in plan.routes for s in r.stops if s.work_order_id == wid]
        for wid in crews
    }
    served = {s.work_order_id for r in plan.routes for s in r.stops}
    for wid in crews & served:
        assert len(members[wid]) == 2 and len(set(members[wid])) == 2
    assert any(r.depot_stops for r in plan.routes)  # depot visits kept beside the links
    assert check_plan(problem, retime_plan(problem, plan)) == []


def test_rules_engine_with_links_and_depots_is_valid() -> None:
    problem = _linked_depot_day()
    plan = greedy_plan(problem)
    assert check_plan(problem, plan) == []
    assert any(s.crew for r in plan.routes for s in r.stops)
