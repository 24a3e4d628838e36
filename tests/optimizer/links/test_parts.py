"""Decomposition never splits a crew or a dependency chain across parts."""

from __future__ import annotations

import pytest

from optimizer import SolveParams, check_plan, solve
from optimizer.domain import Dependency
from optimizer.search import decomposition
from optimizer.search.link_parts import whole_links
from optimizer.search.partition import Part
from tests.factories import order, problem, tech
from tests.optimizer.links.test_search import _random_day


def test_parts_sharing_a_chain_or_a_crew_order_are_merged() -> None:
    prob = problem(
        [tech("T1"), tech("T2"), tech("T3")],
        [order("A"), order("B", dependencies=(Dependency("A"),)), order("C"), order("D")],
    )
    parts = [
        Part(frozenset({"T1"}), frozenset({"A"})),
        Part(frozenset({"T2"}), frozenset({"B", "D"})),
        Part(frozenset({"T3"}), frozenset({"C"})),
    ]
    merged = whole_links(prob, parts)
    assert merged == [
        Part(frozenset({"T1", "T2"}), frozenset({"A", "B", "D"})),
        Part(frozenset({"T3"}), frozenset({"C"})),
    ]
    crew_served_twice = [
        Part(frozenset({"T1"}), frozenset({"C"})),
        Part(frozenset({"T3"}), frozenset({"C"})),
    ]
    assert whole_links(prob, crew_served_twice) == [Part(frozenset({"T1", "T3"}), frozenset({"C"}))]


def test_a_day_solved_in_parts_keeps_its_crews_and_chains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decomposition, "SPLIT_MIN_ORDERS", 30)
    monkeypatch.setattr(decomposition, "PART_ORDERS", 15)
    prob = _random_day(11, n_orders=60, n_techs=8)
    plan = solve(prob, params=SolveParams(time_limit_s=20.0, solution_limit=20))
    assert plan.stats.engine.startswith("parts")
    assert check_plan(prob, plan) == []
    assert plan.kpis["crew_orders_served"] >= 5
