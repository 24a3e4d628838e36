"""The decomposition on a real two-node Ray cluster (two raylets and object stores, one machine)."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.ray_cluster import locally, on_two_nodes, two_node_cluster
from optimizer import SolveParams, check_plan
from optimizer.document import load_problem
from optimizer.search import decomposition
from scenarios.build import build_scenario
from scenarios.params import ScenarioParams

pytest.importorskip("ray")
pytestmark = pytest.mark.skipif(shutil.which("ray") is None, reason="the ray command is missing")


def test_parts_run_on_both_nodes_into_the_local_pools_plan(monkeypatch: pytest.MonkeyPatch):
    """Every round's parts spread over both nodes; the plan is valid and the local pool's."""
    monkeypatch.setattr(decomposition, "PART_ORDERS", 20)
    problem = load_problem(build_scenario(ScenarioParams(n_technicians=8, n_orders=90, seed=4)))
    params = SolveParams(time_limit_s=120, solution_limit=3, seed=3)
    local = locally(problem, params)
    with two_node_cluster() as cluster:
        plan, nodes, _ = on_two_nodes(problem, params, cluster)
    assert all(node.poll() is not None for node in cluster.nodes)  # both stopped
    assert check_plan(problem, plan) == []
    assert plan.routes == local.routes
    assert len(set(nodes)) == 2, nodes
    assert len(nodes) >= 8  # 4+ parts a round, 2+ rounds
